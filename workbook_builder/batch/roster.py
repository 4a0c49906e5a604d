"""The roster: which units are expected to report, and who is missing or reported twice.

A roster is what an office keeps: an .xlsx (its first sheet), or a CSV / tab-separated text in
UTF-8 (with or without BOM), UTF-16 with a BOM or GBK/GB18030; with a header row naming the unit
column (单位名称, 单位 …, brackets such as “（全称）” ignored) or without one; a 序号 column of
numbers is never taken for the units. Beside the units, a header row may name contact columns
(联系人; 联系电话, 电话, 手机; 邮箱, 电子邮箱, E-mail): what they hold is kept per unit (`Roster.contacts`)
for the feedback pack's mail-merge list; a roster without them reads as before.

A unit on the roster that sent only files that cannot be read (an .xls, an .ods, a damaged file)
is not 缺报: such a file is matched to the unit by its file name (the longest roster name the file
name holds; else the one roster name that holds the file name), and the unit is listed with the
file instead.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from ..check.preflight.ole import OLE_MAGIC
from ..check.preflight.sniff import TABLE_REASONS, decode_text
from ..check.result import FileResult
from ..check.workbook import load
from ..errors import UsageError

# header cells (normalised: no spaces or brackets, lower case) that name the unit column, by preference
UNIT_HEADERS = ("unit", "unit_name", "单位", "单位名称", "名称", "单位全称", "应报单位", "填报单位", "机关名称",
                "部门名称", "部门", "name")
NUMBER_HEADERS = frozenset({"序号", "编号", "no", "no.", "#", "id"})
# header cells (normalised as above) of the optional contact columns, by preference
CONTACT_HEADERS = {
    "person": ("联系人", "联系人姓名", "联系人员", "经办人", "填报人", "contact", "contact_person"),
    "phone": ("联系电话", "电话", "手机", "手机号", "手机号码", "联系人电话", "办公电话", "联系方式", "phone", "tel",
              "telephone", "mobile"),
    "email": ("电子邮箱", "邮箱", "电子邮件", "邮件", "电子信箱", "e-mail", "email", "mail"),
}
_BRACKETS = re.compile(r"[（(【\[].*?[）)】\]]")
_NUMBER = re.compile(r"\d+(?:\.0)?")


class RosterError(UsageError, ValueError):
    """A roster file that cannot be used; the message says why, in Chinese."""


def _header(cell: str) -> str:
    return _BRACKETS.sub("", re.sub(r"\s+", "", cell)).lower()


def _decode(raw: bytes, path: str | Path) -> str:
    text = decode_text(raw)  # Excel in China saves CSV as GBK by default
    if text is None:
        raise RosterError(f"名单 {path} 的编码无法识别（请另存为 UTF-8 或 GBK 编码的 CSV，或 .xlsx）")
    return text


def _text_rows(text: str, path: str | Path) -> list[list[str]]:
    first = text.split("\n", 1)[0]
    tabbed = Path(path).suffix.lower() in (".tsv", ".txt") or ("\t" in first and "," not in first)
    return list(csv.reader(io.StringIO(text), delimiter="\t" if tabbed else ","))


def _sheet_rows(path: str | Path) -> list[list[str]]:
    """The first worksheet's cells as text rows, read by the checker's own preflight and reader."""
    wb, problem = load(path)
    if problem is not None and problem.reason in TABLE_REASONS:
        # a spreadsheet of another format: the return's advice ("…后交回") does not fit the auditor's own list
        raise RosterError(f"无法读取名单 {path}：名单应为 .xlsx 工作簿或 .csv/.tsv 文本，"
                          f"请在表格软件中把这个{Path(path).suffix or ''}文件另存为 .xlsx 或 CSV 后再用")
    if wb is None or problem is not None:
        why = problem.detail("zh") if problem is not None else "文件无法读取"
        raise RosterError(f"无法读取名单 {path}：{why}")
    if not wb.sheets:
        return []
    cells = wb.sheets[0].cells
    rows: dict[int, dict[int, str]] = {}
    for (row, col), cell in cells.items():
        value = cell.value
        if value is None or isinstance(value, bool):
            continue
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        rows.setdefault(row, {})[col] = text
    width = max((max(r) for r in rows.values()), default=0)
    return [[r.get(c, "") for c in range(1, width + 1)] for _, r in sorted(rows.items())]


def _unit_column(rows: list[list[str]], path: str | Path) -> tuple[int, bool]:
    """(the column of the unit names, whether the first row is a header)."""
    header = [_header(c) for c in rows[0]]
    for name in UNIT_HEADERS:
        if name in header:
            return header.index(name), True
    contact = {n for names in CONTACT_HEADERS.values() for n in names}
    has_header = any(h in NUMBER_HEADERS or h in contact for h in header)
    body = rows[1:] if has_header else rows
    width = max(len(r) for r in rows)
    # a column of numbers only (序号) is not the units; neither is an empty one, nor a contact column
    texts = [c for c in range(width)
             if any(len(r) > c and r[c].strip() for r in body)
             and not (has_header and c < len(header) and header[c] in contact)
             and not all(_NUMBER.fullmatch(r[c].strip()) for r in body if len(r) > c and r[c].strip())]
    if len(texts) == 1:
        return texts[0], has_header
    if width == 1:
        return 0, has_header
    raise RosterError(f"名单 {path} 有多列，但找不到单位名称列：请把该列的表头写成 {'、'.join(UNIT_HEADERS[:5])} 之一")


@dataclass(frozen=True)
class Contact:
    """Who to write to about a unit's return: any part may be empty."""

    person: str = ""
    phone: str = ""
    email: str = ""


