"""Plain tables as data, and how they are laid out on screen and paper: column widths, row heights,
and where a wide table breaks across printed pages. Pure: `build.writer.write_tables` writes them
(xlsxwriter lives only there).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from ..template.place import display_width

TABLE_MARGIN = 0.4  # inches, left and right, as write_tables prints
TABLE_MIN_WIDTH, TABLE_MAX_WIDTH = 6, 48  # in characters of the default font; wider text wraps
TABLE_LABEL_WIDTH = 8  # a data column's label under a shared header wraps here: the figures set the width
TABLE_LINE_HEIGHT = 15  # points per line of 11-point text
TABLE_MAX_LINES = 20  # a longer cell is cut on paper, not given a page of its own
A4_LANDSCAPE_POINTS = 842 - 2 * TABLE_MARGIN * 72  # the page's width inside the side margins


@dataclass(frozen=True)
class TableSheet:
    """One sheet of plain rows for `write_tables`.

    `headers` are the header rows, top first (the last one carries the autofilter). With several,
    an empty cell below a header names the same column (it is merged down: the lead columns of the
    detail table), and equal neighbours in the rows above the last, right of `frozen_cols`, are
    merged across (one table's row label over its columns). `frozen_cols` columns stay on screen
    when scrolling right. `flagged` (data row, column) cells are filled pink: a value left out as
    untrustworthy. Without `print_scale` a sheet prints one page wide; with it (a percentage), a wide
    table (the detail table: hundreds of columns) runs on across pages at that size, still
    readable, its first `print_cols` columns repeated on every page."""

    name: str
    headers: Sequence[Sequence[str]]
    rows: list[list[Any]]
    frozen_cols: int = 0
    flagged: Collection[tuple[int, int]] = ()
    print_scale: int | None = None
    print_cols: int = 0
    max_lines: int = TABLE_MAX_LINES  # a data row shows at most this many lines of wrapped text (the cell keeps it all)
    max_width: float = TABLE_MAX_WIDTH  # no column wider (characters); longer text wraps
    whole_cols: Collection[int] = ()  # columns always shown whole (up to `TABLE_MAX_LINES`), whatever `max_lines` says


def table_width(title: str, values: list[Any]) -> float:
    """A column's width from its widest line (a CJK character counts as two), between the bounds."""
    widest = max([display_width(title)] + [display_width(line) for v in values for line in str(v).split("\n")])
    return min(TABLE_MAX_WIDTH, max(TABLE_MIN_WIDTH, widest + 2))


def table_widths(sheet: TableSheet, heads: list[list[str]]) -> list[float]:
    """Each column's width from its content. Under several header rows, a data column is as wide as
    its figures, its label (the last header row) wrapping at `TABLE_LABEL_WIDTH`; a lead column (or
    any column named in the top row alone) is as wide as its name."""
    sample = sheet.rows[:200]
    out = []
    for c, title in enumerate(heads[0]):
        values = [r[c] for r in sample if c < len(r)]
        if len(heads) == 1 or c < sheet.frozen_cols or not any(h[c] for h in heads[1:]):
            out.append(table_width(title, values))  # named in the top row alone, as wide as the name
        else:
            label = heads[-1][c]
            out.append(max(table_width("", values), min(table_width(label, []), TABLE_LABEL_WIDTH)))
    return [min(w, sheet.max_width) for w in out]


def row_height(row: list[Any], widths: list[float], max_lines: int = TABLE_MAX_LINES,
               whole: Collection[int] = ()) -> float:
    """The height that shows every line of a row's wrapped text, within `max_lines`; a column in
    `whole` is shown up to `TABLE_MAX_LINES` however few `max_lines` allows the rest."""
    lines = 1
    for c, (value, width) in enumerate(zip(row, widths, strict=False)):
        usable = max(1.0, width - 2)
        wrapped = sum(max(1, math.ceil(display_width(line) / usable)) for line in str(value).split("\n"))
        if c in whole and wrapped > 1:  # the estimate is a guess at where the program wraps: a line to spare
            wrapped += 1
        lines = max(lines, min(wrapped, TABLE_MAX_LINES if c in whole else max_lines))
    return TABLE_LINE_HEIGHT * lines


def points(width: float) -> float:
    """A column's printed width in points at 100 %, as LibreOffice prints it: 7 points a character
    plus 5 (Excel's 7 pixels and 5 of padding, taken as points). Excel prints a quarter narrower, so
    its pages hold the same columns with room to spare; the estimate must never be short, or the
    program breaks a page early on its own, inside a group."""
    return width * 7 + 5


def page_breaks(sheet: TableSheet, groups: list[str], widths: list[float]) -> list[int]:
    """Where a wide table breaks across pages: before a group of columns under one top header (a form's
    row) that would not fit whole on the page, so a merged label is never cut in two. A group wider
    than a page breaks where it must. Estimated a little short of the page, so the spreadsheet never
    needs to break earlier itself."""
    scale = (sheet.print_scale or 100) / 100
    room = A4_LANDSCAPE_POINTS * 0.98 / scale - sum(points(w) for w in widths[:sheet.print_cols])
    breaks: list[int] = []
    used = sum(points(w) for w in widths[sheet.print_cols:sheet.frozen_cols])  # the first page's own lead
    c = sheet.frozen_cols
    while c < len(widths):
        end = c
        while end + 1 < len(widths) and groups[end + 1] == groups[c] and groups[c]:
            end += 1
        need = sum(points(w) for w in widths[c:end + 1])
        if used + need > room and used > 0:
            breaks.append(c)
            used = 0.0
        if need > room:  # alone wider than a page: as many columns as fit on each
            for col in range(c, end + 1):
                if used + points(widths[col]) > room and used > 0:
                    breaks.append(col)
                    used = 0.0
                used += points(widths[col])
        else:
            used += need
        c = end + 1
    return breaks
