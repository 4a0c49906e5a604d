"""Feedback copies (annotate.py): each finding marked on its cell, everything else kept.

The invariant: checking the copy gives exactly the findings of the original (same codes at the
same cells), the original is untouched, and real clients (openpyxl, LibreOffice) see the fills
and the comments.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from tests.make_filled import build_to, honest_data
from workbook_builder import api
from workbook_builder.batch.annotate import FILL_RGB, AnnotateError, annotate_bytes, annotate_copy
from workbook_builder.batch.annotate.highlight import RULE_FILL_RGB
from workbook_builder.check.preflight import preflight_bytes
from workbook_builder.check.reader import read_parts
from workbook_builder.findings import Finding, make
from workbook_builder.ooxml.refs import split_cell_ref

REQUESTS = "依申请公开"
CLIENT_FILES = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "client-files"


class _Marker:
    """The marker's value on an annotated copy: `annotated:` and the digest of its sheets as written."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and re.fullmatch(r"annotated:[0-9a-f]{16}", other) is not None


OURS = _Marker()


# ---------------------------------------------------------------- helpers


def _flat(findings) -> list[tuple[str, str | None]]:
    return [(f.code, f.cell) for f in findings]


def _rewrite(src: Path, out: Path, edits: dict[str, Callable[[bytes], bytes]]) -> Path:
    """A copy of `src` with some parts changed (how tampered files are made here)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in edits:
                data = edits[info.filename](data)
            zout.writestr(info, data)
    out.write_bytes(buf.getvalue())
    return out


def _sub(pattern: bytes, repl: bytes) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        new, n = re.subn(pattern, repl, data, count=1)
        assert n == 1, pattern
        return new
    return edit


def _cell_of(ref: str) -> tuple[str, str]:
    sheet, addr = split_cell_ref(ref)
    assert sheet is not None
    return sheet, addr


def _comments(path: Path) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): c.comment.text for ws in wb for row in ws.iter_rows() for c in row if c.comment}


def _sheet_part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        order = re.findall(r'<sheet name="([^"]+)"', z.read("xl/workbook.xml").decode())
    return f"xl/worksheets/sheet{order.index(name) + 1}.xml"


# ---------------------------------------------------------------- workbooks


def _blanks() -> dict:
    data = honest_data()
    for key in ("meta.contact_phone", "requests.granted.research", "text.problems"):
        del data[key]
    return data


def _variant(name: str) -> dict:
    data = honest_data()
    if name == "slash":
        data["requests.new.person"] = "/"
    elif name == "negative":
        data["requests.new.business"] = -3
    elif name == "t3a":
        data["requests.new.person"] += 1
    elif name == "blanks":
        data = _blanks()
    elif name == "empty":
        data = {}
    return data


VARIANTS = ("honest", "slash", "negative", "t3a", "blanks", "empty")


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("annotate")
    return {name: build_to(folder, _variant(name), f"{name}.xlsx", strict=False) for name in VARIANTS}


@pytest.fixture(scope="module")
def tampered(books, tmp_path_factory) -> Path:
    """Protection removed on 主动公开 (a sheet-level warning), a label cell deleted outright (so the
    copy must create the cell element) and a forged cached total."""
    src = books["honest"]
    return _rewrite(src, tmp_path_factory.mktemp("tampered") / "tampered.xlsx", {
        _sheet_part(src, "主动公开"): _sub(rb"<sheetProtection[^>]*/>", b""),
        _sheet_part(src, REQUESTS): lambda d: _sub(rb'(<c r="J5"[^>]*><f>[^<]*</f><v>)[^<]*(</v>)', rb"\g<1>999\g<2>")(
            _sub(rb'<c r="A5"[^>]*>.*?</c>', b"")(d)),
    })


def _commented_book(path: Path) -> Path:
    """A workbook from another tool that already carries comments (and so a VML drawing)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("数据")
    ws.write("A1", "标题")
    ws.write_number("B2", 5)
    ws.write_formula("B3", "=B2*2", None, 10)
    ws.write_comment("B2", "原有批注：请核对")
    ws.write_comment("D9", "another tool's note")
    wb.add_worksheet("Other").write("A1", "x")
    wb.close()
    return path


# ---------------------------------------------------------------- references


