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
from .layout import (
    ALL_BALANCED,
    BALANCED,
    BLANKS_LEFT,
    CHECK_INPUTS,
    NOT_BALANCED,
    NOT_FILLED,
    NOT_NUMBERS,
    NUMERIC_TYPES,
    UNBALANCED,
    Cell,
    Layout,
    rectangles,
)
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
            source = _source_formula(spec, c, sources, prelim)
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


def _source_formula(spec: TemplateSpec, cell: Cell, sources: dict[str, str], prelim: Layout) -> str:
    """The cell's formula over data point IDs: declared, or derived for check and summary cells."""
    by_id = prelim.by_id
    if cell.kind == "check":
        rule = next(r for r in shown_rules(spec) if check_id(r) == cell.datapoint)
        scope = _id_ranges(by_id, _inputs_read(rule.left + " " + rule.right, sources, prelim))
        return check_formula(rule, lambda a, b: f"{a}:{b}" if b else a, scope)
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
        summary = f'IF({blanks}>0,"{BLANKS_LEFT}",{verdict})' if blanks else verdict
        numeric = [dp for dp, c in by_id.items()
                   if c.kind == "input" and dp not in sources and c.input is not None and c.input.type in NUMERIC_TYPES]
        scope = _id_ranges(by_id, numeric)
        # text, "/" or an error pasted past validation: COUNTIF and COUNTBLANK do not see it, so the
        # cover says so first (a check reading it would show #VALUE!, not 不平衡)
        return f'IF({_not_numbers(",".join(scope))},"{NOT_NUMBERS}",{summary})' if scope else summary
    return sources.get(cell.datapoint, "") or cell.source  # a field may declare its own formula


def check_formula(rule: Rule, layout_ref, scope: list[str] | None = None) -> str:  # type: ignore[no-untyped-def]
    """The live check cell formula: 平衡 when the rule holds, 不平衡 when it does not.

    With `scope` (the ranges of the inputs the rule reads, over IDs): 未填写 (no colour) while all
    of them are blank, and 请检查 when any holds something that is not a number, so that a "/"
    pasted past validation never leaves #VALUE! in the check row and a green cover.
    """
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
    verdict = f'IF({condition},"{BALANCED}","{UNBALANCED}")'
    if not scope:
        return verdict
    refs = ",".join(formula_text.translate(r, layout_ref) for r in scope)
    return f'IF(COUNTA({refs})=0,"{NOT_FILLED}",IF({_not_numbers(refs)},"{CHECK_INPUTS}",{verdict}))'


def _not_numbers(refs: str) -> str:
    """True when a cell of `refs` holds anything but a number: COUNT skips text, logicals and
    errors, COUNTA does not (the same in Excel, LibreOffice, WPS and both our engines)."""
    return f"COUNT({refs})<COUNTA({refs})"


def _inputs_read(expression: str, sources: Mapping[str, str], prelim: Layout) -> list[str]:
    """The numeric inputs an expression reads, directly or through formula cells, in sheet order."""
    seen: set[str] = set()
    out: set[str] = set()
    todo = [expression]
    while todo:
        for a, b in formula_text.references(todo.pop()):
            for row in prelim.grid(a, b):
                for dp in row:
                    if not dp or dp in seen:
                        continue
                    seen.add(dp)
                    c = prelim.by_id[dp]
                    if dp in sources:
                        todo.append(sources[dp])
                    elif c.kind == "input" and c.input is not None and c.input.type in NUMERIC_TYPES:
                        out.add(dp)
    return sorted(out, key=lambda dp: (prelim.by_id[dp].sheet, prelim.by_id[dp].row, prelim.by_id[dp].col))


def _id_ranges(by_id: Mapping[str, Cell], datapoints: list[str]) -> list[str]:
    """Cells as few `first:last` ID ranges (always a range, even of one cell: COUNT and COUNTA
    over references, never over values, keep Excel's counting of text and logicals)."""
    return [f"{a}:{b}" for a, b in _blocks(by_id, datapoints)]


def _input_blocks(by_id: Mapping[str, Cell], sources: Mapping[str, str]) -> list[tuple[str, str]]:
    """Required inputs as (first ID, last ID) rectangles of their top-left cells, for COUNTBLANK."""
    return _blocks(by_id, [dp for dp, c in by_id.items()
                           if c.kind == "input" and dp not in sources and c.input is not None and c.input.required])


def _blocks(by_id: Mapping[str, Cell], datapoints: list[str]) -> list[tuple[str, str]]:
    """Cells as few rectangles, each as its (top-left ID, bottom-right ID), sheet by sheet."""
    at = {(by_id[dp].sheet, by_id[dp].row, by_id[dp].col): dp for dp in datapoints}
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
