"""Self-verification: read a written document back and compare it with the values it must print.

The readers (`readback_docx`, `readback_html`) turn a written file into `Grid`s and paragraph texts
without sharing code with the writers. `compare` then finds every data point BY LABEL: for each
value cell of a grid it composes the cell's label path from the grid's own texts — the band title
over the whole table, the row labels to its left, the nearest header rows above it — and looks
that path up among the template's official label paths (`DocCell.label`). Moving a number under
another label, or a label over another number, therefore shows; a row moved with its label does
not change what is printed against which label, but its label then stands where the template puts
another one, and that shows too.

Findings are `publish-roundtrip-mismatch`: `value` (a number or a paragraph reads differently),
`missing` (no cell or paragraph found for it, or its cell prints nothing), `label` (a header, label, caption, heading or title
reads differently from the template's, or a merge covers other cells than the template's).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from ..findings import Finding, make
from .model import DocCell, DocTable, Document
from .readback_docx import read_docx, read_docx_tables, read_docx_text
from .readback_grid import Grid, GridCell
from .readback_html import read_html, read_html_tables, read_html_text
from .readback_labels import Norm, Shape, exact, html_norm, label_paths, locate, shape_of

__all__ = [
    "Grid", "GridCell", "compare", "compare_text", "is_title", "label_paths", "read_docx", "read_docx_tables",
    "read_docx_text", "read_html", "read_html_tables", "read_html_text", "verify_docx", "verify_html",
]

CODE = "publish-roundtrip-mismatch"
HTML_FORMATS = frozenset({"html", "fragment", "page"})


def _finding(reason: str, format_name: str, datapoint: str | None, label: str | None, expected: str,
             actual: str | None) -> Finding:
    return make(CODE, reason, datapoint=datapoint or None, label=label or None, expected=expected, actual=actual,
                format=format_name)


def _spans(text: str, cell: DocCell | GridCell) -> str:
    return f"{text} ({cell.row_span}×{cell.col_span})"


def _structure(shape: Shape, grid: Grid, format_name: str, norm: Norm) -> list[Finding]:
    """The template's headers and labels where the template puts them, with its merges; and no
    text where the template has no cell."""
    out: list[Finding] = []
    for pos, model in shape.anchors.items():
        read = grid.anchor(*pos)
        datapoint, label = (model.datapoint, model.label) if model.kind == "value" else ("", model.text)
        if read is None:
            if model.kind != "value":  # a value cell not found is reported as missing
                covering = grid.at(*pos)
                out.append(_finding("label", format_name, datapoint, label, model.text,
                                    covering.text if covering else ""))
        elif model.kind != "value" and norm(read.text) != norm(model.text):
            out.append(_finding("label", format_name, datapoint, label, model.text, read.text))
        elif (read.row_span, read.col_span) != (model.row_span, model.col_span):
            shown = model.text if model.kind != "value" else model.label
            out.append(_finding("label", format_name, datapoint, label, _spans(shown, model), _spans(read.text, read)))
    for read in grid.cells:
        if (read.row, read.col) not in shape.anchors and norm(read.text):
            out.append(_finding("label", format_name, None, None, "", read.text))
    return out


def _compare_table(table: DocTable, grid: Grid | None, format_name: str, norm: Norm) -> list[Finding]:
    if grid is None:
        return [_finding("missing", format_name, c.datapoint, c.label, c.text, None) for c in table.value_cells]
    shape = shape_of(table)
    out: list[Finding] = []
    if grid.caption and norm(grid.caption) != norm(table.caption):
        out.append(_finding("label", format_name, None, table.caption, table.caption, grid.caption))
    out += _structure(shape, grid, format_name, norm)
    values = {c.datapoint: c for c in table.value_cells}
    found: set[str] = set()
    for read, datapoint, _ in locate(shape, grid, norm):
        want = values[datapoint]
        if not norm(read.text) and norm(want.text):  # nothing printed there (hidden text, an emptied cell)
            out.append(_finding("missing", format_name, datapoint, want.label, want.text, None))
        elif norm(read.text) != norm(want.text):
            out.append(_finding("value", format_name, datapoint, want.label, want.text, read.text))
        found.add(datapoint)
    out += [_finding("missing", format_name, c.datapoint, c.label, c.text, None)
            for c in table.value_cells if c.datapoint not in found]
    return out


def _expected_paragraphs(doc: Document) -> list[tuple[str, str, str]]:
    """(text, kind, data point) of every paragraph outside tables, in order: title, preamble, each
    section's heading and its prose (or the stand-in an empty section prints)."""
    out = [(doc.title, "title", "")]
    out += [(p.full, "prose", "") for p in doc.preamble]
    for section in doc.sections:
        out.append((section.heading, "heading", ""))
        out += [(p.full, "prose", section.datapoint) for p in section.paragraphs]
    return out


