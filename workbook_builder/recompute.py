"""Template formulas × values → computed values and rule outcomes, with the `formulas` package.

Each formula is compiled once per template, not once per cell: references are replaced by
positional placeholders of the same shape, so the 25 row totals of a table share one compiled
function (`SUM(A1001:F1001)`). The package's quirks stay here: blanks become schedula's EMPTY,
results come back as plain Python values, Excel errors as `ErrorValue`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from . import formula_text
from .layout import Layout
from .refs import a1_range
from .spec.model import Rule

Value = float | str | bool | None


class ErrorValue(str):
    """An Excel error value such as #VALUE! or #DIV/0!."""


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
    """Compiled template formulas and rules. Build once per template; evaluate per file."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.cells = tuple((c.datapoint, canonicalize(c.source, layout)) for c in layout.formulas)
        self.rules = tuple(
            (r, canonicalize(r.left, layout), canonicalize(r.right, layout)) for r in layout.spec.rules
        )

    @cached_property
    def _compiled(self) -> dict[str, tuple[Any, tuple[int, ...]]]:
        import formulas  # the engine is heavy to import; only load it when something is evaluated

        parser = formulas.Parser()
        out: dict[str, tuple[Any, tuple[int, ...]]] = {}
        expressions = [e for _, e in self.cells] + [e for _, left, right in self.rules for e in (left, right)]
        for expr in expressions:
            if expr.canonical in out:
                continue
            func = parser.ast("=" + expr.canonical)[1].compile()
            names = [_placeholder_index(name) for name in func.inputs]
            out[expr.canonical] = (func, tuple(names))
        return out

    @cached_property
    def input_dependencies(self) -> dict[str, frozenset[str]]:
        """Each formula cell → every input it reads, directly or through other formula cells."""
        out: dict[str, frozenset[str]] = {}
        for datapoint, expr in self.cells:  # dependency order: what a cell reads is already known
            out[datapoint] = frozenset().union(*(out.get(d, frozenset({d})) for d in expr.datapoints))
        return out

    @property
    def distinct_formulas(self) -> int:
        return len(self._compiled)

    def evaluate(self, expr: Expression, values: Mapping[str, Value], prior: Mapping[str, Value] | None = None) -> Value:
        import numpy as np
        import schedula

        func, order = self._compiled[expr.canonical]
        args = []
        for index in order:
            op = expr.operands[index]
            source = prior if op.prior else values
            if op.is_range:
                args.append(np.array(
                    [[_to_engine_in_range(source.get(d) if (d and source) else None, schedula.EMPTY) for d in row]
                     for row in op.grid], dtype=object))
            else:
                d = op.grid[0][0]
                v = source.get(d) if source else None
                args.append(schedula.EMPTY if v is None or v == "" else v)
        return _from_engine(func(*args))

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
            left = self.evaluate(left_expr, values, prior)
            right = self.evaluate(right_expr, values, prior)
            points = tuple(dict.fromkeys(left_expr.datapoints + right_expr.datapoints))
            out.append(RuleOutcome(rule, left, right, _holds(rule, left, right), points))
        return out


def _placeholder_index(name: str) -> int:
    """'A3001:F3001' (the engine may upper-case or qualify it) → operand index 2."""
    first = name.split("!")[-1].split(":")[0]
    digits = "".join(ch for ch in first if ch.isdigit())
    return int(digits) // 1000 - 1


def _to_engine_in_range(value: Value, empty: Any) -> Any:
    # Excel ignores text inside ranges given to SUM; `formulas` would add a number stored as text.
    # Inputs holding text are reported by the input checks; here they count as blank.
    if value is None or value == "":
        return empty
    if isinstance(value, str) and _looks_numeric(value):
        return empty
    return value


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _from_engine(result: Any) -> Value:
    import numpy as np

    value = result
    if isinstance(value, np.ndarray):
        value = value.ravel()[0] if value.size else None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if type(value).__name__ == "XlError" or (isinstance(value, str) and value.startswith("#") and value.endswith(("!", "?", "A"))):
        return ErrorValue(str(value))
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if value is None or str(value) == "empty":
        return 0.0
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


