"""Check a published report as read (a `Reading`) into the same `FileResult` a workbook gets.

The template stays the authority, as for a workbook: every total is recomputed from the inputs read,
and the template's rules run on those sums. A published report also prints its own totals, so the
rules run a second time on the figures as printed, and each printed total is compared with its own
printed parts. One wrong figure is told once: a rule that fails only because of a printed total is
said on that total's finding, and a failed identity in a row split from a digit run is a doubt about
the split (`import-suspect`), not the unit's error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..check.computed import same_value
from ..check.result import FileResult, TemplateRef
from ..check.rules import check_rules
from ..check.workbook import with_prior
from ..findings import Code, Finding, make
from ..findings.catalogue import Side, Term
from ..ooxml.refs import parse_a1
from ..template.inputs import check_value, describe
from ..template.layout import Layout
from ..template.registry import Template
from .headings import check_headings
from .model import CellRead, Reading
from .prose import check_prose
from .totals import Mismatch, printed_totals, rooted, total_findings

_NONE = CellRead("missing")
NOT_A_NUMBER = {"blank": "blank", "slash": "slash"}  # CellRead.status → published-not-a-number reason


def check_reading(reading: Reading, template: Template) -> FileResult:
    """Every check of a published report: values recomputed, N1, totals, rules, parse doubts, headings,
    prose. The result's `path` is "" (the caller sets it)."""
    layout, engine = template.layout, template.recompute
    spec = template.spec
    if any(f.code == Code.IMPORT_NOT_A_REPORT for f in reading.findings):
        # no table of the report in it (a note, an empty file): that is the one thing to say, not
        # six missing headings and a rule on nothing
        return FileResult("", TemplateRef(spec.id, spec.version), tuple(reading.findings), unit=reading.unit,
                          year=reading.year, invalid_inputs=frozenset(c.datapoint for c in layout.inputs))
    # figures as a workbook's reader gives them: the engine and the rules compare floats (an int 0
    # would fail 0 <= 0+0)
    cells = {dp: replace(c, value=float(c.value)) if isinstance(c.value, int) and not isinstance(c.value, bool) else c
             for dp, c in reading.cells.items() if dp in layout.by_id}
    # a figure the template does not accept (1.5 or -1 in a count) is told as a workbook's would be,
    # and left out of the sums like any input that is not a number
    invalid, rejected = _invalid_values(layout, cells)
    inputs: dict[str, Any] = {dp: c.value for dp, c in cells.items()
                              if c.status == "value" and layout.by_id[dp].kind == "input" and dp not in rejected}
    bad = {dp for dp, c in cells.items() if c.status != "value" and layout.by_id[dp].kind == "input"} | rejected
    # a table input the reading does not hold at all is not a blank to add as 0: it is unknown too
    fields = {f.id for sheet in spec.sheets for block in sheet.blocks for f in block.fields}
    bad |= {c.datapoint for c in layout.inputs if c.datapoint not in fields and c.datapoint not in cells}
    known: dict[str, Any] = dict(reading.prose)
    if spec.unit_field and reading.unit:
        known[spec.unit_field] = reading.unit
    if spec.year_field and reading.year is not None:
        known[spec.year_field] = float(reading.year)  # as a workbook's whole number reads
    recomputed = engine.compute({**known, **inputs})
    printed = _printed(layout, cells, recomputed)

    mismatches = printed_totals(layout, engine, cells, printed, bad)
    findings: list[Finding] = list(reading.findings)
    findings += _not_a_number(layout, cells) + invalid
    both, sums_only, printed_only = _rules(template, recomputed, printed, bad, cells)
    suspects: dict[str, list[str]] = {}  # a rebuilt cell's source text → the identities that fail on it
    kept_totals = [m for m in mismatches if not _suspect(m.rule, m.datapoints, cells, suspects)]
    rules = [f for f in both + sums_only + printed_only
             if not _suspect(f.rule or "", _datapoints(layout, f.cells), cells, suspects)]
    explained = _explain(template, [f for f in rules if f in sums_only], [f for f in rules if f in printed_only],
                         recomputed, printed, kept_totals)
    findings += total_findings(layout, kept_totals, explained, cells)
    # a rule's figures as it was evaluated: the parts' sums, or the totals as printed
    unexplained = _not_implied(template, [f for f in rules if f not in explained])
    findings += [_placed(layout, f, cells, printed if f in printed_only else recomputed) for f in unexplained]
    findings += _suspect_findings(layout, cells, suspects)
    findings += check_headings(spec, reading.headings)
    # the prose quotes the tables as printed (a total not printed as a number, over a cell that is not
    # one either, is unknown), or agrees with the parts' sum where a printed total is wrong
    depends = engine.dependencies
    unknown = bad | {dp for dp, d in depends.items() if d & bad and cells.get(dp, _NONE).status != "value"}
    findings += check_prose(layout, reading.prose,
                            [(printed, unknown), (recomputed, bad | {dp for dp, d in depends.items() if d & bad})])
    return FileResult(
        "", TemplateRef(spec.id, spec.version), tuple(findings), unit=reading.unit, year=reading.year,
        invalid_inputs=frozenset(bad), values=recomputed,
    )


