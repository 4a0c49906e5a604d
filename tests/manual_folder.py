"""The auditor's working folder the Chinese manual (docs/zh/操作手册.md) assumes, made from scratch.

    from tests.manual_folder import prepare
    prepare(tmp_path)          # 名单.xlsx, 上年/, 交回/, 交回.zip in tmp_path

The manual's commands run in it (tests/test_manual.py) and its screenshots are made from it
(tests/render_manual_screenshots.py), so the figures the manual shows are the ones the test checks.

What is in it, as a county's 政务公开办 has it in January:
- 名单.xlsx: the units that must report, with 联系人, 联系电话 and 邮箱 columns.
- 上年/: last year's (2024) returns of the units, all honest.
- 交回/: this year's (2025) returns as they came back: most honest, one whose table three does not
  balance, one whose 上年结转 differs from last year's 结转, one sent twice (both honest; the corrected copy has
  the later 填报日期), one saved as .xls by mistake, and one unit that sent nothing.
- 交回.zip: the same returns as one zip, with the names a Windows zip tool writes (GBK).
- 已发布/: two units' published reports as downloaded from their websites (one does not add up).
"""

from __future__ import annotations

import os
import re
import selectors
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

from tests.batch_helpers import unit_data
from tests.make_filled import build_to
from tests.zip_helpers import gbk_zip
from workbook_builder import api

COUNTY = "示例县"
TOWNS = ("城关镇", "河东街道", "新集镇", "桥头乡", "白马镇", "青山乡")
UNITS = tuple(COUNTY + t for t in TOWNS)
YEAR, PRIOR_YEAR = 2025, 2024
# the unit whose table three does not balance, the one whose carry-over differs from last year's, the
# one that sent its workbook twice, the one that saved it as .xls, the one that sent nothing
UNBALANCED, CARRY, TWICE, XLS, MISSING = (COUNTY + t for t in ("新集镇", "白马镇", "河东街道", "青山乡", "桥头乡"))
CONTACTS = {u: (f"联系人{k + 1}", f"0527-8435{6700 + k}", f"gk{k + 1}@example.gov.cn") for k, u in enumerate(UNITS)}
COLS = ("person", "business", "research", "nonprofit", "legal_services", "other_org")


def year_pair(k: int, unit: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A unit's honest 2024 and 2025 inputs, this year's 上年结转 equal to last year's 结转 (each change
    matched on the answered side, so table three still balances)."""
    last = unit_data(k, unit, fixture="suqian-city-2023", year=PRIOR_YEAR, date="2025-01-18")
    this = unit_data(k, unit, fixture="suqian-city-2024", year=YEAR, date="2026-01-20")
    for col in COLS:
        delta = last[f"requests.carried_forward.{col}"] - this[f"requests.carried_over.{col}"]
        this[f"requests.carried_over.{col}"] += delta
        this[f"requests.granted.{col}"] += delta
    this["disclosure.rules.in_force"] += k  # last year's rules in force + this year's new ones
    contact, phone, _ = CONTACTS[unit]
    this["meta.contact_person"], this["meta.contact_phone"] = contact, phone
    return last, this


def write_roster(path: Path) -> Path:
    """名单.xlsx: 序号, 单位名称, 联系人, 联系电话, 邮箱."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["序号", "单位名称", "联系人", "联系电话", "邮箱"])
    for k, unit in enumerate(UNITS, 1):
        sheet.append([k, unit, *CONTACTS[unit]])
    book.save(path)
    return path


def prepare(root: Path) -> Path:
    """Write 名单.xlsx, 上年/, 交回/ and 交回.zip into `root` (made if missing); returns `root`."""
    root.mkdir(parents=True, exist_ok=True)
    write_roster(root / "名单.xlsx")
    for k, unit in enumerate(UNITS):
        last, this = year_pair(k, unit)
        build_to(root / "上年", last, f"{unit}{PRIOR_YEAR}年报.xlsx")
        if unit == MISSING:
            continue
        if unit == XLS:
            # an old-format file: what "另存为 Excel 97-2003" gives (an OLE2 compound file header)
            (root / "交回" / f"{unit}{YEAR}年报.xls").write_bytes(
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
            continue
        if unit == UNBALANCED:
            this["requests.new.person"] += 6  # six new requests that are answered nowhere
        if unit == CARRY:
            this["requests.carried_over.business"] += 2
            this["requests.granted.business"] += 2
        if unit == TWICE:
            first = dict(this, **{"meta.date": "2026-01-12"})
            first["requests.new.person"] += 3  # three requests more, all granted: honest, but superseded
            first["requests.granted.person"] += 3
            build_to(root / "交回", first, f"{unit}{YEAR}年报.xlsx", strict=False)
            build_to(root / "交回", this, f"{unit}{YEAR}年报（更正）.xlsx")
            continue
        build_to(root / "交回", this, f"{unit}{YEAR}年报.xlsx", strict=False)
    zip_folder(root / "交回", root / "交回.zip")
    published(root)
    return root


def published(root: Path) -> Path:
    """已发布/: two units' reports as downloaded from their websites: 城关镇's Word file (honest) and 新集镇's
    web page, published from its unbalanced workbook as a draft (so its table three does not add up)."""
    out = root / "已发布"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wb-manual-") as tmp:
        for unit, fmt in ((COUNTY + "城关镇", "docx"), (UNBALANCED, "html")):
            src = Path(tmp) / f"{unit}.xlsx"
            shutil.copy(root / "交回" / f"{unit}{YEAR}年报.xlsx", src)
            api.publish([src], out, formats=fmt, draft=unit == UNBALANCED)
    # a draft prints 草稿 in its header; a unit would not publish that, so take it out of the page
    for page in out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("草稿（未通过检查）", ""), encoding="utf-8")
    return out


