"""Last year's workbooks: find the one that belongs to a unit, and check this year against it.

Last year's files go through the same dispatch as this year's (`imports.report.check_file`): a
published report of last year (text, HTML, Word, PDF) serves as well as a workbook.

A prior-year folder may hold two workbooks of one unit and year (a draft and the final). Then one
is chosen by a rule the auditor sees, and every file checked against it says which and why
(`prior-year-ambiguous`): the one that checks without errors; else the latest 填报日期 (the
template's date inputs); else the file modified last; else the first by name.

A workbook given on its own with `--prior` was asked for: when it is not this unit's workbook of
last year, the cross-year check did not run and the file gets a warning (`prior-year-not-matched`),
not the information a folder without the unit's workbook gives (`prior-year-not-found`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..check.result import FileResult
from ..check.workbook import with_prior
from ..findings import Code, Finding, make
from ..imports.report import Compare, check_file
from ..template import registry
from ..template.registry import Template
from .paths import walk
from .zipin import Scratch, is_zip_name


@dataclass(frozen=True)
class Choice:
    """Which of several workbooks of one unit and year was used, and by which rule."""

    chosen: FileResult
    others: tuple[FileResult, ...]
    rule: str  # "valid" · "date" · "modified" · "name": the catalogue's reasons of prior-year-ambiguous

    def finding(self, year: int) -> Finding:
        # the paths as found under the folder, not bare names: a draft and a final are often both
        # "宿迁市.xlsx", one in a subfolder (补交/)
        paths = [r.path for r in (self.chosen, *self.others)]
        return make(Code.PRIOR_YEAR_AMBIGUOUS, self.rule, year=year, count=len(paths),
                    files="、".join(sorted(paths)), chosen=paths[0])


def _latest_date(r: FileResult, template: Template | None) -> float:
    """The latest of the template's date inputs (填报日期) as read, or −∞ when none is usable."""
    if template is None:
        return float("-inf")
    dates = [r.values.get(c.datapoint) for c in template.layout.inputs
             if c.input is not None and c.input.type == "date" and c.datapoint not in r.invalid_inputs]
    numbers = [float(d) for d in dates if isinstance(d, (int, float)) and not isinstance(d, bool)]
    return max(numbers, default=float("-inf"))


def _mtime(r: FileResult) -> float:
    try:
        return os.stat(r.path).st_mtime
    except OSError:
        return float("-inf")


def choose(results: list[FileResult], template: Template | None) -> Choice:
    """The workbook to compare with, among several of one unit and year, and the rule that chose it."""
    ordered = sorted(results, key=lambda r: r.path)

    def choice(chosen: FileResult, rule: str) -> Choice:
        return Choice(chosen, tuple(r for r in ordered if r is not chosen), rule)

    valid = [r for r in ordered if r.valid]
    if len(valid) == 1:
        return choice(valid[0], "valid")
    pool = valid or ordered  # several without errors: one of them; none: any
    for rule, key in (("date", lambda r: _latest_date(r, template)), ("modified", _mtime)):
        best = max(key(r) for r in pool)
        pool = [r for r in pool if key(r) == best]
        if len(pool) == 1:
            return choice(pool[0], rule)
    return choice(pool[0], "name")


def pick(groups: dict[Any, list[FileResult]],
         template: Template | None) -> tuple[dict[Any, FileResult], dict[Any, Choice]]:
    """One workbook per key of `groups`, by `choose` where a key has several, and those choices.
    Without `template`, each group's own template (by the id its workbooks were checked against)."""
    chosen: dict[Any, FileResult] = {}
    choices: dict[Any, Choice] = {}
    for key, group in groups.items():
        if len(group) == 1:
            chosen[key] = group[0]
            continue
        t = template or registry.find_by_id(group[0].template.id if group[0].template else "")
        choices[key] = choose(group, t)
        chosen[key] = choices[key].chosen
    return chosen, choices


def latest_by_unit(results: list[FileResult], template: Template | None,
                   year: int | None = None) -> tuple[dict[str, FileResult], dict[str, Choice]]:
    """Each unit's workbook of its latest year (of `year` only, when given) among `results`, and the
    `Choice` made where that year has several: the one rule `check --prior` and `build --prior-dir`
    share."""
    usable = [r for r in results
              if r.values and r.unit and r.template is not None and (year is None or r.year == year)]
    latest: dict[str, int] = {}
    for r in usable:
        unit = (r.unit or "").strip()
        latest[unit] = max(latest.get(unit, r.year or 0), r.year or 0)
    groups: dict[str, list[FileResult]] = {}
    for r in usable:
        unit = (r.unit or "").strip()
        if (r.year or 0) == latest[unit]:
            groups.setdefault(unit, []).append(r)
    return pick(groups, template)


