"""The public Python API: the only place that knows the order of the stages."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .batch.paths import ALL, REPORTS, WORKBOOKS, Walk, expand_paths, walk
from .build.prefill import check_given_formulas, prepare_inputs, read_data_file
from .build.writer import write_tables, write_workbook
from .check.extract import export_values, identify, input_formulas
from .errors import UsageError
from .outfile import OUTPUT_PROPERTY, OUTPUT_ROLLUP, describe_os_error, marker, write_atomic
from .template import registry
from .template.registry import Template
from .textsafe import display_path

if TYPE_CHECKING:  # the batch machinery (a process pool) is imported only by the commands that run it
    from .batch.aggregate import Rollup
    from .batch.inputs import Shown
    from .batch.result import CheckRun
    from .batch.roster import Roster
    from .batch.run import ProgressCallback
    from .batch.zipin import Scratch
    from .check.result import FileResult
    from .imports.model import ImportResult
    from .publish.result import PublishRun
    from .render.detail import DetailResult
    from .render.feedback import FeedbackPack
    from .store import Store


class UnreadableWorkbook(UsageError):
    """A workbook that cannot be exported (the checker reports such files as findings instead)."""


class OutputError(UsageError):
    """An output file that could not be written: `path` and `reason` (plain Chinese) apart, for a
    caller that names the kind of output itself."""

    def __init__(self, path: str | Path, reason: str):
        self.path, self.reason = Path(path), reason
        super().__init__(f"无法写出 {display_path(path)}：{reason}")


def list_templates() -> list[dict[str, str]]:
    """The built-in templates: id, version, title and path."""
    out = []
    for template_id, path in registry.builtin_template_paths().items():
        t = registry.resolve(str(path))
        out.append({"id": template_id, "version": t.spec.version, "title": t.spec.title.zh, "path": str(path)})
    return out


def build(template: str | None = None, data: Mapping[str, Any] | str | Path | None = None,
          password: str | None = None, strict: bool = True) -> bytes:
    """Build a workbook from a template (built-in id or YAML path), optionally pre-filled.

    `data` maps data point IDs to values, or names a .json/.yaml file of them. Every formula's
    cached value is computed from these inputs by our engine.
    """
    t = registry.resolve(template)
    given = read_data_file(data) if isinstance(data, (str, Path)) else dict(data or {})
    inputs = prepare_inputs(t.layout, given, strict=strict)
    values = t.recompute.compute(inputs)
    check_given_formulas(t.layout, given, values)
    return write_workbook(t.layout, values, password)


def build_file(output: str | Path, template: str | None = None, data: Mapping[str, Any] | str | Path | None = None,
               password: str | None = None) -> Path:
    """Build and write atomically to `output` (a temporary file in the same folder, then renamed)."""
    return write_atomic(Path(output), build(template, data, password))


def open_workbook(path: str | Path):  # type: ignore[no-untyped-def]
    """Preflight and read a workbook; raise `UnreadableWorkbook` with a Chinese reason."""
    from .check.workbook import load

    wb, problem = load(path)  # the checker's own preflight → read; any problem (links too) refuses
    if wb is None or problem is not None:
        raise UnreadableWorkbook(f"{path}：{problem.detail('zh') if problem else '无法读取'}")
    return wb


def export(path: str | Path, template: str | None = None) -> dict[str, Any]:
    """Every data point's value and cell, read from the file (inputs and formula cells alike); an input
    that holds a formula exports None and is listed in `input_formulas` with its formula."""
    wb = open_workbook(path)
    t: Template | None = registry.resolve(template) if template else None
    if t is None:
        ident = identify(wb)
        t = registry.find_by_id(ident.template_id) if ident.template_id else None
        if t is None:
            raise UnreadableWorkbook(f"{path}：不是由本工具的模板生成的工作簿（可用 --template 指定模板）")
    from .check.integrity import check_integrity

    moved = [f for f in check_integrity(t.layout, wb)[0] if f.code == "structure-changed"]
    if moved:
        raise UnreadableWorkbook(f"{path}：工作簿结构被改动，无法确定数据的位置，不能可靠导出（{moved[0].message()}）")
    return {
        "template": {"id": t.spec.id, "version": t.spec.version},
        "values": export_values(wb, t.layout),
        "cells": {dp: c.ref for dp, c in t.layout.by_id.items()},
        "input_formulas": input_formulas(wb, t.layout),
    }


# ---------------------------------------------------------------- checking

REPORT_SUFFIXES = (".xlsx", ".csv", ".html", ".json", ".txt")


def check(paths: Sequence[str | Path] | str | Path, template: str | None = None, prior: str | Path | None = None,
          roster: str | Path | None = None, select: Sequence[str] = (), ignore: Sequence[str] = (),
          jobs: int | None = None, progress: ProgressCallback | None = None,
          store: Store | str | Path | None = None, names: Mapping[str | Path, str] | None = None,
          refused: Sequence[tuple[str, str, Mapping[str, Any]]] = ()) -> CheckRun:
    """Check returned workbooks and published reports: files, folders (walked recursively) and globs.

    A published report (a web page, .docx, PDF or text naming the annual report; `imports.report`
    tells it by content) is read into the template it is written in and checked into the same
    `FileResult` (its `published` says the kind); everything below holds for it alike.

    Files are checked in parallel on `jobs` processes (default: every core); one bad file never stops
    the run, and results come back in the order of the expanded paths. `prior` is last year's
    workbook or folder (year-on-year rules); `roster` the units expected to report (.xlsx, or CSV/TSV in
    UTF-8, UTF-16 or GBK; never checked as a return itself); in folders, our own outputs and files
    that are no table are skipped and listed in `CheckRun.skipped`;
    `select`/`ignore` keep or drop finding codes (or code prefixes). `progress(done, total, result)` is
    called in this process as each file finishes. `store` (a `Store`, or the path of its file, made
    when missing) records every file as its result arrives, one transaction each, with every finding
    (`select`/`ignore` only choose what the run shows), and serves as last year's files when `prior`
    is None (`Store.prior_index`). Raises `UsageError` for a path that matches nothing, an unknown
    code, a roster that cannot be read, an invalid template or a store that cannot be used.

    A .zip (named, or in a folder) is expanded into a private temporary folder and its members checked
    as a folder's files (`batch.zipin`; a member or zip refused is a `zip-refused` finding), each shown
    as `<zip>/<member>`. `names` maps a real path to the name it is shown by (an upload kept under a
    private name). Every `FileResult.path` is the shown name (the store records it under it);
    `CheckRun.sources` maps it to the real file, and `CheckRun.release()` (or `with api.check(...) as
    run:`) removes the expanded members. `refused` lists inputs the caller refused before checking, as
    (shown name, reason, fields) with an `upload-refused` reason (too-large, too-many, empty): each is
    a result, first in the run.
    """
    from .batch.inputs import Shown
    from .batch.result import CheckRun
    from .batch.roster import Roster, reconcile
    from .batch.run import run_batch
    from .batch.zipin import Scratch

    select, ignore = known_codes(select, "--select"), known_codes(ignore, "--ignore")
    scratch = Scratch()  # where zips are expanded; the run owns it (CheckRun.release)
    try:
        found = _expand(paths, "没有找到要检查的工作簿或表格文件", ALL, scratch, names, bool(refused))
        expected = Roster.read(roster) if roster is not None else None
        # the roster itself is checked only when it is all there is (`check 名单.xlsx --roster 名单.xlsx`)
        without = _without_roster(found, roster)
        found = without if without.files else found
        shown = Shown(found, names, refused)
        with _recording(store, template, prior, progress, shown.real) as (prior_used, progress_used):
            checked = run_batch(found.files, template, prior_used, jobs, shown.progress(progress_used))
        results = shown.refusals + [shown.rename(r) for r in checked]
    except BaseException:
        scratch.release()
        raise
    return CheckRun(tuple(results), reconcile(expected, results), shown.skipped, shown.sources(),
                    scratch).select(select, ignore)


def open_store(path: str | Path, create: bool = True) -> Store:
    """The store of checked submissions at `path` (an SQLite file, made when missing with `create`).
    Raises `UsageError` in Chinese for a file that is no store, of a newer version, or that cannot be
    opened, written or locked."""
    from .store import Store

    return Store.open(path, create)


@contextmanager
def _store_at(store: Store | str | Path, create: bool = True) -> Iterator[Store]:
    """`store` itself (the caller's to close), or the store at a path, opened here and closed after."""
    if isinstance(store, (str, Path)):
        with open_store(store, create) as opened:
            yield opened
    else:
        yield store


@contextmanager
def _recording(store: Store | str | Path | None, template: str | None, prior: Any,
               progress: ProgressCallback | None,
               source: Callable[[str], str | Path] = lambda name: name) -> Iterator[tuple[Any, Any]]:
    """The prior and the progress callback a check runs with when it records into `store`: each result
    is recorded in this process as it arrives (its bytes read from `source(result.path)`, the real file
    of its shown name `result.path`), before the caller's progress sees it; last year's files are the store's when no
    `prior` is given. A store given by its path is opened here and closed after."""
    if store is None:
        yield prior, progress
        return
    with _store_at(store) as target:
        if prior is None:
            index = target.prior_index(registry.resolve(template).spec.id if template else None)
            prior = index if index.by_unit else None

        def arrived(done: int, total: int, result: FileResult) -> None:
            target.record(result, source(result.path), result.path)
            if progress is not None:
                progress(done, total, result)

        yield prior, arrived


def _expand(paths: Sequence[str | Path] | str | Path, none_found: str, wanted: str = ALL, unzip: Scratch | None = None,
            names: Mapping[str | Path, str] | None = None, none_ok: bool = False) -> Walk:
    """The files to work on and the skipped ones (`batch.paths.walk`: our own outputs and files
    that are no table are never checked; a file named on its own always is); with `unzip`, zips
    expanded into it. Nothing to work on is a `UsageError` unless `none_ok` or a zip was refused."""
    named = [paths] if isinstance(paths, (str, Path)) else list(paths)
    try:
        found = walk([str(p) for p in named], wanted, unzip, names)
    except FileNotFoundError as exc:
        raise UsageError(f"找不到文件或文件夹：{exc}") from None
    if not found.files and not found.refused and not none_ok:
        raise UsageError(none_found + (f"（已跳过本工具生成的文件和其他文件 {len(found.skipped)} 个）" if found.skipped else ""))
    return found


def _without_roster(found: Walk, roster: str | Path | None) -> Walk:
    """The walk without the roster file: a roster kept in the returns folder is the auditor's, not a return."""
    if roster is None:
        return found
    return replace(found, files=tuple(p for p in found.files if p.resolve() != Path(roster).resolve()))


def _workbooks_only(files: Sequence[Path], what: str) -> None:
    """`aggregate` and `publish` work on workbooks: a published report named on its own is refused in
    plain words (in a folder, one is skipped by the walk), with the way to a workbook."""
    from .imports.report import is_published

    for path in files:
        if is_published(path):
            raise UsageError(f"{display_path(path)} 是已发布的年度报告，不是填报工作簿，不能{what}：请先用 "
                             f"workbook-builder import --as xlsx 把它转成工作簿，核对、补全后再{what}")


def check_file(path: str | Path, template: str | None = None, prior: str | Path | None = None) -> FileResult:
    """Check one file in this process (a workbook or a published report, by content). The path is taken
    as it is (no folder walk, no glob), and a file that is missing or unreadable is a finding, as in a
    batch, not an error."""
    from .batch.run import run_batch

    return run_batch([path], template, prior, jobs=1)[0]


def known_codes(codes: Sequence[str] | str, option: str = "codes") -> tuple[str, ...]:
    """Finding codes or prefixes (a sequence, or comma-separated text); a misspelt one is a `UsageError`."""
    from .findings import CATALOGUE

    items = codes.split(",") if isinstance(codes, str) else list(codes)
    wanted = tuple(c.strip() for c in items if c.strip())
    unknown = [c for c in wanted if not any(k.startswith(c) for k in CATALOGUE)]
    if unknown:
        raise UsageError(f"{option}：未知的代码 {', '.join(unknown)}；可用的代码见 docs/findings.md：{', '.join(CATALOGUE)}")
    return wanted


def save_report(run: CheckRun, output: str | Path, lang: str = "zh", office: str | None = None) -> Path:
    """Write the run's report; the kind follows the suffix: .xlsx (summary, findings and roster
    sheets), .csv (the summary table), .html (the offline report, its header dated today and naming
    the issuing `office` when given), .json or .txt (as printed).

    Written atomically; never over one of the checked files. Raises `UsageError` for another suffix
    or a checked file as the output, and `OutputError` (a `UsageError`) for a file that cannot be
    written.
    """
    import datetime

    from .render import html as render_html
    from .render import json as render_json
    from .render import summary as render_summary
    from .render import text as render_text

    out = Path(output)
    suffix = out.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise UsageError(f"结果文件 {display_path(out)} 的扩展名应为 {'、'.join(REPORT_SUFFIXES)} 之一")
    if out.resolve() in {Path(run.source(f)).resolve() for f in run.files}:
        raise UsageError(f"输出文件 {display_path(out)} 是要检查的文件之一：检查从不改写交回的文件")
    if suffix == ".xlsx":
        content = write_tables(render_summary.sheets(run, lang))
    elif suffix == ".csv":
        content = render_summary.to_csv(run, lang).encode("utf-8-sig")  # BOM: Excel reads UTF-8
    elif suffix == ".html":
        content = render_html.render(run, lang, date=datetime.date.today(), office=office).encode("utf-8")
    elif suffix == ".json":
        content = render_json.render(run, lang).encode("utf-8")
    else:
        content = render_text.render(run, lang).encode("utf-8")
    try:
        return write_atomic(out, content)
    except OSError as exc:
        raise OutputError(out, describe_os_error(exc)) from None


def annotate(run: CheckRun, out_dir: str | Path, lang: str = "zh",
             progress: Callable[[int, int, FileResult], None] | None = None) -> list[Path]:
    """For each readable file of the run with findings, a copy in `out_dir` with its cells marked and
    commented (`<name>.批注.xlsx`); the checked files are never written. `progress(done, total, result)`
    is called after each copy (written or not), `total` the number of copies to make.

    Raises `UsageError` when `out_dir` cannot be created, and `batch.annotated.AnnotateFailed` (a
    `UsageError` listing the files, with the copies that were written) when some copies could not be."""
    from .batch.annotated import annotate_run

    return annotate_run(run, out_dir, lang, progress=progress)


def feedback(run: CheckRun, out_dir: str | Path, roster: str | Path | Roster | None = None, lang: str = "zh",
             progress: Callable[[int, int], None] | None = None, relative: bool = False) -> FeedbackPack:
    """A feedback pack in `out_dir` to mail back to the units: per unit a folder `<单位>/` with a
    反馈单 for each of its checked files (`<单位>-反馈单.txt`, UTF-8 with BOM and CRLF for Notepad: the
    verdict and every error and 提醒 with its cell, label, problem and fix) and, for a workbook with
    findings, its annotated copy (as `annotate` writes it, comments in `lang`); and `邮件合并.csv`,
    one row per checked file and per 缺报 unit with the contact (the `roster`'s contact columns,
    else the workbook's cover) and the absolute paths of the attachments.

    A file without a unit name goes under its file's name. Never writes over a checked file. Written again
    into the same `out_dir`, the folders of this run's units lose last time's 反馈单 and annotated copies
    (our untouched outputs only) first.
    `progress(done, total)` after each file. `relative`: the CSV gives the attachments' paths relative
    to `out_dir` (`甲镇/甲镇-反馈单.txt`), for a pack that is zipped and unpacked elsewhere (the desk's). Raises `UsageError` when `out_dir` cannot be created or
    the roster cannot be read, and `render.feedback.FeedbackFailed` (a `UsageError`, listing what is
    missing, with the pack as written) when some files could not be written: the others still are.
    """
    from .batch.roster import Roster
    from .render.feedback_pack import write_pack

    contacts = {} if roster is None else (roster if isinstance(roster, Roster) else Roster.read(roster)).contacts
    roster_path = Path(roster) if isinstance(roster, (str, Path)) else None
    return write_pack(run, Path(out_dir), contacts, roster_path, lang, progress, relative)


# ---------------------------------------------------------------- roster builds and roll-up


def build_for_roster(roster: str | Path, output: str | Path, template: str | None = None,
                     prior_dir: str | Path | None = None, year: int | None = None, password: str | None = None,
                     jobs: int | None = None, store: Store | str | Path | None = None,
                     progress: Callable[[int, int, Any], None] | None = None) -> list[dict[str, Any]]:
    """One workbook per unit of the roster, named after the unit, pre-filled with its name (and
    year), and with last year's carry-overs taken from that unit's checked workbook of last year.

    Without `year`, the year is the one after the latest prior workbook's, else the year being
    reported on today (the previous calendar year; from November the current one).

    `store` (a `Store` or its file) instead of `prior_dir`: the carry-overs come from each unit's
    current submission in the store, by the same rule (with `year`, of year − 1; else its latest).

    Returns one record per unit: unit, path, the prior workbook used (or None; from a store, the name
    it was recorded under), prior_store (from a store: `年报.sqlite#12`, the file and the submission's
    number; else None), prior_choice (the
    `prior-year-ambiguous` finding saying which and why, when last year's folder held several of the
    unit's workbooks of that year, else None), year (None when the
    template declares no `identity.year`), and year_from (`given`, `prior`, `last-year` or `this-year`).

    `progress(done, total, item)` is called as each of last year's files is read (`item` its
    `FileResult`), then as each workbook is written (`item` its record, a dict).
    """
    import datetime as dt

    from .batch.prior import Choice, latest_by_unit
    from .batch.roster import Roster
    from .batch.run import run_batch
    from .build.personalise import default_year, prefill_for
    from .outfile import Namer

    t = registry.resolve(template)
    if not t.spec.unit_field:
        raise UsageError(f"模板 {t.spec.id} 没有声明单位名称字段（identity.unit），不能按名单生成")
    units = Roster.read(roster)
    prior: dict[str, FileResult] = {}  # unit → its checked workbook of last year
    choices: dict[str, Choice] = {}  # where last year's folder held several of a unit's year
    if prior_dir is not None and store is not None:
        raise UsageError("上年的工作簿取自文件夹（--prior-dir）或数据文件（--store），只能给出其中一个")
    recorded: dict[tuple[str, str, int], str] = {}  # a store's submission (name, unit, year) → 年报.sqlite#12
    if store is not None:
        reports = _store_reports(store, t.spec.id, recorded)
    elif prior_dir is not None:
        reports = [r for r in run_batch(expand_paths([str(prior_dir)]), template, None, jobs, progress)
                   if r.template is not None and r.template.id == t.spec.id]
    if prior_dir is not None or store is not None:
        # with --year, only last year's workbook carries over; without, each unit's latest year; among
        # several of that year, the rule `check --prior` uses (batch.prior.choose)
        prior, choices = latest_by_unit(reports, t, year - 1 if year is not None else None)
    year_from = "given"
    if year is None:  # one year for every unit, never a silently blank one
        year, year_from = default_year((p.year for p in prior.values()), dt.date.today())
    out_dir = Path(output)
    records = []
    namer = Namer(suffix="_{n}", default="unit")  # 甲/乙 and 甲_乙 would share a file name
    for unit in units.units:
        found = prior.get(unit)
        data = prefill_for(t.layout, t.spec.unit_field, unit, year,
                           found.values if found else None, set(found.invalid_inputs) if found else set())
        path = build_file(out_dir / f"{namer.name(unit)}.xlsx", template, data, password)
        choice = choices.get(unit)
        records.append({"unit": unit, "path": str(path), "prior": found.path if found else None,
                        "prior_store": recorded.get((found.path, unit, found.year or 0)) if found else None,
                        "prior_choice": choice.finding(found.year) if choice and found and found.year else None,
                        "year": year if t.spec.year_field else None, "year_from": year_from})
        if progress is not None:
            progress(len(records), len(units.units), records[-1])
    return records


def _store_reports(store: Store | str | Path, template_id: str,
                   recorded: dict[tuple[str, str, int], str]) -> list[FileResult]:
    """The current submissions of a template in the store as checked files, and where each is kept
    (`recorded`: its shown name, unit and year → `年报.sqlite#12`)."""
    with _store_at(store, create=False) as target:
        subs = target.submissions(template_id=template_id, current_only=True)
        recorded.update(((s.name, s.unit or "", s.year or 0), f"{target.path.name}#{s.id}") for s in subs)
        return [s.as_result() for s in subs]


def aggregate(paths: Sequence[str | Path] | str | Path, output: str | Path, template: str | None = None,
              include_invalid: bool = False, data: Mapping[str, Any] | str | Path | None = None,
              jobs: int | None = None, progress: ProgressCallback | None = None, latest: bool = False,
              roster: str | Path | None = None, names: Mapping[str | Path, str] | None = None) -> Rollup:
    """Sum every input of the valid workbooks of one template (and year) into a new workbook.

    `paths` are files, folders, globs or zips (expanded into a private temporary folder removed
    after the run, their members shown as `交回.zip/甲镇.xlsx`; a refused member or zip is left out
    with its reason), as for `check`. Two workbooks of one unit and year are refused, unless
    `latest`: then the one with the latest 填报日期 (then the newer file; a zip member: its date in
    the zip) is summed and the other left out, saying which file replaced it. `roster` (as for
    `check`) lists its units that sent nothing as 缺报 (`Rollup.missing`). `names` maps a real path to
    the name it is shown by, as for `check` (a file kept under a private name).

    Raises `AggregateError` (a `UsageError`) for mixed templates or years, or duplicates without
    `latest`, and `UsageError` when nothing is found or `output` is one of the inputs. Returns the
    `Rollup` (included and excluded files, and the written roll-up checked like a return: `errors`,
    `check_note()`). The output records the included units in its document properties, lists every
    unit (计入 / 未计入 with the reason / 缺报) on its 汇总说明 sheet, and when it fails its own check,
    carries the line “汇总结果未通过勾稽检查：…” (`aggregate_check`). The cover's unit name and prose
    say “汇总（N个单位）” and 联系人/联系电话 stay blank unless `data` gives them.
    """
    import json

    from .batch.aggregate import CHECK_PROPERTY, AggregateError, file_time, fill_text_inputs, rollup, summary_sheet
    from .batch.inputs import Shown
    from .batch.roster import Roster, reconcile
    from .batch.run import run_batch
    from .batch.zipin import Scratch
    from .check.workbook import check_workbook

    scratch = Scratch()  # zips are expanded here, and removed whatever happens
    try:
        found = _expand(paths, "没有找到要汇总的工作簿", WORKBOOKS, scratch, names)
        _workbooks_only([p for p in found.files if p not in found.shown], "汇总")
        if Path(output).resolve() in {p.resolve() for p in found.files}:
            raise UsageError(f"输出文件 {output} 是要汇总的文件之一")
        if roster is not None and Path(output).resolve() == Path(roster).resolve():
            raise UsageError(f"输出文件 {display_path(output)} 是名单文件：汇总从不改写名单，请另给 -o 文件名")
        expected = Roster.read(roster) if roster is not None else None
        found = _without_roster(found, roster)
        shown = Shown(found, names)
        checked = shown.refusals + [shown.rename(r) for r in
                                    run_batch(found.files, template, None, jobs, shown.progress(progress))]
        ids = {r.template.id for r in checked if r.template}
        if template is None and len(ids) > 1:
            raise AggregateError(f"工作簿来自不同的模板（{'、'.join(sorted(ids))}），不能汇总在一起")
        t = registry.resolve(template or (ids.pop() if ids else None))
        result = rollup(t.layout, checked, include_invalid, latest,
                        lambda r: file_time(shown.real(r.path) or r.path))
    finally:
        scratch.release()
    if expected is not None:
        matched = reconcile(expected, checked)
        # a file that cannot be read has no unit name of its own: the roster's unit its file name matched
        # (as check lists it) names it in the output and on the 汇总说明 sheet, not a blank
        named = {path: unit for unit, path in matched.unreadable}
        excluded = tuple((replace(r, unit=named[r.path]) if not r.unit and r.path in named else r, why)
                         for r, why in result.excluded)
        result = replace(result, missing=matched.missing, excluded=excluded)
    given = read_data_file(data) if isinstance(data, (str, Path)) else dict(data or {})
    units = [r.unit or Path(r.path).name for r in result.included]
    values = dict(result.values)
    fill_text_inputs(t.layout, values, given, units)
    inputs = prepare_inputs(t.layout, values)
    computed = t.recompute.compute(inputs)
    extra = {"aggregate_units": json.dumps(units, ensure_ascii=False), "aggregate_count": str(len(units)),
             OUTPUT_PROPERTY: OUTPUT_ROLLUP}  # ours: a roll-up in the returns folder is never checked as a return
    sheets = [summary_sheet(t.layout, result, result.missing)]
    # with the digest of its sheets: a roll-up someone typed their own figures into is a return again
    extra[OUTPUT_PROPERTY] = marker(OUTPUT_ROLLUP, write_workbook(t.layout, computed, None, extra, sheets))
    write_atomic(Path(output), write_workbook(t.layout, computed, None, extra, sheets))
    # the roll-up checked like a return: with --include-invalid one unit's imbalance is the sum's
    result = replace(result, check=check_workbook(output, t))
    note = result.check_note()
    if note is not None:  # said in the workbook too; the property does not change what the checker reads
        extra[CHECK_PROPERTY] = note
        write_atomic(Path(output), write_workbook(t.layout, computed, None, extra, sheets))
    return result


# ---------------------------------------------------------------- publishing the report document


def publish(paths: Sequence[str | Path] | str | Path, output: str | Path, formats: Sequence[str] | str | None = None,
            draft: bool = False, template: str | None = None, jobs: int | None = None,
            progress: ProgressCallback | None = None, lang: str = "zh",
            prior: str | Path | None = None) -> PublishRun:
    """Publish the annual report document of each returned workbook (or roll-up): files, folders and globs.

    Each file is checked exactly as `check` does, and its document is built from the checker's
    trusted values; a file with errors gets no document unless `draft` (then every page header says
    “草稿（未通过检查）”). Every document is read back before it is written: any difference is a
    `publish-roundtrip-mismatch` finding and no document. `output` is a folder (one document set
    per workbook, named after its title “{单位}{年度}年政府信息公开工作年度报告”, a repeated title
    numbered （2）, （3）…) or, for one workbook, a .docx/.html/.pdf file. `formats` (docx, html,
    fragment, pdf; a sequence or comma-separated) default to the file's suffix (which is always
    written: `y.html` with `formats="docx"` writes y.html and y.docx), or docx for a folder.
    `progress(done, total, result)` is called as each file is done. `lang` (zh, en) is the language
    of `PublishRun.summary()`. `prior` is last year's workbook, or a folder of them, as for `check`:
    the cross-year rules (上年结转 = last year's 结转) are errors like any other.

    Returns a `PublishRun`: `check` (the `CheckRun`, each file's publish findings among its findings)
    and one `Published` per file. Raises `UsageError` for paths that match nothing, an `output` that
    does not fit (a file for several workbooks), an unknown format, and `PdfUnavailable` (a
    `UsageError`) when pdf is asked for and LibreOffice is not installed.
    """
    from .batch.inputs import Shown
    from .batch.zipin import Scratch, is_zip_name
    from .publish.outputs import plan
    from .publish.pdf import check_fonts, find_soffice
    from .publish.run import publish_files

    if lang not in ("zh", "en"):
        raise UsageError(f"lang：应为 zh 或 en，而不是 {lang}")
    named = [paths] if isinstance(paths, (str, Path)) else list(paths)
    scratch = Scratch()  # zips are expanded here (their members published as a folder's files), removed after
    try:
        found = _expand(named, "没有找到要生成报告的工作簿", WORKBOOKS, scratch)
        _workbooks_only([p for p in found.files if p not in found.shown], "生成报告")
        many = len(found.files) + len(found.refused) > 1 or any(
            Path(p).is_dir() or is_zip_name(p) or any(ch in str(p) for ch in "*?[") for p in named)
        target = plan(output, formats, many)
        if "pdf" in target.formats:
            find_soffice()  # before any work: without LibreOffice (or a Chinese font) the run could not finish
            check_fonts()
        shown = Shown(found)
        run = publish_files(found.files, target, draft, template, jobs, shown.progress(progress), shown.skipped,
                            lang, prior)
    finally:
        scratch.release()
    return _shown_publish(run, shown)


def _shown_publish(run: PublishRun, shown: Shown) -> PublishRun:
    """A publish run under the names its files are shown by (`交回.zip/甲镇.xlsx`), with the zip's
    refused members first, each a file that got no document (its `zip-refused` finding says why)."""
    from .publish.result import REFUSED, Published

    if not shown.refusals and not any(shown.of.get(p.path, p.path) != p.path for p in run.files):
        return run

    def name(path: str) -> str:
        return str(shown.of.get(path, path))

    files = tuple(shown.refusals) + tuple(shown.rename(r) for r in run.check.files)
    # never read, so --draft cannot help it (the plain REFUSED line would offer it)
    why = "压缩包中的这个文件未解压、未检查（见上），不能生成报告"
    entries = tuple(Published(r.path, None, None, REFUSED, reason=why) for r in shown.refusals) + tuple(
        replace(p, path=name(p.path), same_title_as=name(p.same_title_as) if p.same_title_as else None)
        for p in run.files)
    return replace(run, check=replace(run.check, files=files), files=entries)


# ---------------------------------------------------------------- the detail table (明细表)

DETAIL_SUFFIXES = (".xlsx", ".csv")
# on paper: 70 % still reads (about 9-point text) and puts some 25 figures on an A4 landscape page;
# 单位, 年度 and 状态 repeat at the left of every page, 错误数/警告数/文件 only on the first
DETAIL_PRINT_SCALE, DETAIL_PRINT_COLS = 70, 3


def export_detail(paths: Sequence[str | Path] | str | Path, output: str | Path, template: str | None = None,
                  jobs: int | None = None, progress: ProgressCallback | None = None) -> DetailResult:
    """The detail table (明细表) of files, folders, globs and zips taken as `check` takes them: one row
    per file (单位, 年度, 状态 通过/未通过/无法读取, 错误数, 警告数, 文件 as `check` shows it), then one
    column per data point under the template's labels in two header rows (`render.detail`).

    Every file is checked first (`check`, on `jobs` processes, `progress(done, total, result)` as each
    is done), and only trusted values are shown: an invalid input and every total computed from it are
    left blank (pink in the .xlsx) and what was typed is listed in the last column. `output` ends in
    .xlsx (frozen headers and lead columns, autofilter, A4 landscape with both header rows and the
    unit columns on every page) or .csv (UTF-8 with BOM, both header rows). Files of different
    templates are refused unless `template` names one. Raises `UsageError` for another suffix, an
    output that is one of the inputs or paths that match nothing, and `OutputError` when the output
    cannot be written; returns a `DetailResult` (the run in it already released).
    """

    out = Path(output)
    if out.suffix.lower() not in DETAIL_SUFFIXES:
        raise UsageError(f"明细表 {display_path(out)} 的扩展名应为 .xlsx 或 .csv")
    named = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if out.exists() and any(Path(p).exists() and out.resolve() == Path(p).resolve() for p in named):
        raise UsageError(f"输出文件 {display_path(out)} 是要导出的文件之一：导出从不改写交回的文件")
    with check(named, template=template, jobs=jobs, progress=progress) as run:
        return save_detail(run, out, template)


def save_detail(run: CheckRun, output: str | Path, template: str | None = None) -> DetailResult:
    """The detail table (明细表) of a run already checked (`export_detail` says what it holds): one row
    per file of `run`, written to `output` (.xlsx or .csv). Raises `UsageError` for another suffix,
    an output that is one of the checked files, or files of different templates when `template` does
    not name one, and `OutputError` when the output cannot be written."""
    from .render import detail as render_detail

    out = Path(output)
    if out.suffix.lower() not in DETAIL_SUFFIXES:
        raise UsageError(f"明细表 {display_path(out)} 的扩展名应为 .xlsx 或 .csv")
    if out.resolve() in {Path(run.source(f)).resolve() for f in run.files}:
        raise UsageError(f"输出文件 {display_path(out)} 是要导出的文件之一：导出从不改写交回的文件")
    ids = {r.template.id for r in run.files if r.template}
    if template is None and len(ids) > 1:
        named_ids = "、".join(_template_name(i) for i in sorted(ids))
        raise UsageError(f"这些文件来自不同的模板（{named_ids}），不能放进同一张明细表："
                         "请按模板分开导出，或用 -t 指定模板")
    t = registry.resolve(template or (ids.pop() if ids else None))
    table = render_detail.table(t.layout, run.files)
    if out.suffix.lower() == ".csv":
        content = render_detail.to_csv(table).encode("utf-8-sig")  # BOM: Excel reads UTF-8
    else:
        from .build.tables import TableSheet

        content = write_tables([TableSheet("明细表", table.headers, table.rows, frozen_cols=table.lead,
                                           flagged=table.flagged, print_scale=DETAIL_PRINT_SCALE,
                                           print_cols=DETAIL_PRINT_COLS, max_lines=2, max_width=30,
                                           whole_cols=(len(table.headers[0]) - 1,))], title="明细表")
    try:
        written = write_atomic(out, content)
    except OSError as exc:
        raise OutputError(out, describe_os_error(exc)) from None
    return render_detail.DetailResult(written, len(table.rows), table.counts(), run)


def _template_name(template_id: str) -> str:
    """`2019年格式（gov_info_disclosure_2019）`: the format as people know it, and the ID -t takes."""
    t = registry.find_by_id(template_id)
    name = t.spec.document.name if t is not None and t.spec.document is not None else ""
    return f"{name}（{template_id}）" if name else template_id


# ---------------------------------------------------------------- importing published reports


def import_report(path: str | Path, template: str | None = None, unit: str | None = None,
                  year: int | None = None) -> ImportResult:
    """Read one published annual report (text, HTML, .docx, PDF with the `[pdf]` extra) into the data
    points of the template it is written in: every table data point's value (None when not read as a
    number for certain), its status (value, blank, slash, ambiguous, missing), the source text and
    where it was found, and the findings. `template` (a built-in id or a YAML path) reads it against
    that template only; default: every built-in template with a `document:` section (the 2021 and
    2019 formats), and the result says which. `unit`/`year` replace what the title says. A file that
    cannot be read is a finding, never an exception."""
    from .imports.report import import_report as run

    return run(path, registry.resolve(template) if template else None, unit, year)


def import_reports(paths: Sequence[str | Path] | str | Path, template: str | None = None, unit: str | None = None,
                   year: int | None = None, jobs: int | None = None,
                   progress: Callable[[int, int, ImportResult], None] | None = None) -> list[ImportResult]:
    """`import_report` for files, folders (walked recursively: the published reports among their files,
    told by content) and globs, on `jobs` processes (default: every core), in the order of the
    expanded paths. `progress(done, total, result)` is called as each file is done. Raises
    `UsageError` for a path that matches nothing or an invalid template."""
    from .batch.inputs import Shown
    from .batch.run import import_batch
    from .batch.zipin import Scratch
    from .findings import Code, make
    from .imports.model import ImportResult

    scratch = Scratch()  # zips: their members read as a folder's files, the folder removed after
    try:
        found = _expand(paths, NO_REPORTS, REPORTS, scratch)
        shown = Shown(found)
        refused = [ImportResult(name, None, None, (make(Code.ZIP_REFUSED, reason, **fields),))
                   for name, reason, fields in found.refused]

        def told(done: int, total: int, result: ImportResult) -> None:
            if progress is not None:
                progress(done + len(refused), total + len(refused), replace(result, path=shown.of.get(result.path,
                                                                                                   result.path)))

        for i, result in enumerate(refused, 1):
            if progress is not None:
                progress(i, len(refused) + len(found.files), result)
        results = import_batch(list(found.files), template, unit, year, jobs, told)
    finally:
        scratch.release()
    return refused + [replace(r, path=shown.of.get(r.path, r.path)) for r in results]


NO_REPORTS = "没有找到已发布的年度报告（文本、网页、Word 或 PDF）"


def find_reports(paths: Sequence[str | Path] | str | Path) -> Walk:
    """The files `import_reports` reads: files named (always), and the published reports among the
    files of folders and globs (told by content); `skipped` lists the rest of those (workbooks, notes,
    our own outputs). A zip's members (named, or a zip in a folder) are listed by the names they are
    shown by (`交回.zip/甲县.pdf`: no file on disk; `import_reports` expands the zip again while it
    reads them), its refused members in `refused`. Raises `UsageError` for a path that matches
    nothing, or when no report is found."""
    from .batch.zipin import Scratch

    scratch = Scratch()
    try:
        found = _expand(paths, NO_REPORTS, REPORTS, scratch)
    finally:
        scratch.release()
    if not found.shown:
        return found
    return Walk(tuple(Path(found.shown.get(p, str(p))) for p in found.files),
                tuple((Path(found.shown.get(p, str(p))), why) for p, why in found.skipped), refused=found.refused)


def import_to_workbook(result: ImportResult, output: str | Path, template: str | None = None) -> Path:
    """Write a workbook of the template `result` was read with, filled with what the report gave for
    certain: the unit, the year, the prose sections and every input read as a value. Inputs not read
    as a value (blank, "/", ambiguous, missing) stay empty for staff to fill; formula cells are never
    given (the workbook computes them). `output` is the .xlsx file, or a folder: then the workbook is
    named after the report's title (`outfile.safe_name`). `template` is the YAML path when the report
    was read with a template that is not built in. Raises `UsageError` when the report was not read
    at all, and `OutputError` when the workbook cannot be written."""
    if result.template is None:
        raise UsageError(f"{display_path(result.path)} 没有读出年度报告的统计表，不能生成工作簿")
    t = registry.resolve(template or result.template.id)
    data = _workbook_data(t, result)
    out = Path(output)
    if out.suffix.lower() != ".xlsx":
        out = out / f"{report_stem(result, t)}.xlsx"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return build_file(out, template or result.template.id, data)
    except OSError as exc:
        raise OutputError(out, describe_os_error(exc)) from None


def report_stem(result: ImportResult, t: Template | None = None, namer: Any = None) -> str:
    """The file stem of a workbook made from a published report: its title as `publish` names its
    documents (“{单位}{年度}年政府信息公开工作年度报告”), else the report's own file name; with a
    `Namer`, unique within a run."""
    from .outfile import Namer
    from .publish.model import title

    t = t or (registry.find_by_id(result.template.id) if result.template else None)
    wanted = ""
    if t is not None and t.spec.document is not None and result.unit and result.year:
        wanted = "".join(title(t.spec.document, result.unit, result.year))
    namer = namer or Namer(suffix="（{n}）", default="报告")
    return str(namer.name(wanted, Path(result.path).stem, key=result.path))


def _workbook_data(t: Template, result: ImportResult) -> dict[str, Any]:
    """Unit, year, prose and every input read as a value; one an input would refuse is left out."""
    from .build.prefill import DataError

    spec, layout = t.spec, t.layout
    given: dict[str, Any] = {dp: cell.value for dp, cell in result.cells.items()
                             if cell.status == "value" and dp in layout.by_id and layout.by_id[dp].kind == "input"}
    given.update((dp, text) for dp, text in result.prose.items() if dp in layout.by_id and text.strip())
    if spec.unit_field and result.unit:
        given[spec.unit_field] = result.unit
    if spec.year_field and result.year:
        given[spec.year_field] = result.year
    kept: dict[str, Any] = {}
    for dp, value in given.items():
        try:
            prepare_inputs(layout, {dp: value})
        except DataError:
            continue  # staff type it into the workbook, where the validation tells them what fits
        kept[dp] = value
    return kept


# ---------------------------------------------------------------- small views for the desk (a web page)


def default_template() -> str:
    """The id of the template used when none is named (the one the desk's forms preselect)."""
    return registry.DEFAULT_TEMPLATE


def default_year() -> int:
    """The year being reported on today, as `build_for_roster` takes it without a year or last year's
    workbooks: the previous calendar year, from November the current one."""
    import datetime as dt

    from .build.personalise import default_year as year_for

    return year_for((), dt.date.today())[0]


def datapoint_labels(template: str | None = None) -> list[dict[str, Any]]:
    """Every data point of a template in the order of its sheets: id, official label path (as a finding
    names it), kind (input · formula · check …), cell, an input's type (whole · date · text …, else
    ""), and identity (True for the inputs naming the unit and the report year: who and when, no
    figure); the desk compares a unit's years with it."""
    t = registry.resolve(template)
    who = {t.spec.unit_field, t.spec.year_field} - {""}
    out: list[dict[str, Any]] = []
    for sheet in t.layout.sheets:
        for cell in sheet.cells:
            if cell.datapoint:
                out.append({"id": cell.datapoint, "label": cell.label or cell.text, "kind": cell.kind,
                            "cell": cell.ref, "type": cell.input.type if cell.input else "",
                            "identity": cell.datapoint in who})
    return out


def is_unreadable(result: FileResult) -> bool:
    """The file could not be read at all (refused, broken, or a report nothing could be read from)."""
    from .batch.result import is_unreadable as unreadable

    return unreadable(result)


def verdict(result: FileResult) -> str:
    """通过, 未通过 or 无法读取: what a file's check came to, as every output words it."""
    from .batch.result import verdict as came_to

    return came_to(result)


def save_roster(run: CheckRun, output: str | Path) -> Path:
    """The run's roster reconciliation (缺报 / 重复 / 名单外 / 无法读取) alone, as a one-sheet .xlsx."""
    from .render import summary as render_summary

    sheet = next(s for s in render_summary.sheets(run) if s[0] == "缺报与重复")
    try:
        return write_atomic(Path(output), write_tables([sheet]))
    except OSError as exc:
        raise OutputError(output, describe_os_error(exc)) from None
