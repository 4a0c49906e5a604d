"""Tests for workbook_builder.check.preflight.

* the hostile corpus (tests/hostile.py): every file gets exactly its verdict;
* honest files pass: hand-made, XlsxWriter, openpyxl, and the real client
  corpus in shared/reference/client-files;
* the zip bomb is refused in bounded memory and time;
* preflight never changes the file it reads;
* fuzzing: mutated packages never make it raise.
"""

from __future__ import annotations

import io
import os
import re
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import hostile
from workbook_builder.check.preflight import (
    PASSIVE_REASONS,
    Limits,
    Preflight,
    Problem,
    container,
    preflight_bytes,
    preflight_path,
    problems,
    scan,
)
from workbook_builder.check.preflight.problems import Refused
from workbook_builder.check.reader import ReadError, read_parts
from workbook_builder.findings.catalogue import PREFLIGHT_UNREADABLE, PREFLIGHT_UNSAFE

CLIENT_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference" / "client-files"
CLIENT_FILES = sorted(CLIENT_DIR.glob("*.xlsx")) if CLIENT_DIR.is_dir() else []

# Honest client files that our rules nevertheless refuse, on purpose.
# wps_easypoi_manyfe.xlsx really links two other workbooks (externalLink1/2,
# targets \Users\030762\...\IT资产预算-沈阳.xlsx and ...\1利润监控模板.深圳区.10月.xlsm)
# and its defined names use them ([1]基表!$A$1:$B$1).  Such a file cannot be
# checked on its own, so refusing it is the rule working, not a false alarm.
CLIENT_REFUSED = {"wps_easypoi_manyfe.xlsx": ("unsafe-content", "external-link")}

KEBAB = re.compile(r"^[a-z]+(?:-[a-z]+)*$")
CJK = re.compile(r"[\u4e00-\u9fff]")
MiB = 1 << 20


def assert_consistent(result: Preflight) -> None:
    """Exactly one of parts / problem, and a well-formed problem."""
    assert isinstance(result, Preflight)
    # Linked content (external links, data connections) is refused but parsed parts come back, so
    # the checker can still say whose file it is; every other problem comes without parts.
    passive = result.problem is not None and result.problem.reason in PASSIVE_REASONS
    assert (result.parts is None) != (result.problem is None) or (passive and result.parts is not None)
    if result.problem is not None:
        problem = result.problem
        assert isinstance(problem, Problem)
        assert problem.code in ("unreadable-file", "unsafe-content")
        assert KEBAB.match(problem.reason), problem.reason
        assert CJK.search(problem.sentence("zh")) and problem.sentence("zh").endswith("。")
        assert problem.sentence("en").endswith(".")


def verdict(result: Preflight) -> tuple[str, str] | None:
    return None if result.problem is None else (result.problem.code, result.problem.reason)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, hostile.Case]:
    return hostile.build_corpus(tmp_path_factory.mktemp("hostile"))


# --- the hostile corpus ---


@pytest.mark.parametrize("name", list(hostile.CASES))
def test_hostile_file_gets_its_verdict(corpus: dict[str, hostile.Case], name: str) -> None:
    path, code, reason = corpus[name]
    by_path = preflight_path(path)
    assert_consistent(by_path)
    if name in hostile.READER_CASES:
        assert by_path.problem is None and by_path.parts is not None
        with pytest.raises(ReadError) as refused:
            read_parts(by_path.parts)
        assert refused.value.reason == hostile.READER_CASES[name]
        return
    assert verdict(by_path) == (code, reason)
    assert (by_path.parts is not None) == (reason in PASSIVE_REASONS)
    assert preflight_bytes(path.read_bytes()) == by_path


def test_every_reason_has_both_messages() -> None:
    reasons = [(r, "unreadable-file") for r in PREFLIGHT_UNREADABLE] + [(r, "unsafe-content") for r in PREFLIGHT_UNSAFE]
    for reason, code in reasons:
        found = problems.problem(reason, part="xl/x.xml", limit="1")
        assert_consistent(Preflight(None, found))
        assert (found.code, found.reason) == (code, reason)
        assert "{" not in found.sentence("zh") + found.sentence("en")


def test_problem_names_the_part(corpus: dict[str, hostile.Case]) -> None:
    problem = preflight_path(corpus["macro-renamed"][0]).problem
    assert problem is not None and problem.part == "xl/media/image1.png"
    problem = preflight_path(corpus["dde-formula"][0]).problem
    assert problem is not None and problem.part == "xl/worksheets/sheet1.xml"


# --- honest files pass ---


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_minimal_xlsx_passes(compression: int) -> None:
    data = hostile.minimal_xlsx(compression=compression)
    result = preflight_bytes(data)
    assert_consistent(result)
    assert result.problem is None and result.parts is not None
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert dict(result.parts) == {name: zf.read(name) for name in zf.namelist()}
    with pytest.raises(TypeError):
        result.parts["xl/workbook.xml"] = b""  # type: ignore[index]
    # The base of the corpus is itself an honest workbook.
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None and sheet["A1"].value == "项目"


