"""The desk as its users use it: `workbook-builder serve` driven by a real headless Chromium.

One server (and one browser) for the module, with a store of its own. Files go in through the page's
own file input and button; what the page then shows — the results table, a file's findings, the
downloads — is compared with what `api.check` says of the same files. The store carries a year over:
last year's return checked first is what this year's 上年结转 is checked against (X-1), what the 下发
workbooks are pre-filled from, and what a unit's page compares with. A second, short-lived server
with a token shows every page closed without it.

Never skipped in CI (chromium and chromium-driver are installed there); locally without them, skipped.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import pytest

from tests.desk_harness import (
    BAD_UNIT,
    HONEST_UNITS,
    PRIOR_UNIT,
    Desk,
    bad_file,
    gbk_zip,
    honest_files,
    hostile_files,
    listing,
    new_driver,
    prior_pair,
    require_browser,
    roster_csv,
    start_desk,
    wait_download,
)
from tests.import_files import SAMPLE, SAMPLE_UNIT
from tests.make_filled import honest_data
from workbook_builder import api
from workbook_builder.batch.result import UNREADABLE_CODES
from workbook_builder.check.result import FileResult
from workbook_builder.findings import CATALOGUE
from workbook_builder.template import registry
from workbook_builder.textsafe import shown_name

pytestmark = pytest.mark.slow

WAIT = 90  # seconds for a job on a busy two-core machine
UNITS = HONEST_UNITS[:3]
MISSING_UNIT = "示例县癸镇"  # on the roster, never returned: 缺报


def verdict(result: FileResult) -> str:
    """The page's words for a file's outcome."""
    if any(f.code in UNREADABLE_CODES for f in result.findings):
        return "无法读取"
    return "通过" if result.valid else "未通过"


# ---------------------------------------------------------------- one server, one browser, the files


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_browser()
    return tmp_path_factory.mktemp("desk")


@pytest.fixture(scope="module")
def files(root: Path) -> dict[str, Any]:
    """Last year's return, and this year's batch: honest units, one whose totals do not add up, one
    whose 上年结转 differs from last year's, hostile files and (where ../shared is) a published report."""
    last, this = prior_pair(root / "in", wrong_carry_over=True)
    honest = honest_files(root / "in" / "honest", UNITS)
    batch = [*honest.values(), bad_file(root / "in" / "bad"), this, *hostile_files(root / "in" / "hostile").values()]
    if SAMPLE.is_file():
        batch.append(SAMPLE)
    roster = roster_csv(root / "in" / "名单.csv", (*UNITS, BAD_UNIT, PRIOR_UNIT, MISSING_UNIT))
    return {"last": last, "this": this, "honest": honest, "batch": batch, "roster": roster}


@pytest.fixture(scope="module")
def desk(root: Path) -> Iterator[Desk]:
    with start_desk(root / "server") as running:
        yield running


@pytest.fixture(scope="module")
def downloads(root: Path) -> Path:
    return root / "downloads"


@pytest.fixture(scope="module")
def driver(downloads: Path) -> Iterator[Any]:
    browser = new_driver(downloads)
    try:
        yield browser
    finally:
        browser.quit()


def by_id(driver: Any, element_id: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id)


def css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def wait_for(driver: Any, selector: str, timeout: float = WAIT) -> Any:
    """The element, once the page has it; a failure says which page the browser was on and what it
    showed (a refused upload, a check still running, an error page), not only that time ran out."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, selector)))
    except TimeoutException:
        shown = driver.execute_script("return document.body ? document.body.innerText : ''") or ""
        raise AssertionError(f"no {selector} after {timeout} s on {driver.current_url}: {shown[:1500]}") from None


def upload(driver: Any, desk: Desk, paths: list[Path], *, roster: Path | None = None, store_prior: bool = True) -> str:
    """Choose the files in the check page's file input, press 开始检查, wait for the results table:
    the job page's address."""
    driver.get(desk.url("/check"))
    by_id(driver, "files").send_keys("\n".join(str(p.resolve()) for p in paths))
    if roster is not None:
        by_id(driver, "roster").send_keys(str(roster.resolve()))
    box = by_id(driver, "store-prior")
    if box.is_selected() != store_prior:
        box.click()
    by_id(driver, "start").click()
    wait_for(driver, "table#results")
    return str(driver.current_url).split("?")[0]


