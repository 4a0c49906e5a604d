"""The Word document (`publish/docx.py`), read back from its own XML: GB/T 9704 page and type, the
template's tables in their official merge structure with every label and value, determinism, draft
marking and document properties; plus golden `word/document.xml` files for the real fixtures.

Goldens (normalised, pretty-printed `word/document.xml`) live in `tests/golden/publish/`; when a change
is intended, regenerate and review the diff::

    UPDATE_GOLDEN=1 python -m pytest tests/test_publish_docx.py -k golden
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

import pytest

from tests.make_filled import FIXTURE_NAMES, build_to, honest_data
from workbook_builder import api
from workbook_builder.ooxml.xml import parse_xml
from workbook_builder.publish import docx as publish_docx
from workbook_builder.publish.docx import write_docx
from workbook_builder.publish.model import DRAFT_MARK, Document, document, format_value
from workbook_builder.template import registry

TEMPLATE = registry.resolve()
LAYOUT = TEMPLATE.layout
GOLDEN = Path(__file__).resolve().parent / "golden" / "publish"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PREFIXES = {
    W: "w",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships": "r",
    "http://schemas.openxmlformats.org/markup-compatibility/2006": "mc",
    "http://www.w3.org/XML/1998/namespace": "xml",
}
MM = 1440 / 25.4  # twips per mm


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def wval(el: ET.Element | None, attr: str = "val") -> str | None:
    return None if el is None else el.get(w(attr))


# ---------------------------------------------------------------- documents to read


def values_of(fixture: str, **changes: Any) -> dict[str, Any]:
    """A real report's inputs (with `changes`) and every total our formulas give from them."""
    inputs = {**honest_data(fixture), **changes}
    return TEMPLATE.recompute.compute(inputs)


def make(fixture: str = "huaian-city-2024", draft: bool = False, **changes: Any) -> Document:
    return document(LAYOUT, values_of(fixture, **changes), draft=draft)


def checked_document(tmp: Path, fixture: str) -> tuple[Document, Mapping[str, Any]]:
    """build → check → document: the way `publish` gets its values (the checker's trusted ones)."""
    path = build_to(tmp, honest_data(fixture), f"{fixture}.xlsx")
    result = api.check_file(path)
    assert result.values, "the checker gave no values"
    return document(LAYOUT, result.values), result.values


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, Mapping[str, Any], bytes]:
    doc, values = checked_document(tmp_path_factory.mktemp("docx"), "huaian-city-2024")
    return doc, values, write_docx(doc)


@pytest.fixture(scope="module")
def part() -> Any:
    """The parts of the huaian-city-2024 document, parsed."""
    data = write_docx(make())
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        raw = {name: z.read(name) for name in z.namelist()}
    return lambda name: parse_xml(raw[name], name)


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def body(data: bytes) -> ET.Element:
    root = parse_xml(parts_of(data)["word/document.xml"], "word/document.xml")
    found = root.find(w("body"))
    assert found is not None
    return found


def text_of(el: ET.Element) -> str:
    """A paragraph's (or cell's) text as a reader sees it: runs joined, `w:br` as a line break."""
    out = []
    for node in el.iter():
        if node.tag == w("t"):
            out.append(node.text or "")
        elif node.tag == w("br"):
            out.append("\n")
    return "".join(out)


def cell_text(tc: ET.Element) -> str:
    return "\n".join(text_of(p) for p in tc.findall(w("p")))


def grid(tbl: ET.Element) -> list[tuple[int, int, int, int, str]]:
    """A docx table as merges: (row, col, row_span, col_span, text), read from gridSpan and vMerge."""
    cells: list[list[Any]] = []
    open_at: dict[int, int] = {}  # grid column → the cell its vertical merge continues
    for r, tr in enumerate(tbl.findall(w("tr"))):
        col = 0
        for tc in tr.findall(w("tc")):
            pr = tc.find(w("tcPr"))
            span = int(wval(pr.find(w("gridSpan")) if pr is not None else None) or 1)
            vmerge = pr.find(w("vMerge")) if pr is not None else None
            if vmerge is not None and wval(vmerge) != "restart":
                cells[open_at[col]][2] += 1
                assert cell_text(tc) == "", "a continued merge cell must be empty"
            else:
                if vmerge is not None:
                    open_at[col] = len(cells)
                cells.append([r, col, 1, span, cell_text(tc)])
            col += span
    return [tuple(c) for c in cells]  # type: ignore[misc]


