"""The desk's few words with the store: open it for one request (a SQLite connection belongs to the
thread that opened it), choose a year, tell accepted submissions from those left out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import api
from ..errors import UsageError


@contextmanager
def open_store(path: Path) -> Iterator[Any]:
    """The store at `path`, closed after the request."""
    opener = getattr(api, "open_store", None)
    if opener is None:  # pragma: no cover - a library without the store
        raise UsageError("这个版本的工具没有数据库功能")
    store = opener(path)
    try:
        yield store
    finally:
        store.close()


def pick_year(years: Sequence[int], text: str) -> int | None:
    """The year asked for, else the latest one the store holds."""
    if text.strip().isdigit():
        return int(text)
    return max(years) if years else None


def accepted(subs: Sequence[Any]) -> tuple[list[Any], list[tuple[Any, str]]]:
    """Current submissions that passed the check (no error), and the others with why they are left out."""
    ok: list[Any] = []
    left: list[tuple[Any, str]] = []
    for s in subs:
        if s.unreadable:
            left.append((s, "无法读取"))
        elif not s.valid:
            left.append((s, f"未通过检查（错误 {s.errors} 个）"))
        else:
            ok.append(s)
    return ok, left
