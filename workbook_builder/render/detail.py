"""The detail table (明细表): one row per checked file, one column per data point of the template.

Auditors build this by hand to cross-check the 汇总: every unit's figures side by side, under the
template's own words. The header has two rows: row 1 names the table and the row of the form
(`三、收到和处理政府信息公开申请情况 / 三、本年度办理结果 / （一）予以公开`), row 2 the column
(`法人或其他组织·商业企业`); a cover or prose field has its sheet's name above its own label.

Honesty about the figures: a value is shown only when the checker trusts it. An input that failed
re-validation (text in a number cell, a negative count …, or a required cell left empty, which the
check counts as an error) and every total computed from it are left blank and marked
(`DetailTable.flagged`): the engine would count the cell as 0 or leave it out, and the total would
look right. What the unit actually typed is listed, by label, in the last column, so nothing is
hidden. Check rows (平衡/不平衡) are not columns: the 状态 column and the error count say whether
the file passed.

Pure: no I/O. `api.export_detail` writes the table (xlsx through `build.writer`, CSV here).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..batch.result import FAILED, PASSED, UNREADABLE, CheckRun, verdict
from ..check.result import FileResult
from ..spec import formula_text
from ..spec.ids import table_cells
from ..template.inputs import serial_to_date
from ..template.layout import Layout
from .summary import Value, safe_text, spreadsheet_number

LEAD_HEADER = ("单位", "年度", "状态", "错误数", "警告数", "文件")
INVALID_HEADER = "未采用的填写（表中留空）"
GROUP_SEPARATOR, COLUMN_SEPARATOR = " / ", "·"
SHOWN_KINDS = ("input", "formula")  # check rows and the cover's summary are verdicts, not data


@dataclass(frozen=True)
class Column:
    """One data point's column: its ID, the two header lines and how its values are shown."""

    datapoint: str
    group: str  # header row 1: the table (or sheet) and the row of the form
    label: str  # header row 2: the column of the form, or the field's label
    type: str  # an input's type (whole · decimal · date · text); "number" for a formula

    @property
    def numeric(self) -> bool:
        return self.type in ("whole", "decimal", "number")


@dataclass(frozen=True)
class DetailTable:
    """The table as plain rows. `headers` are the two header rows (lead columns named in row 1 only);
    `flagged` holds (row, column) of `rows` left blank because the value was not trustworthy;
    `statuses` the status of each row (通过 / 未通过 / 无法读取)."""

    headers: tuple[tuple[str, ...], tuple[str, ...]]
    rows: list[list[Value]]
    flagged: frozenset[tuple[int, int]]
    statuses: tuple[str, ...]
    lead: int = len(LEAD_HEADER)

    def counts(self) -> dict[str, int]:
        """How many rows of each status, every status named (0 when none)."""
        return {s: self.statuses.count(s) for s in (PASSED, FAILED, UNREADABLE)}


@dataclass(frozen=True)
class DetailResult:
    """What `api.export_detail` wrote: the file, its rows and how many of each status, and the check
    run behind it (already released: a zip's members are gone)."""

    path: Path
    rows: int
    counts: Mapping[str, int]
    run: CheckRun

    @property
    def all_passed(self) -> bool:
        return self.counts.get(PASSED, 0) == self.rows


