"""Last year's workbooks: find the one that belongs to a unit, and check this year against it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..check.result import FileResult
from ..check.workbook import check_workbook, with_prior
from ..findings import Code, make
from ..template.registry import Template
from .paths import expand_paths


@dataclass
class PriorIndex:
    """Prior-year workbooks by (unit name, year); a single file serves every unit."""

    by_unit: dict[tuple[str, int], FileResult]
    single: FileResult | None = None

    @classmethod
    def from_path(cls, path: str | Path, template: Template | None = None) -> PriorIndex:
        path = Path(path)
        if path.is_file():
            return cls({}, check_workbook(path, template))
        index: dict[tuple[str, int], FileResult] = {}
        for p in expand_paths([str(path)]):
            result = check_workbook(p, template)
            if result.unit and result.year and result.template is not None:
                index.setdefault((result.unit.strip(), result.year), result)
        return cls(index)

    def find(self, unit: str | None, year: int | None) -> FileResult | None:
        """Last year's workbook of this unit: same unit name, year − 1 (a single file must match too)."""
        if not unit or not year:
            return None
        if self.single is not None:
            s = self.single
            same_unit = not s.unit or s.unit.strip() == unit.strip()
            return s if same_unit and s.year == year - 1 else None
        return self.by_unit.get((unit.strip(), year - 1))

    def recheck(self, r: FileResult, template: Template) -> FileResult:
        """Add the year-on-year findings against last year's workbook, or `prior-year-not-found`."""
        prior = self.find(r.unit, r.year)
        if prior is None or prior.template is None:
            s = self.single
            given: dict[str, Any] = {} if s is None else {"given_unit": s.unit, "given_year": s.year}
            reason = ("not-found" if r.year else "no-year") + ("-given" if s is not None else "")
            year: dict[str, Any] = {"year": r.year - 1} if r.year else {}
            info = make(Code.PRIOR_YEAR_NOT_FOUND, reason, unit=r.unit, **year, **given)
            return r.with_findings(r.findings + (info,))
        return with_prior(r, template, prior)
