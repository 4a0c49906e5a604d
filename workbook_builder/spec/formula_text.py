"""Excel formulas written over data point IDs: find the IDs, and translate them into references.

Template formulas read `SUM(requests.new.person:requests.new.other_org)`; the layout turns each ID
into a cell reference. IDs are lower-case dotted names, so they never collide with Excel function
names (upper case) or A1 references (no dot). Text inside "string literals" is left untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ID_PATTERN = r"(?:prior\.)?[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+"
_TOKEN_RE = re.compile(rf'"(?:[^"]|"")*"|(?P<ref>(?P<a>{ID_PATTERN})(?:\s*:\s*(?P<b>{ID_PATTERN}))?)')
PRIOR_PREFIX = "prior."


def references(formula: str) -> list[tuple[str, str | None]]:
    """Every reference in order: `(id, None)` for a single cell, `(first, last)` for a range."""
    return [(m.group("a"), m.group("b")) for m in _TOKEN_RE.finditer(formula) if m.group("ref")]


def referenced_ids(formula: str) -> list[str]:
    """The IDs a formula names directly (range end points included, interiors not)."""
    out: list[str] = []
    for a, b in references(formula):
        out.append(a)
        if b:
            out.append(b)
    return out


def pieces(formula: str) -> list[str | tuple[str, str | None]]:
    """The formula cut at its references, in order: the text between them (operators, constants,
    function names) as strings, each reference as `(id, range_end_or_None)`. Empty text is left out."""
    out: list[str | tuple[str, str | None]] = []
    last = 0
    for m in _TOKEN_RE.finditer(formula):
        if not m.group("ref"):
            continue
        if m.start() > last:
            out.append(formula[last : m.start()])
        out.append((m.group("a"), m.group("b")))
        last = m.end()
    if last < len(formula):
        out.append(formula[last:])
    return out


def translate(formula: str, resolve: Callable[[str, str | None], str]) -> str:
    """Replace every ID reference by `resolve(id, range_end_or_None)`."""

    def sub(match: re.Match[str]) -> str:
        if not match.group("ref"):
            return match.group(0)
        return resolve(match.group("a"), match.group("b"))

    return _TOKEN_RE.sub(sub, formula)


def is_prior(datapoint: str) -> bool:
    return datapoint.startswith(PRIOR_PREFIX)


def strip_prior(datapoint: str) -> str:
    return datapoint[len(PRIOR_PREFIX) :] if is_prior(datapoint) else datapoint
