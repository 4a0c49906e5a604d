"""The desk as its users meet it: `workbook-builder serve` in a subprocess, a real headless Chromium
driven by Selenium, and the files a township or an auditor uploads.

    from tests.desk_harness import start_desk, new_driver, upload_files

    with start_desk(tmp_path) as desk:           # the server in its own process group, killed at the end
        driver = new_driver(downloads)           # headless Chromium, fresh profile, downloads into a folder
        driver.get(desk.url("/check"))

The server is started the way a user starts it (the CLI, `--no-browser`), in a fresh working folder,
and is ready when it has printed its `工作台已启动：` line and answers on its port. The browser gets a
fresh profile and no network beyond the loopback: every background service is off, the host resolver
maps every other name to NOTFOUND (a page that fetched a CDN would break here), and Selenium is told
where chromedriver is and to stay offline, so Selenium Manager never downloads a driver.

Without chromium the browser tests skip locally and fail in CI (`require_browser`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.batch_helpers import unit_data
from tests.make_filled import build_to, honest_data

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
READY = "工作台已启动："
START_TIMEOUT = 60.0
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--lang=zh-CN",
    # nothing but the desk on the loopback: a page that reached for the net would fail visibly
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
)


# ---------------------------------------------------------------- the browser


def have_browser() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def require_browser() -> None:
    """Skip locally without chromium + chromedriver; fail in CI, where the desk's tests must run."""
    if have_browser():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} or {CHROMEDRIVER} is missing, and CI must run the desk's browser tests")
    pytest.skip("chromium / chromedriver are not installed")


def new_driver(downloads: Path, width: int = 1366, height: int = 900):  # type: ignore[no-untyped-def]
    """A headless Chromium with a fresh profile that saves downloads into `downloads` without asking.

    The caller quits it (`driver.quit()`); its profile folder is removed then too (`driver.profile_dir`).
    """
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a driver or a browser
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads.mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="wb-desk-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads.resolve()),
        "download.prompt_for_download": False,
        "download.directory_upgrade": True,
        "safebrowsing.enabled": False,
        "profile.default_content_setting_values.automatic_downloads": 1,
    })
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    # headless Chromium saves downloads only when told where (prefs alone are not always enough)
    with contextlib.suppress(Exception):
        driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": str(downloads.resolve())})
    original_quit = driver.quit

    def quit_and_clean() -> None:
        try:
            original_quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean  # type: ignore[method-assign]
    driver.profile_dir = profile  # type: ignore[attr-defined]
    return driver


def wait_download(folder: Path, suffix: str, before: set[str] | None = None, timeout: float = 30.0) -> Path:
    """The file with `suffix` that appeared in `folder` (not in `before`) and finished downloading
    (no .crdownload beside it, its size steady)."""
    before = before or set()
    deadline = time.monotonic() + timeout
    last_size = -1
    while time.monotonic() < deadline:
        names = {p.name for p in folder.iterdir()}
        busy = any(n.endswith((".crdownload", ".tmp")) for n in names)
        fresh = [folder / n for n in names - before if n.lower().endswith(suffix.lower())]
        if fresh and not busy:
            newest = max(fresh, key=lambda p: p.stat().st_mtime)
            size = newest.stat().st_size
            if size == last_size and size > 0:
                return newest
            last_size = size
        time.sleep(0.2)
    raise AssertionError(f"no finished {suffix} download in {folder}: {sorted(p.name for p in folder.iterdir())}")


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


# ---------------------------------------------------------------- the server


@dataclass
class Desk:
    """A running `workbook-builder serve`."""

    process: subprocess.Popen[str]
    printed: str  # the URL it printed (with ?token= when it has one)
    base: str  # http://host:port
    token: str | None
    store: Path
    cwd: Path
    output: list[str] = field(default_factory=list)

    def url(self, path: str = "/", token: bool = False) -> str:
        """The address of `path`; with `token=True` the token as a query parameter (the first visit)."""
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}" + (f"{sep}token={self.token}" if token and self.token else "")

    def headers(self) -> dict[str, str]:
        return {"X-Desk-Token": self.token} if self.token else {}

    def log(self) -> str:
        return "".join(self.output)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


@contextlib.contextmanager
def start_desk(tmp: Path, *, store: Path | None = None, host: str | None = None, token: str | None = None,
               jobs: int | None = 2, extra: tuple[str, ...] = ()) -> Iterator[Desk]:
    """`python -m workbook_builder serve --no-browser --port P --store …` in its own process group and
    a fresh working folder; yields when it printed its address and answers; kills the group after."""
    tmp.mkdir(parents=True, exist_ok=True)
    cwd = Path(tempfile.mkdtemp(prefix="wb-desk-cwd-", dir=tmp))
    store = store or (tmp / "年报.sqlite")
    port = free_port()
    args = [sys.executable, "-m", "workbook_builder", "serve", "--no-browser", "--port", str(port),
            "--store", str(store)]
    if host:
        args += ["--host", host]
    if token:
        args += ["--token", token]
    if jobs:
        args += ["-j", str(jobs)]
    args += list(extra)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("BROWSER", None)
    process = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace",
                               start_new_session=True)
    output: list[str] = []
    printed: list[str] = []
    seen = threading.Event()

    def pump() -> None:  # keep reading so the server never blocks on a full pipe
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if READY in line and not printed:
                printed.append(line.split(READY, 1)[1].strip())
                seen.set()
        seen.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        seen.wait(START_TIMEOUT)
        if not printed:
            raise AssertionError(f"serve never printed {READY!r} (exit {process.poll()}):\n{''.join(output)}")
        address = printed[0]
        match = re.match(r"(https?://[^/?#\s]+)", address)
        assert match, f"no address in {address!r}"
        parts = urlsplit(address)
        connect_host = "127.0.0.1" if parts.hostname in ("0.0.0.0", "::", None) else parts.hostname
        while not _answers(connect_host, parts.port or port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"serve printed its address but never answered:\n{''.join(output)}")
            time.sleep(0.1)
        found = parse_qs(parts.query).get("token", [None])[0]
        base = f"{parts.scheme}://{connect_host}:{parts.port or port}"
        yield Desk(process, address, base, found, store, cwd, output)
    finally:
        stop(process)
        shutil.rmtree(cwd, ignore_errors=True)