def _printed(layout: Layout, cells: Mapping[str, CellRead], recomputed: Mapping[str, Any]) -> dict[str, Any]:
    """The values as the report prints them: a total printed as a number replaces its recomputed
    sum. The live check cells are left out, so the rules are evaluated on these figures rather than
    read off a 平衡 computed from the recomputed sums."""
    out = {dp: v for dp, v in recomputed.items() if dp not in layout.by_id or layout.by_id[dp].kind not in
           ("check", "summary")}
    for dp, c in cells.items():
        if c.status == "value" and layout.by_id[dp].kind == "formula":
            out[dp] = c.value
    return out


def _invalid_values(layout: Layout, cells: Mapping[str, CellRead]) -> tuple[list[Finding], set[str]]:
    """Inputs read as a figure their input spec does not accept, as `check` reports them in a workbook."""
    out, rejected = [], set()
    for dp, c in cells.items():
        cell = layout.by_id[dp]
        if c.status != "value" or cell.kind != "input" or cell.input is None:
            continue
        problem = check_value(cell.input, c.value)
        if problem is None:
            continue
        rejected.add(dp)
        out.append(make(problem.code, problem.reason, cell=c.where or None, datapoint=dp, label=cell.label,
                        expected=describe(cell.input), actual=c.raw or c.value, **problem.fields()))
    return out, rejected


def _not_a_number(layout: Layout, cells: Mapping[str, CellRead]) -> list[Finding]:
    """N1: a blank or a "/" where the table needs a number (a printed total too)."""
    out = []
    for dp, c in cells.items():
        reason = NOT_A_NUMBER.get(c.status)
        if reason is None:
            continue
        fields: dict[str, Any] = {"raw": c.raw or ""} if reason == "slash" else {}
        out.append(make(Code.PUBLISHED_NOT_A_NUMBER, reason, cell=c.where or None, datapoint=dp,
                        label=layout.by_id[dp].label, **fields))
    return out


def _rules(template: Template, recomputed: Mapping[str, Any], printed: Mapping[str, Any], bad: set[str],
           cells: Mapping[str, CellRead]) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """The template's rules on the recomputed sums and on the totals as printed: those failing on
    both, on the sums only, on the printed totals only.

    On printed figures a printed total stands on its own: a blank among its parts does not stop
    the rule from being checked with the total as printed."""
    layout, engine = template.layout, template.recompute
    depends = engine.dependencies
    on_sums = check_rules(layout, engine, recomputed, bad, depends)
    printed_depends = {dp: (frozenset() if cells.get(dp) and cells[dp].status == "value" else d)
                       for dp, d in depends.items()}
    on_print = check_rules(layout, engine, printed, bad, printed_depends)
    sums = {(f.rule, f.cell) for f in on_sums}
    prints = {(f.rule, f.cell) for f in on_print}
    return ([f for f in on_sums if (f.rule, f.cell) in prints], [f for f in on_sums if (f.rule, f.cell) not in prints],
            [f for f in on_print if (f.rule, f.cell) not in sums])


def _explain(template: Template, sums_only: list[Finding], printed_only: list[Finding],
             recomputed: Mapping[str, Any], printed: Mapping[str, Any],
             totals: list[Mismatch]) -> dict[Finding, tuple[list[str], bool]]:
    """Rules that fail on one reading of the tables and hold on the other, where the two differ only
    by printed totals already reported as not adding up: the rule is said on those totals' findings
    (finding → the wrong totals, and whether it failed on the printed figures), not once more."""
    layout = template.layout
    roots = rooted(layout, template.recompute, {m.datapoint for m in totals}, printed, recomputed)
    out = {}
    for f in sums_only + printed_only:
        differing = [dp for dp in _datapoints(layout, f.cells)
                     if layout.by_id[dp].kind == "formula" and not same_value(printed.get(dp), recomputed.get(dp))]
        if differing and all(dp in roots for dp in differing):
            out[f] = (sorted(set().union(*(roots[dp] for dp in differing))), f in printed_only)
    return out


def _not_implied(template: Template, rules: list[Finding]) -> list[Finding]:
    """Without the failures another failure of the same rule already says: T3-A in the 总计 column,
    whose four figures are sums over the 自然人 column's, fails because the 自然人 column does."""
    layout, depends = template.layout, template.recompute.dependencies
    points = {id(f): _datapoints(layout, f.cells) for f in rules}
    out = []
    for f in rules:
        mine = points[id(f)]
        if mine and all(layout.by_id[dp].kind == "formula" for dp in mine):
            below = set().union(*(depends.get(dp, frozenset()) for dp in mine))
            if any(g is not f and g.rule == f.rule and set(points[id(g)]) <= below for g in rules):
                continue
        out.append(f)
    return out


