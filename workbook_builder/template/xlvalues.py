"""Excel's value semantics for `xlcalc`: error values, coercion, comparison and criteria.

Blanks (None) are 0 in arithmetic and "" in text comparisons; a range used where one value is
expected gives its only cell, else #VALUE!; numbers < text < logicals when compared, and text
compares case-insensitively; errors propagate through every operation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import WorkbookBuilderError


class Unsupported(WorkbookBuilderError):
    """The formula uses something this evaluator does not implement (use the reference engine)."""


class XlError(str):
    """An Excel error value (#VALUE!, #DIV/0!, #NUM!, #N/A, #NAME?)."""


VALUE, DIV0, NUM = XlError("#VALUE!"), XlError("#DIV/0!"), XlError("#NUM!")

Node = Callable[[Sequence[Any]], Any]  # a compiled formula: operand values → result


def is_range(v: Any) -> bool:
    """Whether an operand value is a range (a list of rows) rather than one cell's value."""
    return isinstance(v, list)


def scalar(v: Any) -> Any:
    """A range used where one value is expected: Excel takes its only cell, else #VALUE!."""
    if is_range(v):
        flat = [x for row in v for x in row]
        return flat[0] if len(flat) == 1 else VALUE
    return v


def to_number(v: Any) -> Any:
    """A value as a number for arithmetic: blank 0, TRUE 1, numeric text parsed, else #VALUE!."""
    v = scalar(v)
    if isinstance(v, XlError):
        return v
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(str(v).strip())
    except ValueError:
        return VALUE


def to_text(v: Any) -> Any:
    """A value as text for `&`: blank "", logicals TRUE/FALSE, whole numbers without ".0"."""
    v = scalar(v)
    if isinstance(v, XlError):
        return v
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def arith(op: str, x: Any, y: Any) -> Any:
    """`x op y` for + - * / ^: #DIV/0! on division by zero, #NUM! past Excel's number range."""
    x, y = to_number(x), to_number(y)
    if isinstance(x, XlError):
        return x
    if isinstance(y, XlError):
        return y
    if op in "+-*/":
        if op == "/" and y == 0:
            return DIV0
        result = x + y if op == "+" else x - y if op == "-" else x * y if op == "*" else x / y
        return result if math.isfinite(result) else NUM
    try:
        result = x**y
    except (OverflowError, ZeroDivisionError):
        return NUM
    return NUM if isinstance(result, complex) or not math.isfinite(result) else float(result)


def _rank(v: Any) -> tuple[int, Any]:
    # Excel orders numbers < text < logicals; text ignores case.
    if isinstance(v, bool):
        return (2, v)
    if isinstance(v, str):
        return (1, v.casefold())
    return (0, v)


def compare(op: str, x: Any, y: Any) -> Any:
    """`x op y` for = <> < > <= >=: a blank takes the other side's type; errors propagate."""
    x, y = scalar(x), scalar(y)
    for v in (x, y):
        if isinstance(v, XlError):
            return v
    if x is None:
        x = "" if isinstance(y, str) else (False if isinstance(y, bool) else 0.0)
    if y is None:
        y = "" if isinstance(x, str) else (False if isinstance(x, bool) else 0.0)
    a, b = _rank(x), _rank(y)
    return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]

def truth(v: Any) -> Any:
    """A value as a condition (IF, AND, OR, NOT): numbers non-zero, text only "TRUE"/"FALSE"."""
    v = scalar(v)
    if isinstance(v, XlError):
        return v
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        return v != 0
    upper = str(v).strip().upper()
    return True if upper == "TRUE" else False if upper == "FALSE" else VALUE


def numbers_of(args: Sequence[Any]) -> Any:
    """Numbers for SUM/MIN/MAX: ranges skip text, logicals and blanks; direct arguments coerce."""
    out = []
    for v in args:
        if is_range(v):
            for row in v:
                for x in row:
                    if isinstance(x, XlError):
                        return x
                    if isinstance(x, (int, float)) and not isinstance(x, bool):
                        out.append(float(x))
        else:
            n = to_number(v)
            if isinstance(n, XlError):
                return n
            out.append(n)
    return out


def round_half_away(x: float, digits: int) -> float:
    scale = 10.0**digits
    return math.copysign(math.floor(abs(x) * scale + 0.5) / scale, x)  # half away from zero


def criteria(crit: Any) -> Callable[[Any], bool]:
    """COUNTIF's criterion (`">=5"`, `"平衡"`, `"a*"`, 3) as a test of one cell's value."""
    crit = scalar(crit)
    op, operand = "=", crit
    if isinstance(crit, str):
        m = re.match(r"^(<=|>=|<>|=|<|>)?(.*)$", crit, re.S)
        assert m
        op, raw = m.group(1) or "=", m.group(2)
        num = to_number(raw) if raw.strip() else None
        operand = num if isinstance(num, float) else raw
    if isinstance(operand, str) and op in ("=", "<>") and any(ch in operand for ch in "*?"):
        pattern = re.compile(
            "^" + "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in operand) + "$",
            re.I | re.S,
        )
        return lambda v: (isinstance(v, str) and bool(pattern.match(v))) == (op == "=")

    def match(v: Any) -> bool:
        if isinstance(operand, float):
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                return op == "<>"
        elif isinstance(operand, str):
            if v is None:
                v = ""
            if not isinstance(v, str):
                return op == "<>"
        return bool(compare(op, v, operand)) is True

    return match
