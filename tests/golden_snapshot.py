"""A readable, stable text rendering of a built workbook, for golden-file tests.

`snapshot(xlsx_bytes)` reads the file with openpyxl only (never with the package under test), so a
snapshot shows what Excel, WPS or LibreOffice would be given. Per sheet: name, protection, frozen
panes, print setup, column widths and row heights; then one line per non-empty cell (and per
unlocked blank cell, so empty input cells show) as

    A1 [kind/locked] value        kind: text · number · formula · blank · bool · date
    J5 [formula/locked] =SUM(D5:I5) ⇒ 0

with `{fmt=… fill=…}` when the cell has a number format or a fill; cells covered by a merge
(other than its top-left cell) are left out. Then merged ranges, data validations, conditional
formats (each grouped by what it does, with the ranges it covers); finally defined names, custom document properties and core properties.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

__all__ = ["snapshot"]


def _num(x: Any) -> str:
    if isinstance(x, float):
        return str(int(x)) if x.is_integer() else repr(x)
    return repr(x) if isinstance(x, str) else str(x)


def _value(v: Any) -> str:
    if isinstance(v, str):
        # One line per cell: keep line breaks visible.
        return v.replace("\\", "\\\\").replace("\n", "\\n")
    return _num(v)


def _kind(cell: Any) -> str:
    if cell.value is None:
        return "blank"
    return {"s": "text", "n": "number", "f": "formula", "b": "bool", "d": "date", "e": "error"}.get(
        cell.data_type, cell.data_type
    )


def _style(cell: Any) -> str:
    parts = []
    if cell.number_format and cell.number_format != "General":
        parts.append(f"fmt={cell.number_format}")
    fill = cell.fill
    if fill is not None and fill.fill_type == "solid":
        parts.append(f"fill={fill.fgColor.rgb}")
    if cell.alignment is not None and cell.alignment.wrap_text:
        parts.append("wrap")
    if cell.font is not None and cell.font.b:
        parts.append("bold")
    return f" {{{' '.join(parts)}}}" if parts else ""


def _widths(ws: Any) -> str:
    out = []
    for dim in sorted(ws.column_dimensions.values(), key=lambda d: d.min or 0):
        if dim.width is None or not dim.customWidth:
            continue
        lo, hi = dim.min or 0, dim.max or 0
        span = get_column_letter(lo) if lo == hi else f"{get_column_letter(lo)}:{get_column_letter(hi)}"
        out.append(f"{span}={dim.width:g}")
    return " ".join(out) or "(default)"


def _heights(ws: Any) -> str:
    out = [f"{r}={d.height:g}" for r, d in sorted(ws.row_dimensions.items()) if d.height is not None]
    return " ".join(out) or "(default)"


def _protection(ws: Any) -> str:
    p = ws.protection
    flags = [
        name for name in (
            "objects", "scenarios", "formatCells", "formatColumns", "formatRows", "insertColumns", "insertRows",
            "insertHyperlinks", "deleteColumns", "deleteRows", "selectLockedCells", "selectUnlockedCells",
            "sort", "autoFilter", "pivotTables",
        ) if getattr(p, name)
    ]
    return f"sheet={bool(p.sheet)} password={p.password or '-'} protected={','.join(flags) or '-'}"


def _print_setup(ws: Any) -> list[str]:
    ps, pr = ws.page_setup, ws.sheet_properties.pageSetUpPr
    fit = bool(pr.fitToPage) if pr is not None else False
    m = ws.page_margins
    lines = [
        f"print: paper={ps.paperSize} orientation={ps.orientation} fitToPage={fit} "
        f"fitToWidth={ps.fitToWidth if ps.fitToWidth is not None else '1(default)'} "
        f"fitToHeight={ps.fitToHeight if ps.fitToHeight is not None else '1(default)'}",
        f"print area: {ws.print_area or '-'}; titles: rows={ws.print_title_rows or '-'} cols={ws.print_title_cols or '-'}",
        f"margins: left={m.left:g} right={m.right:g} top={m.top:g} bottom={m.bottom:g}; "
        f"centered={bool(ws.print_options.horizontalCentered)}/{bool(ws.print_options.verticalCentered)}",
        f"header/footer: {ws.oddHeader.center.text or '-'} / {ws.oddFooter.center.text or '-'}",
    ]
    return lines


def _conditional(ws: Any) -> list[str]:
    """Rules grouped by what they do; each group lists the ranges it applies to, in sheet order."""
    groups: dict[str, list[str]] = {}
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            dxf = rule.dxf
            fill = dxf.fill.bgColor.rgb if dxf is not None and dxf.fill is not None else "-"
            font = dxf.font.color.rgb if dxf is not None and dxf.font is not None and dxf.font.color else "-"
            key = f"{rule.type} {rule.operator} {' ; '.join(rule.formula or [])} fill={fill} font={font}"
            groups.setdefault(key, []).append(str(rng.sqref))
    return [f"  {key}\n    at {' '.join(ranges)}" for key, ranges in sorted(groups.items())]


def _validations(ws: Any) -> list[str]:
    """Validations grouped by everything but their range, in order of first appearance."""
    groups: dict[str, list[str]] = {}
    for dv in ws.data_validations.dataValidation:
        key = (
            f"type={dv.type} op={dv.operator} f1={dv.formula1} f2={dv.formula2} "
            f"blank={dv.allow_blank} show={dv.showInputMessage}/{dv.showErrorMessage} stop={dv.errorStyle or 'stop'}\n"
            f"    prompt=[{dv.promptTitle}] {_value(dv.prompt or '')}\n"
            f"    error=[{dv.errorTitle}] {_value(dv.error or '')}"
        )
        groups.setdefault(key, []).append(str(dv.sqref))
    return [f"  {key}\n    at {' '.join(ranges)}" for key, ranges in groups.items()]


def snapshot(xlsx_bytes: bytes) -> str:
    """The text rendering of a workbook (see the module docstring)."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes))
    cached = openpyxl.load_workbook(io.BytesIO(xlsx_bytes), data_only=True)
    lines: list[str] = []
    for ws in wb.worksheets:
        cws = cached[ws.title]
        lines.append(f"=== sheet {ws.title} (state={ws.sheet_state}) ===")
        lines.append(f"protection: {_protection(ws)}")
        lines.append(f"freeze: {ws.freeze_panes or '-'}")
        lines.extend(_print_setup(ws))
        lines.append(f"widths: {_widths(ws)}")
        lines.append(f"heights: {_heights(ws)}")
        covered = set()
        for rng in ws.merged_cells.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    if (row, col) != (rng.min_row, rng.min_col):
                        covered.add((row, col))
        lines.append("cells:")
        for row in ws.iter_rows():
            for cell in row:
                if (cell.row, cell.column) in covered:
                    continue
                locked = cell.protection.locked is not False
                if cell.value is None and locked:
                    continue
                kind = _kind(cell)
                if kind == "formula":
                    text = f"{cell.value} ⇒ {_value(cws[cell.coordinate].value)}"
                elif cell.value is None:
                    text = ""
                else:
                    text = _value(cell.value)
                state = "locked" if locked else "unlocked"
                lines.append(f"  {cell.coordinate} [{kind}/{state}] {text}{_style(cell)}".rstrip())
        merged = sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
        lines.append("merged: " + (" ".join(str(r) for r in merged) or "-"))
        lines.append("validations:")
        lines.extend(_validations(ws))
        lines.append("conditional formats:")
        lines.extend(_conditional(ws))
        lines.append("")
    lines.append("=== defined names ===")
    for name, dn in sorted(wb.defined_names.items()):
        lines.append(f"  {name} = {dn.attr_text}")
    for ws in wb.worksheets:
        for name, dn in sorted(ws.defined_names.items()):
            lines.append(f"  {ws.title}!{name} = {dn.attr_text}")
    lines.append("=== custom properties ===")
    for prop in wb.custom_doc_props.props:
        lines.append(f"  {prop.name} ({type(prop).__name__}) = {prop.value}")
    lines.append("=== core properties ===")
    p = wb.properties
    for name in ("title", "subject", "creator", "description", "lastModifiedBy", "created", "modified"):
        lines.append(f"  {name} = {getattr(p, name)}")
    return "\n".join(lines) + "\n"
