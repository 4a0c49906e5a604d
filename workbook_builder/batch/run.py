"""Checking many files: a process pool over every core, results in input order, memory flat.

The template is loaded and compiled in the parent before the pool starts, so forked workers
inherit it instead of each paying for it. Workers return whole `FileResult`s (findings and the
trusted values), in input order.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from ..check.result import FileResult
from ..imports.model import ImportResult
from ..imports.report import check_file, import_report
from ..imports.report import warm as warm_reports
from ..template import registry
from .prior import PriorIndex

_STATE: dict[str, Any] = {}
ProgressCallback = Callable[[int, int, FileResult], None]  # (files done, files in all, the file just done)
T = TypeVar("T")


def _init(template: str | None, prior: str | Path | PriorIndex | None, reports: bool = False) -> None:
    """Per process: resolve the template and index last year's files once (`prior` a path, or an
    index built already: a store's); with `reports` (the run holds published reports), load and
    prepare every template a report may be read with too."""
    forced = registry.resolve(template) if template else None
    (forced or registry.resolve()).recompute.warm()  # compile once here; forked workers inherit it
    if reports:
        warm_reports(forced)
    _STATE["template"] = forced
    _STATE["prior"] = (prior if isinstance(prior, PriorIndex)
                       else PriorIndex.from_path(prior, forced) if prior else None)


# what a workbook is called; any other file may be a published report (decided by content, per file)
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def _has_reports(paths: Sequence[str | Path]) -> bool:
    """Whether a run may meet a published report: worth preparing the report templates before the
    workers fork (a guess by name only, so a folder of workbooks pays nothing for it)."""
    return any(not str(p).lower().endswith(_WORKBOOK_SUFFIXES) for p in paths)


class _Stopped(Exception):
    """Raised in a worker for each file still queued once the run is stopped (Ctrl-C)."""


def _one_then(then: Callable[[FileResult], T], path: str) -> tuple[FileResult, T]:
    result = _one(path)
    return result, then(result)


def _one(path: str) -> FileResult:
    stop = _STATE.get("stop")
    if stop is not None and stop.is_set():
        raise _Stopped  # the rest of this chunk is dropped: the worker is free to exit at once
    forced = _STATE.get("template")
    index: PriorIndex | None = _STATE.get("prior")
    # a workbook, or a published report (by content); last year's comparison in the form each needs
    return check_file(path, forced, index.recheck if index is not None else None)


# Every result keeps its values for the run's later steps. Arriving from a worker, each result's
# data point IDs are new strings; shared across the run they cost one object each instead of one per
# file (30 → 12 KB a file for the 2021 template, at about 20 µs a file). The IDs come from templates,
# never from the files, so the table stays small.
_IDS: dict[str, str] = {}


def _keep(result: FileResult) -> FileResult:
    """The result as the run keeps it: the same values, keyed by data point IDs shared across files."""
    if not result.values:
        return result
    ids = _IDS
    return replace(result, values={ids.setdefault(k, k): v for k, v in result.values.items()},
                   invalid_inputs=frozenset(ids.setdefault(k, k) for k in result.invalid_inputs))


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_batch(paths: Sequence[str | Path], template: str | None = None, prior: str | Path | PriorIndex | None = None,
              jobs: int | None = None, progress: ProgressCallback | None = None) -> list[FileResult]:
    """Check every path; one `FileResult` per path, in order. `progress(done, total, result)` is
    called in this process as each file finishes."""
    jobs = max(1, jobs or default_jobs())
    reports = _has_reports(paths)
    _init(template, prior, reports)
    results: list[FileResult] = []
    for result in _iterate([str(p) for p in paths], template, prior, jobs, _one, reports):
        result = _keep(result)
        results.append(result)
        if progress:
            progress(len(results), len(paths), result)
    return results


def iterate_then(paths: Sequence[str | Path], then: Callable[[FileResult], T], template: str | None = None,
                 jobs: int | None = None, prior: str | Path | PriorIndex | None = None) -> Generator[tuple[FileResult, T], None, None]:
    """Check every path and run `then` on each result in the same worker (a later step that is as
    costly as the check itself, such as laying out a document, runs on every core too); yields
    (result, what `then` returned) in input order, as they arrive, so the caller can write each
    out and let it go. `then` must be a module-level function (it is sent to the workers). `prior`
    is last year's workbook or folder, as for `run_batch`."""
    jobs = max(1, jobs or default_jobs())
    reports = _has_reports(paths)
    _init(template, prior, reports)
    for result, extra in _iterate([str(p) for p in paths], template, prior, jobs, partial(_one_then, then), reports):
        yield _keep(result), extra


