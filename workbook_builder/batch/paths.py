"""The files a command works on: named files, folders walked recursively, globs.

In a folder (or a glob) every file that could be a return is checked, so none is passed over in
silence: a spreadsheet by its suffix (.xlsx, .ods, .xls, .et, .csv …), or by its content when the
suffix says nothing (a workbook renamed `甲局` or `甲局.xlsx.1`; binary formats only: any text
could pass for a CSV). What is left is reported as skipped, never checked:
- our own outputs (annotated copies, a `--summary` .xlsx, a roll-up: they carry the
  `OUTPUT_PROPERTY` document property; a `--summary` .csv is known by its header row), so a report
  written into the checked folder is not taken for a return on the next run;
- other files (a .txt note, a README, a scan of something else): the run lists them, they are not
  findings. A published annual report (text, HTML, Word, PDF) is told by its content
  (`imports.sniff.is_report_file`: the report's title or its tables' rows) and checked like a return;
  our own HTML check report (`<meta name="generator" content="workbook-builder">`) is an output.
Files no one sent are ignored without a word: Excel's and LibreOffice's lock files (`~$a.xlsx`,
`.~lock.a.xlsx#`), macOS's `__MACOSX/` and `._a.xlsx` shadows, hidden dot files.
A file named on its own is always checked, whatever it is (except a lock file).
Given a `Scratch` (`batch.zipin`), a .zip named or found in a folder is expanded into it and its
members go through the same rules as a folder's files (folders inside the zip walked; a member
refused by the zip's limits is listed in `Walk.refused`); each member is shown as
`<zip's shown name>/<member name>` (`Walk.shown`).
"""

from __future__ import annotations

import glob
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from ..check.preflight.sniff import TABLE_SUFFIXES, sniff_path
from .zipin import Refusal, Scratch, expand, is_zip_name

SKIPPED_OUTPUT, SKIPPED_OTHER = "own-output", "not-a-table"
SKIPPED_REPORT = "published-report"  # a published report in a folder `aggregate` or `publish` walks
# what a walk looks for in folders: returns of both kinds (check), workbooks only (aggregate, publish),
# published reports only (import)
ALL, WORKBOOKS, REPORTS = "all", "workbooks", "reports"


@dataclass(frozen=True)
class Walk:
    """The files to check, in order, and the files a folder or glob held that are not checked."""

    files: tuple[Path, ...]
    skipped: tuple[tuple[Path, str], ...] = ()  # (path, SKIPPED_OUTPUT | SKIPPED_OTHER)
    shown: Mapping[Path, str] = field(default_factory=dict)  # a zip member's real file → <zip>/<member>
    refused: tuple[Refusal, ...] = ()  # zip members (or zips) not expanded: (shown name, reason, fields)


def _noise(path: PurePath) -> bool:
    """Lock files and the debris of copying and unzipping: nobody sent them."""
    name = path.name
    return (name.startswith(("~$", ".~lock.", "._", ".")) or "__MACOSX" in path.parts
            or name.lower() in ("thumbs.db", "desktop.ini"))


def walk(args: list[str], wanted: str = ALL, unzip: Scratch | None = None,
         names: Mapping[str | Path, str] | None = None) -> Walk:
    """Files named, folders walked recursively, globs expanded; sorted and de-duplicated, with the
    files of folders and globs that are skipped (our outputs, files that are no table). `wanted`
    (ALL, WORKBOOKS, REPORTS) says which returns a folder's files may be: a published report is
    skipped as SKIPPED_REPORT by a WORKBOOKS walk, a table as SKIPPED_OTHER by a REPORTS walk.
    With `unzip`, zips are expanded into it (see the module's notes); `names` gives a named zip the
    name its members are shown under (default: its path as given).

    Raises FileNotFoundError naming an argument that matches nothing.
    """
    out: dict[Path, None] = {}
    skipped: dict[Path, str] = {}
    zipped = _Zips(unzip, {Path(k): v for k, v in (names or {}).items()}, out, skipped, wanted)
    for arg in args:
        path = Path(arg)
        if path.is_file():
            if not path.name.startswith(("~$", ".~lock.")) and not zipped.take(path):
                out[path] = None
            continue
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.is_file()]
        elif any(ch in arg for ch in "*?["):
            found = [Path(p) for p in glob.glob(arg, recursive=True) if Path(p).is_file()]
        else:
            raise FileNotFoundError(arg)
        for p in sorted(found):
            if p in out or p in skipped or _noise(p) or zipped.take(p):
                continue
            why = _why_skipped(p, wanted)
            if why is None:
                out[p] = None
            else:
                skipped[p] = why
    return Walk(tuple(out), tuple((p, why) for p, why in skipped.items() if p not in out), zipped.shown,
                tuple(zipped.refused))


@dataclass
class _Zips:
    """The zips of one walk: each expanded once, its members put among the walk's files or skipped."""

    scratch: Scratch | None
    names: dict[Path, str]
    out: dict[Path, None]
    skipped: dict[Path, str]
    wanted: str
    shown: dict[Path, str] = field(default_factory=dict)
    refused: list[Refusal] = field(default_factory=list)
    seen: set[Path] = field(default_factory=set)

    def take(self, path: Path) -> bool:
        """Expand `path` if it is a zip to expand (True), else leave it to the walk (False)."""
        if self.scratch is None or not is_zip_name(path):
            return False
        key = path.resolve()
        if key in self.seen:
            return True
        expanded = expand(path, self.names.get(path, str(path)), self.scratch, skip=_noise)
        if expanded is None:  # an Office package named .zip: a file like any other
            return False
        self.seen.add(key)
        self.refused.extend(expanded.refused)
        for member, shown in expanded.members:
            self.shown[member] = shown
            why = _why_skipped(member, self.wanted)
            if why is None:
                self.out[member] = None
            else:
                self.skipped[member] = why
        return True


_GENERATOR = b'<meta name="generator" content="workbook-builder">'  # our HTML check report (render/html)


def _why_skipped(path: Path, wanted: str = ALL) -> str | None:
    sniffed = sniff_path(path)
    if sniffed.output is not None:
        return SKIPPED_OUTPUT
    if path.suffix.lower() in TABLE_SUFFIXES or sniffed.table:
        return SKIPPED_OTHER if wanted == REPORTS else None
    if _our_html_report(path):
        return SKIPPED_OUTPUT
    from ..imports.sniff import is_report_file  # reads the head of a text file: only for what is left

    if not is_report_file(path):
        return SKIPPED_OTHER
    return SKIPPED_REPORT if wanted == WORKBOOKS else None


def _our_html_report(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return _GENERATOR in fh.read(4096)
    except OSError:
        return False


def expand_paths(args: list[str], wanted: str = ALL) -> list[Path]:
    """The files to check (see `walk`; the skipped ones are left out)."""
    return list(walk(args, wanted).files)
