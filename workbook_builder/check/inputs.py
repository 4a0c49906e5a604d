"""Inputs re-validated from the template, never from the file (pasting defeats Excel's validation)."""

from __future__ import annotations

from typing import Any

from ..findings import Code, Finding, issue, make
from ..outfile import DIGEST_SEPARATOR, OUTPUT_PROPERTY, OUTPUT_ROLLUP
from ..template.inputs import accepts, check_value, describe
from ..template.layout import Layout
from .extract import cell_at, value_of
from .reader import ExtractedWorkbook


def check_inputs(layout: Layout, wb: ExtractedWorkbook, skip_sheets: set[str]) -> tuple[list[Finding], dict[str, Any], set[str]]:
    """Findings, the input values to recompute with, and the inputs that failed (to skip downstream)."""
    findings: list[Finding] = []
    values: dict[str, Any] = {}
    bad: set[str] = set()
    # a roll-up we wrote leaves the caller's text (`aggregate: none`: 联系人, 联系电话) blank unless
    # `aggregate --data` gave it: no unit's contact is the roll-up's. Blank there is no missing value;
    # in a return it is. The marker is only a custom property any unit can add in Excel or WPS, so it
    # excuses no more than the roll-up leaves blank: its unit name and prose sections are never blank
    # (batch.aggregate.fill_text_inputs writes 汇总（N个单位）there), a forged marker must not excuse them.
    rollup = str(wb.custom_properties.get(OUTPUT_PROPERTY)).partition(DIGEST_SEPARATOR)[0] == OUTPUT_ROLLUP
    for cell in layout.inputs:
        if cell.sheet in skip_sheets or cell.input is None:
            bad.add(cell.datapoint)
            continue
        data = cell_at(wb, cell.sheet, cell.row, cell.col)
        value = value_of(wb, cell, data)
        if data is not None and data.formula is not None:
            # A formula in an input makes its value whatever the formula says (`=D28+D29-D6` balances
            # T3-A by construction) and its cached result is only a claim: the value is not used at all.
            bad.add(cell.datapoint)
            values[cell.datapoint] = None
            findings.append(make(Code.INPUT_FORMULA, "formula" if data.formula else "formula-unknown", cell=cell.ref,
                                 datapoint=cell.datapoint, label=cell.label, expected=describe(cell.input),
                                 actual="=" + data.formula if data.formula else None, shown=value))
            continue
        if data is not None and data.is_error:
            problem = issue(Code.INVALID_INPUT, "error-value", value=value, accepts=accepts(cell.input))
        else:
            found = check_value(cell.input, value)
            if (found is not None and found.code == Code.MISSING_INPUT and rollup and cell.input.rollup == "none"
                    and cell.datapoint != layout.spec.unit_field and not cell.height_lines):
                found = None
            if found is None:
                values[cell.datapoint] = value
                continue
            problem = found
        bad.add(cell.datapoint)
        values[cell.datapoint] = value
        findings.append(make(problem.code, problem.reason, cell=cell.ref, datapoint=cell.datapoint, label=cell.label,
                             expected=describe(cell.input), actual=value, **problem.fields()))
    return findings, values, bad