def stop(process: subprocess.Popen[str]) -> None:
    """End the server's whole process group (its check workers too): TERM, then KILL."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # workers that outlived their parent


# ---------------------------------------------------------------- the files users upload

HONEST_UNITS = ("示例县甲镇", "示例县乙乡", "示例县丙街道", "示例县丁镇")
BAD_UNIT = "示例县戊镇"  # a request counted in the total but never answered (T3-A)
PRIOR_UNIT = "宿迁市人民政府"  # 2023 and 2024 from the real fixtures: last year's 结转 carries over
# longer than a shown name may be (200 characters) yet a valid file name (≤ 255 bytes)
HUGE_NAME = "示例县长名镇年报_" + "final_v2_" * 22 + ".xlsx"
assert len(HUGE_NAME) > 200 and len(HUGE_NAME.encode()) <= 255


def honest_files(folder: Path, units: tuple[str, ...] = HONEST_UNITS, year: int = 2024) -> dict[str, Path]:
    """An honest, filled workbook for each unit (figures differ unit by unit; every rule holds)."""
    return {unit: build_to(folder, unit_data(k, unit, year=year), f"{unit}{year}年报.xlsx")
            for k, unit in enumerate(units)}


def bad_file(folder: Path) -> Path:
    """A return whose totals do not add up: T3-A fails (new requests that are never answered)."""
    data = unit_data(7, BAD_UNIT)
    data["requests.new.person"] += 5
    return build_to(folder, data, f"{BAD_UNIT}2024年报.xlsx", strict=False)


def prior_pair(folder: Path, wrong_carry_over: bool = False) -> tuple[Path, Path]:
    """PRIOR_UNIT's 2023 and 2024 returns (real published figures); with `wrong_carry_over` this
    year's 上年结转 no longer equals last year's 结转下年度继续办理 (X-1 fails against last year)."""
    last = honest_data("suqian-city-2023")
    last["meta.unit_name"] = PRIOR_UNIT
    this = honest_data("suqian-city-2024")
    this["meta.unit_name"] = PRIOR_UNIT
    if wrong_carry_over:
        this["requests.carried_over.person"] += 3
        this["requests.granted.person"] += 3  # table three still balances: only X-1 can see it
    return (build_to(folder / "2023", last, f"{PRIOR_UNIT}2023.xlsx"),
            build_to(folder / "2024", this, f"{PRIOR_UNIT}2024.xlsx", strict=False))


def hostile_files(folder: Path) -> dict[str, Path]:
    """Files a checker must refuse with a finding, never a crash: a zip bomb workbook, random bytes
    named .xlsx, an encrypted (OLE) workbook, and an honest one under a huge file name."""
    from tests.hostile import CASES

    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for case, name in (("zip-bomb", "压缩炸弹.xlsx"), ("random-bytes", "不是表格.xlsx"), ("encrypted", "加密的.xlsx")):
        (folder / name).write_bytes(CASES[case][0]())
        out[case] = folder / name
    out["huge-name"] = build_to(folder, unit_data(9, "示例县长名镇"), HUGE_NAME)
    return out


def roster_csv(path: Path, units: tuple[str, ...], encoding: str = "utf-8-sig") -> Path:
    """A roster as a CSV: 单位名称, 备注."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["单位名称", "备注"])
    writer.writerows([u, ""] for u in units)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def gbk_zip(path: Path, members: dict[str, bytes]) -> Path:
    """A zip as Windows' 'send to compressed folder' writes it on a Chinese system: member names in
    GBK, the UTF-8 flag unset (zipfile would always write such names as UTF-8, so it is built here)."""
    out = io.BytesIO()
    central = []
    dostime, dosdate = (9 << 11), ((2025 - 1980) << 9) | (1 << 5) | 20
    for name, data in members.items():
        raw = name.encode("gbk")
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed = comp.compress(data) + comp.flush()
        crc = zlib.crc32(data)
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, dostime, dosdate, crc, len(packed), len(data),
                              len(raw), 0) + raw + packed)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, dostime, dosdate, crc,
                                   len(packed), len(data), len(raw), 0, 0, 0, 0, 0, offset) + raw)
    start = out.tell()
    out.write(b"".join(central))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return path


def cells_of(driver: Any, selector: str) -> list[list[str]]:
    """The text of each row's cells of a table (`tbody tr`), as the page shows them."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ' tbody tr')]"
        ".filter(tr => tr.offsetParent !== null)"
        ".map(tr => [...tr.children].map(td => td.innerText.trim()));", selector)
