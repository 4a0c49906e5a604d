"""Tests for workbook_builder.check.reader.

Three groups:
* the real client corpus (shared/reference/client-files): every file reads,
  counts agree with PROVENANCE.md, saved_by agrees with its verdict, values
  and formulas agree with openpyxl;
* a workbook made by XlsxWriter with every feature the reader reports;
* WPS and LibreOffice habits (and other odd-but-legal XML), each made by
  hand-editing the XML of a small XlsxWriter file.
"""

from __future__ import annotations

import io
import pickle
import re
import warnings
import zipfile
from datetime import datetime
from functools import cache
from pathlib import Path

import pytest
import xlsxwriter

from workbook_builder.check.reader import (
    CellData,
    ExtractedWorkbook,
    ReadError,
    SheetData,
    Validation,
    read_parts,
)
from workbook_builder.ooxml import xml as ooxml_xml

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "client-files"
PROVENANCE = CORPUS / "PROVENANCE.md"

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def parts_of(source: bytes | Path) -> dict[str, bytes]:
    """What the package-safety module hands the reader: every XML/.rels part."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    with zipfile.ZipFile(stream) as z:
        return {n: z.read(n) for n in z.namelist() if n.endswith((".xml", ".rels"))}


def edit(parts: dict[str, bytes], name: str, old: str | bytes, new: str | bytes, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in part ``name``; the text must be there."""
    o = old.encode() if isinstance(old, str) else old
    n = new.encode() if isinstance(new, str) else new
    data = parts[name]
    assert data.count(o) >= count, f"{old!r} not found in {name}"
    parts[name] = data.replace(o, n, count)


@cache
def _small_xlsx() -> bytes:
    bio = io.BytesIO()
    wb = xlsxwriter.Workbook(bio, {"in_memory": True})
    ws = wb.add_worksheet("Sheet1")
    ws.write_number("A1", 1)
    ws.write_formula("A2", "=A1*2", None, 2)
    ws.write_string("B1", "x")
    ws.data_validation("C1", {"validate": "list", "source": ["a", "b"]})
    wb.add_worksheet("Sheet2")
    wb.close()
    return bio.getvalue()


def small_parts() -> dict[str, bytes]:
    """A fresh, editable copy of a small XlsxWriter workbook's parts."""
    return parts_of(_small_xlsx())


CUSTOM_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{}</Properties>'
)


def custom_prop(pid: int, name: str, vt: str, text: str) -> str:
    return (
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" name="{name}">'
        f"<vt:{vt}>{text}</vt:{vt}></property>"
    )


def add_custom(parts: dict[str, bytes], *props: str) -> None:
    parts["docProps/custom.xml"] = CUSTOM_XML.format("".join(props)).encode()
    edit(
        parts,
        "_rels/.rels",
        "</Relationships>",
        '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>',
    )


def set_app(parts: dict[str, bytes], application: str, app_version: str | None) -> None:
    app = parts["docProps/app.xml"].decode()
    app = re.sub("<Application>[^<]*</Application>", f"<Application>{application}</Application>", app)
    version = "" if app_version is None else f"<AppVersion>{app_version}</AppVersion>"
    app = re.sub("<AppVersion>[^<]*</AppVersion>", version, app)
    parts["docProps/app.xml"] = app.encode()


def excel_like(parts: dict[str, bytes], app_version: str = "16.0300") -> None:
    """What a real Excel save looks like in app.xml/calcPr."""
    set_app(parts, "Microsoft Excel", app_version)
    edit(parts, "xl/workbook.xml", '<calcPr calcId="124519" fullCalcOnLoad="1"/>', '<calcPr calcId="191029"/>')


# ---------------------------------------------------------------------------
# the real client corpus
# ---------------------------------------------------------------------------

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"client corpus not present at {CORPUS}")
CORPUS_FILES = sorted(p.name for p in CORPUS.glob("*.xlsx")) if CORPUS.is_dir() else []


