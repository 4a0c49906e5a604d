"""Template formulas × values → computed values and rule outcomes.

Each formula is compiled once per template, not once per cell: references are replaced by
positional placeholders of the same shape, so the 25 row totals of a table share one compiled
function (`SUM(A1001:F1001)`). Two engines: our `xlcalc` evaluator (fast, the default) and the
`formulas` package (the reference, and the fallback for functions xlcalc lacks). The package's
quirks stay here: blanks become schedula's EMPTY, results come back as plain Python values,
Excel errors as `ErrorValue`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..ooxml.refs import a1_range
from ..spec import formula_text
from ..spec.ids import check_id, shown_rules
from ..spec.model import Rule
from . import xlcalc
from .layout import BALANCED, Layout

Value = float | str | bool | None


class ErrorValue(str):
    """An Excel error value such as #VALUE! or #DIV/0!."""

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Operand:
    grid: tuple[tuple[str, ...], ...]  # data point IDs; '' for cells without one
    is_range: bool
    prior: bool  # read from last year's values


@dataclass(frozen=True)
class Expression:
    canonical: str  # formula text with placeholder references: the compile cache key
    operands: tuple[Operand, ...]

    @property
    def datapoints(self) -> tuple[str, ...]:
        return tuple(d for op in self.operands for row in op.grid for d in row if d and not op.prior)


@dataclass(frozen=True)
class RuleOutcome:
    rule: Rule
    left: Value
    right: Value
    holds: bool
    datapoints: tuple[str, ...]


def canonicalize(source: str, layout: Layout) -> Expression:
    """Replace each distinct reference by a placeholder of the same shape, in order of appearance."""
    seen: dict[tuple[str, str | None], str] = {}
    operands: list[Operand] = []

    def placeholder(a: str, b: str | None) -> str:
        key = (a, b)
        if key not in seen:
            grid = layout.grid(a, b)
            k = len(operands)
            base = 1000 * (k + 1) + 1
            h, w = len(grid), len(grid[0])
            is_range = b is not None
            seen[key] = a1_range(base, 1, base + h - 1, w) if is_range else f"A{base}"
            operands.append(Operand(grid, is_range, formula_text.is_prior(a)))
        return seen[key]

    canonical = formula_text.translate(source, placeholder)
    return Expression(canonical, tuple(operands))


class Recompute:
    """Compiled template formulas and rules. Build once per template; evaluate per file.

    `engine="fast"` evaluates the parsed formula trees with `xlcalc` (falling back to the
    reference for anything it does not implement); `engine="formulas"` uses the `formulas`
    package for everything, the reference the fast path is tested against.
    """

    def __init__(self, layout: Layout, engine: str = "fast"):
        if engine not in ("fast", "formulas"):
            raise ValueError(f"unknown engine {engine!r}")
        self.layout = layout
        self.engine = engine
        self.cells = tuple((c.datapoint, canonicalize(c.source, layout)) for c in layout.formulas)
        self.rules = tuple(
            (r, canonicalize(r.left, layout), canonicalize(r.right, layout)) for r in layout.spec.rules
        )
        # a rule shown in the workbook has a check cell computing the same condition: when that cell
        # says 平衡 the rule holds, and evaluating it again would only repeat the work
        shown = {check_id(r) for r in shown_rules(layout.spec)}
        self._check_cell = {id(r): check_id(r) for r in layout.spec.rules if check_id(r) in shown}

    @cached_property
    def _compiled(self) -> dict[str, Callable[[list[Any]], Any]]:
        out: dict[str, Callable[[list[Any]], Any]] = {}
        expressions = [e for _, e in self.cells] + [e for _, left, right in self.rules for e in (left, right)]
        for expr in expressions:
            if expr.canonical not in out:
                out[expr.canonical] = self._compile(expr.canonical)
        return out

    def _compile(self, canonical: str) -> Callable[[list[Any]], Any]:
        if self.engine == "fast":
            try:
                return xlcalc.compile_formula(canonical, _placeholder_index)
            except xlcalc.Unsupported:
                pass  # the reference engine knows more functions
        return _reference(canonical)

    @cached_property
    def dependencies(self) -> dict[str, frozenset[str]]:
        """Each formula cell → every cell it reads, directly or through other formula cells."""
        out: dict[str, frozenset[str]] = {}
        for datapoint, expr in self.cells:  # dependency order: what a cell reads is already known
            out[datapoint] = frozenset(expr.datapoints).union(*(out.get(d, frozenset()) for d in expr.datapoints))
        return out

    def warm(self) -> None:
        """Compile every formula now (before forking workers), not on first use."""
        self._compiled  # noqa: B018

    def evaluate(self, expr: Expression, values: Mapping[str, Value], prior: Mapping[str, Value] | None = None) -> Value:
        """One expression's value; blanks are None, Excel errors come back as `ErrorValue`."""
        args: list[Any] = []
        for op in expr.operands:
            source = (prior or {}) if op.prior else values
            if op.is_range:
                args.append([[_cell(source.get(d)) if d else None for d in row] for row in op.grid])
            else:
                args.append(_cell(source.get(op.grid[0][0])))
        return _plain(self._compiled[expr.canonical](args))

    def compute(self, inputs: Mapping[str, Value]) -> dict[str, Value]:
        """Every formula cell's value from the inputs, in dependency order; returns inputs + results."""
        values: dict[str, Value] = dict(inputs)
        for datapoint, expr in self.cells:
            values[datapoint] = self.evaluate(expr, values)
        return values

    def check_rules(self, values: Mapping[str, Value], prior: Mapping[str, Value] | None = None,
                    scope: str = "current") -> list[RuleOutcome]:
        """Evaluate every rule of the scope; `holds` uses the rule's comparator and tolerance."""
        out = []
        for rule, left_expr, right_expr in self.rules:
            if rule.scope != scope:
                continue
            shown = self._check_cell.get(id(rule))
            if shown is not None and values.get(shown) == BALANCED:
                points = tuple(dict.fromkeys(left_expr.datapoints + right_expr.datapoints))
                out.append(RuleOutcome(rule, None, None, True, points))
                continue
            left = self.evaluate(left_expr, values, prior)
            right = self.evaluate(right_expr, values, prior)
            points = tuple(dict.fromkeys(left_expr.datapoints + right_expr.datapoints))
            out.append(RuleOutcome(rule, left, right, _holds(rule, left, right), points))
        return out