def result_rows(driver: Any) -> list[dict[str, str]]:
    """The results table's visible rows as the page shows them."""
    return driver.execute_script("""
        const text = (tr, c) => {  // the cell's own words (a unit's year, shown beside it, left out)
          const td = tr.querySelector('td.' + c);
          if (!td) return null;
          const copy = td.cloneNode(true);
          copy.querySelectorAll('.year').forEach(e => e.remove());
          return copy.textContent.trim();
        };
        return [...document.querySelectorAll('table#results tbody tr')]
          .filter(tr => tr.offsetParent !== null)
          .map(tr => ({unit: text(tr, 'unit'), file: text(tr, 'file'), verdict: text(tr, 'verdict'),
                       errors: text(tr, 'errors'), warnings: text(tr, 'warnings'), top: text(tr, 'top')}));""")


def table_rows(driver: Any, selector: str) -> list[list[str]]:
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ' tbody tr')].filter(tr => tr.offsetParent !== null)"
        ".map(tr => [...tr.children].map(td => td.innerText.trim()));", selector)


def click_and_reload(driver: Any, button: Any, timeout: float = 30) -> None:
    """Press a button that posts a form, and wait until the page it leads to has replaced this one."""
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element("tag name", "html")
    # the button's own click, as the person's: chromedriver's native click sometimes fails on the page
    # it has just left ("Node with given id does not belong to the document") when the post answers fast
    driver.execute_script("arguments[0].click();", button)
    WebDriverWait(driver, timeout).until(ec.staleness_of(old))
    wait_for(driver, "footer", timeout)


def click_download(driver: Any, downloads: Path, link_id: str, suffix: str) -> Path:
    before = listing(downloads)
    by_id(driver, link_id).click()
    return wait_download(downloads, suffix, before)


@pytest.fixture(scope="module")
def last_year_job(driver: Any, desk: Desk, files: dict[str, Any]) -> str:
    """Last year's return, checked through the page first: the store now holds 2023."""
    url = upload(driver, desk, [files["last"]])
    assert [r["verdict"] for r in result_rows(driver)] == ["通过"]
    return url


@pytest.fixture(scope="module")
def job(driver: Any, desk: Desk, files: dict[str, Any], last_year_job: str) -> str:
    """This year's batch with the county's roster, checked through the page with X-1 from the store."""
    return upload(driver, desk, files["batch"], roster=files["roster"])


@pytest.fixture(scope="module")
def expected(files: dict[str, Any]) -> dict[str, FileResult]:
    """What the library says of the same files, last year's given as --prior: shown name → result."""
    run = api.check(files["batch"], prior=files["last"].parent, jobs=2)
    return {shown_name(Path(r.path).name): r for r in run.files}  # a name over 200 characters is cut


# ---------------------------------------------------------------- the check page


def test_pages_and_navigation(driver: Any, desk: Desk) -> None:
    """`/` leads to 检查; every page has the five links and names itself in Chinese; nothing is fetched
    from anywhere but the desk."""
    driver.get(desk.url("/"))
    assert driver.current_url.split("?")[0].endswith("/check")
    for form_id in ("check-form", "files", "folder", "drop", "template", "roster", "store-prior", "start"):
        assert by_id(driver, form_id)
    assert by_id(driver, "files").get_attribute("multiple") is not None
    for link, path in (("nav-issue", "/issue"), ("nav-check", "/check"), ("nav-rollup", "/rollup"),
                       ("nav-publish", "/publish"), ("nav-units", "/units")):
        assert by_id(driver, link).get_attribute("href").split("?")[0].endswith(path)
    for path in ("/issue", "/check", "/rollup", "/publish", "/units"):
        driver.get(desk.url(path))
        assert driver.execute_script("return document.documentElement.lang").startswith("zh")
        assert re.search(r"[\u4e00-\u9fff]", driver.title), driver.title
        fetched = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(name.startswith(desk.base) for name in fetched), fetched
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors


