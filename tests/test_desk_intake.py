"""The desk's intake of uploads (desk/intake.py): copied in chunks to private names inside the job's
folder, within the caps; a name is only ever shown, never a path; refusals handed to `api.check`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.batch_helpers import unit_data
from tests.make_filled import build_to
from tests.zip_helpers import gbk_zip
from workbook_builder import api
from workbook_builder.desk.intake import Intake
from workbook_builder.textsafe import shown_name

MiB = 1 << 20


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return build_to(tmp_path_factory.mktemp("book"), unit_data(0, "甲镇"), "甲镇.xlsx").read_bytes()


def _tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


class Chunky(io.RawIOBase):
    """A stream that hands out at most `step` bytes a read, and can fail after `fail_at` bytes."""

    def __init__(self, data: bytes, step: int = 7000, fail_at: int | None = None) -> None:
        self.data, self.pos, self.step, self.fail_at = data, 0, step, fail_at
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        if self.fail_at is not None and self.pos >= self.fail_at:
            raise ConnectionResetError("the browser went away")
        n = self.step if size < 0 else min(size, self.step)
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk


@pytest.mark.parametrize(("raw", "shown", "kept"), [
    ("甲镇.xlsx", "甲镇.xlsx", "0001.xlsx"),
    ("../../etc/passwd", "etc/passwd", "0001.bin"),
    ("C:\\Windows\\x.xlsx", "Windows/x.xlsx", "0001.xlsx"),
    ("/abs/乡镇/./乙镇.XLSX", "abs/乡镇/乙镇.XLSX", "0001.xlsx"),
    ("乡镇\\..\\..\\丙乡.xlsm", "乡镇/丙乡.xlsm", "0001.xlsm"),
    ("a\x00b\x1b[31m\u202egnp.xlsx", "ab[31mgnp.xlsx", "0001.xlsx"),
    ("x\udcb2y.csv", "xy.csv", "0001.csv"),
    ("报告.pdf", "报告.pdf", "0001.pdf"),
    ("交回.ZIP", "交回.ZIP", "0001.zip"),
    ("run.exe", "run.exe", "0001.bin"),
    ("..", "file", "0001.bin"),
    ("", "file", "0001.bin"),
])
def test_a_name_is_shown_never_used_as_a_path(raw: str, shown: str, kept: str, tmp_path: Path) -> None:
    job = tmp_path / "job"
    intake = Intake(job, max_file_bytes=MiB, max_files=10)
    intake.add(raw, io.BytesIO(b"content"))
    assert intake.paths == [job / "in" / kept]
    assert intake.names == {str(job / "in" / kept): shown}
    assert _tree(tmp_path) == ["job", "job/in", f"job/in/{kept}"]  # nothing anywhere else
    assert (job / "in" / kept).read_bytes() == b"content"


def test_a_long_name_is_cut_keeping_its_extension() -> None:
    name = shown_name("乡" * 300 + ".xlsx")
    assert len(name) == 200 and name.endswith("….xlsx")
    assert shown_name("单位/" + "乡" * 300 + ".xlsx").startswith("单位/乡")


def test_repeated_names_are_numbered(tmp_path: Path) -> None:
    intake = Intake(tmp_path, max_file_bytes=MiB, max_files=10)
    for raw in ("甲镇.xlsx", "甲镇.xlsx", "a/甲镇.xlsx", "甲镇.XLSX", "../甲镇.xlsx", "README"):
        intake.add(raw, io.BytesIO(b"x"))
    assert list(intake.names.values()) == ["甲镇.xlsx", "甲镇（2）.xlsx", "a/甲镇.xlsx", "甲镇（3）.XLSX",
                                           "甲镇（4）.xlsx", "README"]
    assert [p.name for p in intake.paths] == ["0001.xlsx", "0002.xlsx", "0003.xlsx", "0004.xlsx", "0005.xlsx",
                                              "0006.bin"]


def test_caps_refuse_and_remove_the_partial_copy(tmp_path: Path) -> None:
    intake = Intake(tmp_path, max_file_bytes=2 * MiB, max_files=3)
    big = Chunky(b"x" * (5 * MiB + 1), step=MiB // 3)
    intake.add("大.xlsx", big)
    intake.add("空.xlsx", io.BytesIO(b""))
    intake.add("甲.xlsx", io.BytesIO(b"1"))
    intake.add("乙.xlsx", io.BytesIO(b"2"))
    intake.add("丙.xlsx", io.BytesIO(b"3"))
    late = Chunky(b"never read")
    intake.add("丁.xlsx", late)
    intake.add("戊.xlsx", io.BytesIO(b"5"))
    assert late.reads == 0  # past the count cap a file is not read at all
    assert big.pos == 5 * MiB + 1  # read to the end to say its size, not kept
    assert [intake.names[str(p)] for p in intake.paths] == ["甲.xlsx", "乙.xlsx", "丙.xlsx"]
    assert intake.refused == [("大.xlsx", "too-large", {"size": 6, "limit": 2}), ("空.xlsx", "empty", {}),
                              ("丁.xlsx", "too-many", {"count": 7, "limit": 3}),
                              ("戊.xlsx", "too-many", {"count": 7, "limit": 3})]
    assert _tree(tmp_path / "in") == ["0003.xlsx", "0004.xlsx", "0005.xlsx"]  # partial copies removed


def test_a_broken_upload_leaves_no_partial_file(tmp_path: Path) -> None:
    intake = Intake(tmp_path, max_file_bytes=10 * MiB, max_files=3)
    with pytest.raises(ConnectionResetError):
        intake.add("甲.xlsx", Chunky(b"x" * (3 * MiB), step=MiB, fail_at=2 * MiB))
    assert _tree(tmp_path / "in") == [] and intake.paths == [] and intake.names == {}
    intake.add("甲.xlsx", io.BytesIO(b"again"))  # sent again: a fresh private name, its own shown name
    assert [p.name for p in intake.paths] == ["0002.xlsx"] and list(intake.names.values()) == ["甲.xlsx"]


def test_a_second_intake_in_the_same_folder_never_touches_the_first_s_files(tmp_path: Path) -> None:
    first, second = Intake(tmp_path, MiB, 5), Intake(tmp_path, MiB, 5)
    first.add("甲.xlsx", io.BytesIO(b"first"))
    second.add("甲.xlsx", io.BytesIO(b"second"))
    assert [p.name for p in second.paths] == ["0002.xlsx"]
    assert first.paths[0].read_bytes() == b"first" and second.paths[0].read_bytes() == b"second"


def test_the_folder_is_private(tmp_path: Path) -> None:
    Intake(tmp_path / "job", 1, 1)
    assert (tmp_path / "job" / "in").stat().st_mode & 0o777 == 0o700


def test_an_upload_is_checked_under_its_shown_names(book: bytes, tmp_path: Path) -> None:
    """The whole way: uploads (a workbook, a Windows zip, a hostile name, an empty file) → api.check."""
    intake = Intake(tmp_path / "job", max_file_bytes=4 * MiB, max_files=10)
    intake.add("乡镇/甲镇.xlsx", io.BytesIO(book))
    intake.add("..\\..\\交回.zip", io.BytesIO(gbk_zip([("乙镇.xlsx", book), ("丙乡.xlsx", book)])))
    intake.add("空.xlsx", io.BytesIO(b""))
    with api.check(intake.paths, names=intake.names, refused=intake.refused, jobs=1) as run:
        assert [(f.path, f.valid) for f in run.files] == [
            ("空.xlsx", False), ("乡镇/甲镇.xlsx", True), ("交回.zip/丙乡.xlsx", True), ("交回.zip/乙镇.xlsx", True)]
        assert [(str(x.code), x.reason) for x in run.files[0].findings] == [("upload-refused", "empty")]
        assert run.sources["乡镇/甲镇.xlsx"] == str(tmp_path / "job" / "in" / "0001.xlsx")
        assert Path(run.sources["交回.zip/乙镇.xlsx"]).read_bytes() == book
        assert _tree(tmp_path / "job") == ["in", "in/0001.xlsx", "in/0002.zip"]
