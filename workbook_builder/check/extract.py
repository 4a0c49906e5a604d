"""`ExtractedWorkbook` × `Layout` → what the file says for each data point, and who it claims to be."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..template.inputs import serial_from_1904, serial_to_date
from ..template.layout import Cell, Layout
from .reader import CellData, ExtractedWorkbook

PROPERTY_ID, PROPERTY_VERSION, PROPERTY_FINGERPRINT = "template_id", "template_version", "template_fingerprint"


@dataclass(frozen=True)
class Identity:
    template_id: str | None
    version: str | None
    fingerprint: str | None


def identify(wb: ExtractedWorkbook) -> Identity:
    """The template a workbook claims, from its custom document properties."""
    props = wb.custom_properties

    def text(name: str) -> str | None:
        value = props.get(name)
        # LibreOffice rewrites integer-looking properties as floats; ours are strings, but be lenient.
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return None if value is None else str(value)

    return Identity(text(PROPERTY_ID), text(PROPERTY_VERSION), text(PROPERTY_FINGERPRINT))


def cell_at(wb: ExtractedWorkbook, sheet: str, row: int, col: int) -> CellData | None:
    data = wb.sheet(sheet)
    return data.cells.get((row, col)) if data else None


def value_of(wb: ExtractedWorkbook, cell: Cell, data: CellData | None) -> Any:
    """What a data point's cell holds (constant or cached result; None when blank or absent), a date
    as a 1900-system serial whatever the workbook's date system, so no later stage needs to know it."""
    value = None if data is None else data.value
    if wb.date1904 and cell.input is not None and cell.input.type == "date" and type(value) is float:
        return serial_from_1904(value)
    return value


def raw_values(wb: ExtractedWorkbook, layout: Layout) -> dict[str, Any]:
    """The value each data point's cell holds (constant or cached result); None when blank/absent."""
    out: dict[str, Any] = {}
    for datapoint, cell in layout.by_id.items():
        out[datapoint] = value_of(wb, cell, cell_at(wb, cell.sheet, cell.row, cell.col))
    return out


def export_values(wb: ExtractedWorkbook, layout: Layout) -> dict[str, Any]:
    """Data point values in JSON-friendly form: whole numbers as int, dates as ISO text; None for
    an input that holds a formula (see `input_formulas`)."""
    out: dict[str, Any] = {}
    formulas = input_formulas(wb, layout)
    for datapoint, value in raw_values(wb, layout).items():
        cell = layout.by_id[datapoint]
        itype = cell.input.type if cell.input else ""
        if datapoint in formulas:
            value = None  # an input holding a formula: its cached result is whatever the formula says, never a value
        if isinstance(value, float) and itype == "date" and 0 <= value < 2958466:  # up to 9999-12-31
            value = serial_to_date(value).isoformat()
        elif isinstance(value, float) and value.is_integer() and itype != "decimal":
            value = int(value)
        out[datapoint] = value
    return out


def input_formulas(wb: ExtractedWorkbook, layout: Layout) -> dict[str, str]:
    """Each input that holds a formula, with its formula text: such a value is not a filled-in one."""
    out: dict[str, str] = {}
    for datapoint, cell in layout.by_id.items():
        data = cell_at(wb, cell.sheet, cell.row, cell.col)
        if cell.input and data is not None and data.formula is not None:
            out[datapoint] = "=" + data.formula if data.formula else "="
    return out
