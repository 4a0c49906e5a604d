"""The files a command works on: named files, folders walked recursively, globs."""

from __future__ import annotations

import glob
from pathlib import Path

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")


def expand_paths(args: list[str]) -> list[Path]:
    """Files named, folders walked recursively, globs expanded; sorted and de-duplicated.

    Excel's lock files (`~$name.xlsx`) are skipped: they are not workbooks. Raises
    FileNotFoundError naming an argument that matches nothing.
    """
    out: dict[Path, None] = {}
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES]
        elif path.is_file():
            found = [path]
        elif any(ch in arg for ch in "*?["):
            found = [Path(p) for p in glob.glob(arg, recursive=True) if Path(p).is_file()]
        else:
            raise FileNotFoundError(arg)
        for p in sorted(found):
            if not p.name.startswith("~$"):
                out[p] = None
    return list(out)
