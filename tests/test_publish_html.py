"""The published report as HTML: the CMS fragment and the standalone page.

Read back with the standard library's `html.parser` (never with the module under test): one `<div>`
root with inline styles only, `<caption>` and `<th scope>`, the official merge structure of tables
二, 三 and 四, every label the template's character for character (from the layout, not the model),
every value the checker's; hostile prose escaped; the same document the same text; golden files for
the real fixtures; and the page as headless Chromium lays it out, screenshots and prints it (A4).

The screenshot in the docs is made with::

    python -m tests.test_publish_html docs/images/publish-page.png
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.chromium_headless import _run, png_info, require_chromium, screenshot  # noqa: E402
from tests.html_tree import Node, parse_tree  # noqa: E402
from tests.make_filled import FIXTURE_NAMES, build_to, honest_data  # noqa: E402
from workbook_builder import api  # noqa: E402
from workbook_builder.publish import html as publish_html  # noqa: E402
from workbook_builder.publish.model import DRAFT_MARK, Document, document  # noqa: E402
from workbook_builder.template import registry  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "publish"


# ----------------------------------------------------------------------------------------------- a tree


def parse(text: str) -> Node:
    """The document as a tree; fails on an end tag that closes the wrong element or one left open."""
    root, decl = parse_tree(text, strict=True)
    root.attrs["decl"] = decl
    return root


@dataclass(frozen=True)
class GridCell:
    row: int
    col: int
    tag: str
    scope: str | None
    rowspan: int
    colspan: int
    text: str


def grid(table: Node) -> list[GridCell]:
    """A `<table>`'s cells at their grid positions (rowspans occupy the rows below, as a browser does)."""
    taken: set[tuple[int, int]] = set()
    out = []
    rows = [tr for part in table.elements if part.tag in {"thead", "tbody", "tfoot"} for tr in part.elements]
    rows += [tr for tr in table.elements if tr.tag == "tr"]
    for r, tr in enumerate(rows):
        assert tr.tag == "tr"
        c = 0
        for cell in tr.elements:
            while (r, c) in taken:
                c += 1
            rs, cs = int(cell.attrs.get("rowspan") or 1), int(cell.attrs.get("colspan") or 1)
            out.append(GridCell(r, c, cell.tag, cell.attrs.get("scope"), rs, cs, cell.text))
            taken.update((r + i, c + j) for i in range(rs) for j in range(cs))
            c += cs
    return out


def by_text(cells: list[GridCell], text: str) -> GridCell:
    found = [c for c in cells if c.text == text]
    assert len(found) == 1, (text, found)
    return found[0]


# ----------------------------------------------------------------------------------------------- data


def checked(fixture: str, tmp: Path, **changes: Any) -> tuple[dict[str, Any], Document]:
    """The checker's trusted values of an honest workbook of a real report, and its document."""
    data = honest_data(fixture)
    data.update(changes)
    res = api.check_file(build_to(tmp, data, f"{fixture}.xlsx"))
    assert not [f for f in res.findings if f.severity == "error"], res.findings
    return dict(res.values), document(registry.resolve().layout, res.values)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Document]:
    return checked("huaian-city-2024", tmp_path_factory.mktemp("publish-html"))


@pytest.fixture(scope="module")
def doc(source: tuple[dict[str, Any], Document]) -> Document:
    return source[1]


@pytest.fixture(scope="module")
def frag(doc: Document) -> Node:
    return parse(publish_html.fragment(doc))


def tables(root: Node) -> dict[str, list[GridCell]]:
    """The tables by caption."""
    return {t.iter("caption")[0].text: grid(t) for t in root.iter("table")}


# ----------------------------------------------------------------------------------------------- fragment


def test_fragment_is_one_div_with_inline_styles_only(doc: Document, frag: Node) -> None:
    roots = frag.elements
    assert [n.tag for n in roots] == ["div"]
    assert not "".join(c for c in frag.children if isinstance(c, str)).strip()
    nodes = roots[0].iter()
    assert {n.tag for n in nodes} <= {"div", "p", "h2", "span", "table", "caption", "colgroup", "col", "thead",
                                      "tbody", "tr", "th", "td"}
    for node in nodes:
        assert not {"class", "id"} & set(node.attrs), node
        assert not any(name.startswith("on") for name in node.attrs), node
        assert node.tag not in {"style", "script", "link", "meta"}
        assert node.tag in {"tr", "thead", "tbody", "colgroup"} or node.attrs.get("style"), node.tag
    # the title, every section heading and every paragraph, in order
    assert roots[0].elements[0].tag == "p" and roots[0].elements[0].text == doc.title
    assert [h.text for h in roots[0].iter("h2")] == [s.heading for s in doc.sections]
    paras = [p.text for p in roots[0].iter("p")[1:]]
    assert paras == [p.full for s in doc.sections for p in s.paragraphs]