def test_results_table_says_what_the_library_says(driver: Any, job: str, expected: dict[str, FileResult]) -> None:
    """Honest, bad and hostile files uploaded through the page: one row each, with the library's unit,
    verdict and counts; a hostile file is a row (无法读取), never a crash."""
    driver.get(job)
    rows = result_rows(driver)
    shown = {r["file"]: r for r in rows}
    assert sorted(shown) == sorted(expected), (sorted(shown), sorted(expected))
    for name, result in expected.items():
        row = shown[name]
        assert row["verdict"] == verdict(result), (name, row, result.findings[:3])
        assert row["unit"] == (result.unit or row["unit"]), (name, row)
        assert int(row["errors"] or 0) == result.count("error"), (name, row)
        assert int(row["warnings"] or 0) == result.count("warning"), (name, row)
        if not result.valid:
            assert row["top"], f"{name}: a failed file shows its first problem"
    verdicts = [r["verdict"] for r in rows]
    assert {"通过", "未通过", "无法读取"} <= set(verdicts)
    stats = by_id(driver, "stats").text
    assert str(len(expected)) in stats
    status = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(location.pathname + '/status').then(r => r.json()).then(done, e => done(String(e)));")
    assert status["state"] == "done" and status["done"] == status["total"] == len(expected), status
    assert re.search(r"[\u4e00-\u9fff]", status["message"]), status


def test_prior_year_from_the_store(driver: Any, job: str, expected: dict[str, FileResult],
                                   files: dict[str, Any]) -> None:
    """The 上年结转 that differs from last year's 结转 is found against the store's 2023, as `--prior`
    finds it: the same cells."""
    name = files["this"].name
    result = expected[name]
    x1 = [f for f in result.findings if f.rule == "X-1"]
    assert x1, "the fixture's carry-over must differ from last year's"
    driver.get(job)
    row = next(r for r in result_rows(driver) if r["file"] == name)
    assert row["verdict"] == "未通过" and row["unit"] == PRIOR_UNIT
    open_file_page(driver, name)
    shown_cells = [r["cell"] for r in finding_rows(driver)]
    for finding in x1:
        assert any(_same_cell(c, finding.cell) for c in shown_cells), (finding.cell, shown_cells)


def _same_cell(shown: str, cell: str | None) -> bool:
    """'依申请公开'!D6 as the page shows it (quotes and separators may differ)."""
    if not cell:
        return not shown
    sheet, _, ref = cell.replace("'", "").rpartition("!")
    return ref in shown and sheet in shown


def finding_rows(driver: Any) -> list[dict[str, str]]:
    """The findings table's rows: the text under 位置, 项目, 问题 and 怎样改 (found by their headers)."""
    return driver.execute_script("""
        const heads = [...document.querySelectorAll('table#findings thead th')].map(th => th.innerText.trim());
        const col = w => heads.findIndex(h => h.includes(w));
        const want = {cell: col('位置'), label: col('项目'), problem: col('问题'), fix: col('怎样改')};
        return [...document.querySelectorAll('table#findings tbody tr')].map(tr => Object.fromEntries(
          Object.entries(want).map(([k, i]) => [k, i < 0 ? null : tr.children[i].innerText.trim()])));""")


def open_file_page(driver: Any, name: str) -> None:
    from selenium.webdriver.common.by import By

    row = next(tr for tr in css(driver, "table#results tbody tr")
               if tr.find_element(By.CSS_SELECTOR, "td.file").text.strip() == name)
    row.find_element(By.CSS_SELECTOR, "td.file a").click()
    wait_for(driver, "table#findings", 30)
    assert re.search(r"/check/[^/]+/file/\d+$", driver.current_url.split("?")[0]), driver.current_url


