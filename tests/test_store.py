"""The store (workbook_builder/store): every checked submission in one SQLite file.

What is kept reads back as exactly what was checked (values of every type, invalid inputs, findings
with their fields and sentences); a unit's history and which submission is current; an unreadable or
hostile file recorded and the batch going on; files that are no store refused in Chinese; store
names in Chinese and GBK; two processes and two threads writing at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import sqlite3
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.batch_helpers import ROOT, run_cli, unit_data
from tests.hostile import build_corpus
from tests.import_files import mixed_folder, needs_shared
from tests.make_filled import build_to
from workbook_builder import api
from workbook_builder.batch.result import UNREADABLE_CODES
from workbook_builder.check.result import FileResult, TemplateRef
from workbook_builder.errors import UsageError
from workbook_builder.findings import Code, make
from workbook_builder.findings.catalogue import Side, Term
from workbook_builder.store import SCHEMA_VERSION, Store, codec
from workbook_builder.textsafe import display_path

HOSTILE = ["empty", "random-bytes", "zip-bomb", "entity-bomb", "external-link", "encrypted", "macro"]


def _hostile(folder: Path) -> list[Path]:
    return [path for path, _, _ in build_corpus(folder, HOSTILE).values()]


def _tampered(folder: Path) -> Path:
    """A workbook with an invalid input ('/' in a number cell) and a failed rule (a total that does not add up)."""
    data = unit_data(3, "示例市篡改局", year=2024)
    data["requests.new.person"] = "/"
    data["requests.granted.business"] += 5
    return build_to(folder, data, "篡改局.xlsx", strict=False)


def _raw_rows(path: Path, sql: str) -> list[Any]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


# ---------------------------------------------------------------- 1. round trip


def test_values_round_trip_with_their_types() -> None:
    values = {"a": None, "b": "文本", "c": 3, "d": 3.0, "e": 0.1 + 0.2, "f": True, "g": dt.date(2024, 1, 20),
              "h": dt.datetime(2024, 1, 20, 8, 30, 1, 5), "i": Decimal("1.10"), "j": (1, "x", None), "k": [1, [2.5]],
              "l": {"$": "not a tag", "v": 1}, "m": float("inf"), "n": "\udcb2坏字节", "o": frozenset({"x"}), "p": -0.0,
              "q": 10**30}
    back = codec.load_values(codec.dump_values(values))
    assert back == values
    assert {k: type(v) for k, v in back.items()} == {k: type(v) for k, v in values.items()}
    assert math.copysign(1, back["p"]) == -1
    nan = codec.loads(codec.dumps(float("nan")))
    assert isinstance(nan, float) and math.isnan(nan)


def test_a_rule_finding_round_trips_with_its_sides() -> None:
    left = Side("requests.total", (Term("D5", "本年新收", "", False), "+", Term("D6:D9", "甲", "乙", True)), 12)
    finding = make(Code.PRIOR_YEAR_NOT_FOUND, "not-found", unit="甲局", year=2023)
    odd = finding.__class__(finding.code, "error", "'依申请公开'!D5", "x.y", "一 › 二", "T3-A", 1.5, "/",
                            "", (("left", left), ("right", Side("3", ("3",), 3))), ("D5", "D6"))
    back = codec.load_findings(codec.dump_findings([finding, odd]))
    assert back == (finding, odd)
    assert [f.message() for f in back] == [finding.message(), odd.message()]


@needs_shared
def test_every_kind_of_checked_file_reads_back_exactly(tmp_path: Path) -> None:
    """Workbooks, a GBK-named sample, published HTML and docx, a scan, a .doc, hostile files and a
    tampered workbook: each submission's `as_result()` is the FileResult the check gave, and no
    value needed the codec's last resort (a repr)."""
    folder = mixed_folder(tmp_path)
    for path in _hostile(tmp_path / "hostile"):
        os.replace(path, folder / path.name)
    _tampered(folder)
    store_path = tmp_path / "年报.sqlite"
    run = api.check([folder], store=store_path, jobs=2)
    assert len(run.files) >= 10
    with Store.open(store_path) as store:
        subs = {s.name: s for s in store.submissions()}
    assert len(subs) == len(run.files)
    codes = set()
    for r in run.files:
        s = subs[display_path(r.path)]
        back = s.as_result()
        assert back == FileResult(**{**r.__dict__, "path": display_path(r.path)}), r.path
        assert [f.message() for f in back.findings] == [f.message() for f in r.findings]
        assert (s.valid, s.errors, s.warnings) == (r.valid, r.count("error"), r.count("warning"))
        unreadable = r.template is None or any(f.code in UNREADABLE_CODES for f in r.findings)
        assert s.unreadable == unreadable and s.kind == (r.published or "workbook")
        assert s.sha256 == hashlib.sha256(Path(r.path).read_bytes()).hexdigest()
        codes |= {f.code for f in r.findings}
    assert {"invalid-input", "unsafe-content"} <= codes and any(c.startswith("rule") for c in codes), codes
    assert any(s.kind != "workbook" for s in subs.values()) and any(s.unreadable for s in subs.values())
    assert not any('"$":"repr"' in text for row in _raw_rows(store_path, "SELECT values_json, findings_json, "
                                                               "extra_json FROM submissions") for text in row)


