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


# ---------------------------------------------------------------- found by review: each once slipped through


TEXT_PART = tx.SHEET_PART["文字说明"]
DDE = "<row r=\"200\"><c r=\"Z200\"><f>cmd|'/C calc'!A0</f><v>0</v></c></row></sheetData>"


def _codes(report) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    return [(f.code, f.actual) for f in report.findings]


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_utf16_part_is_scanned_like_any_other(honest: Path, tmp_path: Path, bom: bool) -> None:
    parts = tx.load(honest)
    text = parts[TEXT_PART].decode().replace("</sheetData>", DDE, 1).replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
    parts[TEXT_PART] = text.encode("utf-16" if bom else "utf-16-le")
    assert ("unsafe-content", "dde") in _codes(_check(parts, tmp_path))


def test_utf16_doctype_late_in_a_part_is_refused(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    custom = parts[tx.CUSTOM].decode()
    body = custom.split("?>", 1)[1]
    dtd = '<?xml version="1.0" encoding="UTF-16"?><!--' + "x" * 2000 + '--><!DOCTYPE a [<!ENTITY e "boom">]>'
    parts[tx.CUSTOM] = (dtd + body).encode("utf-16-le")
    assert ("unsafe-content", "doctype") in _codes(_check(parts, tmp_path))


def test_a_part_in_another_encoding_is_refused(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    parts[tx.CUSTOM] = parts[tx.CUSTOM].decode().replace('encoding="UTF-8"', 'encoding="GBK"', 1).encode("gbk")
    assert _codes(_check(parts, tmp_path)) == [("unreadable-file", "bad-xml")]  # OPC allows UTF-8/16 only


def test_unclosed_formula_tags_do_not_make_the_scan_quadratic(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    parts["xl/junk.xml"] = b"<x>|" + b"<f>" * 60_000 + b"</x>"
    _check(parts, tmp_path)  # in bounded time: the limit is asserted by _check


def test_a_shared_formula_bomb_is_refused_quickly(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    formula = "+".join(["A1"] * 20_000)
    rows = [f'<row r="1000"><c r="Z1000"><f t="shared" ref="Z1000:Z2000" si="77">{formula}</f><v>0</v></c></row>']
    rows += [f'<row r="{r}"><c r="Z{r}"><f t="shared" si="77"/><v>0</v></c></row>' for r in range(1001, 2001)]
    tx.edit(parts, TEXT_PART, lambda x: x.replace("</sheetData>", "".join(rows) + "</sheetData>", 1))
    assert _codes(_check(parts, tmp_path)) == [("unreadable-file", "too-complex")]


def test_row_numbers_longer_than_excel_allows_are_not_a_crash(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.edit(parts, TEXT_PART, lambda x: x.replace(
        "</sheetData>", f'<row r="{"9" * 5000}"><c r="Z{"9" * 5000}"><v>1</v></c></row></sheetData>', 1))
    assert all(code != "checker-error" for code, _ in _codes(_check(parts, tmp_path)))


def test_numbers_past_excel_precision_are_invalid_not_a_crash(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.edit(parts, REQ, lambda x: re.sub(r'(<c r="D5"[^>]*>)<v>[^<]*</v>', r"\g<1><v>1e308</v>", x, count=1))
    tx.edit(parts, REQ, lambda x: re.sub(r'(<c r="E5"[^>]*>)<v>[^<]*</v>', r"\g<1><v>1e308</v>", x, count=1))
    report = _check(parts, tmp_path)
    assert sorted(f.cell for f in report.findings if f.code == "invalid-input") == ["'依申请公开'!D5", "'依申请公开'!E5"]
    assert all(len(f.message()) < 400 for f in report.findings)  # no 309-digit numbers


def test_control_characters_from_a_file_never_reach_the_terminal(honest: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    parts = tx.load(honest)
    tx.edit(parts, REQ, lambda x: re.sub(r'<c r="D5"([^>]*?)(?: t="\w+")?>(?:<v>[^<]*</v>)?</c>',
                                         r'<c r="D5"\1 t="inlineStr"><is><t>_x001B_]0;pwned_x0007_</t></is></c>',
                                         x, count=1))
    path = tx.save(parts, tmp_path / "ansi.xlsx")
    out = subprocess.run([sys.executable, "-m", "workbook_builder", "check", str(path)], capture_output=True, timeout=60)
    assert b"\x1b" not in out.stdout and b"\x07" not in out.stdout
    assert b"\\x1b" in out.stdout  # shown, escaped


def test_summary_and_annotation_survive_hostile_files(honest: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    folder = tmp_path / "in"
    folder.mkdir()
    parts = tx.load(honest)
    tx.edit(parts, tx.SHEET_PART["文字说明"], lambda x: re.sub(
        r'(<c r="A2"[^>]*?)(?: t="\w+")?>.*?</c>', r'\1 t="inlineStr"><is><t>' + "长" * 40_000 + "</t></is></c>", x,
        count=1, flags=re.S))
    tx.save(parts, folder / "long-text.xlsx")
    linked = tx.load(honest)
    linked["xl/externalLinks/externalLink1.xml"] = b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    tx.save(linked, folder / "linked.xlsx")
    out = subprocess.run([sys.executable, "-m", "workbook_builder", "check", str(folder), "--summary",
                          str(tmp_path / "s.xlsx"), "--annotate", str(tmp_path / "notes")],
                         capture_output=True, timeout=120)
    assert out.returncode == 1 and b"Traceback" not in out.stderr, out.stderr.decode("utf-8", "replace")
    assert (tmp_path / "s.xlsx").exists()
    assert sorted(p.name for p in (tmp_path / "notes").iterdir()) == ["long-text.批注.xlsx"]  # linked: not copied
