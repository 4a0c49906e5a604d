"""The roster: which units are expected to report, and who is missing or reported twice."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..check.result import FileResult
from ..errors import UsageError

UNIT_HEADERS = ("unit", "unit_name", "单位", "单位名称", "名称")


class RosterError(UsageError, ValueError):
    """A roster file that cannot be used; the message says why, in Chinese."""


@dataclass(frozen=True)
class Roster:
    units: tuple[str, ...]

    @classmethod
    def read(cls, path: str | Path) -> Roster:
        """A CSV with a header row naming the unit column (unit / 单位名称 …), or one unit per line."""
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise RosterError(f"无法读取名单 {path}：{exc}") from None
        for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK by default
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise RosterError(f"名单 {path} 的编码无法识别（请另存为 UTF-8 CSV）")
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
        if not rows:
            raise RosterError(f"名单 {path} 是空的")
        header = [c.strip().lower() for c in rows[0]]
        column = next((header.index(h) for h in UNIT_HEADERS if h in header), None)
        if column is None and len(rows[0]) > 1:
            raise RosterError(f"名单 {path} 有多列，但找不到单位名称列：请把该列的表头写成 {'、'.join(UNIT_HEADERS)} 之一")
        body = rows[1:] if column is not None else rows
        column = column or 0
        units = [r[column].strip() for r in body if len(r) > column and r[column].strip()]
        if not units:
            raise RosterError(f"名单 {path} 中没有单位名称")
        return cls(tuple(dict.fromkeys(units)))


@dataclass(frozen=True)
class RosterResult:
    expected: int
    missing: tuple[str, ...]  # on the roster, no readable workbook names it
    duplicates: tuple[tuple[str, int | None, tuple[str, ...]], ...]  # (unit, year, paths) with > 1 file
    unexpected: tuple[tuple[str, str], ...]  # (unit, path) of workbooks whose unit is not on the roster

    @classmethod
    def empty(cls) -> RosterResult:
        return cls(0, (), (), ())


def reconcile(roster: Roster | None, reports: Iterable[FileResult]) -> RosterResult:
    """Compare returned workbooks with the roster; duplicates are found even without one."""
    reports = list(reports)
    seen: dict[tuple[str, int | None], list[str]] = {}
    for r in reports:
        if r.unit:
            seen.setdefault((r.unit.strip(), r.year), []).append(r.path)
    duplicates = tuple((u, y, tuple(ps)) for (u, y), ps in seen.items() if len(ps) > 1)
    if roster is None:
        return RosterResult(0, (), duplicates, ())
    names = {u for u, _ in seen}
    missing = tuple(u for u in roster.units if u not in names)
    expected = set(roster.units)
    unexpected = tuple((u, p) for (u, _), ps in seen.items() if u not in expected for p in ps)
    return RosterResult(len(roster.units), missing, duplicates, unexpected)
