"""`TemplateSpec` → `Layout`: where every cell goes, what it is, how it looks, what it computes.

A pure function of the template. The writer and the checker both use it, so they cannot disagree
about where a cell is. Rows and columns are 1-based here; the writer converts for xlsxwriter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from ..ooxml.refs import a1, a1_range, quote_sheet
from ..spec import formula_text
from ..spec.ids import check_id, leaves, shown_rules, table_cells
from ..spec.model import Block, Field, HeaderNode, InputSpec, Rule, Sheet, TemplateSpec

BALANCED, UNBALANCED = "平衡", "不平衡"
ALL_BALANCED, NOT_BALANCED = "全部平衡", "存在不平衡，请核对各表的勾稽校验行"
BLANKS_LEFT = "尚有未填写的黄色单元格，请填写完整"
LABEL_KINDS = ("title", "note", "header", "label")
PATH_SEPARATOR = " › "


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


def check_formula(rule: Rule, layout_ref) -> str:  # type: ignore[no-untyped-def]
    """The live check cell formula: shows 平衡 when the rule holds, 不平衡 when it does not."""
    left = formula_text.translate(rule.left, layout_ref)
    right = formula_text.translate(rule.right, layout_ref)
    tol = repr(rule.tolerance).upper()
    condition = {
        "=": f"ABS(({left})-({right}))<={tol}",
        "<=": f"({left})<=({right})+{tol}",
        ">=": f"({left})+{tol}>=({right})",
        "<": f"({left})<({right})",
        ">": f"({left})>({right})",
    }[rule.comparator]
    return f'IF({condition},"{BALANCED}","{UNBALANCED}")'


def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters take two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def build_layout(spec: TemplateSpec) -> Layout:
    """Place every cell of every sheet, translate formulas, and order them for evaluation."""
    placed: list[tuple[Sheet, list[Cell]]] = []
    for sheet in spec.sheets:
        placed.append((sheet, _place_sheet(spec, sheet)))
    by_id = {c.datapoint: c for _, cells in placed for c in cells if c.datapoint}
    sources = {c.target: c.formula for c in spec.computed}
    prelim = Layout(spec, (), by_id, ())
    resolved: list[tuple[Sheet, list[Cell]]] = []
    for sheet, cells in placed:
        out = []
        for c in cells:
            source = _source_formula(spec, c, sources, by_id)
            if source:
                kind = c.kind if c.kind in ("check", "summary") else "formula"
                ref = lambda a, b, s=c.sheet: prelim.reference(a, b, s)  # noqa: E731
                formula = formula_text.translate(source, ref)
                c = replace(c, kind=kind, input=None, source=source, formula=formula)
            out.append(c)
        resolved.append((sheet, out))
    by_id = {c.datapoint: c for _, cells in resolved for c in cells if c.datapoint}
    prelim = Layout(spec, (), by_id, ())
    sheets = tuple(_finish_sheet(sheet, cells) for sheet, cells in resolved)
    return Layout(spec, sheets, by_id, _evaluation_order(prelim))


def _source_formula(spec: TemplateSpec, cell: Cell, sources: dict[str, str], by_id: dict[str, Cell]) -> str:
    """The cell's formula over data point IDs: declared, or derived for check and summary cells."""
    if cell.kind == "check":
        rule = next(r for r in shown_rules(spec) if check_id(r) == cell.datapoint)
        return check_formula(rule, lambda a, b: f"{a}:{b}" if b else a)
    if cell.kind == "summary":
        rows: dict[tuple[str, int], list[Cell]] = {}
        for c in by_id.values():
            if c.kind == "check":
                rows.setdefault((c.sheet, c.row), []).append(c)
        parts = []
        for cs in rows.values():
            cs = sorted(cs, key=lambda x: x.col)
            parts.append(f'COUNTIF({cs[0].datapoint}:{cs[-1].datapoint},"{UNBALANCED}")')
        count = "+".join(parts) or "0"
        verdict = f'IF({count}=0,"{ALL_BALANCED}","{NOT_BALANCED}")'
        # always a range, even of one cell: COUNTBLANK takes a range (and `formulas` insists)
        blanks = "+".join(f"COUNTBLANK({a}:{b})" for a, b in _input_blocks(by_id, sources))
        return f'IF({blanks}>0,"{BLANKS_LEFT}",{verdict})' if blanks else verdict
    return sources.get(cell.datapoint, "") or cell.source  # a field may declare its own formula


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