def test_findings_page_names_cell_label_and_fix(driver: Any, job: str, expected: dict[str, FileResult]) -> None:
    """A failed return's page: each finding's cell, its label path and the catalogue's fix."""
    name = next(n for n, r in expected.items() if r.unit == BAD_UNIT)
    result = expected[name]
    driver.get(job)
    open_file_page(driver, name)
    headers = [th.text.strip() for th in css(driver, "table#findings thead th")]
    for word in ("位置", "项目", "问题", "怎样改"):
        assert any(word in h for h in headers), headers
    rows = finding_rows(driver)
    assert len(rows) == len(result.findings), (rows, result.findings)
    for finding in result.findings:
        row = next((r for r in rows if _same_cell(r["cell"], finding.cell)), None)
        assert row is not None, (finding.cell, rows)
        assert row["label"] == (finding.label or ""), (finding.label, row)
        entry = CATALOGUE[finding.code]
        assert entry.zh in row["problem"], (entry.zh, row)
        said = bool(finding.reason) and entry.reasons[finding.reason].says_fix
        if not said:
            assert entry.fix_zh.rstrip("。") in row["fix"], (entry.fix_zh, row)
    text = driver.find_element("tag name", "body").text
    assert not re.search(r"\b[a-z]+\.[a-z_]+\.[a-z_]+\b", text), "no data point IDs on the page"


def test_sort_by_a_header(driver: Any, job: str) -> None:
    """Clicking 错误's header puts the rows in the order of their error counts (and back)."""
    from selenium.webdriver.common.by import By

    driver.get(job)
    before = [r["file"] for r in result_rows(driver)]
    header = next(th for th in css(driver, "table#results th[data-sort]")
                  if th.get_attribute("data-sort") in ("errors", "错误") or "错误" in th.text)
    header.click()
    first = result_rows(driver)
    counts = [int(r["errors"] or 0) for r in first]
    assert counts in (sorted(counts), sorted(counts, reverse=True)), counts
    header = driver.find_element(By.CSS_SELECTOR, f"table#results th[data-sort='{header.get_attribute('data-sort')}']")
    header.click()
    second = [int(r["errors"] or 0) for r in result_rows(driver)]
    assert second == counts[::-1] or second == sorted(counts, reverse=counts == sorted(counts)), (counts, second)
    assert [r["file"] for r in result_rows(driver)] != before or counts == sorted(counts)
    unit_header = next(th for th in css(driver, "table#results th[data-sort]") if "单位" in th.text)
    unit_header.click()
    units = [r["unit"] for r in result_rows(driver)]
    assert units != [r["unit"] for r in first] or len(set(units)) == 1


def test_filter_by_verdict_and_text(driver: Any, job: str, expected: dict[str, FileResult]) -> None:
    from selenium.webdriver.support.ui import Select

    driver.get(job)
    for word in ("未通过", "无法读取", "通过"):
        Select(by_id(driver, "verdict-filter")).select_by_visible_text(word)
        rows = result_rows(driver)
        want = sorted(n for n, r in expected.items() if verdict(r) == word)
        assert sorted(r["file"] for r in rows) == want, (word, rows)
    Select(by_id(driver, "verdict-filter")).select_by_visible_text("全部")
    assert len(result_rows(driver)) == len(expected)
    box = by_id(driver, "filter")
    box.send_keys(UNITS[1])
    rows = result_rows(driver)
    assert rows and all(UNITS[1] in (r["unit"] + r["file"]) for r in rows), rows
    box.clear()
    box.send_keys(" ")  # some pages filter on input events only; a key press triggers them
    box.clear()


