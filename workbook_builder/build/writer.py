"""`Layout` + values → a locked, validated, print-ready .xlsx (xlsxwriter lives only here).

Every formula is written with its cached value, computed by our engine: LibreOffice does not
recalculate xlsx files on load by default and WPS has been reported not to either, so the cached
value is what a staff member sees. Output is deterministic: fixed document dates, fixed order.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import xlsxwriter

from ..errors import WorkbookBuilderError
from ..ooxml.refs import a1, a1_range
from ..outfile import OUTPUT_PROPERTY, OUTPUT_SUMMARY
from ..spec import formula_text
from ..spec.model import InputSpec
from ..template.inputs import describe
from ..template.layout import ALL_BALANCED, BALANCED, CHECK_INPUTS, UNBALANCED, Cell, Layout, SheetLayout, rectangles
from .tables import TABLE_LINE_HEIGHT, TABLE_MARGIN, TableSheet, page_breaks, row_height, table_width, table_widths

FIXED_DATE = dt.datetime(2021, 9, 26, 0, 0, 0)  # the format's date; keeps builds byte-identical
INPUT_FILL, FORMULA_FILL, HEADER_FILL = "#FFF2CC", "#EDEDED", "#DDEBF7"
FLAGGED_FILL = "#FFC7CE"  # a value left out of a table as untrustworthy: the pink of a failed check
FONT = "宋体"


class WriterBug(WorkbookBuilderError, RuntimeError):
    """xlsxwriter refused something we asked for: always our bug, never the user's."""


def _ok(result: Any, what: str) -> None:
    # xlsxwriter warns and returns -1 instead of raising; treat that as a bug in our layout.
    if isinstance(result, int) and result < 0:
        raise WriterBug(f"xlsxwriter refused {what} (code {result})")


PlainSheet = tuple[str, Sequence[str], Sequence[Sequence[Any]]]  # (name, header row, rows)


def write_workbook(layout: Layout, values: Mapping[str, Any], password: str | None = None,
                   extra_properties: Mapping[str, str] | None = None, extra_sheets: Sequence[PlainSheet] = ()) -> bytes:
    """Render the workbook to bytes. `values` holds inputs and every formula cell's cached value.

    `extra_properties` adds custom document properties (a roll-up records its units there).
    `extra_sheets` are plain tables after the template's sheets (a roll-up's 汇总说明), locked
    like them, text as text, never a formula.
    """
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
    })
    spec = layout.spec
    wb.set_properties({
        "title": spec.title.zh, "subject": f"{spec.id} {spec.version}", "author": "workbook_builder",
        "company": "", "created": FIXED_DATE, "comments": "由 workbook_builder 根据模板生成",
    })
    for name, value in {**layout.properties, **(extra_properties or {})}.items():
        _ok(wb.set_custom_property(name, value), f"custom property {name}")
    formats = _Formats(wb, _decimal_formulas(layout))
    for sheet in layout.sheets:
        _write_sheet(wb, formats, sheet, values, password if password is not None else spec.password)
    for extra in extra_sheets:  # after the template's: its sheets keep their places (and indices)
        _write_plain(wb, extra, password if password is not None else spec.password)
    for name, ref in layout.defined_names:
        _ok(wb.define_name(name, "=" + ref), f"defined name {name}")
    wb.close()
    return buffer.getvalue()


def _write_plain(wb: xlsxwriter.Workbook, sheet: PlainSheet, password: str) -> None:
    """One plain table sheet: a bold header row, text as text, whole numbers as numbers; locked."""
    name, header, rows = sheet
    ws = wb.add_worksheet(name)
    head = wb.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1, "font_name": FONT, "valign": "vcenter"})
    text = wb.add_format({"font_name": FONT, "num_format": "@", "valign": "top", "text_wrap": True, "border": 1})
    widths = [table_width(str(title), [r[c] for r in rows if c < len(r)]) for c, title in enumerate(header)]
    for c, title in enumerate(header):
        _ok(ws.write_string(0, c, str(title), head), f"{name} header")
        ws.set_column(c, c, widths[c])
    for r, row in enumerate(rows, start=1):
        ws.set_row(r, row_height(list(row), widths))
        for c, value in enumerate(row):
            if isinstance(value, int) and not isinstance(value, bool):
                _ok(ws.write_number(r, c, value, text), f"{name} row {r}")
            elif value is None or value == "":
                _ok(ws.write_blank(r, c, None, text), f"{name} row {r}")
            else:
                _ok(ws.write_string(r, c, str(value), text), f"{name} row {r}")
    ws.freeze_panes(1, 0)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    _ok(ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True}), f"protect {name}")


