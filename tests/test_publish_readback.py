"""The publish read-back on its own: grids from hand-made docx and HTML (merges, vMerge continue
cells, rowspan/colspan overlaps), paragraph texts, and `compare` catching every kind of corruption
of a good document by label — a value changed, a label changed, a cell dropped, rows swapped, two
values swapped — each with exactly the expected findings and the data points named.

The "good documents" here are written by small reference renderings in this file (raw
WordprocessingML, plain HTML), not by publish.docx / publish.html: the reader is tested without the
writers it must check (tests/test_publish_roundtrip.py joins them).
"""

from __future__ import annotations

import dataclasses
import html
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.make_filled import honest_data
from tests.published_forms import cell_owners
from workbook_builder.findings import Code
from workbook_builder.publish import readback as rb
from workbook_builder.publish.model import DocCell, DocTable, Document, document
from workbook_builder.template import registry

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
ET.register_namespace("w", W)


# ----------------------------------------------------------------------------- reference renderings


@cache
def good() -> Document:
    """A real report's document (淮安市人民政府 2024: every table, a band per 第二十条 item)."""
    return document(registry.resolve().layout, honest_data("huaian-city-2024", totals=True))


def _t(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{html.escape(text, quote=False)}</w:t></w:r>'


def _p(text: str) -> str:
    return f"<w:p>{_t(text)}</w:p>"


def _docx_table(table: DocTable) -> str:
    """A w:tbl with the model's merges: gridSpan across, vMerge restart/continue down."""
    covering = cell_owners(table)
    rows = []
    for r in range(table.n_rows):
        tcs, col = [], 0
        while col < table.n_cols:
            c = covering[(r, col)]
            span = f'<w:gridSpan w:val="{c.col_span}"/>' if c.col_span > 1 else ""
            if c.row == r:
                merge = '<w:vMerge w:val="restart"/>' if c.row_span > 1 else ""
                tcs.append(f"<w:tc><w:tcPr>{span}{merge}</w:tcPr>{_p(c.text)}</w:tc>")
            else:
                tcs.append(f"<w:tc><w:tcPr>{span}<w:vMerge/></w:tcPr><w:p/></w:tc>")
            col += c.col_span
        rows.append(f"<w:tr>{''.join(tcs)}</w:tr>")
    grid = "".join("<w:gridCol/>" for _ in range(table.n_cols))
    return f"<w:tbl><w:tblPr/><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def _zip_docx(body: str) -> bytes:
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W}">'
           f"<w:body>{body}<w:sectPr/></w:body></w:document>")
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'content-types"/>')
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", xml)
    return out.getvalue()


def _body(doc: Document) -> str:
    body = [_p(doc.title)]
    for s in doc.sections:
        body.append(_p(s.heading))
        body += [_p(p.full) for p in s.paragraphs]
        body += [_docx_table(t) for t in s.tables]
    return "".join(body)


def docx_of(doc: Document) -> bytes:
    return _zip_docx(_body(doc))


def html_of(doc: Document) -> str:
    """Plain HTML of the model, one <tr> per line (so a test can swap rows)."""
    out = [f"<div><h1>{html.escape(doc.title)}</h1>"]
    for s in doc.sections:
        out.append(f"<h2>{html.escape(s.heading)}</h2>")
        out += [f"<p>{html.escape(p.full)}</p>" for p in s.paragraphs]
        for t in s.tables:
            out.append(f"<table>\n<caption>{html.escape(t.caption)}</caption>")
            for row in t.rows():
                cells = "".join(
                    f'<{"td" if c.kind == "value" else "th"} rowspan="{c.row_span}" colspan="{c.col_span}">'
                    f'{html.escape(c.text)}</{"td" if c.kind == "value" else "th"}>' for c in row)
                out.append(f"<tr>{cells}</tr>")
            out.append("</table>")
    out.append("</div>")
    return "\n".join(out)


