"""Uploads taken in: each file copied in chunks to a private name, within the caps, never by its name.

    intake = Intake(job_folder, max_file_bytes=64 << 20, max_files=2000)
    for name, stream in uploads:
        intake.add(name, stream)
    run = api.check(intake.paths, names=intake.names, refused=intake.refused)

A browser sends each file with a name (for a folder, its relative path) that anyone can forge:
`../../etc/passwd`, `C:\\Windows\\x.xlsx`, control characters, 10 000 characters. The name is only
ever shown (`shown_name`): the file is kept as `<workdir>/in/0001.xlsx`, its suffix from a fixed
allow-list by the name's extension (anything else `.bin`, still checked by its content), so nothing
is ever written outside the private folder and no name is ever a path. A file over the size cap is
refused and its partial copy removed; files past the count cap are refused unread. Framework-free:
the web layer hands in a name and a binary stream.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from ..textsafe import numbered
from ..textsafe import shown_name as clean_name

# what a return (or a zip of them, or a published report) is called; the rest is kept as .bin
SUFFIXES = frozenset({".xlsx", ".xlsm", ".zip", ".csv", ".txt", ".htm", ".html", ".docx", ".doc", ".wps", ".pdf", ".ofd"})
OTHER_SUFFIX = ".bin"
_CHUNK = 1 << 20
MiB = 1 << 20
# An upload's stream is finite (the web framework has spooled it): past the cap it is read on without
# being kept, to say how large it was, up to this bound.
_COUNT_UP_TO = 4 << 30


def _mb(size: int) -> int:
    return -(-size // MiB)  # rounded up: a file of 64 MiB + 1 byte is “65 MB”, over the 64 MB limit


class Intake:
    """The files of one upload, kept in `workdir/in/` under private names.

    `paths`: the kept files, in order; `names`: real path (str) → shown name; `refused`: (shown name,
    reason, fields) for `api.check(refused=…)` (`upload-refused`: too-large {size, limit} in MB,
    too-many {count, limit}, empty)."""

    def __init__(self, workdir: Path, max_file_bytes: int, max_files: int) -> None:
        self.workdir = Path(workdir)
        self.folder = self.workdir / "in"
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.max_file_bytes, self.max_files = max_file_bytes, max_files
        self.paths: list[Path] = []
        self.names: dict[str, str] = {}
        self._refused: list[tuple[str, str, dict[str, Any]]] = []
        self._over: list[str] = []  # shown names of the files past `max_files`
        self._taken: set[str] = set()
        self._next = 0  # the number of the next private name

    @property
    def refused(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Every refused file: those too large or empty in the order offered, then those past the count cap
        (each saying how many files came in all)."""
        offered = len(self.paths) + len(self._refused) + len(self._over)
        over = [(name, "too-many", {"count": offered, "limit": self.max_files}) for name in self._over]
        return self._refused + over

    def shown_name(self, raw: str) -> str:
        """The name a file is shown by (`textsafe.shown_name`: no control characters, `\\` read as `/`,
        no `..`, drive or absolute part, at most 200 characters), unique in this upload: a repeated
        name gets （2）, （3） before its extension. Never used as a path."""
        return numbered(clean_name(raw or ""), self._taken)

    def add(self, shown_name: str, stream: BinaryIO) -> None:
        """Keep one uploaded file: copied in chunks to `in/0001<suffix>`, or refused (over the size
        cap: the partial copy removed; empty; past the count cap: not read)."""
        shown = self.shown_name(shown_name)
        if len(self.paths) >= self.max_files:
            self._over.append(shown)
            return
        suffix = PurePosixPath(shown).suffix.lower()
        fd, target = self._create(suffix if suffix in SUFFIXES else OTHER_SUFFIX)
        try:
            size = self._copy(stream, fd)
        except BaseException:  # the upload broke off: nothing of it is kept, its name is free again
            target.unlink(missing_ok=True)
            self._taken.discard(shown.casefold())
            raise
        if size > self.max_file_bytes:
            target.unlink(missing_ok=True)
            self._refused.append((shown, "too-large", {"size": _mb(size), "limit": _mb(self.max_file_bytes)}))
        elif size == 0:
            target.unlink(missing_ok=True)
            self._refused.append((shown, "empty", {}))
        else:
            self.paths.append(target)
            self.names[str(target)] = shown

    def _create(self, suffix: str) -> tuple[int, Path]:
        """A new file `in/NNNN<suffix>`, opened for writing: the next number no file has yet."""
        while True:
            self._next += 1
            target = self.folder / f"{self._next:04d}{suffix}"
            try:
                # a new file, never through a link or over another upload; 0600 (the folder is 0700)
                return os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600), target
            except FileExistsError:
                continue

    def _copy(self, stream: BinaryIO, fd: int) -> int:
        """Copy up to the cap; past it, stop writing and count on. Returns the size seen."""
        size = 0
        with os.fdopen(fd, "wb") as fh:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > self.max_file_bytes:
                    break
                fh.write(chunk)
        if size > self.max_file_bytes:
            while size < _COUNT_UP_TO and (chunk := stream.read(_CHUNK)):
                size += len(chunk)
        return size
