"""Annotated copies for a whole run: which files get one, what each copy is called, and that a copy
never replaces a checked file (the XML work on one file is `batch.annotate`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .annotate import AnnotateError, annotate_copy
from .result import CheckRun


def annotate_run(run: CheckRun, out_dir: str | Path, lang: str = "zh",
                 protected: Iterable[str | Path] = ()) -> list[Path]:
    """For each readable file with findings, a copy in `out_dir` with the cells marked and commented.

    Copies are named `<name>.批注.xlsx` (a number is added when two inputs share a name); no copy is
    written over a checked file of the run or over a `protected` path.
    """
    out_dir = Path(out_dir)
    keep = {Path(p).resolve() for p in protected} | {Path(f.path).resolve() for f in run.files}
    written: list[Path] = []
    used: set[str] = set()
    for report in run.files:
        if not report.findings or report.template is None:
            continue  # nothing to mark, or a file we cannot read as ours
        if any(f.code == "unsafe-content" for f in report.findings):
            continue  # refused content (links, connections) is not copied, not even marked up
        stem = Path(report.path).stem
        name, n = f"{stem}.批注.xlsx", 1
        while name in used or (out_dir / name).resolve() in keep:
            n += 1
            name = f"{stem}.批注{n}.xlsx"
        used.add(name)
        try:
            written.append(annotate_copy(report.path, report.findings, out_dir / name, lang))
        except (AnnotateError, ValueError, OSError):
            continue  # one file we cannot copy must not lose the others' copies or the report
    return written
