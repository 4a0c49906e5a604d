"""The files a command works on: named files, folders walked recursively, globs.

In a folder (or a glob) every file that could be a return is checked, so none is passed over in
silence: a spreadsheet by its suffix (.xlsx, .ods, .xls, .et, .csv …), or by its content when the
suffix says nothing (a workbook renamed `甲局` or `甲局.xlsx.1`; binary formats only: any text
could pass for a CSV). What is left is reported as skipped, never checked:
- our own outputs (annotated copies, a `--summary` .xlsx, a roll-up: they carry the
  `OUTPUT_PROPERTY` document property; a `--summary` .csv is known by its header row), so a report
  written into the checked folder is not taken for a return on the next run;
- other files (a .docx report, a PDF, a .txt note): the run lists them, they are not findings.
Files no one sent are ignored without a word: Excel's and LibreOffice's lock files (`~$a.xlsx`,
`.~lock.a.xlsx#`), macOS's `__MACOSX/` and `._a.xlsx` shadows, hidden dot files.
A file named on its own is always checked, whatever it is (except a lock file).
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from ..check.preflight.sniff import sniff_path

# Suffixes of spreadsheets and of tables in other formats: every such file is a return to report on.
TABLE_SUFFIXES = frozenset({
    ".xlsx", ".xlsm", ".xltx", ".xltm", ".xlsb", ".xls", ".xlt", ".et", ".ett",
    ".ods", ".ots", ".fods", ".numbers", ".csv", ".tsv",
})
SKIPPED_OUTPUT, SKIPPED_OTHER = "own-output", "not-a-table"


@dataclass(frozen=True)
class Walk:
    """The files to check, in order, and the files a folder or glob held that are not checked."""

    files: tuple[Path, ...]
    skipped: tuple[tuple[Path, str], ...] = ()  # (path, SKIPPED_OUTPUT | SKIPPED_OTHER)


def _noise(path: Path) -> bool:
    """Lock files and the debris of copying and unzipping: nobody sent them."""
    name = path.name
    return (name.startswith(("~$", ".~lock.", "._", ".")) or "__MACOSX" in path.parts
            or name.lower() in ("thumbs.db", "desktop.ini"))


def walk(args: list[str]) -> Walk:
    """Files named, folders walked recursively, globs expanded; sorted and de-duplicated, with the
    files of folders and globs that are skipped (our outputs, files that are no table).

    Raises FileNotFoundError naming an argument that matches nothing.
    """
    out: dict[Path, None] = {}
    skipped: dict[Path, str] = {}
    for arg in args:
        path = Path(arg)
        if path.is_file():
            if not path.name.startswith(("~$", ".~lock.")):
                out[path] = None
            continue
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.is_file()]
        elif any(ch in arg for ch in "*?["):
            found = [Path(p) for p in glob.glob(arg, recursive=True) if Path(p).is_file()]
        else:
            raise FileNotFoundError(arg)
        for p in sorted(found):
            if p in out or p in skipped or _noise(p):
                continue
            why = _why_skipped(p)
            if why is None:
                out[p] = None
            else:
                skipped[p] = why
    return Walk(tuple(out), tuple((p, why) for p, why in skipped.items() if p not in out))


def _why_skipped(path: Path) -> str | None:
    sniffed = sniff_path(path)
    if sniffed.output is not None:
        return SKIPPED_OUTPUT
    if path.suffix.lower() in TABLE_SUFFIXES or sniffed.table:
        return None
    return SKIPPED_OTHER


def expand_paths(args: list[str]) -> list[Path]:
    """The files to check (see `walk`; the skipped ones are left out)."""
    return list(walk(args).files)