class _Formats:
    """One xlsxwriter format per (kind, input type), created on first use."""

    def __init__(self, wb: xlsxwriter.Workbook, decimal_formulas: dict[str, InputSpec] | None = None):
        self.wb = wb
        self.decimal_formulas = decimal_formulas or {}
        self.cache: dict[tuple, Any] = {}
        self.bad = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "bold": True})
        self.good = wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})

    def get(self, cell: Cell) -> Any:
        kind = cell.kind
        itype = cell.input.type if cell.input else ""
        shown_as = self.decimal_formulas.get(cell.datapoint)
        key = (kind, itype, cell.wrap, bool(cell.height_lines), shown_as)
        if key not in self.cache:
            props: dict[str, Any] = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
            if kind == "title":
                props.update(bold=True, font_size=16, align="center")
            elif kind == "note":
                props.update(font_size=10, font_color="#404040", text_wrap=True, align="left")
            elif kind == "header":
                props.update(bold=True, border=1, align="center", text_wrap=True, bg_color=HEADER_FILL)
            elif kind == "label":
                props.update(border=1, text_wrap=True, align="left")
            elif kind == "input":
                props.update(border=1, locked=False, bg_color=INPUT_FILL, num_format=_number_format(cell.input))
                if itype == "text":
                    props.update(text_wrap=True, align="left", valign="top" if cell.height_lines else "vcenter")
            else:  # formula · check · summary; a total of decimal inputs shows their decimals
                props.update(border=1, locked=True, bg_color=FORMULA_FILL, num_format=_number_format(shown_as)
                             if shown_as else "0")
                if kind in ("check", "summary"):
                    props.update(align="center", bold=True, num_format="@")
            self.cache[key] = self.wb.add_format(props)
        return self.cache[key]


def _decimal_formulas(layout: Layout) -> dict[str, InputSpec]:
    """Formula cells that read a decimal input (directly or through other formulas) → that input."""
    out: dict[str, InputSpec] = {}
    for cell in layout.formulas:  # evaluation order: what a formula reads is already decided
        for a, b in formula_text.references(cell.source):
            for row in layout.grid(a, b):
                for dp in row:
                    source = layout.by_id[dp] if dp else None
                    spec = source.input if source is not None and source.kind == "input" else out.get(dp)
                    if spec is not None and spec.type == "decimal":
                        out[cell.datapoint] = spec
    return out


def _number_format(spec: InputSpec | None) -> str:
    if spec is None:
        return "General"
    # decimals: two always shown (accounting habit), more as typed; General would show 1E-06
    decimals = "0.00" + "#" * max(0, spec.decimals - 2) if spec.decimals > 2 else "0.00"
    return {"whole": "0", "decimal": decimals, "date": "yyyy-mm-dd", "text": "@"}[spec.type]


def _write_sheet(wb: xlsxwriter.Workbook, formats: _Formats, sheet: SheetLayout,
                 values: Mapping[str, Any], password: str) -> None:
    ws = wb.add_worksheet(sheet.name)
    for i, width in enumerate(sheet.widths):
        ws.set_column(i, i, width)
    for row, height in sorted(sheet.heights.items()):
        ws.set_row(row - 1, height)
    groups: dict[tuple, list[Cell]] = {}
    for cell in sheet.cells:
        _write_cell(ws, formats, cell, values.get(cell.datapoint) if cell.datapoint else None)
        if cell.kind == "input" and cell.input:
            # Identical rules share one <dataValidation> with a multi-range sqref (smaller, faster
            # to read); the decimal rule's formula refers to its own cell, so it stays per cell.
            key = (cell.input, cell.ref if cell.input.type == "decimal" else "")
            groups.setdefault(key, []).append(cell)
        if cell.kind in ("check", "summary"):
            _highlight(ws, formats, cell)
    for (spec, _), cells in groups.items():
        _validate(ws, cells, spec)
    ws.protect(password, {
        "select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True, "format_rows": True,
    })
    ws.set_paper(9)  # A4
    if sheet.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.print_area(0, 0, sheet.last_row - 1, sheet.last_col - 1)
    if sheet.repeat_rows:
        ws.repeat_rows(sheet.repeat_rows[0] - 1, sheet.repeat_rows[1] - 1)
    if sheet.freeze:
        ws.freeze_panes(sheet.freeze[0] - 1, sheet.freeze[1] - 1)