# ---------------------------------------------------------------- 2. history and current


def _result(unit: str | None, year: int | None, name: str, value: Any = 1, template: bool = True) -> FileResult:
    ref = TemplateRef("gov_info_disclosure_2021", "1") if template else None
    return FileResult(name, ref, (), unit=unit, year=year, values={"x": value} if template else {})


def test_history_current_and_make_current(tmp_path: Path) -> None:
    files = tmp_path / "交回"
    files.mkdir()
    for name, content in (("甲1.xlsx", b"first"), ("甲2.xlsx", b"second"), ("甲3.xlsx", b"first")):
        (files / name).write_bytes(content)
    with Store.open(tmp_path / "年报.sqlite") as store:
        a = store.record(_result("甲局", 2024, "甲1.xlsx", 1), files / "甲1.xlsx")
        b = store.record(_result(" 甲局 ", 2024, "甲2.xlsx", 2), files / "甲2.xlsx")
        assert (a.outcome, b.outcome, b.attempt, b.unit, b.as_result().unit) == ("new", "resubmitted", 2, "甲局", " 甲局 ")
        assert [s.id for s in store.history("甲局", 2024)] == [b.id, a.id], "newest first"
        assert [s.current for s in store.history("甲局", 2024)] == [True, False]
        chosen = store.make_current(a.id)
        assert chosen.current and not store.get(b.id).current
        again = store.record(_result("甲局", 2024, "甲2.xlsx", 2), files / "甲2.xlsx")
        assert (again.id, again.seen, again.outcome, again.current) == (b.id, 2, "again", False), \
            "the same file checked again is no new submission and does not take over"
        assert store.get(a.id).current
        # the same bytes sent again under another name: a new submission, current; the bytes kept once
        c = store.record(_result("甲局", 2024, "甲3.xlsx", 1), files / "甲3.xlsx")
        assert (c.outcome, c.attempt, c.current, c.sha256) == ("resubmitted", 3, True, a.sha256)
        assert store.file_bytes(c.sha256 or "") == b"first"
        assert [s.id for s in store.submissions(current_only=True)] == [c.id]
        store.record(_result("甲局", 2023, "甲-2023.xlsx", 9), files / "甲1.xlsx")
        store.record(_result("乙局", 2024, "乙.xlsx", 5), files / "甲2.xlsx")
        assert store.years() == [2023, 2024] and store.units() == ["乙局", "甲局"] and store.units(2023) == ["甲局"]
        assert [s.unit for s in store.submissions(year=2024, current_only=True)] == ["甲局", "乙局"]
        assert len(store.submissions(unit="甲局")) == 4
        with pytest.raises(UsageError, match="没有第 999 号记录"):
            store.get(999)
        lost = store.record(_result(None, None, "坏.xlsx", template=False), files / "不存在.xlsx")
        assert (lost.unreadable, lost.unit, lost.sha256, lost.current, lost.outcome) == (True, None, None, False, "unreadable")
        with pytest.raises(UsageError, match="没有认出单位或年度"):
            store.make_current(lost.id)
    assert _raw_rows(tmp_path / "年报.sqlite", "SELECT count(*) FROM files") == [(2,)]


def test_prior_index_holds_the_current_submissions(tmp_path: Path) -> None:
    source = tmp_path / "x.xlsx"
    source.write_bytes(b"x")
    with Store.open(tmp_path / "s.sqlite") as store:
        old = store.record(_result("甲局", 2023, "old.xlsx", 1), source)
        store.record(_result("甲局", 2023, "new.xlsx", 2), source)
        store.record(_result("乙局", 2024, "b.xlsx", 3), source)
        index = store.prior_index()
        assert {k: v.values["x"] for k, v in index.by_unit.items()} == {("甲局", 2023): 2, ("乙局", 2024): 3}
        store.make_current(old.id)
        assert store.prior_index().find("甲局", 2024).values["x"] == 1  # type: ignore[union-attr]
        assert store.prior_index("other_template").by_unit == {}


# ---------------------------------------------------------------- 3. a bad file is recorded, the batch goes on


