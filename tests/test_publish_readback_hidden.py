"""The read-back reads only what prints: hidden text in the docx (w:vanish / w:specVanish, directly
or through the style sheet) and in HTML (inline display:none, visibility:hidden, the hidden
attribute, a zero font size) is not taken for printed; and the title may be set on two lines.

Every docx here is the real writer's output (publish.docx.write_docx) with one change made to its
XML, as a writer bug or a hand edit would make it.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from functools import cache

import pytest

from tests.make_filled import honest_data
from workbook_builder.imports.docx_styles import Hiding
from workbook_builder.publish import readback as rb
from workbook_builder.publish.docx import write_docx
from workbook_builder.publish.html import fragment, page
from workbook_builder.publish.model import Document, document
from workbook_builder.template import registry

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PROSE = {"text.overview", "text.problems", "text.other"}


@cache
def doc() -> Document:
    values = honest_data("huaian-city-2024", totals=True)
    values["text.overview"] = "（一）总体。本机关认真贯彻落实条例。\n（二）其他。无。"  # two sub-heads (a character style)
    return document(registry.resolve().layout, values)


@cache
def written() -> bytes:
    return write_docx(doc())


def q(name: str) -> str:
    return f"{{{W}}}{name}"


def edit(data: bytes, part: str, change: Callable[[ET.Element], None], encoding: str = "utf-8") -> bytes:
    """A copy of a docx with one XML part changed by `change(root)` (and written in `encoding`)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            raw = src.read(info)
            if info.filename == part:
                root = ET.fromstring(raw)
                change(root)
                raw = ET.tostring(root, encoding=encoding, xml_declaration=True)
            z.writestr(info.filename, raw)
    return out.getvalue()


def style(root: ET.Element, sid: str) -> ET.Element:
    return next(s for s in root.iter(q("style")) if s.get(q("styleId")) == sid)


def hide(props_parent: ET.Element, name: str = "vanish", value: str | None = None) -> None:
    """Put `<w:vanish/>` (or `name`, with w:val=`value`) into the rPr of `props_parent`."""
    rpr = props_parent.find(q("rPr"))
    if rpr is None:
        rpr = ET.Element(q("rPr"))
        props_parent.insert(0, rpr)
    ET.SubElement(rpr, q(name), {q("val"): value} if value is not None else {})


def in_styles(change: Callable[[ET.Element], None]) -> list:
    return rb.verify_docx(doc(), edit(written(), "word/styles.xml", change))


def in_document(change: Callable[[ET.Element], None]) -> list:
    return rb.verify_docx(doc(), edit(written(), "word/document.xml", change))


def summary(found: list) -> set[tuple[str, str | None]]:
    return {(f.reason, f.datapoint) for f in found}


def everything() -> set[tuple[str, str | None]]:
    """Every number and paragraph missing (the title and headings: missing without a data point)."""
    return {("missing", dp) for dp in doc().values} | {("missing", dp) for dp in PROSE} | {("missing", None)}


def test_the_written_document_reads_clean() -> None:
    assert rb.verify_docx(doc(), written()) == []


# ----------------------------------------------------------------------------- docx: style sheet


def test_a_hidden_body_style_hides_all_prose() -> None:
    """Mutation "body style hidden": every prose paragraph invisible in Word; the tables still print."""
    found = in_styles(lambda root: hide(style(root, "ReportBody")))
    assert summary(found) == {("missing", dp) for dp in PROSE}
    assert len(found) == sum(len(s.paragraphs) for s in doc().sections)


def test_a_hidden_table_cell_style_hides_every_number() -> None:
    found = in_styles(lambda root: hide(style(root, "ReportCell")))
    assert summary(found) == {("missing", dp) for dp in doc().values}
    assert all(f.actual is None for f in found)


def test_a_style_sheet_in_utf16_is_read_too() -> None:
    """The quick look for "vanish" in the style sheet's bytes must not miss it in another encoding."""
    data = edit(written(), "word/styles.xml", lambda root: hide(style(root, "ReportCell")), encoding="utf-16")
    assert summary(rb.verify_docx(doc(), data)) == {("missing", dp) for dp in doc().values}