@pytest.mark.parametrize(("ref", "expected"), [
    ("'依申请公开'!J5", ("依申请公开", "J5")),
    ("'O''Brien'!A1", ("O'Brien", "A1")),
    ("'it''s!odd'!$B$7", ("it's!odd", "$B$7")),
    ("'封面'", ("封面", "")),
    ("Sheet1!C3", ("Sheet1", "C3")),
    ("A1", (None, "A1")),
    ("'未闭合", ("未闭合", "")),
])
def test_split_cell_ref(ref, expected):
    assert split_cell_ref(ref) == expected


# ---------------------------------------------------------------- the invariant


@pytest.mark.parametrize("name", VARIANTS)
def test_copy_checks_exactly_like_the_original(books, tmp_path, name):
    src = books[name]
    before, mtime = src.read_bytes(), src.stat().st_mtime_ns
    report = api.check_file(src)
    expected = {"honest": 0, "slash": 1, "negative": 1, "t3a": 2, "blanks": 3, "empty": 174}[name]
    assert len(report.findings) == expected
    out = annotate_copy(src, report.findings, tmp_path / "copy.xlsx")
    assert out == tmp_path / "copy.xlsx"
    assert _flat(api.check_file(out).findings) == _flat(report.findings)
    assert src.read_bytes() == before and src.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == ["copy.xlsx"]  # no temporary file left behind
    comments = _comments(out)
    marked = {_cell_of(f.cell) for f in report.findings if f.cell}
    # issue 7: a failed rule is also commented on every cell it reads (the cells to check)
    involved = {_cell_of(c) for f in report.findings if f.rule for c in f.cells}
    assert set(comments) == marked | involved
    for f in report.findings:
        for cell in (f.cell, *(f.cells if f.rule else ())):
            assert f"错误：{f.message('zh')}" in comments[_cell_of(cell)]


def test_tampered_copy_checks_the_same_and_notes_sheet_findings(tampered, tmp_path):
    report = api.check_file(tampered)
    assert _flat(report.findings) == [
        ("label-changed", f"'{REQUESTS}'!A5"), ("stale-value", f"'{REQUESTS}'!J5"), ("protection-removed", "'主动公开'")]
    out = annotate_copy(tampered, report.findings, tmp_path / "copy.xlsx")
    assert _flat(api.check_file(out).findings) == _flat(report.findings)
    comments = _comments(out)
    assert comments[("主动公开", "A1")].startswith("警告：")  # a sheet-only finding: a note on A1
    assert "A5" in comments[(REQUESTS, "A5")] and "999" not in comments[(REQUESTS, "A5")]
    wb_in, wb_out = openpyxl.load_workbook(tampered), openpyxl.load_workbook(out)
    assert wb_out["主动公开"]["A1"].fill.fgColor.rgb == wb_in["主动公开"]["A1"].fill.fgColor.rgb  # notes are not highlighted
    assert wb_out[REQUESTS]["A5"].fill.fgColor.rgb == FILL_RGB  # the deleted cell was created, highlighted
    assert wb_out[REQUESTS]["A5"].protection.locked is True
    with zipfile.ZipFile(out) as z:
        row5 = re.search(r'<row r="5"[^>]*>(.*?)</row>', z.read(_sheet_part(out, REQUESTS)).decode()).group(1)
    assert re.findall(r'<c r="([A-Z]+)5"', row5) == list("ABCDEFGHIJ")  # created in column order


def test_highlight_keeps_format_lock_and_values(books, tmp_path):
    src = books["blanks"]
    report = api.check_file(src)
    out = annotate_copy(src, report.findings, tmp_path / "copy.xlsx")
    wb_in, wb_out = openpyxl.load_workbook(src), openpyxl.load_workbook(out)
    for f in report.findings:
        sheet, addr = _cell_of(f.cell)
        a, b = wb_in[sheet][addr], wb_out[sheet][addr]
        assert b.fill.patternType == "solid" and b.fill.fgColor.rgb == FILL_RGB
        assert a.fill.fgColor.rgb != FILL_RGB
        assert (a.number_format, a.protection.locked, a.protection.hidden) == (b.number_format, b.protection.locked, b.protection.hidden)
        assert repr((a.font, a.border, a.alignment)) == repr((b.font, b.border, b.alignment))
    # every cell the checker reads: same value, cached value, formula and lock flag
    parts_in = read_parts(preflight_bytes(src.read_bytes()).parts)
    parts_out = read_parts(preflight_bytes(out.read_bytes()).parts)
    for s_in, s_out in zip(parts_in.sheets, parts_out.sheets, strict=True):
        assert s_in.cells.keys() == s_out.cells.keys()
        for key, c in s_in.cells.items():
            d = s_out.cells[key]
            assert (c.value, c.formula, c.locked, c.is_error) == (d.value, d.formula, d.locked, d.is_error), key
        assert (s_in.protection, s_in.validations, s_in.merged, s_in.state) == (
            s_out.protection, s_out.validations, s_out.merged, s_out.state)
    assert parts_in.defined_names == parts_out.defined_names
    # issue 7: the copy carries one more property, the one that marks it as our output
    assert parts_out.custom_properties == {**parts_in.custom_properties, "workbook_builder_output": OURS}
    assert parts_in.workbook_protection == parts_out.workbook_protection