def _import_one(template: str | None, unit: str | None, year: int | None, path: str) -> ImportResult:
    stop = _STATE.get("stop")
    if stop is not None and stop.is_set():
        raise _Stopped
    return import_report(path, registry.resolve(template) if template else None, unit, year)


def import_batch(paths: Sequence[str | Path], template: str | None = None, unit: str | None = None,
                 year: int | None = None, jobs: int | None = None,
                 progress: Callable[[int, int, ImportResult], None] | None = None) -> list[ImportResult]:
    """Import every published report on the same pool as `run_batch`; one `ImportResult` per path, in
    order. `template` (an id or a YAML path) is the one to read every report with; None: each report
    is read against every built-in template with a `document:` section."""
    jobs = max(1, jobs or default_jobs())
    # an invalid template is refused here, before any worker starts; the templates every report is
    # read with are prepared once here, and forked workers inherit them
    warm_reports(registry.resolve(template) if template else None)
    results: list[ImportResult] = []
    one = partial(_import_one, template, unit, year)
    for result in _iterate([str(p) for p in paths], template, None, jobs, one, True):
        results.append(result)
        if progress:
            progress(len(results), len(paths), result)
    return results


def _worker(template: str | None, prior: str | Path | PriorIndex | None, load: bool, stop: Any, reports: bool = False) -> None:
    """A worker's start. Ctrl-C is the parent's to handle: a terminal sends SIGINT to every process of
    the group, and a worker that took it would print a traceback and break the pool mid-chunk. The
    parent sets `stop` instead, and the worker skips what is left of its chunk."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _unblock_sigint()
    _STATE["stop"] = stop
    if load:
        _init(template, prior, reports)


def _block_sigint() -> None:
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _unblock_sigint() -> None:
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _stop(pool: ProcessPoolExecutor, stop: Any) -> None:
    """End the pool soon (Ctrl-C, or the caller stopped reading): chunks not started are cancelled,
    the workers skip the rest of their chunk, and each ends after the file it is on. Workers are not
    killed: one killed while sending its results would leave the pool's reader thread waiting for the
    rest of the message forever, and the interpreter's exit with it."""
    stop.set()
    pool.shutdown(wait=True, cancel_futures=True)


def _iterate(paths: list[str], template: str | None, prior: str | Path | PriorIndex | None, jobs: int,
             one: Callable[[str], Any] | None = None, reports: bool = False) -> Iterator[Any]:
    one = one or _one  # looked up now: a test may replace `_one`
    if jobs == 1 or len(paths) < 4:
        for p in paths:
            yield one(p)
        return
    # fork inherits the compiled template and prior index; elsewhere each worker initialises itself
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    chunk = max(1, min(32, len(paths) // (jobs * 8) or 1))
    stop = ctx.Event()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_worker,
                               initargs=(template, prior, method != "fork", stop, reports))
    # SIGINT is blocked while the workers start (they inherit the mask until `_worker` ignores it), so a
    # Ctrl-C at that moment reaches only this process, when it is unblocked below.
    _block_sigint()
    try:
        try:
            results = pool.map(one, paths, chunksize=chunk)  # submits every chunk, starts the workers
        finally:
            _unblock_sigint()
        yield from results
    except BaseException:  # KeyboardInterrupt, or GeneratorExit when the caller stops early
        _stop(pool, stop)
        raise
    pool.shutdown()
