"""The feedback pack's words (`check --feedback`): a 反馈单 for each checked file, a short letter-like
list an auditor mails back to the unit, and the rows of the mail-merge CSV. Pure: `api.feedback`
names and writes the files.

A finding's words are the catalogue's, through `finding_columns` (the desk's findings page shows the
same four columns): where, the label path, the problem and how to fix it. Only the letter's frame
(the heading, the verdict, the closing line) is written here. Errors come first, then warnings
(提醒); infos are not sent to units (they are notes for the auditor).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..batch.result import PASSED, UNREADABLE, verdict
from ..batch.roster import Contact
from ..check.result import FileResult
from ..errors import UsageError
from ..findings import Finding, show
from ..ooxml.refs import split_cell_ref
from ..outfile import FEEDBACK_CSV_HEAD, FEEDBACK_TEXT_HEAD, Namer
from ..textsafe import clean_text, numbered
from .finding_lines import finding_columns

MISSING = "缺报"  # a roster unit that sent nothing
CSV_HEADER = ("单位", "联系人", "联系电话", "电子邮箱", "结论", "错误数", "提醒数", "反馈单", "批注副本", "交回文件")
assert ",".join(CSV_HEADER).startswith(FEEDBACK_CSV_HEAD)  # the folder walk knows the CSV by its head


def location(finding: Finding) -> str:
    """Where a finding is, as a person finds it in the workbook: `依申请公开 J7` (the sheet's tab, then
    the cell); the sheet alone, or 整个文件 for a finding about the whole file."""
    if not finding.cell:
        return "整个文件"
    sheet, cell = split_cell_ref(finding.cell)
    return clean_text(" ".join(p for p in (sheet, cell) if p))


def _problems(findings: Sequence[Finding], severity: str) -> list[str]:
    lines: list[str] = []
    for n, finding in enumerate((f for f in findings if f.severity == severity), 1):
        cols = finding_columns(finding, "zh")
        lines.append(f"{n}. 位置：{location(finding)}")
        if cols["label"]:
            lines.append(f"   项目：{cols['label']}")
        lines.append(f"   问题：{cols['problem']}")
        if cols["fix"]:
            lines.append(f"   怎样改：{cols['fix']}")
    return lines


def letter(result: FileResult, unit: str, shown_file: str, annotated: bool = False) -> str:
    """The 反馈单 of one checked file, lines joined by `\\n` (`notepad_bytes` makes the file): the
    unit, the year, the file, the verdict, then the problems numbered, errors first, then 提醒;
    `annotated` when an annotated copy goes with it (the closing line points to it)."""
    errors, warnings = result.count("error"), result.count("warning")
    state = verdict(result)
    counts = f"（错误 {errors} 处，提醒 {warnings} 处）" if errors or warnings else ""
    lines = [FEEDBACK_TEXT_HEAD, "",
             f"单位：{clean_text(unit)}",
             f"报告年度：{result.year if result.year is not None else '未能认出'}",
             f"检查的文件：{clean_text(PurePosixPath(shown_file.replace(chr(92), '/')).name)}",  # not our folders
             f"检查结论：{state}{counts}", ""]
    if errors:
        lines += ["一、需要改正的问题", *_problems(result.findings, "error"), ""]
    if warnings:
        head = "二、提醒（请核实，确实无误的可以不改）" if errors else "提醒（请核实，确实无误的可以不改）"
        lines += [head, *_problems(result.findings, "warning"), ""]
    if state == PASSED:
        lines.append("经检查，未发现需要改正的问题。" if not warnings else "经检查，未发现必须改正的错误。")
    elif state == UNREADABLE:
        lines.append("文件无法读取，请按上面的说明处理后重新报送。")
    elif result.published:  # a published report: there is no workbook to correct, the report is
        lines.append("请按上述意见核对已发布的报告；确有错误的，更正后重新发布。")
    else:
        lines.append("请按上述意见在工作簿中改正后重新报送。")
    if annotated:
        lines.append("随附的批注副本中已用颜色和批注标出上述单元格，可对照修改。")
    return "\n".join(lines) + "\n"


def notepad_bytes(text: str) -> bytes:
    """Text as Windows Notepad (also the old one) shows it: UTF-8 with a BOM, CRLF line ends."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8-sig")


@dataclass(frozen=True)
class Row:
    """One line of the mail-merge list: a checked file's unit (or a 缺报 unit) and where its files are."""

    unit: str
    person: str = ""
    phone: str = ""
    email: str = ""
    verdict: str = MISSING
    errors: int = 0
    warnings: int = 0
    letter: str = ""  # the 反馈单's absolute path; empty for a 缺报 unit
    annotated: str = ""  # the annotated copy's absolute path, when one was written
    file: str = ""  # the checked file's shown name

    def cells(self) -> list[str]:
        return [_cell(v) for v in (self.unit, self.person, self.phone, self.email, self.verdict, self.errors,
                                   self.warnings, self.letter, self.annotated, self.file)]


# A spreadsheet opening the CSV takes a cell starting with = + - @ for a formula; a phone number
# (+86 …, digits and dashes) is left as it is, anything else gets a leading ' to stay text.
_FORMULA = re.compile(r"[=@]|[+-](?![\d\s()-]*$)")


def _cell(value: object) -> str:
    text = clean_text(value)
    return f"'{text}" if _FORMULA.match(text) else text