def edit_docx(data: bytes, change: Callable[[ET.Element], None]) -> bytes:
    """A copy of a docx with its document.xml changed by `change(root)`."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            part = src.read(info)
            if info.filename == "word/document.xml":
                root = ET.fromstring(part)
                change(root)
                part = ET.tostring(root, encoding="utf-8", xml_declaration=True)
            z.writestr(info.filename, part)
    return out.getvalue()


def q(name: str) -> str:
    return f"{{{W}}}{name}"


def tables_of(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(q("tbl")))


def tc_at(tbl: ET.Element, row: int, col: int) -> ET.Element:
    """The w:tc that starts at grid column `col` of row `row`."""
    tr = tbl.findall(q("tr"))[row]
    pos = 0
    for tc in tr.findall(q("tc")):
        if pos == col:
            return tc
        span = tc.find(f"{q('tcPr')}/{q('gridSpan')}")
        pos += int(span.get(q("val"))) if span is not None else 1
    raise LookupError((row, col))


def set_text(tc: ET.Element, text: str) -> None:
    ts = list(tc.iter(q("t")))
    ts[0].text = text
    for t in ts[1:]:
        t.text = ""


def text_of(tc: ET.Element) -> str:
    return "".join(t.text or "" for t in tc.iter(q("t")))


def where(doc: Document, datapoint: str) -> tuple[int, DocCell]:
    for i, t in enumerate(doc.tables):
        for c in t.value_cells:
            if c.datapoint == datapoint:
                return i, c
    raise LookupError(datapoint)


def summary(findings: list) -> set[tuple[str, str | None]]:
    return {(f.reason, f.datapoint) for f in findings}


# ----------------------------------------------------------------------------- grids from hand-made docx


def test_docx_grid_recovers_grid_span_and_vmerge_continue_cells() -> None:
    body = (
        _p("标题") + '<w:sdt><w:sdtContent><w:p><w:r><w:t>控件中的段落</w:t></w:r></w:p></w:sdtContent></w:sdt>'
        + "<w:tbl>"
        '<w:tr><w:trPr><w:tblHeader/></w:trPr>'
        '<w:tc><w:tcPr><w:gridSpan w:val="2"/><w:vMerge w:val="restart"/></w:tcPr>' + _p("角") + "</w:tc>"
        '<w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr>' + _p("申请人") + "</w:tc></w:tr>"
        '<w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/><w:vMerge w:val="continue"/></w:tcPr><w:p/></w:tc>'
        "<w:tc>" + _p("甲") + "</w:tc><w:tc>" + _p("乙") + "</w:tc></w:tr>"
        '<w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr>' + _p("三、结果") + "</w:tc>"
        "<w:tc><w:p><w:r><w:t>（一）</w:t><w:br/><w:t>予以</w:t></w:r><w:r><w:tab/><w:t>公开</w:t></w:r></w:p>"
        + _p("第二段") + "</w:tc><w:tc>" + _p("1") + "</w:tc><w:tc>" + _p("0") + "</w:tc></w:tr>"
        # a continue cell without w:val, and a row that starts after one grid column (gridBefore)
        "<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc>" + _p("（二）")
        + "</w:tc><w:tc>" + _p("2") + "</w:tc><w:tc>" + _p("3") + "</w:tc></w:tr>"
        '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr><w:tc>' + _p("x") + "</w:tc></w:tr>"
        "</w:tbl>" + _p("表后")
    )
    data = _zip_docx(body)
    [grid] = rb.read_docx_tables(data)
    assert (grid.n_rows, grid.n_cols, grid.source) == (5, 4, "docx")
    assert grid.texts() == [
        ["角", "角", "申请人", "申请人"],
        ["角", "角", "甲", "乙"],
        ["三、结果", "（一）\n予以\t公开\n第二段", "1", "0"],
        ["三、结果", "（二）", "2", "3"],
        [None, "x", None, None],
    ]
    corner, result = grid.anchor(0, 0), grid.anchor(2, 0)
    assert corner is not None and (corner.row_span, corner.col_span, corner.header) == (2, 2, True)
    assert result is not None and (result.row_span, result.col_span) == (2, 1)
    assert grid.anchor(1, 0) is None and grid.at(3, 0) is result
    assert rb.read_docx_text(data) == ["标题", "控件中的段落", "表后"]


def test_docx_made_with_python_docx_reads_back() -> None:
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("标题")
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"{r}{c}"
    table.cell(0, 0).merge(table.cell(0, 1)).text = "横向"
    table.cell(1, 2).merge(table.cell(2, 2)).text = "纵向"
    out = io.BytesIO()
    d.save(out)
    [grid] = rb.read_docx_tables(out.getvalue())
    assert grid.texts() == [["横向", "横向", "02"], ["10", "11", "纵向"], ["20", "21", "纵向"]]
    assert rb.read_docx_text(out.getvalue()) == ["标题"]


@pytest.mark.parametrize("data", [
    b"", b"not a zip at all", b"PK\x03\x04broken",
    _zip_docx(_p("x"))[:200],  # cut off
])
def test_unreadable_docx_gives_missing_findings_not_exceptions(data: bytes) -> None:
    assert rb.read_docx_tables(data) == [] and rb.read_docx_text(data) == []
    found = rb.verify_docx(good(), data)
    assert {f.reason for f in found} == {"missing"}
    assert {f.datapoint for f in found if f.datapoint} == set(good().values) | {"text.overview", "text.problems",
                                                                                  "text.other"}


def test_docx_with_an_entity_declaration_is_refused() -> None:
    bomb = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>')
    data = _zip_docx("")
    data = edit_zip(data, "word/document.xml", bomb.encode())
    assert rb.read_docx_text(data) == []
    assert len(rb.verify_docx(good(), data)) >= len(good().values)


def edit_zip(data: bytes, name: str, part: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info.filename, part if info.filename == name else src.read(info))
    return out.getvalue()


# ----------------------------------------------------------------------------- grids from HTML


def test_html_grid_follows_the_table_model() -> None:
    text = """<table><caption> 表 <b>三</b> </caption>
      <thead><tr><th rowspan="2" colspan="2">角</th><th colspan="2">申请人</th></tr>
      <tr><th scope="col">甲</th><th>乙</th></tr></thead>
      <tbody><tr><th rowspan=2>三、结果</th><td>（一）<br>予以
          公开</td><td>1</td><td>&lt;0&amp;</td>
      <tr><td>（二）<td>2<td>3
      <tr><td rowspan="9">到底</td><td colspan="x">y</td></tr>
    </table>"""
    [grid] = rb.read_html_tables(text)
    assert (grid.caption, grid.n_rows, grid.n_cols, grid.source) == ("表 三", 5, 4, "html")
    assert grid.texts() == [
        ["角", "角", "申请人", "申请人"],
        ["角", "角", "甲", "乙"],
        ["三、结果", "（一）\n予以 公开", "1", "<0&"],
        ["三、结果", "（二）", "2", "3"],
        ["到底", "y", None, None],
    ]
    bottom = grid.anchor(4, 0)
    assert bottom is not None and bottom.row_span == 1  # a rowspan stops at the table's last row
    head = grid.anchor(0, 0)
    assert head is not None and head.header and not grid.anchor(2, 1).header  # type: ignore[union-attr]


def test_html_rowspan_and_colspan_overlap() -> None:
    """A colspan running into a rowspan from above (a table model error): the earlier cell keeps
    the slot, the later one keeps its declared span, nothing raises."""
    [grid] = rb.read_html_tables("<table><tr><td>a</td><td rowspan=2>b</td><td>c</td></tr>"
                                 "<tr><td colspan=3>d</td></tr><tr><td rowspan=0>e</td><td>f</td></tr></table>")
    assert grid.texts() == [["a", "b", "c"], ["d", "b", "d"], ["e", "f", None]]
    d = grid.anchor(1, 0)
    assert d is not None and d.col_span == 3 and grid.at(1, 1).text == "b"  # type: ignore[union-attr]


def test_html_text_is_what_a_browser_shows() -> None:
    text = ("<html><head><title>不算</title><style>p{}</style></head><body><div>\n"
            "<h1>标题 \n 一</h1><p>（一）<span>小标题。</span>正文&lt;甲&gt;&amp;乙</p>"
            "<table><caption>表</caption><tr><td>表内</td></tr></table>"
            "<script>var x = '<p>不算</p>';</script><p>第二<br>行</p>散字</div></body></html>")
    assert rb.read_html_text(text) == ["标题 一", "（一）小标题。正文<甲>&乙", "第二\n行", "散字"]


@pytest.mark.parametrize("text", ["", "<<<>>>", "<table><tr><td>", "</td></tr></table>", "<td>1</td>", "\x00\ud800"])
def test_broken_html_never_raises(text: str) -> None:
    tables, paragraphs = rb.read_html(text)
    found = rb.compare(good(), tables, "html", paragraphs)
    assert found and {f.reason for f in found} <= {"missing", "label", "value"}


# ----------------------------------------------------------------------------- compare: the template's label paths


def test_every_label_path_is_composed_from_the_template_grid() -> None:
    """The reader's rule (band title, row labels to the left, nearest header rows above, minus the
    headers the template leaves out) gives every value cell's official label path, character for
    character; table 二's four bands included."""
    doc = good()
    for table in doc.tables:
        paths = rb.label_paths(table)
        assert paths == {c.datapoint: c.label for c in table.value_cells}
        assert rb.shape_of(table).unexplained == ()
    assert rb.label_paths(doc.tables[0])["disclosure.fees.amount"] == \
        "第二十条第（八）项 > 行政事业性收费 > 本年收费金额（单位：万元）"


