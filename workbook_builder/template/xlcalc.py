"""A small evaluator for the Excel formulas templates use: parse once, evaluate per file in µs.

The `formulas` package is the reference engine (and the fallback for anything this module does
not know); a differential test keeps the two, and LibreOffice, in agreement. Supported: numbers,
strings, references to operands, + - * / ^ & (unary -, +, postfix %), comparisons, and SUM, IF,
ABS, COUNT, COUNTA, COUNTIF, COUNTBLANK, AND, OR, NOT, ROUND, MIN, MAX, ISNUMBER, ISBLANK, IFERROR. Semantics follow Excel:
blanks are 0 in arithmetic and "" in text comparisons; SUM over a range ignores text and logicals;
numbers < text < logicals when compared; text compares case-insensitively; errors propagate.

This module reads formulas (tokens, a Pratt parser) into closures; `xlvalues` holds Excel's value
semantics and the error values (`XlError`, `Unsupported`), `xlfunctions` the function library.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from .xlfunctions import function
from .xlvalues import Node, Unsupported, XlError, arith, compare, to_text

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
            return function(text, args)
        if text == "(":
            node = self.expression(0)
            self.take(")")
            return node
        raise Unsupported(f"unexpected {text!r}")


# ------------------------------------------------------------------ operators (values: xlvalues)


def _negate(inner: Node) -> Node:
    return lambda a: arith("-", 0.0, inner(a))


def _percent(inner: Node) -> Node:
    return lambda a: arith("/", inner(a), 100.0)


def _binary(op: str, left: Node, right: Node) -> Node:
    if op == "&":
        def concat(a: Sequence[Any]) -> Any:
            x, y = to_text(left(a)), to_text(right(a))
            return x if isinstance(x, XlError) else y if isinstance(y, XlError) else x + y
        return concat
    if op in ("+", "-", "*", "/", "^"):
        return lambda a: arith(op, left(a), right(a))
    return lambda a: compare(op, left(a), right(a))

