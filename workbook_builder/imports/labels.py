"""What the matcher looks for, all taken from the template: its sections' headings, its tables (with
their band titles), their leaf rows (labels, older wordings, data points in column order).

No label is typed here: a template with other words is read with those words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..spec.document import heading
from ..spec.ids import table_cells
from ..spec.model import Block, TemplateSpec
from ..template.registry import Template
from .tokens import normalise

_LEADING_NUMBER = re.compile(r"^([一二三四五六七八九十]+)、")
_TRAILING_NOTE = re.compile(r"^(.{4,}?)[（(][^（）()]*[）)]$")  # "（二）部分公开（区分处理的，…）"


@dataclass(frozen=True)
class RowModel:
    """One leaf row of a template table: its label, the keys it may be printed with, its data points."""

    label: str  # the leaf label as the template prints it ("" for a table without row labels)
    path: str  # the row's label path, for findings ("三、本年度办理结果 > （一）予以公开")
    keys: tuple[tuple[str, str], ...]  # (normalised key, the wording it is: the label or an old label)
    datapoints: tuple[str, ...]  # in column order


@dataclass(frozen=True)
class TableModel:
    """A template table inside its document section."""

    name: str  # for people: 表三, or 表二 第二十条第（五）项 for a band
    title: str  # the band title as printed ("" when the table has none)
    rows: tuple[RowModel, ...]

    @property
    def columns(self) -> int:
        return len(self.rows[0].datapoints)


@dataclass(frozen=True)
class SectionModel:
    """One document section: its heading, and its tables (a sheet section) or prose field (text)."""

    heading: str
    number: str  # the heading's leading numeral (二), "" when it has none
    prose: str  # the prose field's data point, "" for a table section
    tables: tuple[TableModel, ...]


def template_key(template: Template) -> tuple[str, str, str]:
    """What identifies a loaded template for the caches here (a template is read once per process,
    its models once per template, not once per report)."""
    return (template.spec.id, template.spec.fingerprint, template.spec.source)


_SECTIONS: dict[tuple[str, str, str], tuple[SectionModel, ...]] = {}
_LABELS: dict[tuple[str, str, str], frozenset[str]] = {}


def sections(template: Template) -> tuple[SectionModel, ...]:
    """The template's document sections in order (a template without a document: one section per
    sheet with tables, headed by the sheet's title)."""
    key = template_key(template)
    if key not in _SECTIONS:
        _SECTIONS[key] = _sections(template)
    return _SECTIONS[key]


def _sections(template: Template) -> tuple[SectionModel, ...]:
    spec = template.spec
    out = []
    if spec.document is not None:
        for section in spec.document.sections:
            head = heading(spec, section)
            number = _number(head)
            tables = _tables(spec, section.sheet, number) if section.sheet else ()
            out.append(SectionModel(head, number, section.text, tables))
        return tuple(out)
    for sheet in spec.sheets:
        if any(b.kind == "table" for b in sheet.blocks):
            head = next((b.text for b in sheet.blocks if b.kind == "title"), sheet.name)
            out.append(SectionModel(head, _number(head), "", _tables(spec, sheet.name, _number(head))))
    return tuple(out)


def _number(head: str) -> str:
    m = _LEADING_NUMBER.match(head)
    return m.group(1) if m else ""


def _tables(spec: TemplateSpec, sheet_name: str, number: str) -> tuple[TableModel, ...]:
    old = _old_labels(spec)
    blocks = [b for s in spec.sheets if s.name == sheet_name for b in s.blocks if b.kind == "table"]
    base = f"表{number}" if number else sheet_name
    return tuple(
        TableModel(f"{base} {b.title}" if b.title and len(blocks) > 1 else base, b.title, _rows(b, old))
        for b in blocks
    )


def _old_labels(spec: TemplateSpec) -> dict[str, tuple[str, ...]]:
    return dict(spec.document.old_labels) if spec.document is not None else {}


def _rows(block: Block, old: dict[str, tuple[str, ...]]) -> tuple[RowModel, ...]:
    rows: dict[int, list] = {}
    for cell in table_cells(block):
        rows.setdefault(cell.row_index, []).append(cell)
    out = []
    for cells in rows.values():
        first = cells[0]
        label = first.row.label if first.row is not None else ""
        path = " > ".join(n.label for n in first.row_chain if n.in_path)
        out.append(RowModel(label, path, row_keys(label, old.get(label, ())),
                            tuple(c.id for c in sorted(cells, key=lambda c: c.col_index))))
    return tuple(out)


def row_keys(label: str, olds: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """The normalised forms a row label is found by: the label itself, the label without a trailing
    explanatory note in brackets (reports often print only "（二）部分公开"), then the older wordings."""
    if not label:
        return ()
    keys = [(normalise(label), label)]
    note = _TRAILING_NOTE.match(label)
    if note:
        keys.append((normalise(note.group(1)), label))
    keys.extend((normalise(o), o) for o in olds)
    return tuple(keys)


def template_labels(template: Template) -> frozenset[str]:
    """Every normalised label of a template's tables and headings: what tells templates apart."""
    key = template_key(template)
    if key not in _LABELS:
        _LABELS[key] = _template_labels(template)
    return _LABELS[key]


def _template_labels(template: Template) -> frozenset[str]:
    out: set[str] = set()
    for section in sections(template):
        out.add(normalise(section.heading))
        for table in section.tables:
            if table.title:
                out.add(normalise(table.title))
            out.update(normalise(r.label) for r in table.rows if r.label)
    spec = template.spec
    for sheet in spec.sheets:
        for block in sheet.blocks:
            if block.kind == "table":
                for cell in table_cells(block):
                    out.update(normalise(n.label) for n in cell.col_chain + cell.row_chain)
    out.discard("")
    return frozenset(out)
