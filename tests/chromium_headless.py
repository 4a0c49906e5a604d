"""Headless Chromium for tests: dump a page's DOM after its scripts ran, or take a screenshot.

Every run gets a fresh profile directory and no network: the flags turn off every background service,
and the host resolver maps every name to NOTFOUND, so a page that tried to load anything would fail
to. `find_chromium()` returns None when no browser is installed (tests skip then, except in CI).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 120


def find_chromium() -> str | None:
    override = os.environ.get("CHROMIUM")
    if override:
        return override if Path(override).exists() or shutil.which(override) else None
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


def require_chromium() -> str:
    """The browser, or skip (locally) / fail (when CI is set): real-client tests never skip in CI."""
    import pytest

    browser = find_chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, and CI must run the browser tests")
        pytest.skip("chromium is not installed")
    return browser


def _run(browser: str, page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="wb-chromium-") as profile:
        args = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars",
            f"--user-data-dir={profile}", *extra, page.resolve().as_uri(),
        ]
        return subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, check=False,
                              stdin=subprocess.DEVNULL)


def dump_dom(browser: str, page: Path) -> str:
    """The serialized DOM after the page loaded and its scripts ran."""
    done = _run(browser, page, "--dump-dom")
    if done.returncode != 0 or "<html" not in done.stdout:
        raise RuntimeError(f"chromium --dump-dom failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def screenshot(browser: str, page: Path, out: Path, width: int = 1280, height: int = 2000) -> Path:
    done = _run(browser, page, f"--screenshot={out.resolve()}", f"--window-size={width},{height}")
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"chromium --screenshot failed ({done.returncode}): {done.stderr[-2000:]}")
    return out


def png_info(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct byte values in the decompressed pixel rows) of a PNG; raises if it is not one."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG")
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
        pos += 12 + length
    pixels = zlib.decompress(idat)
    return width, height, len(set(pixels))