@dataclass
class PriorIndex:
    """Prior-year workbooks by (unit name, year); a single file serves every unit."""

    by_unit: dict[tuple[str, int], FileResult]
    single: FileResult | None = None
    choices: dict[tuple[str, int], Choice] = field(default_factory=dict)  # where the folder held several
    refused: tuple[str, ...] = ()  # zip members (or zips) of last year's files not unpacked: their shown names

    @classmethod
    def from_path(cls, path: str | Path, template: Template | None = None) -> PriorIndex:
        """Last year's files at `path`: one workbook (serving every unit), or a folder or .zip of
        them (zips in the folder too), expanded into a private folder removed before this returns;
        a zip's member is known by its shown name (`上年.zip/甲镇.xlsx`), and one the zip's limits
        refuse is not used (its unit then has no workbook of last year)."""
        path = Path(path)
        if path.is_file() and not is_zip_name(path):
            return cls({}, check_file(path, template))
        scratch = Scratch()
        try:
            found_files = walk([str(path)], unzip=scratch)
            found: dict[tuple[str, int], list[FileResult]] = {}
            for p in found_files.files:
                result = check_file(p, template)
                if result.unit and result.year and result.template is not None:
                    found.setdefault((result.unit.strip(), result.year), []).append(result)
            index, choices = pick(found, template)  # the real files still there: `choose` reads their times
        finally:
            scratch.release()
        shown = {str(real): name for real, name in found_files.shown.items()}

        def named(r: FileResult) -> FileResult:
            return replace(r, path=shown[r.path]) if r.path in shown else r

        return cls({k: named(r) for k, r in index.items()},
                   choices={k: Choice(named(c.chosen), tuple(named(o) for o in c.others), c.rule)
                            for k, c in choices.items()},
                   refused=tuple(name for name, _, _ in found_files.refused))

    def find(self, unit: str | None, year: int | None) -> FileResult | None:
        """Last year's workbook of this unit: same unit name, year − 1 (a single file must match too)."""
        if not unit or not year:
            return None
        if self.single is not None:
            s = self.single
            same_unit = not s.unit or s.unit.strip() == unit.strip()
            return s if same_unit and s.year == year - 1 else None
        return self.by_unit.get((unit.strip(), year - 1))

    def recheck(self, r: FileResult, template: Template, compare: Compare = with_prior) -> FileResult:
        """Add the year-on-year findings against last year's workbook (`compare`: a workbook's
        `with_prior`, or a published report's form of it); `prior-year-ambiguous` when it was chosen
        among several; `prior-year-not-matched` when the one given is not this unit's of last year;
        `prior-year-not-found` when the folder has none."""
        prior = self.find(r.unit, r.year)
        if prior is None or prior.template is None:
            return r.with_findings(r.findings + (self._not_found(r),))
        choice = self.choices.get((r.unit.strip(), r.year - 1)) if r.unit and r.year else None
        result = compare(r, template, prior)
        if choice is not None and r.year:
            result = result.with_findings(result.findings + (choice.finding(r.year - 1),))
        return result

    def _not_found(self, r: FileResult) -> Finding:
        s = self.single
        year: dict[str, Any] = {"year": r.year - 1} if r.year else {}
        if s is None and self.refused and r.year:  # it may be among what the zip's limits refused
            shown = "、".join(self.refused[:3]) + ("…" if len(self.refused) > 3 else "")
            return make(Code.PRIOR_YEAR_NOT_FOUND, "not-found-refused", unit=r.unit, count=len(self.refused),
                        files=shown, **year)
        if s is None:
            return make(Code.PRIOR_YEAR_NOT_FOUND, "not-found" if r.year else "no-year", unit=r.unit, **year)
        if s.template is None or not s.values:
            return make(Code.PRIOR_YEAR_NOT_MATCHED, "given-unreadable", file=Path(s.path).name)
        return make(Code.PRIOR_YEAR_NOT_MATCHED, "not-found-given" if r.year else "no-year-given",
                    unit=r.unit, given_unit=s.unit, given_year=s.year, **year)