def tables(data: bytes) -> list[ET.Element]:
    return body(data).findall(w("tbl"))


def by_text(cells: list[tuple[int, int, int, int, str]], text: str) -> tuple[int, int, int, int, str]:
    hits = [c for c in cells if c[4] == text or c[4].startswith(text)]
    assert len(hits) >= 1, f"no cell {text!r}"
    return hits[0]


# ---------------------------------------------------------------- page and type


def test_page_is_gb9704_a4(part: Any) -> None:
    sect = part("word/document.xml").find(f"{w('body')}/{w('sectPr')}")
    size, margins = sect.find(w("pgSz")), sect.find(w("pgMar"))
    assert (int(wval(size, "w")), int(wval(size, "h"))) == (round(210 * MM), round(297 * MM))
    assert wval(size, "orient") in (None, "portrait")
    got = {side: int(wval(margins, side)) for side in ("top", "left", "right", "bottom")}
    assert got == {side: round(mm * MM) for side, mm in {"top": 37, "left": 28, "right": 26, "bottom": 35}.items()}


def style(part: Any, sid: str) -> ET.Element:
    for s in part("word/styles.xml").findall(w("style")):
        if s.get(w("styleId")) == sid:
            return s
    raise AssertionError(f"no style {sid}")


def resolved(part: Any, sid: str, path: str, attr: str) -> str | None:
    """A style property as Word resolves it: the style, then its basedOn chain, then docDefaults."""
    seen = sid
    while seen:
        s = style(part, seen)
        el = s.find(path)
        if el is not None and el.get(w(attr)) is not None:
            return el.get(w(attr))
        seen = wval(s.find(w("basedOn"))) or ""
    defaults = part("word/styles.xml").find(w("docDefaults"))
    el = defaults.find(".//" + path.split("/", 1)[-1]) if defaults is not None else None
    return None if el is None else el.get(w(attr))


RFONTS = f"{w('rPr')}/{w('rFonts')}"
SIZE = f"{w('rPr')}/{w('sz')}"

FONTS = {  # style → (East Asian font, size in half-points)
    "Normal": ("仿宋_GB2312", "32"),
    "ReportTitle": ("方正小标宋简体", "44"),
    "ReportHeading": ("黑体", "32"),
    "ReportBody": ("仿宋_GB2312", "32"),
    "ReportSubhead": ("楷体_GB2312", "32"),
    "ReportCell": ("仿宋_GB2312", "21"),
    "ReportCellLabel": ("仿宋_GB2312", "21"),
    "ReportCellHeader": ("黑体", "21"),
    "ReportPageNumber": ("宋体", "28"),
}


@pytest.mark.parametrize("sid", sorted(FONTS))
def test_style_fonts_east_asian_and_latin(part: Any, sid: str) -> None:
    east, size = FONTS[sid]
    latin = "宋体" if sid == "ReportPageNumber" else "Times New Roman"  # GB/T 9704 7.5: 半角宋体阿拉伯数字
    assert resolved(part, sid, RFONTS, "eastAsia") == east
    assert resolved(part, sid, RFONTS, "ascii") == latin
    assert resolved(part, sid, RFONTS, "hAnsi") == latin
    if sid != "ReportSubhead":  # a character style: its size is the paragraph's
        assert resolved(part, sid, SIZE, "val") == size


def test_normal_is_3hao_fangsong_with_fixed_line_pitch_and_chinese_language(part: Any) -> None:
    normal = style(part, "Normal")
    assert normal.get(w("default")) == "1"
    spacing = normal.find(f"{w('pPr')}/{w('spacing')}")
    assert (wval(spacing, "line"), wval(spacing, "lineRule")) == ("578", "exact")  # 28.9 pt
    lang = part("word/styles.xml").find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}/{w('lang')}")
    assert wval(lang, "eastAsia") == "zh-CN"
    assert wval(part("word/settings.xml").find(w("themeFontLang")), "eastAsia") == "zh-CN"


