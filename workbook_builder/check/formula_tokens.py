"""Compare Excel formulas by their tokens, not their text.

LibreOffice, WPS and Excel rewrite formulas harmlessly when they save: `$` signs, quotes around
sheet names, a sheet prefix on a reference to the same sheet, `1E-06` written as `0.000001`,
`_xlfn.` prefixes, spaces and letter case. None of these change what a formula computes, so none
may raise `formula-changed`. Anything else — another reference, function or operator — does.
"""

from __future__ import annotations

import re

_LEXER = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"]|"")*")
  | (?P<qsheet>'(?:[^']|'')*'!)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<sheet>[^\W\d][\w.]*!)
  | (?P<name>\$?[^\W\d][\w.]*\$?\d*)
  | (?P<op><=|>=|<>|[-+*/^&=<>(),:;%{}!])
  | (?P<other>.)
    """,
    re.VERBOSE | re.UNICODE,
)
_PREFIXES = ("_XLFN.", "_XLWS.", "_XLUDF.")


def tokens(formula: str, own_sheet: str = "") -> tuple[tuple[str, object], ...]:
    """Normalised tokens; a reference to `own_sheet` loses its sheet prefix."""
    text = formula[1:] if formula.startswith("=") else formula
    out: list[tuple[str, object]] = []
    for m in _LEXER.finditer(text):
        kind = m.lastgroup or "other"
        value = m.group(0)
        if kind == "ws":
            continue
        if kind == "string":
            out.append(("string", value[1:-1].replace('""', '"')))
        elif kind in ("qsheet", "sheet"):
            name = value[:-1]
            if kind == "qsheet":
                name = name[1:-1].replace("''", "'")
            if name.casefold() != own_sheet.casefold():
                out.append(("sheet", name.casefold()))
        elif kind == "number":
            out.append(("number", float(value)))
        elif kind == "name":
            name = value.replace("$", "").upper()
            for prefix in _PREFIXES:
                if name.startswith(prefix):
                    name = name[len(prefix) :]
            out.append(("name", name))
        else:
            out.append(("op", value))
    return _collapse_single_cell_ranges(out)


def _collapse_single_cell_ranges(toks: list[tuple[str, object]]) -> tuple[tuple[str, object], ...]:
    """`B9:B9` and `B9` are the same reference; a client may write either."""
    out: list[tuple[str, object]] = []
    i = 0
    while i < len(toks):
        if (i + 2 < len(toks) and toks[i][0] == "name" and toks[i + 1] == ("op", ":") and toks[i + 2] == toks[i]
                and not (out and out[-1][0] == "sheet" and i + 3 < len(toks) and toks[i + 3][0] == "sheet")):
            out.append(toks[i])
            i += 3
            continue
        out.append(toks[i])
        i += 1
    return tuple(out)


def same_formula(expected: str, actual: str, own_sheet: str) -> bool:
    """True when two formulas compute the same thing up to harmless rewriting."""
    if expected == actual:  # the common case: an untouched workbook of ours
        return True
    return tokens(expected, own_sheet) == tokens(actual, own_sheet)
