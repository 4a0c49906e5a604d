"""Issue 7, structure side: things that slipped past the checker.

* a formula typed into an input cell (its cached value was trusted: `=D28+D29-D6` balanced T3-A);
* a second sheet carrying a template sheet's name (a copy, a duplicate, a look-alike);
* extra sheets, hidden or not, and hidden template sheets: one policy (extra sheets are warnings
  that name them, look-alikes are errors, the template's sheets are still checked in full);
* the 1904 date system (`<workbookPr date1904="1"/>`).

Tampered files are made the way tests/tamper_xml.py makes them (an XML edit of an honest, fully
filled workbook); the formula in an input is also typed through a real LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tests import tamper_xml as tx
from tests.make_filled import a1, build_to, honest_data, ref
from workbook_builder import api
from workbook_builder.batch.aggregate import rollup
from workbook_builder.template import registry
from workbook_builder.template.inputs import date_to_serial

REQ, COVER, TEXTS, ACTIVE = "依申请公开", "封面", "文字说明", "主动公开"
REQ_PART, COVER_PART = tx.SHEET_PART[REQ], tx.SHEET_PART[COVER]
NEW, CARRIED, CARRIED_FORWARD = "requests.new.person", "requests.carried_over.person", "requests.carried_forward.person"
DATE = "meta.date"


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_to(tmp_path_factory.mktemp("honest"), honest_data(), "huaian-2024.xlsx")


def flat(report) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    """Every finding above info as (code, cell), sorted."""
    return sorted((f.code, f.cell) for f in report.findings if f.severity != "info")


def check_parts(parts: dict[str, bytes], tmp_path: Path, name: str = "tampered.xlsx"):  # type: ignore[no-untyped-def]
    return api.check_file(tx.save(parts, tmp_path / name))


def _value(xml: str, cell: str) -> str:
    m = re.search(r"<v>([^<]*)</v>", tx.get_cell(xml, cell))
    assert m
    return m.group(1)


def _formula_in(parts: dict[str, bytes], sheet: str, cell: str, formula: str, cached: str | None = None,
                *, string: bool = False) -> None:
    """Put `formula` into `cell` with a cached result (the cell's current value unless given)."""
    part = tx.SHEET_PART[sheet]

    def change(xml: str) -> str:
        value = _value(xml, cell) if cached is None else cached
        kind = ' t="str"' if string else ""
        return tx.set_cell(xml, cell, f'<c r="{cell}" s="{tx.style_of(xml, cell)}"{kind}><f>{formula}</f><v>{value}</v></c>')

    tx.edit(parts, part, change)


# ---------------------------------------------------------------- 1. a formula in an input cell


def test_constant_formula_in_an_input_is_an_error_and_its_value_is_not_used(honest: Path, tmp_path: Path) -> None:
    """`=1+1` stored with the cell's old value (3001) passed on its cached value."""
    parts = tx.load(honest)
    _formula_in(parts, REQ, a1(NEW), "1+1")
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("input-formula", ref(NEW))]
    [hit] = [f for f in report.findings if f.code == "input-formula"]
    assert (hit.severity, hit.datapoint, hit.actual) == ("error", NEW, "=1+1")
    assert "=1+1" in hit.detail("zh") and "3001" in hit.detail("zh")
    assert "请删除公式，直接填写数值" in hit.message("zh")
    assert not report.valid
    # never trusted: invalid (so roll-up and carry-over leave it out) and its cached value is not used
    assert NEW in report.invalid_inputs and report.values[NEW] is None


def test_formula_balancing_t3a_by_construction_is_caught(honest: Path, tmp_path: Path) -> None:
    """`=D28+D29-D6` in 本年新收申请数量 makes T3-A true whatever the rest says."""
    parts = tx.load(honest)
    d28, d29, d6 = a1("requests.results_total.person"), a1(CARRIED_FORWARD), a1(CARRIED)
    _formula_in(parts, REQ, a1(NEW), f"{d28}+{d29}-{d6}")
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("input-formula", ref(NEW))]
    assert NEW in report.invalid_inputs


def test_formula_with_a_forged_result_gives_only_its_own_finding(honest: Path, tmp_path: Path) -> None:
    """A rule reading the input is skipped, as for any invalid input: one finding, at the cause."""
    parts = tx.load(honest)
    _formula_in(parts, REQ, a1(NEW), "1+1", cached="13")
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("input-formula", ref(NEW))]
    assert not [f for f in report.findings if f.code in ("rule-failed", "stale-value")]


def test_formula_in_a_text_input_is_an_error_and_gives_no_unit(honest: Path, tmp_path: Path) -> None:
    unit = "meta.unit_name"
    parts = tx.load(honest)
    _formula_in(parts, COVER, a1(unit), '"某某县人民政府"'.replace('"', "&quot;"), cached="某某县人民政府", string=True)
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("input-formula", ref(unit))]
    assert report.unit is None and unit in report.invalid_inputs