def test_body_indent_two_characters_title_centred(part: Any) -> None:
    ind = style(part, "ReportBody").find(f"{w('pPr')}/{w('ind')}")
    assert wval(ind, "firstLineChars") == "200" and wval(ind, "firstLine") == "640"  # 2 × 16 pt
    assert wval(style(part, "ReportTitle").find(f"{w('pPr')}/{w('jc')}")) == "center"
    assert wval(style(part, "ReportHeading").find(f"{w('pPr')}/{w('ind')}"), "firstLineChars") == "200"
    for sid in ("ReportCell", "ReportCellHeader"):
        assert wval(style(part, sid).find(f"{w('pPr')}/{w('jc')}")) == "center"


def footers(data: bytes) -> dict[str, ET.Element]:
    """The section's footers by type (default = odd pages, even), parsed."""
    raw = parts_of(data)
    rels = parse_xml(raw["word/_rels/document.xml.rels"], "rels")
    targets = {r.get("Id"): r.get("Target") for r in rels}
    sect = body(data).find(w("sectPr"))
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    return {wval(ref, "type") or "": parse_xml(raw["word/" + str(targets[ref.get(rid)])], "footer")
            for ref in sect.findall(w("footerReference"))}


def test_page_numbers_odd_right_even_left_one_character_in(part: Any) -> None:
    """GB/T 9704-2012 7.5: 4号半角宋体 digits between 一字线, 单页码居右空一字，双页码居左空一字."""
    assert part("word/settings.xml").find(w("evenAndOddHeaders")) is not None
    found = footers(write_docx(make()))
    assert sorted(found) == ["default", "even"]
    for kind, side in (("default", "right"), ("even", "left")):
        (p,) = found[kind].findall(w("p"))
        assert wval(p.find(f"{w('pPr')}/{w('pStyle')}")) == "ReportPageNumber"
        assert wval(p.find(f"{w('pPr')}/{w('jc')}")) == side, kind
        assert wval(p.find(f"{w('pPr')}/{w('ind')}"), side) == "280", kind  # one 4号 (14 pt) character
        kinds = [(wval(n, "fldCharType") if n.tag == w("fldChar") else (n.text or "").strip()
                  if n.tag == w("instrText") else n.text)
                 for n in p.iter() if n.tag in (w("t"), w("fldChar"), w("instrText"))]
        assert kinds == ["— ", "begin", "PAGE", "separate", "1", "end", " —"]
    assert resolved(part, "ReportPageNumber", SIZE, "val") == "28"
    sect = part("word/document.xml").find(f"{w('body')}/{w('sectPr')}")
    assert sect.findall(w("headerReference")) == []  # no header unless a draft


def test_font_table_names_a_stand_in_for_the_gb2312_fonts(part: Any) -> None:
    """Windows has 仿宋 and 楷体 but not 仿宋_GB2312/楷体_GB2312: the font table tells Word which to use."""
    fonts = {wval(f, "name"): wval(f.find(w("altName"))) for f in part("word/fontTable.xml").findall(w("font"))}
    assert fonts["仿宋_GB2312"] == "仿宋" and fonts["楷体_GB2312"] == "楷体" and fonts["方正小标宋简体"] == "宋体"
    assert "黑体" in fonts and "Times New Roman" in fonts


# ---------------------------------------------------------------- content


def paragraphs(data: bytes) -> list[tuple[str, str]]:
    """Body paragraphs (style, text), tables as ("table", caption)."""
    out = []
    for el in body(data):
        if el.tag == w("p"):
            out.append((wval(el.find(f"{w('pPr')}/{w('pStyle')}")) or "", text_of(el)))
        elif el.tag == w("tbl"):
            out.append(("table", wval(el.find(f"{w('tblPr')}/{w('tblCaption')}")) or ""))
    return out


