"""Annotated copies for a whole run: which files get one, what each copy is called, and that a copy
never replaces a checked file (the XML work on one file is `batch.annotate`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

from ..check.result import FileResult
from ..errors import UsageError
from ..outfile import describe_os_error, safe_name
from ..textsafe import display_path
from .annotate import AnnotateError, annotate_copy
from .result import CheckRun


class AnnotateFailed(UsageError):
    """Some copies could not be written. The others were: `written` lists them, `failed` holds
    (checked file, Chinese reason) for each copy that is missing."""

    def __init__(self, written: list[Path], failed: list[tuple[str, str]]):
        self.written, self.failed = written, failed
        lines = [f"{display_path(path)}：{reason}" for path, reason in failed]
        super().__init__(f"已写出 {len(written)} 份，{len(failed)} 份未能写出：\n  " + "\n  ".join(lines))


def _copy_stem(shown: str) -> str:
    """The stem of a copy's name: the shown name's last part (it may come from a browser or a zip),
    made a safe file name. A real file name with bytes that are not UTF-8 (GBK names unzipped on
    Linux: lone surrogates in Python) is one this file system took: kept as it is."""
    stem = PurePosixPath(shown.replace("\\", "/")).stem
    try:
        return safe_name(stem) or "file"
    except UnicodeEncodeError:
        return stem


def annotate_run(run: CheckRun, out_dir: str | Path, lang: str = "zh",
                 protected: Iterable[str | Path] = (),
                 progress: Callable[[int, int, FileResult], None] | None = None) -> list[Path]:
    """For each readable workbook with findings, a copy in `out_dir` with the cells marked and commented
    (a published report has no workbook to mark: it gets no copy).

    Copies are named `<name>.批注.xlsx` after the file's shown name (a zip member `交回.zip/甲镇.xlsx`
    gives `甲镇.批注.xlsx`; a number is added when two inputs share a name), always directly inside
    `out_dir`: no folder of a shown name is ever followed. The copy is made from the real file
    (`CheckRun.source`). No copy is written over a checked file of the run or over a `protected` path. Raises `UsageError` when
    `out_dir` cannot be created, and `AnnotateFailed` (after trying every file) when some copies
    could not be written: one file we cannot copy does not lose the others' copies.
    `progress(done, total, result)` is told of each copy tried (written or not).
    """
    out_dir = Path(out_dir)
    try:  # a folder that cannot be made fails every copy alike: say so once, before trying any
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建这个文件夹：{describe_os_error(exc)}") from None
    keep = {Path(p).resolve() for p in protected} | {Path(run.source(f)).resolve() for f in run.files}
    written: list[Path] = []
    failed: list[tuple[str, str]] = []
    used: set[str] = set()
    todo = [r for r in run.files if _wants_copy(r)]
    for done, report in enumerate(todo, 1):
        stem = _copy_stem(report.path)
        name, n = f"{stem}.批注.xlsx", 1
        while name in used or (out_dir / name).resolve() in keep:
            n += 1
            name = f"{stem}.批注{n}.xlsx"
        used.add(name)
        try:
            written.append(annotate_copy(run.source(report), report.findings, out_dir / name, lang))
        except OSError as exc:
            failed.append((report.path, describe_os_error(exc)))
        except (AnnotateError, ValueError) as exc:
            failed.append((report.path, str(exc)))
        if progress is not None:
            progress(done, len(todo), report)
    if failed:
        raise AnnotateFailed(written, failed)
    return written


def _wants_copy(report: FileResult) -> bool:
    """Whether a checked file gets an annotated copy."""
    if not report.findings or report.template is None or report.published:
        return False  # nothing to mark, a file we cannot read as ours, or a published report (no workbook)
    # refused content (links, connections) is not copied, not even marked up
    return not any(f.code == "unsafe-content" for f in report.findings)
