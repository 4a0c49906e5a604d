"""The function library of `xlcalc`: SUM, MIN, MAX, IF, ABS, ROUND, AND, OR, NOT, ISNUMBER, ISBLANK,
IFERROR, COUNT, COUNTA, COUNTBLANK and COUNTIF, each compiled to a closure over its argument nodes.

An unknown function, or a known one with the wrong number of arguments, raises `Unsupported` so
the caller falls back to the reference engine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .xlvalues import (
    NUM,
    VALUE,
    Node,
    Unsupported,
    XlError,
    criteria,
    is_range,
    numbers_of,
    round_half_away,
    scalar,
    to_number,
    truth,
)


def function(name: str, args: list[Node]) -> Node:
    """Compile a call of `name` over its argument nodes; raise `Unsupported` if we do not know it."""
    name = name.upper().removeprefix("_XLFN.")
    n = len(args)

    def need(lo: int, hi: int) -> None:
        if not lo <= n <= hi:
            raise Unsupported(f"{name} takes {lo}–{hi} arguments")

    if name == "SUM":
        def f_sum(a: Sequence[Any]) -> Any:
            vals = numbers_of([g(a) for g in args])
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
            vals = numbers_of([g(a) for g in args])
            return vals if isinstance(vals, XlError) else (pick(vals) if vals else 0.0)
        return f_minmax
    if name == "IF":
        need(2, 3)

        def f_if(a: Sequence[Any]) -> Any:
            cond = truth(args[0](a))
            if isinstance(cond, XlError):
                return cond
            if cond:
                return scalar(args[1](a))
            return scalar(args[2](a)) if n == 3 else False
        return f_if
    if name == "ABS":
        need(1, 1)
        return lambda a: (lambda x: x if isinstance(x, XlError) else abs(x))(to_number(args[0](a)))
    if name == "ROUND":
        need(2, 2)

        def f_round(a: Sequence[Any]) -> Any:
            x, d = to_number(args[0](a)), to_number(args[1](a))
            return x if isinstance(x, XlError) else d if isinstance(d, XlError) else round_half_away(x, int(d))
        return f_round
    if name in ("AND", "OR"):
        def f_logic(a: Sequence[Any]) -> Any:
            vals = []
            for g in args:
                v = g(a)
                items = [x for row in v for x in row if isinstance(x, (bool, int, float))] if is_range(v) else [v]
                for x in items:
                    t = truth(x)
                    if isinstance(t, XlError):
                        return t
                    vals.append(t)
            if not vals:
                return VALUE
            return all(vals) if name == "AND" else any(vals)
        return f_logic
    if name == "NOT":
        need(1, 1)
        return lambda a: (lambda t: t if isinstance(t, XlError) else not t)(truth(args[0](a)))
    if name == "ISNUMBER":
        need(1, 1)
        return lambda a: (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))(scalar(args[0](a)))
    if name == "ISBLANK":
        need(1, 1)
        return lambda a: scalar(args[0](a)) is None
    if name == "IFERROR":
        need(2, 2)
        return lambda a: (lambda v: scalar(args[1](a)) if isinstance(v, XlError) else v)(scalar(args[0](a)))
    if name in ("COUNT", "COUNTA"):
        # Over references (templates write even one cell as a range): COUNT counts numbers only,
        # not text that looks like one, logicals or errors; COUNTA counts every non-blank cell.
        counted = _is_number if name == "COUNT" else _is_filled

        def f_count(a: Sequence[Any]) -> Any:
            total = 0
            for g in args:
                v = g(a)
                total += sum(1 for row in v for x in row if counted(x)) if is_range(v) else int(counted(v))
            return float(total)
        return f_count
    if name == "COUNTBLANK":
        need(1, 1)

        def f_countblank(a: Sequence[Any]) -> Any:
            rng = args[0](a)
            cells = [x for row in rng for x in row] if is_range(rng) else [rng]
            return float(sum(1 for x in cells if x is None or x == ""))
        return f_countblank
    if name == "COUNTIF":
        need(2, 2)

        def f_countif(a: Sequence[Any]) -> Any:
            rng = args[0](a)
            if not is_range(rng):
                rng = [[rng]]
            test = criteria(args[1](a))
            return float(sum(1 for row in rng for v in row if not isinstance(v, XlError) and test(v)))
        return f_countif
    raise Unsupported(f"function {name}")


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _is_filled(x: Any) -> bool:
    return x is not None and x != ""