def test_a_good_document_compares_clean_in_both_formats() -> None:
    doc = good()
    data, page = docx_of(doc), html_of(doc)
    assert rb.verify_docx(doc, data) == []
    assert rb.verify_html(doc, page) == []
    for read, html_mode in ((rb.read_docx_tables(data), False), (rb.read_html_tables(page), True)):
        assert len(read) == len(doc.tables)
        for table, grid in zip(doc.tables, read, strict=True):
            assert rb.label_paths(table, grid, html=html_mode) == {c.datapoint: c.label for c in table.value_cells}


# ----------------------------------------------------------------------------- compare: corrupted copies (docx)


def corrupt(change: Callable[[list[ET.Element]], None]) -> list:
    doc = good()
    data = edit_docx(docx_of(doc), lambda root: change(tables_of(root)))
    return rb.verify_docx(doc, data)


def test_a_changed_value_is_one_finding_naming_its_data_point() -> None:
    i, cell = where(good(), "requests.new.person")
    found = corrupt(lambda ts: set_text(tc_at(ts[i], cell.row, cell.col), "3002"))
    assert len(found) == 1
    f = found[0]
    assert (f.code, f.reason, f.datapoint, f.expected, f.actual) == (
        Code.PUBLISH_ROUNDTRIP_MISMATCH, "value", "requests.new.person", "3001", "3002")
    assert f.label == "一、本年新收政府信息公开申请数量 > 自然人" and ("format", "docx") in f.params
    assert "3002" in f.detail("zh") and "3001" in f.detail("zh")


