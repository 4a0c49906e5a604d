"""Integrity against the template: sheets, rows, labels, formulas, protection, validation, locks.

Sheets: every template sheet must be there, visible; a sheet named like a template sheet (a copy:
"依申请公开 -1", "依申请公开 (2)", a case, space or full-width variant) is an error, because a reader
of the file cannot tell which one is the report; any other extra sheet (a clerk's notes) is a warning
that names it, and the template's sheets are still checked in full. A roll-up we wrote (marked
`OUTPUT_ROLLUP`) carries one more, its visible 汇总说明 sheet (`outfile.ROLLUP_SHEET`): accepted there only.

A sheet whose rows or columns moved is reported once as `structure-changed`; its cells are then
not compared one by one, because every position on it is off and the flood would hide the cause.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

from ..findings import Code, Finding, make
from ..ooxml.refs import a1_range, parse_range, quote_sheet
from ..outfile import DIGEST_SEPARATOR, OUTPUT_PROPERTY, OUTPUT_ROLLUP, ROLLUP_SHEET
from ..spec import formula_text
from ..template.layout import LABEL_KINDS, Cell, Layout, SheetLayout
from .formula_tokens import same_formula
from .reader import CellData, ExtractedWorkbook, SheetData, Validation

# The validation type each input type is written with (writer.py); any other type means it was replaced.
VALIDATION_TYPES = {"whole": "whole", "decimal": "custom", "text": "textLength", "date": "date"}
MAX_SHIFT = 40
MAX_RECTANGLES = 10_000


def check_integrity(layout: Layout, wb: ExtractedWorkbook) -> tuple[list[Finding], set[str], set[str]]:
    """Findings, the sheets whose structure changed, and the formula cells already reported."""
    findings, broken = check_sheets(layout, wb)
    touched: set[str] = set()
    present = [(sheet, wb.sheet(sheet.name)) for sheet in layout.sheets]
    for sheet, found in present:
        moved = _structure_problem(sheet, found) if found is not None else None
        if moved:
            reason, params = moved
            findings.append(make(Code.STRUCTURE_CHANGED, reason, cell=quote_sheet(sheet.name), **params))
            broken.add(sheet.name)
    for sheet, sheet_data in present:
        if sheet_data is None or sheet.name in broken:
            continue
        data = sheet_data
        if not data.protected:
            findings.append(make(Code.PROTECTION_REMOVED, "unprotected", cell=quote_sheet(sheet.name), sheet=sheet.name))
        covered = _validated_cells(data.validations)
        for cell in sheet.cells:
            # a formula reading a restructured sheet was legitimately moved along with it
            if cell.source and _reads_sheet(layout, cell, broken):
                touched.add(cell.datapoint)
                continue
            problems = _check_cell(data.cells.get((cell.row, cell.col)), cell, covered, touched)
            if problems:
                findings.extend(problems)
    return findings, broken, touched


def check_sheets(layout: Layout, wb: ExtractedWorkbook) -> tuple[list[Finding], set[str]]:
    """Findings about which sheets the file holds, and the template sheets that are missing."""
    findings: list[Finding] = []
    missing: set[str] = set()
    ours: set[int] = set()  # the file's sheets that are the template's (by identity: names may repeat)
    for sheet in layout.sheets:
        found = wb.sheet(sheet.name)
        if found is None:
            findings.append(make(Code.STRUCTURE_CHANGED, "sheet-missing", cell=quote_sheet(sheet.name), sheet=sheet.name))
            missing.add(sheet.name)
            continue
        ours.add(id(found))
        if found.state != "visible":
            findings.append(make(Code.SHEET_HIDDEN, _state_reason(found.state), cell=quote_sheet(sheet.name),
                                 sheet=found.name))
    keys = {_sheet_key(s.name): s.name for s in layout.sheets}
    for data in wb.sheets:
        if id(data) in ours or _rollup_sheet(wb, data):
            continue
        original = _lookalike(data.name, keys)
        where = quote_sheet(data.name)
        if original is not None:
            reason = "sheet-duplicate" if data.name.casefold() == original.casefold() else "sheet-lookalike"
            findings.append(make(Code.STRUCTURE_CHANGED, reason, cell=where, sheet=data.name, original=original))
        else:
            findings.append(make(Code.EXTRA_SHEET, _state_reason(data.state), cell=where, sheet=data.name))
    return findings, missing


def _rollup_sheet(wb: ExtractedWorkbook, data: SheetData) -> bool:
    """The 汇总说明 sheet of a roll-up we wrote (marked as one): expected there, not a clerk's addition.
    In a return (no such mark) it is an extra sheet like any other; hidden, it is never accepted."""
    return (data.name == ROLLUP_SHEET and _state_reason(data.state) == "visible"
            and str(wb.custom_properties.get(OUTPUT_PROPERTY)).partition(DIGEST_SEPARATOR)[0] == OUTPUT_ROLLUP)


def _state_reason(state: str) -> str:
    # anything but hidden/veryHidden is shown by every client (LibreOffice writes veryHidden as hidden)
    return {"hidden": "hidden", "veryhidden": "very-hidden"}.get(state.strip().casefold(), "visible")


# How clients name a copied sheet: LibreOffice "依申请公开 -1" / "依申请公开_2", Excel "依申请公开 (2)",
# WPS "依申请公开(2)"; and what a person appends by hand ("副本", "copy", "_old") or puts in front
# (Excel's English "Copy of …", "副本 …").
_COPY_SUFFIX = re.compile(r"(?:[-_.#~]*\d+|\(\d+\)|\[\d+\]|[-_.]*(?:的?副本|copy|复制|备份|old|旧|new|新))$")
_COPY_PREFIX = re.compile(r"^(?:copyof|副本|复制|备份)[-_.]*")


def _sheet_key(name: str) -> str:
    """A sheet name as a person reads it: full-width folded (NFKC), case folded, without spaces or
    invisible characters."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc"))