def test_unreadable_and_hostile_files_are_recorded_and_the_batch_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "交回"
    hostile = _hostile(folder)
    build_to(folder, unit_data(1, "示例市甲局", year=2024), "甲局.xlsx")
    build_to(folder, unit_data(2, "示例市乙局", year=2024), "乙局.xlsx")
    store = tmp_path / "年报.sqlite"
    done = run_cli("check", folder, "--store", store, "--no-progress", "-j", "2")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"已记入 年报.sqlite：{len(hostile) + 2} 份（新单位 2 个，重交 0 份，无法读取 {len(hostile)} 份）" in done.stderr
    with Store.open(store) as s:
        subs = s.submissions()
        assert sorted(Path(x.name).name for x in subs) == sorted([p.name for p in hostile] + ["甲局.xlsx", "乙局.xlsx"])
        bad = [x for x in subs if x.unreadable]
        assert len(bad) == len(hostile) and all(x.unit is None and x.findings and not x.valid for x in bad)
        assert all(s.file_bytes(x.sha256 or "") == Path(x.name).read_bytes() for x in bad), "the bytes are kept"
        assert sorted(x.unit or "" for x in s.submissions(current_only=True)) == ["示例市乙局", "示例市甲局"]
    again = run_cli("check", folder, "--store", store, "--no-progress", "-j", "2")
    assert f"已记入 年报.sqlite：{len(hostile) + 2} 份（新单位 0 个，重交 0 份，已记入过、重新检查 {len(hostile) + 2} 份）" \
        in again.stderr


# ---------------------------------------------------------------- 4. what is no store


def test_files_that_are_no_store_are_refused_in_chinese(tmp_path: Path) -> None:
    text = tmp_path / "笔记.sqlite"
    text.write_text("这不是数据库" * 100, encoding="utf-8")
    with pytest.raises(UsageError, match=f"{text} 不是本工具的数据文件"):
        Store.open(text)
    other = tmp_path / "别的程序.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(UsageError, match=f"{other} 是其他程序的 SQLite 数据库"):
        Store.open(other)
    newer = tmp_path / "新版.sqlite"
    Store.open(newer).close()
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(UsageError, match=f"{newer} 由更新版本的本工具写入"):
        Store.open(newer)
    with pytest.raises(UsageError, match="找不到数据文件"):
        Store.open(tmp_path / "没有.sqlite", create=False)
    with pytest.raises(UsageError, match="是文件夹"):
        Store.open(tmp_path)
    with pytest.raises(UsageError, match="无法打开或创建数据文件"):
        Store.open(tmp_path / "没有的文件夹" / "年报.sqlite")
    assert text.read_text(encoding="utf-8").startswith("这不是数据库"), "a file that is no store is left as it was"
    book = build_to(tmp_path / "in", unit_data(1, "甲局", year=2024), "甲局.xlsx")
    done = run_cli("check", book, "--store", text, "--no-progress")
    assert done.returncode == 2 and "不是本工具的数据文件" in done.stderr and "Traceback" not in done.stderr


def test_a_locked_or_read_only_store_is_refused_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbook_builder.store import db

    path = tmp_path / "年报.sqlite"
    source = tmp_path / "x.xlsx"
    source.write_bytes(b"x")
    store = Store.open(path)
    monkeypatch.setattr(db, "BUSY_MS", 200)  # another program holds the file longer than a writer waits
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(UsageError, match=f"数据文件 {path} 正被其他程序占用"):
            Store.open(path)
        with pytest.raises(UsageError, match="正被其他程序占用"):
            threading_result: list[Any] = []
            worker = threading.Thread(target=lambda: threading_result.append(_try_record(store, source)))
            worker.start()
            worker.join()
            raise threading_result[0]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.record(_result("甲局", 2024, "x.xlsx"), source).id == 1, "usable again once the other is done"
    store.close()
    if os.geteuid() != 0:  # root writes through file permissions
        os.chmod(path, 0o444)
        with pytest.raises(UsageError, match="只读"):
            Store.open(path).record(_result("甲局", 2024, "y.xlsx"), source)


def _try_record(store: Store, source: Path) -> BaseException:
    """Record on a fresh thread (its own connection, made with the short wait); the error it raised."""
    try:
        store.record(_result("甲局", 2024, "x.xlsx"), source)
    except BaseException as exc:
        return exc
    return AssertionError("recorded while another program held the file")


