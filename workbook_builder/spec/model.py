"""Frozen model of a template: what `load` produces and everything downstream reads.

Each node keeps `path`, the JSONPath-like location (`$.sheets[2].blocks[0]`) of the YAML it came
from, so that every later problem can be reported against the line the author must fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

INPUT_TYPES = ("whole", "decimal", "text", "date")
AGGREGATES = ("sum", "same", "latest", "none")  # how `aggregate` rolls an input up across units
SEVERITIES = ("error", "warning", "info")
COMPARATORS = ("=", "<=", ">=", "<", ">")


@dataclass(frozen=True)
class Text:
    """A message in Chinese (always) and English (optional, falls back to Chinese)."""

    zh: str
    en: str = ""

    def get(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh


@dataclass(frozen=True)
class InputSpec:
    """What a person may type into an input cell."""

    type: str  # one of INPUT_TYPES
    required: bool = True
    min: float | None = None
    max: float | None = None
    decimals: int = 0  # decimal: most digits after the point
    max_length: int | None = None  # text
    unit: str = ""  # shown in prompts, e.g. 万元
    aggregate: str = ""  # sum · same · latest · none; default: sum for numbers, none otherwise
    path: str = ""

    @property
    def rollup(self) -> str:
        return self.aggregate or ("sum" if self.type in ("whole", "decimal") else "none")


@dataclass(frozen=True)
class HeaderNode:
    """A row or column header; leaves become data rows/columns, inner nodes become merged bands."""

    label: str
    key: str = ""  # contributes to the data point ID; groups may have none
    children: tuple[HeaderNode, ...] = ()
    span: int = 1  # leaf columns only: how many sheet columns the cell spans
    in_path: bool = True  # whether the label belongs in a cell's label path
    input: str = ""  # override of the table's default input type name
    path: str = ""

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass(frozen=True)
class Field:
    """A labelled single cell (cover page fields, prose sections)."""

    id: str
    label: str
    input: InputSpec | None = None
    formula: str = ""  # over data point IDs, without '='
    summary: bool = False  # the live check summary: its formula is derived from the check rows
    block_style: bool = False  # label on its own row, then a tall input spanning the width
    height: int = 0  # rows of text the input shows (block_style)
    path: str = ""


@dataclass(frozen=True)
class Block:
    """One vertical piece of a sheet: a title, a note, a list of fields, or a table."""

    kind: str  # 'title' | 'note' | 'fields' | 'table'
    path: str = ""
    text: str = ""  # title / note
    fields: tuple[Field, ...] = ()
    # table
    table_id: str = ""
    title: str = ""
    corner: str = ""
    id_pattern: str = ""
    cell_input: str = ""
    columns: tuple[HeaderNode, ...] = ()
    rows: tuple[HeaderNode, ...] = ()


@dataclass(frozen=True)
class Sheet:
    name: str
    blocks: tuple[Block, ...]
    landscape: bool = False
    width: int = 0  # minimum number of sheet columns the sheet's titles and fields span
    path: str = ""


@dataclass(frozen=True)
class Computed:
    """A formula cell: `target` data point computed by `formula` (Excel syntax over data point IDs)."""

    target: str
    formula: str
    path: str = ""


@dataclass(frozen=True)
class Rule:
    """One consistency rule instance: `left comparator right`, both Excel expressions over IDs."""

    id: str  # e.g. T3-A
    severity: str
    left: str
    comparator: str
    right: str
    message: Text
    bindings: tuple[tuple[str, str], ...] = ()  # the for_each values of this instance
    show_table: str = ""  # table the live check row is appended to
    show_label: str = ""
    show_column: str = ""  # column key of that table this instance's check cell sits in
    scope: str = "current"  # 'current' or 'prior' (compares with last year's workbook)
    tolerance: float = 1e-6
    path: str = ""


@dataclass(frozen=True)
class DocSection:
    """One section of the published document: prose from a text field, or the tables of a sheet."""

    heading: str = ""  # '' → the text field's label, or the sheet's first title
    text: str = ""  # data point ID of a prose field (one of `text` / `sheet`)
    sheet: str = ""  # a sheet whose tables make the section's table
    join: bool = False  # the sheet's tables as one document table (bands), not one table each
    empty: str = "无"  # printed when the prose is empty
    widths: tuple[float, ...] = ()  # sheet sections: relative column widths in the document (default: the sheet's)
    path: str = ""


@dataclass(frozen=True)
class ProseCheck:
    """TX: a figure a published report's prose states, checked against the tables. `pattern` finds the
    statement; its group `n` is the figure (a statement without it, such as 未收取…, says 0)."""

    id: str
    pattern: str
    equals: tuple[str, ...] = ()  # the figure must equal one of these (data point IDs joined by + and -)
    required_if: str = ""  # or: when this is above 0, the prose must hold the pattern somewhere
    within: tuple[str, ...] = ()  # the prose fields searched (`in`); all of the document's by default
    path: str = ""


@dataclass(frozen=True)
class DocumentSpec:
    """The published report: its title and its sections in order (`publish`)."""

    title: str  # may hold {unit} and {year}: the identity inputs
    sections: tuple[DocSection, ...]
    preamble: str = ""  # optional data point ID of a prose field printed before the first section
    path: str = ""
    # reading published reports: an official label → older wordings still seen in reports (规范性文件
    # for 行政规范性文件); a report that uses one is read, and told (published-old-format)
    old_labels: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # the format's name as people know it (2021年格式): what the import says it
    # recognised, and what an old-format finding asks for; the template's title when not given
    name: str = ""
    # reading published reports: the prose's own figures checked against the tables (TX)
    prose_checks: tuple[ProseCheck, ...] = ()


@dataclass(frozen=True)
class TemplateSpec:
    id: str
    version: str
    title: Text
    password: str
    input_types: tuple[tuple[str, InputSpec], ...]
    sheets: tuple[Sheet, ...]
    computed: tuple[Computed, ...]
    rules: tuple[Rule, ...]
    unit_field: str = ""  # the input naming the reporting unit (roster matching, prior year, roll-up)
    year_field: str = ""  # the input holding the report year
    fingerprint: str = ""
    source: str = field(default="", compare=False)
    document: DocumentSpec | None = None  # what `publish` makes; None: this report is not published

    def input_type(self, name: str) -> InputSpec | None:
        return dict(self.input_types).get(name)