def to_csv(rows: Iterable[Row]) -> bytes:
    """The mail-merge list as Word's, WPS's and Outlook's mail merge read it: UTF-8 with BOM, CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(r.cells() for r in rows)
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- who gets which file

CONTACT_POINTS = ("meta.contact_person", "meta.contact_phone")  # the cover's 联系人, 联系电话 (both templates)
CSV_NAME = "邮件合并.csv"


@dataclass(frozen=True)
class Planned:
    """One 反馈单 to write: the checked file, the unit it goes to, its folder and file name inside
    the pack (safe on Windows), and the contact for the mail-merge row."""

    result: FileResult
    unit: str
    folder: str
    name: str
    contact: Contact


def _stem(shown: str) -> str:
    return PurePosixPath(shown.replace("\\", "/")).stem


def unit_of(result: FileResult, matched: Mapping[str, str]) -> str:
    """The unit a checked file answers for: its cover's unit name, else the roster unit its file name
    was matched to (an unreadable file), else its file's stem."""
    return (result.unit or "").strip() or matched.get(result.path) or _stem(result.path) or "file"


def _as_typed(value: object) -> str:
    if value is None or value == "":
        return ""
    return show(value)


def contact_of(result: FileResult | None, unit: str, roster: Mapping[str, Contact]) -> Contact:
    """The roster's contact of the unit, each part it leaves empty from the workbook's cover (values
    that failed re-validation are not used); a published report has none."""
    listed = roster.get(unit) or Contact()
    person = phone = ""
    if result is not None and result.published is None:
        # a phone typed as a number (a General cell, or pasted) is read as 13800000001.0: shown as typed
        person, phone = (clean_text(_as_typed(result.values.get(dp))).strip() if dp not in result.invalid_inputs
                         else "" for dp in CONTACT_POINTS)
    return Contact(listed.person or person, listed.phone or phone, listed.email)


def plan(files: Sequence[FileResult], matched: Mapping[str, str], roster: Mapping[str, Contact]) -> list[Planned]:
    """A folder per unit (`甲镇`), a 反馈单 per checked file in it (`甲镇-反馈单.txt`; a second file of
    the unit `甲镇-反馈单（2）.txt`); names made safe on Windows (`outfile.Namer`: refused characters,
    reserved names, long names), two units whose names come out alike numbered apart."""
    folders = Namer(default="单位")
    folders.used[CSV_NAME.casefold()] = ""  # a unit called 邮件合并.csv gets 邮件合并.csv（2）, not the CSV's place
    by_unit: dict[str, str] = {}
    taken: dict[str, set[str]] = {}
    out: list[Planned] = []
    for result in files:
        unit = unit_of(result, matched)
        if unit not in by_unit:  # clean_text first: a file name's undecodable bytes as visible escapes
            by_unit[unit] = folders.name(clean_text(unit), key=unit)
        folder = by_unit[unit]
        name = numbered(f"{folder}-反馈单.txt", taken.setdefault(folder, set()))
        out.append(Planned(result, unit, folder, name, contact_of(result, unit, roster)))
    return out


def rows(planned: Sequence[Planned], missing: Iterable[str], roster: Mapping[str, Contact],
         written: Mapping[int, tuple[str, str]]) -> list[Row]:
    """The mail-merge rows: one per 反馈单 in order (`written[i]` = (反馈单, 批注副本) absolute paths of
    the i-th, blank when not written), then one per 缺报 unit of the roster."""
    out = []
    for i, p in enumerate(planned):
        letter_path, copy = written.get(i, ("", ""))
        out.append(Row(p.unit, p.contact.person, p.contact.phone, p.contact.email, verdict(p.result),
                       p.result.count("error"), p.result.count("warning"), letter_path, copy, p.result.path))
    for unit in missing:
        c = roster.get(unit) or Contact()
        out.append(Row(unit, c.person, c.phone, c.email))
    return out


# ---------------------------------------------------------------- what was written


@dataclass(frozen=True)
class PackUnit:
    """One row of the pack: a checked file's unit with its 反馈单 and annotated copy (None when not
    written), or a 缺报 unit (no file, no 反馈单)."""

    unit: str
    verdict: str
    file: str = ""  # the checked file's shown name
    letter: Path | None = None
    annotated: Path | None = None


@dataclass(frozen=True)
class FeedbackPack:
    """A feedback pack as written: its folder, a row per checked file and per 缺报 unit, the CSV."""

    out_dir: Path
    units: tuple[PackUnit, ...]
    csv: Path | None

    @property
    def letters(self) -> tuple[Path, ...]:
        return tuple(u.letter for u in self.units if u.letter is not None)

    @property
    def copies(self) -> tuple[Path, ...]:
        return tuple(u.annotated for u in self.units if u.annotated is not None)

    def summary(self) -> str:
        """What `check --feedback` says it wrote, in Chinese."""
        missing = sum(u.verdict == MISSING for u in self.units)
        parts = [f"反馈单 {len(self.letters)} 份", f"批注副本 {len(self.copies)} 份"]
        if self.csv is not None:
            parts.append(f"邮件合并表 {self.csv.name}" + (f"（含缺报单位 {missing} 个）" if missing else ""))
        return "，".join(parts)


class FeedbackFailed(UsageError):
    """Some files of the pack could not be written; the others were (`pack`), `failed` holds
    (file or folder, Chinese reason) for each that is missing."""

    def __init__(self, pack: FeedbackPack, failed: list[tuple[str, str]]):
        self.pack, self.failed = pack, failed
        lines = [f"{where}：{why}" for where, why in failed]
        super().__init__(f"已写出{pack.summary()}；{len(failed)} 项未能写出：\n  " + "\n  ".join(lines))
