"""A run's inputs under the names they are shown by: a zip's members as `<zip>/<member>`, a caller's
files under the names it gives (the desk keeps uploads as `in/0001.xlsx` and shows `甲镇.xlsx`), and
the inputs refused before any check (an upload over the desk's caps, a zip member not expanded) as
results of their own, first in the run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..check.result import FileResult
from ..findings import Code, make
from ..textsafe import numbered
from .paths import Walk
from .run import ProgressCallback

Refused = Sequence[tuple[str, str, Mapping[str, Any]]]  # (shown name, reason, fields)


class Shown:
    """The files of a walk with their shown names (unique in the run), and the refused inputs."""

    def __init__(self, found: Walk, names: Mapping[str | Path, str] | None = None, refused: Refused = ()) -> None:
        named = {Path(k): v for k, v in (names or {}).items()}
        taken: set[str] = set()  # exact names: a dict key each (case-sensitive, as on Linux)

        def name(path: Path) -> str:
            return found.shown.get(path) or named.get(path) or str(path)

        self.refusals = [_refusal(Code.UPLOAD_REFUSED, numbered(n, taken, fold=False), r, f) for n, r, f in refused]
        self.refusals += [_refusal(Code.ZIP_REFUSED, numbered(n, taken, fold=False), r, f) for n, r, f in found.refused]
        self.of: dict[str, str] = {str(p): numbered(name(p), taken, fold=False) for p in found.files}  # real → shown
        self.skipped = tuple((name(p), why) for p, why in found.skipped)
        self._real = {shown: real for real, shown in self.of.items()}

    def sources(self) -> dict[str, str]:
        """Shown name → real file, for every file checked (a refused input has none)."""
        return self._real

    def real(self, shown: str) -> str:
        """The real file of a shown name; "" (no file to open) for a refused input."""
        return self._real.get(shown, "")

    def progress(self, progress: ProgressCallback | None) -> ProgressCallback | None:
        """`progress` told of the refused inputs first (now), then of each checked file under its
        shown name, with totals that count both."""
        if progress is None:
            return None
        k, total = len(self.refusals), len(self.refusals) + len(self.of)
        for i, result in enumerate(self.refusals, 1):
            progress(i, total, result)
        return lambda done, _total, result: progress(done + k, total, self.rename(result))

    def rename(self, result: FileResult) -> FileResult:
        """A checked file's result under its shown name."""
        shown = self.of.get(result.path, result.path)
        return result if shown == result.path else replace(result, path=shown)


def _refusal(code: Code, shown: str, reason: str, fields: Mapping[str, Any]) -> FileResult:
    return FileResult(shown, None, (make(code, reason, **fields),))
