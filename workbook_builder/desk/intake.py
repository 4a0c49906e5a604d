"""Uploaded files into the desk's private working folder (framework-free).

A stand-in with the interface of the INPUTS part (branch desk-zip), which replaces it: each upload is
copied in chunks to `workdir/in/0001<suffix>`; the name a person gave it is only ever shown, never
used as a path."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import BinaryIO

SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".txt", ".html", ".htm", ".docx", ".pdf", ".zip",
                      ".json"})
CHUNK = 1 << 20
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


class Intake:
    """The files of one upload, kept under private names in `workdir/in/`."""

    def __init__(self, workdir: Path, max_file_bytes: int, max_files: int):
        self.folder = Path(workdir) / "in"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_file_bytes, self.max_files = max_file_bytes, max_files
        self.paths: list[Path] = []
        self.names: dict[str, str] = {}
        self.refused: list[tuple[str, str, dict]] = []
        self._shown: set[str] = set()

    def shown_name(self, raw: str) -> str:
        """The name to show: no control characters, `/` separators, no `..` or absolute parts, at most
        200 characters, a repeated name numbered （2）, （3）…"""
        text = _CONTROL.sub("", raw or "").replace("\\", "/")
        parts = [p for p in PurePosixPath(text).parts if p not in ("/", ".", "..") and ":" not in p]
        name = "/".join(parts)[-200:] or "未命名"
        base, n = name, 1
        while name in self._shown:
            n += 1
            stem, dot, suffix = base.rpartition(".")
            name = f"{stem}（{n}）.{suffix}" if dot else f"{base}（{n}）"
        self._shown.add(name)
        return name

    def add(self, shown_name: str, stream: BinaryIO) -> None:
        """Copy one upload in; over the size or count cap it is refused (and nothing of it kept)."""
        shown = self.shown_name(shown_name)
        if len(self.paths) >= self.max_files:
            self.refused.append((shown, "too-many", {"count": len(self.paths) + 1, "limit": self.max_files}))
            return
        suffix = PurePosixPath(shown).suffix.lower()
        target = self.folder / f"{len(self.paths) + len(self.refused) + 1:04d}{suffix if suffix in SUFFIXES else '.bin'}"
        size = 0
        with target.open("xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > self.max_file_bytes:
                    break
                out.write(chunk)
        if size > self.max_file_bytes:
            target.unlink()
            self.refused.append((shown, "too-large", {"size": size, "limit": self.max_file_bytes}))
            return
        if size == 0:
            target.unlink()
            self.refused.append((shown, "empty", {}))
            return
        self.paths.append(target)
        self.names[str(target)] = shown
