"""Reading a written .docx back: its body tables as grids and its body paragraphs as text.

An independent reader: it shares no code with the docx writer (and never imports python-docx or
lxml), so a writer bug cannot hide itself by being read back the same wrong way. The zip is opened
with the preflight's own limits (directory checks, bounded inflating) and the XML parsed by
`ooxml.xml.parse_xml` (defusedxml where a DOCTYPE appears). A file that cannot be read gives no
tables and no paragraphs; the comparison then reports every data point as missing.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator

from ..check.preflight.container import ZIP_ERRORS, check_directory, inflate
from ..check.preflight.problems import Limits, Refused
from ..ooxml.package import Package, find_rel
from ..ooxml.xml import XmlError, parse_xml
from .readback_grid import MAX_COL_SPAN, MAX_COLS, Grid, RawCell, clamp, make_grid

# transitional and strict WordprocessingML: the same elements under two names
W_NAMESPACES = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                "http://purl.oclc.org/ooxml/wordprocessingml/main")
_W = frozenset(W_NAMESPACES)
# subtrees whose text is not the paragraph's own: text boxes and drawings float elsewhere, an
# AlternateContent's fallback repeats its choice, deleted text is gone, field codes are not shown
_SKIP = frozenset({"txbxContent", "drawing", "pict", "object", "Fallback", "del", "delText", "instrText", "rPr",
                   "pPr", "tbl"})
LIMITS = Limits()
READ_ERRORS = (Refused, XmlError, *ZIP_ERRORS)


_NAMES = ("body", "p", "tbl", "tr", "tc", "t", "tab", "br", "cr", "noBreakHyphen", "sdt", "sdtContent", "customXml",
          "tcPr", "trPr", "tblPr", "gridSpan", "vMerge", "hMerge", "tblHeader", "gridBefore", "tblCaption")
# full tag → local name, for the WordprocessingML elements the reader looks at (a dict lookup per
# element: the reader walks every element of the body)
_LOCAL = {f"{{{ns}}}{name}": name for ns in W_NAMESPACES for name in _NAMES}
_SKIP_TAGS = frozenset(
    [f"{{{ns}}}{name}" for ns in W_NAMESPACES for name in _SKIP]
    + ["{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"])


def _w(el: ET.Element) -> str:
    """The element's local name when it is one of the WordprocessingML elements read, else ''."""
    return _LOCAL.get(el.tag, "")  # type: ignore[call-overload]


def _attr(el: ET.Element, name: str) -> str | None:
    for ns in W_NAMESPACES:
        value = el.get(f"{{{ns}}}{name}")
        if value is not None:
            return value
    return None


def _child(el: ET.Element | None, name: str) -> ET.Element | None:
    if el is None:
        return None
    for child in el:
        if _w(child) == name:
            return child
    return None


def _val(parent: ET.Element | None, name: str) -> str | None:
    """The w:val of property child `name` of `parent`; None when there is no such child or value.
    (An element without children is falsy: never write `_child(...) or default`.)"""
    el = _child(parent, name)
    return None if el is None else _attr(el, "val")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def document_root(data: bytes) -> ET.Element | None:
    """The parsed main document part of a .docx, or None when the file cannot be read safely."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = {i.filename: i for i in check_directory(zf, LIMITS)}
            budget = LIMITS.max_total_bytes
            parts: dict[str, bytes] = {}
            if "_rels/.rels" in infos:
                parts["_rels/.rels"] = inflate(zf, infos["_rels/.rels"], LIMITS, budget)
            package = Package(parts, list(infos))
            main = find_rel(package.rels(""), "officeDocument") or "word/document.xml"
            name = package.name_of(main)
            if name is None or name not in infos:
                return None
            # each report's document is its own: kept in parse_xml's cache (for parts many files
            # share), a batch's trees would hold tens of MB
            return parse_xml(inflate(zf, infos[name], LIMITS, budget), name, cache=False)
    except READ_ERRORS:
        return None


def read_docx(data: bytes) -> tuple[list[Grid], list[str]]:
    """The body's tables (in order) and its paragraph texts outside tables, from one parse."""
    root = document_root(data)
    if root is None:
        return [], []
    body = _child(root, "body")
    if body is None:
        return [], []
    tables: list[Grid] = []
    paragraphs: list[str] = []
    try:
        for el in _blocks(body):
            kind = _w(el)
            if kind == "tbl":
                tables.append(_table(el))
            elif kind == "p":
                text = paragraph_text(el)
                if text:
                    paragraphs.append(text)
    except RecursionError:  # absurdly deep nesting: unreadable, like a broken zip
        return [], []
    return tables, paragraphs


