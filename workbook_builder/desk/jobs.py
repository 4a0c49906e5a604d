"""Background check jobs: one thread runs the checks, one job at a time (two process pools at once on a
two-core office PC only thrash), the others wait in a queue. A job's files, its results and its
downloads live in its own private folder `workdir/jobs/<random id>/` (in/, out/)."""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import api
from ..errors import UsageError
from ..textsafe import display_path

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
_LOG = logging.getLogger(__name__)


@dataclass
class Job:
    """One check: its inputs, its progress and, once done, its run."""

    id: str
    folder: Path
    paths: list[Path]
    names: Mapping[str | Path, str]  # real path → the name it is shown under
    refused: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    template: str | None = None
    roster: Path | None = None
    roster_name: str = ""  # the name the roster was uploaded by (its message names it so)
    use_store: bool = False
    state: str = QUEUED
    done: int = 0
    total: int = 0
    message: str = "排队等候：前面还有检查在进行"
    run: Any = None  # the CheckRun, once done
    created: str = field(default_factory=lambda: time.strftime("%H:%M"))  # local time, as the page shows it
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def status(self) -> dict[str, Any]:
        """What the progress poll reads: a queued job is `running` with 0 done."""
        state = RUNNING if self.state == QUEUED else self.state
        return {"state": state, "done": self.done, "total": self.total, "message": self.message}


class Jobs:
    """The jobs of this desk, in memory; one worker thread runs them in turn."""

    def __init__(self, workdir: Path, jobs: int | None = None, store: Path | None = None):
        self.root = Path(workdir) / "jobs"
        self.root.mkdir(parents=True, exist_ok=True)
        self.processes, self.store = jobs, store
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Job] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="desk-checks", daemon=True)
        self._thread.start()

    def new_folder(self) -> tuple[str, Path]:
        """A fresh random job id and its private folder."""
        job_id = secrets.token_urlsafe(12)
        folder = self.root / job_id
        (folder / "out").mkdir(parents=True)
        return job_id, folder

    def submit(self, job: Job) -> Job:
        job.total = len(job.paths) + len(job.refused)
        self._jobs[job.id] = job
        self._queue.put(job)
        return job

    def all(self) -> list[Job]:
        """Every job of this desk, oldest first."""
        return list(self._jobs.values())

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                self._check(job)
            except UsageError as exc:
                job.state, job.message = FAILED, as_uploaded(str(exc), job.roster, job.roster_name)
            except Exception as exc:  # our bug: said in Chinese on the page, the traceback in the log
                _LOG.exception("check job %s failed", job.id)
                job.state, job.message = FAILED, f"检查时发生内部错误（{type(exc).__name__}），请把这批文件交给维护人员"
            finally:
                self._queue.task_done()

    def _check(self, job: Job) -> None:
        job.state, job.message = RUNNING, "正在检查…"

        def progress(done: int, total: int, result: Any) -> None:
            job.done, job.total = done, total
            job.message = f"已检查 {done} / {total} 个文件"

        store = self.store if job.use_store else None
        run = api.check(job.paths, template=job.template, roster=job.roster, jobs=self.processes,
                        progress=progress, store=store, names=job.names, refused=job.refused)
        job.run, job.done, job.total = run, len(run.files), len(run.files)
        job.state, job.message = DONE, f"检查完毕：共 {len(run.files)} 个文件"


def as_uploaded(message: str, path: Path | None, name: str) -> str:
    """A message naming the private copy at `path` names the file as it was uploaded instead: the
    person never saw our working folder, and its path is nobody's business."""
    if path is None or not name:
        return message
    return message.replace(display_path(path), name).replace(str(path), name)


DOWNLOADS = {
    "summary.xlsx": "检查汇总.xlsx",
    "report.html": "检查报告.html",
    "annotated.zip": "批注副本.zip",
    "roster.xlsx": "名单核对.xlsx",
    "detail.xlsx": "明细表.xlsx",
    "feedback.zip": "反馈材料.zip",
}


def download(job: Job, name: str) -> Path:
    """One of a finished job's downloads, made on first ask and kept in the job's out/ folder."""
    assert job.run is not None
    target = job.folder / "out" / name
    with job.lock:
        if target.exists():
            return target
        makers: dict[str, Callable[[Path], Any]] = {
            "summary.xlsx": lambda p: api.save_report(job.run, p),
            "report.html": lambda p: api.save_report(job.run, p),
            "roster.xlsx": lambda p: api.save_roster(job.run, p),
            "annotated.zip": lambda p: _annotated_zip(job, p),
            "detail.xlsx": lambda p: api.save_detail(job.run, p),
            "feedback.zip": lambda p: _feedback_zip(job, p),
        }
        makers[name](target)
    return target


def _annotated_zip(job: Job, target: Path) -> None:
    """Annotated copies of the files with findings, zipped; each copy is named after the name the file
    was shown by (`<name>.批注.xlsx`), never after our private names."""
    folder = job.folder / "out" / "annotated"
    try:
        written = api.annotate(job.run, folder)
    except UsageError as exc:  # some copies could not be written: the others are zipped all the same
        written = list(getattr(exc, "written", []))
    _zip(written, folder, target)


def _feedback_zip(job: Job, target: Path) -> None:
    """The feedback pack (`check --feedback`: a folder per unit with its 反馈单 and annotated copy, and
    邮件合并.csv with the roster's contacts), zipped; the CSV names the attachments relative to the
    pack's folder, which is where they are once the zip is unpacked."""
    assert job.run is not None
    folder = job.folder / "out" / "feedback"
    try:
        api.feedback(job.run, folder, roster=job.roster, relative=True)
    except UsageError:  # what could not be written is missing; the rest is zipped all the same
        if not folder.is_dir():
            raise
    _zip(sorted(p for p in folder.rglob("*") if p.is_file()), folder, target)


def _zip(files: list[Path], root: Path, target: Path) -> None:
    """`files` (under `root`) zipped into `target` by their paths relative to `root`, written whole or not
    at all."""
    tmp = target.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in files:
            zf.write(path, path.relative_to(root).as_posix())
    tmp.replace(target)
