"""Word (.docx) reports: body paragraphs and tables, read from word/document.xml without lxml.

The zip goes through the preflight's checks first (`docx_parts`): a hostile package is refused with
the same finding the workbook checker gives it (`unreadable-file`/`unsafe-content` and their
reasons). Paragraphs print their runs' text (`w:tab` a tab, `w:br`/`w:cr` a new line); text Word does
not print (hidden directly or through the styles, `docx_styles.Hiding`) is left out, as are deleted
text, field codes and text boxes (a report's tables and prose are never in a text box). Content
controls and custom XML are read through. Tables become grids with `w:gridSpan`, `w:gridBefore`,
`w:hMerge` and `w:vMerge` (restart/continue) resolved; a table nested in a cell is a table of its own
(after the outer one), not text of the cell.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ..check.preflight.container import ZIP_ERRORS
from ..check.preflight.problems import Refused
from ..findings import Code
from ..ooxml.xml import XmlError
from .docx_parts import MissingPart, docx_parts
from .docx_styles import Hiding, attr, child, children, run_text, val, w
from .html import numbered
from .limits import MAX_CELLS, MAX_DEPTH, MAX_SPAN
from .source import Block, GridCell, Para, ReadProblem, Source, Table, Where

MAX_COLS = 2000


@dataclass
class _Cell:
    text: str
    row: int
    col: int
    row_span: int
    col_span: int


class _Reader:
    def __init__(self, hiding: Hiding) -> None:
        self.hiding = hiding
        self.blocks: list[Block] = []
        self.tables = 0
        self.slots = 0

    def body(self, body: ET.Element) -> None:
        carry = ""  # a paragraph whose mark is hidden runs on into the next one in print
        for el in children(body, ("p", "tbl"), 0):
            if w(el) == "tbl":
                self._para(carry)
                carry = ""
                self.table(el, None)
                continue
            text, joined = self.paragraph(el, None)
            carry += text
            if not joined:
                self._para(carry)
                carry = ""
        self._para(carry)

    def _para(self, text: str) -> None:
        if text.strip():
            self.blocks.append(Para(text, Where()))

    def paragraph(self, p: ET.Element, table_style: str | None) -> tuple[str, bool]:
        """What a paragraph prints, and whether its mark is hidden (it then joins the next one)."""
        ppr = child(p, "pPr")
        style = self.hiding.style("paragraph", val(ppr, "pStyle"))
        out: list[str] = []
        run_text(p, out, self.hiding, style, table_style)
        return "".join(out), self.hiding.hidden(child(ppr, "rPr"), style, table_style)

    def table(self, tbl: ET.Element, _outer: str | None) -> None:
        """One w:tbl as a grid, then the tables nested in its cells."""
        tbl_pr = child(tbl, "tblPr")
        style = self.hiding.style("table", val(tbl_pr, "tblStyle"))
        nested: list[ET.Element] = []
        cells: list[_Cell] = []
        above: dict[int, _Cell] = {}  # start column → the cell reaching down to the row above there
        rows = list(children(tbl, ("tr",), 0))
        n_cols = 0
        for r, tr in enumerate(rows):
            col = max(0, min(_int(val(child(tr, "trPr"), "gridBefore"), 0), MAX_COLS))
            here: dict[int, _Cell] = {}
            last: _Cell | None = None
            for tc in children(tr, ("tc",), 0):
                tc_pr = child(tc, "tcPr")
                span = max(1, min(_int(val(tc_pr, "gridSpan"), 1), MAX_SPAN))
                v_merge, h_merge = child(tc_pr, "vMerge"), child(tc_pr, "hMerge")
                if h_merge is not None and attr(h_merge, "val") != "restart" and last is not None:
                    last.col_span += span  # legacy horizontal merge: this cell widens the one before
                elif v_merge is not None and attr(v_merge, "val") != "restart" and col in above:
                    cell = above[col]
                    self._count((r - cell.row) * cell.col_span)
                    cell.row_span = r - cell.row + 1
                    here[col] = last = cell
                else:
                    self._count(span)
                    cell = _Cell(self._cell_text(tc, style, nested), r, col, 1, span)
                    cells.append(cell)
                    here[col] = last = cell
                col += span
                n_cols = max(n_cols, col)
            above = here
        self._count(max(0, len(rows) * n_cols - sum(c.row_span * c.col_span for c in cells)))  # the rectangle
        self.tables += 1
        grid = tuple(GridCell(c.text, c.row, c.col, c.row_span, c.col_span) for c in cells)
        self.blocks.append(Table(grid, len(rows), n_cols, Where(table=self.tables)))
        for inner in nested:
            self.table(inner, style)

    def _count(self, slots: int) -> None:
        self.slots += slots
        if self.slots > MAX_CELLS:
            raise ReadProblem(Code.IMPORT_LIMIT, "cells", limit=MAX_CELLS)

    def _cell_text(self, tc: ET.Element, table_style: str | None, nested: list[ET.Element]) -> str:
        """A cell's paragraphs joined with new lines (a hidden mark joins without one); its nested
        tables go to `nested`."""
        out: list[str] = []
        for el in children(tc, ("p", "tbl"), 0):
            if w(el) == "tbl":
                nested.append(el)
                continue
            text, joined = self.paragraph(el, table_style)
            out.append(text if joined else text + "\n")
        return "".join(out).strip("\n").strip()


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def read_docx(data: bytes) -> Source:
    """A .docx report as paragraphs and table grids in reading order; a file the preflight refuses
    is a ReadProblem with the preflight's own code and reason."""
    try:
        root, hiding = docx_parts(data)
    except Refused as refused:
        p = refused.problem
        raise ReadProblem(p.code, p.reason, actual=p.reason, **p.fields()) from None
    except XmlError as exc:
        raise ReadProblem(Code.UNREADABLE_FILE, exc.reason, actual=exc.reason, **exc.params) from None
    except MissingPart:
        raise ReadProblem(Code.IMPORT_UNSUPPORTED, "other") from None
    except ZIP_ERRORS:
        raise ReadProblem(Code.UNREADABLE_FILE, "truncated", actual="truncated") from None
    reader = _Reader(hiding)
    body = child(root, "body")
    if body is not None:
        try:
            reader.body(body)
        except RecursionError:  # a table nested in a table … hundreds deep
            raise ReadProblem(Code.IMPORT_LIMIT, "nesting", limit=MAX_DEPTH) from None
    return Source("docx", numbered(reader.blocks))
