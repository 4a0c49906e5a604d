"""The feedback pack written (`check --feedback`, `api.feedback`): per unit a folder with a 反馈单 for each
of its checked files and, for a workbook with findings, its annotated copy; then the mail-merge CSV. The
words are `render.feedback`'s; this module names, guards and writes the files."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

from ..batch.annotated import AnnotateFailed, annotate_run
from ..batch.result import CheckRun, verdict
from ..batch.roster import Contact
from ..check.preflight.sniff import sniff_path
from ..errors import UsageError
from ..outfile import OUTPUT_ANNOTATED, OUTPUT_FEEDBACK, describe_os_error, write_atomic
from ..textsafe import display_path
from . import feedback as fb


def write_pack(run: CheckRun, out_dir: Path, contacts: Mapping[str, Contact], roster: Path | None = None,
               lang: str = "zh", progress: Callable[[int, int], None] | None = None,
               relative: bool = False) -> fb.FeedbackPack:
    """The pack of `run` in `out_dir` (`api.feedback` says what it holds). `contacts` are the roster's
    (unit → contact); `roster`, its file, is never written over, nor is a checked file."""
    out = out_dir
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建文件夹 {display_path(out)}：{describe_os_error(exc)}") from None
    keep = {Path(run.source(f)).resolve() for f in run.files}
    # the roster is an input too: last year's 邮件合并.csv has its columns and is a natural roster
    roster_path = roster.resolve() if roster is not None else None

    def guard(target: Path) -> None:
        if target in keep:
            raise UsageError("是要检查的文件之一：检查从不改写交回的文件")
        if target == roster_path:
            raise UsageError("是名单文件：反馈材料从不改写名单，请把反馈材料写到别的文件夹")

    def shown(path: Path | None) -> str:  # an attachment as the CSV gives it
        return "" if path is None else str(path.relative_to(out.resolve()) if relative else path)

    planned = fb.plan(run.files, {path: unit for unit, path in run.roster.unreadable}, contacts)
    _remove_stale(dict.fromkeys(out / p.folder for p in planned), keep)
    written: dict[int, tuple[str, str]] = {}
    units: list[fb.PackUnit] = []
    failed: list[tuple[str, str]] = []
    for i, p in enumerate(planned):
        folder, copy, letter = out / p.folder, None, None
        try:  # the copy first: the 反馈单 says whether one goes with it
            copies = annotate_run(replace(run, files=(p.result,)), folder, lang, protected=keep)
            copy = copies[0].resolve() if copies else None
        except AnnotateFailed as exc:
            failed += [(display_path(folder), why) for _, why in exc.failed]
        except UsageError as exc:
            failed.append((display_path(folder), str(exc)))
        target = (folder / p.name).resolve()
        try:
            guard(target)
            text = fb.letter(p.result, p.unit, p.result.path, annotated=copy is not None)
            letter = write_atomic(target, fb.notepad_bytes(text))
        except OSError as exc:
            failed.append((display_path(target), describe_os_error(exc)))
        except UsageError as exc:
            failed.append((display_path(target), str(exc)))
        keep |= {c for c in (copy, letter) if c is not None}  # a second file of the unit: its own names
        written[i] = (shown(letter), shown(copy))
        units.append(fb.PackUnit(p.unit, verdict(p.result), p.result.path, letter, copy))
        if progress is not None:
            progress(i + 1, len(planned))
    units += [fb.PackUnit(u, fb.MISSING) for u in run.roster.missing]
    csv_path = (out / fb.CSV_NAME).resolve()
    table: Path | None = None
    try:
        guard(csv_path)
        table = write_atomic(csv_path, fb.to_csv(fb.rows(planned, run.roster.missing, contacts, written)))
    except OSError as exc:
        failed.append((display_path(csv_path), describe_os_error(exc)))
    except UsageError as exc:
        failed.append((display_path(csv_path), str(exc)))
    pack = fb.FeedbackPack(out.resolve(), tuple(units), table)
    if failed:
        raise fb.FeedbackFailed(pack, failed)
    return pack


def _remove_stale(folders: Iterable[Path], keep: set[Path]) -> None:
    """A pack written again into the same folder (the units corrected and sent back): last time's 反馈单
    and annotated copies in this run's units' folders go first, or a unit that now passes would be sent
    its old copy beside the new verdict. Only our untouched outputs (known by their marks) are removed;
    a checked file or anything else stays."""
    for folder in folders:
        for old in (folder.iterdir() if folder.is_dir() else ()):
            if (old.suffix.lower() in (".txt", ".xlsx") and old.is_file() and old.resolve() not in keep
                    and sniff_path(old).output in (OUTPUT_FEEDBACK, OUTPUT_ANNOTATED)):
                with suppress(OSError):
                    old.unlink()
