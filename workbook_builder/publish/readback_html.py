"""Reading written HTML back: its tables as grids and its paragraphs as text, with the stdlib parser.

Independent of the HTML writer. Tables follow the HTML table model: each cell takes the first slot
of its row not covered by a rowspan from above, colspan/rowspan are clamped as browsers clamp
them, and a rowspan stops at the table's last row. Texts are what a browser shows: whitespace
runs are one space, `<br>` and block boundaries are line breaks, scripts and styles are not text.

Text a browser does not show is not read as printed: inside an element with the `hidden` attribute
(unless its inline style sets another display), or an inline style of `display:none`, `opacity:0`,
`content-visibility:hidden`, `visibility:hidden`/`collapse` (a descendant's `visibility:visible`
shows again) or a zero font size (`font-size:0`, or `font:0/0 …`; a descendant's absolute size shows
again, a relative one does not). Only inline `style` attributes are read: a `<style>` block (the
standalone page has one, for print) or a stylesheet is NOT applied, so the page's own CSS must not
hide text (it does not; the fragment has inline styles only).
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


@dataclass(frozen=True)
class _Shown:
    """What an element's inline style (and the styles around it) say about showing its text."""

    gone: bool = False  # display:none and the like: nothing inside shows, whatever it says
    invisible: bool = False  # visibility:hidden: inherited, undone by visibility:visible
    zero: bool = False  # a zero font size: inherited, undone by an absolute size

    @property
    def hidden(self) -> bool:
        return self.gone or self.invisible or self.zero


SHOWN = _Shown()
_NUMBER = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))([a-z%]*)$")
_RELATIVE = frozenset({"em", "%", "ex", "ch", "cap", "ic", "lh"})
_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def _declarations(style: str) -> dict[str, str]:
    """An inline style's declarations, property → value, lower case, `!important` dropped."""
    out: dict[str, str] = {}
    for decl in _COMMENT.sub("", style).split(";"):
        name, colon, value = decl.partition(":")
        if colon:
            out[name.strip().lower()] = value.lower().replace("!important", "").strip()
    return out


def _zero_size(value: str, parent: bool) -> bool:
    """Whether a font size (`font-size`, or the size in a `font` shorthand) is zero."""
    size = value.split("/", 1)[0].strip()
    number = _NUMBER.match(size)
    if number is None:  # keywords (medium, small…), calc(): a size of their own; inherit: the parent's
        return parent if size in ("inherit", "unset", "smaller", "larger") else False
    if float(number.group(1)) <= 0:
        return True
    return parent if number.group(2) in _RELATIVE else False


def _font_size(font: str) -> str | None:
    """The size in a `font` shorthand (`bold 0/0 a` → `0/0`), or None."""
    for token in font.split():
        if _NUMBER.match(token.split("/", 1)[0]):
            return token
    return None


def shown(parent: _Shown, attrs: list[tuple[str, str | None]]) -> _Shown:
    """An element's showing state, from its parent's and its own attributes."""
    a = dict(attrs)
    style = a.get("style")
    if style is None and "hidden" not in a:
        return parent
    css = _declarations(style or "")
    display = css.get("display")
    opacity = _NUMBER.match(css.get("opacity", "1"))
    gone = (parent.gone or display == "none" or ("hidden" in a and display in (None, "none"))
            or (opacity is not None and float(opacity.group(1)) <= 0)
            or css.get("content-visibility") == "hidden")
    visibility = css.get("visibility")
    invisible = parent.invisible if visibility not in ("hidden", "collapse", "visible") else visibility != "visible"
    size = css.get("font-size") or _font_size(css.get("font", ""))
    zero = parent.zero if size is None else _zero_size(size, parent.zero)
    return _Shown(gone, invisible, zero)


# The open elements are tracked only to know which styles apply to a text, approximating the HTML
# parser's implied end tags: element → (the open elements it closes, where the search for them stops)
_TABLE = frozenset({"table"})
_IN_CELL = frozenset({"table", "td", "th", "caption"})
_IMPLIED = {"td": (frozenset({"td", "th"}), _TABLE), "th": (frozenset({"td", "th"}), _TABLE),
            "tr": (frozenset({"tr"}), _TABLE), "caption": (frozenset({"caption"}), _TABLE),
            "li": (frozenset({"li"}), _IN_CELL | {"ul", "ol"})}
_P = (frozenset({"p"}), _IN_CELL)  # a block (or a table) opening closes an open <p>


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
        self.open: list[tuple[str, _Shown]] = []  # open elements and what their styles show

    @property
    def shown(self) -> _Shown:
        return self.open[-1][1] if self.open else SHOWN

    # -- which elements are open
    def _close(self, tags: frozenset[str], scope: frozenset[str]) -> None:
        """Close the nearest open element of `tags` and what it holds; none past one of `scope`."""
        for i in range(len(self.open) - 1, -1, -1):
            tag = self.open[i][0]
            if tag in tags:
                del self.open[i:]
                return
            if tag in scope:
                return

    def _open(self, tag: str, attrs: list[tuple[str, str | None]]) -> _Shown:
        """Note an element opening (closing what it implies closed); its showing state."""
        if tag == "tr":  # a row closes the cell before it, then the row (tbody and tr may be left implied)
            self._close(*_IMPLIED["td"])
        if tag in _IMPLIED:
            self._close(*_IMPLIED[tag])
        if tag in _BLOCK or tag == "table":
            self._close(*_P)
        state = shown(self.shown, attrs)
        if tag not in _VOID:
            self.open.append((tag, state))
        return state

    def _end(self, tag: str) -> None:
        """Note an end tag: it closes its element (an end tag with none open is ignored, as browsers do)."""
        self._close(frozenset({tag}), frozenset() if tag == "table" else (_TABLE if tag in _IMPLIED else _IN_CELL))

    # -- where text goes
    def _sink(self) -> list[object] | None:
        if self.hidden or self.shown.hidden:
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
        state = self._open(tag, attrs)
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
            if sink is not None and not state.hidden:
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
        self._end(tag)
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