def _lookalike(name: str, keys: dict[str, str]) -> str | None:
    """The template sheet `name` reads as, itself or with a copy's suffix stripped; None if none."""
    key = _sheet_key(name)
    for _ in range(4):  # "依申请公开 (2) (2)": a copy of a copy
        if key in keys:
            return keys[key]
        stripped = _COPY_PREFIX.sub("", _COPY_SUFFIX.sub("", key))
        if stripped == key or not stripped:
            return None
        key = stripped
    return keys.get(key)


def _check_cell(data: CellData | None, cell: Cell, covered: _Coverage,
                touched: set[str]) -> list[Finding]:
    """One template cell against what the file holds there; findings are built only when needed."""
    out: list[Finding] = []
    if cell.kind in LABEL_KINDS:
        actual = None if data is None else data.value
        if cell.text and (actual if isinstance(actual, str) else "") != cell.text:
            out.append(make(Code.LABEL_CHANGED, "changed", expected=cell.text, actual=actual, **cell.where))
        if data is not None and not data.locked and cell.text:
            out.append(make(Code.LOCK_CHANGED, "label-unlocked", expected="locked", actual="unlocked", **cell.where))
    elif cell.kind == "input":
        if data is not None and data.locked:
            out.append(make(Code.LOCK_CHANGED, "input-locked", expected="unlocked", actual="locked", **cell.where))
        want = VALIDATION_TYPES[cell.input.type] if cell.input else None
        have = covered.get((cell.row, cell.col))
        if have is None:
            out.append(make(Code.VALIDATION_REMOVED, "removed", expected=want, actual=None, **cell.where))
        elif have != want:
            out.append(make(Code.VALIDATION_REMOVED, "changed", expected=want, actual=have, **cell.where))
    else:
        expected = "=" + cell.formula
        if data is None or not data.formula:
            touched.add(cell.datapoint)
            actual = None if data is None else data.value
            out.append(make(Code.FORMULA_OVERWRITTEN, "blank" if actual in (None, "") else "constant",
                            expected=expected, actual=actual, **cell.where))
        elif not same_formula(cell.formula, data.formula, cell.sheet):
            touched.add(cell.datapoint)
            out.append(make(Code.FORMULA_CHANGED, "changed", expected=expected, actual="=" + data.formula, **cell.where))
        if data is not None and not data.locked:
            out.append(make(Code.LOCK_CHANGED, "formula-unlocked", expected="locked", actual="unlocked", **cell.where))
    return out


