"""A small evaluator for the Excel formulas templates use: parse once, evaluate per file in µs.

The `formulas` package is the reference engine (and the fallback for anything this module does
not know); a differential test keeps the two, and LibreOffice, in agreement. Supported: numbers,
strings, references to operands, + - * / ^ & (unary -, +, postfix %), comparisons, and SUM, IF,
ABS, COUNTIF, COUNTBLANK, AND, OR, NOT, ROUND, MIN, MAX, ISNUMBER, ISBLANK, IFERROR. Semantics follow Excel:
blanks are 0 in arithmetic and "" in text comparisons; SUM over a range ignores text and logicals;
numbers < text < logicals when compared; text compares case-insensitively; errors propagate.
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

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"]|"")*")
    | (?P<range>[A-Z]{1,3}\d+:[A-Z]{1,3}\d+)
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<func>[A-Z][A-Z0-9.]*)\s*\(
    | (?P<ref>[A-Z]{1,3}\d+)
    | (?P<bool>TRUE|FALSE)\b
    | (?P<op><=|>=|<>|[-+*/^&=<>%(),])
    )""",
    re.VERBOSE,
)

Node = Callable[[Sequence[Any]], Any]


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise Unsupported(f"cannot read formula at {text[pos:pos + 12]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def compile_formula(text: str, operand_of: Callable[[str], int]) -> Node:
    """Compile `text` (no leading '=') into a function of the operand values.

    `operand_of(ref)` maps a reference token (`A1001` or `A1001:F1001`) to its operand index; each
    operand value is a scalar for a cell and a list of rows for a range.
    """
    parser = _Parser(_tokens(text), operand_of)
    node = parser.expression(0)
    if parser.pos != len(parser.toks):
        raise Unsupported(f"unexpected {parser.toks[parser.pos][1]!r}")
    return node


# ------------------------------------------------------------------ parsing (Pratt)

_BINARY = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}


class _Parser:
    def __init__(self, toks: list[tuple[str, str]], operand_of: Callable[[str], int]):
        self.toks, self.pos, self.operand_of = toks, 0, operand_of

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise Unsupported(f"expected {value!r}")
        self.pos += 1
        return tok

    def expression(self, min_prec: int) -> Node:
        left = self.unary()
        while True:
            tok = self.peek()
            if tok is None or tok[0] != "op" or tok[1] not in _BINARY:
                return left
            prec = _BINARY[tok[1]]
            if prec < min_prec:
                return left
            self.take()
            right = self.expression(prec + 1 if tok[1] != "^" else prec + 1)
            left = _binary(tok[1], left, right)

    def unary(self) -> Node:
        tok = self.peek()
        if tok and tok[1] in ("-", "+"):
            self.take()
            inner = self.unary()
            return inner if tok[1] == "+" else _negate(inner)
        node = self.primary()
        while (tok := self.peek()) and tok[1] == "%":
            self.take()
            node = _percent(node)
        return node

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            value = float(text)
            return lambda a: value
        if kind == "string":
            s = text[1:-1].replace('""', '"')
            return lambda a: s
        if kind == "bool":
            b = text == "TRUE"
            return lambda a: b
        if kind in ("ref", "range"):
            i = self.operand_of(text)
            return lambda a: a[i]
        if kind == "func":
            args: list[Node] = []
            if self.peek() and self.peek()[1] == ")":  # type: ignore[index]
                self.take(")")
            else:
                while True:
                    args.append(self.expression(0))
                    sep = self.take()
                    if sep[1] == ")":
                        break
                    if sep[1] != ",":
                        raise Unsupported("expected , or )")
            return _function(text, args)
        if text == "(":
            node = self.expression(0)
            self.take(")")
            return node
        raise Unsupported(f"unexpected {text!r}")


# ------------------------------------------------------------------ semantics


def _negate(inner: Node) -> Node:
    return lambda a: _arith("-", 0.0, inner(a))


def _percent(inner: Node) -> Node:
    return lambda a: _arith("/", inner(a), 100.0)


def _is_range(v: Any) -> bool:
    return isinstance(v, list)


def _scalar(v: Any) -> Any:
    """A range used where one value is expected: Excel takes its only cell, else #VALUE!."""
    if _is_range(v):
        flat = [x for row in v for x in row]
        return flat[0] if len(flat) == 1 else VALUE
    return v


def to_number(v: Any) -> Any:
    v = _scalar(v)
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