def test_hidden_text_is_inherited_through_based_on() -> None:
    """A new style that hides, put under the body style: the body style hides too."""
    def change(root: ET.Element) -> None:
        hider = ET.SubElement(root, q("style"), {q("type"): "paragraph", q("styleId"): "Hider"})
        ET.SubElement(hider, q("basedOn"), {q("val"): "Normal"})
        hide(hider)
        style(root, "ReportBody").find(q("basedOn")).set(q("val"), "Hider")  # type: ignore[union-attr]

    assert summary(in_styles(change)) == {("missing", dp) for dp in PROSE}


@pytest.mark.parametrize("where", ["Normal", "docDefaults"])
def test_hidden_normal_style_or_defaults_hide_everything(where: str) -> None:
    def change(root: ET.Element) -> None:
        if where == "Normal":
            hide(style(root, "Normal"))
        else:
            hide(root.find(f"{q('docDefaults')}/{q('rPrDefault')}"))  # type: ignore[arg-type]

    found = in_styles(change)
    assert summary(found) - {("label", None)} == everything()
    assert doc().title in {f.expected for f in found if f.reason == "missing"}


def test_a_nearer_style_that_shows_again_wins_along_based_on() -> None:
    """Normal hides, the body style says w:val="0": prose prints, everything else is gone."""
    def change(root: ET.Element) -> None:
        hide(style(root, "Normal"))
        hide(style(root, "ReportBody"), value="0")

    found = in_styles(change)
    assert not any(f.datapoint in PROSE for f in found)
    assert {f.datapoint for f in found if f.reason == "missing" and f.datapoint} == set(doc().values)


def test_a_hidden_character_style_hides_the_sub_heads() -> None:
    found = in_styles(lambda root: hide(style(root, "ReportSubhead")))
    assert summary(found) == {("value", "text.overview")}
    assert {f.actual for f in found} == {"本机关认真贯彻落实条例。", "无。"}


def test_a_table_style_that_hides_hides_the_tables() -> None:
    def add_style(root: ET.Element) -> None:
        grid = ET.SubElement(root, q("style"), {q("type"): "table", q("styleId"): "HiddenGrid"})
        hide(grid)

    def use_it(root: ET.Element) -> None:
        for pr in root.iter(q("tblPr")):
            ET.SubElement(pr, q("tblStyle"), {q("val"): "HiddenGrid"})

    data = edit(edit(written(), "word/styles.xml", add_style), "word/document.xml", use_it)
    found = rb.verify_docx(doc(), data)
    assert {("missing", dp) for dp in doc().values} <= summary(found) <= (
        {("missing", dp) for dp in doc().values} | {("label", None)})
    assert not any(f.datapoint in PROSE for f in found)


def test_styles_that_hide_in_both_places_are_taken_as_hidden() -> None:
    """Word toggles (paragraph style + character style both hiding: shown), LibreOffice does not:
    text some reader does not see is not printed."""
    styles = ET.fromstring(
        f'<w:styles xmlns:w="{W}"><w:style w:type="paragraph" w:styleId="P"><w:rPr><w:vanish/></w:rPr></w:style>'
        '<w:style w:type="character" w:styleId="C"><w:rPr><w:vanish/></w:rPr></w:style></w:styles>')
    hiding = Hiding(styles)
    run = ET.fromstring(f'<w:rPr xmlns:w="{W}"><w:rStyle w:val="C"/></w:rPr>')
    shown = ET.fromstring(f'<w:rPr xmlns:w="{W}"><w:rStyle w:val="C"/><w:vanish w:val="false"/></w:rPr>')
    assert hiding.hidden(run, "P", None) and hiding.hidden(None, "P", None) and hiding.hidden(run, None, None)
    assert not hiding.hidden(shown, "P", None) and not hiding.hidden(None, None, None)
    assert hiding.style("paragraph", "nonexistent") is None


