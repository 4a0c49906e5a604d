"""The published report as data: what every document format (docx, HTML, PDF) prints, and nothing else.

`document(layout, values)` is a pure function of the template and the checker's trusted values
(`FileResult.values`). The tables are the workbook's own tables, cut from the same `Layout` the
builder and the checker use, so their labels, merges and order are the template's, character for
character. No renderer types a label or decides a number's text: they lay out this model.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ..batch.aggregate import ROLLUP_NOTE_RE
from ..findings import Finding, make
from ..spec.document import heading
from ..spec.ids import table_cells
from ..spec.model import DocSection, DocumentSpec
from ..template.layout import Cell, Layout

VALUE_KINDS = ("input", "formula")
TABLE_KINDS = ("header", "label", *VALUE_KINDS)

# （一）精心组织有效实施。… → the run up to the first 。 is a sub-head (楷体); a short line with no 。 is one whole
# (half-width brackets too: (二)依申请公开。 is typed as often as （二）)
_SUBHEAD = re.compile(r"[（(][一二三四五六七八九十]{1,3}[）)][^。\n]{0,40}?。")
_SUBHEAD_LINE = re.compile(r"[（(][一二三四五六七八九十]{1,3}[）)][^。]{0,40}")
# characters a document cannot carry: C0/C1 controls (tab and line breaks are handled before),
# bidirectional overrides and isolates (U+202E shows the rest of a line reversed), lone surrogates,
# non-characters, and anything else GB18030 cannot encode
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class DocCell:
    """One cell of a document table, at its top-left position; `row_span`/`col_span` cover the merge."""

    row: int  # 0-based within the table
    col: int
    text: str
    kind: str  # header · label · value
    row_span: int = 1
    col_span: int = 1
    datapoint: str = ""  # value cells: the data point printed here
    label: str = ""  # value cells: the official label path (` > `), for read-back findings


@dataclass(frozen=True)
class DocTable:
    """A table as published: its cells (top-left of each merge), size, widths and repeated header rows."""

    caption: str  # the section heading: HTML's <caption>, a screen reader's name for the table
    cells: tuple[DocCell, ...]
    n_rows: int
    n_cols: int
    widths: tuple[float, ...]  # fractions of the text width, summing to 1
    header_rows: int  # rows repeated at the top of every page (0: bands with their own headers)

    def rows(self) -> list[list[DocCell]]:
        """Cells grouped by the row they start in, left to right (what HTML and docx rows hold)."""
        out: list[list[DocCell]] = [[] for _ in range(self.n_rows)]
        for cell in sorted(self.cells, key=lambda c: (c.row, c.col)):
            out[cell.row].append(cell)
        return out

    @property
    def value_cells(self) -> tuple[DocCell, ...]:
        return tuple(c for c in self.cells if c.kind == "value")


@dataclass(frozen=True)
class Paragraph:
    """A prose paragraph; `subhead` is its leading （一）…。 run (楷体), `text` the rest."""

    text: str
    subhead: str = ""

    @property
    def full(self) -> str:
        return self.subhead + self.text


@dataclass(frozen=True)
class Section:
    heading: str  # 一、总体情况
    paragraphs: tuple[Paragraph, ...] = ()
    tables: tuple[DocTable, ...] = ()
    datapoint: str = ""  # prose sections: the text field printed
    empty: bool = False  # prose that was empty: `paragraphs` holds the template's stand-in (无)


@dataclass(frozen=True)
class Document:
    title: str
    preamble: tuple[Paragraph, ...]
    sections: tuple[Section, ...]
    properties: Mapping[str, str]  # template id/version/fingerprint, data hash, draft
    findings: tuple[Finding, ...]  # empty sections, cleaned text, a roll-up's placeholder text
    draft: bool = False
    title_parts: tuple[str, ...] = ()  # the title cut where a line may break (after the unit's name)

    @property
    def valid(self) -> bool:
        """No error of the document's own (a roll-up's placeholder text): it may be published."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def tables(self) -> tuple[DocTable, ...]:
        return tuple(t for s in self.sections for t in s.tables)

    @property
    def values(self) -> dict[str, str]:
        """Every data point the document prints, as printed: what a read-back must find."""
        return {c.datapoint: c.text for t in self.tables for c in t.value_cells}


