"""The layout model: where every cell of a built workbook goes, what it is, how it looks.

`arrange.build_layout` makes a `Layout` from a template (a pure function); the writer and the checker
both read the same one, so they cannot disagree about where a cell is. Rows and columns are 1-based
here; the writer converts for xlsxwriter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..ooxml.refs import a1, a1_range, quote_sheet
from ..spec import formula_text
from ..spec.model import InputSpec, TemplateSpec

BALANCED, UNBALANCED = "平衡", "不平衡"
ALL_BALANCED, NOT_BALANCED = "全部平衡", "存在不平衡，请核对各表的勾稽校验行"
BLANKS_LEFT = "尚有未填写的黄色单元格，请填写完整"
# A check row before its column has data: neutral, neither green nor pink.
NOT_FILLED = "未填写"
# A check row (or the cover) when an input it reads holds text, "/" or an error: Excel and
# LibreOffice would show #VALUE! in the check and the cover would stay green.
CHECK_INPUTS = "请检查"
NOT_NUMBERS = "有黄色单元格填写的不是数字，请检查"
NUMERIC_TYPES = ("whole", "decimal", "date")  # inputs a spreadsheet holds as numbers
LABEL_KINDS = ("title", "note", "header", "label")
PATH_SEPARATOR = " > "  # plain ASCII: a GBK console (Chinese Windows) cannot print "›"


@dataclass(frozen=True)
class Cell:
    sheet: str
    row: int
    col: int
    kind: str  # title · note · header · label · input · formula · check · summary
    text: str = ""
    datapoint: str = ""
    input: InputSpec | None = None
    formula: str = ""  # A1 syntax, no leading '='
    source: str = ""  # the template's formula over data point IDs
    label_path: tuple[str, ...] = ()
    last_row: int = 0  # merge extent; 0 when not merged
    last_col: int = 0
    wrap: bool = False
    height_lines: int = 0  # block-style text inputs: rows of text to show

    @cached_property
    def ref(self) -> str:
        """The cell as a finding names it: `'依申请公开'!B7`."""
        return f"{quote_sheet(self.sheet)}!{a1(self.row, self.col)}"

    @property
    def merged(self) -> bool:
        return bool(self.last_row or self.last_col)

    @cached_property
    def label(self) -> str:
        return PATH_SEPARATOR.join(self.label_path)

    @property
    def where(self) -> dict[str, Any]:
        """The fields that place a finding at this cell (`make(code, reason, **cell.where, …)`)."""
        return {"cell": self.ref, "datapoint": self.datapoint or None, "label": self.label or self.text or None}


@dataclass(frozen=True)
class SheetLayout:
    name: str
    cells: tuple[Cell, ...]
    widths: tuple[float, ...]  # per column, from column 1
    heights: Mapping[int, float]
    freeze: tuple[int, int] | None  # first unfrozen (row, col)
    repeat_rows: tuple[int, int] | None
    landscape: bool
    last_row: int
    last_col: int


@dataclass(frozen=True)
class Layout:
    spec: TemplateSpec
    sheets: tuple[SheetLayout, ...]
    by_id: Mapping[str, Cell] = field(repr=False)
    order: tuple[str, ...] = field(repr=False)  # formula cells in dependency order

    @property
    def properties(self) -> dict[str, str]:
        """The custom document properties that identify a workbook as ours."""
        return {
            "template_id": self.spec.id,
            "template_version": self.spec.version,
            "template_fingerprint": self.spec.fingerprint,
        }

    @cached_property
    def defined_names(self) -> tuple[tuple[str, str], ...]:
        return tuple(
            (dp.replace(".", "_"), f"{quote_sheet(c.sheet)}!{a1(c.row, c.col, absolute=True)}")
            for dp, c in self.by_id.items()
        )

    @cached_property
    def inputs(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.by_id.values() if c.kind == "input")

    @cached_property
    def formulas(self) -> tuple[Cell, ...]:
        return tuple(self.by_id[dp] for dp in self.order)

    def sheet(self, name: str) -> SheetLayout:
        return next(s for s in self.sheets if s.name == name)

    @cached_property
    def _positions(self) -> dict[tuple[str, int, int], str]:
        return {(c.sheet, c.row, c.col): dp for dp, c in self.by_id.items()}

    def grid(self, first: str, last: str | None) -> tuple[tuple[str, ...], ...]:
        """The data points a reference covers, as rows of IDs ('' where a cell holds no data point)."""
        a = self.by_id[formula_text.strip_prior(first)]
        b = self.by_id[formula_text.strip_prior(last)] if last else a
        rows = range(min(a.row, b.row), max(a.row, b.row) + 1)
        cols = range(min(a.col, b.col), max(a.col, b.col) + 1)
        return tuple(tuple(self._positions.get((a.sheet, r, c), "") for c in cols) for r in rows)

    def reference(self, first: str, last: str | None, from_sheet: str) -> str:
        """A1 text for an ID or an ID range, sheet-qualified when it is on another sheet."""
        a = self.by_id[first]
        b = self.by_id[last] if last else a
        text = a1_range(a.row, a.col, b.row, b.col) if last else a1(a.row, a.col)
        return text if a.sheet == from_sheet else f"{quote_sheet(a.sheet)}!{text}"


def rectangles(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Cover boxes (r1, c1, r2, c2) with few rectangles: runs along each row, then equal runs down."""
    runs: list[list[int]] = []
    for r1, c1, r2, c2 in sorted(boxes):
        last = runs[-1] if runs else None
        if last and last[0] == r1 and last[2] == r2 and last[3] + 1 == c1:
            last[3] = c2
        else:
            runs.append([r1, c1, r2, c2])
    merged: list[list[int]] = []
    for run in runs:
        above = next((m for m in merged if m[1] == run[1] and m[3] == run[3] and m[2] + 1 == run[0]), None)
        if above:
            above[2] = run[2]
        else:
            merged.append(run)
    return [(m[0], m[1], m[2], m[3]) for m in merged]