def test_an_older_store_is_migrated_when_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The schema version is in PRAGMA user_version; opening an older store runs the steps after it, in
    one transaction, and keeps what it holds (a made-up version 2 adds a column)."""
    from workbook_builder.store import db

    path = tmp_path / "年报.sqlite"
    source = tmp_path / "x.xlsx"
    source.write_bytes(b"x")
    with Store.open(path) as store:
        store.record(_result("甲局", 2024, "x.xlsx", 7), source)
    assert _raw_rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    monkeypatch.setattr(db, "MIGRATIONS", (*db.MIGRATIONS, "ALTER TABLE submissions ADD COLUMN note TEXT;"))
    monkeypatch.setattr(db, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Store.open(path) as store:
        assert [s.values["x"] for s in store.submissions()] == [7]
    assert _raw_rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]
    assert "note" in [r[1] for r in _raw_rows(path, "PRAGMA table_info(submissions)")]
    monkeypatch.setattr(db, "SCHEMA_VERSION", SCHEMA_VERSION + 2)  # a step that fails: nothing changes
    monkeypatch.setattr(db, "MIGRATIONS", (*db.MIGRATIONS, "ALTER TABLE nowhere ADD COLUMN x;"))
    with pytest.raises(UsageError, match=str(path)):
        Store.open(path)
    assert _raw_rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]


def test_an_empty_file_becomes_a_store_and_reopening_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "年报.sqlite"
    path.write_bytes(b"")
    source = tmp_path / "x.xlsx"
    source.write_bytes(b"x")
    with Store.open(path) as store:
        store.record(_result("甲局", 2024, "x.xlsx"), source)
    with Store.open(path, create=False) as store:
        assert [s.unit for s in store.submissions()] == ["甲局"] and store.integrity() == "ok"
    assert _raw_rows(path, "PRAGMA journal_mode") == [("wal",)]


@pytest.mark.skipif(sys.platform == "win32", reason="a file name in GBK bytes exists only on a POSIX file system")
def test_store_names_in_chinese_and_gbk(tmp_path: Path) -> None:
    source = tmp_path / "x.xlsx"
    source.write_bytes(b"x")
    for name in ("年报 2024（汇总）.sqlite", os.fsdecode("年报".encode("gbk") + b".sqlite")):
        path = Path(os.fsdecode(tmp_path)) / name
        with Store.open(path) as store:
            store.record(_result("甲局", 2024, "x.xlsx"), source)
        with Store.open(path, create=False) as store:
            assert len(store.submissions()) == 1
        assert path.exists()
    assert ("年报".encode("gbk") + b".sqlite") in os.listdir(os.fsencode(tmp_path)), "kept under its own bytes"


# ---------------------------------------------------------------- 5. writers at once

_WRITER = """
import sys
from pathlib import Path
from workbook_builder.batch.result import UNREADABLE_CODES
from workbook_builder.check.result import FileResult, TemplateRef
from workbook_builder.store import Store
store_path, source, who, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ref = TemplateRef("gov_info_disclosure_2021", "1")
Path(store_path + "." + who + ".ready").touch()
while not Path(store_path + ".go").exists():
    pass
with Store.open(store_path) as store:
    for i in range(n):
        store.record(FileResult(f"{who}-{i}.xlsx", ref, (), unit=f"单位{i % 5}", year=2024, values={"i": i, "who": who}),
                     source)
print("done")
"""


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    store_path = tmp_path / "年报.sqlite"
    Store.open(store_path).close()
    source = tmp_path / "x.xlsx"
    source.write_bytes(b"x" * 1000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    n = 40
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(store_path), str(source), who, str(n)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for who in ("甲", "乙")]
    while not all(Path(f"{store_path}.{who}.ready").exists() for who in ("甲", "乙")):
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
    Path(f"{store_path}.go").touch()
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0 and out.strip() == "done", err
    with Store.open(store_path) as store:
        subs = store.submissions()
        assert len(subs) == 2 * n and len({s.id for s in subs}) == 2 * n
        assert sorted((s.values["who"], s.values["i"]) for s in subs) == sorted((w, i) for w in "甲乙" for i in range(n))
        current = store.submissions(current_only=True)
        assert sorted(s.unit or "" for s in current) == [f"单位{i}" for i in range(5)]
        for unit in store.units():  # the newest of each unit is its current one, whoever wrote it
            history = store.history(unit, 2024)
            assert history[0].current and not any(s.current for s in history[1:])
            assert sorted(s.attempt for s in history) == list(range(1, len(history) + 1))
        assert store.integrity() == "ok"


def test_two_threads_one_store(tmp_path: Path) -> None:
    """The desk records from a job thread while a request thread reads: a connection each."""
    source = tmp_path / "x.xlsx"
    source.write_bytes(b"x")
    errors: list[BaseException] = []
    with Store.open(tmp_path / "年报.sqlite") as store:
        def write() -> None:
            try:
                for i in range(30):
                    store.record(_result(f"单位{i}", 2024, f"{i}.xlsx", i), source)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        def read() -> None:
            try:
                for _ in range(30):
                    assert all(s.values["x"] == int(s.name.split(".")[0]) for s in store.submissions())
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=write), threading.Thread(target=read)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and len(store.submissions()) == 30
        for _ in range(5):  # a thread per desk job: each one's connection is closed once it has ended
            t = threading.Thread(target=store.submissions)
            t.start()
            t.join()
        store.submissions()
        assert len(store._db._all) <= 2, "the main thread's and the last thread's, at most"
