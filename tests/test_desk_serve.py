"""`workbook-builder serve` in a subprocess: it prints its address, answers, checks an upload into the
store, stops cleanly on Ctrl-C (SIGINT) and leaves no private files behind; a port in use is said and
the next one taken; a host other than loopback gets a token; a file that is no store is refused."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.batch_helpers import ROOT, unit_data
from tests.make_filled import build_to
from workbook_builder import api
from workbook_builder.desk.serve import is_loopback

ADDRESS = re.compile(r"工作台已启动：(http://[^\s]+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def desk(cwd: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    """The desk in a subprocess, its address and the lines it printed until then; stopped with SIGINT."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(cwd / "tmp")}
    (cwd / "tmp").mkdir(exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "workbook_builder", "serve", "--no-browser", "-j", "1", *args],
                            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []  # every line printed, appended as it comes
    assert proc.stdout is not None
    # a thread reads stdout: select() cannot see lines already in the pipe's buffer
    threading.Thread(target=lambda: [lines.append(line.rstrip("\n")) for line in proc.stdout or ()],
                     daemon=True).start()
    try:
        end = time.monotonic() + 60
        while not any("Ctrl+C" in line for line in lines) and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.05)  # up to the line on how to stop
        found = [m.group(1) for m in map(ADDRESS.search, lines) if m]
        url = found[0] if found else ""
        assert url, f"no address printed: {lines} {proc.stderr.read() if proc.poll() is not None and proc.stderr else ''}"
        yield proc, url, lines
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_loopback_hosts() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "::", "example.org"))


def test_serve_answers_checks_into_the_store_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    workbook = build_to(tmp_path / "files", unit_data(1, "甲镇", year=2024), "甲镇.xlsx").read_bytes()
    port = free_port()
    with desk(tmp_path, "--port", str(port)) as (proc, url, lines):
        assert url == f"http://127.0.0.1:{port}/"
        assert any("年报.sqlite" in line for line in lines)
        with httpx.Client(base_url=url.rstrip("/"), timeout=30) as web:
            page = web.get("/check")
            assert page.status_code == 200 and "检查交回的工作簿" in page.text
            r = web.post("/check", files={"files": ("甲镇.xlsx", workbook)}, data={"store_prior": "1"})
            job = r.headers.get("location") or str(r.url.path)
            job = str(r.url.path) if r.status_code == 200 else job
            for _ in range(300):
                status = web.get(f"{job}/status").json()
                if status["state"] != "running":
                    break
                time.sleep(0.1)
            assert status["state"] == "done"
            assert "通过" in web.get(job).text
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
        err = proc.stderr.read() if proc.stderr else ""
        time.sleep(0.2)
        out = "\n".join(lines)
        assert "工作台已停止" in out and "Traceback" not in err, (out, err)
    with api.open_store(tmp_path / "年报.sqlite") as store:
        subs = store.submissions()
    assert [(s.unit, s.year, s.name) for s in subs] == [("甲镇", 2024, "甲镇.xlsx")]
    assert list((tmp_path / "tmp").iterdir()) == []  # the private working folder is gone


def test_a_port_in_use_is_said_and_the_next_taken(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen(1)
        with desk(tmp_path, "--port", str(port)) as (_, url, lines):
            assert any(f"端口 {port} 已被其他程序占用" in line for line in lines)
            assert url != f"http://127.0.0.1:{port}/"
            assert httpx.get(url + "check", timeout=30).status_code == 200


def test_a_host_beyond_loopback_gets_a_token(tmp_path: Path) -> None:
    port = free_port()
    with desk(tmp_path, "--host", "0.0.0.0", "--port", str(port)) as (_, url, lines):
        token = url.split("?token=", 1)[1]
        assert len(token) >= 16 and any("已生成口令" in line for line in lines)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/check", timeout=30).status_code == 403
        assert httpx.get(f"{base}/static/desk.css", timeout=30).status_code == 403
        assert httpx.get(f"{base}/check", headers={"X-Desk-Token": token}, timeout=30).status_code == 200
        assert httpx.get(f"{base}/check?token={token}", timeout=30, follow_redirects=True).status_code == 200


def test_a_file_that_is_no_store_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.sqlite").write_text("这不是数据库", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "workbook_builder", "serve", "--no-browser", "--store", "notes.sqlite",
                           "--port", str(free_port())], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert re.search(r"[\u4e00-\u9fff]", done.stderr) and "Traceback" not in done.stderr


@pytest.mark.parametrize("option", ["--port", "--host", "--store", "--token", "--no-browser", "--jobs"])
def test_serve_help_names_its_options(option: str) -> None:
    from click.testing import CliRunner

    from workbook_builder.cli import main

    assert option in CliRunner().invoke(main, ["serve", "--help"]).output