def test_content_in_order(checked: tuple[Document, Mapping[str, Any], bytes]) -> None:
    doc, _, data = checked
    expected = [("ReportTitle", "\n".join(doc.title_parts))]  # a long title breaks after the unit's name
    for section in doc.sections:
        expected.append(("ReportHeading", section.heading))
        expected += [("ReportBody", p.full) for p in section.paragraphs]
        expected += [("table", t.caption) for t in section.tables]
    assert paragraphs(data) == expected
    headings = [t for s, t in expected if s == "ReportHeading"]
    assert headings == ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    assert doc.title == "淮安市人民政府2024年政府信息公开工作年度报告"


def test_a_long_title_breaks_after_the_units_name_a_short_one_stays_one_line() -> None:
    """2号 on the 156 mm text width holds about 20 characters (a digit half): 22 break after the unit."""
    def title_of(doc: Document) -> str:
        (first,) = [el for el in body(write_docx(doc)) if el.tag == w("p")][:1]
        assert wval(first.find(f"{w('pPr')}/{w('pStyle')}")) == "ReportTitle"
        return text_of(first)

    long = make()
    assert long.title_parts == ("淮安市人民政府", "2024年政府信息公开工作年度报告")
    assert title_of(long) == "淮安市人民政府\n2024年政府信息公开工作年度报告"
    short = make(**{"meta.unit_name": "某镇"})  # 某镇2024年…报告: 17 characters
    assert title_of(short) == short.title == "某镇2024年政府信息公开工作年度报告"
    assert title_of(replace(long, title_parts=())) == long.title  # no cut known: no break


def test_subhead_run_in_kaiti_then_body_text() -> None:
    text = "（一）精心组织有效实施。本机关认真落实条例。\n（二）平台建设\n第三段，<&>“引号”。"
    data = write_docx(make(**{"text.overview": text}))
    paras = [p for p in body(data).findall(w("p")) if text_of(p).startswith(("（一）", "（二）", "第三段"))]
    runs = [[(wval(r.find(f"{w('rPr')}/{w('rStyle')}")), text_of(r)) for r in p.findall(w("r"))] for p in paras]
    assert runs == [
        [("ReportSubhead", "（一）精心组织有效实施。"), (None, "本机关认真落实条例。")],
        [("ReportSubhead", "（二）平台建设")],
        [(None, "第三段，<&>“引号”。")],
    ]


def test_empty_prose_prints_the_templates_stand_in() -> None:
    doc = make(**{"text.other": "", "text.problems": "  "})
    assert [s.empty for s in doc.sections][-2:] == [True, True]
    got = paragraphs(write_docx(doc))
    assert got[-4:] == [("ReportHeading", "五、存在的主要问题及改进情况"), ("ReportBody", "无"),
                        ("ReportHeading", "六、其他需要报告的事项"), ("ReportBody", "无其他需要报告的事项")]


# ---------------------------------------------------------------- tables


def test_tables_that_follow_each_other_stay_apart_and_the_body_ends_in_a_paragraph() -> None:
    doc = make()
    two, three, four = doc.tables
    sections = (replace(doc.sections[2], tables=(three, four)), replace(doc.sections[3], tables=(two,)))
    data = write_docx(replace(doc, sections=(doc.sections[0], *sections)))
    kinds = [el.tag.split("}")[1] for el in body(data)]
    assert kinds == ["p", "p", "p", "p", "tbl", "p", "tbl", "p", "tbl", "p", "sectPr"]
    assert grid(tables(data)[1]) == grid(tables(write_docx(doc))[2])


def test_tables_have_the_models_merge_structure_labels_and_values(
        checked: tuple[Document, Mapping[str, Any], bytes]) -> None:
    doc, _, data = checked
    found = tables(data)
    assert len(found) == len(doc.tables) == 3
    for table, tbl in zip(doc.tables, found, strict=True):
        expected = sorted((c.row, c.col, c.row_span, c.col_span, c.text) for c in table.cells)
        assert sorted(grid(tbl)) == expected, table.caption
        assert len(tbl.findall(w("tr"))) == table.n_rows