def test_a_changed_label_is_a_label_finding_and_its_row_is_missing() -> None:
    """Numbers are found by label: under a label the template does not have, they are not found."""
    i, cell = where(good(), "disclosure.rules.issued")
    found = corrupt(lambda ts: set_text(tc_at(ts[i], cell.row, 0), "规章制度"))
    assert summary(found) == {("label", None), ("missing", "disclosure.rules.issued"),
                              ("missing", "disclosure.rules.repealed"), ("missing", "disclosure.rules.in_force")}
    [label] = [f for f in found if f.reason == "label"]
    assert (label.expected, label.actual) == ("规章", "规章制度")


def test_a_changed_column_header_misses_its_column_only() -> None:
    i, cell = where(good(), "appeals.review.corrected")
    found = corrupt(lambda ts: set_text(tc_at(ts[i], 1, cell.col), "结果改正"))
    assert summary(found) == {("label", None), ("missing", "appeals.review.corrected")}


def test_a_changed_band_title_misses_that_band_only() -> None:
    """Table 二 is one table of four bands; each band's numbers are named by its own title."""
    i, cell = where(good(), "disclosure.licensing.decisions")
    found = corrupt(lambda ts: set_text(tc_at(ts[i], cell.row - 2, 0), "第二十条第（四）项"))
    assert summary(found) == {("label", None), ("missing", "disclosure.licensing.decisions")}


