"""What the reader hands the checks: plain, frozen data (other modules depend on these exactly)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ...errors import WorkbookBuilderError
from ...findings import Code, reason_text

__all__ = ["CellData", "ExtractedWorkbook", "ReadError", "SheetData", "Validation"]


@dataclass(frozen=True)
class CellData:
    #: constant value, or the cached result of a formula (None = no cached
    #: value); numbers as float; error values ('#DIV/0!') as str + is_error;
    #: t="d" as its ISO text; strings with _xHHHH_ escapes decoded; a number
    #: that is not an xsd:double ('nan', '1_0', 'abc') as its raw text
    value: str | float | bool | None
    #: formula text without the leading '=', entities decoded; shared
    #: formulas expanded to this cell's own text; array formulas: the text.
    #: '' when the cell has an <f> whose text cannot be known (empty element,
    #: shared formula whose anchor is missing or cannot be translated).
    formula: str | None
    #: effective lock flag (cellXfs[s]/protection/@locked, default True)
    locked: bool
    style_id: int
    is_error: bool = False
    #: ca="1" on the formula (WPS/Excel mark volatile formulas so)
    volatile: bool = False


@dataclass(frozen=True)
class Validation:
    sqref: tuple[str, ...]
    type: str | None
    operator: str | None
    formula1: str | None
    formula2: str | None
    allow_blank: bool
    show_error: bool
    error_title: str | None
    error: str | None
    prompt_title: str | None
    prompt: str | None


@dataclass(frozen=True)
class SheetData:
    name: str
    #: 'visible' | 'hidden' | 'veryHidden' (raw value of @state if it is
    #: something else; default 'visible')
    state: str
    #: (row, col) 1-based -> cell; cells with a value, a formula or a style
    #: other than 0 (a <v/> with nothing in it, or a shared-string index
    #: that points nowhere, is no value).  Cells without @r take the next
    #: position along the row.  A plain dict (picklable): treat as read-only.
    cells: Mapping[tuple[int, int], CellData]
    #: <sheetProtection> present AND @sheet is 1/true
    protected: bool
    #: raw attributes of <sheetProtection> (empty if none)
    protection: Mapping[str, str]
    #: <dataValidations> followed by x14 (extLst) validations
    validations: tuple[Validation, ...]
    merged: tuple[str, ...]
    dimension: str | None


@dataclass(frozen=True)
class ExtractedWorkbook:
    sheets: tuple[SheetData, ...]
    #: (name, localSheetId or None, text), in document order, duplicates kept
    defined_names: tuple[tuple[str, int | None, str], ...]
    custom_properties: Mapping[str, str | float | bool | int]
    core_properties: Mapping[str, str]
    application: str | None
    app_version: str | None
    #: 'wps' | 'excel' | 'libreoffice' | 'xlsxwriter' | 'unknown'
    saved_by: str
    workbook_protection: Mapping[str, str]
    calc_props: Mapping[str, str]
    #: <workbookPr date1904="1">: date serials count from 1904-01-01, not 1899-12-30
    date1904: bool = False

    @cached_property
    def _by_name(self) -> dict[str, SheetData]:
        # the checker looks a sheet up for every data point: index the names once
        return {s.name: s for s in reversed(self.sheets)}  # reversed: the first of equal names wins

    def sheet(self, name: str) -> SheetData | None:
        """The sheet called ``name`` (exact match first, then Excel's
        case-insensitive match), or None."""
        found = self._by_name.get(name)
        if found is not None:
            return found
        folded = name.casefold()
        for s in self.sheets:
            if s.name.casefold() == folded:
                return s
        return None


class ReadError(WorkbookBuilderError):
    """The package cannot be a workbook. ``reason`` is one of the catalogue's `unreadable-file`
    reasons and ``params`` its fields; `detail(lang)` words it."""

    def __init__(self, reason: str, **params: Any) -> None:
        self.reason = reason
        self.params = params
        super().__init__(f"{reason}: {self.detail('en')}")

    def detail(self, lang: str = "zh") -> str:
        return reason_text(Code.UNREADABLE_FILE, self.reason, self.params, lang)

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes
        return (_read_error, (self.reason, self.params))


def _read_error(reason: str, params: dict[str, Any]) -> ReadError:
    return ReadError(reason, **params)
