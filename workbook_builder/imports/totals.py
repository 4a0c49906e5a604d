"""Printed totals against their printed parts: a total the report prints that its own parts do not add
up to is named with both figures (published-total-mismatch).

Each total is compared with the template's formula over the figures *as printed* (a printed row
total against the printed column totals it sums), so one wrong figure gives one finding: the totals
above it that add up with it as printed are not wrong themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..check.computed import same_value
from ..findings import Code, Finding, make
from ..spec.formula_text import references
from ..template.layout import Cell, Layout
from ..template.recompute import Recompute, Value
from .model import CellRead

# 一、 （一） 1. : the numbering a label starts with, which is how people name a row in a sentence
_NUMBERING = re.compile(r"^(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|\d+[.．])")


@dataclass(frozen=True)
class Mismatch:
    """A printed total that its printed parts do not add up to."""

    datapoint: str
    printed: Value
    expected: Value  # the parts, as printed, added up by the template's formula
    parts: str  # the parts in words: （一）至（六）各项
    rule: str  # the identity in words, for a parse doubt: （七）总计＝（一）至（六）各项之和
    datapoints: list[str]  # the total and its parts


def printed_totals(layout: Layout, engine: Recompute, cells: Mapping[str, CellRead], printed: Mapping[str, Value],
                   bad: set[str]) -> list[Mismatch]:
    """Every formula cell printed as a number whose printed parts give another figure. A total with a
    part that is not a number is not compared: that part has its own finding."""
    out = []
    for dp, expr in engine.cells:
        read = cells.get(dp)
        cell = layout.by_id[dp]
        if read is None or read.status != "value" or cell.kind != "formula":
            continue
        parts = list(dict.fromkeys(expr.datapoints))
        if any(p in bad or (p in cells and cells[p].status != "value" and layout.by_id[p].kind == "formula")
               for p in parts):
            continue
        expected = engine.evaluate(expr, printed)
        if same_value(expected, read.value):
            continue
        words = parts_words(layout, cell)
        out.append(Mismatch(dp, read.value, expected, words, f"{_own(cell)}＝{words}之和", [dp, *parts]))
    return out


def total_findings(layout: Layout, mismatches: list[Mismatch], explained: Mapping[Finding, tuple[list[str], bool]],
                   cells: Mapping[str, CellRead]) -> list[Finding]:
    """One finding per printed total that does not add up. The rules that fail only because of it
    (`explained`: rule finding → the wrong totals it reads, and whether it fails on the printed
    figures or on the parts' sums) are named on it."""
    out = []
    for m in mismatches:
        mine = [(f.rule or "", on_print) for f, (dps, on_print) in explained.items() if m.datapoint in dps]
        rules = list(dict.fromkeys(rule for rule, _ in mine))
        reason = "sum"
        if rules:
            reason = "sum-rule" if any(on_print for _, on_print in mine) else "sum-rule-parts"
        extra: dict[str, Any] = {"rules": "、".join(rules)} if rules else {}
        read = cells.get(m.datapoint)
        out.append(make(Code.PUBLISHED_TOTAL_MISMATCH, reason,
                        cell=(read.where if read else "") or None, datapoint=m.datapoint,
                        label=layout.by_id[m.datapoint].label, expected=m.expected, actual=m.printed,
                        parts=m.parts, **extra))
    return out


def parts_words(layout: Layout, cell: Cell) -> str:
    """A total's parts as people say them: `（一）至（六）各项`, `自然人至其他各列`, or their labels."""
    words = []
    for first, last in references(cell.source):
        a = layout.by_id[first]
        if not last:
            words.append(_own(a, cell))
            continue
        b = layout.by_id[last]
        common = set(a.label_path) & set(b.label_path)
        own_a = [p for p in a.label_path if p not in common] or list(a.label_path[-1:])
        own_b = [p for p in b.label_path if p not in common] or list(b.label_path[-1:])
        if a.row == b.row:  # along a row: the columns' own (leaf) labels
            words.append(f"{own_a[-1]}至{own_b[-1]}各列")
            continue
        head_a, head_b = own_a[0], own_b[0]
        num_a, num_b = _NUMBERING.match(head_a), _NUMBERING.match(head_b)
        if num_a and num_b:
            head_a, head_b = num_a.group(1), num_b.group(1)
        words.append(f"{head_a}至{head_b}各项")
    return "、".join(words)


def _own(cell: Cell, beside: Cell | None = None) -> str:
    """A cell's short name: the labels it does not share with `beside` (its row's label and its
    column's, `（七）总计`)."""
    path = list(cell.label_path)
    if beside is not None:
        path = [p for p in path if p not in beside.label_path] or path[-1:]
    elif len(path) > 1:
        path = path[1:] if _NUMBERING.match(path[0]) and len(path) > 2 else path
    return "".join(path) if all(p.startswith("（") for p in path[1:]) else " ".join(path)


def rooted(layout: Layout, engine: Recompute, wrong: set[str], printed: Mapping[str, Value],
           recomputed: Mapping[str, Value]) -> dict[str, set[str]]:
    """Each printed total that differs from its recomputed sum → the wrong totals below it that
    explain the difference (a row total that adds up as printed, over a column total that does not)."""
    roots: dict[str, set[str]] = {dp: {dp} for dp in wrong}
    for dp, expr in engine.cells:  # dependency order
        if dp in roots or layout.by_id[dp].kind != "formula" or same_value(printed.get(dp), recomputed.get(dp)):
            continue
        below = set().union(*(roots.get(p, set()) for p in expr.datapoints))
        if below:
            roots[dp] = below
    return roots
