"""The highlight: a fill in the styles part per colour used, a clone of each highlighted cell's style
with its fill, and the cells' `s=` pointing at the clones.

Two colours. A cell's own problem (a bad input, a changed formula) is light red. The cells of a failed
rule (its check cell and every cell either side reads) are orange: the workbook shows its own 不平衡
in that light red, so a rule marked in it would look like the workbook's own state, and its inputs
(light yellow), formulas (grey) and headers (light blue) never use orange either.

The clone keeps numFmtId, font, border, alignment and the `<protection>` lock flag, so a highlighted
cell still checks exactly like the original.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from ...findings import Finding
from ...ooxml.package import EditablePackage, find_rel
from ...ooxml.refs import address, column_letter
from ...ooxml.splice import SHEET_ORDER, STYLE_ORDER, Doc, El, position, schema_key
from .model import AnnotateError, Style

__all__ = ["FILL_RGB", "RULE_FILL_RGB", "base_styles", "cells_of", "edit_styles", "fill_of", "highlight"]

#: A cell's own problem: Excel's own "light red fill" colour.
FILL_RGB = "FFFFC7CE"
#: The cells of a failed rule: Excel's "orange, accent 2, lighter 40%", a colour our workbook never uses.
RULE_FILL_RGB = "FFF4B183"


def fill_of(findings: Iterable[Finding]) -> str:
    """A marked cell's colour: light red when a finding is about the cell itself, orange when it is
    only a failed rule's (the rule's check cell, or a cell the rule reads)."""
    return RULE_FILL_RGB if all(f.rule for f in findings) else FILL_RGB


def cells_of(sheet_data: El) -> tuple[dict[int, El], dict[tuple[int, int], list[El]]]:
    """Rows by number and cells by (row, col), positioned the way the reader does (a cell's own
    `r` wins over its row's; without one, a row or cell is the one after the previous)."""
    rows: dict[int, El] = {}
    cells: dict[tuple[int, int], list[El]] = {}
    row_no = 0
    for row in sheet_data.kids("row"):
        r = row.get("r")
        row_no = int(r) if r and r.isascii() and r.isdigit() else row_no + 1
        rows.setdefault(row_no, row)
        col_no = 0
        for c in row.kids("c"):
            ref = c.get("r")
            key = address(ref) if ref and ":" not in ref else None
            if key is None:
                key = (row_no, col_no + 1)
            col_no = key[1]
            cells.setdefault(key, []).append(c)
    return rows, cells


def _style(value: str | None) -> int:
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true")


def base_styles(doc: Doc, marks: Mapping[tuple[int, int], list[Finding]]) -> dict[tuple[int, int], Style]:
    """The style each marked cell shows now, and the colour it is to be marked in."""
    return {k: (style, fill_of(marks[k])) for k, style in _current_styles(doc, marks).items()}


def _current_styles(doc: Doc, marks: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """The style each marked cell shows now."""
    sheet_data = doc.root.kid("sheetData")
    rows, cells = cells_of(sheet_data) if sheet_data is not None else ({}, {})
    cols = doc.root.kid("cols")
    out = {}
    for row_no, col_no in marks:
        found = cells.get((row_no, col_no))
        if found:
            out[(row_no, col_no)] = _style(found[0].get("s"))
            continue
        # An absent cell shows its row's style (customFormat) or its column's: keep that look and lock.
        row = rows.get(row_no)
        base = _style(row.get("s")) if row is not None and _truthy(row.get("customFormat")) else None
        if base is None and cols is not None:
            for col in cols.kids("col"):
                if _style(col.get("min")) <= col_no <= _style(col.get("max")):
                    base = _style(col.get("style"))
                    break
        out[(row_no, col_no)] = base or 0
    return out


def edit_styles(pkg: EditablePackage, bases: list[Style]) -> dict[Style, int]:
    """Add a fill per colour used and one xf per (base style, colour); returns that pair → the
    highlighted style."""
    wb_part = pkg.workbook_part() or "xl/workbook.xml"
    real = pkg.name_of(find_rel(pkg.rels(wb_part), "styles") or "xl/styles.xml")
    if real is None:
        raise AnnotateError("the workbook has no styles part")
    doc = Doc.parse(pkg.get(real) or b"", real)
    root, p = doc.root, doc.root.prefix
    key = schema_key(STYLE_ORDER)
    colours = sorted({rgb for _, rgb in bases}, key=lambda rgb: (rgb != FILL_RGB, rgb))
    fill = "".join(f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{rgb}"/>'
                   f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>' for rgb in colours)
    fills = root.kid("fills")
    if fills is None:  # absent: fills 0 and 1 are Excel's reserved none and gray125
        first = 2
        new = (f'<{p}fills count="{2 + len(colours)}"><{p}fill><{p}patternFill patternType="none"/></{p}fill>'
               f'<{p}fill><{p}patternFill patternType="gray125"/></{p}fill>{fill}</{p}fills>')
        doc.insert(root, [(position(root, key, STYLE_ORDER["fills"]), new)])
    else:
        first = len(fills.kids("fill"))
        count = {"count": str(first + len(colours))} if "count" in fills.attrs else None
        doc.insert(fills, [(fills.close, fill)], count)
    fill_ids = {rgb: first + i for i, rgb in enumerate(colours)}
    xfs_el = root.kid("cellXfs")
    xfs = xfs_el.kids("xf") if xfs_el is not None else []
    clones, mapping = [], {}
    for i, (base, rgb) in enumerate(bases):
        fill_id = fill_ids[rgb]
        mapping[(base, rgb)] = (len(xfs) if xfs_el is not None else 1) + i
        changes = {"fillId": str(fill_id), "applyFill": "1"}
        if 0 <= base < len(xfs):
            xf = xfs[base]
            tag = doc.head(xf, changes)
            clones.append(tag + doc.text[xf.head_end: xf.end])
        else:  # a dangling index reads as the default, locked style
            clones.append(f'<{p}xf numFmtId="0" fontId="0" fillId="{fill_id}" borderId="0" xfId="0" applyFill="1"/>')
    if xfs_el is None:
        new = (f'<{p}cellXfs count="{1 + len(clones)}"><{p}xf numFmtId="0" fontId="0" fillId="0" borderId="0"'
               f' xfId="0"/>{"".join(clones)}</{p}cellXfs>')
        doc.insert(root, [(position(root, key, STYLE_ORDER["cellXfs"]), new)])
    else:
        count = {"count": str(len(xfs) + len(clones))} if "count" in xfs_el.attrs else None
        doc.insert(xfs_el, [(xfs_el.close, "".join(clones))], count)
    pkg.replace(real, doc.result())
    return mapping


def highlight(doc: Doc, styles: dict[tuple[int, int], int]) -> None:
    """Give each (row, col) its highlighted style: `s=` on a cell that is there, a new `<c>` (in a
    new `<row>` if need be) in column and row order where it is not."""
    root, p = doc.root, doc.root.prefix
    sheet_data = root.kid("sheetData")
    if sheet_data is None:
        rows_text = "".join(f'<{p}row r="{r}">' + "".join(
            f'<{p}c r="{column_letter(c)}{r}" s="{s}"/>' for (rr, c), s in sorted(styles.items()) if rr == r) + f"</{p}row>"
            for r in sorted({r for r, _ in styles}))
        pos = position(root, schema_key(SHEET_ORDER), SHEET_ORDER["sheetData"])
        doc.insert(root, [(pos, f"<{p}sheetData>{rows_text}</{p}sheetData>")])
        return
    rows, cells = cells_of(sheet_data)
    row_of = {id(el): n for n, el in rows.items()}
    col_of = {id(el): k[1] for k, els in cells.items() for el in els}
    new_cells: dict[int, list[tuple[int, int]]] = {}
    for (r, c), s in sorted(styles.items()):
        if (r, c) in cells:
            for el in cells[(r, c)]:
                doc.set_attrs(el, {"s": str(s)})
        else:
            new_cells.setdefault(r, []).append((c, s))
    new_rows: list[tuple[int, str]] = []
    for r, items in sorted(new_cells.items()):
        texts = [(c, f'<{p}c r="{column_letter(c)}{r}" s="{s}"/>') for c, s in items]
        row = rows.get(r)
        if row is None:
            body = "".join(t for _, t in texts)
            pos = position(sheet_data, _key_by(row_of), r)
            new_rows.append((pos, f'<{p}row r="{r}">{body}</{p}row>'))
            continue
        inserts = [(position(row, _key_by(col_of), c), t) for c, t in texts]
        doc.insert(row, inserts, _spans(row, [c for c, _ in items]))
    if new_rows:
        doc.insert(sheet_data, new_rows)


def _key_by(table: dict[int, int]) -> Callable[[El], float | None]:
    """Order children by a number looked up by identity (row numbers, column numbers)."""
    return lambda el: table.get(id(el))


def _spans(row: El, cols: list[int]) -> dict[str, str] | None:
    """Widen a row's `spans` hint ("1:10") to cover new cells."""
    spans = row.get("spans")
    m = re.fullmatch(r"\s*(\d+):(\d+)\s*", spans or "")
    if not m:
        return None
    lo, hi = int(m.group(1)), int(m.group(2))
    if min(cols) >= lo and max(cols) <= hi:
        return None
    return {"spans": f"{min(lo, *cols)}:{max(hi, *cols)}"}
