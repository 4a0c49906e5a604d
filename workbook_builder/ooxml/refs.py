"""A1 references and sheet-name quoting: the one place that spells Excel's addressing rules."""

from __future__ import annotations

import re

_CELL_RE = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")  # ASCII digits: Excel reads no others


def column_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A → 1, AA → 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def a1(row: int, col: int, absolute: bool = False) -> str:
    d = "$" if absolute else ""
    return f"{d}{column_letter(col)}{d}{row}"


def a1_range(r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{a1(r1, c1)}:{a1(r2, c2)}"


def parse_a1(ref: str) -> tuple[int, int]:
    """'B7' → (7, 2); raises ValueError on anything else."""
    m = _CELL_RE.match(ref.strip().upper())
    if not m:
        raise ValueError(f"not an A1 cell reference: {ref!r}")
    return int(m.group(2)), column_index(m.group(1))


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'B7:H9' → (7, 2, 9, 8); a single cell gives a 1×1 range."""
    first, _, last = ref.partition(":")
    r1, c1 = parse_a1(first)
    r2, c2 = parse_a1(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def quote_sheet(name: str) -> str:
    """Sheet names are always quoted in references we write; quotes inside are doubled."""
    return "'" + name.replace("'", "''") + "'"