def test_shared_formula_without_its_anchor_in_an_input_is_an_error(honest: Path, tmp_path: Path) -> None:
    """A formula whose text cannot be known is a formula all the same."""
    parts = tx.load(honest)
    tx.edit(parts, REQ_PART, lambda x: tx.set_cell(x, a1(NEW), f'<c r="{a1(NEW)}" s="{tx.style_of(x, a1(NEW))}">'
                                                     '<f t="shared" si="7"/><v>3001</v></c>'))
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("input-formula", ref(NEW))]
    [hit] = [f for f in report.findings if f.code == "input-formula"]
    assert hit.actual is None and "3001" in hit.detail("zh")


def test_formula_in_an_input_is_left_out_of_a_roll_up(honest: Path, tmp_path: Path) -> None:
    """Even when invalid files are included, the formula's cached value is not summed."""
    parts = tx.load(honest)
    _formula_in(parts, REQ, a1(NEW), "1+1", cached="13")
    tampered = api.check_file(tx.save(parts, tmp_path / "tampered.xlsx"))
    rolled = rollup(registry.resolve().layout, [tampered], include_invalid=True)
    assert rolled.values[NEW] == 0
    assert rolled.values[CARRIED] == 34  # the file's other inputs are still counted


def test_formula_in_an_input_is_not_carried_into_next_years_workbook(honest: Path, tmp_path: Path) -> None:
    """结转下年度继续办理 (D29) becomes next year's 上年结转 (D6) only when it was typed, not computed."""
    from workbook_builder.build.personalise import carry_overs, prefill_for

    layout = registry.resolve().layout
    assert carry_overs(layout)[CARRIED] == CARRIED_FORWARD
    parts = tx.load(honest)
    _formula_in(parts, REQ, a1(CARRIED_FORWARD), "100+3")
    tampered = api.check_file(tx.save(parts, tmp_path / "tampered.xlsx"))
    data = prefill_for(layout, "meta.unit_name", "某单位", 2025, tampered.values, set(tampered.invalid_inputs))
    assert CARRIED not in data
    clean = api.check_file(honest)
    assert prefill_for(layout, "meta.unit_name", "某单位", 2025, clean.values, set(clean.invalid_inputs))[CARRIED] == 103


@pytest.fixture(scope="module")
def lo_returned(libreoffice, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """An honest file filled through LibreOffice (no finding above info)."""
    from tests import lo_fill as F

    folder = tmp_path_factory.mktemp("lo-structure")
    empty = folder / "empty.xlsx"
    F.build_empty(empty)
    saved = folder / "returned.xlsx"
    F.fill_and_save(libreoffice, empty, F.valid_fill(7), saved)
    assert F.severe(api.check_file(saved)) == []
    return saved


def _lo_tamper(libreoffice, source: Path, out: Path, ops: list[dict]):  # type: ignore[no-untyped-def]
    from tests import lo_fill as F

    libreoffice.run(source, [*ops, {"op": "save_xlsx", "path": str(out)}], password=F.PASSWORD)
    return api.check_file(out)


@pytest.mark.libreoffice
def test_formula_typed_in_libreoffice_is_an_error(libreoffice, lo_returned: Path,  # type: ignore[no-untyped-def]
                                                  tmp_path: Path) -> None:
    from tests import lo_fill as F

    report = _lo_tamper(libreoffice, lo_returned, tmp_path / "t.xlsx",
                        [{"op": "type", "sheet": REQ, "cell": F.addr(NEW), "text": "=1+1"}])
    assert [(f.code, f.cell) for f in F.severe(report)] == [("input-formula", ref(NEW))], \
        F.describe_findings(report.findings)
    [hit] = F.severe(report)
    assert hit.actual == "=1+1" and NEW in report.invalid_inputs


# ---------------------------------------------------------------- sheets


def _add_sheet(parts: dict[str, bytes], name: str, *, copy_of: str | None = None, state: str | None = None,
               number: int = 9) -> None:
    """Append a sheet: a copy of a template sheet's part (a copied sheet) or a one-cell note."""
    part = f"xl/worksheets/sheet{number}.xml"
    if copy_of is not None:
        parts[part] = parts[tx.SHEET_PART[copy_of]]
    else:
        parts[part] = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
        )
    attr = f' state="{state}"' if state else ""
    rid = f"rId{90 + number}"
    tx.edit(parts, tx.WORKBOOK, lambda x: tx.replace(
        x, "</sheets>", f'<sheet name="{name}" sheetId="{number}"{attr} r:id="{rid}"/></sheets>'))
    tx.edit(parts, tx.RELS, lambda x: tx.replace(x, "</Relationships>", (
        f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
        f' Target="worksheets/sheet{number}.xml"/></Relationships>')))
    tx.edit(parts, tx.CONTENT_TYPES, lambda x: tx.replace(x, "</Types>", (
        f'<Override PartName="/{part}" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')))


