"""Inputs re-validated from the template, never from the file (pasting defeats Excel's validation)."""

from __future__ import annotations

from typing import Any

from ..findings import Code, Finding, issue, make
from ..template.inputs import accepts, check_value, describe
from ..template.layout import Layout
from .extract import cell_at
from .reader import ExtractedWorkbook


def check_inputs(layout: Layout, wb: ExtractedWorkbook, skip_sheets: set[str]) -> tuple[list[Finding], dict[str, Any], set[str]]:
    """Findings, the input values to recompute with, and the inputs that failed (to skip downstream)."""
    findings: list[Finding] = []
    values: dict[str, Any] = {}
    bad: set[str] = set()
    for cell in layout.inputs:
        if cell.sheet in skip_sheets or cell.input is None:
            bad.add(cell.datapoint)
            continue
        data = cell_at(wb, cell.sheet, cell.row, cell.col)
        value = None if data is None else data.value
        if data is not None and data.is_error:
            problem = issue(Code.INVALID_INPUT, "error-value", value=value, accepts=accepts(cell.input))
        else:
            found = check_value(cell.input, value)
            if found is None:
                values[cell.datapoint] = value
                continue
            problem = found
        bad.add(cell.datapoint)
        values[cell.datapoint] = value
        findings.append(make(problem.code, problem.reason, cell=cell.ref, datapoint=cell.datapoint, label=cell.label,
                             expected=describe(cell.input), actual=value, **problem.fields()))
    return findings, values, bad
