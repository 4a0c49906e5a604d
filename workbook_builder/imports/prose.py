"""TX: the figures a report's prose states against its tables, as the template declares them
(`document.prose_checks`): no statement is typed in here, so another report format brings its own.

A statement the template's pattern finds gives a figure (its group `n`; a statement without one,
such as 未发出收费通知, says 0) that must equal one of the declared sums of data points; a check
with `required_if` asks the prose to speak of something when the tables show it. Only figures the
tables contradict are reported; a sum over a cell that is not a number is not compared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from ..findings import Code, Finding, make
from ..spec.document import expression_terms, heading
from ..spec.model import ProseCheck
from ..template.layout import Layout

# whitespace beside a Chinese character is layout (a PDF's line breaks, "3119 件"), never meaning
_LAYOUT_SPACE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")
_SENTENCE_END = "。；;\n"
QUOTE_LIMIT = 80  # characters of a sentence quoted around the statement


def normalise(text: str) -> str:
    """The prose as the patterns read it: NFKC (full-width digits, the Kangxi radicals of some PDFs)
    but Chinese punctuation kept, and no line breaks or spaces beside Chinese characters."""
    return _LAYOUT_SPACE.sub("", "".join(_FULL_WIDTH_PUNCTUATION.get(ch) or unicodedata.normalize("NFKC", ch)
                                         for ch in text))


# Chinese punctuation stays as written (a quote is the report's own sentence; patterns say ，。；）:
# NFKC would turn ， into , and （ into (
_FULL_WIDTH_PUNCTUATION = {chr(c): chr(c) for c in range(0xFF01, 0xFF66) if not chr(c).isalnum()}


def check_prose(layout: Layout, prose: Mapping[str, str], tables: Sequence[tuple[Mapping[str, Any], set[str]]]
                ) -> list[Finding]:
    """`published-prose-mismatch` for each statement the tables contradict (once per quote). `tables`
    are the readings of the tables a figure may agree with — as printed, and with the totals
    recomputed — each with the data points it does not know; the first is quoted."""
    spec = layout.spec
    doc = spec.document
    if doc is None:
        return []
    headings = {s.text: heading(spec, s) for s in doc.sections if s.text}
    out: list[Finding] = []
    for check in doc.prose_checks:
        fields = check.within or tuple(f for f in headings if f in prose)
        texts = {f: normalise(prose.get(f) or "") for f in fields}
        if check.required_if:
            out += _required(layout, check, texts, tables[0][0], tables[0][1])
            continue
        seen: set[str] = set()
        for field, text in texts.items():
            for m in re.finditer(check.pattern, text):
                quote = _sentence(text, m.start(), m.end())
                finding = _compare(layout, check, m, quote, headings.get(field, ""), tables)
                if finding is not None and quote not in seen:
                    seen.add(quote)
                    out.append(finding)
    return out


def _compare(layout: Layout, check: ProseCheck, m: re.Match[str], quote: str, where: str,
             tables: Sequence[tuple[Mapping[str, Any], set[str]]]) -> Finding | None:
    said = m.groupdict().get("n")
    figure = float(said.replace(",", "")) if said else 0.0
    every = [(e, evaluate(e, values, bad)) for values, bad in tables for e in check.equals]
    if any(v is not None and abs(v - figure) < 1e-9 for _, v in every):
        return None  # a printed total and the sum of its parts may differ: agreeing with either is agreeing
    known = [(e, v) for e, v in every[:len(check.equals)] if v is not None]
    if not known:
        return None
    (first, value), rest = known[0], known[1:]
    dp = _first_point(first)
    fields: dict[str, Any] = {"quote": quote, "item": describe(layout, first)}
    if rest:
        fields.update(also=describe(layout, rest[0][0]), also_value=rest[0][1])
    return make(Code.PUBLISHED_PROSE_MISMATCH, "figures" if rest else "figure", cell=where or None, datapoint=dp,
                rule=check.id, expected=value, actual=figure, **fields)


def _required(layout: Layout, check: ProseCheck, texts: Mapping[str, str], values: Mapping[str, Any],
              bad: set[str]) -> list[Finding]:
    value = evaluate(check.required_if, values, bad)
    if value is None or value <= 0 or any(re.search(check.pattern, t) for t in texts.values()):
        return []
    return [make(Code.PUBLISHED_PROSE_MISMATCH, "not-mentioned", datapoint=_first_point(check.required_if),
                 rule=check.id, expected=value, item=describe(layout, check.required_if),
                 words="”或“".join(check.pattern.split("|")))]


def evaluate(expression: str, values: Mapping[str, Any], bad: set[str]) -> float | None:
    """A declared sum over the values; None when a data point in it is not a number."""
    total = 0.0
    for sign, term in expression_terms(expression) or ():
        if term[0].isdigit():
            total += sign * float(term)
            continue
        v = values.get(term)
        if term in bad or isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        total += sign * v
    return total


def describe(layout: Layout, expression: str) -> str:
    """A declared sum in the tables' words: `行政诉讼 未经复议直接起诉 总计＋复议后起诉 总计` (a term after
    the first without the leading labels it shares with the first)."""
    words = ""
    first: tuple[str, ...] = ()
    for sign, term in expression_terms(expression) or ():
        cell = layout.by_id.get(term)
        path = cell.label_path if cell else (term,)
        shared = 0
        while first and shared < min(len(first), len(path)) - 1 and first[shared] == path[shared]:
            shared += 1
        first = first or path
        op = ("－" if sign < 0 else "＋") if words else ("－" if sign < 0 else "")
        words += op + _joined(path[shared:])
    return words


def _joined(parts: tuple[str, ...]) -> str:
    """Label parts as one name: a bracketed sub-item follows its item directly (三、本年度办理结果（六）其他处理)."""
    text = ""
    for part in parts:
        text += part if not text or part.startswith("（") else " " + part
    return text


def _first_point(expression: str) -> str | None:
    return next((t for _, t in expression_terms(expression) or () if not t[0].isdigit()), None)


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around a statement (at most QUOTE_LIMIT characters, centred on it)."""
    left = max((text.rfind(c, 0, start) for c in _SENTENCE_END), default=-1) + 1
    rights = [i for i in (text.find(c, end) for c in _SENTENCE_END) if i >= 0]
    right = min(rights) + 1 if rights else len(text)
    sentence = text[left:right].strip()
    if len(sentence) <= QUOTE_LIMIT:
        return sentence
    room = max(0, (QUOTE_LIMIT - (end - start)) // 2)
    a, b = max(left, start - room), min(right, end + room)
    return ("…" if a > left else "") + text[a:b].strip() + ("…" if b < right else "")