def _write_cell(ws: Any, formats: _Formats, cell: Cell, value: Any) -> None:
    fmt = formats.get(cell)
    r, c = cell.row - 1, cell.col - 1
    if cell.merged:
        _ok(ws.merge_range(r, c, (cell.last_row or cell.row) - 1, (cell.last_col or cell.col) - 1, "", fmt),
            f"merge at {cell.ref}")
    if cell.kind in ("title", "note", "header", "label"):
        _ok(ws.write_string(r, c, cell.text, fmt) if cell.text else ws.write_blank(r, c, None, fmt), cell.ref)
    elif cell.formula:
        cached = "" if value is None else value
        _ok(ws.write_formula(r, c, "=" + cell.formula, fmt, cached), f"formula at {cell.ref}")
    elif value is None or value == "":
        _ok(ws.write_blank(r, c, None, fmt), cell.ref)
    elif isinstance(value, str):
        _ok(ws.write_string(r, c, value, fmt), cell.ref)
    else:
        _ok(ws.write_number(r, c, float(value), fmt), cell.ref)


def _validate(ws: Any, cells: list[Cell], spec: InputSpec) -> None:
    what = describe(spec)
    cell = cells[0]
    here = a1(cell.row, cell.col)
    options: dict[str, Any] = {
        "ignore_blank": True,
        "input_title": "填写提示",
        "input_message": f"请填写{what}。" + (
            "没有发生的请填0，不要填写“/”“-”“无”。"
            if spec.type in ("whole", "decimal") and (spec.min is None or spec.min <= 0) else ""),
        "error_title": "输入有误",
        "error_message": f"此处只能填写{what}。",
        "error_type": "stop",
    }
    if spec.type == "whole":
        lo = -1e15 if spec.min is None else math.ceil(spec.min)
        hi = 1e15 if spec.max is None else math.floor(spec.max)
        options.update(validate="integer", criteria="between", minimum=int(lo), maximum=int(hi))
    elif spec.type == "decimal":
        # Excel has no "at most N decimals" rule; a custom formula rejects text, negatives and extra digits.
        floor = "" if spec.min is None else f",{here}>={_number(spec.min)}"
        ceiling = "" if spec.max is None else f",{here}<={_number(spec.max)}"
        options.update(validate="custom",
                       value=f"=AND(ISNUMBER({here}){floor}{ceiling},ROUND({here},{spec.decimals})={here})")
    elif spec.type == "date":
        options.update(validate="date", criteria="between", minimum=dt.date(2000, 1, 1), maximum=dt.date(2100, 12, 31))
    else:
        options.update(validate="length", criteria="between", minimum=0, maximum=int(spec.max_length or 32767))
    ranges = _rectangles(cells)
    if len(cells) > 1:
        options["multi_range"] = " ".join(ranges)
    last_row, last_col = (cell.last_row or cell.row) - 1, (cell.last_col or cell.col) - 1
    _ok(ws.data_validation(cell.row - 1, cell.col - 1, last_row, last_col, options), f"validation at {cell.ref}")


def _number(x: float) -> str:
    """A bound as Excel formula text, exactly (`{:g}` would turn 1234567 into 1.23457e+06)."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _rectangles(cells: list[Cell]) -> list[str]:
    boxes = [(c.row, c.col, c.last_row or c.row, c.last_col or c.col) for c in cells]
    return [a1_range(*m) if (m[0], m[1]) != (m[2], m[3]) else a1(m[0], m[1]) for m in rectangles(boxes)]


def _highlight(ws: Any, formats: _Formats, cell: Cell) -> None:
    r, c = cell.row - 1, cell.col - 1
    r2, c2 = (cell.last_row or cell.row) - 1, (cell.last_col or cell.col) - 1
    good = ALL_BALANCED if cell.kind == "summary" else BALANCED
    _ok(ws.conditional_format(r, c, r2, c2, {"type": "cell", "criteria": "==", "value": f'"{good}"',
                                             "format": formats.good}), f"conditional format at {cell.ref}")
    if cell.kind == "summary":
        bad = {"type": "cell", "criteria": "!=", "value": f'"{good}"', "format": formats.bad}
        _ok(ws.conditional_format(r, c, r2, c2, bad), f"conditional format at {cell.ref}")
        return
    # a check row is pink when the rule fails or an input it reads is not a number; 未填写 (the
    # column has no data yet) stays uncoloured: green there would say "all is well" about nothing
    for word in (UNBALANCED, CHECK_INPUTS):
        bad = {"type": "cell", "criteria": "==", "value": f'"{word}"', "format": formats.bad}
        _ok(ws.conditional_format(r, c, r2, c2, bad), f"conditional format at {cell.ref}")


def write_tables(sheets: Sequence[tuple[str, Any, list[list[Any]]] | TableSheet], title: str = "检查汇总") -> bytes:
    """Plain tables (the batch summary, the detail table) as .xlsx, ready to print: text cells are
    written as text, never a formula; ints and floats as numbers (an auditor sums and sorts them).
    A sheet given as (name, header, rows) has one header row. Each sheet prints on A4 landscape,
    with its header rows repeated on every page and frozen on screen; columns are as wide as their
    content up to a cap, longer text wraps."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
    })
    wb.set_properties({"title": title, "author": "workbook_builder", "created": FIXED_DATE})
    # marks it as ours: a summary written into the checked folder is skipped by the next run's walk
    _ok(wb.set_custom_property(OUTPUT_PROPERTY, OUTPUT_SUMMARY), "custom property")
    formats = _TableFormats(wb)
    for sheet in sheets:
        _write_table(wb, formats, sheet if isinstance(sheet, TableSheet) else TableSheet(sheet[0], [sheet[1]], sheet[2]))
    wb.close()
    return buffer.getvalue()


