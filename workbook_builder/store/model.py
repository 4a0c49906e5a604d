"""What the store gives back: a `Submission` (one checked file of one unit and year), and a `Tally`
of what recording did (new units, resubmissions, files seen again)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..check.result import FileResult, TemplateRef
from ..findings import Finding

WORKBOOK = "workbook"  # `kind` of a returned workbook; a published report's kind is its `FileResult.published`


@dataclass(frozen=True)
class Submission:
    """One checked file as the store keeps it. `unit`/`year` are None for a file that could not be
    read (`unreadable`: refused, broken, or no template recognised in it; it is kept all the same). `current`: the one of its unit, year and template
    that counts (the newest, unless another was chosen with `Store.make_current`)."""

    id: int
    unit: str | None
    year: int | None
    template_id: str | None
    template_version: str | None
    name: str  # as shown to people (the file's path or upload name)
    sha256: str | None  # None: the file could not be read from disk at all
    size: int | None
    received_at: str  # ISO 8601, UTC, when first recorded
    kind: str  # "workbook", or the published report's kind (text, html, docx, pdf …)
    valid: bool
    unreadable: bool
    errors: int
    warnings: int
    current: bool
    values: Mapping[str, Any] = field(default_factory=dict)
    invalid_inputs: frozenset[str] = frozenset()
    findings: tuple[Finding, ...] = ()
    # added to the interface: how the submission came about
    attempt: int = 1  # 1 for a unit's first submission of the year and template, 2 for its first resubmission …
    seen: int = 1  # how often these bytes under this name were checked (a folder checked again)
    checked_at: str = ""  # ISO 8601, UTC, the last check
    saved_by: str | None = None
    claimed_template: str | None = None
    unit_as_read: str | None = None  # the unit exactly as the file gave it (`unit` is stripped)

    def as_result(self) -> FileResult:
        """The `FileResult` this submission was recorded from (its `path` is the shown name)."""
        template = TemplateRef(self.template_id, self.template_version or "") if self.template_id else None
        return FileResult(path=self.name, template=template, findings=self.findings,
                          unit=self.unit_as_read if self.unit_as_read is not None else self.unit,
                          year=self.year, saved_by=self.saved_by, claimed_template=self.claimed_template,
                          invalid_inputs=self.invalid_inputs, values=dict(self.values),
                          published=None if self.kind == WORKBOOK else self.kind)

    @property
    def outcome(self) -> str:
        """What recording it did: "again" (the same file checked again), "unreadable" (no template
        recognised), "unnamed" (no unit or year in it), "new" (the unit's first of that year and
        template), or "resubmitted"."""
        if self.seen > 1:
            return "again"
        if self.unreadable:
            return "unreadable"
        if self.unit is None or self.year is None:
            return "unnamed"
        return "new" if self.attempt == 1 else "resubmitted"


@dataclass
class Tally:
    """What was recorded while it was open (`Store.tally()`), counted by outcome."""

    submissions: list[Submission] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(s.outcome == outcome for s in self.submissions)

    @property
    def total(self) -> int:
        return len(self.submissions)
