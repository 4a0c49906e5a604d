"""Roll-up (汇总): sum the inputs of many units' workbooks into one workbook of the same template.

How each input rolls up is declared in the template (`aggregate:` on an input type): numbers are
summed, `same` values (the year) must agree, `latest` takes the latest (the date), and `none`
inputs (names, contacts, prose) come from the caller. Only values the checker accepted are summed.

With `--include-invalid` a unit whose figures do not balance unbalances the sum: the written roll-up
is checked like a return (`Rollup.check`), and when it fails, the command says so and the roll-up
carries the line “汇总结果未通过勾稽检查：…” in its document properties (`aggregate_check`).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..check.result import FileResult
from ..errors import UsageError
from ..findings import CATALOGUE, Finding, show
from ..outfile import ROLLUP_SHEET
from ..template.inputs import date_to_serial, serial_to_date
from ..template.layout import Layout
from ..textsafe import clean_text, display_path, fit_cell
from .roster import reconcile

CHECK_FAILED = "汇总结果未通过勾稽检查"
CHECK_PROPERTY = "aggregate_check"  # the roll-up's document property that carries check_note()


class AggregateError(UsageError, ValueError):
    """The files cannot be rolled up together; the message says why, in Chinese."""


@dataclass(frozen=True)
class Rollup:
    values: dict[str, Any]  # input values of the roll-up workbook
    included: tuple[FileResult, ...]
    excluded: tuple[tuple[FileResult, str], ...]  # (report, reason in Chinese)
    check: FileResult | None = None  # the written roll-up, checked like a return (api.aggregate)
    missing: tuple[str, ...] = ()  # the roster's units that sent no workbook (aggregate --roster)
    superseded: tuple[str, ...] = ()  # paths among `excluded` left out for a newer file of the unit (--latest)

    @property
    def complete(self) -> bool:
        """Every file summed but those replaced by a newer one, and no roster unit missing."""
        return len(self.excluded) == len(self.superseded) and not self.missing

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The roll-up's own errors: with --include-invalid, a unit's unbalanced figures unbalance the sum."""
        return tuple(f for f in self.check.findings if f.severity == "error") if self.check else ()

    def check_note(self) -> str | None:
        """“汇总结果未通过勾稽检查：T3-A（2 处）…” when the roll-up fails its own check, else None.
        Short enough for a document property (Excel keeps 255 characters)."""
        if not self.errors:
            return None
        counts = Counter(f.rule or CATALOGUE[f.code].zh for f in self.errors)
        parts = [f"{what}（{n} 处）" for what, n in counts.most_common()]
        note = f"{CHECK_FAILED}：{'、'.join(parts)}"
        return note if len(note) <= 250 else note[:249] + "…"


def rollup(layout: Layout, checked: Sequence[FileResult], include_invalid: bool = False, latest: bool = False,
           modified: Callable[[FileResult], float] | None = None) -> Rollup:
    """Sum the inputs of every usable workbook; refuse mixed templates or `same` values that differ.

    Two workbooks of one unit and year are refused (the sum would count the unit twice) unless
    `latest`: then the newer is kept (`keep_latest`: by 填报日期, then `modified`, the file's time)
    and the other is left out, saying which file replaced it."""
    spec = layout.spec
    readable: list[FileResult] = []
    excluded: list[tuple[FileResult, str]] = []
    for report in checked:
        other = next((f for f in report.findings if f.code in ("unknown-template", "template-version-mismatch")), None)
        if report.claimed_template and report.claimed_template != spec.id:
            raise AggregateError(f"{report.path} 是模板“{report.claimed_template}”的工作簿，不能与模板“{spec.id}”的工作簿汇总在一起")
        if other is not None and report.claimed_template:
            raise AggregateError(f"{report.path}：{other.message()} 不同模板或版本的工作簿不能汇总在一起")
        if report.template is None or not report.values:
            refused = next((f for f in report.findings if f.code == "zip-refused"), None)
            excluded.append((report, f"未解压：{refused.message()}" if refused else "无法读取或不是本模板的工作簿"))
            continue
        if (report.template.id, report.template.version) != (spec.id, spec.version):
            raise AggregateError(
                f"模板不一致：{report.path} 是 {report.template.id} {report.template.version}，"
                f"汇总模板是 {spec.id} {spec.version}。请分别汇总不同模板的工作簿")
        readable.append(report)
    superseded: list[FileResult] = []
    if latest:
        readable, replaced = keep_latest(layout, readable, modified or (lambda r: file_time(r.path)))
        excluded += replaced
        superseded = [r for r, _ in replaced]
    included: list[FileResult] = []
    for report in readable:
        if not report.valid and not include_invalid:
            first = report.first_error()
            excluded.append((report, f"有错误（{first.message() if first else ''}）{INCLUDE_HINT}"))
            continue
        included.append(report)
    order = {id(r): k for k, r in enumerate(checked)}
    excluded.sort(key=lambda pair: order[id(pair[0])])
    if not included:
        why = "；".join(f"{display_path(r.path)}：{reason}" for r, reason in excluded[:5])
        raise AggregateError("没有可以汇总的工作簿" + (f"（{why}{'…' if len(excluded) > 5 else ''}）" if why else ""))
    twice = reconcile(None, included).duplicates
    if twice:
        lines = "；".join(f"{u}（{y or '年度未填'}）：{'、'.join(ps)}" for u, y, ps in twice)
        raise AggregateError(f"同一单位同一年度有多个工作簿，汇总会重复计算，请先去掉多余的文件，"
                             f"或加 --latest 只计入每个单位最新的一个：{lines}")
    return Rollup(_rolled_values(layout, included), tuple(included), tuple(excluded),
                  superseded=tuple(r.path for r in superseded))


