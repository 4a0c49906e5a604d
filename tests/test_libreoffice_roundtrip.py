"""A real client: LibreOffice fills our workbook as a person would, computes it and saves it.

The empty default workbook is built by our library; through UNO every input is typed (numbers
and the date into the input line, texts stored as text), LibreOffice recalculates, and we read
every formula cell from LibreOffice and save the file as xlsx. Then:

* LibreOffice's totals, 平衡/不平衡 check cells and cover summary equal our engine's for the
  same inputs (also for a fill that breaks T3-A in one column);
* the saved file keeps what the checker relies on (protection, validation with its Chinese
  messages, one defined name per data point, the identifying custom properties), exports
  every typed value back, and `check_file` raises no finding above info on it;
* the built and the 淮安市-filled workbooks render to PNG (and print without ### cells).
"""

from __future__ import annotations

import random
import struct
import subprocess
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest

from tests import lo_fill as F
from tests import render_readme_image
from tests.helpers.libreoffice import LibreOffice
from workbook_builder import api
from workbook_builder.ooxml.refs import a1, column_letter
from workbook_builder.template.layout import ALL_BALANCED, BALANCED, NOT_BALANCED, UNBALANCED

pytestmark = pytest.mark.libreoffice

SEED = 20250120


@pytest.fixture(scope="module")
def empty_book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lo-roundtrip") / "empty.xlsx"
    F.build_empty(path)
    return path


@pytest.fixture(scope="module")
def honest(libreoffice: LibreOffice, empty_book: Path, tmp_path_factory) -> SimpleNamespace:
    """The empty workbook filled through LibreOffice with a seeded valid fill, recalculated, saved."""
    fill = F.valid_fill(SEED)
    assert fill["meta.date"] == "2025-01-20"
    saved = tmp_path_factory.mktemp("lo-roundtrip") / "returned.xlsx"
    lo_values = F.fill_and_save(libreoffice, empty_book, fill, saved)
    engine = F.TEMPLATE.recompute.compute(F.expected_inputs(fill))
    return SimpleNamespace(fill=fill, saved=saved, lo=lo_values, engine=engine)


def _value(info: dict):
    """LibreOffice's value of a formula cell as our engine gives it (numbers as float)."""
    assert info["type"] == "FORMULA", info
    assert info["error"] == 0, info
    return info["value"]


def _unbalanced(values) -> set[str]:
    return {dp for dp in F.CHECK_IDS if values[dp] == UNBALANCED}


# ---------------------------------------------------------------- LibreOffice computes what we compute


def test_every_typed_input_landed_as_a_person_would_see_it(libreoffice: LibreOffice, honest) -> None:
    ops, order = F.read_ops([c.datapoint for c in F.LAYOUT.inputs])
    got = F.values_from(libreoffice.run(honest.saved, ops), order)
    expected = F.expected_inputs(honest.fill)
    for c in F.LAYOUT.inputs:
        info = got[c.datapoint]
        want_type = "TEXT" if c.input.type == "text" else "VALUE"
        assert info["type"] == want_type, (c.datapoint, info)
        assert info["value"] == expected[c.datapoint], (c.datapoint, info)
    assert got["meta.date"]["text"] == "2025-01-20"  # the cell's date format survives


def test_libreoffice_formula_results_equal_our_engine(honest) -> None:
    assert set(honest.lo) == set(F.FORMULA_IDS)
    differ = {dp: (_value(honest.lo[dp]), honest.engine[dp]) for dp in F.FORMULA_IDS
              if _value(honest.lo[dp]) != honest.engine[dp]}
    assert differ == {}
    # an honest fill: every check cell and the cover summary say so, in LibreOffice and in our engine
    assert {honest.lo[dp]["value"] for dp in F.CHECK_IDS} == {BALANCED}
    assert honest.lo["checks.summary"]["value"] == honest.engine["checks.summary"] == ALL_BALANCED
    # and the totals are real sums, not zeros: the fill has non-trivial figures
    assert honest.engine["requests.results_total.total"] > 0