def test_official_merges_of_tables_three_and_four(checked: tuple[Document, Mapping[str, Any], bytes]) -> None:
    _, _, data = checked
    two, three, four = (grid(t) for t in tables(data))
    spans = {text: (rs, cs) for _, _, rs, cs, text in three}
    corner = by_text(three, "（本列数据的勾稽关系为：")
    assert corner[:4] == (0, 0, 3, 3)
    assert spans["申请人情况"] == (1, 7)
    assert spans["法人或其他组织"] == (1, 5)
    assert spans["自然人"] == (2, 1) and spans["总计"] == (2, 1)
    assert spans["三、本年度办理结果"] == (22, 1)
    assert by_text(three, "（三）不予公开")[2:4] == (8, 1)
    assert by_text(three, "（四）无法提供")[2:4] == (3, 1)
    assert by_text(three, "（五）不予处理")[2:4] == (5, 1)
    assert by_text(three, "（六）其他处理")[2:4] == (3, 1)
    assert by_text(three, "（一）予以公开")[2:4] == (1, 2)
    assert by_text(three, "一、本年新收")[2:4] == (1, 3)
    top = [(c, rs, cs, text) for r, c, rs, cs, text in four if r == 0]
    assert top == [(0, 1, 5, "行政复议"), (5, 1, 10, "行政诉讼")]
    second = {text: (c, cs) for r, c, _, cs, text in four if r == 1 and cs > 1}
    assert second == {"未经复议直接起诉": (5, 5), "复议后起诉": (10, 5)}
    bands = [text for _, _, _, cs, text in two if cs == 4]
    assert bands == ["第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项"]


def test_every_label_is_the_templates_character_for_character(
        checked: tuple[Document, Mapping[str, Any], bytes]) -> None:
    """Each header and label cell of the docx holds the text of the layout's cell at the same place of its
    sheet (docx rows are mapped to sheet rows through the data points of the value cells)."""
    doc, _, data = checked
    sections = [s for s in LAYOUT.spec.document.sections if s.sheet]
    compared = 0
    for section, table, tbl in zip(sections, doc.tables, tables(data), strict=True):
        sheet = {(c.row, c.col): c for c in LAYOUT.sheet(section.sheet).cells}
        data_rows = {c.row: LAYOUT.by_id[c.datapoint].row for c in table.value_cells}
        values = {(c.row, c.col) for c in table.value_cells}
        for r, c, _, _, text in grid(tbl):
            if (r, c) in values:
                continue
            below = min(k for k in data_rows if k >= r)
            cell = sheet[(data_rows[below] - (below - r), c + 1)]
            assert cell.kind in ("header", "label") and text == cell.text, (section.sheet, r, c, text)
            compared += 1
    assert compared == sum(1 for t in doc.tables for c in t.cells if c.kind != "value") > 50


def test_every_value_is_the_checked_value(checked: tuple[Document, Mapping[str, Any], bytes]) -> None:
    doc, values, data = checked
    printed: dict[str, str] = {}
    for table, tbl in zip(doc.tables, tables(data), strict=True):
        at = {(r, c): text for r, c, _, _, text in grid(tbl)}
        for cell in table.value_cells:
            printed[cell.datapoint] = at[(cell.row, cell.col)]
    assert printed == doc.values
    assert printed == {dp: format_value(values[dp]) for dp in printed}
    sheets = {s.sheet for s in LAYOUT.spec.document.sections if s.sheet}
    assert set(printed) == {dp for dp, c in LAYOUT.by_id.items() if c.kind in ("input", "formula") and c.sheet in sheets}
    assert printed["requests.new.total"] == "3119" and printed["requests.new.research"] == "0"
    assert printed["disclosure.fees.amount"] == "96171.6"


def test_zero_prints_zero_never_blank_or_slash() -> None:
    data = write_docx(make("hatubuhu-town-2023"))
    texts = [text for tbl in tables(data) for r, c, _, _, text in grid(tbl)]
    values = [t for t in texts if t.isdigit() or t in ("", "/", "-")]
    assert values and set(values) == {"0"}