def _rolled_values(layout: Layout, included: Sequence[FileResult]) -> dict[str, Any]:
    """Each input of the roll-up by its template's rule: sum, same, latest (`none`: the caller's)."""
    values: dict[str, Any] = {}
    for cell in layout.inputs:
        spec_in = cell.input
        assert spec_in is not None
        usable = [r.values.get(cell.datapoint) for r in included if cell.datapoint not in r.invalid_inputs]
        usable = [v for v in usable if v is not None and v != ""]
        mode = spec_in.rollup
        if mode == "sum":
            numbers = [float(v) for v in usable if isinstance(v, (int, float)) and not isinstance(v, bool)]
            total = sum(numbers)
            values[cell.datapoint] = round(total, spec_in.decimals) if spec_in.type == "decimal" else total
        elif mode == "same":
            distinct = sorted({show(v) for v in usable})
            if len(distinct) > 1:
                raise AggregateError(f"“{cell.label}”不一致（{'、'.join(distinct)}），不能汇总在一起；请按{cell.label}分别汇总")
            if usable:
                values[cell.datapoint] = usable[0]
        elif mode == "latest" and usable:
            values[cell.datapoint] = max(usable, key=lambda v: (isinstance(v, str), v))
    return values


def file_time(path: str | os.PathLike[str]) -> float:
    """When the file was last modified (a zip member: its date in the zip), −∞ when unknown."""
    try:
        return os.stat(path).st_mtime
    except OSError:
        return float("-inf")


def keep_latest(layout: Layout, reports: Sequence[FileResult], modified: Callable[[FileResult], float],
                ) -> tuple[list[FileResult], list[tuple[FileResult, str]]]:
    """Of several workbooks of one unit and year, the newest: the latest 填报日期, then the file
    modified last. Whether it checks is not asked: the newest is the unit's return (with errors, it
    is left out as any such workbook is, and the older one is not summed in its place). Returns the
    kept reports in their order and the others, each with the reason naming the newer file. Two
    files alike in both are refused: which one counts is for the auditor to say; so is a group with a
    file dated after today (a typing slip would win by its date alone)."""
    groups: dict[tuple[str, int | None], list[FileResult]] = {}
    for r in reports:
        if r.unit and r.unit.strip():
            groups.setdefault((r.unit.strip(), r.year), []).append(r)
    dropped: dict[int, tuple[FileResult, str]] = {}
    for (unit, year), group in groups.items():
        if len(group) < 2:
            continue
        key = {id(r): (latest_date(r, layout), modified(r)) for r in group}
        # a 填报日期 after today (2099 for 2025) was typed by mistake: it would win by the date alone
        tomorrow = date_to_serial(dt.date.today()) + 1  # a day to spare for a sender's time zone
        future = next((r for r in group if key[id(r)][0] > tomorrow), None)
        if future is not None:
            raise AggregateError(f"{unit}（{year or '年度未填'}）的 {display_path(future.path)} 填报日期 "
                                 f"{_date(key[id(future)][0])} 晚于今天，无法据此判断哪个是最新的，"
                                 "请改正填报日期或先去掉多余的文件")
        newest = max(group, key=lambda r: key[id(r)])
        if sum(key[id(r)] == key[id(newest)] for r in group) > 1:
            alike = "、".join(display_path(r.path) for r in group if key[id(r)] == key[id(newest)])
            raise AggregateError(f"{unit}（{year or '年度未填'}）的 {alike} 填报日期和修改时间都相同，"
                                 "无法判断哪个是最新的，请先去掉多余的文件")
        for r in group:
            if r is not newest:
                dropped[id(r)] = (r, _superseded(r, newest, key[id(r)], key[id(newest)]))
    return [r for r in reports if id(r) not in dropped], list(dropped.values())


