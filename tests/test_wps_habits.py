"""Harmless habits of WPS Office and LibreOffice (DESIGN.md §4) must give no finding above info.

WPS cannot run here, so each habit seen in the real WPS files of shared/reference/client-files is
applied by hand to the XML of an honest, completely filled workbook. LibreOffice habits are applied
the same way (the UNO round trip is tested elsewhere); this keeps each habit in a test of its own.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import xlsxwriter

from tests import tamper_xml as tx
from tests.make_filled import build_to, honest_data
from workbook_builder import api
from workbook_builder.check.preflight import preflight_bytes
from workbook_builder.check.reader import read_parts

REQ_PART, COVER_PART = tx.SHEET_PART["依申请公开"], tx.SHEET_PART["封面"]
FORMULA_ELEMENTS = r"(<(f|formula|formula1|formula2)(?:\s[^>]*)?>)([^<]*)(</\2>)"


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_to(tmp_path_factory.mktemp("honest"), honest_data("suqian-city-2024"), "suqian-2024.xlsx")


def above_info(report) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return [(f.code, f.cell) for f in report.findings if f.severity != "info"]


def check(parts: dict[str, bytes], tmp_path: Path, **save_options):  # type: ignore[no-untyped-def]
    return api.check_file(tx.save(parts, tmp_path / "habit.xlsx", **save_options))


def every_sheet(parts: dict[str, bytes], change) -> None:  # type: ignore[no-untyped-def]
    for part in tx.SHEET_PART.values():
        tx.edit(parts, part, change, must_change=False)


def test_honest_file_is_clean(honest: Path) -> None:
    report = api.check_file(honest)
    assert report.findings == () and report.saved_by == "xlsxwriter"


# ------------------------------------------------------------------ WPS


def _quot(xml: str) -> str:
    return re.sub(FORMULA_ELEMENTS, lambda m: m.group(1) + m.group(3).replace('"', "&quot;") + m.group(4), xml)


def test_wps_quot_entities_in_formulas(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.edit(parts, REQ_PART, _quot)  # the check cells: IF(…,"平衡","不平衡")
    tx.edit(parts, COVER_PART, _quot)  # the summary: COUNTIF(…,"不平衡")…"全部平衡"
    assert tx.text(parts, REQ_PART).count("&quot;平衡&quot;") >= 14
    assert "&quot;全部平衡&quot;" in tx.text(parts, COVER_PART)
    assert above_info(check(parts, tmp_path)) == []


def test_wps_quot_entities_in_validation_formulas(honest: Path, tmp_path: Path) -> None:
    # Our own validations hold no string literal, so WPS's entity can only show in one it rewrites:
    # the fee's custom rule with a literal (still type="custom", the type the checker expects).
    parts = tx.load(honest)
    part = tx.SHEET_PART["主动公开"]
    tx.edit(parts, part, lambda x: tx.sub(r"<formula1>AND\(ISNUMBER\(B18\)", r'<formula1>AND(B18&lt;&gt;"",ISNUMBER(B18)', x))
    tx.edit(parts, part, _quot)
    assert "B18&lt;&gt;&quot;&quot;" in tx.text(parts, part)
    report = check(parts, tmp_path)
    assert above_info(report) == []
    sheet = read_parts(preflight_bytes((tmp_path / "habit.xlsx").read_bytes()).parts).sheet("主动公开")
    assert sheet is not None
    fee_rule = next(v for v in sheet.validations if v.sqref == ("B18:D18",))
    assert fee_rule.formula1 is not None and fee_rule.formula1.startswith('AND(B18<>"",')


def test_wps_volatile_flag_on_formulas(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    formulas = tx.text(parts, REQ_PART).count("<f>")
    every_sheet(parts, lambda x: x.replace("<f>", '<f ca="1">'))
    assert tx.text(parts, REQ_PART).count('<f ca="1">') == formulas == 25 + 6 + 14
    assert above_info(check(parts, tmp_path)) == []


def _as_wps(parts: dict[str, bytes]) -> None:
    tx.edit(parts, tx.CUSTOM, lambda x: tx.add_custom_property(x, "KSOProductBuildVer", "2052-11.1.0.14309"))
    tx.edit(parts, tx.CUSTOM, lambda x: tx.add_custom_property(x, "ICV", "9A1B36E4D4C94B0FA5A7BEDE0C2A15D3"))
    tx.edit(parts, tx.APP, lambda x: tx.sub(r"<AppVersion>[^<]*</AppVersion>", "", x))
    assert "<Application>Microsoft Excel</Application>" in tx.text(parts, tx.APP)  # WPS keeps it


def test_wps_custom_properties_and_application_name(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    _as_wps(parts)
    report = check(parts, tmp_path)
    assert above_info(report) == []
    assert report.saved_by == "wps"


def _names_twice(xml: str) -> str:
    """WPS writes each workbook-level name again with the localSheetId of the sheet it points to."""
    def twice(m: re.Match[str]) -> str:
        sheet = re.match(r"'?([^'!]+)'?!", m.group(2))
        assert sheet
        local = tx.SHEETS.index(sheet.group(1))
        return f'{m.group(0)}<definedName name="{m.group(1)}" localSheetId="{local}">{m.group(2)}</definedName>'

    return tx.sub(r'<definedName name="([a-z][a-z0-9_]*)">([^<]*)</definedName>', twice, xml)


def test_wps_defined_names_written_twice(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.edit(parts, tx.WORKBOOK, _names_twice)
    assert tx.text(parts, tx.WORKBOOK).count('name="requests_new_person"') == 2
    assert above_info(check(parts, tmp_path)) == []


def test_wps_zip_dates_and_folder_entries(honest: Path, tmp_path: Path) -> None:
    report = check(tx.load(honest), tmp_path, date_time=tx.WPS_DATE, dir_entries=True)
    assert above_info(report) == []
    import zipfile

    with zipfile.ZipFile(tmp_path / "habit.xlsx") as zf:
        assert {i.date_time for i in zf.infolist()} == {tx.WPS_DATE}
        assert "xl/worksheets/" in zf.namelist()


@pytest.mark.parametrize("protection", [
    '<sheetProtection formatRows="0" formatColumns="0" scenarios="1" objects="1" sheet="1" password="DD1E"/>',
    '<sheetProtection password="DD1E" sheet="1" objects="1" scenarios="1" formatColumns="0" formatRows="0" '
    'selectLockedCells="0" selectUnlockedCells="0" insertHyperlinks="1" autoFilter="1" pivotTables="1" sort="1"/>',
    '<sheetProtection sheet="true" objects="true" scenarios="true" password="DD1E"/>',
    '<sheetProtection algorithmName="SHA-512" hashValue="c2hh" saltValue="c2FsdA==" spinCount="100000" sheet="1" '
    'objects="1" scenarios="1"/>',
])
def test_wps_sheet_protection_attributes(honest: Path, tmp_path: Path, protection: str) -> None:
    parts = tx.load(honest)
    every_sheet(parts, lambda x: tx.sub(r"<sheetProtection[^>]*/>", protection, x, count=1))
    assert above_info(check(parts, tmp_path)) == []


def _shared_row_totals(xml: str) -> str:
    """J5:J29 (SUM of each row) as one shared formula, the way WPS writes a filled-down column."""
    xml = tx.replace(xml, "<f>SUM(D5:I5)</f>", '<f t="shared" ref="J5:J29" si="0">SUM(D5:I5)</f>')
    return tx.sub(r"<f>SUM\(D(\d+):I\1\)</f>", '<f t="shared" si="0"/>', xml)


def test_wps_shared_formulas(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.edit(parts, REQ_PART, _shared_row_totals)
    assert tx.text(parts, REQ_PART).count('<f t="shared" si="0"/>') == 24
    assert above_info(check(parts, tmp_path)) == []


def test_wps_all_habits_at_once(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.edit(parts, REQ_PART, _shared_row_totals)
    every_sheet(parts, lambda x: _quot(x).replace("<f>", '<f ca="1">'))
    _as_wps(parts)
    tx.edit(parts, tx.WORKBOOK, _names_twice)
    report = check(parts, tmp_path, date_time=tx.WPS_DATE, dir_entries=True)
    assert above_info(report) == []
    assert report.saved_by == "wps"


def _one_off_empty_string_result(v: str) -> bytes:
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = wb.add_worksheet("Sheet1")
    ws.write_number("A1", 1)
    ws.write_formula("A2", '=IF(A1>0,"","x")', None, "")
    wb.close()
    parts = tx.load(buffer.getvalue())
    tx.edit(parts, "xl/worksheets/sheet1.xml", lambda x: tx.sub(
        r'<c r="A2"><f>(.*?)</f><v></v></c>', lambda m: f'<c r="A2" t="str"><f>{m.group(1).replace(chr(34), "&quot;")}</f>{v}</c>', x))
    return tx.pack(parts)


@pytest.mark.parametrize("v", ["<v/>", "<v></v>"])
def test_wps_empty_string_result_reads_as_empty_string(v: str) -> None:
    pre = preflight_bytes(_one_off_empty_string_result(v))
    assert pre.problem is None and pre.parts is not None
    sheet = read_parts(pre.parts).sheet("Sheet1")
    assert sheet is not None
    cell = sheet.cells[(2, 1)]
    assert cell.formula == 'IF(A1>0,"","x")'
    assert cell.value == "" and cell.value is not None


def test_rich_text_and_phonetic_runs_in_labels(honest: Path, tmp_path: Path) -> None:
    # zh-CN Excel and WPS keep <rPh>/<phoneticPr> on shared strings, and formatting makes rich-text runs.
    parts = tx.load(honest)
    tx.edit(parts, tx.STRINGS, lambda x: tx.replace(x, "<si><t>行政许可</t></si>", (
        '<si><r><rPr><b/><sz val="11"/></rPr><t>行政</t></r><r><t>许可</t></r>'
        '<rPh sb="0" eb="2"><t>xingzheng</t></rPh><phoneticPr fontId="1" type="noConversion"/></si>')))
    assert above_info(check(parts, tmp_path)) == []


def _coalesce_validations(xml: str) -> str:
    """Excel and WPS store identical validations as one element whose sqref lists every range."""
    found = re.findall(r'(<dataValidation [^>]*sqref=")([^"]*)("[^>]*>.*?</dataValidation>)', xml, flags=re.S)
    groups: dict[tuple[str, str], list[str]] = {}
    for head, sqref, tail in found:
        groups.setdefault((head, tail), []).append(sqref)
    merged = "".join(f'{head}{" ".join(refs)}{tail}' for (head, tail), refs in groups.items())
    return tx.sub(r'<dataValidations count="\d+">.*?</dataValidations>',
                  lambda _: f'<dataValidations count="{len(groups)}">{merged}</dataValidations>', xml, flags=re.S)


def test_excel_and_wps_coalesce_identical_validations(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    every_sheet(parts, tx.split_validations)  # whatever the builder does, start from one per cell
    assert tx.text(parts, REQ_PART).count("<dataValidation ") == 6 * 24
    every_sheet(parts, _coalesce_validations)
    assert tx.text(parts, REQ_PART).count("<dataValidation ") == 1
    assert above_info(check(parts, tmp_path)) == []


def test_one_validation_per_cell(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    every_sheet(parts, tx.split_validations)
    assert above_info(check(parts, tmp_path)) == []


# ------------------------------------------------------------------ LibreOffice


def test_libreoffice_integer_custom_property_as_float(honest: Path, tmp_path: Path) -> None:
    # LibreOffice stores every number as a double: an integer property comes back as vt:r8.
    parts = tx.load(honest)
    tx.edit(parts, tx.CUSTOM, lambda x: tx.add_custom_property(x, "revision", "3", "r8"))
    assert above_info(check(parts, tmp_path)) == []


def test_libreoffice_lower_case_legacy_hash(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    every_sheet(parts, lambda x: tx.sub(r'password="([0-9A-F]{4})"', lambda m: f'password="{m.group(1).lower()}"', x))
    assert 'password="dd1e"' in tx.text(parts, REQ_PART)
    assert above_info(check(parts, tmp_path)) == []


def test_libreoffice_empty_workbook_protection(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.edit(parts, tx.WORKBOOK, lambda x: tx.replace(x, "<bookViews>", "<workbookProtection/><bookViews>"))
    assert above_info(check(parts, tmp_path)) == []


def test_libreoffice_aca_attributes(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    every_sheet(parts, lambda x: x.replace("<f>", '<f aca="false">'))
    assert '<f aca="false">SUM(D5:I5)</f>' in tx.text(parts, REQ_PART)
    assert above_info(check(parts, tmp_path)) == []


def test_libreoffice_application_name(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.edit(parts, tx.APP, lambda x: tx.sub(
        r"<Application>[^<]*</Application>", "<Application>LibreOffice/7.5.3.2$Linux_X86_64 LibreOffice_project/"
        "9f56dff12ba03b9acd7730a5a481eea045e468f3</Application>", x))
    tx.edit(parts, tx.APP, lambda x: tx.sub(r"<AppVersion>[^<]*</AppVersion>", "<AppVersion>15.0000</AppVersion>", x))
    report = check(parts, tmp_path)
    assert above_info(report) == []
    assert report.saved_by == "libreoffice"


def test_libreoffice_all_habits_at_once(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.edit(parts, tx.CUSTOM, lambda x: tx.add_custom_property(x, "revision", "3", "r8"))
    every_sheet(parts, lambda x: re.sub(r'password="([0-9A-F]{4})"', lambda m: f'password="{m.group(1).lower()}"', x)
                .replace("<f>", '<f aca="false">'))
    tx.edit(parts, tx.WORKBOOK, lambda x: tx.replace(x, "<bookViews>", "<workbookProtection/><bookViews>"))
    assert above_info(check(parts, tmp_path)) == []