# ----------------------------------------------------------------------------- docx: in the document


def _run_of(root: ET.Element, text: str) -> ET.Element:
    return next(r for r in root.iter(q("r")) if "".join(t.text or "" for t in r.iter(q("t"))) == text)


@pytest.mark.parametrize("name", ["vanish", "specVanish"])
def test_one_hidden_number_is_missing(name: str) -> None:
    found = in_document(lambda root: hide(_run_of(root, "3001"), name))
    assert summary(found) == {("missing", "requests.new.person")}
    assert (found[0].expected, found[0].actual) == ("3001", None)


def test_a_run_shown_directly_prints_under_a_hidden_style() -> None:
    data = edit(written(), "word/styles.xml", lambda root: hide(style(root, "ReportCell")))
    data = edit(data, "word/document.xml", lambda root: hide(_run_of(root, "3001"), value="0"))
    found = rb.verify_docx(doc(), data)
    assert ("missing", "requests.new.person") not in summary(found) and len(found) == len(doc().values) - 1


def test_a_hidden_paragraph_mark_joins_the_paragraph_to_the_next() -> None:
    """w:rPr in w:pPr is the paragraph mark's: hidden, the heading runs on into its prose in print."""
    heading = doc().sections[4].heading

    def change(root: ET.Element) -> None:
        p = next(p for p in root.iter(q("p")) if "".join(t.text or "" for t in p.iter(q("t"))) == heading)
        ppr = p.find(q("pPr"))
        assert ppr is not None
        hide(ppr)

    found = in_document(change)
    prose = doc().sections[4].paragraphs[0].full
    assert [(f.reason, f.expected, f.actual) for f in found] == [
        ("label", heading, heading + prose), ("missing", prose, None)]


# ----------------------------------------------------------------------------- HTML


def _wrap(text: str, number: str, attrs: str) -> str:
    """`text` with the cell holding `number` wrapped in a span with `attrs`."""
    assert text.count(f">{number}</td>") == 1
    return text.replace(f">{number}</td>", f"><span {attrs}>{number}</span></td>")


@pytest.mark.parametrize("fmt", ["fragment", "page"])
@pytest.mark.parametrize("attrs", ['style="display:none"', 'style="visibility:hidden"', "hidden",
                                   'style="font-size:0"', 'style="FONT: bold 0/0 a !important"',
                                   'style="opacity:0"'])
def test_html_hidden_number_is_missing(fmt: str, attrs: str) -> None:
    text = _wrap((fragment if fmt == "fragment" else page)(doc()), "3001", attrs)
    found = rb.verify_html(doc(), text, fmt)
    assert summary(found) == {("missing", "requests.new.person")}


@pytest.mark.parametrize("attrs", ['style="visibility:hidden"><span style="visibility:visible"',
                                   'style="font-size:0"><span style="font-size:10.5pt"',
                                   'hidden style="display:inline"><span', 'style="font-size:0.5em"><span'])
def test_html_text_shown_again_prints(attrs: str) -> None:
    text = fragment(doc()).replace(">3001</td>", f"><span {attrs}>3001</span></span></td>")
    assert rb.verify_html(doc(), text, "fragment") == []


@pytest.mark.parametrize("attrs", ['style="font-size:0"><span style="font-size:2em"',
                                   'style="display:none"><span style="display:block;visibility:visible"'])
def test_html_text_inside_hidden_stays_hidden(attrs: str) -> None:
    text = fragment(doc()).replace(">3001</td>", f"><span {attrs}>3001</span></span></td>")
    assert summary(rb.verify_html(doc(), text, "fragment")) == {("missing", "requests.new.person")}


