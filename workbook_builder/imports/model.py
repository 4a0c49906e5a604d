"""What importing a published report gives: every data point with a status, where it was found, and
the findings; the same whether it is printed as JSON, written into a workbook or checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..check.result import TemplateRef
from ..findings import Finding, sort_findings

# value: a number read for certain · blank: an empty cell · slash: "/", "-", "—", "无" and the like ·
# ambiguous: text that cannot be read for certain (a digit run with several splits, a row with too
# many or too few figures) · missing: the row or table was not found
STATUSES = ("value", "blank", "slash", "ambiguous", "missing")

Number = int | float


@dataclass(frozen=True)
class CellRead:
    """One data point as read from the report. `value` is set only when `status` is "value"."""

    status: str
    raw: str | None = None  # the source text: the cell, or the digit run / row it was split from
    where: str = ""  # for people: `表三“（一）予以公开”行 · 第2页 第12行`
    value: Number | None = None
    candidates: tuple[tuple[Number, ...], ...] = ()  # ambiguous: possible readings of the row (a few)
    rebuilt: bool = False  # split from a digit run, or placed by the template's arithmetic

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown cell status {self.status!r}")
        if (self.value is not None) != (self.status == "value"):
            raise ValueError("a value goes with status 'value' only")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "raw": self.raw, "where": self.where}
        if self.candidates:
            out["candidates"] = [list(c) for c in self.candidates]
        if self.rebuilt:
            out["rebuilt"] = True
        return out


@dataclass(frozen=True)
class Reading:
    """The matcher's output: a report read against one template, before any check."""

    template_id: str
    unit: str | None
    year: int | None
    cells: Mapping[str, CellRead]  # every table data point of the template: inputs and printed totals
    prose: Mapping[str, str] = field(default_factory=dict)  # prose field id → its section's text
    headings: tuple[tuple[str, str], ...] = ()  # section heading lines as found, in order: (text, where)
    findings: tuple[Finding, ...] = ()  # import-* and published-old-format found while reading
    title: str = ""  # the title line(s) as found


@dataclass(frozen=True)
class ImportResult:
    """One published report imported: `api.import_report` and `workbook-builder import`."""

    path: str
    kind: str | None  # text|html|docx|pdf; None when the file could not be read at all
    template: TemplateRef | None
    findings: tuple[Finding, ...]
    unit: str | None = None
    year: int | None = None
    values: Mapping[str, Number | None] = field(default_factory=dict)  # every table data point, as printed
    cells: Mapping[str, CellRead] = field(default_factory=dict)
    prose: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", sort_findings(self.findings))

    @property
    def recovered(self) -> int:
        """How many data points were read as numbers for certain."""
        return sum(c.status == "value" for c in self.cells.values())