def read_docx_tables(data: bytes) -> list[Grid]:
    """Every table of the document body, in order, as a grid (no tables when the file is unreadable)."""
    return read_docx(data)[0]


def read_docx_text(data: bytes) -> list[str]:
    """The body paragraphs outside tables (title, headings, prose), in order, empty ones left out."""
    return read_docx(data)[1]


def _blocks(parent: ET.Element) -> Iterator[ET.Element]:
    """Paragraphs and tables of a body or cell in order, seeing through content controls and custom XML."""
    for el in parent:
        kind = _w(el)
        if kind in ("p", "tbl"):
            yield el
        elif kind in ("sdt", "customXml"):
            content = _child(el, "sdtContent") if kind == "sdt" else el
            if content is not None:
                yield from _blocks(content)


def paragraph_text(p: ET.Element) -> str:
    """What a paragraph prints: its runs' text, tabs as tab and line breaks as new lines."""
    out: list[str] = []
    _collect(p, out)
    return "".join(out)


def _collect(el: ET.Element, out: list[str]) -> None:
    for child in el:
        kind = _LOCAL.get(child.tag, "")  # type: ignore[call-overload]
        if kind == "t":
            out.append(child.text or "")
        elif kind == "tab":
            out.append("\t")
        elif kind == "cr" or (kind == "br" and _attr(child, "type") in (None, "textWrapping")):
            out.append("\n")
        elif kind == "noBreakHyphen":
            out.append("\u2011")
        elif child.tag not in _SKIP_TAGS and len(child):
            _collect(child, out)


def _cell_text(tc: ET.Element) -> str:
    """A cell's paragraphs joined with new lines; blank paragraphs at its edges print nothing."""
    texts = [paragraph_text(p) for p in _blocks(tc) if _w(p) == "p"]
    return "\n".join(texts).strip("\n")


def _table(tbl: ET.Element) -> Grid:
    """One w:tbl: w:gridSpan gives column spans, w:vMerge restart/continue row spans."""
    raw: list[RawCell] = []
    caption = _val(_child(tbl, "tblPr"), "tblCaption") or ""
    # start column → the cell that reaches down to the row above there (a vMerge continue extends it)
    above: dict[int, RawCell] = {}
    rows = list(_rows(tbl))
    for r, tr in enumerate(rows):
        tr_pr = _child(tr, "trPr")
        header = _child(tr_pr, "tblHeader") is not None and _val(tr_pr, "tblHeader") not in ("0", "false", "off")
        col = max(0, min(_int(_val(tr_pr, "gridBefore"), 0), MAX_COLS))
        here: dict[int, RawCell] = {}
        last: RawCell | None = None
        for tc in _cells(tr):
            tc_pr = _child(tc, "tcPr")
            span = clamp(_int(_val(tc_pr, "gridSpan"), 1), MAX_COL_SPAN)
            v_merge = _child(tc_pr, "vMerge")
            h_merge = _child(tc_pr, "hMerge")
            if h_merge is not None and _attr(h_merge, "val") != "restart" and last is not None:
                last.col_span += span  # legacy horizontal merge: this cell widens the one before
                col += span
                continue
            if v_merge is not None and _attr(v_merge, "val") != "restart" and col in above:
                cell = above[col]
                cell.row_span = r - cell.row + 1
            else:
                cell = RawCell(r, col, _cell_text(tc), 1, span, header)
                raw.append(cell)
            here[col] = cell
            last = cell
            col += span
        above = here
    return make_grid(raw, len(rows), caption, "docx")


def _rows(tbl: ET.Element) -> Iterator[ET.Element]:
    for el in tbl:
        kind = _w(el)
        if kind == "tr":
            yield el
        elif kind in ("sdt", "customXml"):
            content = _child(el, "sdtContent") if kind == "sdt" else el
            if content is not None:
                yield from _rows(content)


def _cells(tr: ET.Element) -> Iterator[ET.Element]:
    for el in tr:
        kind = _w(el)
        if kind == "tc":
            yield el
        elif kind in ("sdt", "customXml"):
            content = _child(el, "sdtContent") if kind == "sdt" else el
            if content is not None:
                yield from _cells(content)