def test_html_hidden_prose_and_heading() -> None:
    d = doc()
    text = fragment(d)
    heading = d.sections[4].heading
    text = text.replace(f">{heading}</h2>", f"><span hidden>{heading}</span></h2>")
    text = re.sub(r'<p style="([^"]*)">(政府信息公开工作仍存在)', r'<p style="\1;display:none">\2', text)
    found = rb.verify_html(d, text, "fragment")
    assert summary(found) == {("missing", None), ("missing", "text.problems")}
    assert heading in {f.expected for f in found}


def test_html_hidden_table_hides_every_number() -> None:
    text = fragment(doc()).replace("<table style=\"", "<table style=\"visibility:hidden;")
    found = rb.verify_html(doc(), text, "fragment")
    assert {("missing", dp) for dp in doc().values} <= summary(found)
    assert not any(f.datapoint in PROSE for f in found)


def test_html_hidden_line_break_is_no_break() -> None:
    d = doc()
    text = fragment(d).replace("（二）其他。", '（二）其他。<br style="display:none">', 1)
    assert rb.verify_html(d, text, "fragment") == []


# ----------------------------------------------------------------------------- the title on two lines


_ELEMENT = re.compile(r"(<(h1|p)\b[^>]*>)(.*?)(</\2>)", re.S)


def _title_with(text: str, new: str) -> str:
    """The HTML with the title element's content (however the writer sets it) replaced by `new`."""
    for m in _ELEMENT.finditer(text):
        if re.sub(r"<[^>]*>", "", m.group(3)) == doc().title:
            return text[:m.start(3)] + new + text[m.end(3):]
    raise LookupError(doc().title)


def _set_run(run: ET.Element, *pieces: str | None) -> None:
    """Rebuild a run's content: each string a w:t, each None a w:br."""
    for c in [c for c in run if c.tag != q("rPr")]:
        run.remove(c)
    for piece in pieces:
        if piece is None:
            ET.SubElement(run, q("br"))
        else:
            ET.SubElement(run, q("t"), {"{http://www.w3.org/XML/1998/namespace}space": "preserve"}).text = piece


def test_a_docx_title_broken_after_the_unit_reads_as_the_title() -> None:
    unit, rest = doc().title_parts
    assert unit + rest == doc().title

    def change(root: ET.Element) -> None:
        _set_run(_run_of(root, doc().title), unit + "  ", None, rest)

    assert rb.read_docx_text(edit(written(), "word/document.xml", change))[0] == f"{unit}  \n{rest}"
    assert in_document(change) == []


@pytest.mark.parametrize("title,clean", [
    ("{unit}<br>{rest}", True),
    ("{unit}\n<br>\n{rest}", True),
    ('<span style="display:inline-block">{unit}</span>\n<span style="display:inline-block">{rest}</span>', True),
    ('<span style="display:inline-block">{unit}</span><span style="display:inline-block">{rest}</span>', True),
    ("{unit}<br>{rest}改", False),
    ("{unit} 20<br>24{rest_tail}", False),
])
def test_an_html_title_broken_after_the_unit_reads_as_the_title(title: str, clean: bool) -> None:
    unit, rest = doc().title_parts
    new = title.format(unit=unit, rest=rest, rest_tail=rest[2:])
    for fmt, text in (("fragment", fragment(doc())), ("page", page(doc()))):
        found = rb.verify_html(doc(), _title_with(text, new), fmt)
        assert (found == []) is clean, (fmt, found)
        if not clean:
            assert [(f.reason, f.expected) for f in found] == [("label", doc().title)]


def test_only_the_title_may_break() -> None:
    """A heading with a line break, or a docx title with a space at the cut but no break, differs."""
    unit, rest = doc().title_parts
    heading = doc().sections[1].heading
    text = fragment(doc()).replace(f">{heading}</h2>", f">{heading[:2]}<br>{heading[2:]}</h2>")
    assert [(f.reason, f.expected) for f in rb.verify_html(doc(), text, "fragment")] == [("label", heading)]

    def spaced(root: ET.Element) -> None:
        _set_run(_run_of(root, doc().title), f"{unit} {rest}")

    assert [(f.reason, f.expected) for f in in_document(spaced)] == [("label", doc().title)]
