"""What an input cell accepts: one definition used for prompts, pre-fill data and the checker.

Excel's data validation is only a convenience (pasting defeats it), so the same rules are applied
again here, from the template, to anything that comes back.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Context, Decimal

from ..findings import Code, Issue, Text, issue
from ..spec.model import InputSpec

EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)  # <workbookPr date1904="1">: old Excel for Mac, an option anywhere
DATE_MIN, DATE_MAX = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
EXCEL_LIMIT = 1e15  # the bound the workbook's own validation uses when a template sets no max
PLACEHOLDERS = ("/", "-", "—", "－", "无", "／", "\\", "空", "N/A", "n/a")
# How close ROUND(x, decimals) must come to x for the workbook's own validation
# (`ROUND(x,d)=x`) to accept it: LibreOffice and Excel compare numbers with a relative tolerance of
# about 2^-48, so a sum pasted as a value (3.3000000000000003, shown 3.3) passes there and here.
EQUAL_RELATIVE = 2.0 ** -48
# A number as a spreadsheet reads typed text: half-width digits, optional sign, point and exponent
# (Python's float() also takes "１２", "1_000" and "inf", which no spreadsheet reads as numbers).
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


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
    if not spec.max_length:
        return "文字" if lang == "zh" else "text"
    return f"不超过{spec.max_length}个字的文字" if lang == "zh" else f"text of at most {spec.max_length} characters"


def date_to_serial(value: dt.date) -> float:
    return float((value - EXCEL_EPOCH).days)


def serial_to_date(value: float) -> dt.date:
    return EXCEL_EPOCH + dt.timedelta(days=int(value))


def serial_from_1904(value: float) -> float:
    """A date serial of a 1904-system workbook as the same day's serial in the 1900 system, which
    everything else here counts in (serial 0 of 1904 is 1904-01-01, serial 1462 of 1900)."""
    return value + (EXCEL_EPOCH_1904 - EXCEL_EPOCH).days


def accepts(spec: InputSpec) -> Text:
    """What the cell accepts, in both languages: the `accepts` field of input findings."""
    return Text(describe(spec), describe(spec, "en"))


def check_value(spec: InputSpec, value: object) -> Issue | None:
    """None when `value` (as read from a cell or given as data) is acceptable for `spec`; otherwise a
    `missing-input` or `invalid-input` issue, its reason one of the catalogue's INPUT_REASONS."""
    found = _problem(spec, value)
    if found is None:
        return None
    code, reason, params = found
    return issue(code, reason, accepts=accepts(spec), **params)


_Found = tuple[Code, str, dict[str, object]] | None


def _problem(spec: InputSpec, value: object) -> _Found:
    if value is None or (isinstance(value, str) and not value.strip()):
        return (Code.MISSING_INPUT, missing_reason(spec), {}) if spec.required else None
    if spec.type == "text":
        text = value if isinstance(value, str) else _fmt(value) if isinstance(value, (int, float)) else str(value)
        if spec.max_length and len(text) > spec.max_length:
            return _invalid("too-long", length=len(text), max_length=spec.max_length)
        return None
    if spec.type == "date":
        return _check_date(value)
    return _check_number(spec, value)


def missing_reason(spec: InputSpec) -> str:
    """The `missing-input` reason that fits the cell's declared type: "write 0 where nothing
    happened" only where 0 is an acceptable value (counts and amounts), never for a year or a date."""
    if spec.type in ("whole", "decimal"):
        zero_ok = (spec.min is None or spec.min <= 0) and (spec.max is None or spec.max >= 0)
        if not zero_ok:
            return "blank-range"
        return "blank-number" if spec.type == "whole" else "blank-amount"
    return "blank-date" if spec.type == "date" else "blank"


def _invalid(reason: str, **params: object) -> _Found:
    return Code.INVALID_INPUT, reason, params


def _check_date(value: object) -> _Found:
    if isinstance(value, bool) or not isinstance(value, (int, float, dt.date)):
        return _invalid("not-a-date", value=value)
    try:
        day = value if isinstance(value, dt.date) else serial_to_date(value) if math.isfinite(value) else None
    except (OverflowError, ValueError):  # a serial beyond year 9999
        day = None
    if day is None or not DATE_MIN <= (day.date() if isinstance(day, dt.datetime) else day) <= DATE_MAX:
        return _invalid("date-out-of-range")
    return None


def fits_decimals(x: float, decimals: int) -> bool:
    """Whether x has at most `decimals` places as the workbook's own validation judges it:
    ROUND(x, decimals) equals x within the spreadsheet's relative tolerance (not on the float's
    repr, where a pasted sum 3.3000000000000003 has 16 places although every client shows 3.3)."""
    exact = Decimal(repr(float(x)))
    rounded = float(exact.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP, Context(prec=400)))
    return abs(rounded - x) <= abs(x) * EQUAL_RELATIVE


def _plain_number(text: str) -> str | None:
    """The half-width number a formatted text stands for ("１２" → "12", "1,234 " → "1234"),
    or None when it is not a number at all."""
    folded = unicodedata.normalize("NFKC", text)  # full-width digits, －, ．, ，, ideographic space
    folded = re.sub(r"[,\s]", "", folded)
    if not _NUMBER_TEXT.fullmatch(folded) or not math.isfinite(float(folded)):
        return None
    return _fmt(float(folded))


def _check_number(spec: InputSpec, value: object) -> _Found:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped in PLACEHOLDERS:  # "/", "无", "—": how staff say "none" on paper; the cell wants 0
            return _invalid("placeholder-in-number", text=stripped)
        if _NUMBER_TEXT.fullmatch(value):
            return _invalid("number-as-text", text=stripped)
        plain = _plain_number(value)
        if plain is not None:  # "１２", "1,234", "12 ": say what to type instead
            return _invalid("formatted-number-as-text", text=stripped, plain=plain)
        return _invalid("text-in-number", text=stripped)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return _invalid("not-a-number", value=value)
    x = float(value)
    if spec.min is not None and x < spec.min:
        return _invalid("below-min", value=_fmt(x), min=_fmt(spec.min))
    if abs(x) > EXCEL_LIMIT and (spec.max is None or spec.max > EXCEL_LIMIT):
        return _invalid("beyond-precision", value=_fmt(x))
    if spec.max is not None and x > spec.max:
        return _invalid("above-max", value=_fmt(x), max=_fmt(spec.max))
    if spec.type == "whole" and not x.is_integer():
        return _invalid("fractional", value=_fmt(x))
    if spec.type == "decimal" and not fits_decimals(x, spec.decimals):
        return _invalid("too-many-decimals", value=_fmt(x), decimals=spec.decimals)
    return None
