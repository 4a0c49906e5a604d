"""Finding things in the stream: section headings, band titles, row labels, and each row's tokens.

A label is found as an in-order subsequence of the stream's label characters, with small gaps of
other text (a vertical group label's one-character pieces, "他处理" of a wrapped neighbour) and any
figures between (a label wrapped round its own row's figures). Everything is searched forward from a
cursor inside a region, so a short label (规章, 3.其他) never matches prose elsewhere.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .labels import RowModel, SectionModel
from .source import Where
from .tokens import BLANK, CHAR, GRIDROW, LINEBREAK, NUMBER, ROWBREAK, SLASH, TOKENS, Stream, Unit, normalise

GAP_TEXT = 6  # most label characters of other text between two characters of one label
GAP_UNITS = 40
_TEXT_RUN = re.compile(r"[^\n\x00]+")  # most units of any kind (figures, breaks) between two characters of one label


@dataclass(frozen=True)
class Found:
    """A label found: units [start, end), the wording it was found by."""

    start: int
    end: int
    wording: str


def find_label(stream: Stream, key: str, lo: int, hi: int) -> Found | None:
    """The earliest match of a normalised label in units [lo, hi), or None."""
    if not key:
        return None
    chars = stream.chars
    budget = max(4, len(key) // 2 + 2)  # total other text a match may skip
    i = chars.find(key[0], lo, hi)
    while i >= 0:
        p, skipped, ok = i, 0, True
        for ch in key[1:]:
            q = chars.find(ch, p + 1, min(hi, p + 2 + GAP_UNITS))
            if q < 0:
                ok = False
                break
            gap = stream.text_between(p + 1, q)
            skipped += gap
            if gap > GAP_TEXT or skipped > budget or (gap and not _one_sided(stream, p + 1, q)):
                ok = False
                break
            p = q
        if ok:
            return Found(i, p + 1, "")
        i = chars.find(key[0], i + 1, hi)
    return None


def find_row(stream: Stream, row: RowModel, lo: int, hi: int) -> Found | None:
    """A row by its label (the earliest match of its forms), else by an older wording: an old label
    is a part of the official one (规范性文件), so it is looked for only where the label is not."""
    best: Found | None = None
    for key, wording in row.keys:
        if best is not None and wording != row.label:
            break
        found = find_label(stream, key, lo, hi)
        if found and (best is None or found.start < best.start):
            best = Found(found.start, found.end, wording)
    return best


def find_headings(stream: Stream, sections: tuple[SectionModel, ...]) -> list[tuple[int, int] | None]:
    """Each section's heading line as units [start, end) (None when not found), searched in order.

    A heading line starts with its section's numeral (一、…六、) and reads like the official heading
    (a typo such as 行政法复议 is still the heading; 四、结转下年度继续办理 is not)."""
    lines = _lines(stream)
    out = _headings_from(stream, sections, lines, 0)
    # a table of contents lists the headings one after another with nothing but page numbers and
    # leaders between them: the report's own headings come after it
    while _is_contents(stream, out):
        after = _headings_from(stream, sections, lines, max(h[1] for h in out if h is not None))
        if sum(h is not None for h in after) < sum(h is not None for h in out):
            break
        out = after
    return out


def find_heading_anywhere(stream: Stream, section: SectionModel,
                          taken: list[tuple[int, int] | None]) -> tuple[int, int] | None:
    """A section's heading line anywhere in the report, not one of `taken`: a heading printed out of
    the official order is missed by `find_headings` (it reads on from the heading before), yet it is
    there, and S1 must say "out of order", not "missing"."""
    lines = [line for line in _lines(stream) if (line[0], line[1]) not in taken]
    return _headings_from(stream, (section,), lines, 0)[0]


_LEADER = frozenset("….·-—_ .．:：页第")  # what a contents line holds besides its heading and page number


def _is_contents(stream: Stream, heads: list[tuple[int, int] | None]) -> bool:
    """Whether three or more headings found stand together as a table of contents: between one and
    the next, only page numbers and leaders."""
    found = [h for h in heads if h is not None]
    if len(found) < 3:
        return False
    for (_, end), (start, _) in zip(found, found[1:], strict=False):
        for unit in stream.units[end:start]:
            if unit.kind == CHAR and unit.text not in _LEADER or unit.kind in (BLANK, SLASH, GRIDROW):
                return False
    return True


def _headings_from(stream: Stream, sections: tuple[SectionModel, ...], lines: list[tuple[int, int, str]],
                   cursor: int) -> list[tuple[int, int] | None]:
    out: list[tuple[int, int] | None] = []
    for section in sections:
        want = normalise(section.heading)
        hit = None
        for a, b, text in lines:
            if a < cursor or not text.startswith(want[:2]) or len(text) > len(want) * 2 + 10:
                continue
            head = text[: len(want)]
            if text.startswith(want) or difflib.SequenceMatcher(None, head, want).ratio() >= 0.75:
                hit = (a, b)
                cursor = b
                break
        out.append(hit)
    return out


def _lines(stream: Stream) -> list[tuple[int, int, str]]:
    """The stream's lines of text: (first unit, end unit, the line's normalised characters). A figure
    inside a line ends it too: a heading holds no figures."""
    return [(m.start(), m.end(), m.group()) for m in _TEXT_RUN.finditer(stream.chars)]


def row_tokens(stream: Stream, start: int, end: int, label_end: int) -> list[Unit]:
    """A row's cells: the tokens from its label's start to the next row's start.

    The one-cell-per-line shape ends a row with an empty line; the tab-only lines after it are the
    next row's merged label cells, not this row's blanks. A grid row ends the row for certain."""
    return [unit for unit, _, _ in _row_units(stream, start, end)]


def mixed_lines(stream: Stream, start: int, end: int, label_end: int) -> bool:
    """Whether a row of text without cell positions may hold figures that are not its own.

    A PDF row prints its figures on one line, the one-cell-per-line shape one figure a line; figures
    on a line of their own after a row's line ("1288 21 0 0 50 3 1362", then a page number "4") may
    belong to something else. So may a figure after the label that stands behind other text on its
    line ("行政许可", then "注：本年共 12 件" or "截至 2023 年底"): a row's figures follow its label,
    or stand inside it where the label wraps round them."""
    per_line: dict[int, int] = {}
    for _, line, behind_text in _row_units(stream, start, end, label_end):
        if behind_text:
            return True
        per_line[line] = per_line.get(line, 0) + 1
    return len(per_line) > 1 and max(per_line.values()) > 1


def _row_units(stream: Stream, start: int, end: int, label_end: int | None = None) -> list[tuple[Unit, int, bool]]:
    """The tokens of a row (see `row_tokens`), each with the number of the line it stands on and
    whether other text stands before it on that line after the label's end."""
    out: list[tuple[Unit, int, bool]] = []
    broke = False
    line = 0
    text = False  # text after the label's end on the current line
    for i in range(start, min(end, len(stream.units))):
        unit = stream.units[i]
        if unit.kind == GRIDROW and out:
            break
        if unit.kind in (LINEBREAK, ROWBREAK):
            line += 1
            text = False
        elif unit.kind == CHAR and label_end is not None and i >= label_end:
            text = True
        if unit.kind == ROWBREAK and out:
            broke = True
        elif unit.kind in TOKENS and not (broke and unit.kind == BLANK):
            out.append((unit, line, text))
    return out


