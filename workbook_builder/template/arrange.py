"""`TemplateSpec` → `Layout`: place every cell, give each its A1 formula, order them for evaluation.

Formulas are written over data point IDs in the template; here they become A1 references once every
cell has its place. Check and summary cells get formulas derived from the rules and the inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ..spec import formula_text
from ..spec.ids import check_id, shown_rules
from ..spec.model import Rule, Sheet, TemplateSpec
from .layout import ALL_BALANCED, BALANCED, BLANKS_LEFT, NOT_BALANCED, UNBALANCED, Cell, Layout, rectangles
from .place import finish_sheet, place_sheet


def build_layout(spec: TemplateSpec) -> Layout:
    """Place every cell of every sheet, translate formulas, and order them for evaluation."""
    placed: list[tuple[Sheet, list[Cell]]] = []
    for sheet in spec.sheets:
        placed.append((sheet, place_sheet(spec, sheet)))
    by_id = {c.datapoint: c for _, cells in placed for c in cells if c.datapoint}
    sources = {c.target: c.formula for c in spec.computed}
    prelim = Layout(spec, (), by_id, ())
    resolved: list[tuple[Sheet, list[Cell]]] = []
    for sheet, cells in placed:
        out = []
        for c in cells:
            source = _source_formula(spec, c, sources, by_id)
            if source:
                kind = c.kind if c.kind in ("check", "summary") else "formula"
                ref = lambda a, b, s=c.sheet: prelim.reference(a, b, s)  # noqa: E731
                formula = formula_text.translate(source, ref)
                c = replace(c, kind=kind, input=None, source=source, formula=formula)
            out.append(c)
        resolved.append((sheet, out))
    by_id = {c.datapoint: c for _, cells in resolved for c in cells if c.datapoint}
    prelim = Layout(spec, (), by_id, ())
    sheets = tuple(finish_sheet(sheet, cells) for sheet, cells in resolved)
    return Layout(spec, sheets, by_id, _evaluation_order(prelim))


def _source_formula(spec: TemplateSpec, cell: Cell, sources: dict[str, str], by_id: dict[str, Cell]) -> str:
    """The cell's formula over data point IDs: declared, or derived for check and summary cells."""
    if cell.kind == "check":
        rule = next(r for r in shown_rules(spec) if check_id(r) == cell.datapoint)
        return check_formula(rule, lambda a, b: f"{a}:{b}" if b else a)
    if cell.kind == "summary":
        rows: dict[tuple[str, int], list[Cell]] = {}
        for c in by_id.values():
            if c.kind == "check":
                rows.setdefault((c.sheet, c.row), []).append(c)
        parts = []
        for cs in rows.values():
            cs = sorted(cs, key=lambda x: x.col)
            parts.append(f'COUNTIF({cs[0].datapoint}:{cs[-1].datapoint},"{UNBALANCED}")')
        count = "+".join(parts) or "0"
        verdict = f'IF({count}=0,"{ALL_BALANCED}","{NOT_BALANCED}")'
        # always a range, even of one cell: COUNTBLANK takes a range (and `formulas` insists)
        blanks = "+".join(f"COUNTBLANK({a}:{b})" for a, b in _input_blocks(by_id, sources))
        return f'IF({blanks}>0,"{BLANKS_LEFT}",{verdict})' if blanks else verdict
    return sources.get(cell.datapoint, "") or cell.source  # a field may declare its own formula


def check_formula(rule: Rule, layout_ref) -> str:  # type: ignore[no-untyped-def]
    """The live check cell formula: shows 平衡 when the rule holds, 不平衡 when it does not."""
    left = formula_text.translate(rule.left, layout_ref)
    right = formula_text.translate(rule.right, layout_ref)
    tol = repr(rule.tolerance).upper()
    condition = {
        "=": f"ABS(({left})-({right}))<={tol}",
        "<=": f"({left})<=({right})+{tol}",
        ">=": f"({left})+{tol}>=({right})",
        "<": f"({left})<({right})",
        ">": f"({left})>({right})",
    }[rule.comparator]
    return f'IF({condition},"{BALANCED}","{UNBALANCED}")'


def _input_blocks(by_id: Mapping[str, Cell], sources: Mapping[str, str]) -> list[tuple[str, str]]:
    """Required inputs as (first ID, last ID) rectangles of their top-left cells, for COUNTBLANK."""
    at: dict[tuple[str, int, int], str] = {}
    for dp, c in by_id.items():
        if c.kind == "input" and dp not in sources and c.input is not None and c.input.required:
            at[(c.sheet, c.row, c.col)] = dp
    out = []
    for sheet in dict.fromkeys(s for s, _, _ in at):
        boxes = [(r, c, r, c) for s, r, c in at if s == sheet]
        for r1, c1, r2, c2 in rectangles(boxes):
            out.append((at[(sheet, r1, c1)], at[(sheet, r2, c2)]))
    return out


def _evaluation_order(layout: Layout) -> tuple[str, ...]:
    formulas = {dp: c for dp, c in layout.by_id.items() if c.source}
    deps = {
        dp: {d for a, b in formula_text.references(c.source) for row in layout.grid(a, b) for d in row if d}
        for dp, c in formulas.items()
    }
    order: list[str] = []
    done: set[str] = set()

    def visit(dp: str) -> None:
        if dp in done:
            return
        done.add(dp)
        for d in sorted(deps[dp]):
            if d in formulas:
                visit(d)
        order.append(dp)

    for dp in formulas:
        visit(dp)
    return tuple(order)
