"""Rows whose figures do not fit their columns, resolved only by the template's own arithmetic.

A row printed with fewer figures than columns may hold digit runs ("713000074": cells that ran
together) or, in extracted PDF text, a blank cell that vanished. Every way to make the row's columns
out of its tokens is enumerated (bounded; no leading zeros), and kept only when every identity of the
template whose cells are all known holds: its SUM formulas (a row total, a column total) and its "="
rules (一＋二＝三（七）＋四). Exactly one survivor is the reading; anything else is ambiguous.
No identity is typed here: they are read from the template.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..spec.ids import ID_RE
from ..template.registry import Template
from .labels import template_key
from .tokens import BLANK, MAX_DIGITS, NUMBER, Unit, number

MAX_STEPS = 200_000  # search steps for one row; beyond this the row stays ambiguous
MAX_FOUND = 500  # readings counted at most: beyond that "several" is all there is to say
MAX_BLANKS = 2  # vanished blank cells tried in one row
_TERM = re.compile(r"\s*([+-]?)\s*(?:SUM\(([^()]*)\)|(" + ID_RE.pattern + r"))\s*")

Identity = tuple[tuple[str, int], ...]  # Σ coefficient × data point = 0


_IDENTITIES: dict[tuple[str, str, str], tuple[Identity, ...]] = {}


def identities(template: Template) -> tuple[Identity, ...]:
    """The template's linear identities over data points: each computed SUM (target − Σ parts = 0)
    and each current-year rule with "=" whose sides are sums and differences of data points."""
    key = template_key(template)
    if key not in _IDENTITIES:
        _IDENTITIES[key] = _identities(template)
    return _IDENTITIES[key]


def _identities(template: Template) -> tuple[Identity, ...]:
    layout = template.layout
    out: list[Identity] = []
    for computed in template.spec.computed:
        terms = _linear(computed.formula, layout)
        if terms is not None:
            out.append(_combine([(computed.target, 1)] + [(d, -c) for d, c in terms]))
    for rule in template.spec.rules:
        if rule.comparator != "=" or rule.scope != "current" or "prior." in rule.left + rule.right:
            continue
        left, right = _linear(rule.left, layout), _linear(rule.right, layout)
        if left is not None and right is not None:
            out.append(_combine(left + [(d, -c) for d, c in right]))
    return tuple(i for i in out if i)


def _linear(text: str, layout) -> list[tuple[str, int]] | None:  # type: ignore[no-untyped-def]
    """`a+b-SUM(c:d)` as [(a, 1), (b, 1), (c, -1), …]; None for anything else."""
    out: list[tuple[str, int]] = []
    pos = 0
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or m.end() == pos:
            return None
        sign = -1 if m.group(1) == "-" else 1
        if m.group(3):
            if m.group(3) not in layout.by_id:
                return None
            out.append((m.group(3), sign))
        else:
            for part in m.group(2).split(","):
                first, _, last = part.strip().partition(":")
                if first not in layout.by_id or (last and last not in layout.by_id):
                    return None
                out.extend((d, sign) for row in layout.grid(first, last or None) for d in row if d)
        pos = m.end()
    return out


def _combine(terms: list[tuple[str, int]]) -> Identity:
    coef: dict[str, int] = {}
    for d, c in terms:
        coef[d] = coef.get(d, 0) + c
    return tuple((d, c) for d, c in coef.items() if c)


@dataclass(frozen=True)
class Resolution:
    """How a row's tokens were made into its columns: the unique reading (None if there is none),
    up to five candidates when there are several, whether any identity could be checked."""

    cells: tuple[int | float | None, ...] | None  # None in a cell: a blank
    candidates: tuple[tuple[int | float | None, ...], ...]
    count: int  # how many readings satisfy the identities (at least this many when `exhausted`)
    checked: bool  # some identity had all its other cells known
    digit_run: bool  # a digit run was split in some candidate
    exhausted: bool = False  # the search gave up (MAX_STEPS): never a reading then


Cell = int | float | None


def resolve_row(tokens: Sequence[Unit], datapoints: Sequence[str], known: Mapping[str, float],
                rules: Sequence[Identity], allow_blanks: bool) -> Resolution:
    """Make `len(datapoints)` cells of `tokens` (which do not fit as they are), checked against every
    identity whose cells are this row's or `known`.

    A depth-first search over the cells in order: a digit run gives the next cell 1, 2, … of its
    digits (no leading zero), any other token one cell, and (text without cell boundaries) a blank may
    stand between tokens. Each identity is checked as soon as its last cell in the row is placed, so
    a row of 15 cells with three totals (表四) is searched, not enumerated."""
    n = len(datapoints)
    index = {d: i for i, d in enumerate(datapoints)}
    usable = [r for r in rules if any(d in index for d, _ in r) and all(d in index or d in known for d, _ in r)]
    if not usable or any(t.kind not in (NUMBER, BLANK) for t in tokens):
        return Resolution(None, (), 0, bool(usable), False)
    checks: dict[int, list[tuple[float, list[tuple[int, int]]]]] = {}
    for rule in usable:
        outside = sum(c * known[d] for d, c in rule if d not in index)
        inside = [(index[d], c) for d, c in rule if d in index]
        checks.setdefault(max(i for i, _ in inside), []).append((outside, inside))
    pieces = [_piece(t) for t in tokens]
    search = _Search(pieces, n, checks, MAX_BLANKS if allow_blanks else 0)
    search.run()
    found = search.found
    unique = found[0][0] if len(found) == 1 and not search.exhausted else None
    return Resolution(unique, tuple(c for c, _ in found[:5]), len(found), True,
                      any(split for _, split in found), search.exhausted)


def _piece(token: Unit) -> tuple[str, Cell]:
    """("digits", None) for a run that may be split, ("one", value) for a token that is one cell."""
    if token.kind == BLANK:
        return ("one", None)
    text = token.text.strip()
    if text.isdigit() and len(text) > 1:
        return (text, None)
    return ("one", number(text))


class _Search:
    """The depth-first search of `resolve_row`, bounded by MAX_STEPS."""

    def __init__(self, pieces: list[tuple[str, Cell]], n: int,
                 checks: Mapping[int, list[tuple[float, list[tuple[int, int]]]]], blanks: int) -> None:
        self.pieces, self.n, self.checks, self.blanks = pieces, n, checks, blanks
        self.found: list[tuple[tuple[Cell, ...], bool]] = []
        self.steps = 0
        self.exhausted = False
        # the fewest cells the pieces from k on can make (one each), for pruning
        self.least = [len(pieces) - k for k in range(len(pieces) + 1)]
        self.most = [0] * (len(pieces) + 1)
        for k in range(len(pieces) - 1, -1, -1):
            text = pieces[k][0]
            self.most[k] = self.most[k + 1] + (len(text) if text != "one" else 1)

    def run(self) -> None:
        self._walk(0, 0, [], False, 0)

    def _walk(self, k: int, pos: int, cells: list[Cell], split: bool, blanks: int) -> None:
        if self.exhausted or len(self.found) > MAX_FOUND:
            return
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.exhausted = True
            return
        left = self.n - len(cells)
        if k == len(self.pieces):
            if left == 0:
                self.found.append((tuple(cells), split))
            elif left <= self.blanks - blanks:
                self._place(k, 0, cells, None, split, blanks + 1)
            return
        text, value = self.pieces[k]
        rest_least = self.least[k + 1]
        if pos == 0 and blanks < self.blanks and left > self.least[k]:
            self._place(k, 0, cells, None, split, blanks + 1)  # a blank that vanished before piece k
        if text == "one":
            if left >= 1 + rest_least:
                self._place(k + 1, 0, cells, value, split, blanks)
            return
        remaining = text[pos:]
        if remaining[0] == "0":
            lengths: range | list[int] = [1]
        else:  # no cell holds more than MAX_DIGITS digits
            lengths = range(min(len(remaining), MAX_DIGITS), 0, -1)
        if len(remaining) - MAX_DIGITS * left > 0:
            return  # more digits than the cells left can hold
        for size in lengths:
            done = size == len(remaining)
            later = (rest_least if done else 1 + rest_least)
            if left - 1 < later:
                continue
            if left - 1 > (self.most[k + 1] if done else len(remaining) - size + self.most[k + 1]) \
                    + (self.blanks - blanks):
                continue
            cell = int(remaining[:size])
            self._place(k + 1 if done else k, 0 if done else pos + size, cells, cell,
                        split or size < len(text), blanks)

    def _place(self, k: int, pos: int, cells: list[Cell], cell: Cell, split: bool, blanks: int) -> None:
        self.steps += 1  # a cell tried is a step too: a long run tries many, most failing at once
        if self.steps > MAX_STEPS:
            self.exhausted = True
            return
        cells.append(cell)
        i = len(cells) - 1
        if all(abs(outside + sum(c * (cells[j] or 0) for j, c in inside)) < 1e-6
               for outside, inside in self.checks.get(i, ())):
            self._walk(k, pos, cells, split, blanks)
        cells.pop()