_AT_BREAK = re.compile(r"[ \t\u3000]*\n[ \t\u3000]*")


def is_title(doc: Document, text: str, html: bool) -> bool:
    """Whether `text` reads as the document's title. Only the title may be set on more than one line
    (a long one breaks after the unit's name, `Document.title_parts`): its line breaks, and the
    whitespace around them, are not a difference. In HTML the parts may also be set as boxes
    (inline-block) that wrap, with whitespace between them: whitespace at the cut is allowed too.
    Any other difference, a space in Word's text included, still is one."""
    norm = html_norm if html else exact
    if _AT_BREAK.sub("", norm(text)) == _AT_BREAK.sub("", norm(doc.title)):
        return True
    if not html or len(doc.title_parts) < 2:
        return False
    pattern = r"\s*".join(re.escape(html_norm(part)) for part in doc.title_parts)
    return re.fullmatch(pattern, html_norm(text)) is not None


def compare_text(doc: Document, paragraphs: Sequence[str], format_name: str, html: bool | None = None) -> list[Finding]:
    """Findings for the title, headings and prose read back (`read_docx_text`/`read_html_text`).

    Paragraphs are aligned in order; paragraphs the model does not have (a draft banner) are
    passed over. A heading or title that reads differently is a `label` finding, a prose paragraph
    a `value` finding on its section's data point; one not found at all is `missing`.
    """
    as_html = format_name.lower() in HTML_FORMATS if html is None else html
    norm = html_norm if as_html else exact
    expected = _expected_paragraphs(doc)
    a = [norm(text) for text, _, _ in expected]
    b = [a[0] if is_title(doc, text, as_html) else norm(text) for text in paragraphs]
    out: list[Finding] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("equal", "insert"):
            continue
        for k in range(i1, i2):
            j = j1 + (k - i1)
            actual = paragraphs[j] if tag == "replace" and j < j2 else None
            text, kind, dp = expected[k]
            reason = "missing" if actual is None else ("value" if kind == "prose" else "label")
            out.append(_finding(reason, format_name, dp, text if kind != "prose" else None, text, actual))
    return out


def _pair(tables: Sequence[DocTable], grids: Sequence[Grid], norm: Norm) -> list[Grid | None]:
    """The grid read back for each table: the one with its caption, else the one in its place
    (unless that one is captioned as another table); a table that is gone has None."""
    captions = {norm(t.caption) for t in tables}
    used: set[int] = set()
    out: list[Grid | None] = []
    for i, table in enumerate(tables):
        pick = next((j for j, g in enumerate(grids) if j not in used and g.caption
                     and norm(g.caption) == norm(table.caption)), None)
        if pick is None and i < len(grids) and i not in used and norm(grids[i].caption) not in captions:
            pick = i
        if pick is not None:
            used.add(pick)
        out.append(grids[pick] if pick is not None else None)
    return out


def compare(doc: Document, grids: list[Grid], format_name: str,
            paragraphs: Sequence[str] | None = None, *, html: bool | None = None) -> list[Finding]:
    """`publish-roundtrip-mismatch` findings: each table of `doc` (in order) against the grid read
    back in its place, every data point located by its label path; with `paragraphs`, the title,
    headings and prose too. Empty when everything printed is what the model says.

    `format_name` only names the format in the findings. Texts compare as the format shows them:
    HTML's whitespace runs as one space (`html`; by default, when the grids were read from HTML or
    the name is html/fragment/page), Word's exactly.
    """
    if html is None:
        html = format_name.lower() in HTML_FORMATS or any(g.source == "html" for g in grids)
    norm = html_norm if html else exact
    out: list[Finding] = []
    for table, grid in zip(doc.tables, _pair(doc.tables, grids, norm), strict=True):
        out += _compare_table(table, grid, format_name, norm)
    if paragraphs is not None:
        out += compare_text(doc, paragraphs, format_name, html)
    return out


def verify_docx(doc: Document, data: bytes, format_name: str = "docx") -> list[Finding]:
    """Read a written .docx back and compare its tables and paragraphs with `doc`."""
    tables, paragraphs = read_docx(data)
    return compare(doc, tables, format_name, paragraphs, html=False)


def verify_html(doc: Document, text: str, format_name: str = "html") -> list[Finding]:
    """Read written HTML (a fragment or a page) back and compare its tables and paragraphs with `doc`."""
    tables, paragraphs = read_html(text)
    return compare(doc, tables, format_name, paragraphs, html=True)