def _datapoints(layout: Layout, refs: tuple[str, ...]) -> list[str]:
    by_ref = _by_ref(layout)
    return [by_ref[r] for r in refs if r in by_ref]


def _by_ref(layout: Layout) -> dict[str, str]:
    return {c.ref: dp for dp, c in layout.by_id.items()}


def _suspect(rule: str, datapoints: list[str], cells: Mapping[str, CellRead], suspects: dict[str, list[str]]) -> bool:
    """A failed identity over a cell split from a digit run: recorded as a doubt about that split."""
    rebuilt = [cells[dp] for dp in datapoints if dp in cells and cells[dp].rebuilt and cells[dp].raw]
    for c in rebuilt:
        rules = suspects.setdefault(c.raw or "", [])
        if rule not in rules:
            rules.append(rule)
    return bool(rebuilt)


def _suspect_findings(layout: Layout, cells: Mapping[str, CellRead], suspects: dict[str, list[str]]) -> list[Finding]:
    """One `import-suspect` per source digit run, naming the split and every identity that fails."""
    out = []
    for raw, rules in suspects.items():
        split = [(dp, c) for dp, c in cells.items() if c.rebuilt and c.raw == raw]
        dp, first = split[0]
        shown = "、".join(_show(c.value) for _, c in split if c.status == "value")
        out.append(make(Code.IMPORT_SUSPECT, "rule", cell=first.where or None, datapoint=dp,
                        label=layout.by_id[dp].label, rule="、".join(rules), raw=raw, split=shown))
    return out


def _show(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _placed(layout: Layout, f: Finding, cells: Mapping[str, CellRead], values: Mapping[str, Any],
            prior: Mapping[str, Any] | None = None) -> Finding:
    """A rule finding placed in the report: at the text where its figures were found, and each side
    showing the figures (a published report has no D5 to look up)."""
    points = [dp for dp in _datapoints(layout, f.cells) if dp in cells]
    where = [cells[dp].where for dp in points]
    # a rule shown in the workbook is anchored at its check row, which a report does not print: the
    # finding goes to the first figure the rule reads
    dp = f.datapoint if f.datapoint in cells else (points[0] if points else None)
    anchor = cells.get(dp or "")
    sheet = layout.by_id[f.datapoint].sheet if f.datapoint and f.datapoint in layout.by_id else ""
    params = dict(f.params)
    for name in ("left", "right"):
        side = params.get(name)
        if isinstance(side, Side):
            parts = tuple(_figure(layout, p, sheet, prior if isinstance(p, Term) and p.prior and prior is not None
                                  else values) for p in side.parts)
            params[name] = Side(side.formula, parts, side.value)
    # the catalogue's fix for a report: its figures are checked against the report, not cells corrected
    reason = "in-report" if f.reason == "failed" else f.reason
    return replace(f, reason=reason, cell=(anchor.where if anchor else None) or None, datapoint=dp,
                   label=layout.by_id[dp].label if dp else f.label, cells=tuple(w for w in where if w),
                   params=tuple(sorted(params.items())))


def with_prior_published(result: FileResult, reading: Reading, template: Template, prior: FileResult) -> FileResult:
    """`check.workbook.with_prior` for a published report: the year-on-year findings placed at the
    report's text, showing this year's and last year's figures (the prior may be a workbook or a report)."""
    checked = with_prior(result, template, prior)
    before = set(result.findings)
    new = tuple(f for f in checked.findings if f not in before)
    if not new:
        return checked
    cells = {dp: c for dp, c in reading.cells.items() if dp in template.layout.by_id}
    placed = [_placed(template.layout, f, cells, result.values, prior.values)
              for f in _not_implied(template, list(new))]
    return result.with_findings(result.findings + tuple(placed))


def _figure(layout: Layout, part: Term | str, sheet: str, values: Mapping[str, Any]) -> Term | str:
    """A term of a rule's side with the figure it stands for in place of its cell reference."""
    if isinstance(part, str):
        return part
    total = 0.0
    for dp in _cells_of(layout, part.cell, sheet):
        v = values.get(dp)
        total += v if isinstance(v, (int, float)) and not isinstance(v, bool) else 0.0
    return replace(part, cell=_show(total))


def _cells_of(layout: Layout, ref: str, sheet: str) -> list[str]:
    """The data points of `D5`, `D8:D22` or `'复议诉讼'!B5` (a finding's reference on `sheet`)."""
    if "!" in ref:
        quoted, _, ref = ref.rpartition("!")
        sheet = quoted.strip("'").replace("''", "'")
    first, _, last = ref.partition(":")
    r1, c1 = parse_a1(first)
    r2, c2 = parse_a1(last) if last else (r1, c1)
    at = {(c.row, c.col): dp for dp, c in layout.by_id.items() if c.sheet == sheet}
    return [at[(r, c)] for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) in at]