def test_vml_need_not_be_well_formed_but_must_not_declare_a_dtd() -> None:
    # Excel's legacy VML is not always well-formed XML (bare <br> tags).
    sloppy = '<xml xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><div>a<br>b</div></v:textbox></xml>'
    result = preflight_bytes(hostile.minimal_xlsx(extra_parts={"xl/drawings/vmlDrawing1.vml": sloppy}))
    assert result.parts is not None and "xl/drawings/vmlDrawing1.vml" in result.parts
    bomb = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "b">]><xml>&a;</xml>'
    result = preflight_bytes(hostile.minimal_xlsx(extra_parts={"xl/drawings/vmlDrawing1.vml": bomb}))
    assert verdict(result) == ("unsafe-content", "doctype")


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b"")
    )


def test_xlsxwriter_file_passes(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("表一")
    sheet.merge_range("A1:C1", "政府信息公开工作年度报告", workbook.add_format({"bold": True}))
    sheet.write_row("A2", ["项目", "数量", "备注"])
    sheet.write_column("B3", [1, 2, 3])
    sheet.write_formula("B6", "=SUM(B3:B5)", None, 6)
    sheet.write_formula("C6", '="a|b"&"!"', None, "a|b!")  # a pipe inside a string is not DDE
    sheet.data_validation("B3:B5", {"validate": "integer", "criteria": ">=", "value": 0})
    sheet.write_comment("A2", "批注")
    sheet.insert_image("E2", "dot.png", {"image_data": io.BytesIO(_png())})
    sheet.protect()
    workbook.define_name("合计", "='表一'!$B$6")
    workbook.close()
    result = preflight_path(path)
    assert_consistent(result)
    assert result.problem is None and result.parts is not None
    assert {"xl/workbook.xml", "[Content_Types].xml", "xl/worksheets/sheet1.xml"} <= set(result.parts)
    assert any(name.endswith(".vml") for name in result.parts)
    assert not any(name.endswith(".png") for name in result.parts)


def test_openpyxl_file_passes(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"], sheet["A2"], sheet["A3"] = "标题", 3, "=A2*2"
    path = tmp_path / "openpyxl.xlsx"
    workbook.save(path)
    assert verdict(preflight_path(path)) is None


def _client_params() -> list[object]:
    if not CLIENT_FILES:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{CLIENT_DIR} is absent"))]
    return [pytest.param(path, id=path.name) for path in CLIENT_FILES]


@pytest.mark.parametrize("path", _client_params())
def test_real_client_file(path: Path) -> None:
    before = path.read_bytes()
    result = preflight_path(path)
    assert_consistent(result)
    assert verdict(result) == CLIENT_REFUSED.get(path.name)
    if result.parts is not None:
        assert "xl/workbook.xml" in result.parts
    assert path.read_bytes() == before


# --- bounded memory and time ---


@pytest.mark.parametrize("name", ["zip-bomb", "zip-bomb-lying", "lying-sizes"])
def test_zip_bomb_is_refused_in_bounded_memory_and_time(corpus: dict[str, hostile.Case], name: str) -> None:
    path = corpus[name][0]
    assert path.stat().st_size < 2 * MiB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = preflight_path(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    assert verdict(result) == ("unsafe-content", "zip-bomb")
    assert peak < 100 * MiB, f"peak {peak / MiB:.0f} MiB"  # ~61 MiB for the lying bomb
    assert elapsed < 10


def test_streaming_caps_hold_even_if_declared_sizes_were_not_checked() -> None:
    sheet = hostile.SHEET_XML.replace("</sheetData>", " " * (5 * MiB) + "</sheetData>")
    with zipfile.ZipFile(io.BytesIO(hostile.minimal_xlsx(sheet=sheet))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        no_ratio = Limits(max_ratio=float("inf"))
        for limits, budget in [
            (Limits(max_ratio=float("inf"), max_part_bytes=MiB), 10 * MiB),  # per part
            (no_ratio, MiB),  # running total
            (Limits(max_ratio=100.0), 10 * MiB),  # actual ratio ~1000 here, over a 100:1 limit
        ]:
            with pytest.raises(Refused) as refused:
                container.inflate(zf, info, limits, budget)
            assert refused.value.problem.reason == "zip-bomb"
        assert len(container.inflate(zf, info, no_ratio, 10 * MiB)) == info.file_size


def test_limits_are_honoured() -> None:
    data = hostile.minimal_xlsx()
    assert verdict(preflight_bytes(data, Limits(max_file_bytes=len(data) - 1))) == ("unreadable-file", "too-large")
    assert verdict(preflight_bytes(data, Limits(max_entries=4))) == ("unsafe-content", "too-many-entries")
    assert verdict(preflight_bytes(data, Limits(max_part_bytes=100))) == ("unsafe-content", "zip-bomb")
    assert verdict(preflight_bytes(data, Limits(max_total_bytes=1000))) == ("unsafe-content", "zip-bomb")
    assert verdict(preflight_bytes(data, Limits(ratio_floor_bytes=0, max_ratio=1.0))) == ("unsafe-content", "zip-bomb")


def test_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as file:  # sparse: costs no disk
        file.write(b"PK\x03\x04")
        file.truncate(Limits().max_file_bytes + 1)
    tracemalloc.start()
    try:
        result = preflight_path(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert verdict(result) == ("unreadable-file", "too-large")
    assert peak < 4 * MiB


# --- the input is never touched ---


def test_files_are_unchanged(corpus: dict[str, hostile.Case], tmp_path: Path) -> None:
    honest = tmp_path / "honest.xlsx"
    honest.write_bytes(hostile.minimal_xlsx())
    paths = [honest, *(path for path, _, _ in corpus.values())]
    directories = {path.parent for path in paths}
    listing = {d: sorted(os.listdir(d)) for d in directories}
    old = 1_000_000_000_000_000_000  # 2001-09-09, in ns: any rewrite would move it
    for path in paths:
        os.utime(path, ns=(old, old))
    before = {path: path.read_bytes() for path in paths}
    for path in paths:
        preflight_path(path)
        preflight_path(str(path))
    for path in paths:
        assert path.read_bytes() == before[path]
        assert path.stat().st_mtime_ns == old
    assert {d: sorted(os.listdir(d)) for d in directories} == listing


def test_unreadable_paths(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.xlsx"
    os.mkfifo(fifo)
    paths: list[str | Path] = [tmp_path / "missing.xlsx", tmp_path, fifo, "bad\0name.xlsx"]
    for path in paths:
        result = preflight_path(path)
        assert_consistent(result)
        assert verdict(result) == ("unreadable-file", "io-error")


def test_unreadable_permission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.xlsx"
    path.write_bytes(hostile.minimal_xlsx())
    if os.geteuid() != 0:
        path.chmod(0)
    else:  # root reads whatever the mode says: simulate the refusal instead

        def refuse(*args: object) -> int:
            raise PermissionError(13, "Permission denied", str(path))

        monkeypatch.setattr(os, "open", refuse)
    assert verdict(preflight_path(path)) == ("unreadable-file", "io-error")


# --- DDE recognition ---


@pytest.mark.parametrize(
    "formula",
    [
        "cmd|' /C calc'!A0",
        "=cmd|' /C calc'!A0",
        "MSEXCEL|'\\..\\..\\Windows\\System32\\cmd.exe /c calc.exe'!''",
        "'cmd'|'/c calc'!'A1'",
        "SUM(1+1)*cmd|' /C calc'!A0",
        'DDE("cmd";"/C calc";"__")',
        'ddeauto("cmd","/c calc","x")',
    ],
)
def test_dde_formulas(formula: str) -> None:
    assert scan._is_dde_formula(formula)


@pytest.mark.parametrize(
    "formula",
    [
        "SUM(B1:B5)",
        '"a|b"&A1',
        "'Sheet|1'!A1+1",
        '"DDE(x)"',
        "[1]基表!$A$1:$B$1",
        'IF(A1="|",1,2)',
        "SUM(表1[[#This Row],[A|B]])",
        "ADDRESS(1,1)",
    ],
)
def test_not_dde_formulas(formula: str) -> None:
    assert not scan._is_dde_formula(formula)


# --- fuzzing ---

_BASES = [
    hostile.minimal_xlsx(),
    hostile.minimal_xlsx(compression=zipfile.ZIP_STORED),  # mutations reach the XML
]


@st.composite
def mutated_packages(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_BASES)))
    for _ in range(draw(st.integers(1, 6))):
        operation = draw(st.sampled_from(["set", "insert", "delete", "truncate", "splice-header"]))
        position = draw(st.integers(0, len(data)))
        if operation == "set" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif operation == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        elif operation == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        elif operation == "truncate":
            del data[position:]
        elif operation == "splice-header":
            # Overwrite a 32-bit field of some record with an extreme value.
            starts = [m.start() for m in re.finditer(rb"PK[\x01\x03\x05]", bytes(data))]
            if starts:
                offset = draw(st.sampled_from(starts)) + draw(st.integers(4, 44))
                value = draw(st.sampled_from([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, len(data), 1 << 31]))
                if offset + 4 <= len(data):
                    struct.pack_into("<I", data, offset, value)
    return bytes(data)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_packages())
def test_fuzz_mutated_packages_never_raise(data: bytes) -> None:
    assert_consistent(preflight_bytes(data))


@settings(max_examples=150, deadline=None, database=None)
@given(st.binary(max_size=2048).map(lambda b: b"PK\x03\x04" + b) | st.binary(max_size=2048))
def test_fuzz_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert_consistent(preflight_bytes(data))