def _contacts(rows: list[list[str]], column: int, has_header: bool) -> dict[str, Contact]:
    """The contact columns a header row names (none without a header): unit → its contact."""
    if not has_header:
        return {}
    header = [_header(c) for c in rows[0]]
    where: dict[str, int] = {}
    for kind, names in CONTACT_HEADERS.items():
        found = next((header.index(n) for n in names if n in header and header.index(n) != column), None)
        if found is not None:
            where[kind] = found
    if not where:
        return {}
    out: dict[str, Contact] = {}
    for r in rows[1:]:
        unit = r[column].strip() if len(r) > column else ""
        if unit and unit not in out:
            out[unit] = Contact(**{k: (r[c].strip() if len(r) > c else "") for k, c in where.items()})
    return out


@dataclass(frozen=True)
class Roster:
    units: tuple[str, ...]
    # unit → its contact, from the roster's optional contact columns (empty when it has none)
    contacts: dict[str, Contact] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def read(cls, path: str | Path) -> Roster:
        """An .xlsx (first sheet) or a CSV/TSV (UTF-8, UTF-16 or GBK), with a header row naming the
        unit column (单位名称 …) or without one (the one column that is not 序号)."""
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise RosterError(f"无法读取名单 {path}：{exc}") from None
        if raw.startswith((b"PK", OLE_MAGIC)):  # a workbook (an .xls or .ods gets its plain refusal)
            rows = _sheet_rows(path)
        else:
            rows = _text_rows(_decode(raw, path), path)
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows:
            raise RosterError(f"名单 {path} 是空的")
        column, has_header = _unit_column(rows, path)
        body = rows[1:] if has_header else rows
        units = [r[column].strip() for r in body if len(r) > column and r[column].strip()]
        if not units:
            raise RosterError(f"名单 {path} 中没有单位名称")
        return cls(tuple(dict.fromkeys(units)), _contacts(rows, column, has_header))


@dataclass(frozen=True)
class RosterResult:
    expected: int
    missing: tuple[str, ...]  # on the roster, no file of the unit (readable, or named after it)
    duplicates: tuple[tuple[str, int | None, tuple[str, ...]], ...]  # (unit, year, paths) with > 1 file
    unexpected: tuple[tuple[str, str], ...]  # (unit, path) of workbooks whose unit is not on the roster
    # (unit, path): on the roster, sent only files that cannot be read, matched by file name
    # (text: 交回的文件无法读取：X.xls); these units are not in `missing`
    unreadable: tuple[tuple[str, str], ...] = ()

    @classmethod
    def empty(cls) -> RosterResult:
        return cls(0, (), (), ())


def _fold(text: str) -> str:
    """For matching a name inside a file name: full-width forms folded, spaces dropped, case folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def named_unit(path: str, units: Iterable[str]) -> str | None:
    """The roster unit a file is named after: the longest unit name its file name holds."""
    name = _fold(PurePath(path).stem)
    units = [u for u in units if _fold(u)]
    found = [u for u in units if _fold(u) in name]
    if not found and len(name) >= 2:  # “甲局.xls” for 示例市甲局: only when one unit alone fits
        found = [u for u in units if name in _fold(u)]
        if len(found) > 1:
            return None
    return max(found, key=lambda u: len(_fold(u)), default=None)


def reconcile(roster: Roster | None, reports: Iterable[FileResult]) -> RosterResult:
    """Compare returned workbooks with the roster; duplicates are found even without one."""
    reports = list(reports)
    seen: dict[tuple[str, int | None], list[str]] = {}
    for r in reports:
        if r.unit:
            seen.setdefault((r.unit.strip(), r.year), []).append(r.path)
    duplicates = tuple((u, y, tuple(ps)) for (u, y), ps in seen.items() if len(ps) > 1)
    if roster is None:
        return RosterResult(0, (), duplicates, ())
    names = {u for u, _ in seen}
    missing = [u for u in roster.units if u not in names]
    # a file that could not be read as a workbook of the template names no unit: its file name may
    unreadable: list[tuple[str, str]] = []
    for r in reports:
        if r.template is None and not r.unit:
            unit = named_unit(r.path, missing)
            if unit is not None:
                unreadable.append((unit, r.path))
    sent = {u for u, _ in unreadable}
    expected = set(roster.units)
    unexpected = tuple((u, p) for (u, _), ps in seen.items() if u not in expected for p in ps)
    return RosterResult(len(roster.units), tuple(u for u in missing if u not in sent), duplicates, unexpected,
                        tuple(unreadable))