@pytest.mark.parametrize("column_seed", [1, 2])
def test_breaking_t3a_in_one_column_unbalances_that_check_like_our_engine(
    libreoffice: LibreOffice, empty_book: Path, tmp_path: Path, column_seed: int
) -> None:
    """One more new request than handled in one applicant column: T3-A fails there.

    The 总计 column sums the six applicant columns, so its T3-A check fails with it: the
    unbalanced check cells are exactly that column's and the total's, in LibreOffice and in our
    engine alike; T3-D (四 ≤ 一＋二) still holds everywhere.
    """
    column = random.Random(column_seed).choice(F.REQUEST_COLUMNS)
    fill = F.valid_fill(SEED + column_seed)
    fill[f"requests.new.{column}"] += 7
    saved = tmp_path / "t3a.xlsx"
    lo_values = F.fill_and_save(libreoffice, empty_book, fill, saved)
    engine = F.TEMPLATE.recompute.compute(F.expected_inputs(fill))

    lo = {dp: _value(info) for dp, info in lo_values.items()}
    assert {dp: lo[dp] for dp in F.FORMULA_IDS} == {dp: engine[dp] for dp in F.FORMULA_IDS}
    expected = {f"checks.t3_a.{column}", "checks.t3_a.total"}
    assert _unbalanced(lo) == _unbalanced(engine) == expected
    assert lo["checks.summary"] == engine["checks.summary"] == NOT_BALANCED

    # the checker says the same about the file LibreOffice saved: T3-A, at those two cells, nothing else
    severe = F.severe(api.check_file(saved))
    assert sorted((f.code, f.rule, f.cell) for f in severe) == sorted(
        ("rule-failed", "T3-A", F.cell(dp).ref) for dp in expected
    ), F.describe_findings(severe)


# ---------------------------------------------------------------- what survives LibreOffice's save


def test_saved_by_libreoffice(honest) -> None:
    wb = api.open_workbook(honest.saved)
    assert wb.saved_by == "libreoffice"
    assert "LibreOffice" in (wb.application or "")


def test_every_sheet_still_protected(honest, empty_book: Path) -> None:
    saved, built = openpyxl.load_workbook(honest.saved), openpyxl.load_workbook(empty_book)
    assert saved.sheetnames == built.sheetnames == list(F.SHEETS)
    for name in F.SHEETS:
        assert saved[name].protection.sheet is True, name
        # the same legacy password hash (LibreOffice writes it upper-case)
        assert saved[name].protection.password.upper() == built[name].protection.password.upper()
    ours = api.open_workbook(honest.saved)
    assert all(ours.sheet(name).protected for name in F.SHEETS)


def _validation_at(ws, ref: str):
    found = [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]
    assert len(found) == 1, (ws.title, ref, [str(dv.sqref) for dv in found])
    return found[0]


def test_every_input_keeps_its_validation_and_chinese_messages(honest, empty_book: Path) -> None:
    saved, built = openpyxl.load_workbook(honest.saved), openpyxl.load_workbook(empty_book)
    for c in F.LAYOUT.inputs:
        ref = a1(c.row, c.col)
        got, want = _validation_at(saved[c.sheet], ref), _validation_at(built[c.sheet], ref)
        where = f"{c.datapoint} at {c.ref}"
        assert got.type == want.type, where
        assert (got.operator or "between") == (want.operator or "between"), where
        assert got.formula1 == want.formula1, where
        if want.type != "custom":  # LibreOffice adds a formula2 of 0 to a custom rule
            assert got.formula2 == want.formula2, where
        assert bool(got.allow_blank) == bool(want.allow_blank), where
        # the Chinese prompt and error message, shown and unchanged
        assert got.promptTitle == want.promptTitle == "填写提示", where
        assert got.prompt == want.prompt and got.prompt.startswith("请填写"), where
        assert got.errorTitle == want.errorTitle == "输入有误", where
        assert got.error == want.error and got.error.startswith("此处只能填写"), where
        assert got.showInputMessage and got.showErrorMessage, where
        assert (got.errorStyle or "stop") == "stop", where


def _target(text: str) -> tuple[str, str]:
    """'依申请公开'!$D$5 or 依申请公开!$D$5 → ('依申请公开', '$D$5')."""
    sheet, _, cell = text.lstrip("=").rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cell