def test_header_rows_repeat_and_no_row_splits(checked: tuple[Document, Mapping[str, Any], bytes]) -> None:
    doc, _, data = checked
    for table, tbl in zip(doc.tables, tables(data), strict=True):
        rows = tbl.findall(w("tr"))
        header = [r.find(f"{w('trPr')}/{w('tblHeader')}") is not None for r in rows]
        assert header == [i < table.header_rows for i in range(len(rows))], table.caption
        assert all(r.find(f"{w('trPr')}/{w('cantSplit')}") is not None for r in rows)
    assert [t.header_rows for t in doc.tables] == [0, 3, 3]


def test_only_the_first_rows_keep_with_the_next_the_table_flows_over_pages(
        checked: tuple[Document, Mapping[str, Any], bytes]) -> None:
    """The heading keeps with the header rows and the first data row (in table 二, each band's head with
    its first row); every other row may end a page, so a long table runs on with its header repeated."""
    doc, _, data = checked
    styles = parse_xml(parts_of(data)["word/styles.xml"], "styles")
    heading = next(s for s in styles.findall(w("style")) if s.get(w("styleId")) == "ReportHeading")
    assert heading.find(f"{w('pPr')}/{w('keepNext')}") is not None
    for table, tbl in zip(doc.tables, tables(data), strict=True):
        keep = [all(p.find(f"{w('pPr')}/{w('keepNext')}") is not None for p in r.iter(w("p")))
                for r in tbl.findall(w("tr"))]
        heads = {r for r in range(table.n_rows)
                 if all(c.kind == "header" for c in table.cells if c.row == r)}
        expected = [r < table.n_rows - 1 and (r <= table.header_rows or r in heads) for r in range(table.n_rows)]
        assert keep == expected, table.caption
        if table.header_rows:  # tables 三 and 四: three header rows and the first data row, no more
            assert sum(keep) == min(table.header_rows + 1, table.n_rows - 1)
    assert doc.tables[1].n_rows > 20  # table 三: the rest of its rows may run on to the next page


def test_column_widths_fixed_from_the_model(checked: tuple[Document, Mapping[str, Any], bytes]) -> None:
    doc, _, data = checked
    text_width = round((210 - 28 - 26) * MM)
    for table, tbl in zip(doc.tables, tables(data), strict=True):
        cols = [int(wval(g, "w")) for g in tbl.findall(f"{w('tblGrid')}/{w('gridCol')}")]
        assert len(cols) == table.n_cols and abs(sum(cols) - text_width) <= 1
        assert all(abs(c - f * text_width) <= 1 for c, f in zip(cols, table.widths, strict=True))
        assert wval(tbl.find(f"{w('tblPr')}/{w('tblLayout')}"), "type") == "fixed"
        for tr in tbl.findall(w("tr")):
            col = 0
            for tc in tr.findall(w("tc")):
                span = int(wval(tc.find(f"{w('tcPr')}/{w('gridSpan')}")) or 1)
                assert int(wval(tc.find(f"{w('tcPr')}/{w('tcW')}"), "w")) == sum(cols[col:col + span])
                col += span
            assert col == table.n_cols
    three = doc.tables[1]
    assert 0.40 <= sum(three.widths[:3]) <= 0.5  # the label columns of table 三


def test_table_text_small_headers_heiti_and_all_borders(checked: tuple[Document, Mapping[str, Any], bytes]) -> None:
    doc, _, data = checked
    for table, tbl in zip(doc.tables, tables(data), strict=True):
        borders = tbl.find(f"{w('tblPr')}/{w('tblBorders')}")
        assert {b.tag.split("}")[1]: wval(b) for b in borders} == dict.fromkeys(
            ("top", "left", "bottom", "right", "insideH", "insideV"), "single")
        kinds = {(c.row, c.col): c.kind for c in table.cells}
        for r, tr in enumerate(tbl.findall(w("tr"))):
            col = 0
            for tc in tr.findall(w("tc")):
                kind = kinds.get((r, col))
                if kind is not None:
                    sid = wval(tc.find(f"{w('p')}/{w('pPr')}/{w('pStyle')}"))
                    assert sid == {"header": "ReportCellHeader", "label": "ReportCellLabel", "value": "ReportCell"}[kind]
                col += int(wval(tc.find(f"{w('tcPr')}/{w('gridSpan')}")) or 1)


