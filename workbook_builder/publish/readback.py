"""Self-verification: read a written document back and compare it with the values it must print.

The readers (`readback_docx`, `readback_html`) turn a written file into `Grid`s and paragraph texts
without sharing code with the writers. `compare` then finds every data point BY LABEL: for each
value cell of a grid it composes the cell's label path from the grid's own texts — the band title
over the whole table, the row labels to its left, the nearest header rows above it — and looks
that path up among the template's official label paths (`DocCell.label`). Moving a number under
another label, or a label over another number, therefore shows; a row moved with its label does
not change what is printed against which label, but its label then stands where the template puts
another one, and that shows too.

Findings are `publish-roundtrip-mismatch`: `value` (a number or a paragraph reads differently),
`missing` (no cell or paragraph found for it), `label` (a header, label, caption, heading or title
reads differently from the template's, or a merge covers other cells than the template's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from ..findings import Finding, make
from .model import DocCell, DocTable, Document
from .readback_docx import read_docx, read_docx_tables, read_docx_text
from .readback_grid import Grid, GridCell
from .readback_html import collapse, read_html, read_html_tables, read_html_text

__all__ = [
    "Grid", "GridCell", "compare", "compare_text", "label_paths", "read_docx", "read_docx_tables", "read_docx_text",
    "read_html", "read_html_tables", "read_html_text", "verify_docx", "verify_html",
]

CODE = "publish-roundtrip-mismatch"
HTML_FORMATS = frozenset({"html", "fragment", "page"})
SEPARATOR = " > "

Norm = Callable[[str], str]


def _exact(text: str) -> str:
    return text


@lru_cache(maxsize=8192)
def _html_norm(text: str) -> str:
    """A text as a browser shows it (whitespace runs one space), line by line."""
    lines = [collapse(line) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class _Shape:
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


_SHAPES: dict[tuple[object, ...], _Shape] = {}


def _key(table: DocTable) -> tuple[object, ...]:
    return (table.n_rows, table.n_cols, *((c.row, c.col, c.kind, c.row_span, c.col_span,
                                           c.label if c.kind == "value" else c.text, c.datapoint)
                                          for c in table.cells))


def _model_grid(table: DocTable) -> Grid:
    return Grid(tuple(GridCell(c.row, c.col, c.text, c.row_span, c.col_span) for c in table.cells),
                table.n_rows, table.n_cols, table.caption)


def _shape(table: DocTable) -> _Shape:
    key = _key(table)
    shape = _SHAPES.get(key)
    if shape is None:
        if len(_SHAPES) > 64:
            _SHAPES.clear()
        shape = _SHAPES[key] = _cut(table)
    return shape


def _cut(table: DocTable) -> _Shape:
    anchors = {(c.row, c.col): c for c in table.cells}
    grid = _model_grid(table)
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
    return _Shape(anchors, frozenset(silent), by_path, tuple(unexplained))


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


def _locate(shape: _Shape, grid: Grid, norm: Norm) -> Iterator[tuple[GridCell, str, tuple[str, ...]]]:
    """(read cell, data point, label path) for every read value cell whose label path is one of
    the template's; a value cell under labels the template does not have is passed over."""
    lookup = shape.by_path if norm is _exact else shape.lookup(norm)
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
    for _, datapoint, path in _locate(_shape(table), grid or _model_grid(table), _html_norm if html else _exact):
        out.setdefault(datapoint, SEPARATOR.join(path))
    return out


def _finding(reason: str, format_name: str, datapoint: str | None, label: str | None, expected: str,
             actual: str | None) -> Finding:
    return make(CODE, reason, datapoint=datapoint or None, label=label or None, expected=expected, actual=actual,
                format=format_name)


def _spans(text: str, cell: DocCell | GridCell) -> str:
    return f"{text} ({cell.row_span}×{cell.col_span})"


def _structure(shape: _Shape, grid: Grid, format_name: str, norm: Norm) -> list[Finding]:
    """The template's headers and labels where the template puts them, with its merges; and no
    text where the template has no cell."""
    out: list[Finding] = []
    for pos, model in shape.anchors.items():
        read = grid.anchor(*pos)
        datapoint, label = (model.datapoint, model.label) if model.kind == "value" else ("", model.text)
        if read is None:
            if model.kind != "value":  # a value cell not found is reported as missing
                covering = grid.at(*pos)
                out.append(_finding("label", format_name, datapoint, label, model.text,
                                    covering.text if covering else ""))
        elif model.kind != "value" and norm(read.text) != norm(model.text):
            out.append(_finding("label", format_name, datapoint, label, model.text, read.text))
        elif (read.row_span, read.col_span) != (model.row_span, model.col_span):
            shown = model.text if model.kind != "value" else model.label
            out.append(_finding("label", format_name, datapoint, label, _spans(shown, model), _spans(read.text, read)))
    for read in grid.cells:
        if (read.row, read.col) not in shape.anchors and norm(read.text):
            out.append(_finding("label", format_name, None, None, "", read.text))
    return out