def test_download_summary_xlsx(driver: Any, job: str, downloads: Path, expected: dict[str, FileResult]) -> None:
    """The summary .xlsx downloads under a Chinese name and lists every file with its verdict."""
    import openpyxl

    driver.get(job)
    path = click_download(driver, downloads, "dl-summary", ".xlsx")
    assert re.search(r"[\u4e00-\u9fff]", path.name), path.name
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book.worksheets[0]
    rows = [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    file_col, state_col = header.index("文件"), header.index("状态")
    listed = {Path(r[file_col]).name: r[state_col] for r in rows[1:] if r[file_col]}
    assert set(listed) == set(expected), (sorted(listed), sorted(expected))
    for name, result in expected.items():
        assert listed[name] == ("通过" if result.valid else "未通过"), (name, listed[name])


def test_download_report_html(driver: Any, job: str, downloads: Path, expected: dict[str, FileResult]) -> None:
    driver.get(job)
    path = click_download(driver, downloads, "dl-report", ".html")
    page = path.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    for name in expected:
        if len(name) < 60:
            assert name in page, name


def test_download_annotated_zip(driver: Any, job: str, downloads: Path, expected: dict[str, FileResult]) -> None:
    """Annotated copies of the readable files with findings, named after the names the page shows
    (never after the desk's private upload names)."""
    driver.get(job)
    path = click_download(driver, downloads, "dl-annotated", ".zip")
    with zipfile.ZipFile(path) as zf:
        members = [PurePosixPath(n).name for n in zf.namelist() if not n.endswith("/")]
        for member in members:
            assert zipfile.is_zipfile(io.BytesIO(zf.read(next(n for n in zf.namelist() if n.endswith(member)))))
    wanted = {Path(n).stem for n, r in expected.items()
              if r.findings and r.template is not None and verdict(r) != "无法读取" and not r.published}
    got = [m.split(".批注")[0] for m in members]
    for stem in wanted:  # a name too long for a file name is cut in the middle (…), never dropped
        assert any(m == stem or ("…" in m and stem.startswith(m.split("…")[0]) and stem.endswith(m.split("…")[-1]))
                   for m in got), (stem, members)
    assert not any(re.fullmatch(r"\d{4}(\..*)?", m) for m in members), members


def test_download_roster_reconciliation(driver: Any, job: str, downloads: Path) -> None:
    """With a roster, 名单核对 downloads: the unit that never returned is 缺报, the units that were not on
    the roster are 名单外."""
    import openpyxl

    driver.get(job)
    summary = by_id(driver, "roster-summary").text
    assert "缺报" in summary and MISSING_UNIT in summary, summary
    path = click_download(driver, downloads, "dl-roster", ".xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [[("" if v is None else str(v)) for v in row] for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)]
    assert any(r[:2] == ["缺报", MISSING_UNIT] for r in rows), rows
    assert any(r[0] == "名单外" and r[1] == "示例县长名镇" for r in rows), rows
    assert not any(r[1] in UNITS for r in rows if r and r[0] == "缺报"), rows


# ---------------------------------------------------------------- the store: units, issue, roll-up, publish


def test_unit_page_compares_with_last_year(driver: Any, desk: Desk, job: str, files: dict[str, Any]) -> None:
    """After 2023 and 2024 were checked, the unit's page shows this year beside last year's figures,
    and its history marks the current submission."""
    last = api.check_file(files["last"]).values
    this = api.check_file(files["this"]).values
    driver.get(desk.url("/units"))
    units = " ".join(" ".join(r) for r in table_rows(driver, "table#units"))
    assert PRIOR_UNIT in units and UNITS[0] in units
    driver.get(desk.url(f"/units/{quote(PRIOR_UNIT)}?year=2024"))
    rows = table_rows(driver, "table#compare")
    assert len(rows) > 20, rows[:3]
    by_label = {r[0]: r for r in rows}
    labels = {d["id"]: d["label"] for d in api.datapoint_labels()}
    for point in ("requests.new.person", "requests.carried_over.person", "requests.carried_forward.person",
                  "disclosure.licensing.decisions"):
        row = by_label[labels[point]]
        assert (_num(row[1]), _num(row[2])) == (this[point], last[point]), (point, row)
        change = this[point] - last[point]
        assert _num(row[3].replace("+", "")) == change or (change == 0 and row[3] in ("—", "", "0")), (point, row)
    history = css(driver, "table#history tbody tr")
    assert len(history) >= 1 and len(css(driver, "table#history tbody tr.current")) == 1


def _num(text: str) -> float | None:
    cleaned = text.replace(",", "").replace("，", "").strip()
    try:
        return float(cleaned)
    except ValueError:
        return None


def test_resubmission_history_and_make_current(driver: Any, desk: Desk, job: str, root: Path) -> None:
    """A unit's corrected return makes a second submission; the newest is current; another can be made
    current from the page."""
    from selenium.webdriver.common.by import By

    _, corrected = prior_pair(root / "resubmit", wrong_carry_over=False)
    upload(driver, desk, [corrected])
    assert [r["verdict"] for r in result_rows(driver)] == ["通过"]
    driver.get(desk.url(f"/units/{quote(PRIOR_UNIT)}?year=2024"))
    rows = css(driver, "table#history tbody tr")
    assert len(rows) == 2, [r.text for r in rows]
    current = css(driver, "table#history tbody tr.current")
    assert len(current) == 1 and "未通过" not in current[0].text
    other = next(r for r in rows if "current" not in (r.get_attribute("class") or ""))
    click_and_reload(driver, other.find_element(By.CSS_SELECTOR, "button, input[type=submit]"))
    now = css(driver, "table#history tbody tr.current")
    assert len(now) == 1 and "未通过" in now[0].text, [r.text for r in css(driver, "table#history tbody tr")]
    # put the corrected one back: the roll-up below takes it
    again = next(r for r in css(driver, "table#history tbody tr") if "current" not in (r.get_attribute("class") or ""))
    click_and_reload(driver, again.find_element(By.CSS_SELECTOR, "button, input[type=submit]"))


def test_issue_workbooks_for_a_roster(driver: Any, desk: Desk, job: str, downloads: Path, root: Path,
                                      files: dict[str, Any]) -> None:
    """下发: a roster in, one zip of personalised workbooks out; each is named after its unit and carries
    its name, the year, and (from the store) last year's 结转 as this year's 上年结转."""
    from selenium.webdriver.common.by import By

    roster = roster_csv(root / "名单.csv", (PRIOR_UNIT, "示例县新设局"))
    driver.get(desk.url("/issue"))  # 模板 left as the page offers it: this year's
    by_id(driver, "year").clear()
    by_id(driver, "year").send_keys("2024")
    by_id(driver, "roster").send_keys(str(roster))
    box = by_id(driver, "from-store")
    if not box.is_selected():
        box.click()
    before = listing(downloads)
    driver.find_element(By.CSS_SELECTOR, "form#issue-form [type=submit]").click()
    path = wait_download(downloads, ".zip", before)
    out = root / "issued"
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if n.endswith(".xlsx")]
        assert len(names) == 2, zf.namelist()
        zf.extractall(out)
    last = api.check_file(files["last"]).values
    for name in names:
        result = api.check_file(out / name)
        assert result.unit in (PRIOR_UNIT, "示例县新设局") and result.unit in name, (name, result.unit)
        assert result.year == 2024
        if result.unit == PRIOR_UNIT:
            assert result.values["requests.carried_over.person"] == last["requests.carried_forward.person"]


def test_issue_form_preselects_the_current_template(driver: Any, desk: Desk) -> None:
    """A clerk who leaves 模板 as it is gets this year's template (the registry's default)."""
    from selenium.webdriver.support.ui import Select

    driver.get(desk.url("/issue"))
    chosen = Select(by_id(driver, "template")).first_selected_option.get_attribute("value")
    assert chosen == registry.resolve().spec.id, chosen


def test_rollup_of_the_accepted_units(driver: Any, desk: Desk, job: str, downloads: Path,
                                      expected: dict[str, FileResult]) -> None:
    from selenium.webdriver.common.by import By

    driver.get(desk.url("/rollup"))
    listed = " ".join(" ".join(r) for r in table_rows(driver, "table#rollup-units"))
    for unit in UNITS:
        assert unit in listed
    before = listing(downloads)
    driver.find_element(By.CSS_SELECTOR, "form#rollup-form [type=submit]").click()
    path = wait_download(downloads, ".xlsx", before)
    rolled = api.check_file(path)
    point = "requests.new.person"
    values = {r.unit: r.values[point] for r in expected.values() if r.valid and r.year == 2024 and r.unit}
    values[PRIOR_UNIT] = honest_data("suqian-city-2024")[point]  # its corrected return is current
    included = [u for u in values if u in listed]
    assert rolled.values[point] == sum(values[u] for u in included), (included, rolled.values[point])


def test_publish_documents(driver: Any, desk: Desk, job: str, downloads: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.get(desk.url("/publish"))
    before = listing(downloads)
    driver.find_element(By.CSS_SELECTOR, "form#publish-form [type=submit]").click()
    path = wait_download(downloads, ".zip", before)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    for unit in UNITS:
        assert any(unit in n and n.endswith(".docx") for n in names), names
        assert any(unit in n and n.endswith(".html") for n in names), names
    assert not any(BAD_UNIT in n for n in names), names


# ---------------------------------------------------------------- the token


def test_token_closes_every_page(root: Path, driver: Any) -> None:
    """Served beyond the loopback without --token, the desk makes one up and prints it; without it every
    page and download is a 403 in Chinese; with ?token= once, later pages open by an HttpOnly,
    SameSite=Strict cookie."""
    import httpx

    with start_desk(root / "token-server", host="0.0.0.0") as desk:
        assert desk.token, f"no token printed: {desk.log()}"
        for path in ("/check", "/units", "/rollup", "/issue", "/check/x/summary.xlsx", "/units/x"):
            answer = httpx.get(desk.url(path), follow_redirects=False, timeout=10)
            assert answer.status_code == 403, (path, answer.status_code)
            assert re.search(r"[\u4e00-\u9fff]", answer.text), answer.text[:200]
        assert httpx.post(desk.url("/check"), files={"files": ("a.xlsx", b"x")}, timeout=10).status_code == 403
        driver.delete_all_cookies()
        driver.get(desk.url("/check"))
        body = driver.find_element("tag name", "body").text
        assert re.search(r"[\u4e00-\u9fff]", body) and not css(driver, "form#check-form"), body
        driver.get(desk.url("/check", token=True))
        assert css(driver, "form#check-form")
        driver.get(desk.url("/units"))
        assert css(driver, "table#units") or css(driver, "main h1")
        assert not re.search(r"403|令牌|口令", driver.find_element("tag name", "main").text[:40])
        cookies = driver.get_cookies()
        assert cookies and all(c.get("httpOnly") for c in cookies), cookies
        assert all(c.get("sameSite") == "Strict" for c in cookies), cookies
        assert httpx.get(desk.url("/check"), headers=desk.headers(), timeout=10).status_code == 200
        driver.delete_all_cookies()


def test_sample_published_report(driver: Any, job: str, expected: dict[str, FileResult]) -> None:
    """A township's published report (text) goes in beside the workbooks and is a row of its own."""
    if not SAMPLE.is_file():
        pytest.skip("../shared (the reference reports) is absent")
    driver.get(job)
    row = next(r for r in result_rows(driver) if r["file"] == SAMPLE.name)
    assert row["unit"] == SAMPLE_UNIT
    assert row["verdict"] == verdict(expected[SAMPLE.name])


# ---------------------------------------------------------------- a folder and a Windows zip


def test_folder_and_windows_zip(driver: Any, desk: Desk, root: Path, job: str) -> None:
    """A folder chosen with 选择文件夹 and a zip made by Windows on a Chinese system (GBK member names)
    go in together: each file is shown under its folder path, each member as <zip>/<member> in
    Chinese, and checked like any file; an empty file is a row that says so."""
    from selenium.webdriver.common.by import By

    units = ("示例县庚镇", "示例县辛乡", "示例县壬镇")
    folder = root / "交回材料"
    made = honest_files(folder / "第一批", units[:1])
    elsewhere = honest_files(root / "zipped", units[1:])
    (folder / "第一批" / "空文件.xlsx").write_bytes(b"")  # an upload that broke off: refused, and said so
    archive = gbk_zip(root / "交回.zip", {f"第二批/{p.name}": p.read_bytes() for p in elsewhere.values()})
    driver.get(desk.url("/check"))
    by_id(driver, "folder").send_keys(str(folder.resolve()))
    by_id(driver, "files").send_keys(str(archive.resolve()))
    driver.find_element(By.ID, "start").click()
    wait_for(driver, "table#results")
    rows = {r["file"]: r for r in result_rows(driver)}
    want = {f"交回材料/第一批/{made[units[0]].name}": units[0],
            **{f"交回.zip/第二批/{p.name}": u for u, p in elsewhere.items()}}
    empty = rows.pop("交回材料/第一批/空文件.xlsx")
    assert empty["verdict"] != "通过" and int(empty["errors"]) >= 1 and "空" in empty["top"], empty
    assert set(rows) == set(want), sorted(rows)
    for name, unit in want.items():
        assert rows[name]["unit"] == unit and rows[name]["verdict"] == "通过", rows[name]


# ---------------------------------------------------------------- what the pages show a person


def test_stats_cards_agree_with_the_table(driver: Any, job: str) -> None:
    driver.get(job)
    cards = driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('#stats .stat')]"
        ".map(s => [s.querySelector('span').innerText.trim(), parseInt(s.querySelector('b').innerText)]))")
    verdicts = [r["verdict"] for r in result_rows(driver)]
    for word in ("通过", "未通过", "无法读取"):
        assert cards[word] == verdicts.count(word), (word, cards, verdicts)


