"""The LibreOffice (UNO) driver against a real soffice.

LibreOffice is our real client: these tests pin what it does to a locked
workbook (recalculation, protection, validation, defined names) and what
survives its xlsx export, so the checkers can rely on it.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from tests.helpers.libreoffice import LibreOffice, LibreOfficeError, render_png

pytestmark = pytest.mark.libreoffice

SHEET = "收入支出表"
PASSWORD = "secret"
ERROR_MESSAGE = "请输入非负整数（单位：元）"


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """Protected sheet, unlocked inputs B2:B4, SUM in B5 with a wrong cached value."""
    path = tmp_path_factory.mktemp("uno") / "locked.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(SHEET)
    unlocked = wb.add_format({"locked": False})
    ws.write("A1", "项目")
    ws.write("B1", "金额")
    for row, label in enumerate(["工资福利支出", "商品和服务支出", "其他支出"], start=1):
        ws.write(row, 0, label)
        ws.write_blank(row, 1, None, unlocked)
    ws.write("A5", "合计")
    ws.write_formula("B5", "=SUM(B2:B4)", None, 999)  # deliberately wrong cached value
    ws.data_validation(
        "B2:B4",
        {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "error_title": "输入错误",
            "error_message": ERROR_MESSAGE,
        },
    )
    wb.define_name("支出合计", f"={SHEET}!$B$5")
    ws.protect(PASSWORD)
    hidden = wb.add_worksheet("_meta")
    hidden.write("A1", "schema-v1")
    hidden.very_hidden()
    wb.close()
    return path


def _set_inputs(values=(10, 20, 30)) -> list[dict]:
    return [
        {"op": "set", "sheet": SHEET, "cell": f"B{row}", "value": value}
        for row, value in zip((2, 3, 4), values, strict=True)
    ]


def _open(path: Path, data_only: bool = False):
    wb = openpyxl.load_workbook(path, data_only=data_only)
    return wb, wb[SHEET]


def test_loads_sets_inputs_and_recalculates(libreoffice: LibreOffice, book: Path) -> None:
    results = libreoffice.run(
        book,
        [
            {"op": "get", "sheet": SHEET, "cells": ["B5"]},
            *_set_inputs(),
            {"op": "calculate_all"},
            {"op": "get", "sheet": SHEET, "cells": ["B2", "B5"]},
            {"op": "is_protected", "sheet": SHEET},
            {"op": "sheets"},
        ],
    )
    before, after, protected, sheets = results[0], results[-3], results[-2], results[-1]
    # LibreOffice trusts the cached value of an "Excel" file on load ...
    assert before[0]["value"] == 999
    # ... and recomputes once inputs change / calculateAll runs.
    assert after[0] == {
        "value": 10.0,
        "formula": None,
        "formula_excel": None,
        "type": "VALUE",
        "error": 0,
        "text": "10",
    }
    assert after[1]["type"] == "FORMULA"
    assert after[1]["formula"] == "=SUM(B2:B4)"
    assert after[1]["value"] == 60
    assert after[1]["error"] == 0
    assert protected is True
    # veryHidden is loaded as a plain hidden sheet
    assert sheets == [
        {"name": SHEET, "visible": True, "protected": True},
        {"name": "_meta", "visible": False, "protected": False},
    ]


def test_saved_xlsx_keeps_protection_validation_names_and_cached_values(
    libreoffice: LibreOffice, book: Path, tmp_path: Path
) -> None:
    out = tmp_path / "returned.xlsx"
    libreoffice.run(book, [*_set_inputs(), {"op": "calculate_all"}, {"op": "save_xlsx", "path": str(out)}])

    wb, ws = _open(out)
    assert ws.protection.sheet is True
    original = openpyxl.load_workbook(book)[SHEET].protection.password
    assert ws.protection.password.upper() == original.upper()  # legacy hash kept (case differs)

    validations = ws.data_validations.dataValidation
    assert len(validations) == 1
    dv = validations[0]
    assert str(dv.sqref) == "B2:B4"
    assert dv.type == "whole"
    assert dv.operator == "greaterThanOrEqual"
    assert dv.formula1 == "0"
    assert dv.error == ERROR_MESSAGE
    assert dv.errorTitle == "输入错误"
    assert dv.showErrorMessage

    assert "支出合计" in wb.defined_names
    assert wb.defined_names["支出合计"].attr_text == f"{SHEET}!$B$5"

    assert ws["B5"].value == "=SUM(B2:B4)"
    assert ws["B2"].protection.locked is False
    assert ws["A2"].protection.locked is True
    _, values = _open(out, data_only=True)
    assert values["B5"].value == 60  # the new cached value, not 999

    # very hidden comes back only hidden
    assert wb["_meta"].sheet_state == "hidden"


def test_uno_writes_bypass_protection_and_validation(libreoffice: LibreOffice, book: Path, tmp_path: Path) -> None:
    out = tmp_path / "tampered.xlsx"
    results = libreoffice.run(
        book,
        [
            {"op": "get_cell_protection", "sheet": SHEET, "cell": "A2"},
            {"op": "set", "sheet": SHEET, "cell": "A2", "value": "篡改的项目"},  # locked cell
            {"op": "set", "sheet": SHEET, "cell": "B2", "value": 2.5},  # breaks whole-number rule
            {"op": "set", "sheet": SHEET, "cell": "B3", "value": "abc"},
            {"op": "get", "sheet": SHEET, "cells": ["A2", "B2", "B5"]},
            {"op": "is_protected", "sheet": SHEET},
            {"op": "save_xlsx", "path": str(out)},
        ],
    )
    assert results[0]["locked"] is True
    a2, b2, b5 = results[4]
    assert a2["value"] == "篡改的项目"
    assert b2["value"] == 2.5
    assert b5["value"] == 2.5  # text in B3 is not summed
    assert results[5] is True

    _, ws = _open(out)
    assert ws.protection.sheet is True
    assert ws["A2"].value == "篡改的项目"
    assert ws["A2"].protection.locked is True
    assert ws["B2"].value == 2.5
    assert ws["B3"].value == "abc"


def test_unprotect_removes_protection_in_saved_file(libreoffice: LibreOffice, book: Path, tmp_path: Path) -> None:
    with pytest.raises(LibreOfficeError, match="IllegalArgumentException"):
        libreoffice.run(book, [{"op": "unprotect", "sheet": SHEET, "password": "wrong"}])

    out = tmp_path / "unprotected.xlsx"
    results = libreoffice.run(
        book,
        [
            {"op": "unprotect", "sheet": SHEET, "password": PASSWORD},
            {"op": "is_protected", "sheet": SHEET},
            {"op": "save_xlsx", "path": str(out)},
        ],
    )
    assert results[1] is False
    _, ws = _open(out)
    assert not ws.protection.sheet
    assert ws.data_validations.dataValidation  # validation is independent of protection


def test_insert_rows_shifts_formula_and_names(libreoffice: LibreOffice, book: Path, tmp_path: Path) -> None:
    # A protected sheet refuses row insertion even through UNO ...
    with pytest.raises(LibreOfficeError, match="is protected"):
        libreoffice.run(book, [{"op": "insert_rows", "sheet": SHEET, "index": 1, "count": 2}])

    # ... so with the password the driver unprotects around it and re-protects.
    out = tmp_path / "rows.xlsx"
    results = libreoffice.run(
        book,
        [
            {"op": "insert_rows", "sheet": SHEET, "index": 1, "count": 2},
            {"op": "get", "sheet": SHEET, "cells": ["B5", "B7"]},
            {"op": "named_ranges"},
            {"op": "get_validation", "sheet": SHEET, "cell": "B4"},
            {"op": "is_protected", "sheet": SHEET},
            {"op": "save_xlsx", "path": str(out)},
        ],
        password=PASSWORD,
    )
    b5, b7 = results[1]
    assert b5["type"] == "EMPTY"
    assert b7["formula"] == "=SUM(B4:B6)"
    assert {"name": "支出合计", "content": f"${SHEET}.$B$7", "scope": None} in results[2]
    assert results[3]["type"] == "WHOLE"
    assert results[4] is True

    wb, ws = _open(out)
    assert ws["B7"].value == "=SUM(B4:B6)"
    assert str(ws.data_validations.dataValidation[0].sqref) == "B4:B6"
    assert wb.defined_names["支出合计"].attr_text == f"{SHEET}!$B$7"
    assert ws.protection.sheet is True
    assert ws.protection.password.upper() == openpyxl.load_workbook(book)[SHEET].protection.password


def test_formula_validation_and_lock_edits(libreoffice: LibreOffice, book: Path, tmp_path: Path) -> None:
    out = tmp_path / "edited.xlsx"
    results = libreoffice.run(
        book,
        [
            *_set_inputs((1, 2, 3)),
            {"op": "set_formula", "sheet": SHEET, "cell": "C5", "formula": '=IF(B5>5,"超支","正常")'},
            {"op": "set_formula", "sheet": SHEET, "cell": "D5", "formula": "=支出合计*2"},
            {"op": "get", "sheet": SHEET, "cells": ["C5", "D5"]},
            {"op": "remove_validation", "sheet": SHEET, "cell": "B2:B4"},
            {"op": "get_validation", "sheet": SHEET, "cell": "B3"},
            {"op": "set_locked", "sheet": SHEET, "cell": "B5", "locked": False},
            {"op": "get_cell_protection", "sheet": SHEET, "cell": "B5"},
            {"op": "save_xlsx", "path": str(out)},
        ],
        password=PASSWORD,
    )
    c5, d5 = results[5]
    assert c5["value"] == "超支"
    assert c5["formula"] == '=IF(B5>5;"超支";"正常")'  # LibreOffice's own separators
    assert c5["formula_excel"] == '=IF(B5>5,"超支","正常")'
    assert d5["value"] == 12
    assert results[7]["type"] == "ANY"
    assert results[9]["locked"] is False

    _, ws = _open(out)
    assert ws.protection.sheet is True
    assert ws["B5"].protection.locked is False
    # a "removed" validation is saved as type none, not dropped
    assert all(dv.type in (None, "none") for dv in ws.data_validations.dataValidation)
    _, values = _open(out, data_only=True)
    assert values["C5"].value == "超支"


def test_export_pdf_and_render_png(libreoffice: LibreOffice, book: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "book.pdf"
    libreoffice.run(book, [*_set_inputs(), {"op": "export_pdf", "path": str(pdf)}])
    assert pdf.read_bytes()[:5] == b"%PDF-"

    png = render_png(book, tmp_path / "page1.png", 60)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 100 and height > 100


def test_restarts_a_crashed_soffice(libreoffice: LibreOffice, book: Path) -> None:
    restarts = libreoffice.restarts
    group = libreoffice.pid  # soffice runs in its own process group
    assert group is not None
    killed = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.getpgid(int(pid)) != group:
                continue
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
        if b"soffice.bin" in cmdline:
            os.kill(int(pid), 9)
            killed += 1
    assert killed == 1

    results = libreoffice.run(book, [{"op": "get", "sheet": SHEET, "cells": ["B5"]}])
    assert results[0][0]["value"] == 999
    assert libreoffice.restarts == restarts + 1
