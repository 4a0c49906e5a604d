"""下发 (personalised workbooks for a roster), 汇总 (the roll-up of a year's accepted returns) and 发布
(their report documents): framework-free handlers over the API and the store."""

from __future__ import annotations

import secrets
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .. import api
from ..errors import UsageError
from ..textsafe import clean_text, shown_name
from .check_page import (
    Upload,
    bad_roster,
    known_template,
    roster_suffix,
    save_roster,
    save_upload,
    templates,
    unknown_template,
)
from .jobs import as_uploaded
from .results import XLSX, ZIP, Download, Page, Result, problem
from .stored import accepted, pick_year, whole_number
from .units_page import make_current, unit_page, units_page, when

__all__ = ["IssueForm", "issue_form", "issue_post", "make_current", "publish_page", "publish_post", "rollup_page",
           "rollup_post", "unit_page", "units_page"]

@dataclass(frozen=True)
class IssueForm:
    template: str
    year: str
    roster: Upload | None
    prior: list[Upload] = field(default_factory=list)
    from_store: bool = False


def _scratch(workdir: Path, kind: str) -> Path:
    """A private folder for one request's files (uploads under our own names, outputs)."""
    folder = workdir / kind / secrets.token_urlsafe(9)
    folder.mkdir(parents=True)
    return folder


def _zip_folder(folder: Path, target: Path, suffixes: tuple[str, ...]) -> int:
    """Zip the files of `folder` (their names are ours: made from unit names by the library)."""
    count = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name.lower().endswith(suffixes):
                zf.write(path, path.relative_to(folder).as_posix())
                count += 1
    return count


def issue_form(store: bool) -> Page:
    return Page("issue.j2", {"templates": templates(), "year": api.default_year(), "store": store})


def issue_post(form: IssueForm, workdir: Path, store: Path | None, jobs: int | None) -> Result:
    """One personalised workbook per unit of the roster, zipped."""
    back = "/issue"
    if not known_template(form.template):
        return unknown_template(back)
    if form.roster is None:
        return problem("缺少单位名单", "请上传单位名单（.xlsx 或 .csv，每行一个单位）。", back=back)
    if not roster_suffix(form.roster):
        return bad_roster(back)
    year: int | None = None
    if form.year.strip():
        year = whole_number(form.year, 9999)
        if year is None or not 2000 <= year <= 2100:
            return problem("年度不对", "年度请填四位数字，例如 2024。", back=back)
    folder = _scratch(workdir, "issue")
    roster = save_roster(form.roster, folder)
    prior_dir = None
    if form.prior:
        prior_dir = folder / "prior"
        prior_dir.mkdir()
        for i, up in enumerate(form.prior, start=1):
            ext = PurePosixPath(up.name.replace("\\", "/")).suffix.lower()
            save_upload(up, prior_dir / f"{i:04d}{ext if ext in ('.xlsx', '.xlsm', '.zip') else '.bin'}")
    out = folder / "out"
    try:
        records = api.build_for_roster(roster, out, template=form.template or None, prior_dir=prior_dir, year=year,
                                       jobs=jobs, store=store if form.from_store else None)
    except UsageError as exc:
        return problem("没有生成工作簿", as_uploaded(str(exc), roster, shown_name(form.roster.name)), back=back)
    target = folder / "下发工作簿.zip"
    _zip_folder(out, target, (".xlsx",))
    if not records:
        return problem("没有生成工作簿", "名单里没有单位。", back=back)
    return Download("下发工作簿.zip", ZIP, path=target)


# ---------------------------------------------------------------- 汇总 and 发布: a year's accepted returns


def _year_view(store_path: Path | None, year_text: str, template: str, page: str, back: str) -> Page | dict[str, Any]:
    """The store's years, the chosen one, and its current submissions: those accepted (as rows to show,
    and the submissions themselves) and those left out, with why."""
    if not known_template(template):
        return unknown_template(back)
    if store_path is None:
        return problem("没有打开数据库", "工作台启动时没有数据库，汇总和发布需要检查过的工作簿记录。", 200, back="/check")
    with api.open_store(store_path) as store:  # closed after the request (a connection per thread)
        years = store.years()
        year = pick_year(years, year_text)
        subs = store.submissions(year=year, current_only=True) if year is not None else []
    chosen = [s for s in subs if not template or s.template_id == template]
    ok, left_out = accepted(chosen)

    def row(s: Any) -> dict[str, str]:
        return {"unit": clean_text(s.unit or ""), "name": clean_text(s.name), "received": when(s.received_at)}

    return {"years": years, "year": year, "template": template, "included": [row(s) for s in ok],
            "left_out": [(row(s), why) for s, why in left_out], "accepted": ok, "page": page,
            "templates": templates()}