def test_zip_entries_keep_order_compression_and_bytes(books, tmp_path):
    src = books["t3a"]
    report = api.check_file(src)
    out = annotate_copy(src, report.findings, tmp_path / "copy.xlsx")
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        old, new = a.infolist(), b.infolist()
        assert [i.filename for i in new[: len(old)]] == [i.filename for i in old]
        assert [(i.compress_type, i.date_time) for i in new[: len(old)]] == [(i.compress_type, i.date_time) for i in old]
        sheet = _sheet_part(src, REQUESTS)
        edited = {"xl/styles.xml", sheet, "[Content_Types].xml", "docProps/custom.xml"}  # custom: the marker (issue 7)
        for info in old:
            if info.filename not in edited:
                assert b.read(info.filename) == a.read(info), info.filename
        assert sorted(i.filename for i in new[len(old):]) == [
            "xl/comments1.xml", "xl/drawings/vmlDrawing1.vml", "xl/worksheets/_rels/sheet3.xml.rels"]
        # the sheet is spliced, not re-serialised: everything outside the edits is the original text
        text_in, text_out = a.read(sheet).decode(), b.read(sheet).decode()
        head = text_in[: text_in.index("<sheetData>")]
        assert text_out.startswith(head)
        tail = text_in[text_in.index("</sheetData>"): text_in.index("</worksheet>")]
        assert tail + '<legacyDrawing r:id="rId2"/></worksheet>' in text_out
        assert "ns0:" not in text_out
        assert re.sub(r' s="\d+"', "", text_in[text_in.index("<sheetData>"): text_in.index("</sheetData>")]) == re.sub(
            r' s="\d+"', "", text_out[text_out.index("<sheetData>"): text_out.index("</sheetData>")])
        types = b.read("[Content_Types].xml").decode()
        assert '<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>' in types
        assert ('<Override PartName="/xl/comments1.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"/>') in types
        styles_in, styles_out = a.read("xl/styles.xml").decode(), b.read("xl/styles.xml").decode()
        # issue 7: a failed rule is marked in its own colour, on its check cell and the 4 cells it reads
        assert styles_out.count("<fill>") == styles_in.count("<fill>") + 1 and RULE_FILL_RGB in styles_out
        vml = b.read("xl/drawings/vmlDrawing1.vml").decode()
        assert vml.count("<v:shape ") == 2 * 5 and "<x:Row>29</x:Row><x:Column>3</x:Column>" in vml  # D30, 0-based


def test_output_is_deterministic(books):
    src = books["empty"]
    findings = api.check_file(src).findings
    assert annotate_bytes(src.read_bytes(), findings) == annotate_bytes(src.read_bytes(), findings)


# ---------------------------------------------------------------- comments


def test_several_findings_on_one_cell_make_one_comment(books, tmp_path):
    cell = f"'{REQUESTS}'!D5"
    findings = [make("stale-value", cell=cell), make("lock-changed", cell=cell), make("no-cached-values", cell=cell),
                make("missing-input", cell=cell), make("unknown-template")]
    out = annotate_copy(books["honest"], findings, tmp_path / "copy.xlsx")
    comments = _comments(out)
    lines = comments[(REQUESTS, "D5")].split("\n")
    assert [line[:3] for line in lines] == ["错误：", "错误：", "警告：", "提示："]
    assert lines[0] == "错误：" + findings[0].message("zh")
    assert comments[("封面", "A1")] == "错误：" + findings[4].message("zh")  # no cell: the first sheet's A1
    out_en = annotate_copy(books["honest"], findings, tmp_path / "copy-en.xlsx", lang="en")
    assert _comments(out_en)[(REQUESTS, "D5")].split("\n")[2] == "Warning: " + findings[1].message("en")