def _input_blocks(by_id: Mapping[str, Cell], sources: Mapping[str, str]) -> list[tuple[str, str]]:
    """Required inputs as (first ID, last ID) rectangles of their top-left cells, for COUNTBLANK."""
    at: dict[tuple[str, int, int], str] = {}
    for dp, c in by_id.items():
        if c.kind == "input" and dp not in sources and c.input is not None and c.input.required:
            at[(c.sheet, c.row, c.col)] = dp
    out = []
    for sheet in dict.fromkeys(s for s, _, _ in at):
        boxes = [(r, c, r, c) for s, r, c in at if s == sheet]
        for r1, c1, r2, c2 in rectangles(boxes):
            out.append((at[(sheet, r1, c1)], at[(sheet, r2, c2)]))
    return out


def _evaluation_order(layout: Layout) -> tuple[str, ...]:
    formulas = {dp: c for dp, c in layout.by_id.items() if c.source}
    deps = {
        dp: {d for a, b in formula_text.references(c.source) for row in layout.grid(a, b) for d in row if d}
        for dp, c in formulas.items()
    }
    order: list[str] = []
    done: set[str] = set()

    def visit(dp: str) -> None:
        if dp in done:
            return
        done.add(dp)
        for d in sorted(deps[dp]):
            if d in formulas:
                visit(d)
        order.append(dp)

    for dp in formulas:
        visit(dp)
    return tuple(order)


# ---------------------------------------------------------------- placing cells


def _sheet_width(sheet: Sheet) -> int:
    widths = [sheet.width, 2]
    for block in sheet.blocks:
        if block.kind == "table":
            widths.append(_label_cols(block) + sum(n.span for _, n, _ in leaves(block.columns)))
    return max(widths)


def _label_cols(block: Block) -> int:
    def depth(nodes: tuple[HeaderNode, ...]) -> int:
        return max((1 + depth(n.children) for n in nodes), default=0)

    return depth(block.rows)


def _place_sheet(spec: TemplateSpec, sheet: Sheet) -> list[Cell]:
    width = _sheet_width(sheet)
    cells: list[Cell] = []
    row = 1
    for block in sheet.blocks:
        if block.kind in ("title", "note"):
            cells.append(Cell(sheet.name, row, 1, block.kind, text=block.text, last_row=row, last_col=width,
                              wrap=block.kind == "note"))
            row += 1
        elif block.kind == "fields":
            for f in block.fields:
                row = _place_field(spec, sheet.name, f, row, width, cells)
        else:
            row = _place_table(spec, sheet.name, block, row, cells)
        row += 1 if block.kind == "table" else 0
    return cells


def _field_kind(f: Field) -> str:
    return "summary" if f.summary else ("input" if f.input else "formula")


def _place_field(spec: TemplateSpec, sheet: str, f: Field, row: int, width: int, cells: list[Cell]) -> int:
    kind = _field_kind(f)
    source = f.formula
    if f.block_style:
        cells.append(Cell(sheet, row, 1, "label", text=f.label, last_row=row, last_col=width))
        cells.append(Cell(sheet, row + 1, 1, kind, datapoint=f.id, input=f.input, source=source,
                          label_path=(f.label,), last_row=row + 1, last_col=width, wrap=True,
                          height_lines=f.height or 6))
        return row + 2
    cells.append(Cell(sheet, row, 1, "label", text=f.label))
    cells.append(Cell(sheet, row, 2, kind, datapoint=f.id, input=f.input, source=source, label_path=(f.label,),
                      last_row=row if width > 2 else 0, last_col=width if width > 2 else 0))
    return row + 1


def _header_cells(sheet: str, nodes: tuple[HeaderNode, ...], top: int, left: int, depth: int,
                  vertical: bool) -> list[Cell]:
    """Merged header bands for a column tree (vertical=False) or a row tree (vertical=True)."""
    out: list[Cell] = []

    def extent(node: HeaderNode) -> int:
        return node.span if node.is_leaf else sum(extent(c) for c in node.children)

    def walk(nodes: tuple[HeaderNode, ...], level: int, start: int) -> None:
        pos = start
        for node in nodes:
            size = extent(node) if not vertical else max(1, len(leaves((node,))))
            last_level = depth - 1 if node.is_leaf else level
            if vertical:
                r1, c1, r2, c2 = pos, left + level, pos + size - 1, left + last_level
            else:
                r1, c1, r2, c2 = top + level, pos, top + last_level, pos + size - 1
            merged = (r1, c1) != (r2, c2)
            out.append(Cell(sheet, r1, c1, "header" if not vertical else "label", text=node.label,
                            last_row=r2 if merged else 0, last_col=c2 if merged else 0, wrap=True))
            walk(node.children, level + 1, pos)
            pos += size

    walk(nodes, 0, top if vertical else left)
    return out