def zip_folder(folder: Path, out: Path) -> Path:
    """The folder's files as one zip with GBK names and no UTF-8 flag, as Windows Explorer writes them."""
    out.write_bytes(gbk_zip((f"{folder.name}/{p.name}", p.read_bytes()) for p in sorted(folder.iterdir())))
    return out


def clean(root: Path) -> None:
    """Remove `root` and everything in it."""
    shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------- the manual's commands

ROOT = Path(__file__).resolve().parents[1]
MANUAL = ROOT / "docs" / "zh" / "操作手册.md"
PROGRAM = "workbook-builder"
# Lines of a ```bat block that are not the tool: installing it, moving about, looking at results. They are
# shown to the reader but not run (the install is proved by the offline-install CI job, not here).
SKIP_PREFIXES = ("py -m pip ", "pip ", "py -m venv ", "cd ", "dir", "echo ", "notepad ", "start ", "where ", "type ")
EXIT_NOTE = re.compile(r"^rem\s+退出码\s*(\d+)")
IMAGE = re.compile(r"^!\[[^\]]*\]\(images/(console-[^)]+\.png)\)")
# the options whose value is a file or folder the command writes
OUTPUT_OPTIONS = ("-o", "--output", "--summary", "--html", "--annotate", "--feedback", "--store")


@dataclass
class Step:
    """One line of a ```bat block: what it is, and for the tool's lines what it should do."""

    block: int            # the block's number in the manual, from 0
    line: str             # the line as the manual writes it (Windows paths and all)
    kind: str             # "run" (the tool), "serve" (runs until stopped), "skip" (not the tool), "comment"
    exit_code: int | None = None   # from the `rem 退出码 N` line before it
    image: str | None = None       # the console screenshot shown after its block
    args: list[str] = field(default_factory=list)   # the arguments after `workbook-builder`, paths with /

    @property
    def outputs(self) -> list[str]:
        """The files or folders the command is told to write (-o, --summary, --html, …)."""
        return [self.args[i + 1] for i, a in enumerate(self.args[:-1]) if a in OUTPUT_OPTIONS]


def classify(line: str) -> str:
    """What a line of a ```bat block is: "run", "serve", "skip", "comment" or "blank"; anything else raises,
    so the manual cannot hold a command the test silently passes over."""
    text = line.strip()
    if not text:
        return "blank"
    if text.lower().startswith("rem"):
        return "comment"
    if text == PROGRAM or text.startswith(PROGRAM + " "):
        return "serve" if text.split()[1:2] == ["serve"] else "run"
    if text.lower().startswith(SKIP_PREFIXES) or text.lower() in {p.strip() for p in SKIP_PREFIXES}:
        return "skip"
    raise ValueError(f"a line of a bat block the manual test does not know how to treat: {line!r}")


def windows_args(line: str) -> list[str]:
    """The arguments of a cmd.exe line after the program name: "quoted" parts kept whole, backslashes as /."""
    return shlex.split(line.strip().replace("\\", "/"), posix=True)[1:]


def steps(text: str) -> list[Step]:
    """Every line of every ```bat block of a manual, in order, with its exit code and screenshot."""
    out: list[Step] = []
    lines = text.splitlines()
    block = -1
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```bat":
            i += 1
            continue
        block += 1
        start = len(out)
        expected: int | None = None
        i += 1
        while lines[i].strip() != "```":
            line = lines[i]
            kind = classify(line)
            if kind == "comment" and (m := EXIT_NOTE.match(line.strip())):
                expected = int(m.group(1))
            if kind != "blank":
                step = Step(block, line.strip(), kind)
                if kind in ("run", "serve"):
                    step.exit_code, expected = expected, None
                    step.args = windows_args(line)
                out.append(step)
            i += 1
        i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i < len(lines) and (m := IMAGE.match(lines[i].strip())):
            for step in out[start:]:
                step.image = m.group(1)
    return out


def yaml_block(text: str) -> str:
    """The manual's ```yaml block: the 汇总信息.yaml the reader is told to write."""
    match = re.search(r"^```yaml\n(.*?)^```", text, re.M | re.S)
    assert match, "the manual shows no 汇总信息.yaml"
    return match.group(1)


def serve_briefly(cwd: Path, args: list[str], wait: float = 60) -> str:
    """Start `workbook-builder serve` as the manual writes it, read what it prints until it says how to stop
    it (or `wait` seconds pass), stop it; what it printed, stdout and stderr together."""
    env = dict(os.environ, BROWSER="true")  # "open the browser" runs `true`: no window on a test machine
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "workbook_builder", *args], cwd=cwd, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen = b""
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + wait
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline and "关闭工作台".encode() not in seen:
                if selector.select(timeout=0.5):
                    chunk = os.read(proc.stdout.fileno(), 65536)
                    if not chunk:
                        break
                    seen += chunk
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return seen.decode("utf-8", "replace")