# JOB: #roster-summary lists 名单外 units with their file names, one of them 212 characters without a space
PAGES = ["/check", "JOB", "FILE", "/issue", "/rollup", "/publish", "/units", "UNIT"]


@pytest.mark.parametrize("page", PAGES)
def test_no_page_scrolls_sideways(driver: Any, desk: Desk, job: str, page: str) -> None:
    """At 1366 pixels (an office laptop) no page is wider than the window."""
    special = {"JOB": job, "FILE": f"{job}/file/1", "UNIT": desk.url(f"/units/{quote(PRIOR_UNIT)}?year=2024")}
    url = special.get(page) or desk.url(page)
    driver.get(url)
    wide, inner = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    beyond = driver.execute_script("""
        const out = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const range = document.createRange();
          range.selectNodeContents(node);
          const right = range.getBoundingClientRect().right + scrollX;
          if (right > innerWidth + 1) out.push(node.parentElement.tagName.toLowerCase() + '.' +
            node.parentElement.className + ' ' + Math.round(right) + ': ' + node.textContent.slice(0, 60));
        }
        return out.slice(0, 5);""")
    assert wide <= inner, (page, wide, inner, beyond)


def test_unit_page_compares_figures_not_dates_or_the_year(driver: Any, desk: Desk, job: str) -> None:
    """填报日期 is kept as Excel's day number (45677) and the report year always differs by one: the
    comparison of a unit's years shows neither as a figure that changed."""
    driver.get(desk.url(f"/units/{quote(PRIOR_UNIT)}?year=2024"))
    rows = table_rows(driver, "table#compare")
    assert rows, "the comparison has figures"
    assert not [r for r in rows if r[0] in ("填报日期", "报告年度")], rows
