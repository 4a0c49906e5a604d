"""What an input cell accepts: one definition used for prompts, pre-fill data and the checker.

Excel's data validation is only a convenience (pasting defeats it), so the same rules are applied
again here, from the template, to anything that comes back.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from ..spec.model import InputSpec

EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_MIN, DATE_MAX = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
EXCEL_LIMIT = 1e15  # the bound the workbook's own validation uses when a template sets no max
PLACEHOLDERS = ("/", "-", "—", "－", "无", "／", "\\", "空", "N/A", "n/a")


@dataclass(frozen=True)
class InputProblem:
    reason: str  # missing · text-in-number · number-as-text · below-min · above-max · fractional · too-many-decimals · too-long · not-a-date · not-text
    zh: str
    en: str


def _fmt(x: float) -> str:
    if abs(x) >= EXCEL_LIMIT:
        return f"{x:.6g}"  # not 309 digits of a crafted 1e308
    return str(int(x)) if float(x).is_integer() else repr(x)


def describe(spec: InputSpec, lang: str = "zh") -> str:
    """What the cell accepts, as one phrase for prompts and messages."""
    lo, hi = spec.min, spec.max
    if spec.type == "whole":
        if lo is not None and hi is not None:
            return f"{_fmt(lo)}至{_fmt(hi)}之间的整数" if lang == "zh" else f"a whole number from {_fmt(lo)} to {_fmt(hi)}"
        if lo is not None:
            return f"大于或等于{_fmt(lo)}的整数" if lang == "zh" else f"a whole number ≥ {_fmt(lo)}"
        if hi is not None:
            return f"小于或等于{_fmt(hi)}的整数" if lang == "zh" else f"a whole number ≤ {_fmt(hi)}"
        return "整数" if lang == "zh" else "a whole number"
    if spec.type == "decimal":
        unit = f"，单位：{spec.unit}" if spec.unit and lang == "zh" else (f" (unit: {spec.unit})" if spec.unit else "")
        if lo is not None and hi is not None:
            floor, floor_en = f"{_fmt(lo)}至{_fmt(hi)}之间的数字", f"a number from {_fmt(lo)} to {_fmt(hi)}"
        elif lo is not None:
            floor, floor_en = f"大于或等于{_fmt(lo)}的数字", f"a number ≥ {_fmt(lo)}"
        elif hi is not None:
            floor, floor_en = f"小于或等于{_fmt(hi)}的数字", f"a number ≤ {_fmt(hi)}"
        else:
            floor, floor_en = "数字", "a number"
        if lang == "zh":
            return f"{floor}{unit}，最多{spec.decimals}位小数"
        return f"{floor_en}{unit}, at most {spec.decimals} decimal places"
    if spec.type == "date":
        return "日期，如 2025-01-15" if lang == "zh" else "a date such as 2025-01-15"
    return f"不超过{spec.max_length}个字的文字" if lang == "zh" else f"text of at most {spec.max_length} characters"


def date_to_serial(value: dt.date) -> float:
    return float((value - EXCEL_EPOCH).days)


def serial_to_date(value: float) -> dt.date:
    return EXCEL_EPOCH + dt.timedelta(days=int(value))


def check_value(spec: InputSpec, value: object) -> InputProblem | None:
    """None when `value` (as read from a cell or given as data) is acceptable for `spec`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if spec.required:
            numeric = spec.type in ("whole", "decimal")
            return InputProblem("missing", "没有发生的请填写0" if numeric else "", "write 0 where nothing happened" if numeric else "")
        return None
    if spec.type == "text":
        text = value if isinstance(value, str) else _fmt(value) if isinstance(value, (int, float)) else str(value)
        if spec.max_length and len(text) > spec.max_length:
            return InputProblem("too-long", f"共{len(text)}个字，超过上限{spec.max_length}个字",
                                f"{len(text)} characters, more than the limit of {spec.max_length}")
        return None
    if spec.type == "date":
        return _check_date(value)
    return _check_number(spec, value)


def _check_date(value: object) -> InputProblem | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, dt.date)):
        return InputProblem("not-a-date", f"“{value}”不是日期", f"“{value}” is not a date")
    try:
        day = value if isinstance(value, dt.date) else serial_to_date(value) if math.isfinite(value) else None
    except (OverflowError, ValueError):  # a serial beyond year 9999
        day = None
    if day is None or not DATE_MIN <= (day.date() if isinstance(day, dt.datetime) else day) <= DATE_MAX:
        return InputProblem("not-a-date", "日期超出 2000—2100 年的范围", "the date is outside 2000–2100")
    return None


def _decimal_places(x: float) -> int:
    """Digits after the point of the shortest text that reads back as x (24252.311082 → 6)."""
    exponent = Decimal(repr(x)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _check_number(spec: InputSpec, value: object) -> InputProblem | None:
    if isinstance(value, str):
        stripped = value.strip()
        try:
            float(stripped.replace(",", ""))
        except ValueError:
            hint = "；没有发生的请填写0" if stripped in PLACEHOLDERS else ""
            return InputProblem("text-in-number", f"填写了文字“{stripped}”，此处应填写数字{hint}",
                                f"holds the text “{stripped}” where a number is required")
        return InputProblem("number-as-text", f"数字“{stripped}”以文本形式存储，请重新输入为数字",
                            f"the number “{stripped}” is stored as text; re-enter it as a number")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return InputProblem("text-in-number", f"“{value}”不是数字", f"“{value}” is not a number")
    x = float(value)
    if spec.min is not None and x < spec.min:
        return InputProblem("below-min", f"{_fmt(x)}小于下限{_fmt(spec.min)}", f"{_fmt(x)} is below the minimum {_fmt(spec.min)}")
    if abs(x) > EXCEL_LIMIT and (spec.max is None or spec.max > EXCEL_LIMIT):
        return InputProblem("above-max", f"{_fmt(x)}超出了表格能精确保存的范围（15位数字）",
                            f"{_fmt(x)} is beyond the 15 digits a spreadsheet keeps exactly")
    if spec.max is not None and x > spec.max:
        return InputProblem("above-max", f"{_fmt(x)}大于上限{_fmt(spec.max)}", f"{_fmt(x)} is above the maximum {_fmt(spec.max)}")
    if spec.type == "whole" and not x.is_integer():
        return InputProblem("fractional", f"{_fmt(x)}不是整数", f"{_fmt(x)} is not a whole number")
    if spec.type == "decimal" and _decimal_places(x) > spec.decimals:
        return InputProblem("too-many-decimals", f"{_fmt(x)}超过{spec.decimals}位小数",
                            f"{_fmt(x)} has more than {spec.decimals} decimal places")
    return None