def test_unknown_sheets_and_odd_refs_go_to_the_first_sheet(books, tmp_path):
    findings = [make("structure-changed", cell="'删掉的表'"), make("stale-value", cell="'删掉的表'!B2"),
                make("unsafe-content", cell="xl/worksheets/sheet9.xml"), make("missing-input", cell="'文字说明'!A7")]
    out = annotate_copy(books["honest"], findings, tmp_path / "copy.xlsx")
    comments = _comments(out)
    assert set(comments) == {("封面", "A1"), ("文字说明", "A7")}  # A7: text.problems since issue 7
    assert comments[("封面", "A1")].count("\n") == 2


def test_merges_into_existing_comments(tmp_path):
    src = _commented_book(tmp_path / "commented.xlsx")
    findings = [make("stale-value", cell="'数据'!B2"), make("missing-input", cell="'数据'!C7"),
                make("protection-removed", cell="'Other'")]
    out = annotate_copy(src, findings, tmp_path / "copy.xlsx")
    comments = _comments(out)
    assert comments[("数据", "B2")] == "原有批注：请核对\n错误：" + findings[0].message("zh")
    assert comments[("数据", "D9")] == "another tool's note"
    assert comments[("数据", "C7")] == "错误：" + findings[1].message("zh")
    assert comments[("Other", "A1")].startswith("警告：")
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        sheet1 = z.read("xl/worksheets/sheet1.xml").decode()
        comments1 = z.read("xl/comments1.xml").decode()
        vml1 = z.read("xl/drawings/vmlDrawing1.vml").decode()
        vml2 = z.read("xl/drawings/vmlDrawing2.vml").decode()
    assert sheet1.count("<legacyDrawing") == 1
    assert [n for n in names if "comments" in n] == ["xl/comments1.xml", "xl/comments2.xml"]  # one per sheet
    assert "<author>workbook_builder</author>" in comments1
    assert vml1.count("<v:shape ") == 3  # two of the other tool's, one for C7 (B2 already has its box)
    assert len(set(re.findall(r'id="(_x0000_s\d+)"', vml1))) == 3
    assert re.search(r'idmap v:ext="edit" data="(\d+)"', vml2).group(1) != "1"  # no shape-id clash
    wb = openpyxl.load_workbook(out)
    assert wb["数据"]["B2"].fill.fgColor.rgb == FILL_RGB and wb["数据"]["C7"].fill.fgColor.rgb == FILL_RGB
    assert wb["数据"]["B2"].value == 5 and wb["数据"]["B3"].value == "=B2*2"


def test_prefixed_sheet_xml_keeps_its_prefix(tmp_path):
    """Some writers prefix SpreadsheetML (<x:worksheet xmlns:x=…>): new elements must follow it."""
    src = _commented_book(tmp_path / "commented.xlsx")

    def prefix(data: bytes) -> bytes:
        text = data.decode()
        text = re.sub(r"<(/?)(?!\?)([A-Za-z]+)([ />])", r"<\1x:\2\3", text)
        text = text.replace('<x:worksheet xmlns="', '<x:worksheet xmlns:x="')
        text = re.sub(r"<x:legacyDrawing[^>]*/>", "", text)
        return text.encode()

    plain = _rewrite(src, tmp_path / "prefixed.xlsx", {"xl/worksheets/sheet2.xml": prefix})
    out = annotate_copy(plain, [make("missing-input", cell="'Other'!B4")], tmp_path / "copy.xlsx")
    with zipfile.ZipFile(out) as z:
        text = z.read("xl/worksheets/sheet2.xml").decode()
    assert '<x:row r="4"><x:c r="B4" s="' in text and "<x:legacyDrawing " in text
    wb = read_parts(preflight_bytes(out.read_bytes()).parts)
    assert wb.sheet("Other").cells[(4, 2)].style_id > 0
    assert _comments(out)[("Other", "B4")].startswith("错误：")


