"""Reading written HTML back: its tables as grids and its paragraphs as text, with the stdlib parser.

Independent of the HTML writer. Tables follow the HTML table model: each cell takes the first slot
of its row not covered by a rowspan from above, colspan/rowspan are clamped as browsers clamp
them, and a rowspan stops at the table's last row. Texts are what a browser shows: whitespace
runs are one space, `<br>` and block boundaries are line breaks, scripts and styles are not text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .readback_grid import MAX_COL_SPAN, MAX_COLS, MAX_ROW_SPAN, Grid, RawCell, clamp, make_grid

_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "ul",
})
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})
_SPACE = re.compile(r"[ \t\n\r\f]+")
_SOFT = object()  # a block boundary: a line break unless the line is still empty
_HARD = object()  # <br>: always a line break


def collapse(text: str) -> str:
    """Whitespace as a browser shows it: each run is one space, none at the ends."""
    return _SPACE.sub(" ", text).strip()


def _finish(parts: list[object]) -> list[str]:
    """Lines of text from text pieces and break marks; blank lines at the ends dropped."""
    lines: list[list[str]] = [[]]
    for part in parts:
        if part is _HARD or (part is _SOFT and collapse("".join(lines[-1]))):
            lines.append([])
        elif isinstance(part, str):
            lines[-1].append(part)
    texts = [collapse("".join(line)) for line in lines]
    while texts and not texts[-1]:
        texts.pop()
    while texts and not texts[0]:
        texts.pop(0)
    return texts


def _span(value: str | None, top: int) -> int:
    try:
        n = int((value or "1").strip())
    except ValueError:
        return 1
    return top if n == 0 else clamp(n, top)  # rowspan="0": to the end of the table


@dataclass
class _Table:
    rows: list[list[RawCell]] = field(default_factory=list)
    caption: list[object] = field(default_factory=list)
    cell: RawCell | None = None
    cell_parts: list[object] = field(default_factory=list)
    in_caption: bool = False


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[int, Grid]] = []  # (order of the opening tag, grid)
        self.opened = 0
        self.stack: list[tuple[int, _Table]] = []
        self.hidden = 0
        self.paragraphs: list[str] = []
        self.parts: list[object] = []

    # -- where text goes
    def _sink(self) -> list[object] | None:
        if self.hidden:
            return None
        if not self.stack:
            return self.parts
        table = self.stack[-1][1]
        if table.in_caption:
            return table.caption
        return table.cell_parts if table.cell is not None else None  # text between cells is not shown in them

    def _flush_paragraph(self) -> None:
        lines = _finish(self.parts)
        if lines:
            self.paragraphs.append("\n".join(lines))
        self.parts = []

    def _close_cell(self, table: _Table) -> None:
        if table.cell is not None:
            table.cell.text = "\n".join(_finish(table.cell_parts))
            table.cell = None
            table.cell_parts = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if tag == "body":  # a <head> left open ends here
            self.hidden = 0
        if self.hidden:
            return
        if tag == "table":
            if not self.stack:
                self._flush_paragraph()
            self.stack.append((self.opened, _Table()))
            self.opened += 1
            return
        if self.stack:
            table = self.stack[-1][1]
            if tag == "caption":
                self._close_cell(table)
                table.in_caption = True
                return
            if tag == "tr":
                self._close_cell(table)
                table.in_caption = False
                table.rows.append([])
                return
            if tag in ("td", "th"):
                self._close_cell(table)
                table.in_caption = False
                if not table.rows:
                    table.rows.append([])
                a = dict(attrs)
                table.cell = RawCell(len(table.rows) - 1, 0, "", _span(a.get("rowspan"), MAX_ROW_SPAN),
                                     _span(a.get("colspan"), MAX_COL_SPAN), tag == "th")
                table.rows[-1].append(table.cell)
                return
        sink = self._sink()
        if tag == "br":
            if sink is not None:
                sink.append(_HARD)
        elif tag in _BLOCK:
            if not self.stack:
                self._flush_paragraph()
            elif sink is not None:
                sink.append(_SOFT)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:  # <script/> opens nothing
            return
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
            return
        if self.hidden:
            return
        if tag == "table":
            if self.stack:
                order, table = self.stack.pop()
                self._close_cell(table)
                self.tables.append((order, _grid(table)))
            return
        if self.stack:
            table = self.stack[-1][1]
            if tag == "caption":
                table.in_caption = False
                return
            if tag in ("td", "th", "tr"):
                self._close_cell(table)
                return
        if tag in _BLOCK:
            if not self.stack:
                self._flush_paragraph()
            elif (sink := self._sink()) is not None:
                sink.append(_SOFT)

    def handle_data(self, data: str) -> None:
        sink = self._sink()
        if sink is not None:
            sink.append(data)

    def finish(self) -> None:
        """Close what the markup left open (an unclosed <script> hides nothing after the end)."""
        self.hidden = 0
        while self.stack:
            order, table = self.stack.pop()
            self._close_cell(table)
            self.tables.append((order, _grid(table)))
        self._flush_paragraph()


def _grid(table: _Table) -> Grid:
    """Place the rows' cells by the HTML table model (first slot not covered from above)."""
    n_rows = len(table.rows)
    taken: dict[int, int] = {}  # column → the last row a rowspan from above covers there
    for r, row in enumerate(table.rows):
        col = 0
        for cell in row:
            while taken.get(col, -1) >= r:
                col += 1
            cell.row, cell.col = r, col
            if col >= MAX_COLS:
                break
            bottom = r + min(cell.row_span, n_rows - r) - 1
            for c in range(col, min(col + cell.col_span, MAX_COLS)):
                taken[c] = max(taken.get(c, -1), bottom)
            col += cell.col_span
    raw = [cell for row in table.rows for cell in row if cell.col < MAX_COLS]
    return make_grid(raw, n_rows, "\n".join(_finish(table.caption)), "html")


def read_html(text: str | bytes) -> tuple[list[Grid], list[str]]:
    """The tables (in the order they open) and the paragraph texts outside tables, from one parse."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    reader = _Reader()
    try:
        reader.feed(text)
        reader.close()
    except (AssertionError, ValueError, RecursionError):  # what html.parser may raise on broken markup
        pass
    reader.finish()
    return [grid for _, grid in sorted(reader.tables, key=lambda t: t[0])], reader.paragraphs


def read_html_tables(text: str) -> list[Grid]:
    """Every table of an HTML page or fragment, in document order, as a grid (its caption kept)."""
    return read_html(text)[0]


def read_html_text(text: str) -> list[str]:
    """The paragraph texts outside tables (title, headings, prose), in order, as a browser shows them."""
    return read_html(text)[1]