class _TableFormats:
    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": FONT, "valign": "top", "border": 1}
        self.head = wb.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1, "font_name": FONT,
                                   "text_wrap": True, "valign": "vcenter"})
        self.text = wb.add_format({**base, "num_format": "@", "text_wrap": True})
        self.whole = wb.add_format({**base, "num_format": "0"})
        self.number = wb.add_format({**base, "num_format": "General"})
        self.flagged = wb.add_format({**base, "bg_color": FLAGGED_FILL})


def _write_table(wb: xlsxwriter.Workbook, formats: _TableFormats, sheet: TableSheet) -> None:
    name, rows, heads = sheet.name, sheet.rows, [[str(t) for t in h] for h in sheet.headers]
    ws = wb.add_worksheet(name)
    top = len(heads)
    widths = table_widths(sheet, heads)
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    breaks = page_breaks(sheet, heads[0], widths) if sheet.print_scale is not None else []
    _write_headers(ws, formats, sheet, heads, widths, set(breaks))
    flagged = set(sheet.flagged)
    for r, row in enumerate(rows, start=top):
        # LibreOffice does not fit the height of a row of wrapped text on opening an xlsx: give it
        ws.set_row(r, row_height(row, widths, sheet.max_lines, sheet.whole_cols))
        for c, value in enumerate(row):
            if (r - top, c) in flagged:
                _ok(ws.write_blank(r, c, None, formats.flagged), f"{name} row {r}")
            elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                fmt = formats.whole if float(value).is_integer() else formats.number
                _ok(ws.write_number(r, c, value, fmt), f"{name} row {r}")
            elif value == "":  # nothing to say: a blank cell with its border, not an empty text
                _ok(ws.write_blank(r, c, None, formats.text), f"{name} row {r}")
            else:
                _ok(ws.write_string(r, c, str(value), formats.text), f"{name} row {r}")
    ws.freeze_panes(top, sheet.frozen_cols)
    if rows:
        ws.autofilter(top - 1, 0, top - 1 + len(rows), len(heads[-1]) - 1)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    if sheet.print_scale is None:
        ws.fit_to_pages(1, 0)  # one page wide, as many long as the rows need
    else:  # fitted to one page wide, 200 columns would be specks: across at a readable size, then down
        ws.set_print_scale(sheet.print_scale)
        ws.print_across()
        if sheet.print_cols:
            ws.repeat_columns(0, sheet.print_cols - 1)
        ws.set_v_pagebreaks(breaks)
    ws.repeat_rows(0, top - 1)
    ws.set_margins(left=TABLE_MARGIN, right=TABLE_MARGIN, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")


def _write_headers(ws: Any, formats: _TableFormats, sheet: TableSheet, heads: list[list[str]],
                   widths: list[float], breaks: set[int]) -> None:
    """The header rows: lead columns merged down, equal neighbours above the last row merged across
    up to a page break (a group wider than a page has its label again on the next page)."""
    top, name = len(heads), sheet.name
    heights: list[float] = [TABLE_LINE_HEIGHT] * top
    for level, head in enumerate(heads):
        c = 0
        while c < len(head):
            title = head[c]
            if level > 0 and not title and not heads[level - 1][c]:
                c += 1  # covered by the merge of a label above
                continue
            down = top - 1 if level == 0 and top > 1 and all(not h[c] for h in heads[1:]) else level
            end = c
            if level < top - 1 and c >= sheet.frozen_cols and down == level:
                while end + 1 < len(head) and head[end + 1] == title and title and end + 1 not in breaks:
                    end += 1
            if (end, down) != (c, level):
                _ok(ws.merge_range(level, c, down, end, title, formats.head), f"{name} header")
            else:
                _ok(ws.write_string(level, c, title, formats.head), f"{name} header")
            if down == level:
                heights[level] = max(heights[level], row_height([title], [sum(widths[c:end + 1])]))
            c = end + 1
    for level, height in enumerate(heights):
        ws.set_row(level, height)
