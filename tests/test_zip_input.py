"""A .zip of returns as input (batch/zipin.py, batch/paths.py): expanded into a private folder, its
members shown as `<zip>/<member>` and checked like a folder's files; every hostile kind refused with a
`zip-refused` finding while the other members are checked; nothing written outside the private
folder, and the folder removed when the run is released."""

from __future__ import annotations

import gc
import io
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from tests.batch_helpers import ROOT, unit_data
from tests.make_filled import build_to
from tests.zip_helpers import damage, gbk_zip, make_zip, set_flag, set_method, set_size
from workbook_builder import api
from workbook_builder.batch import zipin
from workbook_builder.batch.zipin import MiB, Scratch, ZipLimits, member_name
from workbook_builder.render import text as render_text

CLIENT_FILES = ROOT.parent / "shared" / "reference" / "client-files"


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Honest returns of two units, and one with a blank input (a finding to annotate)."""
    folder = tmp_path_factory.mktemp("books")
    jia = build_to(folder, unit_data(0, "甲镇"), "甲镇.xlsx").read_bytes()
    yi = build_to(folder, unit_data(1, "乙镇"), "乙镇.xlsx").read_bytes()
    data = unit_data(2, "丙乡")
    data["disclosure.rules.issued"] = None
    data["disclosure.rules.in_force"] = None
    bing = build_to(folder, data, "丙乡.xlsx", strict=False).read_bytes()
    return {"甲镇": jia, "乙镇": yi, "丙乡": bing}


def _summary(run) -> list[tuple[str, str | None, bool]]:  # type: ignore[no-untyped-def]
    return [(f.path, f.unit, f.valid) for f in run.files]


# ---------------------------------------------------------------- names


def test_a_windows_zip_of_gbk_names_is_shown_and_checked(books: dict[str, bytes], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    data = gbk_zip([("甲镇.xlsx", books["甲镇"]), ("乡镇/乙镇.xlsx", books["乙镇"]), ("说明.txt", b"\xc7\xeb\xb2\xe9\xca\xd5")])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert all(not i.flag_bits & 0x800 for i in zf.infolist())  # as Windows writes them
        assert zf.namelist()[0] != "甲镇.xlsx"  # zipfile alone reads them as cp437 mojibake
    (tmp_path / "交回.zip").write_bytes(data)
    monkeypatch.chdir(tmp_path)
    with api.check(["交回.zip"], jobs=1) as run:
        assert _summary(run) == [("交回.zip/乡镇/乙镇.xlsx", "乙镇", True), ("交回.zip/甲镇.xlsx", "甲镇", True)]
        assert run.skipped == (("交回.zip/说明.txt", "not-a-table"),)
        assert set(run.sources) == {"交回.zip/乡镇/乙镇.xlsx", "交回.zip/甲镇.xlsx"}  # the note was not checked
        assert all(Path(real).read_bytes() == books[Path(shown).stem] for shown, real in run.sources.items())


def test_a_utf8_flagged_zip_and_what_nobody_sent(books: dict[str, bytes], tmp_path: Path) -> None:
    data = make_zip([("交回/甲镇.xlsx", books["甲镇"]), ("交回/~$甲镇.xlsx", b"lock"),
                     ("__MACOSX/交回/._甲镇.xlsx", b"shadow"), ("交回/", b"")])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.getinfo("交回/甲镇.xlsx").flag_bits & 0x800
    zip_path = tmp_path / "returns.zip"
    zip_path.write_bytes(data)
    run = api.check([zip_path], names={zip_path: "二〇二四年交回.zip"}, jobs=1)
    assert _summary(run) == [("二〇二四年交回.zip/交回/甲镇.xlsx", "甲镇", True)]
    assert run.skipped == ()
    run.release()


@pytest.mark.parametrize(("raw", "flag", "name"), [
    ("甲镇.xlsx".encode("gbk"), 0, "甲镇.xlsx"),
    ("省".encode("gbk"), 0, "省"),  # CA A1: valid UTF-8 too (“ʡ”), read as Chinese
    ("甲镇.xlsx".encode(), 0, "甲镇.xlsx"),  # macOS Archive Utility: UTF-8 without the flag
    ("甲镇.xlsx".encode(), 0x800, "甲镇.xlsx"),
    ("r\x82sum\x82.xlsx".encode("latin-1"), 0, "résumé.xlsx"),  # cp437 (an old DOS zip)
])
def test_member_names_are_decoded_as_their_writer_meant(raw: bytes, flag: int, name: str) -> None:
    info = zipfile.ZipInfo(raw.decode("utf-8") if flag else raw.decode("cp437"))
    info.flag_bits = flag
    assert member_name(info) == name


def test_a_zip_in_a_folder_is_walked_with_the_folder(books: dict[str, bytes], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "交回"
    folder.mkdir()
    (folder / "丁.xlsx").write_bytes(books["乙镇"])
    (folder / "乡镇.zip").write_bytes(gbk_zip([("甲镇.xlsx", books["甲镇"])]))
    (folder / "._乡镇.zip").write_bytes(b"macOS shadow")
    monkeypatch.chdir(tmp_path)
    with api.check(["交回"], jobs=1) as run:
        assert [f.path for f in run.files] == ["交回/丁.xlsx", "交回/乡镇.zip/甲镇.xlsx"]
        assert run.sources["交回/丁.xlsx"] == "交回/丁.xlsx"
        assert Path(run.sources["交回/乡镇.zip/甲镇.xlsx"]).read_bytes() == books["甲镇"]


def test_an_office_file_named_zip_is_checked_as_itself(books: dict[str, bytes], tmp_path: Path) -> None:
    path = tmp_path / "甲镇.zip"
    path.write_bytes(books["甲镇"])
    run = api.check([path], jobs=1)
    assert [(f.path, f.unit) for f in run.files] == [(str(path), "甲镇")]


# ---------------------------------------------------------------- hostile zips


def _zeros(n: int) -> bytes:
    return b"\0" * n


HOSTILE = {  # kind → (how the zip is made from the good member, the refused shown name, the reason)
    "damaged": (lambda good: good[: len(good) // 2], "x.zip", "damaged"),
    "not-a-zip": (lambda good: b"this is no zip at all", "x.zip", "damaged"),
    "empty": (lambda good: make_zip([("空文件夹/", b"")]), "x.zip", "empty"),
    "encrypted": (lambda good: set_flag(make_zip([("乙.xlsx", b"secret")]), "乙.xlsx", 1), "x.zip", "encrypted"),
    "member-encrypted": (lambda good: set_flag(make_zip([("甲镇.xlsx", good), ("乙.xlsx", b"secret")]), "乙.xlsx", 1),
                         "x.zip/乙.xlsx", "member-encrypted"),
    "too-many": (lambda good: make_zip([("甲镇.xlsx", good)] + [(f"{i}.txt", b"") for i in range(2000)]),
                 "x.zip", "too-many"),
    "too-large": (lambda good: set_size(set_size(make_zip([("甲镇.xlsx", good), ("a.txt", b"a"), ("b.txt", b"b")]),
                                                 "a.txt", 0x7FFFFFFF), "b.txt", 0x7FFFFFFF), "x.zip", "too-large"),
    "bomb": (lambda good: make_zip([("甲镇.xlsx", good), ("乙.xlsx", _zeros(16 * MiB))]), "x.zip/乙.xlsx", "bomb"),
    "lying-size": (lambda good: set_size(make_zip([("甲镇.xlsx", good), ("乙.csv", b"1,2\n" * (2 * MiB))]), "乙.csv", 1000),
                   "x.zip/乙.csv", "bomb"),
    "traversal": (lambda good: make_zip([("甲镇.xlsx", good), ("../../乙.xlsx", good)]), "x.zip/乙.xlsx", "unsafe-name"),
    "absolute": (lambda good: make_zip([("甲镇.xlsx", good), ("/etc/乙.xlsx", good)]), "x.zip/etc/乙.xlsx", "unsafe-name"),
    "drive": (lambda good: make_zip([("甲镇.xlsx", good), ("C:\\Windows\\乙.xlsx", good)]), "x.zip/Windows/乙.xlsx",
              "unsafe-name"),
    "nested": (lambda good: make_zip([("甲镇.xlsx", good), ("内/乙.zip", make_zip([("乙.xlsx", good)]))]),
               "x.zip/内/乙.zip", "nested"),
    "deflate64": (lambda good: set_method(make_zip([("甲镇.xlsx", good), ("乙.xlsx", good)]), "乙.xlsx", 9),
                  "x.zip/乙.xlsx", "unsupported-compression"),
    "member-damaged": (lambda good: damage(make_zip([("甲镇.xlsx", good), ("乙.xlsx", good)]), "乙.xlsx"),
                       "x.zip/乙.xlsx", "member-damaged"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_every_hostile_kind_is_refused_and_the_batch_goes_on(kind: str, books: dict[str, bytes], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             private_tmp: Path) -> None:
    make, shown, reason = HOSTILE[kind]
    work = tmp_path / "work"
    work.mkdir()
    (work / "x.zip").write_bytes(make(books["甲镇"]))
    (work / "乙镇.xlsx").write_bytes(books["乙镇"])  # a return beside the zip
    monkeypatch.chdir(work)
    run = api.check(["x.zip", "乙镇.xlsx"], jobs=1)
    refused = [f for f in run.files if any(x.code == "zip-refused" for x in f.findings)]
    assert [(f.path, [(str(x.code), x.reason) for x in f.findings]) for f in refused] == [
        (shown, [("zip-refused", reason)])]
    assert refused[0].template is None and run.stats.unreadable == 1
    message = refused[0].findings[0].message("zh")
    assert "压缩包" in message and message.isprintable()
    checked = {f.path: f.valid for f in run.files if f not in refused}
    # the batch goes on: the return beside it, and the zip's good member unless the whole zip was refused
    expected = {"乙镇.xlsx": True} | ({} if shown == "x.zip" else {"x.zip/甲镇.xlsx": True})
    assert checked == expected
    # nothing was written outside the private folder, which goes with the run
    assert sorted(p.name for p in work.iterdir()) == ["x.zip", "乙镇.xlsx"]
    assert not list(tmp_path.rglob("乙.xlsx")) and not (Path("/etc") / "乙.xlsx").exists()
    run.release()
    assert list(private_tmp.iterdir()) == []


def test_a_member_over_the_size_cap_is_refused(books: dict[str, bytes], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipin, "DEFAULT_LIMITS", ZipLimits(max_member_bytes=2 * MiB))
    noise = os.urandom(3 * MiB)  # incompressible: no bomb, only too large
    path = tmp_path / "x.zip"
    path.write_bytes(make_zip([("甲镇.xlsx", books["甲镇"]), ("乙.pdf", noise)]))
    lying = tmp_path / "y.zip"  # declares 1 MiB, holds 3 MiB
    lying.write_bytes(set_size(make_zip([("丙.pdf", noise)]), "丙.pdf", MiB))
    run = api.check([path, lying], jobs=1)
    assert [(f.path, [x.reason for x in f.findings]) for f in run.files if f.template is None] == [
        (f"{path}/乙.pdf", ["member-too-large"]), (f"{lying}/丙.pdf", ["bomb"])]
    assert "2 MB" in run.files[0].findings[0].message("zh")
    assert [f.path for f in run.files if f.template is not None] == [f"{path}/甲镇.xlsx"]
    run.release()


def test_a_directory_that_declares_a_million_entries_is_not_read(tmp_path: Path) -> None:
    data = bytearray(make_zip([("甲.txt", b"x")]))
    end = data.rindex(b"PK\x05\x06")
    data[end + 8:end + 12] = (60000).to_bytes(2, "little") * 2  # entries on this disk, entries in all
    path = tmp_path / "x.zip"
    path.write_bytes(bytes(data))
    run = api.check([path], jobs=1)
    assert [(x.reason, dict(x.params)) for x in run.files[0].findings] == [("too-many", {"count": 60000, "limit": 2000})]


def test_two_members_of_one_name_are_both_checked(books: dict[str, bytes], tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    with pytest.warns(UserWarning, match="Duplicate name"):
        path.write_bytes(make_zip([("甲镇.xlsx", books["甲镇"]), ("甲镇.xlsx", books["乙镇"])]))
    with api.check([path], names={path: "x.zip"}, jobs=1) as run:
        assert [(f.path, f.unit) for f in run.files] == [("x.zip/甲镇.xlsx", "甲镇"), ("x.zip/甲镇（2）.xlsx", "乙镇")]


def test_the_run_s_zips_share_one_budget(books: dict[str, bytes], tmp_path: Path) -> None:
    scratch = Scratch(max_bytes=len(books["甲镇"]) + 10)
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    first.write_bytes(make_zip([("甲镇.xlsx", books["甲镇"])]))
    second.write_bytes(make_zip([("乙镇.xlsx", books["乙镇"])]))
    assert len(zipin.expand(first, "a.zip", scratch).members) == 1  # type: ignore[union-attr]
    assert zipin.expand(second, "b.zip", scratch).refused == [("b.zip", "too-large", {"size": 1, "limit": 1})]  # type: ignore[union-attr]
    scratch.release()


# ---------------------------------------------------------------- the private folder


def test_the_private_folder_is_private_and_goes_with_the_run(books: dict[str, bytes], tmp_path: Path,
                                                             private_tmp: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(make_zip([("甲镇.xlsx", books["甲镇"]), ("../../../逃逸.xlsx", books["乙镇"])]))
    run = api.check([path], jobs=1)
    (folder,) = private_tmp.iterdir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    real = Path(run.source(f"{path}/甲镇.xlsx"))
    assert folder in real.parents and real.name == "甲镇.xlsx"
    assert not list(tmp_path.rglob("逃逸.xlsx")) and not list(Path(tempfile.gettempdir()).rglob("逃逸.xlsx"))
    selected = run.select(["zip"])
    assert selected.sources == run.sources  # a filtered run still knows where its files are
    selected.release()
    assert not folder.exists() and not real.exists()
    run.release()  # idempotent


def test_a_dropped_run_removes_its_folder(books: dict[str, bytes], tmp_path: Path, private_tmp: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(make_zip([("甲镇.xlsx", books["甲镇"])]))
    run = api.check([path], jobs=1)
    assert len(list(private_tmp.iterdir())) == 1
    del run
    gc.collect()
    assert list(private_tmp.iterdir()) == []


def test_a_failed_run_removes_its_folder(books: dict[str, bytes], tmp_path: Path, private_tmp: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(make_zip([("甲镇.xlsx", books["甲镇"])]))
    with pytest.raises(api.UsageError):
        api.check([path], roster=tmp_path / "missing-roster.xlsx", jobs=1)
    assert list(private_tmp.iterdir()) == []


def test_many_zips_in_parallel_workers(books: dict[str, bytes], tmp_path: Path, private_tmp: Path) -> None:
    """Forked workers read the members; only the parent removes the folder."""
    paths = []
    for i in range(3):
        p = tmp_path / f"{i}.zip"
        p.write_bytes(gbk_zip([(f"甲镇{i}.xlsx", books["甲镇"]), (f"乙镇{i}.xlsx", books["乙镇"])]))
        paths.append(p)
    with api.check(paths, jobs=2) as run:
        assert len(run.files) == 6 and run.valid
        assert len(list(private_tmp.iterdir())) == 1
    assert list(private_tmp.iterdir()) == []


# ---------------------------------------------------------------- outputs name the members


def test_annotate_and_reports_name_the_members(books: dict[str, bytes], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "交回.zip").write_bytes(gbk_zip([("丙乡.xlsx", books["丙乡"]), ("乡镇/甲镇.xlsx", books["甲镇"])]))
    monkeypatch.chdir(tmp_path)
    with api.check(["交回.zip"], jobs=1) as run:
        out = tmp_path / "批注"
        written = api.annotate(run, out)
        assert [p.name for p in written] == ["丙乡.批注.xlsx"] and written[0].parent == out
        again = api.check([written[0]], jobs=1)  # the copy is of the member, and checks like it
        assert [(x.code, x.cell) for x in again.files[0].findings] == [(x.code, x.cell) for x in run.files[0].findings]
        text = render_text.render(run, "zh")
        assert text.startswith("交回.zip/丙乡.xlsx（丙乡 2024）：未通过")
        api.save_report(run, tmp_path / "summary.xlsx")
        with pytest.raises(api.UsageError):  # the member's real file is a checked file too
            api.save_report(run, run.source("交回.zip/丙乡.xlsx"))


# ---------------------------------------------------------------- the command line


def _cli(*args: str | Path, cwd: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp))
    env.pop("COLUMNS", None)
    return subprocess.run([sys.executable, "-m", "workbook_builder", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8", timeout=180, check=False, cwd=cwd, stdin=subprocess.DEVNULL,
                          env=env)


def test_cli_checks_a_zip_and_annotates_its_members(books: dict[str, bytes], tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    (tmp_path / "交回.zip").write_bytes(gbk_zip([("甲镇.xlsx", books["甲镇"]), ("丙乡.xlsx", books["丙乡"]),
                                                ("../乙.xlsx", books["乙镇"])]))
    done = _cli("check", "交回.zip", "--annotate", "批注", "--no-progress", cwd=tmp_path, tmp=tmp)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "交回.zip/乙.xlsx：未通过，错误 1 个，警告 0 个，提示 0 个"
    assert "zip-refused" in lines[1] and "“../乙.xlsx”含有不安全的路径" in lines[1]
    assert any(line.startswith("交回.zip/丙乡.xlsx（丙乡 2024）：未通过") for line in lines)
    assert "交回.zip/甲镇.xlsx（甲镇 2024）：通过，错误 0 个，警告 0 个，提示 0 个" in lines
    assert "写出 1 份带批注的副本" in done.stderr
    assert sorted(p.name for p in (tmp_path / "批注").iterdir()) == ["丙乡.批注.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp", "交回.zip", "批注"]
    assert list(tmp.iterdir()) == []  # the private folder went with the process


# ---------------------------------------------------------------- real client files


CLIENTS = ["wps_phpss_issue3613.xlsx", "wps_easypoi_saxtest.xlsx", "excel16_miniexcel_TestIssue553.xlsx",
           "lo7_phpss_issue2506.xlsx"]


@pytest.mark.skipif(not CLIENT_FILES.is_dir(), reason=f"{CLIENT_FILES} is absent")
def test_real_client_files_in_a_gbk_zip_read_as_given_directly(tmp_path: Path) -> None:
    names = {name: f"{i}号单位（{name.split('_')[0]}）.xlsx" for i, name in enumerate(CLIENTS, 1)}
    (tmp_path / "交回.zip").write_bytes(gbk_zip([(names[n], (CLIENT_FILES / n).read_bytes()) for n in CLIENTS]))
    for n in CLIENTS:
        shutil.copy(CLIENT_FILES / n, tmp_path / names[n])
    direct = api.check([tmp_path / names[n] for n in CLIENTS], template="gov_info_disclosure_2021", jobs=1)
    with api.check([tmp_path / "交回.zip"], names={tmp_path / "交回.zip": "交回.zip"},
                   template="gov_info_disclosure_2021", jobs=1) as zipped:
        by_name = {Path(f.path).name: f for f in zipped.files}
        assert set(by_name) == set(names.values())
        for f in direct.files:
            z = by_name[Path(f.path).name]
            assert z.path == f"交回.zip/{Path(f.path).name}"
            assert [(x.code, x.reason, x.cell) for x in z.findings] == [(x.code, x.reason, x.cell) for x in f.findings]
            assert (z.saved_by, z.values) == (f.saved_by, f.values)