def _accepted_files(store_path: Path | None, workdir: Path, year: str, template: str, page: str,
                    nothing: tuple[str, str]) -> Page | tuple[dict[str, Any], Path, list[Path]]:
    """For 汇总 and 发布: the year's view, a private folder, and the accepted current submissions' bytes
    written into its in/ under private names (the store keeps each file once per hash); a page saying
    why not (no store, an unknown template, `nothing` accepted: its title and its text, where `{year}`
    is the year shown)."""
    back = f"/{page}"
    view = _year_view(store_path, year, template, page, back)
    if isinstance(view, Page):
        return view
    assert store_path is not None
    subs = view["accepted"]
    if not subs:
        return problem(nothing[0], nothing[1].format(year=view["year"] or ""), back=back)
    folder = _scratch(workdir, page)
    (folder / "in").mkdir()
    paths = []
    with api.open_store(store_path) as store:  # closed after the request (a connection per thread)
        for i, s in enumerate(subs, start=1):
            path = folder / "in" / f"{i:04d}.xlsx"
            path.write_bytes(store.file_bytes(s.sha256))
            paths.append(path)
    return view, folder, paths


def rollup_page(store: Path | None, year: str, template: str) -> Result:
    view = _year_view(store, year, template, "rollup", "/rollup")
    return view if isinstance(view, Page) else Page("rollup.j2", view)


def rollup_post(store: Path | None, workdir: Path, year: str, template: str, jobs: int | None) -> Result:
    found = _accepted_files(store, workdir, year, template, "rollup", (
        "没有可以汇总的工作簿", "{year}年度还没有通过检查的工作簿。请先在“检查”页检查各单位交回的工作簿。"))
    if isinstance(found, Page):
        return found
    view, folder, paths = found
    target = folder / "汇总.xlsx"
    # the 汇总说明 sheet names each file as it was sent, not by its private copy's name
    names: dict[str | Path, str] = {path: s.name for path, s in zip(paths, view["accepted"], strict=True)}
    try:
        api.aggregate(paths, target, template=template or None, jobs=jobs, names=names)
    except UsageError as exc:
        return problem("没有汇总", str(exc), back="/rollup")
    return Download(f"{view['year']}年度汇总.xlsx", XLSX, path=target)


def pdf_available() -> bool:
    """LibreOffice turns the Word document into PDF; without it there is no PDF (said on the page)."""
    return any(shutil.which(name) for name in ("soffice", "libreoffice"))


def publish_page(store: Path | None, year: str, template: str) -> Result:
    view = _year_view(store, year, template, "publish", "/publish")
    if isinstance(view, Page):
        return view
    return Page("publish.j2", {**view, "pdf": pdf_available()})


def publish_post(store: Path | None, workdir: Path, year: str, template: str, pdf: bool, jobs: int | None) -> Result:
    found = _accepted_files(store, workdir, year, template, "publish",
                            ("没有可以发布的工作簿", "这一年度还没有通过检查的工作簿。"))
    if isinstance(found, Page):
        return found
    view, folder, paths = found
    formats = "docx,html" + (",pdf" if pdf and pdf_available() else "")
    out = folder / "out"
    try:
        run = api.publish(paths, out, formats=formats, template=template or None, jobs=jobs)
    except UsageError as exc:
        return problem("没有生成年度报告", str(exc), back="/publish")
    target = folder / "年度报告.zip"
    if not _zip_folder(out, target, (".docx", ".html", ".pdf")):
        lines = "；".join(clean_text(line) for line in run.summary("zh"))
        return problem("没有生成年度报告", lines or "没有文档写出。", back="/publish")
    return Download(f"{view['year']}年度报告.zip", ZIP, path=target)