def test_a_dropped_cell_is_missing() -> None:
    i, cell = where(good(), "requests.new.total")

    def drop(ts: list[ET.Element]) -> None:
        tr = ts[i].findall(q("tr"))[cell.row]
        tr.remove(tc_at(ts[i], cell.row, cell.col))

    found = corrupt(drop)
    assert summary(found) == {("missing", "requests.new.total")}
    assert found[0].expected == good().values["requests.new.total"]


def test_swapped_rows_are_caught_by_their_labels() -> None:
    """Rows 2. and 3. of （三）不予公开 swapped with their labels: each number still stands by its own
    label (no value finding), but each label stands where the template has the other."""
    i, second = where(good(), "requests.denied_prohibited_by_law.person")

    def swap(ts: list[ET.Element]) -> None:
        trs = ts[i].findall(q("tr"))
        a, b = trs[second.row], trs[second.row + 1]
        ia, ib = list(ts[i]).index(a), list(ts[i]).index(b)
        ts[i][ia], ts[i][ib] = b, a

    found = corrupt(swap)
    assert summary(found) == {("label", None)}
    assert sorted((f.expected, f.actual) for f in found) == [
        ("2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”"), ("3.危及“三安全一稳定”", "2.其他法律行政法规禁止公开")]


def test_swapped_value_cells_are_caught() -> None:
    doc = good()
    i, a = where(doc, "requests.new.person")
    _, b = where(doc, "requests.new.business")

    def swap(ts: list[ET.Element]) -> None:
        ta, tb = tc_at(ts[i], a.row, a.col), tc_at(ts[i], b.row, b.col)
        x, y = text_of(ta), text_of(tb)
        set_text(ta, y)
        set_text(tb, x)

    found = corrupt(swap)
    assert sorted((f.reason, f.datapoint, f.expected, f.actual) for f in found) == [
        ("value", "requests.new.business", "53", "3001"), ("value", "requests.new.person", "3001", "53")]


def test_swapped_values_across_a_band_are_caught() -> None:
    i, a = where(good(), "disclosure.penalty.decisions")
    _, b = where(good(), "disclosure.coercion.decisions")

    def swap(ts: list[ET.Element]) -> None:
        ta, tb = tc_at(ts[i], a.row, a.col), tc_at(ts[i], b.row, b.col)
        x, y = text_of(ta), text_of(tb)
        set_text(ta, y)
        set_text(tb, x)

    assert summary(corrupt(swap)) == {("value", "disclosure.penalty.decisions"),
                                      ("value", "disclosure.coercion.decisions")}


def test_a_broken_merge_is_a_label_finding() -> None:
    """（三）不予公开 stopping one row short of its eight: the merge is a label finding, and the last
    row's numbers, no longer under （三）不予公开 in print, are not found by their label."""
    i, cell = where(good(), "requests.denied_state_secret.person")
    last = cell.row + 7

    def unmerge(ts: list[ET.Element]) -> None:
        tc = tc_at(ts[i], last, 1)
        merge = tc.find(f"{q('tcPr')}/{q('vMerge')}")
        assert merge is not None
        tc.find(q("tcPr")).remove(merge)  # type: ignore[union-attr]

    found = corrupt(unmerge)
    row = {c.datapoint for c in good().tables[i].value_cells if c.row == last}
    assert summary(found) == {("label", None)} | {("missing", dp) for dp in row}
    assert all(dp.startswith("requests.denied_query_service.") for dp in row) and len(row) == 7
    assert [(f.expected, f.actual) for f in found if f.reason == "label"] == [
        ("（三）不予公开 (8×1)", "（三）不予公开 (7×1)")]


def test_a_lost_table_is_every_number_missing() -> None:
    """Table 二 gone from the body: its numbers are missing, and tables 三 and 四 (found by their
    captions, not by their places) still compare clean."""
    doc = good()

    def lose(root: ET.Element) -> None:
        body = root.find(q("body"))
        assert body is not None
        body.remove(tables_of(root)[0])

    found = rb.verify_docx(doc, edit_docx(docx_of_captioned(doc), lose))
    assert summary(found) == {("missing", c.datapoint) for c in doc.tables[0].value_cells}