def test_a_number_too_long_for_its_column_is_set_smaller_not_broken() -> None:
    doc = make(**{"requests.new.business": 45678, "requests.new.person": 1234567})
    (three,) = [t for t in doc.tables if t.header_rows == 3 and t.n_cols == 10]
    at = {(c.row, c.col): c.datapoint for c in three.value_cells}
    sizes = {}
    for r, tr in enumerate(tables(write_docx(doc))[1].findall(w("tr"))):
        col = 0
        for tc in tr.findall(w("tc")):
            run = tc.find(f"{w('p')}/{w('r')}")
            size = run.find(f"{w('rPr')}/{w('sz')}") if run is not None else None
            if (r, col) in at:
                sizes[at[(r, col)]] = int(wval(size)) if size is not None else 21
            col += int(wval(tc.find(f"{w('tcPr')}/{w('gridSpan')}")) or 1)
    smaller = {dp for dp, n in sizes.items() if n != 21}
    assert {"requests.new.business", "requests.new.person"} <= smaller <= {
        "requests.new.business", "requests.new.person", "requests.new.total"}
    assert 11 <= sizes["requests.new.person"] < sizes["requests.new.business"] < 21  # 七号 at the smallest
    assert sizes["requests.new.research"] == 21 and len(sizes) - len(smaller) > 150


