"""A table as read back from a written document: a rectangle of slots, each covered by one cell.

Both readers (docx, HTML) reduce what they find to raw cells in reading order — a row index, a
start column, the text, and the spans they recovered — and `make_grid` lays them into the same
`Grid`, so the comparison never needs to know which format a table came from. Nothing here knows
the document model: a `Grid` is only what the written file says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Spans are clamped the way browsers clamp them (HTML: colspan ≤ 1000, rowspan ≤ 65534): a
# broken or hostile file cannot make the grid, and so memory, grow without bound.
MAX_COL_SPAN = 1000
MAX_ROW_SPAN = 65534
MAX_COLS = 2000  # cells starting further right are left out


@dataclass(frozen=True)
class GridCell:
    """One cell at its top-left slot; `row_span`/`col_span` are the merge it covers."""

    row: int
    col: int
    text: str
    row_span: int = 1
    col_span: int = 1
    header: bool = False  # HTML <th>, or a docx row marked to repeat as a header


@dataclass(frozen=True)
class Grid:
    """A table as read back: its cells (top-left of each merge, in reading order) and its size."""

    cells: tuple[GridCell, ...]
    n_rows: int
    n_cols: int
    caption: str = ""
    source: str = ""  # "docx" or "html": how its texts were normalised
    _slots: dict[tuple[int, int], GridCell] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.row_span):
                for c in range(cell.col, cell.col + cell.col_span):
                    # overlapping merges (an HTML table model error): the earlier cell keeps the slot,
                    # as browsers paint it
                    self._slots.setdefault((r, c), cell)

    def at(self, row: int, col: int) -> GridCell | None:
        """The cell covering slot (row, col), its merge's top-left or not; None for a hole."""
        return self._slots.get((row, col))

    def anchor(self, row: int, col: int) -> GridCell | None:
        """The cell whose top-left slot is (row, col), if one starts there."""
        cell = self._slots.get((row, col))
        return cell if cell is not None and (cell.row, cell.col) == (row, col) else None

    def rows(self) -> list[list[GridCell]]:
        """Cells grouped by the row they start in, left to right."""
        out: list[list[GridCell]] = [[] for _ in range(self.n_rows)]
        for cell in sorted(self.cells, key=lambda c: (c.row, c.col)):
            if cell.row < self.n_rows:
                out[cell.row].append(cell)
        return out

    def texts(self) -> list[list[str | None]]:
        """Every slot's text, the merge's text repeated over it (tests read tables this way)."""
        return [[(cell.text if (cell := self.at(r, c)) else None) for c in range(self.n_cols)]
                for r in range(self.n_rows)]


@dataclass
class RawCell:
    """A cell as a reader meets it, before its place in the grid is settled."""

    row: int
    col: int
    text: str
    row_span: int = 1
    col_span: int = 1
    header: bool = False


def clamp(value: int, top: int) -> int:
    return max(1, min(value, top))


def make_grid(raw: list[RawCell], n_rows: int, caption: str = "", source: str = "") -> Grid:
    """The grid of placed raw cells; row spans stop at the table's last row (as HTML's do)."""
    cells = []
    for r in raw:
        if r.col >= MAX_COLS or r.row >= n_rows:
            continue
        rows = clamp(min(r.row_span, n_rows - r.row), MAX_ROW_SPAN)
        cols = clamp(r.col_span, MAX_COL_SPAN)
        cells.append(GridCell(r.row, r.col, r.text, rows, cols, r.header))
    n_cols = max((c.col + c.col_span for c in cells), default=0)
    return Grid(tuple(cells), n_rows, n_cols, caption, source)
