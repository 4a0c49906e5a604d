"""Cached values against the recomputation: a difference is a stale or forged value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..findings import Code, Finding, make
from ..template.layout import Layout
from .extract import cell_at
from .reader import ExtractedWorkbook


def same_value(expected: Any, actual: Any) -> bool:
    """Equal as Excel would display them: numbers within a relative tolerance, text exactly."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return abs(expected - actual) <= 1e-9 * max(1.0, abs(expected), abs(actual))
    return expected == actual


def check_computed(layout: Layout, wb: ExtractedWorkbook, recomputed: Mapping[str, Any],
                   skip: set[str], skip_sheets: set[str], depends: Mapping[str, frozenset[str]],
                   bad_inputs: set[str]) -> list[Finding]:
    cells = [c for c in layout.formulas if c.sheet not in skip_sheets and c.datapoint not in skip]
    cached = {c.datapoint: cell_at(wb, c.sheet, c.row, c.col) for c in cells}
    if cells and all(d is None or d.value is None for d in cached.values()):
        return [make(Code.NO_CACHED_VALUES, "saved-by", saved_by=wb.saved_by)]
    findings = []
    for cell in cells:
        if depends.get(cell.datapoint, frozenset()) & (bad_inputs | skip):
            continue  # a bad input or a tampered formula it reads is already reported: no cascade
        data = cached[cell.datapoint]
        actual = None if data is None else data.value
        expected = recomputed.get(cell.datapoint)
        if not same_value(expected, actual):
            findings.append(make(Code.STALE_VALUE, "differs", cell=cell.ref, datapoint=cell.datapoint, label=cell.label,
                                 expected=expected, actual=actual, formula=cell.formula))
    return findings
