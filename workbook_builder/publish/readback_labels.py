"""Where each number of a read-back table is: its label path, composed from the table's own texts.

For a value cell of a grid: the band title over the whole table (table 二's 第二十条第（一）项), the
row labels to its left, then the nearest run of header rows above it within its band. The
template's own table, read the same way, says which header cells its official label paths leave
out (申请人情况 over table 三's columns), and maps every path to its data point. Which slots hold
headers, labels or values is the template's; the texts are the grid's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from .model import DocCell, DocTable
from .readback_grid import Grid, GridCell
from .readback_html import collapse

SEPARATOR = " > "

Norm = Callable[[str], str]


def exact(text: str) -> str:
    return text


@lru_cache(maxsize=8192)
def html_norm(text: str) -> str:
    """A text as a browser shows it (whitespace runs one space), line by line."""
    lines = [collapse(line) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Shape:
    """What a template table says about itself, computed once per table shape."""

    anchors: dict[tuple[int, int], DocCell]  # every cell by its top-left slot
    silent: frozenset[tuple[int, int]]  # header cells the template leaves out of label paths (申请人情况)
    by_path: dict[tuple[str, ...], str]  # label path → data point
    unexplained: tuple[str, ...]  # data points whose label path the grid cannot compose (a reader bug)
    _normed: dict[Norm, dict[tuple[str, ...], str]] = field(default_factory=dict, compare=False)

    def lookup(self, norm: Norm) -> dict[tuple[str, ...], str]:
        """`by_path` with its texts normalised as a format shows them."""
        if norm not in self._normed:
            self._normed[norm] = {tuple(norm(p) for p in k): dp for k, dp in self.by_path.items()}
        return self._normed[norm]


_SHAPES: dict[tuple[object, ...], Shape] = {}


def _key(table: DocTable) -> tuple[object, ...]:
    return (table.n_rows, table.n_cols, *((c.row, c.col, c.kind, c.row_span, c.col_span,
                                           c.label if c.kind == "value" else c.text, c.datapoint)
                                          for c in table.cells))


def model_grid(table: DocTable) -> Grid:
    """The template's table as a grid: what a perfect read-back gives."""
    return Grid(tuple(GridCell(c.row, c.col, c.text, c.row_span, c.col_span) for c in table.cells),
                table.n_rows, table.n_cols, table.caption)


def shape_of(table: DocTable) -> Shape:
    """The table's shape (cached: tables of one template share it whatever their values)."""
    key = _key(table)
    shape = _SHAPES.get(key)
    if shape is None:
        if len(_SHAPES) > 64:
            _SHAPES.clear()
        shape = _SHAPES[key] = _cut(table)
    return shape


def _cut(table: DocTable) -> Shape:
    anchors = {(c.row, c.col): c for c in table.cells}
    grid = model_grid(table)
    namer = _Namer(grid, _kinds(anchors))
    paths = {c.datapoint: namer.path(grid.anchor(c.row, c.col) or GridCell(c.row, c.col, ""))
             for c in table.value_cells}
    silent: set[tuple[int, int]] = set()
    for cell in table.value_cells:
        official = cell.label.split(SEPARATOR)
        j = 0
        for part in paths[cell.datapoint]:
            if j < len(official) and part.text == official[j]:
                j += 1
            else:
                silent.add((part.row, part.col))
    by_path: dict[tuple[str, ...], str] = {}
    unexplained = []
    for cell in table.value_cells:
        by_path[tuple(cell.label.split(SEPARATOR))] = cell.datapoint
        composed = tuple(p.text for p in paths[cell.datapoint] if (p.row, p.col) not in silent)
        if composed != tuple(cell.label.split(SEPARATOR)):
            # the template's path is not what the grid's geometry gives: still find the cell by the
            # labels around it (the model's own), and let the test that pins this fail loudly
            unexplained.append(cell.datapoint)
            by_path.setdefault(composed, cell.datapoint)
    return Shape(anchors, frozenset(silent), by_path, tuple(unexplained))