def test_every_table_has_caption_widths_and_borders(doc: Document, frag: Node) -> None:
    found = frag.iter("table")
    assert len(found) == len(doc.tables) == 3
    for table, model in zip(found, doc.tables, strict=True):
        assert "border-collapse:collapse" in (table.attrs["style"] or "")
        assert table.elements[0].tag == "caption" and table.elements[0].text == model.caption
        cols = table.iter("col")
        assert len(cols) == model.n_cols
        widths = [float(re.fullmatch(r"width:([\d.]+)%", c.attrs["style"] or "").group(1)) for c in cols]  # type: ignore[union-attr]
        assert abs(sum(widths) - 100) < 0.1 and min(widths) > 0
        for cell in table.iter("th") + table.iter("td"):
            assert "border:1px solid #000" in (cell.attrs["style"] or "")
    # table 三's label columns take ≈ the share the workbook gives them
    three = [float(re.search(r"[\d.]+", c.attrs["style"] or "").group()) for c in found[1].iter("col")]  # type: ignore[union-attr]
    assert 38 < sum(three[:3]) < 50


def test_header_cells_are_th_with_scope(frag: Node) -> None:
    """Column headers are th scope=col (colgroup over several columns), row labels th scope=row (rowgroup
    over several rows); value cells are td holding a number."""
    for table in frag.iter("table"):
        for th in table.iter("th"):
            assert th.attrs.get("scope") in {"col", "colgroup", "row", "rowgroup"}, th
        cells = grid(table)
        for cell in cells:
            if cell.tag == "td":
                assert cell.scope is None and re.fullmatch(r"-?\d+(\.\d+)?", cell.text), cell
            elif cell.scope == "colgroup":
                assert cell.colspan > 1, cell
            elif cell.scope == "col":
                assert cell.colspan == 1, cell
            elif cell.scope == "rowgroup":
                assert cell.rowspan > 1, cell
            else:  # a row label: left of every value in its row
                assert cell.scope == "row" and cell.rowspan == 1, cell
                values = [c.col for c in cells if c.row == cell.row and c.tag == "td"]
                assert values and cell.col + cell.colspan <= min(values), cell
    assert Counter(th.attrs["scope"] for th in frag.iter("th")) == Counter(
        {"col": 29, "row": 31, "colgroup": 14, "rowgroup": 5})