DRAFT_MARK = "草稿（未通过检查）"


def document(layout: Layout, values: Mapping[str, Any], draft: bool = False) -> Document:
    """The report document of a template (which must declare `document:`) filled with `values`."""
    spec = layout.spec
    doc = spec.document
    if doc is None:
        raise ValueError(f"template {spec.id} declares no document")
    findings: list[Finding] = []
    texts = {dp: _clean(layout, dp, values.get(dp), findings) for dp in _prose_ids(doc)}
    unit = _clean(layout, spec.unit_field, values.get(spec.unit_field), findings) if spec.unit_field else ""
    sections = tuple(_section(layout, s, values, texts, findings) for s in doc.sections)
    preamble = _paragraphs(texts.get(doc.preamble, "")) if doc.preamble else ()
    properties = {
        **layout.properties,
        "data_hash": data_hash(layout, values),
        "draft": "true" if draft else "false",
    }
    printed = {spec.unit_field: unit, **texts} if spec.unit_field else texts
    findings += [_placeholder(layout, dp, text) for dp, text in printed.items() if ROLLUP_NOTE_RE.fullmatch(text.strip())]
    parts = title(doc, unit, values.get(spec.year_field) if spec.year_field else None)
    return Document("".join(parts), preamble, sections, properties, tuple(findings), draft, parts)


def title(doc: DocumentSpec, unit: str, year: Any) -> tuple[str, ...]:
    """The document title with `{unit}` and `{year}` filled in (the unit already cleaned), cut after the
    unit's name: a long title breaks there (淮安市人民政府 / 2024年政府信息公开工作年度报告), never mid-word."""
    names = {"unit": unit.replace("\n", "").strip(), "year": format_value(year)}
    filled = re.sub(r"\{(unit|year)\}", lambda m: names[m.group(1)] + ("\0" if m.group(1) == "unit" else ""),
                    doc.title)
    return tuple(part for part in filled.split("\0") if part)


def _placeholder(layout: Layout, datapoint: str, text: str) -> Finding:
    """A roll-up's stand-in for a text nobody gave (汇总（2个单位）) is an error: it must not be published."""
    return make("publish-placeholder-text", "rollup", **layout.by_id[datapoint].where, actual=text.strip())


