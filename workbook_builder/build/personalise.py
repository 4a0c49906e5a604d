"""Personalised workbooks: one per unit of a roster, with its name and last year's carry-overs.

Which of last year's values carry into this year is read from the template's prior-year rules:
a rule `X = prior.Y` (one cell each side) says this year's X starts as last year's Y, e.g.
二、上年结转 = last year's 四、结转下年度继续办理. Only values last year's check accepted are used.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..outfile import safe_name
from ..spec import formula_text
from ..template.layout import Layout

_SINGLE = re.compile(rf"^\s*({formula_text.ID_PATTERN})\s*$")


def carry_overs(layout: Layout) -> dict[str, str]:
    """This year's input ID → last year's ID, from every `X = prior.Y` rule of the template."""
    out: dict[str, str] = {}
    for rule in layout.spec.rules:
        if rule.scope != "prior" or rule.comparator != "=":
            continue
        left, right = _SINGLE.match(rule.left), _SINGLE.match(rule.right)
        if not left or not right:
            continue
        here, there = left.group(1), right.group(1)
        if formula_text.is_prior(there) and not formula_text.is_prior(here):
            cell = layout.by_id.get(here)
            if cell is not None and cell.kind == "input":
                out[here] = formula_text.strip_prior(there)
    return out


def prefill_for(layout: Layout, unit_id: str, unit: str, year: int | None,
                prior_inputs: Mapping[str, Any] | None, prior_bad: set[str]) -> dict[str, Any]:
    """The pre-fill of one unit's workbook: its name, the year in the template's declared year field
    (`identity.year`; none if the template declares none), and last year's carry-overs."""
    data: dict[str, Any] = {unit_id: unit}
    if year is not None and layout.spec.year_field:
        data[layout.spec.year_field] = year
    if prior_inputs is not None:
        for here, there in carry_overs(layout).items():
            value = prior_inputs.get(there)
            if there not in prior_bad and isinstance(value, (int, float)) and not isinstance(value, bool):
                data[here] = value
    return data


# From November the year being closed is the current one (workbooks for year N go out in Nov–Jan
# and are due by 31 January N+1); before that, a build is for the year just ended.
CURRENT_YEAR_FROM_MONTH = 11


def default_year(prior_years: Iterable[int | None], today: dt.date) -> tuple[int, str]:
    """The report year of a roster build without `--year`, and where it came from: `prior` (the
    year after the latest prior workbook), else the year being reported on at `today`: `last-year`
    (January–October) or `this-year` (November–December)."""
    years = [y for y in prior_years if y]
    if years:
        return max(years) + 1, "prior"
    if today.month >= CURRENT_YEAR_FROM_MONTH:
        return today.year, "this-year"
    return today.year - 1, "last-year"


def safe_filename(name: str) -> str:
    """A unit name as a file name on Windows, macOS and Linux (`outfile.safe_name`; “unit” when nothing is left)."""
    return safe_name(name) or "unit"
