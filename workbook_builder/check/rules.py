"""Every consistency rule of the template, over recomputed values (the file's totals are not trusted)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..findings import Code, Finding, Text, make
from ..findings.catalogue import Side, Term
from ..spec.formula_text import is_prior, pieces, references, strip_prior
from ..spec.ids import check_id
from ..template.layout import PATH_SEPARATOR, Cell, Layout
from ..template.recompute import Recompute, RuleOutcome


def check_rules(layout: Layout, recompute: Recompute, values: Mapping[str, Any], bad_inputs: set[str],
                depends: Mapping[str, frozenset[str]], prior: Mapping[str, Any] | None = None,
                prior_bad: set[str] = frozenset(), current: bool = True,  # type: ignore[assignment]
                prior_layout: Layout | None = None,
                prior_depends: Mapping[str, frozenset[str]] | None = None) -> list[Finding]:
    """`rule-failed` for the current year's rules (unless `current` is False); `prior-year-mismatch`
    when `prior` values are given. `prior_layout`/`prior_depends`: last year's workbook was made from
    another template (the 2020 report in the 2019 format): only the prior-year rules whose `prior.`
    cells that template has too are checked, and those cells are named where they are in it."""
    findings = []
    scopes = (["current"] if current else []) + (["prior"] if prior is not None else [])
    last_year = prior_layout or layout
    for scope in scopes:
        for outcome in recompute.check_rules(values, prior, scope=scope):
            if scope == "prior" and prior_layout is not None and not _same_cells(layout, prior_layout, outcome):
                continue
            inputs_used = set().union(*(depends.get(d, frozenset({d})) for d in outcome.datapoints))
            if outcome.holds or inputs_used & bad_inputs:
                continue
            if scope == "prior" and _prior_inputs(last_year, outcome, prior_depends or depends) & prior_bad:
                continue
            findings.append(_finding(layout, outcome, scope, last_year))
    return findings


def _same_cells(layout: Layout, prior_layout: Layout, outcome: RuleOutcome) -> bool:
    """Every `prior.` reference of the rule covers the same data points in last year's template."""
    for a, b in references(outcome.rule.left + " " + outcome.rule.right):
        if not is_prior(a):
            continue
        if any(strip_prior(d) not in prior_layout.by_id for d in (a, b) if d) \
                or prior_layout.grid(a, b) != layout.grid(a, b):
            return False
    return True


def _prior_inputs(layout: Layout, outcome: RuleOutcome, depends: Mapping[str, frozenset[str]]) -> set[str]:
    """Last year's cells a rule reads (range interiors included), through its formulas to its inputs."""
    cells: set[str] = set()
    for a, b in references(outcome.rule.left + " " + outcome.rule.right):
        if is_prior(a):
            cells.update(d for row in layout.grid(a, b) for d in row if d)
    return set().union(*(depends.get(d, frozenset()) | {d} for d in cells)) if cells else set()


def _finding(layout: Layout, outcome: RuleOutcome, scope: str, prior_layout: Layout) -> Finding:
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
        left=_side(layout, rule.left, outcome.left, rule.left + " " + rule.right, anchor, prior_layout),
        comparator=rule.comparator,
        right=_side(layout, rule.right, outcome.right, rule.left + " " + rule.right, anchor, prior_layout),
    )


# A run of at least this many cells added one by one is shown as a range (D8:D22), not D8+D9+…+D22.
RUN_LENGTH = 3
_Placed = tuple[Term, Cell, Cell]  # a term and its first and last cell


