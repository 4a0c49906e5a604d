"""Inputs re-validated from the template, never from the file (pasting defeats Excel's validation)."""

from __future__ import annotations

from typing import Any

from ..findings import Finding, make
from ..template.inputs import check_value, describe
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
            problem_zh, problem_en, reason = f"单元格显示错误值 {value}", f"the cell shows the error {value}", "error"
        else:
            problem = check_value(cell.input, value)
            if problem is None:
                values[cell.datapoint] = value
                continue
            problem_zh, problem_en, reason = problem.zh, problem.en, problem.reason
        bad.add(cell.datapoint)
        values[cell.datapoint] = value
        code = "missing-input" if reason == "missing" else "invalid-input"
        findings.append(make(code, cell=cell.ref, datapoint=cell.datapoint, label=cell.label,
                             expected=describe(cell.input), actual=value,
                             detail_zh=f"应填写{describe(cell.input)}" + (f"；{problem_zh}" if problem_zh else ""),
                             detail_en=f"expected {describe(cell.input, 'en')}" + (f"; {problem_en}" if problem_en else "")))
    return findings, values, bad
