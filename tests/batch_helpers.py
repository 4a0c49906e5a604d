"""Helpers for the batch, roll-up and personalisation tests (tests/test_batch.py, test_aggregate.py,
test_personalise.py): honest units with varied figures, the CLI in a subprocess, a snapshot of a
folder, headless Chromium (skip locally without it, fail in CI) and a tiny DOM for its output.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.chromium_headless import require_chromium  # noqa: F401  (re-exported for test_batch)
from tests.html_tree import Node, parse_tree
from tests.make_filled import honest_data

ROOT = Path(__file__).resolve().parents[1]
CLI_TIMEOUT = 120


# ---------------------------------------------------------------- honest units with their own figures


def unit_data(k: int, unit: str, *, fixture: str = "huaian-city-2024", year: int | None = None,
              date: str | None = None) -> dict[str, Any]:
    """Every input of an honest workbook (all rules hold), with figures that depend on `k` ≥ 0.

    Changes are made in pairs that keep every rule: a new request also granted (T3-A both sides),
    new business requests also carried forward (T3-A both sides, T3-D still holds), an issued rule
    also in force (T2-1), appeal results (their totals are formulas), and a fee with six decimals.
    """
    d = honest_data(fixture)
    d["meta.unit_name"] = unit
    if year is not None:
        d["meta.year"] = year
    if date is not None:
        d["meta.date"] = date
    d["requests.new.person"] += k
    d["requests.granted.person"] += k
    d["requests.new.business"] += 2 * k
    d["requests.carried_forward.business"] += 2 * k
    d["disclosure.rules.issued"] += k
    d["disclosure.rules.in_force"] += k
    d["disclosure.licensing.decisions"] += 100 * k
    d["appeals.review.upheld"] += k
    d["appeals.suit_direct.pending"] += 3 * k
    d["disclosure.fees.amount"] = float(f"{k + 1}.{(123457 * (k + 1)) % 1_000_000:06d}")
    return d


# ---------------------------------------------------------------- the command line


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m workbook_builder …` in a subprocess (stderr is a pipe, never a terminal)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.pop("COLUMNS", None)
    return subprocess.run([sys.executable, "-m", "workbook_builder", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8", timeout=CLI_TIMEOUT, check=False, cwd=cwd,
                          stdin=subprocess.DEVNULL, env=env)


def run_cli_tty_stderr(*args: str | Path) -> tuple[int, str, str]:
    """As `run_cli`, but stderr is a terminal (a pty): (exit code, stdout, what the terminal got)."""
    import pty

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "workbook_builder", *map(str, args)], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=slave, env=env)
        os.close(slave)
        slave = -1
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        out, _ = proc.communicate(timeout=CLI_TIMEOUT)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    return proc.returncode, out.decode("utf-8"), b"".join(chunks).decode("utf-8", "replace")


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder`: relative path → (sha256 of its bytes, mtime in ns)."""
    return {
        p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


# ---------------------------------------------------------------- Chromium


def parse_html(page: str) -> Node:
    """The page as a tree (tests/html_tree.py: end tags close as a browser would)."""
    return parse_tree(page)[0]