def _side(layout: Layout, formula: str, value: Any, whole: str, anchor: Cell | None, prior_layout: Layout) -> Side:
    """One side of a rule as staff read it: each reference as its cell (D5, or D8:D22) and short
    label, sums over a range or over a run of adjacent cells as one term, constants as written.
    Last year's cells are named where `prior_layout` (last year's template) has them."""
    common = _common_labels(layout, whole)
    sheet = anchor.sheet if anchor else ""
    placed: list[_Placed | str] = []
    for piece in pieces(formula):
        if isinstance(piece, str):
            placed.append(piece)
            continue
        first, last = piece
        book = prior_layout if is_prior(first) else layout
        a = book.by_id[strip_prior(first)]
        b = book.by_id[strip_prior(last)] if last else a
        cell = book.reference(a.datapoint, b.datapoint if last else None, sheet)
        term = Term(cell, _short(a, common), _short(b, common) if last else "", is_prior(first))
        placed.append((term, a, b))
    runs = _runs(layout, prior_layout, _sums(placed), sheet)
    return Side(formula, tuple(p if isinstance(p, str) else p[0] for p in runs), value)


def _common_labels(layout: Layout, formula: str) -> set[str]:
    """The label words every cell of the rule shares (its column, its table): said once by the
    finding's own label, so each cell is named by what sets it apart."""
    paths = [set(layout.by_id[strip_prior(d)].label_path)
             for a, b in references(formula) for d in (a, b) if d]
    return set.intersection(*paths) if paths else set()


def _short(cell: Cell, common: set[str]) -> str:
    own = [part for part in cell.label_path if part not in common] or list(cell.label_path[-1:])
    text = ""
    for part in own:  # 三、本年度办理结果（七）总计: a bracketed sub-item follows its item directly
        text += part if not text or part.startswith("（") else PATH_SEPARATOR + part
    return text


def _sums(placed: list[_Placed | str]) -> list[_Placed | str]:
    """`SUM(` range `)` as one summed term."""
    out: list[_Placed | str] = []
    i = 0
    while i < len(placed):
        p = placed[i]
        before = out[-1] if out else None
        after = placed[i + 1] if i + 1 < len(placed) else None
        if (not isinstance(p, str) and p[0].last_label and isinstance(before, str) and before.rstrip().endswith("SUM(")
                and isinstance(after, str) and after.lstrip().startswith(")")):
            head = before.rstrip()[: -len("SUM(")]
            out[-1:] = [head] if head.strip() else []
            out.append(p)
            tail = after.lstrip()[1:]
            if tail.strip():
                out.append(tail)
            i += 2
            continue
        out.append(p)
        i += 1
    return out


def _runs(layout: Layout, prior_layout: Layout, placed: list[_Placed | str], sheet: str) -> list[_Placed | str]:
    """Single cells added one after another along a row or a column, `RUN_LENGTH` or more of them,
    as one summed range term (`D8:D22`) — only where that keeps the meaning: not after a minus
    (a - b + c + d is not a minus the sum) and not beside a product or a power."""
    out: list[_Placed | str] = []
    i = 0
    while i < len(placed):
        j = i  # the run's last term, at an even offset from i
        while (j + 2 < len(placed) and isinstance(placed[j + 1], str) and str(placed[j + 1]).strip() == "+"
               and _next_to(placed[j], placed[j + 2])):
            j += 2
        count = (j - i) // 2 + 1
        before = str(placed[i - 1]).strip() if i > 0 else ""
        after = str(placed[j + 1]).strip() if j + 1 < len(placed) else ""
        whole = (before in ("", "+") or before.endswith("(")) and (after == "" or after[0] in "+-)")
        if count >= RUN_LENGTH and whole:
            first, last = placed[i], placed[j]
            assert not isinstance(first, str) and not isinstance(last, str)
            book = prior_layout if first[0].prior else layout
            cell = book.reference(first[1].datapoint, last[1].datapoint, sheet)
            out.append((Term(cell, first[0].label, last[0].label, first[0].prior), first[1], last[1]))
            i = j + 1
        else:
            out.append(placed[i])
            i += 1
    return out


def _next_to(p: _Placed | str, q: _Placed | str) -> bool:
    if isinstance(p, str) or isinstance(q, str) or p[0].last_label or q[0].last_label or p[0].prior != q[0].prior:
        return False
    a, b = p[1], q[1]
    return a.sheet == b.sheet and ((a.col == b.col and b.row == a.row + 1) or (a.row == b.row and b.col == a.col + 1))
