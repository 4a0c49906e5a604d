"""S1: the section headings of a published report against the template's official words.

The template is the only source of the words (`spec.document.heading`): each official heading is
looked for among the headings the matcher found, tolerating spacing, full-width/half-width forms and
a closing 。 or ：. A heading close to the official one but not equal (行政法复议 for 行政复议) is a
typo; one not found at all is missing; the found ones must come in the official order.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from ..findings import Code, Finding, make
from ..spec.document import heading
from ..spec.model import TemplateSpec
from .tokens import flat

TYPO_RATIO = 0.75  # how alike a printed heading must be to an official one to be taken for a misspelling
_TRAILING = "。.：:；;"


def normalise(text: str) -> str:
    """A heading compared as people read it: NFKC (、 and （ stay), no spaces, no closing punctuation."""
    return flat(text).rstrip(_TRAILING)


def official_headings(spec: TemplateSpec) -> list[str]:
    """The template's section headings, in order."""
    doc = spec.document
    return [heading(spec, s) for s in doc.sections] if doc else []


def check_headings(spec: TemplateSpec, headings: tuple[tuple[str, str], ...]) -> list[Finding]:
    """`published-heading` for each official heading missing, misspelt or out of order. Headings the
    report adds (sub-headings, table labels the matcher took for headings) are not judged."""
    wanted = official_headings(spec)
    if not wanted:
        return []
    found = [normalise(text) for text, _ in headings]
    at: dict[int, int] = {}  # official index → index of the printed heading that is it
    for i, text in enumerate(wanted):
        key = normalise(text)
        j = next((j for j, f in enumerate(found) if f == key and j not in at.values()), None)
        if j is not None:
            at[i] = j
    out: list[Finding] = []
    for i, text in enumerate(wanted):
        if i in at:
            continue
        j = _closest(normalise(text), found, set(at.values()))
        if j is None:
            out.append(make(Code.PUBLISHED_HEADING, "missing", expected=text))
            continue
        at[i] = j
        out.append(make(Code.PUBLISHED_HEADING, "typo", cell=headings[j][1] or None, expected=text,
                        actual=headings[j][0].strip()))
    keep = _in_order(sorted(at), at)
    for i in sorted(at):
        if i not in keep:
            out.append(make(Code.PUBLISHED_HEADING, "order", cell=headings[at[i]][1] or None, expected=wanted[i]))
    return out


def _closest(key: str, found: list[str], taken: set[int]) -> int | None:
    best, best_ratio = None, TYPO_RATIO
    for j, f in enumerate(found):
        if j in taken:
            continue
        ratio = SequenceMatcher(None, key, f, autojunk=False).ratio()
        if ratio >= best_ratio:
            best, best_ratio = j, ratio
    return best


def _in_order(official: list[int], at: dict[int, int]) -> set[int]:
    """The largest set of official headings printed in the official order (a longest increasing run
    of positions); the others are the ones out of place."""
    best: dict[int, list[int]] = {}
    for i in official:
        run: list[int] = []
        for k, earlier in best.items():
            if at[k] < at[i] and len(earlier) > len(run):
                run = earlier
        best[i] = [*run, i]
    longest: list[int] = []
    for run in best.values():
        if len(run) > len(longest):
            longest = run
    return set(longest)