def test_an_emptied_table_is_label_findings_and_every_number_missing() -> None:
    doc = good()
    found = corrupt(lambda ts: ts[2].clear())
    assert summary(found) == {("label", None)} | {("missing", c.datapoint) for c in doc.tables[2].value_cells}
    assert {f.expected for f in found if f.reason == "label"} == {
        c.text for c in doc.tables[2].cells if c.kind == "header"}


def docx_of_captioned(doc: Document) -> bytes:
    """`docx_of` with each table's caption in w:tblCaption, as Word's accessibility settings write it."""
    captions = iter(t.caption for t in doc.tables)

    def caption(root: ET.Element) -> None:
        for tbl in tables_of(root):
            pr = tbl.find(q("tblPr"))
            assert pr is not None
            ET.SubElement(pr, q("tblCaption"), {q("val"): next(captions)})

    return edit_docx(docx_of(doc), caption)


def test_paragraph_changes_are_caught() -> None:
    doc = good()

    def change(root: ET.Element) -> None:
        body = root.find(q("body"))
        assert body is not None
        paragraphs = body.findall(q("p"))
        for p in paragraphs:
            t = "".join(x.text or "" for x in p.iter(q("t")))
            if t == "一、总体情况":
                set_text(p, "一、总 体情况")
            elif t.startswith("政府信息公开工作仍存在"):
                set_text(p, t.replace("加强培训", "加强学习"))
            elif t == "本年度未收取信息处理费。":
                body.remove(p)

    found = rb.verify_docx(doc, edit_docx(docx_of(doc), change))
    assert sorted((f.reason, f.datapoint or "", f.expected, f.actual or "") for f in found) == [
        ("label", "", "一、总体情况", "一、总 体情况"),
        ("missing", "text.other", "本年度未收取信息处理费。", ""),
        ("value", "text.problems", doc.sections[4].paragraphs[0].full,
         doc.sections[4].paragraphs[0].full.replace("加强培训", "加强学习")),
    ]


# ----------------------------------------------------------------------------- compare: corrupted copies (HTML)


def with_cells(doc: Document, change: Callable[[DocCell], DocCell]) -> Document:
    """The document with some cells' texts changed (to print a corrupted copy from)."""
    sections = tuple(dataclasses.replace(s, tables=tuple(
        dataclasses.replace(t, cells=tuple(change(c) for c in t.cells)) for t in s.tables)) for s in doc.sections)
    return dataclasses.replace(doc, sections=sections)


def test_html_corruptions_are_caught_by_label() -> None:
    doc = good()
    swapped = {"appeals.review.upheld": doc.values["appeals.review.total"],
               "appeals.review.total": doc.values["appeals.review.upheld"]}
    bad = with_cells(doc, lambda c: dataclasses.replace(c, text=swapped[c.datapoint]) if c.datapoint in swapped
                     else dataclasses.replace(c, text="科研院所") if c.text == "科研机构" else c)
    found = rb.verify_html(doc, html_of(bad), "fragment")
    assert summary(found) == {("value", "appeals.review.upheld"), ("value", "appeals.review.total"), ("label", None)} | {
        ("missing", c.datapoint) for c in doc.tables[1].value_cells if "科研机构" in c.label}
    assert all(("format", "fragment") in f.params for f in found)


def test_html_swapped_rows_and_a_dropped_cell() -> None:
    doc = good()
    lines = html_of(doc).split("\n")
    rows = [n for n, line in enumerate(lines) if "1.信访举报投诉类申请" in line or "2.重复申请" in line]
    # the first of the two rows also starts （五）不予处理's merge: swap only the second and third rows
    third = rows[1] + 1
    lines[rows[1]], lines[third] = lines[third], lines[rows[1]]
    last = next(n for n, line in enumerate(lines) if "四、结转下年度继续办理" in line)
    lines[last] = re.sub(r"<td[^>]*>[^<]*</td></tr>$", "</tr>", lines[last])
    found = rb.verify_html(doc, "\n".join(lines))
    assert summary(found) == {("label", None), ("missing", "requests.carried_forward.total")}
    assert sorted(f.expected for f in found if f.reason == "label") == ["2.重复申请", "3.要求提供公开出版物"]


