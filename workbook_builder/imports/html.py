"""Web pages of published reports, as government CMSs emit them, read with lxml (the only lxml user).

The bytes are decoded here, not by lxml: a BOM, else the `<meta>` charset (GBK/GB2312/GB18030 are read
as GB18030, their superset), else UTF-8, else GB18030, each strictly (a meta that lies is common: the
next candidate is tried). The parser fetches nothing (`no_network`), keeps no comments, and
`huge_tree` stays off. Scripts, styles, templates and anything hidden inline (`display:none`,
`visibility:hidden`, a clip to nothing, the `hidden` attribute) are dropped: a reader of the page never sees them.

Outside tables, block elements (p, div, h1–h6, li …) make paragraphs and `<br>` a line break inside
one. Each `<table>` becomes a grid with rowspan/colspan resolved as browsers do; a cell's text is its
paragraphs and line breaks joined by "\\n", non-breaking and ideographic spaces made spaces. A table
nested in a cell is a table of its own, not text of the cell; a table that holds another table, or has
one column, is page layout (a CMS wrapping the article, or menu | article): its cells read as the page
around them, paragraphs and tables in order. Menus and footers stay: the matcher finds the report
among them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import lxml.etree

from ..findings import Code
from .limits import MAX_CELLS, MAX_DEPTH, MAX_SPAN
from .source import Block, GridCell, Para, ReadProblem, Source, Table, Where
from .text import decode

_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title", "iframe", "object", "embed",
                   "svg", "math", "select", "option", "button", "input", "textarea", "map", "audio", "video"})
_BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
                     "section", "article", "header", "footer", "nav", "main", "aside", "blockquote", "pre",
                     "address", "figure", "figcaption", "center", "form", "fieldset", "legend", "hr",
                     "details", "summary", "caption", "tr", "td", "th", "body", "html"})
_SECTIONS = frozenset({"thead", "tbody", "tfoot"})
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w-]+)""", re.I)
_GB = frozenset({"gbk", "gb2312", "gb18030", "x-gbk", "cp936", "gb_2312-80", "euc-cn"})
# inline CSS that keeps an element off the page; clip:rect(0 0 0 0) is the "screen readers only" idiom
# (our own published pages hide table captions that repeat the heading above them this way)
_HIDDEN_STYLE = re.compile(r"display:none|visibility:hidden|clip:rect\(0(?:px)?,?0(?:px)?,?0(?:px)?,?0(?:px)?\)")
_SPACES = re.compile(r"[ \t\n\r\f\u00a0\u3000]+")
_PROLOG = re.compile(r"^\s*<\?xml[^>]*>")


def _decode(data: bytes) -> tuple[str, str]:
    """The page's text and its encoding (the charset its <meta> declares first: GBK and GB2312 as
    GB18030, their superset); ReadProblem(import-unsupported/encoding) when none fits."""
    found = _META_CHARSET.search(data[:8192])
    declared = found.group(1).decode("ascii", "ignore").lower() if found else ""
    return decode(data, "gb18030" if declared in _GB else ("big5" if declared == "big5" else None))


def _hidden(el: lxml.etree._Element) -> bool:
    if el.get("hidden") is not None:
        return True
    style = (el.get("style") or "").lower()
    if "display" not in style and "visibility" not in style and "clip" not in style:  # most cells: no regex
        return False
    return bool(_HIDDEN_STYLE.search(style.replace(" ", "")))


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


class _Flow:
    """Text in reading order: pieces gathered into a paragraph until a block boundary ends it."""

    def __init__(self, para: Callable[[str], None], table: Callable[[lxml.etree._Element], None]) -> None:
        self.buf: list[str] = []
        self.para = para
        self.table = table

    def text(self, s: str | None, pre: bool = False) -> None:
        if s:
            self.buf.append(s.replace("\n", "\x00") if pre else s)  # NUL: a line break that is kept

    def br(self) -> None:
        self.buf.append("\x00")

    def block(self) -> None:
        if not self.buf:
            return
        lines = [_clean(line) for line in "".join(self.buf).split("\x00")]
        self.buf = []
        while lines and not lines[-1]:
            lines.pop()
        while lines and not lines[0]:
            lines.pop(0)
        if lines:
            self.para("\n".join(lines))


def _walk(el: lxml.etree._Element, flow: _Flow, pre: bool = False) -> None:
    """`el`'s content into `flow` (depth is bounded by the caller: recursion is safe)."""
    flow.text(el.text, pre)
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else None  # libxml2 lower-cases HTML names
        if tag is None or tag in _SKIP or _hidden(child):
            pass  # a comment, a script, hidden content: only its tail is on the page
        elif tag == "table":
            flow.block()
            flow.table(child)
        elif tag == "br":
            flow.br()
        else:
            block = tag in _BLOCKS
            if block:
                flow.block()
            _walk(child, flow, pre or tag == "pre")
            if block:
                flow.block()
        flow.text(child.tail, pre)


def _rows(table: lxml.etree._Element) -> list[lxml.etree._Element]:
    rows = []
    for child in table:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "tr" and not _hidden(child):
            rows.append(child)
        elif tag in _SECTIONS and not _hidden(child):
            rows.extend(tr for tr in child if tr.tag == "tr" and not _hidden(tr))
    return rows