def _to_text(v: Any) -> Any:
    v = _scalar(v)
    if isinstance(v, XlError):
        return v
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def _arith(op: str, x: Any, y: Any) -> Any:
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
    x, y = _scalar(x), _scalar(y)
    for v in (x, y):
        if isinstance(v, XlError):
            return v
    if x is None:
        x = "" if isinstance(y, str) else (False if isinstance(y, bool) else 0.0)
    if y is None:
        y = "" if isinstance(x, str) else (False if isinstance(x, bool) else 0.0)
    a, b = _rank(x), _rank(y)
    return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _binary(op: str, left: Node, right: Node) -> Node:
    if op == "&":
        def concat(a: Sequence[Any]) -> Any:
            x, y = _to_text(left(a)), _to_text(right(a))
            return x if isinstance(x, XlError) else y if isinstance(y, XlError) else x + y
        return concat
    if op in ("+", "-", "*", "/", "^"):
        return lambda a: _arith(op, left(a), right(a))
    return lambda a: compare(op, left(a), right(a))


def _truth(v: Any) -> Any:
    v = _scalar(v)
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


def _values(args: Sequence[Any]) -> Any:
    """Numbers for SUM/MIN/MAX: ranges skip text, logicals and blanks; direct arguments coerce."""
    out = []
    for v in args:
        if _is_range(v):
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


def _round(x: float, digits: int) -> float:
    scale = 10.0**digits
    return math.copysign(math.floor(abs(x) * scale + 0.5) / scale, x)  # half away from zero


def _criteria(crit: Any) -> Callable[[Any], bool]:
    crit = _scalar(crit)
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


def _function(name: str, args: list[Node]) -> Node:
    name = name.upper().removeprefix("_XLFN.")
    n = len(args)

    def need(lo: int, hi: int) -> None:
        if not lo <= n <= hi:
            raise Unsupported(f"{name} takes {lo}–{hi} arguments")

    if name == "SUM":
        def f_sum(a: Sequence[Any]) -> Any:
            vals = _values([g(a) for g in args])
            if isinstance(vals, XlError):
                return vals
            try:
                total = math.fsum(vals)
            except OverflowError:  # Excel shows #NUM! past its largest number
                return NUM
            return total if math.isfinite(total) else NUM
        return f_sum
    if name in ("MIN", "MAX"):
        pick = min if name == "MIN" else max

        def f_minmax(a: Sequence[Any]) -> Any:
            vals = _values([g(a) for g in args])
            return vals if isinstance(vals, XlError) else (pick(vals) if vals else 0.0)
        return f_minmax
    if name == "IF":
        need(2, 3)

        def f_if(a: Sequence[Any]) -> Any:
            cond = _truth(args[0](a))
            if isinstance(cond, XlError):
                return cond
            if cond:
                return _scalar(args[1](a))
            return _scalar(args[2](a)) if n == 3 else False
        return f_if
    if name == "ABS":
        need(1, 1)
        return lambda a: (lambda x: x if isinstance(x, XlError) else abs(x))(to_number(args[0](a)))
    if name == "ROUND":
        need(2, 2)

        def f_round(a: Sequence[Any]) -> Any:
            x, d = to_number(args[0](a)), to_number(args[1](a))
            return x if isinstance(x, XlError) else d if isinstance(d, XlError) else _round(x, int(d))
        return f_round
    if name in ("AND", "OR"):
        def f_logic(a: Sequence[Any]) -> Any:
            vals = []
            for g in args:
                v = g(a)
                items = [x for row in v for x in row if isinstance(x, (bool, int, float))] if _is_range(v) else [v]
                for x in items:
                    t = _truth(x)
                    if isinstance(t, XlError):
                        return t
                    vals.append(t)
            if not vals:
                return VALUE
            return all(vals) if name == "AND" else any(vals)
        return f_logic
    if name == "NOT":
        need(1, 1)
        return lambda a: (lambda t: t if isinstance(t, XlError) else not t)(_truth(args[0](a)))
    if name == "ISNUMBER":
        need(1, 1)
        return lambda a: (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))(_scalar(args[0](a)))
    if name == "ISBLANK":
        need(1, 1)
        return lambda a: _scalar(args[0](a)) is None
    if name == "IFERROR":
        need(2, 2)
        return lambda a: (lambda v: _scalar(args[1](a)) if isinstance(v, XlError) else v)(_scalar(args[0](a)))
    if name == "COUNTBLANK":
        need(1, 1)

        def f_countblank(a: Sequence[Any]) -> Any:
            rng = args[0](a)
            cells = [x for row in rng for x in row] if _is_range(rng) else [rng]
            return float(sum(1 for x in cells if x is None or x == ""))
        return f_countblank
    if name == "COUNTIF":
        need(2, 2)

        def f_countif(a: Sequence[Any]) -> Any:
            rng = args[0](a)
            if not _is_range(rng):
                rng = [[rng]]
            test = _criteria(args[1](a))
            return float(sum(1 for row in rng for v in row if not isinstance(v, XlError) and test(v)))
        return f_countif
    raise Unsupported(f"function {name}")