def test_tables_are_not_built_with_table_cell() -> None:
    """`Table.cell()` is quadratic in a merged table: the tables are written as XML, row by row."""
    tree = ast.parse(Path(publish_docx.__file__).read_text(encoding="utf-8"))
    calls = {node.func.attr for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
    assert not calls & {"cell", "add_table", "add_row", "add_column", "merge"}
    assert "replace" in calls  # the walk sees method calls


# ---------------------------------------------------------------- bytes, draft, properties


def test_same_input_same_bytes_different_values_different_bytes() -> None:
    doc = make()
    first = write_docx(doc)
    assert write_docx(make()) == first
    assert write_docx(make(**{"requests.new.person": 3002})) != first
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        infos = z.infolist()
    assert [i.filename for i in infos][:2] == ["[Content_Types].xml", "_rels/.rels"]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert [i.filename for i in infos][2:] == sorted(i.filename for i in infos[2:])


def test_same_bytes_in_another_process() -> None:
    """Nothing in the bytes depends on the process: not the clock, not the hash seed, not the cache."""
    script = ("import hashlib, sys; from tests.test_publish_docx import make; "
              "from workbook_builder.publish.docx import write_docx; "
              "sys.stdout.write(hashlib.sha256(write_docx(make())).hexdigest())")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out == hashlib.sha256(write_docx(make())).hexdigest()


def custom_properties(data: bytes) -> dict[str, str]:
    root = parse_xml(parts_of(data)["docProps/custom.xml"], "docProps/custom.xml")
    ns = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
    vt = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
    return {p.get("name"): p.findtext(f"{vt}lpwstr") for p in root.findall(f"{ns}property")}


def test_properties_custom_and_core() -> None:
    doc = make()
    data = write_docx(doc)
    props = custom_properties(data)
    assert props == dict(doc.properties)
    assert set(props) == {"template_id", "template_version", "template_fingerprint", "data_hash", "draft"}
    assert props["draft"] == "false" and props["template_id"] == TEMPLATE.spec.id
    assert props["data_hash"].startswith("sha256:")
    raw = parts_of(data)
    types = raw["[Content_Types].xml"].decode()
    assert 'PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"' in types
    assert "relationships/custom-properties\" Target=\"docProps/custom.xml\"" in raw["_rels/.rels"].decode()
    core = raw["docProps/core.xml"].decode()
    assert f"<dc:title>{doc.title}</dc:title>" in core
    assert "python-docx" not in core and "python-docx" not in raw["docProps/app.xml"].decode()
    assert "2021-01-01T00:00:00Z" in core
    # what python-docx's blank template carries but a report must not
    assert not {n for n in raw if "thumbnail" in n or n.startswith("customXml/") or "stylesWithEffects" in n}
    assert make(**{"requests.new.person": 3002}).properties["data_hash"] != props["data_hash"]


def test_draft_marks_every_page_header_and_the_property() -> None:
    data = write_docx(make(draft=True))
    raw = parts_of(data)
    headers = [n for n in raw if re.fullmatch(r"word/header\d+\.xml", n)]
    assert headers, "a draft has a header"
    for name in headers:
        assert text_of(parse_xml(raw[name], name)) == DRAFT_MARK
    sect = parse_xml(raw["word/document.xml"], "word/document.xml").find(f"{w('body')}/{w('sectPr')}")
    assert sorted(wval(h, "type") for h in sect.findall(w("headerReference"))) == ["default", "even"]
    assert sect.find(w("titlePg")) is None  # the first page uses the default header too
    assert custom_properties(data)["draft"] == "true"
    assert DRAFT_MARK not in "".join(text_of(parse_xml(v, n)) for n, v in parts_of(write_docx(make())).items()
                                     if n.startswith("word/") and n.endswith(".xml"))


# ---------------------------------------------------------------- golden


def normalise(xml: bytes) -> str:
    """`word/document.xml` pretty-printed: one element a line (an element of leaves, and a table cell, on
    one line), attributes sorted, known prefixes."""
    root = parse_xml(xml, "word/document.xml")
    lines: list[str] = []

    def name(tag: str) -> str:
        if tag.startswith("{"):
            ns, local = tag[1:].split("}")
            return f"{PREFIXES.get(ns, ns)}:{local}"
        return tag

    def flat(el: ET.Element) -> str:
        """An element whose children are leaves, on one line."""
        attrs = "".join(f' {name(k)}="{escape(v, {chr(34): "&quot;"})}"'
                        for k, v in sorted(el.attrib.items(), key=lambda kv: name(kv[0])))
        text = escape(el.text or "") if el.text and el.text.strip("\n ") or el.tag == w("t") else ""
        inner = text + "".join(flat(child) for child in el)
        return f"<{name(el.tag)}{attrs}>{inner}</{name(el.tag)}>" if inner else f"<{name(el.tag)}{attrs}/>"

    def walk(el: ET.Element, depth: int) -> None:
        pad = "  " * depth
        if el.tag == w("tc") or all(len(child) == 0 for child in el):  # a table cell: one line
            lines.append(pad + flat(el))
            return
        head = flat(ET.Element(el.tag, el.attrib))
        lines.append(pad + head.replace("/>", ">") if head.endswith("/>") else pad + head.split("></")[0] + ">")
        for child in el:
            walk(child, depth + 1)
        lines.append(f"{pad}</{name(el.tag)}>")

    walk(root, 0)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("fixture", FIXTURE_NAMES)
def test_golden_document_xml(fixture: str, tmp_path: Path) -> None:
    doc, _ = checked_document(tmp_path, fixture)
    actual = normalise(parts_of(write_docx(doc))["word/document.xml"])
    path = GOLDEN / f"{fixture}.document.xml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 python -m pytest {Path(__file__).name} -k golden"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                            fromfile=f"golden/publish/{path.name}", tofile="written now", n=2))
        pytest.fail(f"word/document.xml differs from {path} "
                    f"(if intended: UPDATE_GOLDEN=1 python -m pytest {Path(__file__).name} -k golden)\n{diff[:20000]}",
                    pytrace=False)


def test_golden_normalise_is_stable_and_sees_changes() -> None:
    doc = make()
    first = normalise(parts_of(write_docx(doc))["word/document.xml"])
    assert first == normalise(parts_of(write_docx(make()))["word/document.xml"])
    changed = replace(doc, title=doc.title + "（修订）", title_parts=(doc.title + "（修订）",))
    assert normalise(parts_of(write_docx(changed))["word/document.xml"]) != first