def test_table_three_merge_structure(frag: Node) -> None:
    cells = tables(frag.elements[0])["三、收到和处理政府信息公开申请情况"]
    corner = by_text(cells, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
    assert (corner.row, corner.col, corner.rowspan, corner.colspan, corner.scope) == (0, 0, 3, 3, "colgroup")
    assert (by_text(cells, "申请人情况").colspan, by_text(cells, "申请人情况").col) == (7, 3)
    legal = by_text(cells, "法人或其他组织")
    assert (legal.row, legal.col, legal.colspan, legal.scope) == (1, 4, 5, "colgroup")
    assert [(c.text, c.rowspan) for c in cells if c.text in {"自然人", "总计"}] == [("自然人", 2), ("总计", 2)]
    result = by_text(cells, "三、本年度办理结果")
    assert (result.row, result.col, result.rowspan, result.scope) == (5, 0, 22, "rowgroup")
    spans = {c.text: (c.col, c.rowspan) for c in cells if c.text[:3] in {"（三）", "（四）", "（五）", "（六）"}}
    assert spans == {"（三）不予公开": (1, 8), "（四）无法提供": (1, 3), "（五）不予处理": (1, 5), "（六）其他处理": (1, 3)}
    for text in ("一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "四、结转下年度继续办理"):
        assert (by_text(cells, text).col, by_text(cells, text).colspan, by_text(cells, text).scope) == (0, 3, "row")
    for text in ("（一）予以公开", "（七）总计"):
        assert (by_text(cells, text).col, by_text(cells, text).colspan) == (1, 2)
    assert max(c.row for c in cells) == 27 and sum(c.tag == "td" for c in cells) == 25 * 7


def test_table_four_merge_structure(frag: Node) -> None:
    cells = tables(frag.elements[0])["四、政府信息公开行政复议、行政诉讼情况"]
    assert (by_text(cells, "行政复议").colspan, by_text(cells, "行政诉讼").colspan) == (5, 10)
    assert by_text(cells, "行政诉讼").col == 5
    direct, after = by_text(cells, "未经复议直接起诉"), by_text(cells, "复议后起诉")
    assert (direct.row, direct.col, direct.colspan, after.col, after.colspan) == (1, 5, 5, 10, 5)
    review = [c for c in cells if c.row == 1 and c.col < 5]
    assert [(c.text, c.rowspan) for c in review] == [(t, 2) for t in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")]
    assert [c.text for c in cells if c.row == 2] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2
    assert [c.tag for c in cells if c.row == 3] == ["td"] * 15


def test_table_two_four_bands(frag: Node) -> None:
    table = frag.iter("table")[0]
    assert not table.iter("thead")
    bands = [b for b in table.elements if b.tag == "tbody"]
    titles = [b.elements[0].elements for b in bands]
    assert [(t[0].text, t[0].attrs.get("colspan"), len(t)) for t in titles] == [
        (f"第二十条第（{n}）项", "4", 1) for n in ("一", "五", "六", "八")]
    assert [len(b.elements) for b in bands] == [4, 3, 4, 3]
    cells = grid(table)
    assert [c.colspan for c in cells if c.text == "本年处理决定数量"] == [3, 3]
    assert by_text(cells, "本年收费金额（单位：万元）").colspan == 3


def sheet_table(sheet_name: str) -> list[Any]:
    """The layout's cells of a sheet's tables: the rows holding a header or a value (the check rows below a
    table hold labels and check formulas only, and are the workbook's, not the report's)."""
    sheet = registry.resolve().layout.sheet(sheet_name)
    rows = {c.row for c in sheet.cells if c.kind in {"header", "input", "formula"}}
    return [c for c in sheet.cells if c.row in rows and c.kind in {"header", "label", "input", "formula"}]


TABLE_SHEETS = (("主动公开", "二、主动公开政府信息情况"), ("依申请公开", "三、收到和处理政府信息公开申请情况"),
                ("复议诉讼", "四、政府信息公开行政复议、行政诉讼情况"))


def test_labels_are_the_templates(frag: Node) -> None:
    """Every header and label, with its merge, equals a cell of the workbook's layout (not the model)."""
    found = tables(frag.elements[0])
    assert set(found) == {caption for _, caption in TABLE_SHEETS}
    for sheet_name, caption in TABLE_SHEETS:
        expected = Counter((c.text, (c.last_row or c.row) - c.row + 1, (c.last_col or c.col) - c.col + 1)
                           for c in sheet_table(sheet_name) if c.kind in {"header", "label"})
        actual = Counter((c.text, c.rowspan, c.colspan) for c in found[caption] if c.tag == "th")
        assert actual == expected, sheet_name


def test_values_are_the_checkers(source: tuple[dict[str, Any], Document], frag: Node) -> None:
    """Every value cell, found by its workbook position, prints the checker's value (0 as "0")."""
    values, doc = source
    found = tables(frag.elements[0])
    seen = 0
    for sheet_name, caption in TABLE_SHEETS:
        table_cells = sheet_table(sheet_name)
        rows = {r: i for i, r in enumerate(sorted({c.row for c in table_cells}))}
        at = {(c.row, c.col): c.text for c in found[caption] if c.tag == "td"}
        for cell in table_cells:
            if cell.kind in {"input", "formula"}:
                text = at.pop((rows[cell.row], cell.col - 1))
                assert text == doc.values[cell.datapoint]
                assert float(text) == float(values[cell.datapoint]), cell.datapoint
                seen += 1
        assert not at, at
    assert seen == len(doc.values) and "0" in doc.values.values()


def test_hostile_prose_is_escaped(tmp_path: Path) -> None:
    hostile = {
        "meta.unit_name": '<b>某局</b>&"乙"',
        "text.overview": "（一）<i>组织</i>。正文 <script>alert(1)</script> & \"双引号\" '单引号' &amp;",
        "text.problems": '<img src=x onerror=alert(2)>\n</div><div class="x">',
    }
    _, doc = checked("huaian-city-2024", tmp_path, **hostile)
    text = publish_html.fragment(doc)
    root = parse(text)
    assert len(root.elements) == 1
    nodes = root.iter()
    assert not [n for n in nodes if n.tag in {"script", "b", "i", "img"} or {"class", "id", "onerror"} & set(n.attrs)]
    paras = [p.text for p in root.iter("p")]
    assert paras[0] == '<b>某局</b>&"乙"2024年政府信息公开工作年度报告'
    assert "（一）<i>组织</i>。正文 <script>alert(1)</script> & \"双引号\" '单引号' &amp;" in paras
    assert [s.text for s in root.iter("span") if s.text.startswith("（一）")] == ["（一）<i>组织</i>。"]
    assert '<img src=x onerror=alert(2)>' in paras and '</div><div class="x">' in paras
    assert "&amp;amp;" in text and "<script" not in text
    page = parse(publish_html.page(doc))
    assert page.iter("title")[0].text == doc.title and not page.iter("script") and not page.iter("b")


def test_subheads_in_kaiti_and_empty_section(source: tuple[dict[str, Any], Document]) -> None:
    """A leading （一）…。 run is set in 楷体 inside its paragraph; line breaks make paragraphs; an empty
    section prints the template's stand-in."""
    values = dict(source[0])
    values["text.overview"] = "（一）精心组织有效实施。为了推进工作，安排专人发布。\r\n（二）强化机制\n\n2023年度没有行政复议。"
    values["text.other"] = ""
    doc = document(registry.resolve().layout, values)
    root = parse(publish_html.fragment(doc)).elements[0]
    paras = root.iter("p")[1:]
    assert [p.text for p in paras] == ["（一）精心组织有效实施。为了推进工作，安排专人发布。", "（二）强化机制",
                                       "2023年度没有行政复议。", "政府信息公开工作仍存在公开内容不够全面等问题，下一步将加强培训、完善制度。",
                                       "无其他需要报告的事项"]
    spans = [(p.elements[0].text, p.elements[0].attrs["style"]) for p in paras if p.elements]
    assert [text for text, _ in spans] == ["（一）精心组织有效实施。", "（二）强化机制"]
    assert all(f"font-family:{publish_html.KAITI};" in (style or "") for _, style in spans)
    assert all(f"font-family:{publish_html.FANGSONG};" in (p.attrs["style"] or "") for p in paras)
    assert all("text-indent:2em" in (p.attrs["style"] or "") for p in paras)
    assert [h.attrs["style"] for h in root.iter("h2")][0].count(publish_html.HEITI) == 1


def test_deterministic(source: tuple[dict[str, Any], Document]) -> None:
    values, doc = source
    again = document(registry.resolve().layout, dict(values))
    assert publish_html.fragment(doc) == publish_html.fragment(again)
    assert publish_html.page(doc) == publish_html.page(again)


# ----------------------------------------------------------------------------------------------- page


def test_page_head_and_metadata(doc: Document) -> None:
    text = publish_html.page(doc)
    assert text.startswith("<!DOCTYPE html>\n")
    root = parse(text)
    html = root.elements[0]
    assert html.tag == "html" and html.attrs["lang"] == "zh-CN"
    metas = {m.attrs.get("name"): m.attrs.get("content") for m in root.iter("meta")}
    assert any(m.attrs.get("charset") == "utf-8" for m in root.iter("meta"))
    assert root.iter("title")[0].text == doc.title
    props = {k.removeprefix("workbook-builder:"): v for k, v in metas.items() if k and k.startswith("workbook-builder:")}
    assert props == dict(doc.properties)
    assert {"template_id", "template_version", "template_fingerprint", "data_hash", "draft"} <= set(props)
    assert props["draft"] == "false" and props["data_hash"].startswith("sha256:")
    assert not root.iter("script") and not root.iter("link")


def test_page_print_css(doc: Document) -> None:
    css = parse(publish_html.page(doc)).iter("style")[0].text
    squeezed = re.sub(r"\s+", " ", css)
    assert re.search(r"@page \{ size: A4; margin: 37mm 26mm 35mm 28mm;", squeezed)
    assert "thead { display: table-header-group; }" in squeezed
    assert re.search(r"td, th:not\(\[rowspan\]\) \{ page-break-inside: avoid; break-inside: avoid; \}", squeezed)
    assert "table { page-break-inside: auto; }" in squeezed
    assert "@media print" in squeezed


def test_the_title_breaks_only_after_the_unit_name(doc: Document) -> None:
    """Each title part is one unbreakable run: a browser breaks a long title after the unit's name."""
    (title,) = [p for p in parse(publish_html.fragment(doc)).iter("p") if p.text == doc.title]
    assert [s.text for s in title.iter("span")] == list(doc.title_parts) == ["淮安市人民政府", "2024年政府信息公开工作年度报告"]
    assert all("display:inline-block" in s.attrs["style"] for s in title.iter("span"))


def test_page_carries_the_fragment(doc: Document) -> None:
    """One builder: the page's content is the fragment's, line for line, but for the title's tag."""
    frag_lines = publish_html.fragment(doc).splitlines()
    page_lines = publish_html.page(doc).splitlines()
    title = [i for i, line in enumerate(frag_lines) if doc.title_parts[-1] in line and "<span" in line]
    assert len(title) == 1 and frag_lines[title[0]].startswith("<p ")
    start = page_lines.index(frag_lines[0])
    expected = frag_lines[:title[0]] + [re.sub(r"^<p |</p>$", lambda m: "<h1 " if m.group() == "<p " else "</h1>",
                                               frag_lines[title[0]])] + frag_lines[title[0] + 1:]
    assert page_lines[start:start + len(expected)] == expected


def test_page_header_rows_in_thead(doc: Document) -> None:
    found = parse(publish_html.page(doc)).iter("table")
    for table, model in zip(found, doc.tables, strict=True):
        heads = table.iter("thead")
        if model.header_rows:
            assert len(heads) == 1 and len(heads[0].elements) == model.header_rows == 3
            assert all(c.tag == "th" for tr in heads[0].elements for c in tr.elements)
        else:
            assert not heads
    assert [bool(t.iter("thead")) for t in found] == [False, True, True]


def test_draft_banner_only_for_drafts(source: tuple[dict[str, Any], Document]) -> None:
    values, final = source
    draft = document(registry.resolve().layout, values, draft=True)
    assert DRAFT_MARK not in publish_html.page(final) and DRAFT_MARK not in publish_html.fragment(final)
    page = parse(publish_html.page(draft))
    banners = [d for d in page.iter("div") if d.attrs.get("class") == "draft"]
    assert len(banners) == 1 and banners[0].text == DRAFT_MARK
    css = re.sub(r"\s+", " ", page.iter("style")[0].text)
    assert re.search(r"@media print \{ div\.draft \{ position: fixed;", css)
    assert f'@top-center {{ content: "{DRAFT_MARK}";' in css
    assert {m.attrs["name"]: m.attrs["content"] for m in page.iter("meta") if m.attrs.get("name")}[
        "workbook-builder:draft"] == "true"
    # the fragment a CMS editor pastes says it too, in its one div
    frag = parse(publish_html.fragment(draft)).elements[0]
    assert frag.elements[0].tag == "p" and frag.elements[0].text == DRAFT_MARK


# ----------------------------------------------------------------------------------------------- golden


@pytest.mark.parametrize("fixture", FIXTURE_NAMES)
def test_golden(fixture: str, tmp_path: Path) -> None:
    """The fragment and page of each real report; when a change is intended:
    UPDATE_GOLDEN=1 python -m pytest tests/test_publish_html.py -k golden, and review the diff."""
    _, doc = checked(fixture, tmp_path)
    outputs = [("fragment", publish_html.fragment(doc))]
    if fixture == "huaian-city-2024":  # the page's own part is the same for every report
        outputs.append(("page", publish_html.page(doc)))
    for kind, text in outputs:
        path = GOLDEN / f"{fixture}.{kind}.html"
        if os.environ.get("UPDATE_GOLDEN") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            continue
        assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 python -m pytest {Path(__file__).name}"
        expected = path.read_text(encoding="utf-8")
        if text != expected:
            diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), text.splitlines(keepends=True),
                                                fromfile=f"golden/publish/{path.name}", tofile="published now"))
            pytest.fail(f"{path.name} differs (if intended: UPDATE_GOLDEN=1)\n{diff[:20000]}", pytrace=False)


