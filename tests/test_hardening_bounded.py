"""Issue 7, bounded resources: whatever a file holds within the size limits, checking it takes bounded
memory and time, and bulk that no return needs is a finding (`unreadable-file`, `too-complex`).

A 5 MiB file of blank styled cells once took 1.6 GB and passed. The files here are made by
tests/bloat.py from an honest, filled workbook; the memory test runs the real command in a process
whose address space is capped. Timings are not asserted here (benchmarks/bench_bloat.py measures them).
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests import tamper_xml as tx
from tests.bloat import bloat, honest_workbook
from workbook_builder import api
from workbook_builder.check.preflight import Limits, preflight_bytes
from workbook_builder.check.reader import read_parts
from workbook_builder.findings import Code
from workbook_builder.ooxml import xml

ROOT = Path(__file__).resolve().parents[1]
MiB = 1 << 20
# Address space for one `check` process: an honest file needs far less, the old reader needed
# about 1.6 GB for the 5 MiB file below and died of MemoryError under this cap.
ADDRESS_SPACE = 300 * MiB
ELEMENTS = 200_000  # Limits().max_elements (a literal, so that this file also runs against the old code)


def _codes(path: Path) -> list[tuple[str, str | None]]:
    return [(f.code, f.actual if f.code == Code.UNREADABLE_FILE else None) for f in api.check_file(path).findings]


def _capped_check(path: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    proc = subprocess.run([sys.executable, "-m", "workbook_builder", "check", str(path), "--format", "json"],
                          capture_output=True, cwd=ROOT, preexec_fn=cap, timeout=300)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode("utf-8", "replace")
    return proc.returncode, json.loads(proc.stdout)["files"][0]


@pytest.fixture(scope="module")
def base() -> bytes:
    return honest_workbook()


def test_an_honest_file_passes_under_the_memory_cap(base: bytes, tmp_path: Path) -> None:
    path = tmp_path / "honest.xlsx"
    path.write_bytes(base)
    rc, report = _capped_check(path)
    assert (rc, report["findings"]) == (0, [])


def test_five_mib_of_blank_styled_cells_is_too_complex_within_the_memory_cap(base: bytes, tmp_path: Path) -> None:
    path = tmp_path / "bloated.xlsx"
    path.write_bytes(bloat(base, "cells", 1_250_000))
    assert path.stat().st_size > 5 * MiB
    rc, report = _capped_check(path)
    assert rc == 1
    assert [(f["code"], f["actual"]) for f in report["findings"]] == [("unreadable-file", "too-complex")]
    assert "单元格" in report["findings"][0]["message"]  # says what is too much, in words a clerk reads


# Each amplifier a little past the element limit: refused before any parser sees it (the old reader
# parsed each into a tree and passed most of them).
@pytest.mark.parametrize("kind, n", [
    ("cells", ELEMENTS + 1_000),            # blank styled cells below the template
    ("valued", ELEMENTS // 2 + 1_000),      # cells holding numbers (a <c> and a <v> each)
    ("rows", ELEMENTS + 1_000),             # empty <row r=…> up to Excel's last row, no cells at all
    ("spans", ELEMENTS // 2 + 1_000),       # rows claiming spans="1:16384"
    ("strings", ELEMENTS // 2 + 1_000),     # shared strings (<si><t>)
    ("xfs", ELEMENTS // 2 + 1_000),         # cell formats in styles.xml (<xf><protection/>)
    ("merges", ELEMENTS + 1_000),           # merged ranges
    ("validations", ELEMENTS // 2 + 1_000), # data validations (<dataValidation><formula1>)
    ("defined-names", ELEMENTS + 1_000),    # defined names in workbook.xml
])
def test_bulk_past_the_element_limit_is_too_complex(base: bytes, tmp_path: Path, kind: str, n: int) -> None:
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(bloat(base, kind, n))
    assert _codes(path) == [("unreadable-file", "too-complex")]


def test_the_element_limit_is_the_documented_one() -> None:
    assert Limits().max_elements == ELEMENTS


def test_bulk_within_the_limit_still_checks_correctly(base: bytes, tmp_path: Path) -> None:
    path = tmp_path / "some-blank-cells.xlsx"
    path.write_bytes(bloat(base, "cells", 20_000))  # formatting outside the tables is harmless
    assert _codes(path) == []


def test_a_formula_longer_than_any_spreadsheet_writes_is_too_complex(base: bytes, tmp_path: Path) -> None:
    # 1 MB of formula text in a template formula cell once took seconds to compare and was copied
    # whole into every output; Excel, WPS and LibreOffice write at most 8192 characters.
    parts = tx.load(base)
    tx.edit(parts, tx.SHEET_PART["依申请公开"],
            lambda x: x.replace("<f>SUM(D7:D27)</f>", "<f>SUM(D7:D27)" + "+0" * 500_000 + "</f>", 1))
    path = tx.save(parts, tmp_path / "long-formula.xlsx")
    report = api.check_file(path)
    assert [(f.code, f.actual) for f in report.findings] == [("unreadable-file", "too-complex")]
    assert "xl/worksheets/sheet3.xml" in report.findings[0].message()


def test_a_formula_of_excels_longest_length_is_read(base: bytes, tmp_path: Path) -> None:
    parts = tx.load(base)
    formula = "SUM(D7:D27)" + "+0" * 4_000  # 8011 characters: within Excel's 8192
    tx.edit(parts, tx.SHEET_PART["依申请公开"], lambda x: x.replace("<f>SUM(D7:D27)</f>", f"<f>{formula}</f>", 1))
    path = tx.save(parts, tmp_path / "long-but-legal.xlsx")
    assert [f.code for f in api.check_file(path).findings] == [Code.FORMULA_CHANGED]


CLIENT_FILES = ROOT.parent / "shared" / "reference" / "client-files"


def _corpus() -> list[tuple[str, bytes]]:
    files = [("honest", honest_workbook()), ("honest+cells", bloat(honest_workbook(), "cells", 5_000))]
    if CLIENT_FILES.is_dir():  # real WPS, Excel and LibreOffice files
        files += [(p.name, p.read_bytes()) for p in sorted(CLIENT_FILES.glob("*.xlsx"))]
    return files


def test_streamed_parts_read_exactly_as_parsed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    # large parts are streamed, small ones parsed whole: both ways give the same workbook
    for name, data in _corpus():
        pre = preflight_bytes(data)
        assert pre.parts is not None, name
        monkeypatch.setattr(xml, "STREAM_ABOVE", 1 << 40)
        whole = read_parts(pre.parts)
        monkeypatch.setattr(xml, "STREAM_ABOVE", 0)
        streamed = read_parts(pre.parts)
        monkeypatch.undo()
        assert streamed == whole, name
        if name.startswith("honest"):
            sheet = whole.sheet("依申请公开")
            assert sheet is not None and sheet.protected and sheet.merged and sheet.validations
            assert sheet.cells[(28, 4)].formula == "SUM(D7:D27)"


def test_xml_parts_past_the_inflated_limits_are_refused_from_the_directory(base: bytes) -> None:
    # 33 MiB of shared-string text that deflate cannot shrink 1000:1 (so no ratio limit applies):
    # the XML of a file is held in memory while it is checked, so each part is bounded (32 MiB)
    parts = tx.load(base)
    block = random.Random(7).randbytes(48 * 1024).hex().encode()  # repeats beyond deflate's window
    text = block * (33 * MiB // len(block) + 1)
    parts[tx.STRINGS] = parts[tx.STRINGS].replace(b"</sst>", b"<si><t>" + text + b"</t></si></sst>")
    pre = preflight_bytes(tx.pack(parts))
    assert pre.problem is not None and (pre.problem.code, pre.problem.reason) == ("unsafe-content", "zip-bomb")
