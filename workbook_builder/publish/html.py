"""The report as HTML: a fragment for government CMS editors, and a standalone printable page.

Both are laid out by one builder (`_body`) from the document model; nothing here types a label or
decides a number's text. The standard library only (`html.escape`): jinja2 belongs to render/html.py.

The fragment is what a clerk pastes into the site's rich-text editor (UEditor, KindEditor, TinyMCE,
CKEditor behind TRS and similar CMSs). Those editors keep inline `style=""` and ordinary tags, but drop
`<style>` blocks, classes, ids and scripts, and the site's own CSS styles `p`, `h2` and `table` under the
article. So every element carries its whole look inline (inline styles beat the theme's selectors,
inheritance from the root `<div>` does not), and the fragment has one `<div>` root.

The title is a `<p>` in the fragment, not an `<h1>`: the CMS article already shows its own title field as
the page's `<h1>`, editors with a restricted format list (or their 自动排版/清除格式) remap or strip
`<h1>` while a `<p>` always survives, and the theme's `h1` rules (colour, borders, centring) would fight
the official 2号小标宋 look. The standalone page has no such title, so there it is the `<h1>`. Section
headings (一、…) are `<h2>`, which every editor keeps, so screen readers can jump between them.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

from .model import DRAFT_MARK, DocCell, DocTable, Document, Paragraph

# Latin letters and digits in Times New Roman, Chinese in the official face (GB/T 9704), as docx does
# with w:ascii/w:eastAsia: a browser takes each character from the first font in the list that has it.
FANGSONG = "'Times New Roman', 仿宋_GB2312, FangSong_GB2312, 仿宋, FangSong, STFangsong, serif"
HEITI = "'Times New Roman', 黑体, SimHei, STHeiti, 'Heiti SC', sans-serif"
KAITI = "'Times New Roman', 楷体_GB2312, KaiTi_GB2312, 楷体, KaiTi, STKaiti, serif"
XIAOBIAOSONG = "方正小标宋简体, 方正小标宋_GBK, FZXiaoBiaoSong-B05S, 华文中宋, STZhongsong, 宋体, SimSun, serif"

# 3号 = 16 pt body, 2号 = 22 pt title, 五号 = 10.5 pt in tables; fixed line pitch 28.9 pt (22 lines a page)
_RESET = "margin:0;padding:0;border:0;background:none;color:#000;letter-spacing:0;"
_TEXT = f"{_RESET}font-family:{FANGSONG};font-size:16pt;font-weight:normal;line-height:28.9pt;"
STYLE = {
    "root": f"{_RESET}font-family:{FANGSONG};font-size:16pt;line-height:28.9pt;max-width:100%;",
    "title": f"{_RESET}font-family:{XIAOBIAOSONG};font-size:22pt;font-weight:normal;line-height:36pt;"
             "text-align:center;text-wrap:balance;margin-bottom:28.9pt;",
    "draft": f"{_RESET}font-family:{HEITI};font-size:16pt;line-height:28.9pt;text-align:center;"
             "color:#c00000;border:2px solid #c00000;margin-bottom:14pt;",
    "heading": f"{_RESET}font-family:{HEITI};font-size:16pt;font-weight:normal;line-height:28.9pt;"
               "text-indent:2em;text-align:left;",
    "para": f"{_TEXT}text-indent:2em;text-align:justify;",
    "subhead": f"font-family:{KAITI};font-weight:normal;",
    "table": "padding:0;border:0;background:none;border-collapse:collapse;border-spacing:0;width:100%;table-layout:fixed;"
             "margin:7pt 0 14pt 0;page-break-inside:auto;",
    # the caption names the table for screen readers; the section heading above already shows it
    "caption": "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;"
               "margin:0;padding:0;border:0;",
    "cell": f"border:1px solid #000;padding:2pt 3pt;color:#000;background:none;font-family:{FANGSONG};"
            "font-size:10.5pt;line-height:1.35;vertical-align:middle;word-break:break-all;",
}
STYLE["header"] = STYLE["cell"] + "font-weight:normal;text-align:center;"
STYLE["label"] = STYLE["cell"] + "font-weight:normal;text-align:left;"
STYLE["value"] = STYLE["cell"] + "text-align:center;"
# a label over several rows sits in a narrow column, a character a line (（三）不予公开 stacked as printed);
# the usual rule keeping （三） together would push it out of its column
STYLE["stacked"] = STYLE["label"] + "line-break:anywhere;"
for _name, _style in STYLE.items():
    # written into double-quoted attributes unescaped: they are ours, and must stay attribute-safe
    assert not set(_style) & set('"<>&'), _name


def fragment(doc: Document) -> str:
    """The document as one `<div>` with inline styles only: what a CMS editor is given to paste."""
    return _body(doc, title_tag="p", draft_note=doc.draft)


def page(doc: Document) -> str:
    """The document as a standalone UTF-8 page: metadata, screen and print CSS (A4, GB/T 9704 margins,
    header rows repeated on every printed page, rows not split), and for a draft a banner on screen and on
    every printed page."""
    metas = "".join(
        f'<meta name="workbook-builder:{escape(key)}" content="{escape(str(doc.properties[key]))}">\n'
        for key in sorted(doc.properties)
    )
    banner = f'<div class="draft" role="note">{escape(DRAFT_MARK)}</div>\n' if doc.draft else ""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(doc.title)}</title>\n{metas}<style>\n{_page_css(doc.draft)}</style>\n</head>\n"
        f'<body>\n{banner}<main class="paper">\n{_body(doc, title_tag="h1", draft_note=False)}</main>\n'
        "</body>\n</html>\n"
    )


def _page_css(draft: bool) -> str:
    css = PAGE_CSS
    if draft:
        css += DRAFT_CSS.replace("MARK", DRAFT_MARK)
    return css


# Screen: a sheet of A4 paper. Print: the page box itself is the paper. `thead` repeats on every page
# (display: table-header-group, Chromium and Firefox both honour it); a row is never split across pages.
# `break-inside: avoid` sits on the cells, not on `tr`: Chromium then treats a row that starts a rowspan as
# unbreakable together with every row the span covers, and pushes all 22 rows of 三、本年度办理结果 to the
# next page, leaving most of a page blank; a cell spanning rows may break, like Word's.
PAGE_CSS = """\
html { background: #e8e8e8; }
body { margin: 0; padding: 16px 0; }
main.paper { box-sizing: border-box; width: 210mm; max-width: 100%; margin: 0 auto; padding: 37mm 26mm 35mm 28mm;
  background: #fff; box-shadow: 0 1px 6px rgba(0, 0, 0, .25); }
table { page-break-inside: auto; }
thead { display: table-header-group; }
td, th:not([rowspan]) { page-break-inside: avoid; break-inside: avoid; }
h1, h2 { page-break-after: avoid; break-after: avoid; }
@page { size: A4; margin: 37mm 26mm 35mm 28mm;
  @bottom-center { content: "— " counter(page) " —"; font-family: 'Times New Roman', serif; font-size: 14pt; } }
@media screen and (max-width: 210mm) {
  body { padding: 0; }
  main.paper { padding: 16px; box-shadow: none; }
}
@media print {
  html, body { background: none; margin: 0; padding: 0; }
  main.paper { width: auto; margin: 0; padding: 0; box-shadow: none; }
}
"""
# The draft mark: a banner at the top of the screen; in print, a faint diagonal mark fixed on the page
# (Chromium and Firefox repeat fixed elements on every printed page; faint so it covers no figure) and the
# page header (an @page margin box, Chromium 131+), as the docx carries it in every page header.
DRAFT_CSS = """\
div.draft { position: sticky; top: 0; z-index: 1; width: 210mm; max-width: 100%; margin: 0 auto 8px;
  box-sizing: border-box; padding: 6px; text-align: center; font: 16pt 黑体, SimHei, sans-serif; color: #c00000;
  background: #fff3f3; border: 2px solid #c00000; }
@page { @top-center { content: "MARK"; font: 14pt 黑体, SimHei, sans-serif; color: #c00000; } }
@media print {
  div.draft { position: fixed; top: 45%; left: 0; right: 0; width: auto; margin: 0; padding: 0; border: 0;
    background: none; font-size: 44pt; color: rgba(192, 0, 0, .16); transform: rotate(-30deg); z-index: 10; }
}
"""


def _title(doc: Document) -> str:
    """The title's parts (the unit's name, then the rest) as unbreakable runs: a long title breaks only
    after the unit's name, as published reports do, never inside a word."""
    parts = doc.title_parts or (doc.title,)
    if len(parts) == 1:
        return escape(parts[0])
    return "".join(f'<span style="display:inline-block;">{escape(part)}</span>' for part in parts)


def _body(doc: Document, title_tag: str, draft_note: bool) -> str:
    """The content both formats share: the root `<div>` with the title, sections, prose and tables."""
    out = [f'<div style="{STYLE["root"]}">\n']
    if draft_note:
        out.append(f'<p style="{STYLE["draft"]}">{escape(DRAFT_MARK)}</p>\n')
    out.append(f'<{title_tag} style="{STYLE["title"]}">{_title(doc)}</{title_tag}>\n')
    out.extend(_paragraph(p) for p in doc.preamble)
    for section in doc.sections:
        out.append(f'<h2 style="{STYLE["heading"]}">{escape(section.heading)}</h2>\n')
        out.extend(_paragraph(p) for p in section.paragraphs)
        out.extend(_table(t) for t in section.tables)
    out.append("</div>\n")
    return "".join(out)


def _paragraph(p: Paragraph) -> str:
    subhead = f'<span style="{STYLE["subhead"]}">{escape(p.subhead)}</span>' if p.subhead else ""
    return f'<p style="{STYLE["para"]}">{subhead}{escape(p.text)}</p>\n'


def _table(table: DocTable) -> str:
    out = [f'<table style="{STYLE["table"]}">\n<caption style="{STYLE["caption"]}">{escape(table.caption)}</caption>\n',
           "<colgroup>", *(f'<col style="width:{w * 100:.2f}%">' for w in table.widths), "</colgroup>\n"]
    rows = table.rows()
    if table.header_rows:
        out.append("<thead>\n")
        out.extend(_row(r) for r in rows[:table.header_rows])
        out.append("</thead>\n")
    for band in _bands(rows[table.header_rows:]):
        out.append("<tbody>\n")
        out.extend(_row(r) for r in band)
        out.append("</tbody>\n")
    out.append("</table>\n")
    return "".join(out)


def _bands(rows: list[list[DocCell]]) -> Iterator[list[list[DocCell]]]:
    """Rows grouped into bands: a band starts at a header row after a row that is not (table 二's four
    blocks, each with its own headers); a table with its headers in `thead` is one band."""
    band: list[list[DocCell]] = []
    for row in rows:
        if band and _is_header(row) and not _is_header(band[-1]):
            yield band
            band = []
        band.append(row)
    if band:
        yield band


def _is_header(row: list[DocCell]) -> bool:
    return bool(row) and all(c.kind == "header" for c in row)


def _row(row: list[DocCell]) -> str:
    # a cell a line: a golden file's diff then shows the one value that changed
    return "<tr>\n" + "".join(_cell(c) + "\n" for c in row) + "</tr>\n"


def _cell(cell: DocCell) -> str:
    span = (f' rowspan="{cell.row_span}"' if cell.row_span > 1 else "") + (
        f' colspan="{cell.col_span}"' if cell.col_span > 1 else "")
    text = escape(cell.text)
    if cell.kind == "value":
        return f'<td{span} style="{STYLE["value"]}">{text}</td>'
    if cell.kind == "header":
        scope = "colgroup" if cell.col_span > 1 else "col"
    else:
        scope = "rowgroup" if cell.row_span > 1 else "row"
    style = STYLE["stacked" if scope == "rowgroup" else cell.kind]
    return f'<th scope="{scope}"{span} style="{style}">{text}</th>'