def _place_table(spec: TemplateSpec, sheet: str, block: Block, row: int, cells: list[Cell]) -> int:
    label_cols = _label_cols(block)
    col_leaves = leaves(block.columns)
    data_cols = sum(n.span for _, n, _ in col_leaves)
    width = label_cols + data_cols
    if block.title:
        cells.append(Cell(sheet, row, 1, "header", text=block.title, last_row=row, last_col=width))
        row += 1
    head_depth = max(len(chain) for _, _, chain in col_leaves)
    if label_cols:
        r2, c2 = row + head_depth - 1, label_cols
        merged = (r2, c2) != (row, 1)
        cells.append(Cell(sheet, row, 1, "header", text=block.corner, wrap=True,
                          last_row=r2 if merged else 0, last_col=c2 if merged else 0))
    cells.extend(_header_cells(sheet, block.columns, row, label_cols + 1, head_depth, vertical=False))
    row += head_depth
    if block.rows:
        cells.extend(_header_cells(sheet, block.rows, row, 1, label_cols, vertical=True))
    col_start = {}
    pos = label_cols + 1
    for key, node, _ in col_leaves:
        col_start[key] = (pos, node.span)
        pos += node.span
    inputs = dict(spec.input_types)
    table_cells_list = table_cells(block)
    for tc in table_cells_list:
        c, span = col_start[".".join(n.key for n in tc.col_chain if n.key)]
        prefix = (block.title,) if block.title else ()
        path = prefix + tuple(n.label for n in tc.row_chain if n.in_path) + tuple(
            n.label for n in tc.col_chain if n.in_path)
        cells.append(Cell(sheet, row + tc.row_index, c, "input", datapoint=tc.id, input=inputs.get(tc.input_name),
                          label_path=path, last_row=row + tc.row_index if span > 1 else 0,
                          last_col=c + span - 1 if span > 1 else 0))
    row += max(1, len(leaves(block.rows)))
    checks: dict[str, list[Rule]] = {}
    for rule in shown_rules(spec):
        if rule.show_table == block.table_id:
            checks.setdefault(rule.id, []).append(rule)
    for rules in checks.values():
        label = rules[0].show_label or rules[0].id
        if label_cols:
            cells.append(Cell(sheet, row, 1, "label", text=label, wrap=True,
                              last_row=row if label_cols > 1 else 0, last_col=label_cols if label_cols > 1 else 0))
        for rule in rules:
            c, span = col_start[rule.show_column]
            col_label = next(tuple(n.label for n in ch if n.in_path) for k, _, ch in col_leaves if k == rule.show_column)
            cells.append(Cell(sheet, row, c, "check", datapoint=check_id(rule), label_path=(label, *col_label),
                              last_row=row if span > 1 else 0, last_col=c + span - 1 if span > 1 else 0))
        row += 1
    return row


# ---------------------------------------------------------------- sizes and print settings


def _finish_sheet(sheet: Sheet, cells: list[Cell]) -> SheetLayout:
    last_row = max(c.last_row or c.row for c in cells)
    last_col = max(c.last_col or c.col for c in cells)
    widths = [8.0] * last_col
    for c in cells:
        if c.kind in ("label", "header") and not c.last_col:
            want = min(40.0, max(10.0, display_width(c.text) * 1.1 + 2))
            if c.kind == "header":
                want = min(want, 14.0)
            widths[c.col - 1] = max(widths[c.col - 1], want)
        elif c.kind in ("input", "formula", "summary", "check") and not c.last_col:
            widths[c.col - 1] = max(widths[c.col - 1], 12.0 if c.input and c.input.type != "whole" else 10.0)
    for c in cells:
        # a field's value (unit name, summary text) spans several columns: make them readable
        if c.kind in ("input", "summary", "formula") and c.last_col and not c.height_lines:
            span = sum(widths[c.col - 1 : c.last_col])
            if span < 40:
                extra = (40 - span) / (c.last_col - c.col + 1)
                for i in range(c.col - 1, c.last_col):
                    widths[i] += extra
    heights: dict[int, float] = {}
    for c in cells:
        if c.height_lines:
            heights[c.row] = max(heights.get(c.row, 0), 15.0 * c.height_lines)
        elif c.text and (not c.last_row or c.last_row == c.row):
            span = sum(widths[c.col - 1 : (c.last_col or c.col)])
            lines = max(1, math.ceil(display_width(c.text) * 1.1 / max(span - 1, 1)))
            size = 22.0 if c.kind == "title" else 15.0
            heights[c.row] = max(heights.get(c.row, size + 3), size * lines + 3)
    tables = [b for b in sheet.blocks if b.kind == "table"]
    freeze = repeat = None
    if len(tables) == 1:
        data = [c for c in cells if c.kind in ("input", "formula") and c.datapoint]
        top = min(c.row for c in data)
        first_header = min(c.row for c in cells if c.kind == "header")
        freeze = (top, _label_cols(tables[0]) + 1)
        repeat = (first_header, top - 1)
    return SheetLayout(sheet.name, tuple(cells), tuple(widths), heights, freeze, repeat, sheet.landscape,
                       last_row, last_col)
