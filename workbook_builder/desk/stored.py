"""The desk's few words about the store's contents: read a year or a record id from a form, choose a
year, tell accepted submissions from those left out. (Each request opens the store itself, `with
api.open_store(path) as store:`: a SQLite connection belongs to the thread that opened it.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def whole_number(text: str, limit: int = (1 << 63) - 1) -> int | None:
    """`text` as a whole number from 0 to `limit`, or None. Only ASCII digits: `isdigit()` also
    accepts “²”, which `int()` refuses, and a number past SQLite's 64 bits makes a query fail."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > limit:
        return None
    return int(text)


def pick_year(years: Sequence[int], text: str) -> int | None:
    """The year asked for (a year of four digits at most), else the latest one the store holds."""
    year = whole_number(text, 9999)
    if year is not None:
        return year
    return max(years) if years else None


def accepted(subs: Sequence[Any]) -> tuple[list[Any], list[tuple[Any, str]]]:
    """Current submissions that passed the check (no error), and the others with why they are left out."""
    ok: list[Any] = []
    left: list[tuple[Any, str]] = []
    for s in subs:
        if s.unreadable or s.sha256 is None:
            left.append((s, "无法读取"))
        elif s.kind != "workbook":
            left.append((s, "是已发布的报告，不是填报工作簿"))
        elif not s.valid:
            left.append((s, f"未通过检查（错误 {s.errors} 个）"))
        else:
            ok.append(s)
    return ok, left