def last_run(stream: Stream, lo: int, hi: int) -> tuple[list[Unit], int]:
    """A table without row labels (表四): its row is the one run of tokens (not interrupted by text
    or a row break) that holds figures. Returns the run and how many such runs there are."""
    runs: list[list[Unit]] = []
    current: list[Unit] = []
    for unit in stream.units[lo:hi]:
        if unit.kind in TOKENS:
            current.append(unit)
        elif unit.kind == LINEBREAK:
            continue
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    runs = [r for r in runs if any(u.kind in (NUMBER, SLASH) for u in r)]
    return (runs[-1] if runs else []), len(runs)


def where_of(units: list[Unit], fallback: Where) -> Where:
    """Where a row was printed: its first token's place."""
    return units[0].where if units else fallback


def _one_sided(stream: Stream, a: int, b: int) -> bool:
    """Whether a gap's other text stands on one side of its figures only: "制\n无法 26 2 … 28\n作"
    (a group label's piece, then the row's figures) is a wrapped label; "规章 2 1 12 行政规范…" (text,
    figures, text) is two labels, and must not lend 规章's 规 to 规范性文件."""
    kinds = [u.kind for u in stream.units[a:b] if u.kind == CHAR or u.kind in TOKENS]
    first = next((i for i, k in enumerate(kinds) if k != CHAR), None)
    if first is None:
        return True
    last = max(i for i, k in enumerate(kinds) if k != CHAR)
    inner = CHAR in kinds[first:last]
    return not inner and not (first > 0 and last < len(kinds) - 1)
