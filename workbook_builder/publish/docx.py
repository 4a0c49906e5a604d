"""The report as a Word document: GB/T 9704 page and type, the template's tables as published.

The only module that imports python-docx. python-docx gives the package every report shares (its
parts, content types and relationships, the header and footer parts), built once per process; a report
then only adds its body, title and properties. The content is written as WordprocessingML text, because
python-docx's API cannot set an East Asian font (`w:eastAsia`) and its `Table.cell()` is quadratic in a
merged table. Type lives in named styles (Normal and ours), not in runs, so a clerk who edits the
document edits a style.

Same document in, same bytes out: fixed core dates and author, and a zip with fixed member times and order.
"""

from __future__ import annotations

import functools
import io
import zipfile
from xml.sax.saxutils import escape, quoteattr

import docx
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.shared import Mm
from docx.text.paragraph import Paragraph as WordParagraph

from .docx_package import app_xml, core_xml, custom_xml, zip_parts
from .model import DRAFT_MARK, DocTable, Document, Paragraph

__all__ = ["write_docx"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = f'xmlns:w="{W}"'

# GB/T 9704-2012 (党政机关公文格式): A4, margins in mm; text 156 mm wide and 225 mm high
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "left": 28, "right": 26, "bottom": 35}
TEXT_WIDTH = round((PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]) * 1440 / 25.4)  # twips
LINE_PITCH = 578  # twips: 22 lines on the 225 mm text area ≈ 28.9 pt

LATIN = "Times New Roman"
BODY_FONT = "仿宋_GB2312"  # 正文 3号
HEADING_FONT = "黑体"  # 一、 headings
SUBHEAD_FONT = "楷体_GB2312"  # （一） sub-heads
TITLE_FONT = "方正小标宋简体"  # 2号 title
PAGE_NUMBER_FONT = "宋体"  # 4号 page number

SIZE_TITLE = 44  # half-points: 2号 22 pt
SIZE_BODY = 32  # 3号 16 pt
SIZE_TABLE = 21  # 五号 10.5 pt
MIN_SIZE_TABLE = 11  # 七号 5.5 pt: the smallest a long number is set to fit its cell
DIGIT_EM = 0.64  # a digit's width in em: Times New Roman 0.5, DejaVu Serif (LibreOffice's stand-in on Linux) 0.64
SIZE_PAGE_NUMBER = 28  # 4号 14 pt
# the title's line holds ≈ 20 characters of 2号 on the 156 mm text width (a digit counts half)
TITLE_LINE_CHARS = TEXT_WIDTH // (SIZE_TITLE * 10)
# 0.7 mm each side: table 三's 9 mm label columns then hold two 五号 characters a line, not one
CELL_MARGIN = 40  # twips
ROW_HEIGHT = 300  # twips: a table row at least 15 pt high, room for 五号 text

STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"

# style ids (what the XML refers to) → names a clerk sees in Word's style list
STYLE_TITLE, STYLE_HEADING, STYLE_BODY, STYLE_SUBHEAD = "ReportTitle", "ReportHeading", "ReportBody", "ReportSubhead"
STYLE_CELL, STYLE_CELL_LABEL, STYLE_CELL_HEADER = "ReportCell", "ReportCellLabel", "ReportCellHeader"
STYLE_PAGE_NUMBER, STYLE_DRAFT = "ReportPageNumber", "ReportDraftMark"


def write_docx(doc: Document) -> bytes:
    """The document as .docx bytes; the same `doc` always gives the same bytes."""
    parts = dict(_base(doc.draft))
    main = parts["word/document.xml"].decode("utf-8")
    at = main.index("<w:sectPr")  # the body holds only the section's page setup: the content goes before it
    parts["word/document.xml"] = (main[:at] + _body_xml(doc) + main[at:]).encode("utf-8")
    parts["docProps/core.xml"] = core_xml(doc.title)
    parts["docProps/custom.xml"] = custom_xml(doc.properties)
    return zip_parts(parts)