def test_every_defined_name_points_at_the_same_cell(honest) -> None:
    wb = openpyxl.load_workbook(honest.saved)
    expected = dict(F.LAYOUT.defined_names)
    assert len(expected) == len(F.LAYOUT.by_id)
    assert set(wb.defined_names) == set(expected)
    for name, ref in expected.items():
        assert _target(wb.defined_names[name].attr_text) == _target(ref), name
    # our own reader sees the same names, workbook-scoped, once each
    read = api.open_workbook(honest.saved).defined_names
    names = [(n, scope, _target(text)) for n, scope, text in read if not n.startswith("_xlnm.")]
    assert sorted(names) == sorted((n, None, _target(ref)) for n, ref in expected.items())
    # besides them only the sheets' print areas (and print titles), which survive too
    areas = {(scope, _target(text)) for n, scope, text in read if n == "_xlnm.Print_Area"}
    assert areas == {(i, (s.name, f"$A$1:${column_letter(s.last_col)}${s.last_row}"))
                     for i, s in enumerate(F.LAYOUT.sheets)}
    assert {n for n, _, _ in read if n.startswith("_xlnm.")} <= {"_xlnm.Print_Area", "_xlnm.Print_Titles"}


def test_custom_properties_survive(honest) -> None:
    props = {p.name: p.value for p in openpyxl.load_workbook(honest.saved).custom_doc_props.props}
    assert props == F.LAYOUT.properties
    assert set(props) == {"template_id", "template_version", "template_fingerprint"}
    assert api.export(honest.saved)["template"] == {"id": F.TEMPLATE.spec.id, "version": F.TEMPLATE.spec.version}


def test_export_round_trips_every_typed_value(honest) -> None:
    exported = api.export(honest.saved)["values"]
    typed = F.exported_inputs(honest.fill)
    assert {dp: exported[dp] for dp in typed} == typed
    assert exported["meta.date"] == "2025-01-20"
    # and the formula cells hold LibreOffice's results, which are ours
    for dp in F.FORMULA_IDS:
        want = honest.engine[dp]
        want = int(want) if isinstance(want, float) and want.is_integer() else want
        assert exported[dp] == want, dp


def test_libreoffice_saved_honest_file_raises_no_false_alarm(honest) -> None:
    report = api.check_file(honest.saved)
    assert F.severe(report) == [], F.describe_findings(report.findings)
    assert report.valid
    assert report.unit == honest.fill["meta.unit_name"]
    assert report.year == honest.fill["meta.year"]


# ---------------------------------------------------------------- rendering


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def huaian_book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lo-render") / "huaian-city-2024.xlsx"
    path.write_bytes(api.build(data=render_readme_image.huaian_data()))
    return path


@pytest.mark.parametrize("which", ["empty", "huaian"])
def test_render_png(libreoffice: LibreOffice, empty_book: Path, huaian_book: Path, tmp_path: Path, which: str) -> None:
    book = empty_book if which == "empty" else huaian_book
    png = libreoffice.render_png(book, tmp_path / f"{which}.png", dpi=60)
    width, height = _png_size(png)
    assert width > 300 and height > 300
    assert png.stat().st_size > 5_000


def test_huaian_workbook_prints_without_hash_cells(libreoffice: LibreOffice, huaian_book: Path, tmp_path: Path) -> None:
    """Every sheet printed: each title is there, no number too wide for its column (###)."""
    pdf = tmp_path / "huaian.pdf"
    libreoffice.run(huaian_book, [{"op": "export_pdf", "path": str(pdf)}])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True).stdout
    assert "###" not in text
    flat = "".join(text.split())
    for sheet in F.SHEETS:
        assert "".join(render_readme_image._first_text(sheet).split()) in flat, sheet
    for shown in ("淮安市人民政府", "3119", "3050", "96171.6", "全部平衡"):
        assert shown in flat, shown


def test_readme_image_script(libreoffice: LibreOffice, tmp_path: Path) -> None:
    png = render_readme_image.render(tmp_path / "requests.png", office=libreoffice, dpi=60)
    width, height = _png_size(png)
    assert width > 300 and height > 200
    assert width > height  # cropped to the table, not the whole A4 portrait page


def test_opened_and_saved_again_still_raises_no_false_alarm(libreoffice: LibreOffice, honest, tmp_path: Path) -> None:
    """A person opens the returned file again in LibreOffice, recalculates and saves it once more."""
    again = tmp_path / "again.xlsx"
    libreoffice.run(honest.saved, [{"op": "calculate_all"}, {"op": "save_xlsx", "path": str(again)}])
    report = api.check_file(again)
    assert F.severe(report) == [], F.describe_findings(report.findings)
    assert api.export(again)["values"] == api.export(honest.saved)["values"]
