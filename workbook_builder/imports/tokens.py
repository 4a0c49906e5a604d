"""A report's blocks as one stream of units: label characters, figures, blanks and row breaks.

The matcher never compares raw text: every label of the template and every piece of the report is
normalised the same way (`normalise`), then the report is walked in reading order into `Unit`s. A
text piece gives one unit per normalised character (so a label wrapped over lines, or split by
figures or by one-character pieces of a vertical group label, is still found as a subsequence); a
figure or a no-number mark is ONE unit (so a label character never matches inside a number); an
empty table cell is a blank unit, never dropped (a blank shifts nothing).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from .source import Para, Source, Table, Where

# unit kinds
CHAR, NUMBER, SLASH, BLANK, OTHER, LINEBREAK, ROWBREAK, GRIDROW = "c", "n", "s", "b", "o", "l", "r", "g"
TOKENS = (NUMBER, SLASH, BLANK, OTHER)  # what fills a cell
# "/" and its look-alikes, and the words reports print where nothing happened: never a 0
NO_NUMBER = frozenset({"/", "-", "—", "–", "－", "无", "空"})
# (a minus: the 2019 format's 本年增/减) plain digits, thousands-grouped digits (3,119), decimals (96171.6, 24252.311082)
_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
# a page footer or header line of an extracted PDF: "- 4 -", "第 4 页", "第4页 共6页", "4/6"
_PAGE_MARK = re.compile(r"[-—]\s*\d{1,4}\s*[-—]|第\s*\d{1,4}\s*页(?:\s*[，,]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "〝": '"', "〞": '"'})
_ITEM_NUMBER = re.compile(r"(?<![0-9.])(\d{1,2})、")  # "1、" → "1." ("１．" is "1." after NFKC)
_SPACE = re.compile(r"\s+")
_FIGURE_WITH_WORDS = re.compile(r"[约共计近超逾]?\s*-?\d(?:[\d,.]*\d)?\s*(?:万元|元|件|个|条|次|项|人次|人|户|家|余件|余条|余|%)?")
_PIECES = re.compile(r"[ \u3000|]+")  # cells on a line of text: spaces, ideographic spaces, "|"
# The pieces of reports repeat (every report prints the same labels, and small figures): the pure
# functions of one piece below are cached, so each distinct piece is normalised once per process.
_PIECE_CACHE = 16384


@lru_cache(maxsize=_PIECE_CACHE)
def flat(text: str) -> str:
    """Text as it reads whatever its spacing and width: NFKC (full-width forms half-width, Kangxi
    radicals ⼀ → 一, （） → ()) with no whitespace (a PDF's line breaks, a title spaced out)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


@lru_cache(maxsize=_PIECE_CACHE)
def normalise(text: str) -> str:
    """A label or a piece of text as the matcher compares it: `flat`, one kind of quote, "1、" → "1."."""
    return _ITEM_NUMBER.sub(r"\1.", flat(text).translate(_QUOTES))


@lru_cache(maxsize=_PIECE_CACHE)
def is_page_mark(line: str) -> bool:
    """A line that is only a page number (an extracted PDF's footer): not part of any table."""
    return bool(_PAGE_MARK.fullmatch(unicodedata.normalize("NFKC", line).strip()))


MAX_DIGITS = 15  # the most digits of one cell: more is no table figure (nor held exactly by a float)


@lru_cache(maxsize=_PIECE_CACHE)
def number(piece: str) -> int | float | None:
    """The figure a piece says, or None: integers, thousands groups, decimals (NFKC first). A run of
    more than MAX_DIGITS digits is a number still (cells run together, to be split), nothing else is."""
    if any(ch.isdigit() and not ch.isdecimal() for ch in piece):
        return None  # ² ① ⑴: a note's mark, which NFKC would make a digit of the figure ("1²" → 12)
    text = unicodedata.normalize("NFKC", piece).strip()
    if not _NUMBER.fullmatch(text):
        return None
    if not text.isdigit() and sum(ch.isdigit() for ch in text) > MAX_DIGITS:
        return None
    text = text.replace(",", "")
    return float(text) if "." in text else int(text)


def one_cell(piece: str) -> bool:
    """Whether a figure may be one cell as printed: at most MAX_DIGITS digits."""
    return sum(ch.isdigit() for ch in piece) <= MAX_DIGITS


@lru_cache(maxsize=_PIECE_CACHE)
def token_kind(piece: str) -> str:
    """What a cell-sized piece is: a number, a no-number mark, a blank, or other text."""
    text = unicodedata.normalize("NFKC", piece).strip()
    if not text:
        return BLANK
    if number(piece) is not None:
        return NUMBER
    if text in NO_NUMBER or all(ch in NO_NUMBER for ch in text) and len(text) <= 3:
        return SLASH
    return OTHER


class Unit(NamedTuple):
    """One unit of the stream: a label character (`text` is the normalised character), a token
    (`text` is the piece as printed), or a break. `block` is the index of the block it came from.
    (A tuple, not a dataclass: a report makes tens of thousands of them.)"""

    kind: str
    text: str
    where: Where
    block: int


@dataclass
class Stream:
    """The units of a whole report, and `chars`: one character per unit, for fast searching
    (a label character for CHAR units, "\\x00" for tokens, "\\n" for breaks)."""

    units: list[Unit]
    chars: str
    text_before: list[int]  # text_before[i]: how many CHAR units come before unit i

    def text_between(self, a: int, b: int) -> int:
        """How many label characters lie in units [a, b)."""
        return self.text_before[b] - self.text_before[a]


def build_stream(source: Source) -> Stream:
    """Walk a source's blocks in reading order into units."""
    units: list[Unit] = []
    for index, block in enumerate(source.blocks):
        if isinstance(block, Table):
            _table_units(block, index, units)
        elif isinstance(block, Para):
            _para_units(block, index, units)
    chars = "".join(u.text if u.kind == CHAR else ("\x00" if u.kind in TOKENS else "\n") for u in units)
    before = [0]
    for u in units:
        before.append(before[-1] + (u.kind == CHAR))
    return Stream(units, chars, before)


def _para_units(para: Para, index: int, out: list[Unit]) -> None:
    text = para.text
    for line in text.split("\n"):
        if not line.strip():
            # an empty line ends a row in the one-cell-per-line shape; a line that is only a tab is
            # an empty cell of that shape (the merged group cells and header corners are such lines too;
            # the row finder drops them where they stand before a row's label)
            out.append(Unit(BLANK if "\t" in line else ROWBREAK, "", para.where, index))
            continue
        if is_page_mark(line):
            continue
        _line_units(line, para.where, index, out)
        out.append(Unit(LINEBREAK, "", para.where, index))


def _line_units(line: str, where: Where, index: int, out: list[Unit]) -> None:
    """One line: tab-separated cells (an empty one between two tabs is a blank), each cell split
    further on spaces and "|"."""
    cells = line.rstrip("\r").split("\t")
    # a leading tab indents a cell (the sample's shape); a trailing one ends the line: neither is a cell
    while cells and not cells[0].strip():
        cells.pop(0)
    while cells and not cells[-1].strip():
        cells.pop()
    for cell in cells:
        if not cell.strip():
            out.append(Unit(BLANK, "", where, index))
            continue
        for piece in _PIECES.split(cell.strip(" \u3000|")):
            if piece:
                _piece_units(piece, where, index, out)


def _piece_units(piece: str, where: Where, index: int, out: list[Unit]) -> None:
    kind = token_kind(piece)
    if kind in (NUMBER, SLASH) or (kind == OTHER and not _is_label(piece)):
        out.append(Unit(kind, piece, where, index))
    else:
        out.extend(Unit(CHAR, ch, where, index) for ch in normalise(piece))


def _table_units(table: Table, index: int, out: list[Unit]) -> None:
    """A grid row by row: a text cell's characters, one token per other cell, a break per row."""
    for r, row in enumerate(table.rows()):
        for cell in row:
            where = Where(page=table.where.page, table=table.where.table, row=cell.row + 1, col=cell.col + 1)
            kind = token_kind(cell.text)
            if kind in (NUMBER, SLASH, BLANK):
                out.append(Unit(kind, cell.text.strip(), where, index))
            elif _is_label(cell.text):
                # a cell's own lines stay lines: a CMS cell may hold a heading and the text after it
                for n, line in enumerate(cell.text.split("\n")):
                    if n:
                        out.append(Unit(LINEBREAK, "", where, index))
                    out.extend(Unit(CHAR, ch, where, index) for ch in normalise(line))
            else:
                out.append(Unit(OTHER, cell.text.strip(), where, index))
        if r + 1 < table.n_rows:
            out.append(Unit(GRIDROW, "", table.where, index))
    out.append(Unit(GRIDROW, "", table.where, index))


@lru_cache(maxsize=_PIECE_CACHE)
def _is_label(text: str) -> bool:
    """A piece or a cell that names something, rather than a figure printed with words around it
    ("251000元", "12件", "约3"): such a figure fills its cell but cannot be read (it is no label)."""
    return not _FIGURE_WITH_WORDS.fullmatch(unicodedata.normalize("NFKC", text).strip())