@functools.cache
def _base(draft: bool) -> dict[str, bytes]:
    """The package every report shares, by part name: python-docx's blank document trimmed, our styles,
    the page, footer (and draft header); its body empty. Built once per process: parsing python-docx's
    template costs more than laying out a report."""
    word = docx.Document()
    _trim_package(word)
    _set_styles(word)
    _set_page(word, draft)
    body = word.element.body
    for child in list(body):
        if child is not body.sectPr:
            body.remove(child)
    package = word.part.package  # docProps/custom.xml: its content type and relationship, filled per report
    custom = Part(PackURI("/docProps/custom.xml"), CT.OFC_CUSTOM_PROPERTIES, custom_xml({}), package)
    package.relate_to(custom, RT.CUSTOM_PROPERTIES)
    out = io.BytesIO()
    word.save(out)
    with zipfile.ZipFile(out) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    fonts = parts["word/fontTable.xml"].decode("utf-8")
    parts["word/fontTable.xml"] = fonts.replace("</w:fonts>", _FONT_TABLE + "</w:fonts>").encode("utf-8")
    parts["docProps/app.xml"] = app_xml()
    return parts


# Our fonts in Word's font table, with the name Word should try where a computer lacks the GB/T name
# (Windows has 仿宋 and 楷体, not 仿宋_GB2312 and 楷体_GB2312); charset 86 is GB2312.
_FONT_TABLE = "".join(
    f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
    f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>'
    for name, alt, family, pitch in (
        (BODY_FONT, "仿宋", "modern", "fixed"),
        (SUBHEAD_FONT, "楷体", "modern", "fixed"),
        (TITLE_FONT, "宋体", "auto", "variable"),
        (HEADING_FONT, "SimHei", "modern", "fixed"),
        (PAGE_NUMBER_FONT, "SimSun", "auto", "variable"),
    )
)


# ---------------------------------------------------------------- content


def _body_xml(doc: Document) -> str:
    parts = [_para(STYLE_TITLE, _title_text(doc))]
    parts += [_prose(p) for p in doc.preamble]
    for section in doc.sections:
        parts.append(_para(STYLE_HEADING, section.heading))
        parts += [_prose(p) for p in section.paragraphs]
        for i, table in enumerate(section.tables):
            if i:  # Word joins two tables that touch into one: a small empty paragraph keeps them apart
                parts.append(_para(STYLE_CELL, ""))
            parts.append(_table(table))
    if parts[-1].startswith("<w:tbl>"):  # Word wants the body to end in a paragraph, not a table
        parts.append(_para(STYLE_CELL, ""))
    return "".join(parts)


def _title_text(doc: Document) -> str:
    """The title, with a line break after the unit's name when it is wider than one line: a long
    title breaks there (淮安市人民政府 / 2024年…报告), never in the middle of a word."""
    width = sum(0.5 if ord(ch) < 128 else 1 for ch in doc.title)
    if width <= TITLE_LINE_CHARS or len(doc.title_parts) < 2:
        return doc.title
    return "\n".join(doc.title_parts)


def _run(text: str, style: str = "") -> str:
    """A run; line breaks inside the text become `w:br` (a label with its own line break)."""
    props = f'<w:rPr><w:rStyle w:val="{style}"/></w:rPr>' if style else ""
    pieces = [f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in text.split("\n")]
    return f"<w:r>{props}{'<w:br/>'.join(pieces)}</w:r>"


def _para(style: str, text: str) -> str:
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{_run(text) if text else ""}</w:p>'


def _prose(p: Paragraph) -> str:
    runs = (_run(p.subhead, STYLE_SUBHEAD) if p.subhead else "") + (_run(p.text) if p.text else "")
    return f'<w:p><w:pPr><w:pStyle w:val="{STYLE_BODY}"/></w:pPr>{runs}</w:p>'


_CELL_STYLE = {"header": STYLE_CELL_HEADER, "label": STYLE_CELL_LABEL, "value": STYLE_CELL}
_BORDER = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
_BORDERS = "".join(_BORDER.format(side) for side in ("top", "left", "bottom", "right", "insideH", "insideV"))