@pytest.mark.filterwarnings("ignore:Cannot parse header or footer")  # openpyxl, on one original file
@pytest.mark.parametrize("name", sorted(p.name for p in CLIENT_FILES.glob("*.xlsx")) or ["(none)"])
def test_files_saved_by_excel_wps_and_libreoffice(name, tmp_path):
    """Real files (not our template): cells present or not, comments of their own, odd prefixes."""
    if name == "(none)":
        pytest.skip(f"no reference files in {CLIENT_FILES}")
    data = (CLIENT_FILES / name).read_bytes()
    pre = preflight_bytes(data)
    if pre.problem is not None:
        with pytest.raises(AnnotateError):
            annotate_bytes(data, [])
        return
    before = read_parts(pre.parts)
    first = "'" + before.sheets[0].name.replace("'", "''") + "'"
    findings = [make("stale-value", cell=f"{first}!B2"), make("missing-input", cell=f"{first}!Z300"),
                make("protection-removed", cell=first), make("unknown-template")]
    out = tmp_path / name
    out.write_bytes(annotate_bytes(data, findings))
    after = read_parts(preflight_bytes(out.read_bytes()).parts)
    for s_in, s_out in zip(before.sheets, after.sheets, strict=True):
        for key, c in s_in.cells.items():
            d = s_out.cells[key]
            assert (c.value, c.formula, c.locked) == (d.value, d.formula, d.locked), (s_in.name, key)
        assert (s_in.protection, s_in.validations, s_in.merged) == (s_out.protection, s_out.validations, s_out.merged)
    assert before.defined_names == after.defined_names
    # issue 7: one more property, the one that marks the copy as our output (a new part if there was none)
    assert after.custom_properties == {**before.custom_properties, "workbook_builder_output": OURS}
    ws = openpyxl.load_workbook(out)[before.sheets[0].name]
    assert ws["Z300"].comment is not None and ws["Z300"].fill.fgColor.rgb == FILL_RGB
    assert ws["A1"].comment is not None and ws["A1"].comment.text.count("\n") >= 1


# ---------------------------------------------------------------- refusals


def test_never_overwrites_its_input(books, tmp_path):
    src = tmp_path / "in.xlsx"
    src.write_bytes(books["honest"].read_bytes())
    with pytest.raises(ValueError):
        annotate_copy(src, [], src)
    with pytest.raises(ValueError):
        annotate_copy(src, [], tmp_path / "." / "in.xlsx")


def test_refuses_what_preflight_refuses(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(AnnotateError):
        annotate_copy(bad, [Finding("unreadable-file", "error")], tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


# ---------------------------------------------------------------- a real client


@pytest.mark.libreoffice
def test_libreoffice_opens_the_copy_and_reads_the_comments(books, tmp_path, libreoffice):
    src = books["t3a"]
    report = api.check_file(src)
    out = annotate_copy(src, report.findings, tmp_path / "copy.xlsx")
    saved = tmp_path / "saved-by-lo.xlsx"
    cells = libreoffice.run(out, [{"op": "get", "sheet": REQUESTS, "cells": ["D5", "J5"]},
                                  {"op": "save_xlsx", "path": str(saved)}])[0]
    want = honest_data()["requests.new.person"] + 1
    assert cells[0]["value"] == want
    assert cells[1]["formula_excel"] == "=SUM(D5:I5)"
    # LibreOffice imported our comments and fills: they survive its own save
    comments = _comments(saved)
    for f in report.findings:
        assert f.message("zh") in comments[_cell_of(f.cell)]
    ws = openpyxl.load_workbook(saved)[REQUESTS]
    assert ws["D30"].fill.fgColor.rgb == ws["D5"].fill.fgColor.rgb == RULE_FILL_RGB  # issue 7: the rule's colour


@pytest.mark.libreoffice
def test_libreoffice_reads_merged_comments(tmp_path, libreoffice):
    src = _commented_book(tmp_path / "commented.xlsx")
    findings = [make("stale-value", cell="'数据'!B2"), make("missing-input", cell="'数据'!C7")]
    out = annotate_copy(src, findings, tmp_path / "copy.xlsx")
    saved = tmp_path / "saved-by-lo.xlsx"
    cells = libreoffice.run(out, [{"op": "get", "sheet": "数据", "cells": ["B2", "B3"]},
                                  {"op": "save_xlsx", "path": str(saved)}])[0]
    assert [c["value"] for c in cells] == [5, 10]
    comments = _comments(saved)
    assert comments[("数据", "B2")].startswith("原有批注：请核对") and findings[0].message("zh") in comments[("数据", "B2")]
    assert comments[("数据", "D9")] == "another tool's note"
    assert findings[1].message("zh") in comments[("数据", "C7")]
