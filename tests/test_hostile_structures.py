"""Well-formed but hostile structures inside one of our own workbooks: each is checked in bounded time.

Preflight bounds bytes; these bound work: ranges are never expanded cell by cell.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests import tamper_xml as tx
from tests.make_filled import build_to, honest_data
from workbook_builder import api

REQ = tx.SHEET_PART["依申请公开"]
LIMIT_SECONDS = 5.0


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_to(tmp_path_factory.mktemp("honest"), honest_data(), "honest.xlsx")


def _check(parts: dict[str, bytes], tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tx.save(parts, tmp_path / "hostile.xlsx")
    start = time.perf_counter()
    report = api.check_file(path)
    assert time.perf_counter() - start < LIMIT_SECONDS
    return report


def test_whole_sheet_validation_ranges_are_not_expanded(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    # every validation widened to the whole sheet: 17 billion cells if anyone expanded them
    tx.edit(parts, REQ, lambda x: re.sub(r'sqref="[^"]*"', 'sqref="A1:XFD1048576"', x))
    report = _check(parts, tmp_path)
    assert all(f.code != "checker-error" for f in report.findings)


def test_a_huge_merge_and_a_far_corner_cell(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.edit(parts, REQ, lambda x: x.replace("</mergeCells>", '<mergeCell ref="K1:XFD1048576"/></mergeCells>'))
    tx.edit(parts, REQ, lambda x: x.replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    report = _check(parts, tmp_path)
    codes = [f.code for f in report.findings]
    assert "checker-error" not in codes
    assert codes == ["structure-changed"]  # the extra merge changes the sheet's structure, nothing else