def _table(table: DocTable) -> str:
    """One table, row by row, each `w:tc` written once: merges as `w:gridSpan` and `w:vMerge`."""
    grid = _grid_widths(table)
    owner: dict[tuple[int, int], tuple[int, int]] = {}  # a covered position → its merge's top-left
    for c in table.cells:
        for r in range(c.row, c.row + c.row_span):
            for k in range(c.col, c.col + c.col_span):
                owner[(r, k)] = (c.row, c.col)
    by_pos = {(c.row, c.col): c for c in table.cells}
    rows = []
    for r in range(table.n_rows):
        header = "<w:tblHeader/>" if r < table.header_rows else ""
        cells = []
        k = 0
        while k < table.n_cols:
            top = owner.get((r, k))
            cell = by_pos.get(top) if top else None
            if cell is None or top is None:  # a hole in the layout: an empty bordered cell keeps the grid whole
                cells.append(_tc(grid[k], 1, "", "", STYLE_CELL))
                k += 1
                continue
            span = cell.col_span - (k - cell.col)
            width = sum(grid[k:k + span])
            if top == (r, k):
                merge = '<w:vMerge w:val="restart"/>' if cell.row_span > 1 else ""
                cells.append(_tc(width, span, merge, cell.text, _CELL_STYLE.get(cell.kind, STYLE_CELL)))
            else:
                cells.append(_tc(width, span, "<w:vMerge/>", "", _CELL_STYLE.get(cell.kind, STYLE_CELL)))
            k += span
        row = "".join(cells)
        # the heading keeps with the table's header rows and first data row (a band's head with its first
        # row); past them the table runs on over pages, its header rows repeated: no part-empty pages
        if r < table.n_rows - 1 and (r <= table.header_rows or _band_head(table, r)):
            row = row.replace("</w:pPr>", "<w:keepNext/></w:pPr>")
        rows.append(f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{ROW_HEIGHT}" w:hRule="atLeast"/>{header}'
                    f"</w:trPr>{row}</w:tr>")
    cols = "".join(f'<w:gridCol w:w="{w}"/>' for w in grid)
    props = (f'<w:tblPr><w:tblW w:w="{sum(grid)}" w:type="dxa"/><w:jc w:val="center"/>'
             f"<w:tblBorders>{_BORDERS}</w:tblBorders><w:tblLayout w:type=\"fixed\"/>"
             f'<w:tblCellMar><w:left w:w="{CELL_MARGIN}" w:type="dxa"/>'
             f'<w:right w:w="{CELL_MARGIN}" w:type="dxa"/></w:tblCellMar>'
             f'<w:tblLook w:val="0000"/><w:tblCaption w:val={quoteattr(table.caption)}/></w:tblPr>')
    return f"<w:tbl>{props}<w:tblGrid>{cols}</w:tblGrid>{''.join(rows)}</w:tbl>"


def _band_head(table: DocTable, r: int) -> bool:
    """A row of header cells only (a band's own head in table 二): it keeps with the row below it."""
    starting = [c for c in table.cells if c.row == r]
    return bool(starting) and all(c.kind == "header" for c in starting)


def _grid_widths(table: DocTable) -> list[int]:
    """Column widths in twips: the model's fractions of the text width, rounded to sum exactly to it."""
    edges = [0]
    acc = 0.0
    for w in table.widths:
        acc += w
        edges.append(round(acc * TEXT_WIDTH))
    edges[-1] = TEXT_WIDTH
    return [b - a for a, b in zip(edges, edges[1:], strict=False)]


def _tc(width: int, span: int, merge: str, text: str, style: str) -> str:
    grid_span = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    size = _fitted_size(text, width) if style == STYLE_CELL else SIZE_TABLE
    if size == SIZE_TABLE:
        content = _para(style, text)
    else:  # a number too long for its column at 五号: smaller, rather than broken over two lines
        content = (f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:rPr><w:sz w:val="{size}"/>'
                   f'<w:szCs w:val="{size}"/></w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>')
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{grid_span}{merge}<w:vAlign w:val="center"/></w:tcPr>'
            f"{content}</w:tc>")


