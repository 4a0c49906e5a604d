"""Screenshots of the desk for the docs, taken in headless Chromium from a running `serve`.

    python -m tests.render_desk_screenshots docs/images

Starts the desk with a fresh store, checks last year's (2023) returns of a county's townships through
the page, then this year's (2024) batch — most honest, one whose totals do not add up, one whose 上年
结转 differs from last year's 结转, one that is no workbook at all — and photographs each page at
1366×900 (the results, the findings page, 汇总, 单位 and a unit's page at their full height, at most
2400 pixels):

    desk-check.png    检查: the form
    desk-results.png  the results table of this year's batch
    desk-file.png     one failed return's findings
    desk-issue.png    下发: the roster form
    desk-rollup.png   汇总: the accepted units of 2024
    desk-publish.png  发布
    desk-units.png    单位: every unit in the store
    desk-unit.png     one unit: this year against last year, and its submissions

Every figure is an example built from real published reports (tests/fixtures/real), under made-up
unit names.
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.batch_helpers import unit_data  # noqa: E402
from tests.desk_harness import new_driver, roster_csv, start_desk  # noqa: E402
from tests.make_filled import build_to  # noqa: E402

WIDTH, HEIGHT = 1366, 900
MAX_HEIGHT = 2400  # a unit's page lists every data point: its top is what the docs need
TOWNS = ("城关镇", "河东街道", "新集镇", "桥头乡", "白马镇", "青山乡", "石门镇", "柳林街道")
COUNTY = "示例县"
FAILS = {"新集镇": "totals", "白马镇": "carry-over"}
COLS = ("person", "business", "research", "nonprofit", "legal_services", "other_org")


def year_pair(k: int, unit: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A unit's honest 2023 and 2024 inputs, this year's 上年结转 equal to last year's 结转下年度继续办理
    (each change matched on the answered side, so table three still balances)."""
    last = unit_data(k, unit, fixture="suqian-city-2023", year=2023, date="2024-01-18")
    this = unit_data(k, unit, fixture="suqian-city-2024", year=2024, date="2025-01-20")
    for col in COLS:
        delta = last[f"requests.carried_forward.{col}"] - this[f"requests.carried_over.{col}"]
        this[f"requests.carried_over.{col}"] += delta
        this[f"requests.granted.{col}"] += delta
        assert this[f"requests.granted.{col}"] >= 0
    this["disclosure.rules.in_force"] += k  # last year's rules in force + this year's new ones
    return last, this


def corpus(folder: Path) -> tuple[list[Path], list[Path], Path]:
    """(last year's returns, this year's returns, a roster)."""
    last_files, this_files = [], []
    for k, town in enumerate(TOWNS):
        unit = COUNTY + town
        last, this = year_pair(k, unit)
        last_files.append(build_to(folder / "2023", last, f"{unit}2023年报.xlsx"))
        if FAILS.get(town) == "totals":
            this["requests.new.person"] += 6
        elif FAILS.get(town) == "carry-over":
            this["requests.carried_over.business"] += 2
            this["requests.granted.business"] += 2
        this_files.append(build_to(folder / "2024", this, f"{unit}2024年报.xlsx", strict=False))
    junk = folder / "2024" / f"{COUNTY}青山乡2024年报（扫描）.xlsx"
    junk.write_bytes(b"%PDF-1.4 scanned, renamed\n" + bytes(2048))
    this_files.append(junk)
    roster = roster_csv(folder / "名单.csv", (*[COUNTY + t for t in TOWNS], f"{COUNTY}龙湾镇"))
    return last_files, this_files, roster


def _by(driver: Any, selector: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def _wait(driver: Any, selector: str, timeout: float = 120) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, selector)))


def upload(driver: Any, base: str, files: list[Path], roster: Path | None = None) -> str:
    driver.get(f"{base}/check")
    _by(driver, "#files").send_keys("\n".join(str(p.resolve()) for p in files))
    if roster is not None:
        _by(driver, "#roster").send_keys(str(roster.resolve()))
    _by(driver, "#start").click()
    _wait(driver, "table#results")
    return str(driver.current_url).split("?")[0]


def shot(driver: Any, out: Path, full: bool = False) -> Path:
    """The viewport (1366×900), or with `full` the whole page's height, as a PNG."""
    time.sleep(0.3)  # let the fonts and the last layout settle
    height = HEIGHT
    if full:
        height = min(MAX_HEIGHT, max(HEIGHT, int(driver.execute_script(
            "return Math.ceil(document.documentElement.scrollHeight)"))))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False})
    try:
        clip = {"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1}
        data = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": clip,
                                                                 "captureBeyondViewport": full})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    out.write_bytes(base64.b64decode(data["data"]))
    print(f"wrote {out} ({WIDTH}×{height})")
    return out


def render(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="wb-desk-shots-") as tmp:
        root = Path(tmp)
        last_files, this_files, roster = corpus(root / "files")
        with start_desk(root, store=root / "年报.sqlite") as desk:
            driver = new_driver(root / "downloads", WIDTH, HEIGHT)
            try:
                base = desk.base
                driver.get(desk.url("/check", token=True))
                upload(driver, base, last_files)
                driver.get(f"{base}/check")
                written.append(shot(driver, out_dir / "desk-check.png"))
                job = upload(driver, base, this_files, roster)
                written.append(shot(driver, out_dir / "desk-results.png", full=True))
                failed = next(tr for tr in driver.find_elements("css selector", "table#results tbody tr")
                              if "新集镇" in tr.text)
                failed.find_element("css selector", "td.file a").click()
                _wait(driver, "table#findings")
                written.append(shot(driver, out_dir / "desk-file.png", full=True))
                del job
                for page, name in (("/issue", "desk-issue.png"), ("/rollup", "desk-rollup.png"),
                                   ("/publish", "desk-publish.png"), ("/units", "desk-units.png")):
                    driver.get(base + page)
                    written.append(shot(driver, out_dir / name, full=page in ("/rollup", "/units")))
                driver.get(f"{base}/units/{quote(COUNTY + '白马镇')}?year=2024")
                written.append(shot(driver, out_dir / "desk-unit.png", full=True))
            finally:
                driver.quit()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path, nargs="?", default=ROOT / "docs" / "images")
    args = parser.parse_args()
    render(args.out_dir)


if __name__ == "__main__":
    main()
