"""检查: the upload form, the job's progress and results, each file's findings, and the downloads."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from .. import api
from ..errors import UsageError
from ..render.finding_lines import finding_columns
from ..textsafe import clean_text, shown_name
from .intake import Intake
from .jobs import DONE, DOWNLOADS, FAILED, Job, Jobs, download
from .results import XLSX, ZIP, Download, Json, Page, Redirect, Result, problem

MEDIA = {"summary.xlsx": XLSX, "report.html": "text/html; charset=utf-8", "annotated.zip": ZIP, "roster.xlsx": XLSX,
         "detail.xlsx": XLSX, "feedback.zip": ZIP}


@dataclass(frozen=True)
class Upload:
    """One uploaded file as the framework handed it over: the name it came with, and its bytes."""

    name: str
    stream: BinaryIO


def templates() -> list[dict[str, Any]]:
    """The choices of `select#template`, the default template first (and preselected where a form
    has no “自动”)."""
    default = api.default_template()
    found = api.list_templates()
    return sorted(({**t, "default": t["id"] == default} for t in found), key=lambda t: not t["default"])


ROSTER_SUFFIXES = (".xlsx", ".csv", ".tsv", ".txt")


def save_upload(upload: Upload, target: Path) -> Path:
    """The uploaded bytes as a new file `target` (a private name of ours, never the upload's)."""
    with target.open("xb") as out:
        shutil.copyfileobj(upload.stream, out, 1 << 20)
    return target


def roster_suffix(upload: Upload) -> str:
    """The roster's kind by its name's extension (.xlsx, .csv …), or "" for a kind no roster comes in."""
    suffix = PurePosixPath(upload.name.replace("\\", "/")).suffix.lower()
    return suffix if suffix in ROSTER_SUFFIXES else ""


def bad_roster(back: str) -> Page:
    return problem("名单文件的格式不对", "单位名单请用 Excel 工作簿（.xlsx）或 CSV 文件。", back=back)


def save_roster(upload: Upload, folder: Path) -> Path:
    """An uploaded roster (of a kind `roster_suffix` allows) kept as `folder/roster<suffix>`."""
    return save_upload(upload, folder / f"roster{roster_suffix(upload)}")


def known_template(text: str) -> bool:
    """The form's template is one of the built-in ones it offers, or empty (“自动”). Never a path: the
    library would read any YAML file of this computer and quote its lines in the error."""
    return not text or text in {t["id"] for t in api.list_templates()}


def unknown_template(back: str) -> Page:
    return problem("没有这个模板", "请在“模板”一栏里选择列出的模板。", back=back)


def start(jobs: Jobs, uploads: Iterable[Upload], paths: list[str], template: str, roster: Upload | None,
          store_prior: bool, max_file_bytes: int, max_files: int) -> Result:
    """Take the uploads into a new job's private folder and queue the check; on to the job's page."""
    if not known_template(template):
        return unknown_template("/check")
    job_id, folder = jobs.new_folder()
    intake = Intake(folder, max_file_bytes, max_files)
    for i, up in enumerate(uploads):
        # the relative name the page's script sent (a file inside a dropped folder), else the file's own
        intake.add(paths[i] if i < len(paths) and paths[i].strip() else up.name, up.stream)
    if not intake.paths and not intake.refused:
        return problem("没有选择文件", "请先选择或拖入要检查的工作簿、文件夹或压缩包，再点“开始检查”。", back="/check")
    roster_path = None
    if roster is not None and roster.name:
        if not roster_suffix(roster):
            return bad_roster("/check")
        roster_path = save_roster(roster, folder)
    names: dict[str | Path, str] = {k: v for k, v in intake.names.items()}  # keys widened for api.check
    job = Job(job_id, folder, intake.paths, names, list(intake.refused),
              template=template or None, roster=roster_path, use_store=store_prior,
              roster_name=shown_name(roster.name) if roster_path is not None and roster is not None else "")
    jobs.submit(job)
    return Redirect(f"/check/{job_id}")


def status(jobs: Jobs, job_id: str) -> Result:
    job = jobs.get(job_id)
    if job is None:
        return Json({"state": FAILED, "done": 0, "total": 0, "message": "找不到这次检查（工作台重启后，以前的检查结果不再保留）"}, 404)
    return Json(job.status())


def _missing() -> Page:
    return problem("找不到这次检查", "这次检查的结果已不在了：工作台重启后，以前的检查结果不再保留。请重新检查。", 404, back="/check")


def _top(result: Any) -> str:
    first = result.findings[0] if result.findings else None
    return clean_text(first.message("zh")) if first is not None else ""


def rows(job: Job) -> list[dict[str, Any]]:
    """One row per checked file, as the results table shows it."""
    assert job.run is not None
    return [{"n": n, "unit": clean_text(r.unit or ""), "year": r.year or "", "file": clean_text(r.path),
             "verdict": api.verdict(r), "errors": r.count("error"), "warnings": r.count("warning"), "top": _top(r)}
            for n, r in enumerate(job.run.files, start=1)]


def reconciled(job: Job) -> dict[str, list[str]] | None:
    """The roster's reconciliation as the results page lists it (缺报 / 重复 / 名单外 / 无法读取)."""
    if job.roster is None or job.run is None:
        return None
    r = job.run.roster
    return {"缺报": [clean_text(u) for u in r.missing],
            "重复": [f"{clean_text(u)}（{'、'.join(clean_text(p) for p in paths)}）" for u, _, paths in r.duplicates],
            "名单外": [f"{clean_text(u)}（{clean_text(p)}）" for u, p in r.unexpected],
            "交回的文件无法读取": [f"{clean_text(u)}（{clean_text(p)}）" for u, p in r.unreadable]}


def form(store: bool, max_body_bytes: int = 0, max_files: int = 0, recent: list[dict[str, Any]] | None = None,
         store_path: str = "") -> Page:
    """The upload form; the caps go to the page's script, which says so before a doomed upload starts.
    `recent`: this desk's checks so far, newest first (a person can leave a long check and come back);
    `store_path`: where the store file is, said on the page (a person backs it up and looks for it there)."""
    return Page("check.j2", {"templates": templates(), "store": store, "max_bytes": max_body_bytes,
                             "max_files": max_files, "recent": recent or [], "store_path": clean_text(store_path)})


def recent(jobs: Jobs) -> list[dict[str, Any]]:
    return [{"id": j.id, "when": j.created, "files": j.total, "state": j.status()["state"], "message": j.message}
            for j in reversed(jobs.all())]


def job_page(jobs: Jobs, job_id: str) -> Result:
    job = jobs.get(job_id)
    if job is None:
        return _missing()
    context: dict[str, Any] = {"job": job, "status": job.status()}
    if job.state == DONE and job.run is not None:
        run = job.run
        # the tiles part the files: an unreadable file is counted once, under 无法读取, not also as 未通过
        failed = max(0, run.stats.with_errors - run.stats.unreadable)
        context.update(rows=rows(job), stats=run.stats, failed=failed, roster=job.roster is not None,
                       reconciled=reconciled(job),
                       skipped=[clean_text(p) for p, _ in run.skipped], downloads=DOWNLOADS)
    return Page("job.j2", context)


def file_page(jobs: Jobs, job_id: str, n: int) -> Result:
    job = jobs.get(job_id)
    if job is None or job.state != DONE or job.run is None:
        return _missing()
    if not 1 <= n <= len(job.run.files):
        return problem("找不到这个文件", "这次检查里没有这个文件。", 404, back=f"/check/{job_id}")
    result = job.run.files[n - 1]
    findings = [finding_columns(f) for f in result.findings]
    return Page("file.j2", {"job": job, "n": n, "result": result, "file": clean_text(result.path),
                            "unit": clean_text(result.unit or ""), "verdict": api.verdict(result), "findings": findings})


def get_download(jobs: Jobs, job_id: str, name: str) -> Result:
    job = jobs.get(job_id)
    if job is None or job.state != DONE or job.run is None or name not in DOWNLOADS:
        return _missing()
    if name == "roster.xlsx" and job.roster is None:
        return problem("没有名单", "这次检查没有上传单位名单，没有名单核对结果。", 404, back=f"/check/{job_id}")
    try:
        path = download(job, name)
    except UsageError as exc:
        return problem("无法生成下载文件", str(exc), 500, back=f"/check/{job_id}")
    return Download(DOWNLOADS[name], MEDIA[name], path=path)