def _kinds(anchors: dict[tuple[int, int], DocCell]) -> Callable[[GridCell], str]:
    """A read cell's kind: the template's kind for a cell starting where a template cell starts."""
    def kind(cell: GridCell) -> str:
        found = anchors.get((cell.row, cell.col))
        return found.kind if found is not None else ""
    return kind


class _Namer:
    """The cells naming each cell of one grid: band titles (headers across the whole table), the row
    labels to its left, then the nearest run of header cells above it, top to bottom. Cells of one
    band share their header run, so it is found once per column and band."""

    def __init__(self, grid: Grid, kind: Callable[[GridCell], str]) -> None:
        self.grid, self.kind = grid, kind
        self._heads: dict[tuple[int, int], list[GridCell]] = {}
        self._labels: dict[int, list[GridCell]] = {}

    def path(self, cell: GridCell) -> list[GridCell]:
        heads = self.heads(cell.row, cell.col)
        titles = [h for h in heads if h.col == 0 and h.col_span >= self.grid.n_cols]
        labels = [c for c in self.labels(cell.row) if c.col < cell.col]
        return titles + labels + [h for h in heads if not any(h is t for t in titles)]

    def heads(self, row: int, col: int) -> list[GridCell]:
        """The header run nearest above slot (row, col); above a value or label cell it is that cell's."""
        grid, kind, memo = self.grid, self.kind, self._heads
        trail = []
        r, here = row - 1, row
        while True:
            if (here, col) in memo:
                found = memo[(here, col)]
                break
            trail.append(here)
            above = grid.at(r, col) if r >= 0 else None
            if above is None:
                if r < 0:
                    found = []
                    break
                here, r = r, r - 1  # a hole: look further up
                continue
            if kind(above) == "header":
                run = [above]
                r = above.row - 1
                while r >= 0 and (up := grid.at(r, col)) is not None and kind(up) == "header":
                    run.append(up)
                    r = up.row - 1
                found = run[::-1]
                break
            here, r = above.row, above.row - 1
        for t in trail:
            memo[(t, col)] = found
        return found

    def labels(self, row: int) -> list[GridCell]:
        """The label cells covering a row, left to right."""
        if row not in self._labels:
            out: list[GridCell] = []
            c = 0
            while c < self.grid.n_cols:
                left = self.grid.at(row, c)
                if left is None:
                    c += 1
                    continue
                if self.kind(left) == "label" and not (out and out[-1] is left):
                    out.append(left)
                c = left.col + left.col_span
            self._labels[row] = out
        return self._labels[row]


def locate(shape: Shape, grid: Grid, norm: Norm) -> Iterator[tuple[GridCell, str, tuple[str, ...]]]:
    """(read cell, data point, label path) for every read value cell whose label path is one of
    the template's; a value cell under labels the template does not have is passed over."""
    lookup = shape.by_path if norm is exact else shape.lookup(norm)
    namer = _Namer(grid, _kinds(shape.anchors))
    for cell in grid.cells:
        model = shape.anchors.get((cell.row, cell.col))
        if model is None or model.kind != "value":
            continue
        path = tuple(norm(p.text) for p in namer.path(cell) if (p.row, p.col) not in shape.silent)
        datapoint = lookup.get(path)
        if datapoint is not None:
            yield cell, datapoint, path


def label_paths(table: DocTable, grid: Grid | None = None, html: bool = False) -> dict[str, str]:
    """Each located data point → the label path composed for it from `grid`'s texts (the template's
    own table when no grid is given). Tests use it to see that every label path is the template's."""
    out: dict[str, str] = {}
    for _, datapoint, path in locate(shape_of(table), grid or model_grid(table), html_norm if html else exact):
        out.setdefault(datapoint, SEPARATOR.join(path))
    return out
