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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..spec.ids import ID_RE
from ..template.registry import Template
from .labels import template_key
from .tokens import BLANK, NUMBER, Unit, number

MAX_CANDIDATES = 20000  # enumerations beyond this are not tried: the row stays ambiguous
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
    count: int  # how many readings satisfy the identities
    checked: bool  # some identity had all its other cells known
    digit_run: bool  # a digit run was split in some candidate


def resolve_row(tokens: Sequence[Unit], datapoints: Sequence[str], known: Mapping[str, float],
                rules: Sequence[Identity], allow_blanks: bool) -> Resolution:
    """Make `len(datapoints)` cells of `tokens` (which do not fit as they are), checked against every
    identity whose cells are this row's or `known`."""
    n = len(datapoints)
    mine = set(datapoints)
    usable = [r for r in rules if any(d in mine for d, _ in r) and all(d in mine or d in known for d, _ in r)]
    if not usable or any(t.kind not in (NUMBER, BLANK) for t in tokens):
        return Resolution(None, (), 0, bool(usable), False)
    index = {d: i for i, d in enumerate(datapoints)}
    survivors: list[tuple[int | float | None, ...]] = []
    split_any = False
    tried = 0
    for cand, was_split in _candidates(tokens, n, allow_blanks):
        tried += 1
        if tried > MAX_CANDIDATES:
            return Resolution(None, tuple(survivors[:5]), len(survivors) + 1, True, True)
        if all(_holds(r, cand, index, known) for r in usable):
            survivors.append(cand)
            split_any = split_any or was_split
    unique = survivors[0] if len(survivors) == 1 else None
    return Resolution(unique, tuple(survivors[:5]), len(survivors), True, split_any)


def _holds(rule: Identity, cand: tuple[int | float | None, ...], index: Mapping[str, int],
           known: Mapping[str, float]) -> bool:
    total = 0.0
    for d, c in rule:
        v = cand[index[d]] if d in index else known[d]
        total += c * (v or 0)
    return abs(total) < 1e-6


def _candidates(tokens: Sequence[Unit], n: int, allow_blanks: bool
                ) -> Iterator[tuple[tuple[int | float | None, ...], bool]]:
    """Every reading of the tokens as n cells: digit runs split without leading zeros, and (in text
    without cell boundaries) up to MAX_BLANKS vanished blanks inserted."""
    options: list[list[tuple[int | float | None, ...]]] = []
    for t in tokens:
        if t.kind == BLANK:
            options.append([(None,)])
            continue
        value = number(t.text)
        digits = t.text.strip()
        opts: list[tuple[int | float | None, ...]] = [(value,)]
        if digits.isdigit() and len(digits) > 1:
            opts = [tuple(int(p) for p in parts) for parts in _splits(digits, n)]
        options.append(opts)

    def walk(i: int, acc: tuple[int | float | None, ...], split: bool
             ) -> Iterator[tuple[tuple[int | float | None, ...], bool]]:
        if len(acc) > n:
            return
        if i == len(options):
            missing = n - len(acc)
            if missing == 0:
                yield acc, split
            elif allow_blanks and 0 < missing <= MAX_BLANKS:
                yield from ((c, split) for c in _with_blanks(acc, missing))
            return
        for opt in options[i]:
            yield from walk(i + 1, acc + opt, split or len(opt) > 1)

    yield from walk(0, (), False)


def _splits(digits: str, most: int) -> Iterator[tuple[str, ...]]:
    """A digit string cut into 1..most parts, no part with a leading zero (except "0")."""
    if not digits:
        yield ()
        return
    if most <= 0:
        return
    if digits[0] == "0":
        for rest in _splits(digits[1:], most - 1):
            yield ("0",) + rest
        return
    for cut in range(len(digits), 0, -1):
        head = digits[:cut]
        for rest in _splits(digits[cut:], most - 1):
            yield (head,) + rest


def _with_blanks(values: tuple[int | float | None, ...], missing: int) -> Iterator[tuple[int | float | None, ...]]:
    if missing == 0:
        yield values
        return
    seen = set()
    for pos in range(len(values) + 1):
        for rest in _with_blanks(values[:pos] + (None,) + values[pos:], missing - 1):
            if rest not in seen:
                seen.add(rest)
                yield rest