# ----------------------------------------------------------------------------------------------- Chromium

# Measures the page as laid out and leaves the figures in the DOM for --dump-dom to carry out.
PROBE = """<script>
addEventListener("load", () => {
  const main = document.querySelector("main"), inner = main.getBoundingClientRect();
  const style = getComputedStyle(main), left = inner.left + parseFloat(style.paddingLeft);
  const right = inner.right - parseFloat(style.paddingRight);
  const out = {overflow: [], tables: [], page: document.documentElement.scrollWidth, window: innerWidth,
               text: right - left};
  for (const c of document.querySelectorAll("th, td"))
    if (c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1) out.overflow.push(c.textContent);
  for (const t of document.querySelectorAll("table")) {
    const r = t.getBoundingClientRect();
    out.tables.push({left: r.left - left, right: right - r.right, caption: t.caption.textContent});
  }
  const pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.append(pre);
});
</script>"""


@pytest.fixture(scope="module")
def chromium() -> str:
    return require_chromium()


@pytest.fixture(scope="module")
def page_file(doc: Document, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("publish-page") / "report.html"
    path.write_text(publish_html.page(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [1280, 600])
def test_chromium_lays_out_the_page(chromium: str, page_file: Path, doc: Document, width: int) -> None:
    probe = page_file.with_name(f"probe-{width}.html")
    probe.write_text(page_file.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = _run(chromium, probe, "--dump-dom", f"--window-size={width},2000")
    dom = done.stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom)
    assert found, dom[-2000:]
    figures = json.loads(unescape(found.group(1)))
    assert figures["overflow"] == [], "text spills out of its cell"
    assert figures["page"] <= figures["window"], "the page scrolls sideways"
    assert [t["caption"] for t in figures["tables"]] == [t.caption for t in doc.tables]
    for table in figures["tables"]:
        assert -1 <= table["left"] and -1 <= table["right"], table  # inside the text block of the A4 sheet
    assert figures["window"] == width and (figures["text"] > 580 if width > 900 else figures["text"] > 500)
    root = parse(dom)
    assert [c.text for c in root.iter("caption")] == [t.caption for t in doc.tables]


# A CMS article page: a theme that restyles p, h2 and tables under the article, and a rich-text editor's
# paste (contenteditable + insertHTML, the path UEditor, TinyMCE and CKEditor take on paste).
EDITOR = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>
body { font: 14px Arial, sans-serif; color: #333; }
.article p { font-size: 14px; color: #666; margin: 1em 0; text-indent: 0; line-height: 1.5; }
.article h2 { font-size: 24px; color: navy; border-bottom: 2px solid blue; margin: 20px 0; padding: 5px; }
.article table { border: none; width: auto; } .article caption { font-size: 20px; color: red; }
.article td, .article th { padding: 10px; border: none; font-size: 12px; background: #eef; }
</style></head><body><div class="article" id="editor" contenteditable="true"></div>
<script type="application/json" id="pasted">PASTED</script>
<script>
addEventListener("load", () => {
  const editor = document.getElementById("editor"), look = (el) => getComputedStyle(el);
  editor.focus();
  document.execCommand("insertHTML", false, JSON.parse(document.getElementById("pasted").textContent));
  const td = editor.querySelector("td"), h2 = editor.querySelector("h2"), p = editor.querySelectorAll("p")[1];
  const out = {html: editor.innerHTML, td: [look(td).borderTopWidth, look(td).borderTopStyle, look(td).fontSize],
               h2: [look(h2).color, look(h2).fontSize, look(h2).borderBottomWidth],
               p: [look(p).color, look(p).fontSize, look(p).textIndent]};
  const pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.append(pre);
});
</script></body></html>"""


def test_chromium_editor_paste_keeps_the_fragment(chromium: str, doc: Document, frag: Node,
                                                  tmp_path: Path) -> None:
    """Pasted into a rich-text editor under a theme that restyles the article, the fragment keeps its
    structure (captions, th scope, spans, thead, bands, widths), its texts, and its official look."""
    pasted = json.dumps(publish_html.fragment(doc)).replace("</", "<\\/")
    path = tmp_path / "editor.html"
    path.write_text(EDITOR.replace("PASTED", pasted), encoding="utf-8")
    done = _run(chromium, path, "--dump-dom", "--window-size=1000,2000")
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-2000:]
    figures = json.loads(unescape(found.group(1)))
    edited = parse(figures["html"])
    assert [n.tag for n in edited.elements] == ["div"]
    assert tables(edited.elements[0]) == tables(frag.elements[0])
    assert [(t.iter("thead") != [], len(t.iter("tbody")), len(t.iter("col"))) for t in edited.iter("table")] == [
        (False, 4, 4), (True, 1, 10), (True, 1, 15)]
    assert Counter(th.attrs.get("scope") for th in edited.iter("th")) == Counter(
        th.attrs.get("scope") for th in frag.iter("th"))
    assert [p.text for p in edited.iter("p")] == [p.text for p in frag.iter("p")]
    # the inline look wins over the theme: 1px solid borders, 五号 cells, black 3号 headings and text
    assert figures["td"] == ["1px", "solid", "14px"]
    assert figures["h2"] == ["rgb(0, 0, 0)", "21.3333px", "0px"]
    assert figures["p"] == ["rgb(0, 0, 0)", "21.3333px", "42.6667px"]  # 2em


SHOT = (1000, 2420)  # the window of the docs picture: the whole A4 sheet of huaian-city-2024


def test_chromium_screenshot(chromium: str, page_file: Path) -> None:
    width, height = SHOT
    out = screenshot(chromium, page_file, page_file.with_name("page.png"), width, height)
    data = out.read_bytes()
    png_width, png_height, distinct = png_info(data)
    assert (png_width, png_height) == (width, height)
    assert len(data) > 30_000 and distinct > 16, "the screenshot looks blank"


def _print(chromium: str, page: Path, out: Path) -> list[str]:
    """Print the page to PDF with Chromium; the text of each page (pdftotext)."""
    done = _run(chromium, page, "--no-pdf-header-footer", f"--print-to-pdf={out.resolve()}")
    assert done.returncode == 0 and out.exists(), done.stderr[-2000:]
    if not shutil.which("pdfinfo"):
        if os.environ.get("CI"):
            pytest.fail("poppler-utils (pdfinfo) is not installed, and CI must run it")
        pytest.skip("pdfinfo is not installed")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595(\.\d+)? x 842(\.\d+)? pts \(A4\)", info.replace("594.96", "595")
                     .replace("841.92", "842")), info
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    return [p for p in text.split("\f") if p.strip()]


def test_chromium_prints_a4_with_repeated_headers(chromium: str, page_file: Path, doc: Document) -> None:
    pages = _print(chromium, page_file, page_file.with_name("page.pdf"))
    assert len(pages) >= 2
    squeezed = [re.sub(r"\s+", "", p) for p in pages]
    # table 三 runs over a page break: its header rows are printed again on the next page
    assert sum("申请人情况" in p for p in squeezed) >= 2
    assert "四、结转下年度继续办理" in "".join(squeezed) and DRAFT_MARK not in "".join(squeezed)
    for n, p in enumerate(squeezed, start=1):
        assert f"—{n}—" in p, f"page {n} has no page number"
    # no page left mostly blank: with `tr { break-inside: avoid }` Chromium moves the 22 rows under
    # 三、本年度办理结果 whole to the next page, leaving a page of header rows and one row (7 lines)
    lines = [sum(1 for line in p.splitlines() if line.strip()) for p in pages]
    assert min(lines[:-1]) >= 15, lines


def test_chromium_prints_the_draft_mark_on_every_page(chromium: str, source: tuple[dict[str, Any], Document],
                                                      tmp_path: Path) -> None:
    draft = document(registry.resolve().layout, source[0], draft=True)
    path = tmp_path / "draft.html"
    path.write_text(publish_html.page(draft), encoding="utf-8")
    pages = _print(chromium, path, tmp_path / "draft.pdf")
    assert len(pages) >= 2
    assert all(DRAFT_MARK in re.sub(r"\s+", "", p) for p in pages)


def main(argv: list[str]) -> int:
    """Save a screenshot of the page of the huaian-city-2024 report (the docs' picture)."""
    import tempfile

    out = Path(argv[0]) if argv else ROOT / "docs" / "images" / "publish-page.png"
    with tempfile.TemporaryDirectory() as tmp:
        _, doc = checked("huaian-city-2024", Path(tmp))
        page = Path(tmp) / "page.html"
        page.write_text(publish_html.page(doc), encoding="utf-8")
        browser = shutil.which("chromium") or "chromium"
        width, height = SHOT
        screenshot(browser, page, out, width, height)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
