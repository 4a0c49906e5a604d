"""Where each cell of a sheet goes, and how wide and tall its columns and rows are.

Blocks stack down the sheet: titles and notes span its width, fields are label/value pairs, tables
get merged header bands over their columns and down their row labels, then a row of check cells per
rule shown under them. Sizes follow the text, counting CJK characters double (as Excel does).
"""

from __future__ import annotations

import math

from ..spec.ids import check_id, label_columns, leaves, shown_rules, table_cells, table_width
from ..spec.model import Block, Field, HeaderNode, Rule, Sheet, TemplateSpec
from .layout import Cell, SheetLayout

LINE_HEIGHT = 15.0  # points per wrapped line of 11 pt text
# Excel refuses rows taller than 409 pt, and a row never breaks across printed pages: a long text
# box spans several rows of at most this height, so it shows whole on screen and prints across
# pages (two such rows fill an A4 page between the margins).
MAX_TEXT_ROW = 330.0
# A block-style text box is at least this wide (character units): about 46 Chinese characters a
# line, the width of an A4 portrait page at 100 %, so a real 总体情况 of 1,300+ characters shows
# in about 35 lines instead of being cut off after ~580.
TEXT_BOX_WIDTH = 92.0


def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters take two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _sheet_width(sheet: Sheet) -> int:
    widths = [sheet.width, 2]
    for block in sheet.blocks:
        if block.kind == "table":
            widths.append(table_width(block))
    return max(widths)


def place_sheet(spec: TemplateSpec, sheet: Sheet) -> list[Cell]:
    """Every cell of a sheet at its place, blocks stacked down from row 1; formulas not yet in A1."""
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
        lines = f.height or 6
        rows = max(1, math.ceil(lines * LINE_HEIGHT / MAX_TEXT_ROW))
        cells.append(Cell(sheet, row, 1, "label", text=f.label, last_row=row, last_col=width))
        cells.append(Cell(sheet, row + 1, 1, kind, datapoint=f.id, input=f.input, source=source,
                          label_path=(f.label,), last_row=row + rows, last_col=width, wrap=True,
                          height_lines=lines))
        return row + 1 + rows
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
    label_cols = label_columns(block)
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


def finish_sheet(sheet: Sheet, cells: list[Cell]) -> SheetLayout:
    """The sheet's column widths, row heights, frozen panes and print titles around its cells."""
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
        if c.height_lines and c.last_col:  # a text box: as wide as a portrait page
            span = sum(widths[c.col - 1 : c.last_col])
            if span < TEXT_BOX_WIDTH:
                extra = (TEXT_BOX_WIDTH - span) / (c.last_col - c.col + 1)
                for i in range(c.col - 1, c.last_col):
                    widths[i] += extra
    heights: dict[int, float] = {}
    for c in cells:
        if c.height_lines:  # its lines shared out over its rows
            rows = range(c.row, (c.last_row or c.row) + 1)
            for r in rows:
                heights[r] = max(heights.get(r, 0), LINE_HEIGHT * c.height_lines / len(rows))
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
        freeze = (top, label_columns(tables[0]) + 1)
        repeat = (first_header, top - 1)
    return SheetLayout(sheet.name, tuple(cells), tuple(widths), heights, freeze, repeat, sheet.landscape,
                       last_row, last_col)
