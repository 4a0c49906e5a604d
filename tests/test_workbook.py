"""The built default workbook, read back with openpyxl: protection, locks, validations, formulas,
defined names, properties, print setup, panes, widths, and byte-for-byte reproducible builds."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
import yaml
from openpyxl.utils import get_column_letter
from openpyxl.utils.protection import hash_password

from workbook_builder import api
from workbook_builder.template import registry

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def template():  # type: ignore[no-untyped-def]
    return registry.resolve("gov_info_disclosure_2021")


@pytest.fixture(scope="module")
def layout(template):  # type: ignore[no-untyped-def]
    return template.layout


@pytest.fixture(scope="module")
def default_bytes() -> bytes:
    return api.build()


@pytest.fixture(scope="module")
def wb(default_bytes: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(default_bytes))


def _merged_cells(cell):  # type: ignore[no-untyped-def]
    """Every (row, col) a layout cell covers."""
    r2, c2 = cell.last_row or cell.row, cell.last_col or cell.col
    return [(r, c) for r in range(cell.row, r2 + 1) for c in range(cell.col, c2 + 1)]


# ---------------------------------------------------------------- protection and locks


def test_every_sheet_protected_with_the_template_password(wb, layout) -> None:  # type: ignore[no-untyped-def]
    assert [ws.title for ws in wb.worksheets] == [s.name for s in layout.sheets]
    for ws in wb.worksheets:
        assert ws.protection.sheet is True, ws.title
        assert ws.protection.password, f"{ws.title}: no password hash"
        assert ws.protection.password == hash_password(layout.spec.password), ws.title


def test_password_argument_overrides_the_template_password() -> None:
    ws = openpyxl.load_workbook(io.BytesIO(api.build(password="另一个"))).worksheets[0]
    assert ws.protection.sheet is True
    assert ws.protection.password == hash_password("另一个")


def test_inputs_unlocked_everything_else_locked(wb, layout) -> None:  # type: ignore[no-untyped-def]
    input_cells = set()
    for c in layout.inputs:
        for r, col in _merged_cells(c):
            input_cells.add((c.sheet, r, col))
            assert wb[c.sheet].cell(r, col).protection.locked is False, f"{c.ref} ({c.datapoint}) is locked"
    for sheet in layout.sheets:
        for c in sheet.cells:
            if c.kind != "input":
                assert wb[sheet.name].cell(c.row, c.col).protection.locked is not False, f"{c.ref} {c.kind}"
        # and nothing outside the inputs is unlocked, anywhere in the sheet
        for row in wb[sheet.name].iter_rows():
            for cell in row:
                if cell.protection.locked is False:
                    assert (sheet.name, cell.row, cell.column) in input_cells, f"{sheet.name}!{cell.coordinate}"


def test_formula_label_and_check_cells_are_locked(wb, layout) -> None:  # type: ignore[no-untyped-def]
    kinds = {c.kind for s in layout.sheets for c in s.cells}
    assert {"formula", "label", "header", "title", "check", "summary"} <= kinds
    for s in layout.sheets:
        for c in s.cells:
            if c.kind in ("formula", "label", "header", "title", "note", "check", "summary"):
                assert wb[s.name].cell(c.row, c.col).protection.locked is True, c.ref


# ---------------------------------------------------------------- data validation


def _validation_for(ws, cell):  # type: ignore[no-untyped-def]
    coord = f"{get_column_letter(cell.col)}{cell.row}"
    found = [dv for dv in ws.data_validations.dataValidation if coord in dv.sqref]
    assert len(found) == 1, f"{cell.ref}: {len(found)} validations cover it"
    return found[0]


def test_every_input_has_a_validation_with_chinese_prompt_and_error(wb, layout) -> None:  # type: ignore[no-untyped-def]
    for c in layout.inputs:
        dv = _validation_for(wb[c.sheet], c)
        # the whole merged input is covered
        for r, col in _merged_cells(c):
            assert f"{get_column_letter(col)}{r}" in dv.sqref, c.ref
        assert dv.showErrorMessage and dv.showInputMessage, c.ref
        assert dv.errorStyle in (None, "stop"), c.ref  # stop: the only style that refuses the value
        for text in (dv.promptTitle, dv.prompt, dv.errorTitle, dv.error):
            assert text and CJK.search(text), (c.ref, text)


def test_validation_types_follow_the_input_types(wb, layout) -> None:  # type: ignore[no-untyped-def]
    seen = set()
    for c in layout.inputs:
        spec = c.input
        dv = _validation_for(wb[c.sheet], c)
        here = f"{get_column_letter(c.col)}{c.row}"
        seen.add(spec.type)
        if spec.type == "whole":
            assert dv.type == "whole", c.ref
            assert dv.operator in (None, "between"), c.ref
            assert float(dv.formula1) == spec.min >= 0, c.ref
            if spec.max is not None:
                assert float(dv.formula2) == spec.max, c.ref
        elif spec.type == "decimal":
            assert dv.type == "custom", c.ref
            assert f"ROUND({here},{spec.decimals})" in dv.formula1, dv.formula1
            assert f"ISNUMBER({here})" in dv.formula1 and f"{here}>=0" in dv.formula1, dv.formula1
            assert spec.unit and spec.unit in dv.prompt
        elif spec.type == "text":
            assert dv.type == "textLength", c.ref
            assert int(dv.formula2) == spec.max_length, c.ref
            assert str(spec.max_length) in dv.prompt
        elif spec.type == "date":
            assert dv.type == "date", c.ref
        else:  # pragma: no cover
            pytest.fail(f"unknown input type {spec.type}")
    assert seen == {"whole", "decimal", "text", "date"}


def test_fee_validation_is_six_decimals(wb, layout) -> None:  # type: ignore[no-untyped-def]
    fee = layout.by_id["disclosure.fees.amount"]
    dv = _validation_for(wb[fee.sheet], fee)
    assert re.fullmatch(r"AND\(ISNUMBER\(B18\),B18>=0,ROUND\(B18,6\)=B18\)", dv.formula1), dv.formula1
    assert "万元" in dv.prompt and "6位小数" in dv.prompt


def test_year_prompt_does_not_tell_the_user_to_write_0(wb, layout) -> None:  # type: ignore[no-untyped-def]
    year = layout.by_id["meta.year"]
    dv = _validation_for(wb[year.sheet], year)
    assert "填0" not in dv.prompt, dv.prompt


# ---------------------------------------------------------------- formulas, names, properties


def test_every_formula_cell_holds_the_layouts_formula(wb, layout) -> None:  # type: ignore[no-untyped-def]
    cells = [c for s in layout.sheets for c in s.cells if c.formula]
    assert len(cells) == len(layout.formulas) == 49
    for c in cells:
        assert wb[c.sheet].cell(c.row, c.col).value == "=" + c.formula, c.ref


def test_no_formula_outside_the_layouts_formula_cells(wb, layout) -> None:  # type: ignore[no-untyped-def]
    expected = {(c.sheet, c.row, c.col) for c in layout.formulas}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert (ws.title, cell.row, cell.column) in expected, f"{ws.title}!{cell.coordinate}"


def test_defined_name_per_data_point(wb, layout) -> None:  # type: ignore[no-untyped-def]
    names = dict(wb.defined_names.items())
    assert len(names) == len(layout.by_id)
    for dp, c in layout.by_id.items():
        name = dp.replace(".", "_")
        assert name in names, name
        expected = f"'{c.sheet}'!${get_column_letter(c.col)}${c.row}"
        assert names[name].attr_text == expected, (name, names[name].attr_text)
        assert names[name].localSheetId is None  # workbook scope


def test_custom_properties_identify_the_template(wb, layout) -> None:  # type: ignore[no-untyped-def]
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == layout.properties
    assert props["template_id"] == "gov_info_disclosure_2021"
    assert props["template_version"] == layout.spec.version
    assert re.fullmatch(r"sha256:[0-9a-f]{32}", props["template_fingerprint"])


# ---------------------------------------------------------------- print setup, panes, widths


def test_print_setup(wb, layout) -> None:  # type: ignore[no-untyped-def]
    for sheet in layout.sheets:
        ws = wb[sheet.name]
        ps = ws.page_setup
        assert int(ps.paperSize) == 9, sheet.name  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, sheet.name
        # fitToWidth is omitted when it is 1 (the OOXML default)
        assert (1 if ps.fitToWidth is None else int(ps.fitToWidth)) == 1, sheet.name
        assert int(ps.fitToHeight) == 0, sheet.name  # as many pages down as needed
        assert ps.orientation == ("landscape" if sheet.landscape else "portrait"), sheet.name
        last = f"${get_column_letter(sheet.last_col)}${sheet.last_row}"
        assert ws.print_area == f"'{sheet.name}'!$A$1:{last}", ws.print_area
        if sheet.repeat_rows:
            assert ws.print_title_rows == f"${sheet.repeat_rows[0]}:${sheet.repeat_rows[1]}", sheet.name
        else:
            assert ws.print_title_rows is None, sheet.name


def test_table_sheets_repeat_their_header_rows_when_printed(wb) -> None:  # type: ignore[no-untyped-def]
    assert wb["依申请公开"].print_title_rows == "$2:$4"
    assert wb["复议诉讼"].print_title_rows == "$2:$4"
    assert wb["复议诉讼"].page_setup.orientation == "landscape"


def test_frozen_panes(wb, layout) -> None:  # type: ignore[no-untyped-def]
    assert wb["依申请公开"].freeze_panes == "D5"  # the header rows and the three label columns
    for sheet in layout.sheets:
        want = None if sheet.freeze is None else f"{get_column_letter(sheet.freeze[1])}{sheet.freeze[0]}"
        assert wb[sheet.name].freeze_panes == want, sheet.name


def test_column_widths_at_least_8(wb, layout) -> None:  # type: ignore[no-untyped-def]
    for sheet in layout.sheets:
        ws = wb[sheet.name]
        widths: dict[int, float] = {}
        for dim in ws.column_dimensions.values():
            if dim.width is not None and dim.min:
                for col in range(dim.min, dim.max + 1):
                    widths[col] = dim.width
        for col in range(1, sheet.last_col + 1):
            assert col in widths, f"{sheet.name}: column {get_column_letter(col)} has no width"
            assert widths[col] >= 8, f"{sheet.name}: column {get_column_letter(col)} is {widths[col]}"


# ---------------------------------------------------------------- reproducible bytes


def test_build_is_byte_identical_twice(default_bytes: bytes) -> None:
    assert api.build() == default_bytes


def test_build_file_writes_the_same_bytes(tmp_path: Path, default_bytes: bytes) -> None:
    out = api.build_file(tmp_path / "sub" / "a.xlsx")
    assert out.read_bytes() == default_bytes
    assert sorted(p.name for p in out.parent.iterdir()) == ["a.xlsx"]  # no temporary file left behind


def test_build_with_a_data_file_is_byte_identical_twice(tmp_path: Path, default_bytes: bytes) -> None:
    path = FIXTURES / "huaian-city-2024.yaml"
    first, second = api.build(data=path), api.build(data=str(path))
    assert first == second
    assert first != default_bytes
    # the same values given as a mapping, or as JSON, give the same bytes
    values = yaml.safe_load(path.read_text(encoding="utf-8"))["values"]
    assert api.build(data=values) == first
    as_json = tmp_path / "huaian.json"
    as_json.write_text(json.dumps({"values": values}, ensure_ascii=False), encoding="utf-8")
    assert api.build(data=as_json) == first


def test_different_data_gives_different_bytes(default_bytes: bytes) -> None:
    one = api.build(data={"requests.new.person": 1})
    two = api.build(data={"requests.new.person": 2})
    assert len({one, two, default_bytes}) == 3
