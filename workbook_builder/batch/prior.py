"""Last year's workbooks: find the one that belongs to a unit, and check this year against it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..check.workbook import Checked, check_workbook, with_prior
from ..findings import make, sort_findings
from ..template.registry import Template
from .paths import expand_paths


@dataclass
class PriorIndex:
    """Prior-year workbooks by (unit name, year); a single file serves every unit."""

    by_unit: dict[tuple[str, int], Checked]
    single: Checked | None = None

    @classmethod
    def from_path(cls, path: str | Path, template: Template | None = None) -> PriorIndex:
        path = Path(path)
        if path.is_file():
            return cls({}, check_workbook(path, template))
        index: dict[tuple[str, int], Checked] = {}
        for p in expand_paths([str(path)]):
            checked = check_workbook(p, template)
            r = checked.report
            if r.unit and r.year and checked.template is not None:
                index.setdefault((r.unit.strip(), r.year), checked)
        return cls(index)

    def find(self, unit: str | None, year: int | None) -> Checked | None:
        """Last year's workbook of this unit: same unit name, year − 1 (a single file must match too)."""
        if not unit or not year:
            return None
        if self.single is not None:
            r = self.single.report
            same_unit = not r.unit or r.unit.strip() == unit.strip()
            return self.single if same_unit and r.year == year - 1 else None
        return self.by_unit.get((unit.strip(), year - 1))

    def recheck(self, checked: Checked) -> Checked:
        """Add the year-on-year findings against last year's workbook, or `prior-year-not-found`."""
        r = checked.report
        prior = self.find(r.unit, r.year)
        if prior is None or prior.template is None:
            wanted = f"“{r.unit or '未填单位'}”{f'{r.year - 1}年度' if r.year else '上一年度（本表未填报告年度）'}"
            got = ""
            if self.single is not None:
                s = self.single.report
                got = f"；给出的上年工作簿是“{s.unit or '未填单位'}”{s.year or '未填'}年度的"
            info = make("prior-year-not-found", detail_zh=f"没有找到{wanted}的工作簿{got}",
                        detail_en=f"no workbook of “{r.unit or 'unknown unit'}” for "
                                  f"{r.year - 1 if r.year else 'the previous year (this file has no year)'}")
            return replace(checked, report=replace(r, findings=sort_findings(r.findings + (info,))))
        return with_prior(checked, prior)
