"""What a page handler returns, with no web framework in sight: `app.py` turns each into a response."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Page:
    """A page: template `name` (desk/templates) filled with `context`."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    status: int = 200


@dataclass(frozen=True)
class Download:
    """A file to save: its bytes or where it is, the (Chinese) name it is saved under, its type.
    Downloads hold a unit's data: never cached."""

    filename: str
    media_type: str
    content: bytes | None = None
    path: Path | None = None


@dataclass(frozen=True)
class Redirect:
    url: str
    status: int = 303


@dataclass(frozen=True)
class Json:
    data: dict[str, Any]
    status: int = 200


Result = Page | Download | Redirect | Json


def problem(title: str, message: str, status: int = 400, back: str | None = None) -> Page:
    """A calm page saying what went wrong, in Chinese, never a traceback."""
    return Page("problem.j2", {"title": title, "message": message, "back": back}, status)