def _hide(parts: dict[str, bytes], name: str, state: str) -> None:
    tx.edit(parts, tx.WORKBOOK, lambda x: tx.replace(x, f'<sheet name="{name}" ', f'<sheet name="{name}" state="{state}" '))


def _reasons(report, code: str) -> list[tuple[str | None, str | None]]:  # type: ignore[no-untyped-def]
    return sorted((f.cell, f.reason) for f in report.findings if f.code == code)


def test_second_sheet_with_a_template_sheets_name_is_an_error(honest: Path, tmp_path: Path) -> None:
    """Two sheets named 依申请公开 (LibreOffice shows the second as "依申请公开 -1"): it passed."""
    parts = tx.load(honest)
    _add_sheet(parts, REQ, copy_of=REQ)
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("structure-changed", f"'{REQ}'")]
    assert _reasons(report, "structure-changed") == [(f"'{REQ}'", "sheet-duplicate")]
    assert "依申请公开" in report.findings[0].detail("zh") and not report.valid


@pytest.mark.parametrize("name", [
    "依申请公开 -1",     # LibreOffice's name for a copy / a duplicate
    "依申请公开_2",      # LibreOffice's copy
    "依申请公开 (2)",    # Excel's copy
    "依申请公开(2)",     # WPS's copy
    "依申请公开（２）",  # full-width brackets and digit
    " 依申请公开 ",      # spaces around
    "依申请公开 副本",
    "文字说明\u200b",    # an invisible character
    "Copy of 依申请公开",  # Excel's English copy name (review of issue 7)
    "副本 依申请公开",
    "依申请公开_old",
])
def test_copy_or_look_alike_of_a_template_sheet_is_an_error(honest: Path, tmp_path: Path, name: str) -> None:
    parts = tx.load(honest)
    original = TEXTS if name.startswith(TEXTS) else REQ
    _add_sheet(parts, name, copy_of=original)
    report = check_parts(parts, tmp_path)
    # the template's own sheets are still checked and clean: the copy is the only finding
    assert flat(report) == [("structure-changed", f"'{name}'")]
    [hit] = report.findings
    assert (hit.reason, hit.severity) == ("sheet-lookalike", "error")
    assert original in hit.detail("zh") and name in hit.detail("zh")


def test_look_alike_of_a_template_sheet_that_is_missing(honest: Path, tmp_path: Path) -> None:
    """The template's sheet renamed to a copy's name: it is missing, and the look-alike is named."""
    parts = tx.load(honest)
    tx.rename_sheet(parts, TEXTS, "文字说明 (2)")
    report = check_parts(parts, tmp_path)
    assert sorted((f.cell, f.reason) for f in report.findings if f.severity != "info") == [
        ("'文字说明 (2)'", "sheet-lookalike"), (f"'{TEXTS}'", "sheet-missing")]


@pytest.mark.parametrize(("state", "reason"), [(None, "visible"), ("hidden", "hidden"), ("veryHidden", "very-hidden")])
def test_extra_sheet_is_a_warning_that_names_it(honest: Path, tmp_path: Path, state: str | None, reason: str) -> None:
    """A hidden extra sheet passed with no finding; a visible notes sheet made the file invalid."""
    parts = tx.load(honest)
    _add_sheet(parts, "填报备注", state=state)
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("extra-sheet", "'填报备注'")]
    [hit] = report.findings
    assert (hit.severity, hit.reason) == ("warning", reason)
    assert "填报备注" in hit.detail("zh")
    assert report.valid  # a clerk's notes do not make the report wrong


def test_template_sheets_are_still_checked_beside_an_extra_sheet(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    _add_sheet(parts, "Sheet1", state="hidden")
    total = a1("requests.results_total.person")
    tx.edit(parts, REQ_PART, lambda x: tx.set_number(x, total, "9999"))
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("extra-sheet", "'Sheet1'"), ("formula-overwritten", ref("requests.results_total.person"))]


@pytest.mark.parametrize(("state", "reason"), [("hidden", "hidden"), ("veryHidden", "very-hidden")])
def test_hidden_template_sheet_is_a_warning(honest: Path, tmp_path: Path, state: str, reason: str) -> None:
    parts = tx.load(honest)
    _hide(parts, TEXTS, state)
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("sheet-hidden", f"'{TEXTS}'")]
    assert _reasons(report, "sheet-hidden") == [(f"'{TEXTS}'", reason)]
    assert report.valid


