"""Roll-up (汇总): sum the inputs of many units' workbooks into one workbook of the same template.

How each input rolls up is declared in the template (`aggregate:` on an input type): numbers are
summed, `same` values (the year) must agree, `latest` takes the latest (the date), and `none`
inputs (names, contacts, prose) come from the caller. Only values the checker accepted are summed.

With `--include-invalid` a unit whose figures do not balance unbalances the sum: the written roll-up
is checked like a return (`Rollup.check`), and when it fails, the command says so and the roll-up
carries the line “汇总结果未通过勾稽检查：…” in its document properties (`aggregate_check`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..check.result import FileResult
from ..errors import UsageError
from ..findings import CATALOGUE, Finding, show
from ..template.layout import Layout
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


def rollup(layout: Layout, checked: Sequence[FileResult], include_invalid: bool = False) -> Rollup:
    """Sum the inputs of every usable workbook; refuse mixed templates or `same` values that differ."""
    spec = layout.spec
    included: list[FileResult] = []
    excluded: list[tuple[FileResult, str]] = []
    for report in checked:
        other = next((f for f in report.findings if f.code in ("unknown-template", "template-version-mismatch")), None)
        if report.claimed_template and report.claimed_template != spec.id:
            raise AggregateError(f"{report.path} 是模板“{report.claimed_template}”的工作簿，不能与模板“{spec.id}”的工作簿汇总在一起")
        if other is not None and report.claimed_template:
            raise AggregateError(f"{report.path}：{other.message()} 不同模板或版本的工作簿不能汇总在一起")
        if report.template is None or not report.values:
            excluded.append((report, "无法读取或不是本模板的工作簿"))
            continue
        if (report.template.id, report.template.version) != (spec.id, spec.version):
            raise AggregateError(
                f"模板不一致：{report.path} 是 {report.template.id} {report.template.version}，"
                f"汇总模板是 {spec.id} {spec.version}。请分别汇总不同模板的工作簿")
        if not report.valid and not include_invalid:
            first = report.first_error()
            excluded.append((report, f"有错误（{first.message() if first else ''}）；如确需计入请加 --include-invalid"))
            continue
        included.append(report)
    if not included:
        raise AggregateError("没有可以汇总的工作簿")
    twice = reconcile(None, included).duplicates
    if twice:
        lines = "；".join(f"{u}（{y or '年度未填'}）：{'、'.join(ps)}" for u, y, ps in twice)
        raise AggregateError(f"同一单位同一年度有多个工作簿，汇总会重复计算，请先去掉多余的文件：{lines}")
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
    return Rollup(values, tuple(included), tuple(excluded))


# what a roll-up's required text says when nobody gave it (`aggregate --data`): never to be published
ROLLUP_NOTE = "汇总（{count}个单位）"
ROLLUP_NOTE_RE = re.compile(r"汇总（\d+个单位）")


def fill_text_inputs(layout: Layout, values: dict[str, Any], given: Mapping[str, Any], units: Sequence[str]) -> None:
    """`none` inputs: the caller's values, else a note saying this is a roll-up of N units."""
    for cell in layout.inputs:
        assert cell.input is not None
        if cell.input.rollup != "none" or cell.datapoint in values:
            continue
        if cell.datapoint in given:
            values[cell.datapoint] = given[cell.datapoint]
        elif cell.input.type == "text" and cell.input.required:
            note = ROLLUP_NOTE.format(count=len(units))
            values[cell.datapoint] = note[: cell.input.max_length or len(note)]