def test_html_whitespace_is_read_as_a_browser_shows_it() -> None:
    """A writer may indent its HTML; texts compare as shown, so that is no finding."""
    doc = good()
    def prettify(text: str) -> str:
        return text.replace("<td", "\n    <td").replace("</td>", "\n  </td>").replace("<p>", "<p>\n  ")

    pretty = prettify(html_of(doc))
    assert rb.verify_html(doc, pretty) == []
    # the format's name is only what findings call it (the publish run names formats in Chinese)
    assert rb.verify_html(doc, pretty, "HTML 网页") == []
    tables, paragraphs = rb.read_html(pretty)
    assert rb.compare(doc, tables, "HTML 片段", paragraphs) == []
    found = rb.verify_html(doc, prettify(html_of(doc).replace(">3001<", ">3,001<")), "HTML 网页")
    assert [(f.datapoint, f.actual, dict(f.params)["format"]) for f in found] == [
        ("requests.new.person", "3,001", "HTML 网页")]


# ----------------------------------------------------------------------------- never an exception

_SNIPPETS = ["<table>", "</table>", "<tr>", "</tr>", "<td rowspan=99>", "<th colspan=0>", "</td>", "<caption>",
             "<br>", "<p>", "</div>", "<script>", "&amp;", "<td colspan=5000 rowspan=70000>", "<!--", "<![CDATA["]
_TC_PROPS = ['<w:gridSpan w:val="-3"/>', '<w:gridSpan w:val="9999"/>', '<w:gridSpan w:val="x"/>', "<w:vMerge/>",
             '<w:vMerge w:val="restart"/>', "<w:hMerge/>", '<w:hMerge w:val="restart"/>']


def _mangle(text: str, cuts: list[tuple[float, float, str]]) -> str:
    for at, length, insert in cuts:
        i = int(at * len(text))
        text = text[:i] + insert + text[i + int(length * 40):]
    return text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.sampled_from(_SNIPPETS)), min_size=1, max_size=6))
def test_mangled_html_gives_findings_never_exceptions(cuts: list[tuple[float, float, str]]) -> None:
    found = rb.verify_html(good(), _mangle(html_of(good()), cuts))
    assert all(f.code == Code.PUBLISH_ROUNDTRIP_MISMATCH for f in found)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["drop", "copy", "prop", "before"]),
                          st.sampled_from(_TC_PROPS)), min_size=1, max_size=8),
       st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=2))
def test_mangled_docx_gives_findings_never_exceptions(edits: list[tuple[int, str, str]],
                                                      flips: list[tuple[int, int]]) -> None:
    """Cells dropped or doubled, rows doubled, absurd spans and merges, then a few bytes of the zip
    flipped: findings, never an exception."""
    def change(root: ET.Element) -> None:
        rows = [(tbl, tr) for tbl in tables_of(root) for tr in tbl.findall(q("tr"))]
        for at, how, prop in edits:
            tbl, tr = rows[at % len(rows)]
            tcs = tr.findall(q("tc"))
            if not tcs:
                continue
            tc = tcs[at % len(tcs)]
            if how == "drop":
                tr.remove(tc)
            elif how == "copy":
                tbl.insert(list(tbl).index(tr), ET.fromstring(ET.tostring(tr)))
            elif how == "prop":
                pr = tc.find(q("tcPr"))
                assert pr is not None
                pr.append(ET.fromstring(f'<w:x xmlns:w="{W}">{prop}</w:x>')[0])
            else:
                tr.insert(0, ET.fromstring(f'<w:trPr xmlns:w="{W}"><w:gridBefore w:val="{at % 5000 - 2}"/></w:trPr>'))

    data = bytearray(edit_docx(docx_of(good()), change))
    for at, byte in flips:
        data[at % len(data)] = byte
    found = rb.verify_docx(good(), bytes(data))
    assert all(f.code == Code.PUBLISH_ROUNDTRIP_MISMATCH for f in found)
