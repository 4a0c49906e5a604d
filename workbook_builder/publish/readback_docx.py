"""Reading a written .docx back: its body tables as grids and its body paragraphs as text.

An independent reader: it shares no code with the docx writer (and never imports python-docx or
lxml), so a writer bug cannot hide itself by being read back the same wrong way. The zip is opened
with the preflight's own limits (directory checks, bounded inflating) and the XML parsed by
`ooxml.xml.parse_xml` (defusedxml where a DOCTYPE appears). The walk of paragraphs, runs, rows and
cells is the importer's (`imports.docx_styles.children`, `run_text`: a lower layer that knows nothing of
the writers), so a published report and our own written file are read by one reader. A file that cannot be read gives no
tables and no paragraphs; the comparison then reports every data point as missing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

from ..imports.docx_parts import read_parts
from ..imports.docx_styles import Hiding, attr, child, children, run_text, val, w
from ..imports.source import ReadProblem
from .readback_grid import MAX_COL_SPAN, MAX_COLS, Grid, RawCell, clamp, make_grid


@dataclass(frozen=True)
class _Context:
    """What decides whether a paragraph's runs print: the style sheet, the paragraph's style and the
    style of the table it stands in (None outside tables)."""

    hiding: Hiding
    paragraph: str | None = None
    table: str | None = None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def document_root(data: bytes) -> ET.Element | None:
    """The parsed main document part of a .docx, or None when the file cannot be read safely."""
    found = read_parts(data)
    return found[0] if found else None


def read_docx(data: bytes) -> tuple[list[Grid], list[str]]:
    """The body's tables (in order) and its paragraph texts outside tables, from one parse; text
    Word does not print (hidden text, directly or through the styles) is left out."""
    found = read_parts(data)
    body = child(found[0], "body") if found else None
    if found is None or body is None:
        return [], []
    ctx = _Context(found[1])
    tables: list[Grid] = []
    paragraphs: list[str] = []
    carry = ""  # a paragraph whose mark is hidden runs on into the next one in print
    try:
        for el in _blocks(body):
            if w(el) == "tbl":
                if carry:
                    paragraphs.append(carry)
                carry = ""
                tables.append(_table(el, ctx))
                continue
            text, joined = paragraph(el, ctx)
            carry += text
            if not joined:
                if carry:
                    paragraphs.append(carry)
                carry = ""
    except (RecursionError, ReadProblem):  # absurdly deep nesting: unreadable, like a broken zip
        return [], []
    if carry:
        paragraphs.append(carry)
    return tables, paragraphs


def read_docx_tables(data: bytes) -> list[Grid]:
    """Every table of the document body, in order, as a grid (no tables when the file is unreadable)."""
    return read_docx(data)[0]


def read_docx_text(data: bytes) -> list[str]:
    """The body paragraphs outside tables (title, headings, prose), in order, empty ones left out."""
    return read_docx(data)[1]


def _blocks(parent: ET.Element) -> Iterator[ET.Element]:
    return children(parent, ("p", "tbl"))


def paragraph(p: ET.Element, ctx: _Context) -> tuple[str, bool]:
    """What a paragraph prints — its runs' text, tabs as tab and line breaks as new lines, hidden
    runs left out — and whether its mark is hidden (it then joins the next paragraph in print)."""
    ppr = child(p, "pPr")
    ctx = _Context(ctx.hiding, ctx.hiding.style("paragraph", val(ppr, "pStyle")), ctx.table)
    out: list[str] = []
    run_text(p, out, ctx.hiding, ctx.paragraph, ctx.table, hyphen="\u2011")
    return "".join(out), ctx.hiding.hidden(child(ppr, "rPr"), ctx.paragraph, ctx.table)


def paragraph_text(p: ET.Element, hiding: Hiding | None = None) -> str:
    """What a paragraph prints (by `hiding`'s style sheet; none: only direct hidden formatting)."""
    return paragraph(p, _Context(hiding or Hiding(None)))[0]


def _cell_text(tc: ET.Element, ctx: _Context) -> str:
    """A cell's paragraphs joined with new lines (a hidden mark joins without one); blank paragraphs
    at its edges print nothing."""
    out: list[str] = []
    for p in _blocks(tc):
        if w(p) == "p":
            text, joined = paragraph(p, ctx)
            out.append(text if joined else text + "\n")
    return "".join(out).strip("\n")


def _table(tbl: ET.Element, ctx: _Context) -> Grid:
    """One w:tbl: w:gridSpan gives column spans, w:vMerge restart/continue row spans."""
    raw: list[RawCell] = []
    tbl_pr = child(tbl, "tblPr")
    caption = val(tbl_pr, "tblCaption") or ""
    ctx = _Context(ctx.hiding, None, ctx.hiding.style("table", val(tbl_pr, "tblStyle")))
    # start column → the cell that reaches down to the row above there (a vMerge continue extends it)
    above: dict[int, RawCell] = {}
    rows = list(children(tbl, ("tr",)))
    for r, tr in enumerate(rows):
        tr_pr = child(tr, "trPr")
        header = child(tr_pr, "tblHeader") is not None and val(tr_pr, "tblHeader") not in ("0", "false", "off")
        col = max(0, min(_int(val(tr_pr, "gridBefore"), 0), MAX_COLS))
        here: dict[int, RawCell] = {}
        last: RawCell | None = None
        for tc in children(tr, ("tc",)):
            tc_pr = child(tc, "tcPr")
            span = clamp(_int(val(tc_pr, "gridSpan"), 1), MAX_COL_SPAN)
            v_merge = child(tc_pr, "vMerge")
            h_merge = child(tc_pr, "hMerge")
            if h_merge is not None and attr(h_merge, "val") != "restart" and last is not None:
                last.col_span += span  # legacy horizontal merge: this cell widens the one before
                col += span
                continue
            if v_merge is not None and attr(v_merge, "val") != "restart" and col in above:
                cell = above[col]
                cell.row_span = r - cell.row + 1
            else:
                cell = RawCell(r, col, _cell_text(tc, ctx), 1, span, header)
                raw.append(cell)
            here[col] = cell
            last = cell
            col += span
        above = here
    return make_grid(raw, len(rows), caption, "docx")
