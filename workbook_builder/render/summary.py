"""The batch summary as rows: one per file, one per finding, plus the roster reconciliation.

Everything that came from a returned file is untrusted: a unit named `=HYPERLINK(…)` must stay
text in whatever opens the summary. `safe_text` applies OWASP's advice against CSV/formula
injection (prefix a quote to values starting with = + - @, tab or carriage return), and the
xlsx writer writes every cell as a string, never as a formula.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from typing import Any

from ..batch.result import CheckRun
from ..batch.roster import RosterResult
from ..check.result import FileResult
from ..textsafe import clean_text, fit_cell
from .finding_lines import SEVERITY_NAMES

FILE_HEADER = ("文件", "单位", "年度", "状态", "错误", "警告", "提示", "模板", "保存程序", "第一个错误")
FINDING_HEADER = ("文件", "单位", "严重程度", "代码", "单元格", "数据点", "标签", "规则", "应为", "实际", "说明")
ROSTER_HEADER = ("类别", "单位", "年度", "文件")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


Value = str | int | float  # a summary cell: text, or a number the spreadsheet keeps as a number


def safe_text(value: Any) -> str:
    """Text that no spreadsheet will run as a formula (OWASP CSV injection guidance), cut to what
    one cell can hold. Control characters and undecodable bytes of a file name are shown escaped."""
    text = clean_text(value)
    text = "'" + text if text.startswith(_DANGEROUS) else text
    return fit_cell(text)


def _safe(value: Value) -> Value:
    """Numbers as they are; everything else through `safe_text`."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else safe_text(value)


def _number(value: Any) -> Value:
    """A finding's expected/actual value: a finite number stays a number (3600, not 3600.0), the rest
    is text as a person reads it."""
    number = spreadsheet_number(value)
    return number if number is not None else _plain(value)


def spreadsheet_number(value: object) -> int | float | None:
    """A finite number as a spreadsheet keeps it (3600, not 3600.0); anything else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def file_rows(reports: Sequence[FileResult], lang: str = "zh") -> list[list[Value]]:
    rows: list[list[Value]] = []
    for r in reports:
        first = r.first_error()
        rows.append([
            r.path, r.unit or "", r.year or "", "通过" if r.valid else "未通过",
            r.count("error"), r.count("warning"), r.count("info"),
            f"{r.template.id} {r.template.version}" if r.template else "", r.saved_by or "",
            first.message(lang) if first else "",
        ])
    return [[_safe(c) for c in row] for row in rows]


def finding_rows(reports: Sequence[FileResult], lang: str = "zh") -> list[list[Value]]:
    rows: list[list[Value]] = []
    for r in reports:
        for f in r.findings:
            rows.append([r.path, r.unit or "", SEVERITY_NAMES["zh"][f.severity], f.code, f.cell or "", f.datapoint or "",
                         f.label or "", f.rule or "", _number(f.expected), _number(f.actual), f.message(lang)])
    return [[_safe(c) for c in row] for row in rows]


def roster_rows(result: RosterResult) -> list[list[Value]]:
    rows: list[list[Value]] = [["缺报", u, "", ""] for u in result.missing]
    rows += [["重复", u, y or "", "；".join(ps)] for u, y, ps in result.duplicates]
    rows += [["名单外", u, "", p] for u, p in result.unexpected]
    rows += [["交回的文件无法读取", u, "", p] for u, p in result.unreadable]
    return [[_safe(c) for c in row] for row in rows]


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def to_csv(run: CheckRun, lang: str = "zh") -> str:
    """The files as a CSV table, then the roster's missing/duplicate units as a second table.

    Every finding is in the xlsx form (sheet 问题清单) or in --format json."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FILE_HEADER)
    writer.writerows(file_rows(run.files, lang))
    rows = roster_rows(run.roster)
    if rows:  # the roster reconciliation follows as its own table, after a blank line
        writer.writerow([])
        writer.writerow(ROSTER_HEADER)
        writer.writerows(rows)
    return buffer.getvalue()


def sheets(run: CheckRun, lang: str = "zh") -> list[tuple[str, Sequence[str], list[list[Value]]]]:
    """The .xlsx form: 汇总 (one row per file), 问题清单 (one row per finding), 缺报与重复 (the roster)."""
    out: list[tuple[str, Sequence[str], list[list[Value]]]] = [
        ("汇总", FILE_HEADER, file_rows(run.files, lang)), ("问题清单", FINDING_HEADER, finding_rows(run.files, lang))]
    out.append(("缺报与重复", ROSTER_HEADER, roster_rows(run.roster)))
    return out
