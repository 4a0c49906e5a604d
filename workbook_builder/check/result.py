"""The one shape of a checked file: its findings, and the values later stages may trust.

A `FileResult` leaves the worker process whole, so nothing downstream (the summary, the roll-up,
last year's carry-overs, a published report document) re-reads the file: its `values` are every
input as read and re-validated (those that failed are in `invalid_inputs`) and every formula
recomputed from the template's own formulas, never taken from the file's cached results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..findings import SEVERITY_ORDER, Finding, sort_findings


@dataclass(frozen=True)
class TemplateRef:
    """Which template (and version) a file was checked against."""

    id: str
    version: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "version": self.version}


@dataclass(frozen=True)
class FileResult:
    """Everything known about one checked file. Findings are always in report order
    (`findings.sort_findings`: severity, then sheet, row, column), so every renderer agrees."""

    path: str
    template: TemplateRef | None
    findings: tuple[Finding, ...]
    unit: str | None = None
    year: int | None = None
    saved_by: str | None = None
    claimed_template: str | None = None  # the template id the file's properties name (may differ when forced)
    invalid_inputs: frozenset[str] = frozenset()  # inputs that failed re-validation: never to be trusted
    values: Mapping[str, Any] = field(default_factory=dict)  # every input as read + every formula, recomputed
    published: str | None = None  # a published report (text|html|docx|pdf …, imports/): its kind; None: a workbook

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", sort_findings(self.findings))

    @property
    def valid(self) -> bool:
        """No finding of severity error."""
        return not any(f.severity == "error" for f in self.findings)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in SEVERITY_ORDER}

    def first_error(self) -> Finding | None:
        return next((f for f in self.findings if f.severity == "error"), None)

    def with_findings(self, findings: Iterable[Finding]) -> FileResult:
        """The same file with other findings (sorted into report order)."""
        return replace(self, findings=tuple(findings))

