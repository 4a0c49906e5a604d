"""A crash mid-batch loses no committed submission (issue 11).

`workbook-builder check DIR --store 年报.sqlite -j 2` runs in a subprocess over 120 workbooks; once the
store holds some submissions (watched through a read-only connection), it is killed: (a) the whole
process group with SIGKILL, (b) one worker of the pool with SIGKILL. Afterwards SQLite's integrity
check passes, every committed submission is whole (its file's bytes and hash, and values and
findings equal to a fresh check of its file), and checking the folder again completes the store.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.batch_helpers import ROOT, unit_data
from workbook_builder import api
from workbook_builder.store import Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="process groups and /proc are POSIX")

COUNT = 120
STORE = "年报 数据.sqlite"


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 honest workbooks of 120 units (one in five with a wrong total, so findings vary)."""
    folder = tmp_path_factory.mktemp("crash") / "交回"
    folder.mkdir()
    for i in range(COUNT):
        data = unit_data(i % 7, f"示例市第{i:03d}局", year=2024)
        if i % 5 == 0:
            data["requests.granted.person"] += 1  # T3-A no longer holds: a rule finding
        (folder / f"第{i:03d}局.xlsx").write_bytes(api.build(data=data, strict=False))
    return folder


def _count(store: Path) -> int:
    """Submissions committed so far, read as another program would (read-only, never blocking the writer)."""
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM submissions").fetchone()[0])
    except sqlite3.Error:  # not made yet
        return 0


def _start(folder: Path, store: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "workbook_builder", "check", str(folder), "--store", str(store),
                             "-j", "2", "--no-progress", "--format", "json"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env, start_new_session=True)


def _wait_for_rows(proc: subprocess.Popen[bytes], store: Path, rows: int) -> int:
    deadline = time.monotonic() + 600  # a generous bound against a hang, never a measure of speed
    while (n := _count(store)) < rows:
        assert proc.poll() is None, f"the check ended before it was killed: {proc.stderr.read() if proc.stderr else ''}"
        assert time.monotonic() < deadline, "no submission was recorded"
        time.sleep(0.05)
    return n


def _workers(pid: int) -> list[int]:
    """The pool's workers: children of `pid` forked from it (the same command line; multiprocessing's
    resource tracker is a child too, with its own), from /proc (no psutil)."""
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                same = Path(f"/proc/{entry}/cmdline").read_bytes() == cmdline
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and same:
                out.append(int(entry))
    return out


def _assert_whole(store_path: Path, folder: Path) -> list[str]:
    """Integrity, and every committed submission equal to a fresh check of its file; the names recorded."""
    with sqlite3.connect(f"file:{store_path}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # a file's bytes are written in the transaction of its submission: never one without the other
        assert conn.execute("SELECT count(*) FROM files WHERE sha256 NOT IN "
                            "(SELECT sha256 FROM submissions WHERE sha256 IS NOT NULL)").fetchone() == (0,)
    with Store.open(store_path, create=False) as store:
        subs = store.submissions()
        assert subs, "something was committed before the kill"
        names = [s.name for s in subs]
        assert len(set(names)) == len(names), "no file recorded twice"
        for s in subs:
            path = Path(s.name)
            assert path.parent == folder
            assert s.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
            assert store.file_bytes(s.sha256 or "") == path.read_bytes()
            assert s.as_result() == api.check_file(path), s.name
            assert s.current and s.attempt == 1
    return names


def _rerun_completes(folder: Path, store_path: Path, before: list[str]) -> None:
    proc = _start(folder, store_path)
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 1, err.decode()  # one in five has errors
    text = err.decode()
    assert f"已记入 {STORE}：{COUNT} 份（新单位 {COUNT - len(before)} 个，重交 0 份，已记入过、重新检查 {len(before)} 份）" in text
    with Store.open(store_path, create=False) as store:
        subs = store.submissions()
        assert sorted(s.name for s in subs) == sorted(str(p) for p in folder.iterdir())
        assert all(s.current for s in subs) and store.integrity() == "ok"
        assert sum(not s.valid for s in subs) == COUNT // 5


def test_killing_the_whole_check_loses_no_committed_submission(returns: Path, tmp_path: Path) -> None:
    store = tmp_path / STORE
    proc = _start(returns, store)
    try:
        _wait_for_rows(proc, store, 10)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    names = _assert_whole(store, returns)
    assert len(names) < COUNT, "killed mid-batch"
    _rerun_completes(returns, store, names)


def test_killing_one_worker_loses_no_committed_submission(returns: Path, tmp_path: Path) -> None:
    store = tmp_path / STORE
    proc = _start(returns, store)
    try:
        _wait_for_rows(proc, store, 10)
        workers = _workers(proc.pid)
        assert workers, "the pool's workers"
        os.kill(workers[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=300)  # the pool is broken: the check ends on its own
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
    assert proc.returncode == 3, err.decode()  # an internal error: a worker died
    assert f"已记入 {STORE}：" in err.decode() and "检查未完成，再运行一次即可补全" in err.decode()
    names = _assert_whole(store, returns)
    assert len(names) < COUNT, "killed mid-batch"
    _rerun_completes(returns, store, names)