def data_hash(layout: Layout, values: Mapping[str, Any]) -> str:
    """A hash of every data point's value (inputs and formulas): the same data, the same hash."""
    used = {dp: format_value(values.get(dp)) for dp in sorted(layout.by_id) if layout.by_id[dp].kind in VALUE_KINDS}
    canonical = json.dumps(used, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def format_value(value: Any) -> str:
    """A number as it is printed: 0 as "0", whole numbers without ".0", amounts as entered, never
    in exponent form; text as it is; nothing (an invalid input, in a draft) as ""."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def _prose_ids(doc: DocumentSpec) -> list[str]:
    return [dp for dp in [doc.preamble, *(s.text for s in doc.sections)] if dp]


def _clean(layout: Layout, datapoint: str, value: Any, findings: list[Finding]) -> str:
    """The prose as printable text; characters a document cannot carry are left out, with a finding."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    bad = [ch for ch in text if _UNPRINTABLE.match(ch) or not _gb18030(ch)]
    if bad:
        text = "".join(ch for ch in text if ch not in set(bad))
        shown = "、".join(dict.fromkeys(f"U+{ord(ch):04X}" for ch in bad))
        findings.append(make("publish-text-cleaned", "cleaned", **layout.by_id[datapoint].where, count=len(bad),
                             chars=shown))
    return text


def _gb18030(ch: str) -> bool:
    try:
        ch.encode("gb18030")
    except UnicodeEncodeError:
        return False
    return True


def _paragraphs(text: str) -> tuple[Paragraph, ...]:
    out = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        m = _SUBHEAD.match(line)
        if m:
            out.append(Paragraph(line[m.end():], m.group(0)))
        elif "。" not in line and _SUBHEAD_LINE.fullmatch(line):
            out.append(Paragraph("", line))
        else:
            out.append(Paragraph(line))
    return tuple(out)


def _section(layout: Layout, section: DocSection, values: Mapping[str, Any], texts: Mapping[str, str],
             findings: list[Finding]) -> Section:
    name = heading(layout.spec, section)
    if section.sheet:
        return Section(name, tables=tuple(fill(t, values) for t in _tables(layout, section, name)))
    paragraphs = _paragraphs(texts.get(section.text, ""))
    if paragraphs:
        return Section(name, paragraphs, datapoint=section.text)
    findings.append(make("publish-empty-section", "empty", **layout.by_id[section.text].where, section=name,
                         printed=section.empty))
    return Section(name, (Paragraph(section.empty),), datapoint=section.text, empty=True)


_SHAPES: dict[tuple[str, str, DocSection, str], tuple[DocTable, ...]] = {}


def _tables(layout: Layout, section: DocSection, caption: str) -> tuple[DocTable, ...]:
    """The section's empty tables; their shape depends on the template only, so it is cut once."""
    # the section itself is in the key: the document section is outside the fingerprint, and two
    # templates loaded from text share a source
    key = (layout.spec.fingerprint, layout.spec.source, section, caption)
    if key not in _SHAPES:
        _SHAPES[key] = _cut(layout, section, caption)
    return _SHAPES[key]


def _cut(layout: Layout, section: DocSection, caption: str) -> tuple[DocTable, ...]:
    sheet = layout.sheet(section.sheet)
    blocks = [b for s in layout.spec.sheets if s.name == section.sheet for b in s.blocks if b.kind == "table"]
    by_pos = {(c.row, c.col): c for c in sheet.cells if c.kind in TABLE_KINDS}
    regions = [_region(layout, by_pos, [t.id for t in table_cells(b)]) for b in blocks]
    if section.join:
        regions = [[row for region in regions for row in region]]
    widths = section.widths or sheet.widths
    return tuple(_table(by_pos, rows, widths, caption, header_rows=0 if section.join else None) for rows in regions)


def _region(layout: Layout, by_pos: Mapping[tuple[int, int], Cell], ids: list[str]) -> list[int]:
    """The sheet rows of one table: the header rows straight above its data, then its data rows."""
    data_rows = sorted({layout.by_id[dp].row for dp in ids})
    top = data_rows[0]
    while any(r == top - 1 and c.kind == "header" for (r, _), c in by_pos.items()):
        top -= 1
    return list(range(top, data_rows[-1] + 1))


def _table(by_pos: Mapping[tuple[int, int], Cell], rows: list[int], widths: tuple[float, ...], caption: str,
           header_rows: int | None) -> DocTable:
    index = {r: i for i, r in enumerate(rows)}
    picked = [c for (r, _), c in by_pos.items() if r in index]
    n_cols = max(max(c.col, c.last_col) for c in picked)
    cells = []
    for c in sorted(picked, key=lambda c: (c.row, c.col)):
        kind = "value" if c.kind in VALUE_KINDS else c.kind
        cells.append(DocCell(
            row=index[c.row], col=c.col - 1, kind=kind,
            text=c.text if kind != "value" else "",
            row_span=(c.last_row - c.row + 1) if c.last_row else 1,
            col_span=(c.last_col - c.col + 1) if c.last_col else 1,
            datapoint=c.datapoint if kind == "value" else "",
            label=c.label if kind == "value" else "",
        ))
    if header_rows is None:
        first_data = min((c.row for c in cells if c.kind != "header"), default=0)
        header_rows = first_data
    used = widths[:n_cols]
    total = sum(used) or 1.0
    return DocTable(caption, tuple(cells), len(rows), n_cols, tuple(w / total for w in used), header_rows)


def fill(table: DocTable, values: Mapping[str, Any]) -> DocTable:
    """The table with each value cell's printed text."""
    cells = tuple(replace(c, text=format_value(values.get(c.datapoint))) if c.kind == "value" else c
                  for c in table.cells)
    return replace(table, cells=cells)