def _fitted_size(text: str, width: int) -> int:
    """The size (half-points) at which a number fits its cell on one line: 五号 when it does, smaller down to
    七号 when it does not (a digit is about half a character wide, a little more in a stand-in font)."""
    room = width - 2 * CELL_MARGIN
    need = len(text) * DIGIT_EM * SIZE_TABLE * 10  # twips at 五号 (half-points × 10 = twips)
    if need <= room or not text:
        return SIZE_TABLE
    return max(MIN_SIZE_TABLE, int(room / (len(text) * DIGIT_EM * 10)))


# ---------------------------------------------------------------- styles and page


def _fonts(east_asia: str, latin: str = LATIN) -> str:
    return (f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" w:cs="{latin}" '
            'w:hint="eastAsia"/>')


def _size(half_points: int) -> str:
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


_EXACT = f'<w:spacing w:before="0" w:after="0" w:line="{LINE_PITCH}" w:lineRule="exact"/>'
_SINGLE = '<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
_INDENT = f'<w:ind w:firstLineChars="200" w:firstLine="{2 * SIZE_BODY * 10}"/>'  # 2 characters of 3号
_NO_INDENT = '<w:ind w:left="0" w:right="0" w:firstLine="0"/>'


def _style(kind: str, sid: str, name: str, ppr: str, rpr: str, based: str = "Normal", extra: str = "") -> str:
    default = ' w:default="1"' if sid == "Normal" else ' w:customStyle="1"'
    base = f'<w:basedOn w:val="{based}"/>' if based and sid != "Normal" else ""
    ppr = f"<w:pPr>{ppr}</w:pPr>" if ppr else ""
    return (f'<w:style {_NS} w:type="{kind}"{default} w:styleId="{sid}"><w:name w:val="{name}"/>{base}{extra}'
            f'<w:qFormat/>{ppr}<w:rPr>{rpr}</w:rPr></w:style>')


def _styles() -> list[str]:
    cell = f'<w:keepNext w:val="0"/>{_SINGLE}{_NO_INDENT}'
    return [
        _style("paragraph", "Normal", "Normal", f'<w:widowControl/>{_EXACT}<w:jc w:val="both"/>',
               _fonts(BODY_FONT) + _size(SIZE_BODY)),
        _style("paragraph", STYLE_TITLE, "公文标题",
               f'<w:keepNext/><w:spacing w:before="0" w:after="{LINE_PITCH}" w:line="{LINE_PITCH}" '
               'w:lineRule="exact"/><w:jc w:val="center"/><w:outlineLvl w:val="0"/>',
               _fonts(TITLE_FONT) + _size(SIZE_TITLE), extra=f'<w:next w:val="{STYLE_BODY}"/>'),
        _style("paragraph", STYLE_HEADING, "一级标题", f'<w:keepNext/>{_INDENT}<w:outlineLvl w:val="1"/>',
               _fonts(HEADING_FONT) + _size(SIZE_BODY), extra=f'<w:next w:val="{STYLE_BODY}"/>'),
        _style("paragraph", STYLE_BODY, "公文正文", _INDENT, ""),
        _style("character", STYLE_SUBHEAD, "二级标题", "", _fonts(SUBHEAD_FONT), based=""),
        _style("paragraph", STYLE_CELL, "表格数字", f'{cell}<w:jc w:val="center"/>', _size(SIZE_TABLE)),
        _style("paragraph", STYLE_CELL_LABEL, "表格项目", f'{cell}<w:jc w:val="left"/>', _size(SIZE_TABLE)),
        _style("paragraph", STYLE_CELL_HEADER, "表格表头", f'{cell}<w:jc w:val="center"/>',
               _fonts(HEADING_FONT) + _size(SIZE_TABLE)),
        _style("paragraph", STYLE_PAGE_NUMBER, "页码", f'{_SINGLE}{_NO_INDENT}<w:jc w:val="center"/>',
               _fonts(PAGE_NUMBER_FONT, PAGE_NUMBER_FONT) + _size(SIZE_PAGE_NUMBER)),  # 半角宋体 digits
        _style("paragraph", STYLE_DRAFT, "草稿标记", f'{_SINGLE}{_NO_INDENT}<w:jc w:val="center"/>',
               _fonts(HEADING_FONT) + '<w:color w:val="C00000"/>' + _size(24)),
    ]


