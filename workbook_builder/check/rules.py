"""Every consistency rule of the template, over recomputed values (the file's totals are not trusted)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..findings import Code, Finding, Text, make
from ..spec.formula_text import is_prior, references
from ..spec.ids import check_id
from ..template.layout import Layout
from ..template.recompute import Recompute, RuleOutcome


def check_rules(layout: Layout, recompute: Recompute, values: Mapping[str, Any], bad_inputs: set[str],
                depends: Mapping[str, frozenset[str]], prior: Mapping[str, Any] | None = None,
                prior_bad: set[str] = frozenset(), current: bool = True) -> list[Finding]:  # type: ignore[assignment]
    """`rule-failed` for the current year's rules (unless `current` is False); `prior-year-mismatch`
    when `prior` values are given."""
    findings = []
    scopes = (["current"] if current else []) + (["prior"] if prior is not None else [])
    for scope in scopes:
        for outcome in recompute.check_rules(values, prior, scope=scope):
            inputs_used = set().union(*(depends.get(d, frozenset({d})) for d in outcome.datapoints))
            if outcome.holds or inputs_used & bad_inputs:
                continue
            if scope == "prior" and _prior_inputs(layout, outcome, depends) & prior_bad:
                continue
            findings.append(_finding(layout, outcome, scope))
    return findings


def _prior_inputs(layout: Layout, outcome: RuleOutcome, depends: Mapping[str, frozenset[str]]) -> set[str]:
    """Last year's cells a rule reads (range interiors included), through its formulas to its inputs."""
    cells: set[str] = set()
    for a, b in references(outcome.rule.left + " " + outcome.rule.right):
        if is_prior(a):
            cells.update(d for row in layout.grid(a, b) for d in row if d)
    return set().union(*(depends.get(d, frozenset()) | {d} for d in cells)) if cells else set()


def _finding(layout: Layout, outcome: RuleOutcome, scope: str) -> Finding:
    rule = outcome.rule
    cells = [layout.by_id[d] for d in outcome.datapoints if d in layout.by_id]
    shown = layout.by_id.get(check_id(rule)) if rule.show_table else None
    anchor = shown or (cells[0] if cells else None)
    return make(
        Code.PRIOR_YEAR_MISMATCH if scope == "prior" else Code.RULE_FAILED,
        "failed",
        severity=rule.severity,
        cell=anchor.ref if anchor else None,
        datapoint=anchor.datapoint if anchor else None,
        label=anchor.label if anchor else None,
        rule=rule.id,
        expected=outcome.right,
        actual=outcome.left,
        cells=tuple(c.ref for c in cells),
        message=Text(rule.message.zh, rule.message.get("en")),
        left=rule.left,
        comparator=rule.comparator,
        right=rule.right,
    )