def _cells(tr: lxml.etree._Element) -> list[lxml.etree._Element]:
    return [c for c in tr if c.tag in ("td", "th") and not _hidden(c)]


_LEADING_DIGITS = re.compile(r"\s*(\d+)")


def _span(value: str | None) -> int:
    """A rowspan/colspan as browsers read it: leading digits, at least 1, clamped to MAX_SPAN."""
    if value is None:
        return 1
    found = _LEADING_DIGITS.match(value)
    n = int(found.group(1)[:7]) if found else 1
    return max(1, min(n, MAX_SPAN))


def _layout(table: lxml.etree._Element, rows: list[lxml.etree._Element]) -> bool:
    """Whether a table only lays out the page: one column (a CMS wrapping the article), or cells that
    hold another table (menu | article, the article holding the report's tables). A report's own
    tables have several columns and never nest tables."""
    if all(len(_cells(tr)) <= 1 for tr in rows):
        return True
    return next(table.iterdescendants("table"), None) is not None


class _Reader:
    """One page: blocks in reading order, tables numbered as they are emitted, one cell budget."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.tables = 0
        self.slots = 0

    def para(self, text: str) -> None:
        self.blocks.append(Para(text, Where()))

    def table(self, el: lxml.etree._Element) -> None:
        rows = _rows(el)
        caption = next((c for c in el if c.tag == "caption"), None)
        if caption is not None and not _hidden(caption):
            self.flow_into(caption)
        if not rows:
            return  # nothing on the page
        if _layout(el, rows):
            for tr in rows:
                for td in _cells(tr):
                    self.flow_into(td)
            return
        nested: list[lxml.etree._Element] = []
        self.tables += 1
        self.blocks.append(self._grid(rows, nested, self.tables))
        for inner in nested:
            self.table(inner)

    def flow_into(self, el: lxml.etree._Element) -> None:
        flow = _Flow(self.para, self.table)
        _walk(el, flow)
        flow.block()

    def _grid(self, rows: list[lxml.etree._Element], nested: list[lxml.etree._Element], number: int) -> Table:
        taken: set[tuple[int, int]] = set()
        cells: list[GridCell] = []
        n_cols = 0
        for r, tr in enumerate(rows):
            c = 0
            for td in _cells(tr):
                while (r, c) in taken:
                    c += 1
                col_span = _span(td.get("colspan"))
                rowspan = td.get("rowspan")
                row_span = len(rows) - r if rowspan is not None and rowspan.strip() == "0" else _span(rowspan)
                row_span = min(row_span, len(rows) - r)  # a rowspan past the table's end stops there
                self.slots += row_span * col_span
                if self.slots > MAX_CELLS:
                    raise ReadProblem(Code.IMPORT_LIMIT, "cells", limit=MAX_CELLS)
                lines: list[str] = []
                flow = _Flow(lines.append, nested.append)
                _walk(td, flow)
                flow.block()
                cells.append(GridCell("\n".join(lines), r, c, row_span, col_span))
                if row_span > 1:  # this row's own slots are never looked up again: c only moves right
                    taken.update((r + i, c + j) for i in range(1, row_span) for j in range(col_span))
                c += col_span
                n_cols = max(n_cols, c)
        # the rectangle too: a consumer that lays the grid out pays rows × columns, not the cells
        self.slots += max(0, len(rows) * n_cols - sum(c.row_span * c.col_span for c in cells))
        if self.slots > MAX_CELLS:
            raise ReadProblem(Code.IMPORT_LIMIT, "cells", limit=MAX_CELLS)
        return Table(tuple(cells), len(rows), n_cols, Where(table=number))


def _depth_ok(root: lxml.etree._Element) -> None:
    """Refuse absurd nesting before any recursive walk (iterwalk is iterative, in C)."""
    depth = 0
    for event, _ in lxml.etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_DEPTH:
            raise ReadProblem(Code.IMPORT_LIMIT, "nesting", limit=MAX_DEPTH)


def read_html(data: bytes) -> Source:
    """A web page as paragraphs and table grids in reading order."""
    text, encoding = _decode(data)
    text = _PROLOG.sub("", text, count=1)  # lxml refuses a str that declares its own encoding
    # lxml.etree's HTML parser, not lxml.html's: plain elements, without a Python class lookup for each
    parser = lxml.etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False,
                                   recover=True, default_doctype=False)
    try:
        root = lxml.etree.fromstring(text, parser=parser)
    except (lxml.etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:  # no markup and no text at all
        return Source("html", (), encoding=encoding)
    _depth_ok(root)
    reader = _Reader()
    body = root.find("body")
    reader.flow_into(body if body is not None else root)
    return Source("html", numbered(reader.blocks), encoding=encoding)


def numbered(blocks: list[Block]) -> tuple[Block, ...]:
    """Paragraphs numbered 1, 2, … in reading order (`Where.line`: the n-th line of text as read)."""
    out: list[Block] = []
    n = 0
    for block in blocks:
        if isinstance(block, Para):
            n += 1
            block = Para(block.text, Where(line=n))
        out.append(block)
    return tuple(out)