def _reads_sheet(layout: Layout, cell: Cell, sheets: set[str]) -> bool:
    if not sheets:
        return False
    return any(layout.by_id[formula_text.strip_prior(a)].sheet in sheets for a in formula_text.referenced_ids(cell.source))


class _Coverage:
    """Which validation type covers a cell: rectangles tested per cell, never expanded, so that a
    hostile `sqref="A1:XFD1048576"` costs nothing."""

    def __init__(self, validations: tuple[Validation, ...]):
        self.rects: list[tuple[int, int, int, int, str]] = []
        for v in validations:
            if not v.type or v.type in ("none", "any"):
                continue  # 'any' or no type: the cell is not validated
            for ref in v.sqref:
                if len(self.rects) >= MAX_RECTANGLES:
                    return  # an honest sheet has a few dozen; past this, the rest is not trusted
                try:
                    self.rects.append((*parse_range(ref), v.type))
                except ValueError:
                    continue

    def get(self, key: tuple[int, int]) -> str | None:
        row, col = key
        for r1, c1, r2, c2, kind in self.rects:
            if r1 <= row <= r2 and c1 <= col <= c2:
                return kind
        return None


@lru_cache(maxsize=64)
def _validated_cells(validations: tuple[Validation, ...]) -> _Coverage:
    """Cached: every honest workbook of a template carries the same validations."""
    return _Coverage(validations)


def _structure_problem(sheet: SheetLayout, data: SheetData) -> tuple[str, dict[str, Any]] | None:
    """Rows or columns inserted or deleted, detected from where the labels went: a
    `structure-changed` reason and its fields."""
    labels = [c for c in sheet.cells if c.kind in LABEL_KINDS and c.text]
    misplaced = [c for c in labels if _text(data, c.row, c.col) != c.text]
    # Only labels that occur once in the template can show where rows went: 信息内容 stands four
    # times on one sheet, so finding it elsewhere proves nothing. And one label is an edit, not a
    # shift: a shift needs two labels that moved the same way.
    counts = Counter(c.text for c in labels)
    unique = [c for c in misplaced if counts[c.text] == 1]
    if len(unique) >= 2:
        positions: dict[str, list[tuple[int, int]]] = {}
        for (r, c), held in data.cells.items():
            if isinstance(held.value, str):
                positions.setdefault(held.value, []).append((r, c))
        shifts: Counter[tuple[int, int]] = Counter()
        for cell in unique:
            for r, c in positions.get(cell.text, []):
                dr, dc = r - cell.row, c - cell.col
                if (dc == 0 and 0 < abs(dr) <= MAX_SHIFT) or (dr == 0 and 0 < abs(dc) <= MAX_SHIFT):
                    shifts[(dr, dc)] += 1
        if shifts:
            (dr, dc), count = shifts.most_common(1)[0]
            if count >= 2:
                first = min(c.row if dr else c.col for c in unique)
                if dr:
                    return ("rows-inserted" if dr > 0 else "rows-deleted"), {"first": first, "count": abs(dr)}
                return ("columns-inserted" if dc > 0 else "columns-deleted"), {"first": first, "count": abs(dc)}
    expected = {a1_range(c.row, c.col, c.last_row or c.row, c.last_col or c.col) for c in sheet.cells if c.merged}
    actual = {m.replace("$", "").upper() for m in data.merged}
    if expected != actual:
        lost = sorted(expected - actual)[:3]
        extra = sorted(actual - expected)[:3]
        return "merged-changed", {"lost": tuple(lost), "extra": tuple(extra)}
    return None


def _text(data: SheetData, row: int, col: int) -> str | None:
    cell = data.cells.get((row, col))
    return cell.value if cell is not None and isinstance(cell.value, str) else None