@pytest.mark.libreoffice
@pytest.mark.parametrize(("name", "code", "reason"), [("依申请公开 -1", "structure-changed", "sheet-lookalike"),
                                                      ("备注", "extra-sheet", "visible")])
def test_sheet_inserted_in_libreoffice(libreoffice, lo_returned: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                       name: str, code: str, reason: str) -> None:
    from tests import lo_fill as F

    report = _lo_tamper(libreoffice, lo_returned, tmp_path / "t.xlsx", [{"op": "insert_sheet", "name": name}])
    assert [(f.code, f.cell, f.reason) for f in F.severe(report)] == [(code, f"'{name}'", reason)], \
        F.describe_findings(report.findings)


def test_a_name_that_merely_contains_a_template_sheets_name_is_an_extra_sheet(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    _add_sheet(parts, "依申请公开说明")
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("extra-sheet", "'依申请公开说明'")]


# ---------------------------------------------------------------- 4. the 1904 date system


def _date1904(parts: dict[str, bytes]) -> None:
    tx.edit(parts, tx.WORKBOOK, lambda x: tx.sub(r"<workbookPr\b", '<workbookPr date1904="1"', x, count=1))


def test_1904_serial_is_exported_as_the_client_shows_it(honest: Path, tmp_path: Path) -> None:
    """The honest file's serial 45677 is 2025-01-20 in the 1900 system, 2029-01-21 in 1904's."""
    parts = tx.load(honest)
    assert _value(tx.text(parts, COVER_PART), a1(DATE)) == "45677"
    _date1904(parts)
    path = tx.save(parts, tmp_path / "d1904.xlsx")
    assert api.export(path)["values"][DATE] == "2029-01-21"
    report = api.check_file(path)
    assert flat(report) == []
    assert report.values[DATE] == date_to_serial(dt.date(2029, 1, 21))  # FileResult counts in the 1900 system


def test_1904_workbook_with_the_right_serial_checks_clean(honest: Path, tmp_path: Path) -> None:
    serial = str(int((dt.date(2025, 1, 20) - dt.date(1904, 1, 1)).days))
    parts = tx.load(honest)
    _date1904(parts)
    tx.edit(parts, COVER_PART, lambda x: tx.set_number(x, a1(DATE), serial))
    path = tx.save(parts, tmp_path / "d1904.xlsx")
    assert api.export(path)["values"][DATE] == "2025-01-20"
    report = api.check_file(path)
    assert flat(report) == [] and report.values[DATE] == date_to_serial(dt.date(2025, 1, 20))


def test_1904_date_out_of_range_is_found(honest: Path, tmp_path: Path) -> None:
    """Serial 72000 is 2097 in the 1900 system (accepted) but 2101 in 1904's (out of range)."""
    parts = tx.load(honest)
    _date1904(parts)
    tx.edit(parts, COVER_PART, lambda x: tx.set_number(x, a1(DATE), "72000"))
    report = check_parts(parts, tmp_path)
    assert [(f.code, f.cell, f.reason) for f in report.findings if f.severity != "info"] == [
        ("invalid-input", ref(DATE), "date-out-of-range")]


@pytest.mark.parametrize("flag", ['date1904="true"', 'date1904="0"', 'date1904="false"'])
def test_date1904_attribute_values(honest: Path, tmp_path: Path, flag: str) -> None:
    parts = tx.load(honest)
    tx.edit(parts, tx.WORKBOOK, lambda x: tx.sub(r"<workbookPr\b", f"<workbookPr {flag}", x, count=1))
    path = tx.save(parts, tmp_path / "flag.xlsx")
    expected = "2029-01-21" if "true" in flag else "2025-01-20"
    assert api.export(path)["values"][DATE] == expected


# ---------------------------------------------------------------- export follows the same trust


def test_export_does_not_pass_off_an_inputs_formula_result_as_its_value(honest: Path, tmp_path: Path) -> None:
    """`export` read the cached result of `=1+1` as if it had been typed in."""
    parts = tx.load(honest)
    _formula_in(parts, REQ, a1(NEW), "1+1", cached="13")
    out = api.export(tx.save(parts, tmp_path / "formula.xlsx"))
    assert out["values"][NEW] is None
    assert out["input_formulas"] == {NEW: "=1+1"}
    assert api.export(honest)["input_formulas"] == {}


def test_export_refuses_a_copied_sheet_saying_why(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    _add_sheet(parts, "依申请公开 -1", copy_of=REQ)
    with pytest.raises(api.UnreadableWorkbook) as err:
        api.export(tx.save(parts, tmp_path / "copy.xlsx"))
    assert "无法确定数据的位置" in str(err.value) and "依申请公开 -1" in str(err.value)
