"""What the annotator works on: its error, and the findings placed on one sheet."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import UsageError
from ...findings import Finding

__all__ = ["AnnotateError", "Sheet", "Style"]

Style = tuple[int, str]  # a highlighted cell's look: the style (xf) it shows now, and the fill colour on top


class AnnotateError(UsageError, ValueError):
    """The workbook cannot be annotated (unreadable, refused by preflight, or not a workbook)."""


@dataclass
class Sheet:
    """A worksheet of the package and the findings it will show."""

    name: str
    part: str
    marks: dict[tuple[int, int], list[Finding]] = field(default_factory=dict)  # highlighted (a failed rule:
    # its check cell and every cell it reads)
    notes: dict[tuple[int, int], list[Finding]] = field(default_factory=dict)  # comment only (A1)

    def lines(self) -> dict[tuple[int, int], list[Finding]]:
        """Every commented cell with its findings, highlighted ones first."""
        out: dict[tuple[int, int], list[Finding]] = {}
        for group in (self.marks, self.notes):
            for k, fs in group.items():
                out.setdefault(k, []).extend(fs)
        return out