def _set_styles(word: docx.document.Document) -> None:
    styles = word.styles.element
    defaults = parse_xml(
        f"<w:docDefaults {_NS}><w:rPrDefault><w:rPr>{_fonts(BODY_FONT)}{_size(SIZE_BODY)}"
        '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
        f"<w:pPrDefault><w:pPr>{_SINGLE}</w:pPr></w:pPrDefault></w:docDefaults>")
    old = styles.find(f"{{{W}}}docDefaults")
    if old is not None:
        old.addprevious(defaults)
        styles.remove(old)
    mine = [parse_xml(s) for s in _styles()]
    ids = {s.get(f"{{{W}}}styleId") for s in mine}
    for s in styles.findall(f"{{{W}}}style"):
        if s.get(f"{{{W}}}styleId") in ids:
            styles.remove(s)
    for s in mine:
        styles.append(s)
    lang = word.settings.element.find(f"{{{W}}}themeFontLang")
    if lang is not None:
        lang.set(f"{{{W}}}eastAsia", "zh-CN")


def _set_page(word: docx.document.Document, draft: bool) -> None:
    section = word.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    # the page number's line sits about 7 mm below the text area (GB/T 9704 7.5): its 4号 line is ~6 mm
    # high and stands 25 mm above the page's foot, the text area ends 35 mm above it
    section.header_distance, section.footer_distance = Mm(15), Mm(25)
    section.gutter = Mm(0)
    # the page number "— n —" (GB/T 9704 7.5): odd pages on the right and even pages on the left, one
    # character in from the text area's edge; Word then keeps separate odd and even headers and footers
    word.settings.odd_and_even_pages_header_footer = True
    one_char = SIZE_PAGE_NUMBER * 10  # twips: one 4号 character
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        footer.is_linked_to_previous = False
        _fill(footer.paragraphs[0], STYLE_PAGE_NUMBER, _PAGE_NUMBER, f'<w:ind w:{side}="{one_char}"/><w:jc w:val="{side}"/>')
    if draft:  # on every page: odd, even and (no separate first-page header) the first
        for header in (section.header, section.even_page_header):
            header.is_linked_to_previous = False
            _fill(header.paragraphs[0], STYLE_DRAFT, _run(DRAFT_MARK))


_PAGE_NUMBER = ('<w:r><w:t xml:space="preserve">— </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
                '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
                '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> —</w:t></w:r>')


def _fill(paragraph: WordParagraph, style: str, runs: str, ppr: str = "") -> None:
    """Replace a header or footer paragraph's content with `runs` in `style` (and paragraph properties `ppr`)."""
    p = paragraph._p
    for child in list(p):
        p.remove(child)
    for child in parse_xml(f'<w:p {_NS}><w:pPr><w:pStyle w:val="{style}"/>{ppr}</w:pPr>{runs}</w:p>'):
        p.append(child)


def _trim_package(word: docx.document.Document) -> None:
    """Drop what python-docx's blank template carries but a report must not: its thumbnail picture
    (a stranger's page in file browsers), Word 2010's duplicate style sheet and a bibliography store."""
    package = word.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rid]
    drop = {STYLES_WITH_EFFECTS, RT.CUSTOM_XML}
    for rid, rel in list(word.part.rels.items()):
        if rel.reltype in drop:
            del word.part.rels[rid]
