"""Findings and reports: the data a check returns, and how a finding reads in Chinese or English.

A finding is data, never an exception. It holds its code, where it is, and the reason and fields
of its detail; the sentence itself comes from the catalogue. Severity is fixed per code, except
for rule findings, which carry the severity their rule declares in the template.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..ooxml.refs import parse_a1
from .catalogue import CATALOGUE, FINDING_FIELDS, FRAME_FIELDS, SEVERITY_ORDER, Code, Entry, Side, reason_text

Params = tuple[tuple[str, Any], ...]  # sorted (field, value) pairs: hashable, picklable, comparable


def _params(values: Mapping[str, Any]) -> Params:
    return tuple(sorted(values.items()))


def _checked(entry: Entry, reason: str, params: Mapping[str, Any]) -> Params:
    """The fields, checked against the reason's templates (and its code's frame); a missing or an
    unknown one is our bug and raises."""
    if reason not in entry.reasons:
        raise ValueError(f"{entry.code} has no reason {reason!r}")
    wanted = entry.fields(reason) - FINDING_FIELDS - FRAME_FIELDS
    if set(params) != wanted:
        raise ValueError(f"{entry.code}/{reason} needs fields {sorted(wanted)}, got {sorted(params)}")
    return _params(params)


@dataclass(frozen=True)
class Issue:
    """A code, a reason and its fields, with no place yet: what the preflight and an input's
    `check_value` return. `make(issue.code, issue.reason, cell=…, **issue.fields())` places it."""

    code: Code
    reason: str
    params: Params = ()

    def fields(self) -> dict[str, Any]:
        return dict(self.params)

    def detail(self, lang: str = "zh") -> str:
        """The reason's own sentence, without the frame its code puts around it in a finding."""
        return reason_text(self.code, self.reason, self.fields(), lang)


def issue(code: str, reason: str, **params: Any) -> Issue:
    """An Issue, its fields checked against the reason's template."""
    entry = CATALOGUE[Code(code)]
    return Issue(entry.code, reason, _checked(entry, reason, params))


@dataclass(frozen=True)
class Finding:
    """One problem found in one file, at one cell where there is one."""

    code: Code
    severity: str
    cell: str | None = None
    datapoint: str | None = None
    label: str | None = None
    rule: str | None = None
    expected: Any = None
    actual: Any = None
    reason: str = ""  # the sub-case of the code whose template words the detail; "" for none
    params: Params = ()  # the template's fields that are not the finding's own
    cells: tuple[str, ...] = ()  # every cell involved (rule findings)

    def detail(self, lang: str = "zh") -> str:
        """The detail sentence in `lang`, from the catalogue's template for this reason."""
        if not self.reason:
            return ""
        values = dict(self.params)
        entry = CATALOGUE[self.code]
        values.update((name, getattr(self, name)) for name in FINDING_FIELDS)
        text = entry.reasons[self.reason].text(lang, values)
        if entry.frame is not None:
            text = entry.frame.text(lang, {**values, "detail": text, "reason": self.reason})
        return text

    def message(self, lang: str = "zh") -> str:
        """Where, what, the detail and how to fix it, as one sentence."""
        entry = CATALOGUE[self.code]
        detail = self.detail(lang)
        # a reason whose sentence already says what to do is not followed by the code's fix too
        said = bool(self.reason) and entry.reasons[self.reason].says_fix
        if lang == "en":
            where = f"{self.cell} ({self.label}): " if self.cell and self.label else (f"{self.cell}: " if self.cell else "")
            return f"{where}{entry.en}{f': {detail}' if detail else ''}.{'' if said else f' Fix: {entry.fix_en}.'}"
        where = f"{self.cell}（{self.label}）：" if self.cell and self.label else (f"{self.cell}：" if self.cell else "")
        return f"{where}{entry.zh}{f'：{detail}' if detail else ''}。{'' if said else f'处理：{entry.fix_zh}。'}"

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        """The finding for programs: its fields, its message, and for a rule the formula over data
        point IDs (messages name cells and labels for people; programs keep the IDs)."""
        out = {
            "code": self.code, "severity": self.severity, "reason": self.reason, "cell": self.cell,
            "datapoint": self.datapoint, "label": self.label, "rule": self.rule, "expected": self.expected,
            "actual": self.actual, "message": self.message(lang), "cells": list(self.cells),
        }
        params = dict(self.params)
        if isinstance(params.get("left"), Side) and isinstance(params.get("right"), Side):
            out["formula"] = f"{params['left'].formula} {params.get('comparator', '=')} {params['right'].formula}"
        return out


def make(code: str, reason: str = "", *, severity: str | None = None, cell: str | None = None,
         datapoint: str | None = None, label: str | None = None, rule: str | None = None,
         expected: Any = None, actual: Any = None, cells: tuple[str, ...] = (),
         **params: Any) -> Finding:
    """A finding with the catalogue's severity (rule codes pass their rule's severity).

    `params` are the reason's template fields that are not the finding's own; a missing or an
    unknown one is our bug and raises.
    """
    entry = CATALOGUE[Code(code)]
    sev = entry.severity if entry.severity != "rule" else severity
    if sev not in SEVERITY_ORDER:
        raise ValueError(f"finding {code} needs a severity")
    if reason:
        checked = _checked(entry, reason, params)
    elif params:
        raise ValueError(f"finding {code}: fields {sorted(params)} without a reason")
    else:
        checked = ()
    return Finding(entry.code, sev, cell, datapoint, label, rule, expected, actual, reason, checked, cells)


def _cell_key(cell: str | None) -> tuple[str, tuple[int, ...]]:
    """'依申请公开'!B13 → ('依申请公开', (13, 2)): B4 before B13, as a person reads a sheet. A place in a
    published report (`表三“（一）予以公开”行 · 第2页 第18行`) goes by its page, table, line, row and
    column numbers, as a person reads the report."""
    if not cell:
        return ("", ())
    if "!" not in cell:
        numbers = tuple(int(n) for n in _PLACE_NUMBER.findall(cell))
        return ("", numbers) if numbers else (cell, ())
    sheet, _, ref = cell.rpartition("!")
    try:
        row, col = parse_a1(ref)
    except ValueError:
        return (sheet, ())
    return (sheet, (row, col))


_PLACE_NUMBER = re.compile(r"第(\d+)")


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """By severity, then by sheet and position (row, then column), then by code."""
    return tuple(sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], _cell_key(f.cell), f.code)))


def select(findings: Iterable[Finding], select_codes: Iterable[str] = (), ignore: Iterable[str] = ()) -> tuple[Finding, ...]:
    """Keep findings whose code (or its prefix) is selected and not ignored."""
    sel, ign = tuple(select_codes), tuple(ignore)
    return tuple(
        f for f in findings
        if (not sel or any(f.code.startswith(s) for s in sel)) and not any(f.code.startswith(i) for i in ign)
    )