def _compare_table(table: DocTable, grid: Grid | None, format_name: str, norm: Norm) -> list[Finding]:
    if grid is None:
        return [_finding("missing", format_name, c.datapoint, c.label, c.text, None) for c in table.value_cells]
    shape = _shape(table)
    out: list[Finding] = []
    if grid.caption and norm(grid.caption) != norm(table.caption):
        out.append(_finding("label", format_name, None, table.caption, table.caption, grid.caption))
    out += _structure(shape, grid, format_name, norm)
    values = {c.datapoint: c for c in table.value_cells}
    found: set[str] = set()
    for read, datapoint, _ in _locate(shape, grid, norm):
        want = values[datapoint]
        if norm(read.text) != norm(want.text):
            out.append(_finding("value", format_name, datapoint, want.label, want.text, read.text))
        found.add(datapoint)
    out += [_finding("missing", format_name, c.datapoint, c.label, c.text, None)
            for c in table.value_cells if c.datapoint not in found]
    return out


def _expected_paragraphs(doc: Document) -> list[tuple[str, str, str]]:
    """(text, kind, data point) of every paragraph outside tables, in order: title, preamble, each
    section's heading and its prose (or the stand-in an empty section prints)."""
    out = [(doc.title, "title", "")]
    out += [(p.full, "prose", "") for p in doc.preamble]
    for section in doc.sections:
        out.append((section.heading, "heading", ""))
        out += [(p.full, "prose", section.datapoint) for p in section.paragraphs]
    return out


def compare_text(doc: Document, paragraphs: Sequence[str], format_name: str, html: bool | None = None) -> list[Finding]:
    """Findings for the title, headings and prose read back (`read_docx_text`/`read_html_text`).

    Paragraphs are aligned in order; paragraphs the model does not have (a draft banner) are
    passed over. A heading or title that reads differently is a `label` finding, a prose paragraph
    a `value` finding on its section's data point; one not found at all is `missing`.
    """
    norm = _html_norm if (format_name.lower() in HTML_FORMATS if html is None else html) else _exact
    expected = _expected_paragraphs(doc)
    a = [norm(text) for text, _, _ in expected]
    b = [norm(text) for text in paragraphs]
    out: list[Finding] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("equal", "insert"):
            continue
        for k in range(i1, i2):
            j = j1 + (k - i1)
            actual = paragraphs[j] if tag == "replace" and j < j2 else None
            text, kind, dp = expected[k]
            reason = "missing" if actual is None else ("value" if kind == "prose" else "label")
            out.append(_finding(reason, format_name, dp, text if kind != "prose" else None, text, actual))
    return out


def _pair(tables: Sequence[DocTable], grids: Sequence[Grid], norm: Norm) -> list[Grid | None]:
    """The grid read back for each table: the one with its caption, else the one in its place
    (unless that one is captioned as another table); a table that is gone has None."""
    captions = {norm(t.caption) for t in tables}
    used: set[int] = set()
    out: list[Grid | None] = []
    for i, table in enumerate(tables):
        pick = next((j for j, g in enumerate(grids) if j not in used and g.caption
                     and norm(g.caption) == norm(table.caption)), None)
        if pick is None and i < len(grids) and i not in used and norm(grids[i].caption) not in captions:
            pick = i
        if pick is not None:
            used.add(pick)
        out.append(grids[pick] if pick is not None else None)
    return out


def compare(doc: Document, grids: list[Grid], format_name: str,
            paragraphs: Sequence[str] | None = None) -> list[Finding]:
    """`publish-roundtrip-mismatch` findings: each table of `doc` (in order) against the grid read
    back in its place, every data point located by its label path; with `paragraphs`, the title,
    headings and prose too. Empty when everything printed is what the model says."""
    html = format_name.lower() in HTML_FORMATS or any(g.source == "html" for g in grids)
    norm = _html_norm if html else _exact
    out: list[Finding] = []
    for table, grid in zip(doc.tables, _pair(doc.tables, grids, norm), strict=True):
        out += _compare_table(table, grid, format_name, norm)
    if paragraphs is not None:
        out += compare_text(doc, paragraphs, format_name, html)
    return out


def verify_docx(doc: Document, data: bytes, format_name: str = "docx") -> list[Finding]:
    """Read a written .docx back and compare its tables and paragraphs with `doc`."""
    tables, paragraphs = read_docx(data)
    return compare(doc, tables, format_name, paragraphs)


def verify_html(doc: Document, text: str, format_name: str = "html") -> list[Finding]:
    """Read written HTML (a fragment or a page) back and compare its tables and paragraphs with `doc`."""
    tables, paragraphs = read_html(text)
    return compare(doc, tables, format_name, paragraphs)