def _superseded(old: FileResult, new: FileResult, old_key: tuple[float, float], new_key: tuple[float, float]) -> str:
    """“同一单位有更新的文件 乙.xlsx（填报日期 2025-01-20）”, or by the files' times when the dates agree."""
    if new_key[0] > old_key[0]:
        why = f"填报日期 {_date(new_key[0])}，本文件 {_date(old_key[0]) or '未填'}"
    else:
        same = f"填报日期都是 {_date(new_key[0])}" if _date(new_key[0]) else "填报日期都未填"
        why = f"{same}，修改时间 {_clock(new_key[1])}，本文件 {_clock(old_key[1])}"
    return f"同一单位有更新的文件 {display_path(new.path)}（{why}）"


def latest_date(report: FileResult, layout: Layout) -> float:
    """The latest of the template's date inputs (填报日期) as a serial, −∞ when none is usable."""
    numbers = []
    for cell in layout.inputs:
        if cell.input is None or cell.input.type != "date" or cell.datapoint in report.invalid_inputs:
            continue
        value = report.values.get(cell.datapoint)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            numbers.append(float(value))
        elif isinstance(value, str):
            try:
                numbers.append(date_to_serial(dt.date.fromisoformat(value.strip()[:10])))
            except ValueError:
                continue
    return max(numbers, default=float("-inf"))


def _date(serial: float) -> str:
    """A date serial as 2025-01-20; "" for none."""
    try:
        return serial_to_date(serial).isoformat() if math.isfinite(serial) else ""
    except (OverflowError, ValueError):
        return ""


def _clock(seconds: float) -> str:
    """A file time as 2025-01-20 09:30 (local time); "未知" when unknown."""
    try:
        return dt.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M") if math.isfinite(seconds) else "未知"
    except (OverflowError, OSError, ValueError):
        return "未知"


# what a roll-up's required text says when nobody gave it (`aggregate --data`): never to be published
ROLLUP_NOTE = "汇总（{count}个单位）"
ROLLUP_NOTE_RE = re.compile(r"汇总（\d+个单位）")


def fill_text_inputs(layout: Layout, values: dict[str, Any], given: Mapping[str, Any], units: Sequence[str]) -> None:
    """`none` inputs: the caller's values (`aggregate --data`); else the unit's name and the report's
    prose sections say “汇总（N个单位）”, a placeholder `publish` refuses to print (so the roll-up is
    never published without its own name and text), and every other text (联系人、联系电话) stays
    blank: no unit's contact is the roll-up's, and a note there would read as someone's name.

    Raises `AggregateError` for a key of `given` that would be dropped unsaid: a typed name the template
    lacks (`meta.contact_persn`, `联系人`), or a figure the roll-up takes from the units."""
    unusable = [f"{key}：模板中没有这个数据点" if key not in layout.by_id else f"{key}：由各单位的工作簿汇总得出，不能另给"
                for key in given
                if key not in layout.by_id or (c := layout.by_id[key]).input is None or c.input.rollup != "none"]
    if unusable:
        keys = "、".join(key for key in layout.by_id if (c := layout.by_id[key]).input is not None
                        and c.input.rollup == "none")
        raise AggregateError(f"--data 给出的汇总信息中有用不上的项：{'；'.join(unusable)}。可以给出的只有：{keys}")
    for cell in layout.inputs:
        assert cell.input is not None
        if cell.input.rollup != "none" or cell.datapoint in values:
            continue
        if cell.datapoint in given:
            values[cell.datapoint] = given[cell.datapoint]
        elif cell.input.type == "text" and cell.input.required and (
                cell.datapoint == layout.spec.unit_field or cell.height_lines):
            note = ROLLUP_NOTE.format(count=len(units))
            values[cell.datapoint] = note[: cell.input.max_length or len(note)]


SUMMARY_HEADER = ("单位", "是否计入", "文件", "填报日期", "说明")
# the way out a console user is told; the 汇总说明 sheet is printed and filed with the report, where a
# command-line option means nothing to its reader
INCLUDE_HINT = "；如确需计入请加 --include-invalid"


def summary_sheet(layout: Layout, result: Rollup, missing: Sequence[str] = ()) -> tuple[str, list[str], list[list[str]]]:
    """The roll-up's 汇总说明 sheet: every unit summed (计入), every file left out with its reason
    (未计入), and the roster's units that sent nothing (缺报), one row each."""
    rows: list[list[str]] = []
    for r in result.included:
        rows.append([clean_text(r.unit), "计入", display_path(r.path), _date(latest_date(r, layout)), ""])
    for r, reason in result.excluded:
        rows.append([clean_text(r.unit), "未计入", display_path(r.path), _date(latest_date(r, layout)),
                     clean_text(reason.removesuffix(INCLUDE_HINT))])
    for unit in missing:
        rows.append([clean_text(unit), "缺报", "", "", "名单中的单位，没有收到它的工作簿"])
    return ROLLUP_SHEET, list(SUMMARY_HEADER), [[fit_cell(c) for c in row] for row in rows]  # a name escaped can outgrow a cell
