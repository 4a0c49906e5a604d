"""A check run as Chinese (or English) text: grouped by file, one line per finding, then the run's
summary and the roster. Counts and order come from the run (`batch.result.CheckRun`)."""

from __future__ import annotations

from pathlib import PurePath

from ..batch.result import CheckRun
from ..batch.roster import RosterResult
from ..check.result import FileResult
from ..textsafe import clean_text, display_path
from .finding_lines import finding_lines
from .imports import read_as

# Every line is passed through `clean_text` after it is put together: a unit name, value or file
# name may carry a line break, tab, ESC or bidi override (the reader decodes Excel's _x000A_), and
# printed raw it would forge a line of the report ("甲\n通过，错误 0 个") or drive the terminal.
# Our own words never hold control characters, so one pass over the whole line misses nothing.


def render(run: CheckRun, lang: str = "zh", quiet: bool = False) -> str:
    """The whole run: every file with its findings, the summary, then the roster (if any). `quiet`
    (`check -q`) leaves out the files that passed: only the others, with their findings, then the
    same summary and roster."""
    parts = [render_file(f, lang) for f in run.files if not (quiet and f.valid)]
    parts.append(render_summary(run, lang))
    roster = render_roster(run.roster, lang)
    if roster:
        parts.append(roster)
    return "\n".join(parts)


def render_file(report: FileResult, lang: str = "zh") -> str:
    who = " ".join(x for x in (report.unit, str(report.year) if report.year else None) if x)
    path = display_path(report.path)
    # a published report: what it is and the format it was read in, as `import` says it
    said = read_as(report.published, report.template.id if report.template else None,
                   [f.code for f in report.findings], lang)
    read = "" if said is None else (f"{said}；" if lang == "zh" else f"{said}; ")
    if lang == "zh":
        status = "通过" if report.valid else "未通过"
        head = f"{path}{f'（{who}）' if who else ''}：{read}{status}，错误 {report.count('error')} 个，警告 {report.count('warning')} 个，提示 {report.count('info')} 个"
    else:
        status = "valid" if report.valid else "invalid"
        head = (f"{path}{f' ({who})' if who else ''}: {read}{status}, {_n(report.count('error'), 'error')}, "
                f"{_n(report.count('warning'), 'warning')}, {report.count('info')} info")
    return "\n".join([clean_text(head), *finding_lines(report.findings, lang)])


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def render_summary(run: CheckRun, lang: str = "zh", top: int = 5) -> str:
    s = run.stats
    rules, codes = run.rule_counts[:top], run.code_counts[:top]
    if lang == "zh":
        lines = [f"共检查 {s.files} 个文件：通过 {s.valid} 个，有错误 {s.with_errors} 个，"
                 f"仅有警告 {s.warnings_only} 个，无法读取或不安全 {s.unreadable} 个。"]
        lines += _skipped_lines(run, lang)
        if rules:
            lines.append("最常不成立的规则：" + "，".join(f"{k}（{v} 次）" for k, v in rules))
        if codes:
            lines.append("最常见的问题：" + "，".join(f"{k}（{v} 次）" for k, v in codes))
    else:
        lines = [f"{_n(s.files, 'file')} checked: {s.valid} valid, {s.with_errors} with errors, "
                 f"{s.warnings_only} with warnings only, {s.unreadable} unreadable or unsafe."]
        lines += _skipped_lines(run, lang)
        if rules:
            lines.append("Rules failing most often: " + ", ".join(f"{k} ({v})" for k, v in rules))
        if codes:
            lines.append("Most common findings: " + ", ".join(f"{k} ({v})" for k, v in codes))
    return "\n".join(clean_text(line) for line in lines)


def _skipped_lines(run: CheckRun, lang: str) -> list[str]:
    """Files of the checked folders that were not checked (batch.paths): our outputs, other files."""
    ours, other, reports = run.skipped_outputs, run.skipped_other, run.skipped_reports

    def names(paths: tuple[str, ...]) -> str:  # named, so a return cannot hide behind our marker unseen
        return "、".join(display_path(PurePath(p).name) for p in paths[:5]) + ("等" if len(paths) > 5 else "")

    if lang == "zh":
        return ([f"已跳过本工具生成的文件 {len(ours)} 个（批注副本、汇总表、检查报告或汇总工作簿）：{names(ours)}。"] if ours else []) + (
            [f"已跳过不是工作簿或年度报告的文件 {len(other)} 个：{names(other)}。"] if other else []) + (
            [f"已跳过已发布的年度报告 {len(reports)} 个（不是填报工作簿，可用 check 检查）：{names(reports)}。"] if reports else [])
    return ([f"Skipped {_n(len(ours), 'file')} written by this tool (annotated copies, summaries, reports, roll-ups): "
             f"{names(ours)}."] if ours else []) + (
        [f"Skipped {_n(len(other), 'file')} {'that is' if len(other) == 1 else 'that are'} neither a workbook nor "
         f"an annual report: {names(other)}."] if other else []) + (
        [f"Skipped {_n(len(reports), 'published report')} (no workbook; `check` checks them): {names(reports)}."]
        if reports else [])


def render_roster(result: RosterResult, lang: str = "zh") -> str:
    """Missing, duplicated and unexpected units; empty when there is nothing to say."""
    return "\n".join(clean_text(line) for line in _roster_lines(result, lang))


def _roster_lines(result: RosterResult, lang: str) -> list[str]:
    lines: list[str] = []
    if result.expected:
        if lang == "zh":
            lines.append(f"名单核对：应报 {result.expected} 个单位，缺报 {len(result.missing)} 个。")
        else:
            lines.append(f"Roster: {result.expected} units expected, {len(result.missing)} missing.")
        if result.missing:
            lines.append(("缺报：" if lang == "zh" else "Missing: ") + "、".join(result.missing))
    for unit, path in result.unreadable:
        shown = display_path(path)
        lines.append(f"交回的文件无法读取：{unit}（{shown}）" if lang == "zh" else f"Sent a file that cannot be read: {unit} ({shown})")
    for unit, year, paths in result.duplicates:
        head = f"重复：{unit}（{year or '年度未填'}）有 {len(paths)} 个文件：" if lang == "zh" else f"Duplicate: {unit} ({year}) in {len(paths)} files: "
        lines.append(head + "；".join(display_path(p) for p in paths))
    for unit, path in result.unexpected:
        shown = display_path(path)
        lines.append(f"名单外：{unit}（{shown}）" if lang == "zh" else f"Not on the roster: {unit} ({shown})")
    return lines
