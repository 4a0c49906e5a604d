"""Checking many files: a process pool over every core, results in input order, memory flat.

The template is loaded and compiled in the parent before the pool starts, so forked workers
inherit it instead of each paying for it. Workers return slim reports (findings only).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ..check.workbook import Checked, check_workbook
from ..findings import FileReport
from ..template import registry
from .prior import PriorIndex

_STATE: dict[str, Any] = {}


def _init(template: str | None, prior: str | Path | None) -> None:
    """Per process: resolve the template and index last year's files once."""
    forced = registry.resolve(template) if template else None
    (forced or registry.resolve()).recompute.warm()  # compile once here; forked workers inherit it
    _STATE["template"] = forced
    _STATE["prior"] = PriorIndex.from_path(prior, forced) if prior else None


def _one(path: str | Path, want_inputs: bool) -> tuple[FileReport, dict[str, Any] | None]:
    forced = _STATE.get("template")
    index: PriorIndex | None = _STATE.get("prior")
    checked: Checked = check_workbook(path, forced)
    if index is not None and checked.template is not None:
        checked = index.recheck(checked)
    inputs = None
    if want_inputs and checked.template is not None:
        inputs = {"template": checked.template.spec.id, "inputs": checked.inputs, "bad": sorted(checked.bad_inputs)}
    return checked.report, inputs


def _one_star(args: tuple[str, bool]) -> tuple[FileReport, dict[str, Any] | None]:
    return _one(*args)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_batch(paths: Sequence[str | Path], template: str | None = None, prior: str | Path | None = None,
              jobs: int | None = None, progress: Callable[[FileReport], None] | None = None,
              want_inputs: bool = False) -> list[tuple[FileReport, dict[str, Any] | None]]:
    """Check every path; `(report, inputs-or-None)` per path, in order."""
    jobs = max(1, jobs or default_jobs())
    _init(template, prior)
    results: list[tuple[FileReport, dict[str, Any] | None]] = []
    for result in _iterate([str(p) for p in paths], template, prior, jobs, want_inputs):
        results.append(result)
        if progress:
            progress(result[0])
    return results


def _iterate(paths: list[str], template: str | None, prior: str | Path | None, jobs: int,
             want_inputs: bool) -> Iterator[tuple[FileReport, dict[str, Any] | None]]:
    if jobs == 1 or len(paths) < 4:
        for p in paths:
            yield _one(p, want_inputs)
        return
    # fork inherits the compiled template and prior index; elsewhere each worker initialises itself
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    chunk = max(1, min(32, len(paths) // (jobs * 8) or 1))
    if method == "fork":
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx)
    else:
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init, initargs=(template, prior))
    with pool:
        yield from pool.map(_one_star, [(p, want_inputs) for p in paths], chunksize=chunk)
