"""A1 references and sheet-name quoting: the one place that spells Excel's addressing rules.

Three readers of references, three strictnesses: `parse_a1` for references we wrote or a person
typed (raises), `address` for a finding's cell (None when off the grid), and `cell_position`, the
reader's cached parser of a file's `<c r="…">`, on the hot path of every check.
"""

from __future__ import annotations

import re

_CELL_RE = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")  # ASCII digits: Excel reads no others
MAX_ROW, MAX_COL = 1_048_576, 16_384  # Excel's grid: XFD1048576


def column_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while col > 0:
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
    text = ref.strip()
    # ASCII only: str.upper() maps some other letters onto ASCII ones ('ſ' → 'S')
    m = _CELL_RE.match(text.upper()) if text.isascii() else None
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


def address(text: str) -> tuple[int, int] | None:
    """'B7', '$B$7', 'b7', 'B7:C9' (its first cell) → (7, 2); None for anything else or off the grid."""
    first = text.strip().partition(":")[0]
    if first != first.rstrip():  # 'B7 :C9' is no reference
        return None
    try:
        row, col = parse_a1(first)
    except ValueError:
        return None
    return (row, col) if 1 <= row <= MAX_ROW and 1 <= col <= MAX_COL else None


def split_cell_ref(ref: str) -> tuple[str | None, str]:
    """`'Sheet'!A1` → ('Sheet', 'A1'); quotes inside a quoted name are doubled (`'O''Brien'`).

    `'Sheet'` → ('Sheet', ''); `Sheet!A1` → ('Sheet', 'A1'); `A1` → (None, 'A1').
    """
    s = ref.strip()
    if s.startswith("'"):
        name: list[str] = []
        i = 1
        while i < len(s):
            if s[i] == "'":
                if s[i + 1: i + 2] == "'":
                    name.append("'")
                    i += 2
                    continue
                break
            name.append(s[i])
            i += 1
        rest = s[i + 1:]
        return "".join(name), rest[1:] if rest.startswith("!") else rest.strip()
    if "!" in s:
        sheet, _, rest = s.rpartition("!")
        return sheet, rest
    return None, s


# ---------------------------------------------------------------------------
# The reader's fast path: a file's own cell references, parsed once per distinct text
# ---------------------------------------------------------------------------

_DIGITS = "0123456789"
_COL_CACHE: dict[str, int] = {}
#: cell reference -> (row, col); shared by all files (templates repeat the same references),
#: bounded. The reader's cell loop looks a reference up here itself before calling
#: `cell_position`, so a hit costs one dict lookup and no call.
POSITIONS: dict[str, tuple[int, int]] = {}
_POSITIONS_MAX = 65_536


def _column_or_zero(letters: str) -> int:
    """'A' -> 1, 'AB' -> 28; 0 for anything that is not 1-3 ASCII letters."""
    n = _COL_CACHE.get(letters)
    if n is not None:
        return n
    n = column_index(letters) if 0 < len(letters) <= 3 and letters.isascii() and letters.isalpha() else 0
    if len(_COL_CACHE) < 20000:
        _COL_CACHE[letters] = n
    return n


def cell_position(ref: str) -> tuple[int, int] | None:
    """A cell's `r` attribute 'B7' -> (7, 2), remembered in `POSITIONS`; None unless 1-3 letters
    (either case, no '$') followed by a row number > 0."""
    key = POSITIONS.get(ref)
    if key is not None:
        return key
    letters = ref.rstrip(_DIGITS)
    col = _COL_CACHE.get(letters)
    if col is None:
        col = _column_or_zero(letters)
    digits = ref[len(letters) :]
    # Excel's last row is 1048576: longer digit strings are not references (and int() of a
    # 5000-digit string raises), so they are refused here rather than parsed
    if not col or not digits.strip("0") or len(digits) > 7 or not digits.isascii():
        return None
    key = (int(digits), col)
    if len(POSITIONS) < _POSITIONS_MAX:
        POSITIONS[ref] = key
    return key