def columns(layout: Layout) -> list[Column]:
    """The data point columns in the order of the workbook's sheets and cells, with their labels."""
    named: dict[str, tuple[str, str]] = {}
    for sheet in layout.spec.sheets:
        heading = sheet.name
        for block in sheet.blocks:
            if block.kind == "title":
                heading = block.text  # the form's section heading (二、主动公开政府信息情况)
            elif block.kind == "fields":
                for f in block.fields:
                    named[f.id] = (sheet.name, f.label)  # 封面 / 单位名称: the sheet is what staff see
            elif block.kind == "table":
                for tc in table_cells(block):
                    rows = [n.label for n in tc.row_chain if n.in_path]
                    group = GROUP_SEPARATOR.join([heading, *([block.title] if block.title else []), *rows])
                    label = COLUMN_SEPARATOR.join(n.label for n in tc.col_chain if n.in_path)
                    named[tc.id] = (group, label or (rows[-1] if rows else block.title))
    out = []
    for placed in layout.sheets:
        for cell in placed.cells:
            if cell.datapoint and cell.kind in SHOWN_KINDS:
                group, label = named.get(cell.datapoint, (placed.name, cell.label or cell.datapoint))
                kind = cell.input.type if cell.kind == "input" and cell.input else "number"
                out.append(Column(cell.datapoint, group, label, kind))
    return out


def untrusted(layout: Layout, invalid: Iterable[str]) -> set[str]:
    """The invalid inputs and every formula that reads one (directly or through other formulas):
    the engine sums what it could read, so such a total would look right and be wrong."""
    bad = set(invalid)
    for cell in layout.formulas:  # evaluation order: what a formula reads is decided before it
        for a, b in formula_text.references(cell.source):
            if formula_text.is_prior(a):
                continue  # last year's figures are not this file's
            if any(dp in bad for row in layout.grid(a, b) for dp in row if dp):
                bad.add(cell.datapoint)
                break
    return bad


def _shown(column: Column, value: object) -> Value | None:
    """A trusted value as the table shows it; None when it cannot be shown as what the column holds."""
    if value is None or value == "":
        return ""
    if column.type == "date":
        number = spreadsheet_number(value)
        if number is None:
            return None
        try:
            return serial_to_date(float(number)).isoformat()  # a date as people write it, in CSV too
        except (ValueError, OverflowError):
            return None
    if column.numeric:
        return spreadsheet_number(value)
    return safe_text(_typed(value))  # a phone typed as a number (13800000001.0) as it was typed


def _typed(value: object) -> str:
    """What the unit typed, for the list of values not used."""
    number = spreadsheet_number(value)
    return str(number) if number is not None else str(value)


def table(layout: Layout, results: Sequence[FileResult]) -> DetailTable:
    """One row per file in the run's order; numbers as numbers, untrusted values blank and flagged."""
    cols = columns(layout)
    lead = len(LEAD_HEADER)
    headers = (LEAD_HEADER + tuple(c.group for c in cols) + (INVALID_HEADER,),
               ("",) * lead + tuple(c.label for c in cols) + ("",))
    rows: list[list[Value]] = []
    flagged: set[tuple[int, int]] = set()
    statuses = []
    for i, r in enumerate(results):
        state = verdict(r)
        statuses.append(state)
        row: list[Value] = [safe_text(r.unit or ""), r.year or "", state, r.count("error"), r.count("warning"),
                            safe_text(r.path)]
        values: Mapping[str, object] = {} if state == UNREADABLE else r.values
        bad = untrusted(layout, r.invalid_inputs)
        notes = []
        for j, c in enumerate(cols):
            raw = values.get(c.datapoint)
            shown = None if c.datapoint in bad else _shown(c, raw)
            if shown is None:
                flagged.add((i, lead + j))
                # what was typed is listed; a total over it, or a required cell left empty, only marked
                if (c.datapoint in r.invalid_inputs or c.datapoint not in bad) and raw not in (None, ""):
                    notes.append(f"{c.group}{GROUP_SEPARATOR}{c.label}：{_typed(raw)}")
            row.append("" if shown is None else shown)
        row.append(safe_text("；".join(notes)))
        rows.append(row)
    return DetailTable(headers, rows, frozenset(flagged), tuple(statuses))


def to_csv(detail: DetailTable) -> str:
    """The table as CSV (CRLF line ends; the caller adds the BOM Excel needs to read UTF-8), both header rows first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(detail.headers)
    writer.writerows(detail.rows)
    return buffer.getvalue()