def _cell(value: Value) -> Value:
    # an input holding "" is blank to the input checks, so it is blank to the formulas too
    return None if value == "" else value


def _plain(value: Any) -> Value:
    if isinstance(value, xlcalc.XlError):
        return ErrorValue(value)
    if value is None:  # a formula that yields a blank cell shows 0 in Excel
        return 0.0
    return value


def _reference(canonical: str) -> Callable[[list[Any]], Any]:
    """Compile with the `formulas` package; translate its conventions at this boundary."""
    import formulas  # heavy (≈1 s to import): only loaded when the reference engine is used
    import numpy as np
    import schedula

    func = formulas.Parser().ast("=" + canonical)[1].compile()
    order = [_placeholder_index(name) for name in func.inputs]

    def run(args: list[Any]) -> Any:
        call = []
        for i in order:
            v = args[i]
            if isinstance(v, list):
                call.append(np.array([[_to_engine_in_range(x, schedula.EMPTY) for x in row] for row in v], dtype=object))
            else:
                call.append(schedula.EMPTY if v is None or v == "" else v)
        return _from_engine(func(*call))

    return run


def _placeholder_index(name: str) -> int:
    """'A3001:F3001' (the engine may upper-case or qualify it) → operand index 2."""
    first = name.split("!")[-1].split(":")[0]
    digits = "".join(ch for ch in first if ch.isdigit())
    return int(digits) // 1000 - 1


def _to_engine_in_range(value: Value, empty: Any) -> Any:
    # Excel ignores text inside ranges given to SUM; `formulas` would add a number stored as text.
    # So such text goes in as text no parser reads as a number: SUM and COUNT skip it, COUNTA and
    # COUNTBLANK still see a filled cell, as Excel does (inputs holding text are reported anyway).
    if value is None or value == "":
        return empty
    if isinstance(value, str) and _looks_numeric(value):
        return "'" + value
    return value


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _from_engine(result: Any) -> Value:
    import numpy as np
    import schedula

    value = result
    if isinstance(value, np.ndarray):
        value = value.ravel()[0] if value.size else None
    if value is schedula.EMPTY or value is None:  # schedula's EMPTY is a str: catch it first
        return 0.0
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if type(value).__name__ == "XlError" or (isinstance(value, str) and value.startswith("#") and value.endswith(("!", "?", "A"))):
        return ErrorValue(str(value))
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return ErrorValue(str(value))


def _holds(rule: Rule, left: Value, right: Value) -> bool:
    if not isinstance(left, float) or not isinstance(right, float):
        return False
    tol = rule.tolerance
    return {
        "=": abs(left - right) <= tol,
        "<=": left <= right + tol,
        ">=": left + tol >= right,
        "<": left < right,
        ">": left > right,
    }[rule.comparator]