@cache
def provenance() -> dict[str, list[str]]:
    """file name -> the cells of its row in PROVENANCE.md's table."""
    rows: dict[str, list[str]] = {}
    for line in PROVENANCE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*`([^`]+\.xlsx)`\s*\|", line)
        if m:
            rows[m.group(1)] = [c.strip() for c in line.strip().strip("|").split("|")]
    return rows


@cache
def corpus_read(name: str) -> ExtractedWorkbook:
    return read_parts(parts_of(CORPUS / name))


# column positions of PROVENANCE.md's table
P_VERDICT, P_SHEETS, P_FORMULAS, P_SHEETPROT, P_WBPROT, P_DV, P_NAMES, P_MERGED = 4, 6, 7, 8, 9, 10, 11, 12

PREFIX_TO_APP = [("excel", "excel"), ("wps", "wps"), ("lo", "libreoffice")]
VERDICT_TO_APP = {"Excel": "excel", "WPS": "wps", "LibreOffice": "libreoffice"}


@needs_corpus
def test_corpus_is_there_and_documented() -> None:
    assert len(CORPUS_FILES) >= 20
    assert set(CORPUS_FILES) == set(provenance()), "every corpus file has one PROVENANCE.md row"


@needs_corpus
@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_file_reads_sensibly(name: str) -> None:
    wb = corpus_read(name)
    row = provenance()[name]

    # saved_by: the file-name prefix and PROVENANCE's verdict agree with it
    # (excel07_xlsxwriter_* are XlsxWriter's comparison files, saved by real Excel 12)
    expected = next(app for prefix, app in PREFIX_TO_APP if name.startswith(prefix))
    assert VERDICT_TO_APP[row[P_VERDICT].split()[0]] == expected
    assert wb.saved_by == expected

    assert len(wb.sheets) == int(row[P_SHEETS])
    for sheet in wb.sheets:
        assert sheet.name
        assert sheet.state in {"visible", "hidden", "veryHidden"}
        assert wb.sheet(sheet.name) is sheet
        for (r, c), cell in sheet.cells.items():
            assert 1 <= r <= 1048576 and 1 <= c <= 16384
            assert isinstance(cell, CellData)
            assert cell.value is None or isinstance(cell.value, (str, float, bool))
            assert cell.value is not None or cell.formula is not None or cell.style_id != 0
            assert not (cell.formula or "").startswith("=")
            if cell.is_error:
                assert isinstance(cell.value, str) and cell.value.startswith("#")
        for v in sheet.validations:
            assert v.sqref and all(v.sqref)

    # counts made by PROVENANCE's independent analyser
    formulas = [c for s in wb.sheets for c in s.cells.values() if c.formula is not None]
    total, cached, empty = map(int, re.match(r"(\d+) \((\d+) / (\d+);", row[P_FORMULAS]).groups())  # type: ignore[union-attr]
    assert len(formulas) == total
    assert all(c.formula for c in formulas)
    assert sum(1 for c in formulas if c.value == "") == empty
    assert sum(1 for c in formulas if c.value not in (None, "")) == cached
    assert sum(len(s.validations) for s in wb.sheets) == int(row[P_DV])
    assert len(wb.defined_names) == int(row[P_NAMES])
    assert sum(len(s.merged) for s in wb.sheets) == int(row[P_MERGED])
    protected, with_element = map(int, re.match(r"(\d+) protected .* / (\d+) with", row[P_SHEETPROT]).groups())  # type: ignore[union-attr]
    assert sum(s.protected for s in wb.sheets) == protected
    assert sum(bool(s.protection) for s in wb.sheets) == with_element
    # wb protection: 'no' / 'empty element' (LibreOffice) / 'yes ...'
    assert bool(wb.workbook_protection) == row[P_WBPROT].startswith("yes")


@needs_corpus
@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_agrees_with_openpyxl(name: str) -> None:
    """Formulas (shared ones expanded) and cached values as openpyxl reads
    them.  openpyxl drops what is under a merged range and invents values
    for empty hyperlinked cells; those cells are skipped."""
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.cell.cell import MergedCell

    wb = corpus_read(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with_formulas = openpyxl.load_workbook(CORPUS / name)
        with_values = openpyxl.load_workbook(CORPUS / name, data_only=True)
    compared = 0
    for sheet in wb.sheets:
        fs, vs = with_formulas[sheet.name], with_values[sheet.name]
        assert sheet.state == fs.sheet_state
        assert sorted(sheet.merged) == sorted(str(r) for r in fs.merged_cells.ranges)
        for (r, c), cell in sheet.cells.items():
            f_cell, v_cell = fs.cell(r, c), vs.cell(r, c)
            if isinstance(f_cell, MergedCell):
                continue
            if cell.formula is not None:
                text = getattr(f_cell.value, "text", f_cell.value)  # ArrayFormula has .text
                assert text == "=" + cell.formula, (sheet.name, r, c)
            theirs = v_cell.value
            if cell.value is None or isinstance(theirs, datetime):
                continue
            if isinstance(theirs, (int, float)) and not isinstance(theirs, bool):
                assert cell.value == float(theirs), (sheet.name, r, c)
            elif cell.value == "" and cell.formula is not None:
                assert theirs in ("", None)  # openpyxl reads WPS's empty <v/> as None
            else:
                assert cell.value == theirs, (sheet.name, r, c)
            compared += 1
    assert compared == sum(
        1
        for s in wb.sheets
        for (r, c), cell in s.cells.items()
        if cell.value is not None
        and not isinstance(with_formulas[s.name].cell(r, c), MergedCell)
        and not isinstance(with_values[s.name].cell(r, c).value, datetime)
    )


@needs_corpus
def test_corpus_wps_specifics() -> None:
    wb = corpus_read("wps_phpss_issue3613.xlsx")
    jan = wb.sheet("1月")
    assert jan is not None
    # <sheetProtection selectLockedCells="1"/> without sheet="1": NOT protected
    assert jan.protection == {"selectLockedCells": "1"} and not jan.protected
    o4 = jan.cells[(4, 15)]
    assert o4.volatile and o4.formula is not None
    assert 'INDIRECT("1:"&$N$2)' in o4.formula and "&quot;" not in o4.formula
    # shared SUM anchored at I5 (ref I5:AC5), expanded per cell
    assert jan.cells[(5, 9)].formula == "SUM(I4:I4)"
    assert jan.cells[(5, 10)].formula == "SUM(J4:J4)"
    assert jan.cells[(5, 29)].volatile  # ca="1" even on a shared child
    assert jan.merged == ("A1:AD1",)
    assert wb.custom_properties["KSOReadingLayout"] is False
    assert wb.application == "WPS Office" and wb.app_version is None

    many = corpus_read("wps_easypoi_manyfe.xlsx")
    cells = many.sheets[0].cells
    assert cells[(78, 5)] == CellData("", 'IFERROR(D78/C78,"")', cells[(78, 5)].locked, 43)
    errors = [c for c in cells.values() if c.is_error]
    assert len(errors) == 3 and {c.value for c in errors} == {"#VALUE!"}
    names = many.defined_names
    assert ("费用类型", 0, "[1]基表!$A$1:$B$1") in names and ("费用类型", None, "[1]基表!$A$1:$B$1") in names
    assert many.application == "Microsoft Excel" and many.custom_properties["KSOProductBuildVer"] == "2052-11.1.0.8976"

    fesod = corpus_read("wps12_fesod_celldata_formula.xlsx").sheets[0]
    assert fesod.cells[(3, 4)].formula == "RANDBETWEEN(100,999)"
    assert fesod.cells[(4, 4)].formula == "RANDBETWEEN(100,999)" and fesod.cells[(4, 4)].volatile

    tealeg = corpus_read("wpsmac_tealeg_testFileToSliceValueOnly.xlsx").sheets[0]
    untyped = [v for v in tealeg.validations if v.type is None]
    assert len(untyped) == 3 and all(v.operator is None and v.prompt for v in untyped)
    (lst,) = [v for v in tealeg.validations if v.type == "list"]
    assert lst.formula1 == '"P0,P1,P2,P3"' and lst.operator == "between" and lst.sqref == ("D5:D1048576",)
    assert tealeg.dimension == "A1:Y1048576"

    writer = corpus_read("wps7_fesod_issue220_test01.xlsx")
    assert writer.application == "WPS 文字" and writer.saved_by == "wps"


@needs_corpus
def test_corpus_excel_and_libreoffice_specifics() -> None:
    results = corpus_read("excel07_xlsxwriter_formula_results01.xlsx").sheets[0]
    values = {c.value for c in results.cells.values()}
    assert {True, False, "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"} <= values
    assert sum(c.is_error for c in results.cells.values()) == 8  # 7 codes, #DIV/0! twice

    props = corpus_read("excel07_xlsxwriter_properties04.xlsx").custom_properties
    assert props["Checked by"] == "Adam" and props["Date completed"] == "2016-12-12T23:00:00Z"
    assert props["Document number"] == 12345 and type(props["Document number"]) is int
    assert props["Reference"] == 1.2345 and props["Source"] is True and props["Status"] is False

    protect = corpus_read("excel07_xlsxwriter_protect03.xlsx").sheets[0]
    assert protect.protected and protect.protection["password"] == "83AF"
    assert [protect.cells[(r, 1)].locked for r in (1, 2, 3)] == [True, False, False]  # A3: unlocked + hidden

    names = corpus_read("excel07_xlsxwriter_defined_name01.xlsx").defined_names
    assert [n for n in names if n[0] == "Bar"] == [
        ("Bar", 2, "'Sheet 3'!$A$1"),
        ("Bar", 0, "Sheet1!$A$1"),
        ("Bar", 1, "Sheet2!$A$1"),
    ]
    assert ("Baz", None, "0.98") in names

    mac = corpus_read("excelmac_excelize_Worksheet-Workbook-Protection.xlsx")
    assert mac.workbook_protection["lockStructure"] == "1"
    assert mac.sheets[0].protection["algorithmName"] == "SHA-512" and mac.sheets[0].protected

    issue553 = corpus_read("excel16_miniexcel_TestIssue553.xlsx")
    protected = [s for s in issue553.sheets if s.protected]
    assert len(protected) == 2 and all("password" not in s.protection for s in protected)

    address = corpus_read("excel16_easypoi_kyoffice_address_book.xlsx")
    formulas = {v.formula1 for s in address.sheets for v in s.validations}
    assert formulas == {'"产品部,研发部,测试部"', '"卡友,易见,悦生活"'}

    for name in ("lo24_excelize_FormulaRecursionErr.xlsx", "lo7_racket_basic_write_libre.xlsx"):
        lo = corpus_read(name)
        assert lo.workbook_protection == {} and "calcId" not in lo.calc_props
        assert lo.application is not None and lo.application.startswith("LibreOffice/")
    recursion = corpus_read("lo24_excelize_FormulaRecursionErr.xlsx").sheets[0]
    assert [c.value for c in recursion.cells.values() if c.formula] == ["#VALUE!", "#VALUE!"]
    aca = corpus_read("lo7_phpss_issue2506.xlsx").sheets[0].cells[(7, 10)]
    assert aca.formula == "SUM(J4:J5)" and aca.value == 19.0 and not aca.volatile
    truefalse = corpus_read("lo7_phpss_pr2225-datavalidation-truefalse.xlsx").sheets[0]
    dv = {v.sqref: v for v in truefalse.validations}
    assert dv[("A2",)].formula1 == '"No,Yes"' and dv[("A2",)].formula2 == "0"
    assert dv[("A2",)].allow_blank and not dv[("A2",)].show_error
    assert not dv[("A1",)].allow_blank and dv[("A1",)].show_error


# ---------------------------------------------------------------------------
# a workbook made by XlsxWriter, every feature read back
# ---------------------------------------------------------------------------


@cache
def _full_xlsx() -> bytes:
    bio = io.BytesIO()
    wb = xlsxwriter.Workbook(bio, {"in_memory": True})
    wb.set_properties({"title": "2023年政府信息公开工作年度报告", "author": "县政府办公室"})
    wb.set_custom_property("报告年度", "2023年")
    wb.set_custom_property("模板版本", 7)
    wb.set_custom_property("比例", 0.25)
    wb.set_custom_property("已审核", True)
    wb.set_custom_property("已提交", False)
    unlocked = wb.add_format({"locked": False})
    hidden = wb.add_format({"hidden": True})
    bold = wb.add_format({"bold": True})

    ws = wb.add_worksheet("表一")
    ws.write_string("A1", "项目")
    ws.write_number("B1", 12)
    ws.write_number("B2", 18.5, unlocked)
    ws.write_formula("B3", "=SUM(B1:B2)", hidden, 30.5)
    ws.write_formula("C1", '="合"&"计"', None, "合计")
    ws.write_formula("C2", "=B1>B2", None, False)
    ws.write_formula("C3", "=1/0", None, "#DIV/0!")
    ws.write_formula("C4", '=IF(B1>0,"是","否")', unlocked, "是")
    ws.write_formula("C5", "=B1*2")  # no value given: XlsxWriter caches 0
    ws.write_formula("D5", '=""', None, "")  # XlsxWriter writes <v></v> with no t="str"
    ws.write_boolean("D1", True)
    ws.write_blank("D2", None, unlocked)
    ws.write_rich_string("D3", "一", bold, "二", "三")
    ws.write_array_formula("E1:E2", "{=B1:B2*2}", None, 24)
    ws.merge_range("A6:C6", "合并标题", bold)
    ws.merge_range("A8:A9", "", bold)
    ws.data_validation(
        "B7:H8",
        {
            "multi_range": "B7:H8 C10",
            "validate": "integer",
            "criteria": "between",
            "minimum": 0,
            "maximum": 100,
            "input_title": "请输入",
            "input_message": "0到100的整数",
            "error_title": "输入错误",
            "error_message": "必须是整数",
        },
    )
    ws.data_validation("C11", {"validate": "decimal", "criteria": ">=", "value": 0.5, "ignore_blank": False})
    ws.data_validation("D11", {"validate": "length", "criteria": "<=", "value": 10, "show_error": False})
    ws.data_validation("E11", {"validate": "list", "source": ["是", "否"], "input_message": "请选择"})
    ws.data_validation("F11", {"validate": "list", "source": "=清单!$A$1:$A$3"})
    ws.protect("abc123")

    ws2 = wb.add_worksheet("表二")
    ws2.write_string("A1", "无密码保护")
    ws2.protect()
    ws3 = wb.add_worksheet("清单")
    ws3.write_column("A1", ["甲", "乙", "丙"])
    ws3.hide()
    ws4 = wb.add_worksheet("机密")
    ws4.very_hidden()

    wb.define_name("全局名", "=表一!$B$1")
    wb.define_name("表一!局部名", "=表一!$B$1:$B$2")
    wb.close()
    return bio.getvalue()


@pytest.fixture(scope="module")
def full() -> ExtractedWorkbook:
    return read_parts(parts_of(_full_xlsx()))


def test_xlsxwriter_workbook_level(full: ExtractedWorkbook) -> None:
    assert [s.name for s in full.sheets] == ["表一", "表二", "清单", "机密"]
    assert [s.state for s in full.sheets] == ["visible", "visible", "hidden", "veryHidden"]
    assert full.sheet("表二") is full.sheets[1] and full.sheet("没有") is None
    assert full.defined_names == (("全局名", None, "表一!$B$1"), ("局部名", 0, "表一!$B$1:$B$2"))
    assert full.custom_properties == {
        "报告年度": "2023年",
        "模板版本": 7,
        "比例": 0.25,
        "已审核": True,
        "已提交": False,
    }
    assert type(full.custom_properties["模板版本"]) is int
    assert full.core_properties["title"] == "2023年政府信息公开工作年度报告"
    assert full.core_properties["creator"] == "县政府办公室"
    assert full.application == "Microsoft Excel" and full.app_version == "12.0000"
    assert full.saved_by == "xlsxwriter"
    assert full.workbook_protection == {}
    assert full.calc_props == {"calcId": "124519", "fullCalcOnLoad": "1"}


def test_xlsxwriter_cells(full: ExtractedWorkbook) -> None:
    cells = full.sheets[0].cells
    assert cells[(1, 1)] == CellData("项目", None, True, 0)
    assert cells[(1, 2)] == CellData(12.0, None, True, 0)
    assert type(cells[(1, 2)].value) is float
    b2 = cells[(2, 2)]
    assert b2.value == 18.5 and not b2.locked and b2.style_id != 0
    b3 = cells[(3, 2)]
    assert (b3.value, b3.formula, b3.locked) == (30.5, "SUM(B1:B2)", True)
    assert cells[(1, 3)] == CellData("合计", '"合"&"计"', True, 0)
    assert cells[(2, 3)] == CellData(False, "B1>B2", True, 0)
    assert cells[(3, 3)] == CellData("#DIV/0!", "1/0", True, 0, is_error=True)
    c4 = cells[(4, 3)]
    assert (c4.value, c4.formula, c4.locked) == ("是", 'IF(B1>0,"是","否")', False)
    assert cells[(5, 3)] == CellData(0.0, "B1*2", True, 0)
    # XlsxWriter writes an empty-string result as an untyped empty <v>: no cached value
    assert cells[(5, 4)] == CellData(None, '""', True, 0)
    assert cells[(1, 4)] == CellData(True, None, True, 0)
    assert cells[(2, 4)].value is None and cells[(2, 4)].formula is None and not cells[(2, 4)].locked
    assert cells[(3, 4)].value == "一二三"  # rich text runs concatenated
    assert cells[(1, 5)] == CellData(24.0, "B1:B2*2", True, 0)  # array formula: its text
    assert cells[(2, 5)] == CellData(0.0, None, True, 0)  # rest of the array range: value only
    assert cells[(6, 1)].value == "合并标题"
    assert (6, 2) in cells and cells[(6, 2)].value is None  # merged with a format -> styled blank
    assert (20, 20) not in cells
    assert all(not c.volatile for c in cells.values())


def test_xlsxwriter_sheet_level(full: ExtractedWorkbook) -> None:
    one, two, lst, secret = full.sheets
    assert one.merged == ("A6:C6", "A8:A9")
    assert one.dimension == "A1:E9"
    assert one.protected and set(one.protection) == {"password", "sheet", "objects", "scenarios"}
    assert re.fullmatch("[0-9A-F]{4}", one.protection["password"])
    assert two.protected and two.protection == {"sheet": "1", "objects": "1", "scenarios": "1"}
    assert not lst.protected and lst.protection == {}
    assert [lst.cells[(r, 1)].value for r in (1, 2, 3)] == ["甲", "乙", "丙"]
    assert secret.cells == {} and secret.validations == ()


def test_xlsxwriter_validations(full: ExtractedWorkbook) -> None:
    dv = {v.sqref: v for v in full.sheets[0].validations}
    assert len(dv) == 5
    assert dv[("B7:H8", "C10")] == Validation(
        sqref=("B7:H8", "C10"),
        type="whole",
        operator="between",
        formula1="0",
        formula2="100",
        allow_blank=True,
        show_error=True,
        error_title="输入错误",
        error="必须是整数",
        prompt_title="请输入",
        prompt="0到100的整数",
    )
    dec = dv[("C11",)]
    assert (dec.type, dec.operator, dec.formula1, dec.formula2) == ("decimal", "greaterThanOrEqual", "0.5", None)
    assert not dec.allow_blank and dec.show_error
    length = dv[("D11",)]
    assert (length.type, length.operator, length.formula1) == ("textLength", "lessThanOrEqual", "10")
    assert not length.show_error
    choice = dv[("E11",)]
    assert (choice.type, choice.operator, choice.formula1, choice.prompt) == ("list", "between", '"是,否"', "请选择")
    assert dv[("F11",)].formula1 == "清单!$A$1:$A$3"


# ---------------------------------------------------------------------------
# WPS habits
# ---------------------------------------------------------------------------

A2_FORMULA = '<c r="A2"><f>A1*2</f><v>2</v></c>'


def test_wps_quot_entities_in_formulas_and_validations() -> None:
    parts = small_parts()
    edit(
        parts,
        "xl/worksheets/sheet1.xml",
        A2_FORMULA,
        '<c r="A2" t="str"><f>IF(A1&gt;0,&quot;是&quot;,&quot;&quot;)</f><v>是</v></c>',
    )
    edit(parts, "xl/worksheets/sheet1.xml", '<formula1>"a,b"</formula1>', "<formula1>&quot;是,否&quot;</formula1>")
    sheet = read_parts(parts).sheets[0]
    assert sheet.cells[(2, 1)].formula == 'IF(A1>0,"是","")'
    assert sheet.cells[(2, 1)].value == "是"
    assert sheet.validations[0].formula1 == '"是,否"'


def test_wps_volatile_ca() -> None:
    parts = small_parts()
    edit(parts, "xl/worksheets/sheet1.xml", A2_FORMULA, '<c r="A2" s="0"><f ca="1">TODAY()</f><v>45291</v></c>')
    cell = read_parts(parts).sheets[0].cells[(2, 1)]
    assert cell == CellData(45291.0, "TODAY()", True, 0, volatile=True)


@pytest.mark.parametrize("empty_v", ["<v/>", "<v></v>"])
def test_wps_empty_string_result_is_empty_string(empty_v: str) -> None:
    parts = small_parts()
    edit(
        parts,
        "xl/worksheets/sheet1.xml",
        A2_FORMULA,
        f'<c r="A2" t="str"><f>IFERROR(A1/B9,&quot;&quot;)</f>{empty_v}</c>'
        '<c r="A3" t="str"><f>IFERROR(A1/B9,&quot;&quot;)</f></c>',
    )
    cells = read_parts(parts).sheets[0].cells
    assert cells[(2, 1)].value == "" and cells[(2, 1)].formula == 'IFERROR(A1/B9,"")'
    assert cells[(3, 1)].value is None  # no <v> at all: no cached value
    assert cells[(3, 1)].formula == 'IFERROR(A1/B9,"")'


def test_wps_defined_names_written_twice() -> None:
    parts = small_parts()
    edit(
        parts,
        "xl/workbook.xml",
        "<calcPr",
        '<definedNames><definedName name="合计" localSheetId="0">Sheet1!$A$1:$A$2</definedName>'
        '<definedName name="合计">Sheet1!$A$1:$A$2</definedName>'
        '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">Sheet1!$A$1:$B$2</definedName>'
        "</definedNames><calcPr",
    )
    assert read_parts(parts).defined_names == (
        ("合计", 0, "Sheet1!$A$1:$A$2"),
        ("合计", None, "Sheet1!$A$1:$A$2"),
        ("_xlnm._FilterDatabase", 0, "Sheet1!$A$1:$B$2"),
    )


def test_wps_custom_properties_and_fingerprint() -> None:
    parts = small_parts()
    # WPS keeps Application 'Microsoft Excel' from the source file and writes no AppVersion
    set_app(parts, "Microsoft Excel", None)
    edit(parts, "xl/workbook.xml", '<calcPr calcId="124519" fullCalcOnLoad="1"/>', '<calcPr calcId="191029"/>')
    add_custom(
        parts,
        custom_prop(2, "ICV", "lpwstr", "42B1717B24582EA8786242680FD17C0E_43"),
        custom_prop(3, "KSOProductBuildVer", "lpwstr", "2052-12.1.0.21541"),
        custom_prop(4, "KSOReadingLayout", "bool", "true"),
    )
    wb = read_parts(parts)
    assert wb.custom_properties == {
        "ICV": "42B1717B24582EA8786242680FD17C0E_43",
        "KSOProductBuildVer": "2052-12.1.0.21541",
        "KSOReadingLayout": True,
    }
    assert wb.application == "Microsoft Excel" and wb.app_version is None
    assert wb.saved_by == "wps"


def test_wps_shared_formulas_expanded() -> None:
    parts = small_parts()
    edit(
        parts,
        "xl/worksheets/sheet1.xml",
        A2_FORMULA,
        '<c r="A2"><f>A1*2</f><v>2</v></c><c r="C2" s="0"><f t="shared" ref="C2:E2" si="0">SUM(A$1:A2)+$A$1</f>'
        '<v>4</v></c><c r="D2"><f t="shared" si="0"/><v>0</v></c><c r="E2"><f ca="1" t="shared" si="0"/><v>0</v></c>',
    )
    cells = read_parts(parts).sheets[0].cells
    assert cells[(2, 3)].formula == "SUM(A$1:A2)+$A$1"
    assert cells[(2, 4)].formula == "SUM(B$1:B2)+$A$1"
    assert cells[(2, 5)].formula == "SUM(C$1:C2)+$A$1" and cells[(2, 5)].volatile


def test_wps_sheet_protection_without_sheet_attribute_is_not_protection() -> None:
    parts = small_parts()
    edit(parts, "xl/worksheets/sheet1.xml", "</sheetData>", '</sheetData><sheetProtection selectLockedCells="1"/>')
    sheet = read_parts(parts).sheets[0]
    assert sheet.protection == {"selectLockedCells": "1"} and not sheet.protected


# ---------------------------------------------------------------------------
# LibreOffice habits
# ---------------------------------------------------------------------------


def libreoffice_like(parts: dict[str, bytes]) -> None:
    set_app(parts, "LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/40$Build-2", "15.0000")
    edit(
        parts,
        "xl/workbook.xml",
        '<calcPr calcId="124519" fullCalcOnLoad="1"/>',
        '<calcPr iterateCount="100" refMode="A1" iterate="false" iterateDelta="0.001"/>',
    )


def test_libreoffice_lowercase_legacy_password_and_true_booleans() -> None:
    parts = small_parts()
    libreoffice_like(parts)
    edit(
        parts,
        "xl/worksheets/sheet1.xml",
        "</sheetData>",
        '</sheetData><sheetProtection sheet="true" password="cbeb" objects="true" scenarios="true"/>',
    )
    sheet = read_parts(parts).sheets[0]
    assert sheet.protected
    assert sheet.protection == {"sheet": "true", "password": "cbeb", "objects": "true", "scenarios": "true"}


def test_libreoffice_integer_custom_property_as_r8_stays_float() -> None:
    parts = small_parts()
    libreoffice_like(parts)
    add_custom(parts, custom_prop(2, "报告年度", "r8", "2023"), custom_prop(3, "份数", "i4", "3"))
    props = read_parts(parts).custom_properties
    assert props == {"报告年度": 2023.0, "份数": 3}
    assert type(props["报告年度"]) is float and type(props["份数"]) is int


def test_libreoffice_aca_attribute() -> None:
    parts = small_parts()
    edit(parts, "xl/worksheets/sheet1.xml", A2_FORMULA, '<c r="A2" s="0" t="n"><f aca="false">A1*2</f><v>2</v></c>')
    assert read_parts(parts).sheets[0].cells[(2, 1)] == CellData(2.0, "A1*2", True, 0)


def test_libreoffice_empty_workbook_protection_and_fingerprint() -> None:
    parts = small_parts()
    libreoffice_like(parts)
    edit(parts, "xl/workbook.xml", "<bookViews>", "<workbookProtection/><bookViews>")
    # LibreOffice keeps foreign custom properties: a WPS file re-saved by LibreOffice
    add_custom(parts, custom_prop(2, "KSOProductBuildVer", "lpwstr", "2052-11.1.0.14309"))
    wb = read_parts(parts)
    assert wb.workbook_protection == {}
    assert wb.saved_by == "libreoffice"
    assert wb.calc_props["iterate"] == "false"


def test_libreoffice_writes_very_hidden_as_hidden() -> None:
    parts = small_parts()
    libreoffice_like(parts)
    edit(
        parts, "xl/workbook.xml", '<sheet name="Sheet2" sheetId="2"', '<sheet name="Sheet2" sheetId="2" state="hidden"'
    )
    assert [s.state for s in read_parts(parts).sheets] == ["visible", "hidden"]


# ---------------------------------------------------------------------------
# saved_by rules
# ---------------------------------------------------------------------------


def test_saved_by_excel_keeps_kso_but_writes_app_version() -> None:
    parts = small_parts()
    excel_like(parts)
    add_custom(parts, custom_prop(2, "KSOProductBuildVer", "lpwstr", "2052-11.1.0.9098"))
    assert read_parts(parts).saved_by == "excel"


def test_saved_by_excel_2007_versus_xlsxwriter() -> None:
    parts = small_parts()
    assert read_parts(parts).saved_by == "xlsxwriter"
    # the same app.xml, without fullCalcOnLoad: a real Excel 2007 save
    excel_like(parts, "12.0000")
    assert read_parts(parts).saved_by == "excel"


@pytest.mark.parametrize(
    ("application", "version", "calc", "expected"),
    [
        ("Microsoft Macintosh Excel", "16.0300", '<calcPr calcId="181029"/>', "excel"),
        ("WPS 表格", None, '<calcPr calcId="144525"/>', "wps"),
        ("Microsoft Excel", "12.0000", '<calcPr calcId="999999"/>', "unknown"),  # PhpSpreadsheet
        (
            "Microsoft Excel Compatible / Openpyxl 3.1.5",
            "3.1",
            '<calcPr calcId="124519" fullCalcOnLoad="1"/>',
            "unknown",
        ),
        ("Microsoft Excel", "16.0300", '<calcPr calcId="124519" fullCalcOnLoad="1"/>', "unknown"),
        ("SomeTool", None, '<calcPr calcId="191029"/>', "unknown"),
    ],
)
def test_saved_by_rules(application: str, version: str | None, calc: str, expected: str) -> None:
    parts = small_parts()
    set_app(parts, application, version)
    edit(parts, "xl/workbook.xml", '<calcPr calcId="124519" fullCalcOnLoad="1"/>', calc)
    assert read_parts(parts).saved_by == expected


def test_saved_by_without_docprops() -> None:
    parts = small_parts()
    del parts["docProps/app.xml"], parts["docProps/core.xml"]
    wb = read_parts(parts)
    assert wb.application is None and wb.core_properties == {} and wb.saved_by == "unknown"


# ---------------------------------------------------------------------------
# cell types, strings, namespaces, package paths
# ---------------------------------------------------------------------------

SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def replace_sheet_data(parts: dict[str, bytes], rows: str) -> None:
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    start, end = sheet.index("<sheetData>"), sheet.index("</sheetData>")
    parts["xl/worksheets/sheet1.xml"] = (sheet[:start] + "<sheetData>" + rows + sheet[end:]).encode()


def test_cell_types() -> None:
    parts = small_parts()
    replace_sheet_data(
        parts,
        '<row r="1">'
        '<c r="A1" t="inlineStr"><is><t>内联</t></is></c>'
        '<c r="B1" t="inlineStr"><is><r><t>富</t></r><r><rPr><b/></rPr><t xml:space="preserve">文本 </t></r></is></c>'
        '<c r="C1" t="d"><v>2023-12-31T00:00:00</v></c>'
        '<c r="D1" t="n"><v>1.5E3</v></c>'
        '<c r="E1"><v>-0.25</v></c>'
        '<c r="F1" t="b"><v>0</v></c>'
        '<c r="G1" t="e"><v>#N/A</v></c>'
        '<c r="H1" t="str"><v>plain str</v></c>'
        '<c r="I1" t="s"><v>0</v></c>'
        '<c r="J1" t="s"><v>99</v></c>'
        '<c r="K1"><v>nan</v></c>'
        '<c r="L1"><v>1_000</v></c>'
        '<c r="M1"><v>abc</v></c>'
        '<c r="N1" t="weird"><v>raw</v></c>'
        '<c r="O1"><v/></c>'
        '<c r="P1" s="0"/>'
        "</row>",
    )
    cells = read_parts(parts).sheets[0].cells
    got = {c: cells[(1, c)].value for r, c in cells}
    assert got == {
        1: "内联",
        2: "富文本 ",
        3: "2023-12-31T00:00:00",
        4: 1500.0,
        5: -0.25,
        6: False,
        7: "#N/A",
        8: "plain str",
        9: "x",
        11: "nan",  # not an xsd:double: passed on as text
        12: "1_000",
        13: "abc",
        14: "raw",
    }
    assert cells[(1, 7)].is_error and not cells[(1, 13)].is_error
    # dangling shared-string index (J1), empty <v/> (O1), s="0" (P1): nothing there
    assert (1, 10) not in cells and (1, 15) not in cells and (1, 16) not in cells


def test_shared_strings_rich_text_and_phonetic_runs() -> None:
    parts = small_parts()
    parts["xl/sharedStrings.xml"] = (
        SHEET_HEAD + f'<sst xmlns="{MAIN_NS.decode()}" count="3" uniqueCount="3">'
        "<si><t>x</t></si>"
        '<si><r><t>政府</t></r><r><rPr><b/></rPr><t>信息</t></r><rPh sb="0" eb="2"><t>ZHENGFU</t></rPh>'
        '<phoneticPr fontId="1"/></si>'
        '<si><t>公开</t><rPh sb="0" eb="1"><t>GONGKAI</t></rPh></si>'
        "</sst>"
    ).encode()
    replace_sheet_data(parts, '<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>2</v></c></row>')
    cells = read_parts(parts).sheets[0].cells
    assert cells[(1, 1)].value == "政府信息" and cells[(1, 2)].value == "公开"


def test_xstring_escapes_decoded() -> None:
    parts = small_parts()
    parts["xl/sharedStrings.xml"] = (
        SHEET_HEAD + f'<sst xmlns="{MAIN_NS.decode()}"><si><t>第一行_x000D_\n第二行</t></si>'
        "<si><t>_x005F_x0041_ and _xD800_</t></si></sst>"
    ).encode()
    replace_sheet_data(
        parts,
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="inlineStr"><is><t>a_x0009_b</t></is></c></row>',
    )
    cells = read_parts(parts).sheets[0].cells
    assert cells[(1, 1)].value == "第一行\r\n第二行"
    assert cells[(1, 2)].value == "_x0041_ and _xD800_"  # escaped underscore; no lone surrogates
    assert cells[(1, 3)].value == "a\tb"


def test_missing_cell_and_row_references_are_positional() -> None:
    parts = small_parts()
    replace_sheet_data(
        parts,
        '<row r="3"><c><v>1</v></c><c><v>2</v></c><c r="E3"><v>5</v></c><c><v>6</v></c></row><row><c><v>7</v></c></row>',
    )
    cells = read_parts(parts).sheets[0].cells
    assert {k: c.value for k, c in cells.items()} == {(3, 1): 1.0, (3, 2): 2.0, (3, 5): 5.0, (3, 6): 6.0, (4, 1): 7.0}


def test_shared_formula_child_before_anchor_and_orphan() -> None:
    parts = small_parts()
    replace_sheet_data(
        parts,
        '<row r="1"><c r="B1"><f t="shared" si="3"/><v>1</v></c><c r="C1"><f t="shared" si="9"/><v>1</v></c></row>'
        '<row r="2"><c r="B2"><f t="shared" ref="B1:B2" si="3">A2+1</f><v>1</v></c></row>',
    )
    cells = read_parts(parts).sheets[0].cells
    assert cells[(1, 2)].formula == "A1+1"
    assert cells[(1, 3)].formula == ""  # a formula whose text cannot be known
    assert cells[(2, 2)].formula == "A2+1"


def test_locked_flag_from_cell_xfs() -> None:
    parts = small_parts()
    styles = parts["xl/styles.xml"].decode()
    start, end = styles.index("<cellXfs"), styles.index("</cellXfs>")
    parts["xl/styles.xml"] = (
        styles[:start] + '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf xfId="0" applyProtection="1"><protection locked="0"/></xf>'
        '<xf xfId="0"><protection hidden="1"/></xf>'
        '<xf xfId="0"><protection locked="false"/></xf>' + styles[end:]
    ).encode()
    replace_sheet_data(
        parts,
        '<row r="1"><c r="A1" s="1"/><c r="B1" s="2"/><c r="C1" s="3"><v>1</v></c><c r="D1" s="17"/>'
        '<c r="E1" s="x"><v>1</v></c></row>',
    )
    cells = read_parts(parts).sheets[0].cells
    assert [cells[(1, c)].locked for c in range(1, 6)] == [False, True, False, True, True]
    assert cells[(1, 4)].style_id == 17 and cells[(1, 5)].style_id == 0


def test_x14_validations_from_ext_lst() -> None:
    parts = small_parts()
    edit(
        parts,
        "xl/worksheets/sheet1.xml",
        "</worksheet>",
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1" '
        'promptTitle="选择" prompt="从清单中选择">'
        "<x14:formula1><xm:f>Sheet2!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>D1:D5 F1</xm:sqref>"
        "</x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>",
    )
    validations = read_parts(parts).sheets[0].validations
    assert len(validations) == 2
    x14 = validations[1]
    assert (x14.sqref, x14.type, x14.operator, x14.formula1) == (("D1:D5", "F1"), "list", "between", "Sheet2!$A$1:$A$3")
    assert x14.allow_blank and x14.show_error and x14.prompt == "从清单中选择"


def test_strict_namespaces() -> None:
    parts = small_parts()
    strict_rel = b"http://purl.oclc.org/ooxml/officeDocument/relationships"
    for name in list(parts):
        data = parts[name].replace(MAIN_NS, STRICT_NS)
        data = data.replace(b"http://schemas.openxmlformats.org/officeDocument/2006/relationships", strict_rel)
        parts[name] = data
    wb = read_parts(parts)
    assert [s.name for s in wb.sheets] == ["Sheet1", "Sheet2"]
    assert wb.sheets[0].cells[(2, 1)] == CellData(2.0, "A1*2", True, 0)
    assert wb.sheets[0].cells[(1, 2)].value == "x"


def test_prefixed_main_namespace_and_absolute_targets() -> None:
    parts = small_parts()
    parts["xl/worksheets/sheet1.xml"] = (
        SHEET_HEAD + f'<x:worksheet xmlns:x="{MAIN_NS.decode()}"><x:dimension ref="A1:B2"/><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>前缀</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="B2"><x:f>A1&amp;"!"</x:f><x:v>0</x:v></x:c></x:row>'
        '</x:sheetData><x:sheetProtection sheet="1"/><x:mergeCells><x:mergeCell ref="A1:B1"/></x:mergeCells>'
        "</x:worksheet>"
    ).encode()
    edit(parts, "xl/_rels/workbook.xml.rels", 'Target="worksheets/sheet1.xml"', 'Target="/xl/worksheets/sheet1.xml"')
    edit(parts, "xl/_rels/workbook.xml.rels", 'Target="worksheets/sheet2.xml"', 'Target="../xl/worksheets/sheet2.xml"')
    sheet = read_parts(parts).sheets[0]
    assert sheet.cells[(1, 1)].value == "前缀"
    assert sheet.cells[(2, 2)].formula == 'A1&"!"'
    assert sheet.protected and sheet.merged == ("A1:B1",) and sheet.dimension == "A1:B2"


def test_workbook_found_through_package_relationships() -> None:
    parts = small_parts()
    parts["xl/book.xml"] = parts.pop("xl/workbook.xml")
    parts["xl/_rels/book.xml.rels"] = parts.pop("xl/_rels/workbook.xml.rels")
    edit(parts, "_rels/.rels", 'Target="xl/workbook.xml"', 'Target="/xl/book.xml"')
    assert [s.name for s in read_parts(parts).sheets] == ["Sheet1", "Sheet2"]


def test_part_names_case_insensitive() -> None:
    parts = small_parts()
    parts["xl/worksheets/Sheet1.XML"] = parts.pop("xl/worksheets/sheet1.xml")
    assert read_parts(parts).sheets[0].cells[(1, 1)].value == 1.0


def test_utf16_part_goes_through_defusedxml_and_reads_the_same() -> None:
    parts = small_parts()
    text = parts["xl/worksheets/sheet1.xml"].decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    parts["xl/worksheets/sheet1.xml"] = text.encode("utf-16")
    assert read_parts(parts) == read_parts(small_parts())


def test_defusedxml_only_mode_gives_identical_results(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = read_parts(parts_of(_full_xlsx()))
    monkeypatch.setattr(ooxml_xml, "ALWAYS_DEFUSEDXML", True)
    assert read_parts(parts_of(_full_xlsx())) == fast


def test_cells_are_plain_cell_data() -> None:
    cell = read_parts(small_parts()).sheets[0].cells[(2, 1)]
    assert type(cell) is CellData and cell == CellData(2.0, "A1*2", True, 0)
    assert hash(cell) == hash(CellData(2.0, "A1*2", True, 0))
    assert pickle.loads(pickle.dumps(cell)) == cell
    with pytest.raises(AttributeError):
        cell.value = 3.0  # type: ignore[misc]


def test_result_pickles() -> None:
    wb = read_parts(parts_of(_full_xlsx()))
    assert pickle.loads(pickle.dumps(wb)) == wb
    assert isinstance(wb.sheets[0], SheetData)


# ---------------------------------------------------------------------------
# ReadError: only for packages that cannot be a workbook
# ---------------------------------------------------------------------------


def test_no_workbook_part() -> None:
    parts = small_parts()
    del parts["xl/workbook.xml"]
    with pytest.raises(ReadError) as info:
        read_parts(parts)
    assert info.value.reason == "no-workbook" and info.value.detail("zh") and info.value.detail("en")


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet2.xml", "xl/styles.xml", "_rels/.rels"])
def test_malformed_xml(part: str) -> None:
    parts = small_parts()
    parts[part] = parts[part][:-20]
    with pytest.raises(ReadError) as info:
        read_parts(parts)
    assert info.value.reason == "malformed-xml" and part in info.value.detail("en")


def test_entity_declaration_refused() -> None:
    parts = small_parts()
    edit(
        parts,
        "docProps/core.xml",
        "<cp:coreProperties",
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><cp:coreProperties',
    )
    with pytest.raises(ReadError) as info:
        read_parts(parts)
    assert info.value.reason == "unsafe-xml" and "docProps/core.xml" in info.value.detail("en")


def test_harmless_doctype_goes_through_defusedxml() -> None:
    parts = small_parts()
    edit(parts, "docProps/core.xml", "<cp:coreProperties", "<!DOCTYPE cp:coreProperties><cp:coreProperties")
    assert read_parts(parts) == read_parts(small_parts())


def test_sheet_part_missing() -> None:
    parts = small_parts()
    del parts["xl/worksheets/sheet2.xml"]
    with pytest.raises(ReadError) as info:
        read_parts(parts)
    assert info.value.reason == "sheet-part-missing" and "Sheet2" in info.value.detail("zh")


def test_sheet_relationship_missing() -> None:
    parts = small_parts()
    edit(parts, "xl/workbook.xml", 'r:id="rId2"', 'r:id="rId77"')
    with pytest.raises(ReadError) as info:
        read_parts(parts)
    assert info.value.reason == "sheet-relationship-missing"


def test_not_a_workbook_and_no_sheets() -> None:
    parts = small_parts()
    parts["xl/workbook.xml"] = b'<?xml version="1.0"?><workbook xmlns="urn:other"/>'
    with pytest.raises(ReadError) as info:
        read_parts(parts)
    assert info.value.reason == "not-a-workbook"
    parts = small_parts()
    wb_xml = parts["xl/workbook.xml"].decode()
    parts["xl/workbook.xml"] = re.sub("<sheets>.*</sheets>", "<sheets/>", wb_xml).encode()
    with pytest.raises(ReadError) as info:
        read_parts(parts)
    assert info.value.reason == "no-sheets"


def test_read_error_pickles() -> None:
    err = ReadError("sheet-part-missing", sheet="Sheet2", target="xl/worksheets/sheet2.xml")
    back = pickle.loads(pickle.dumps(err))
    assert (back.reason, back.params) == (err.reason, err.params)
    assert back.detail("zh") == "工作表 Sheet2 指向的部件 xl/worksheets/sheet2.xml 不存在"


def test_odd_but_tolerated() -> None:
    parts = small_parts()
    edit(parts, "xl/workbook.xml", '<sheet name="Sheet2" sheetId="2"', '<sheet name="Sheet2" sheetId="2" state="odd"')
    edit(
        parts,
        "xl/workbook.xml",
        "<calcPr",
        '<definedNames><definedName name="n" localSheetId="x">1</definedName></definedNames><calcPr',
    )
    del parts["xl/styles.xml"], parts["xl/sharedStrings.xml"]
    wb = read_parts(parts)
    assert wb.sheets[1].state == "odd"
    assert wb.defined_names == (("n", None, "1"),)
    assert (1, 2) not in wb.sheets[0].cells  # shared string table gone: no value
    assert wb.sheets[0].cells[(2, 1)].locked
