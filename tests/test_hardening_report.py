"""Issue 7, what auditors and staff read: rule messages in plain Chinese with cells, labels and values;
annotated copies marking every cell of a failed rule; a printable summary; an A4 HTML report."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from tests import chromium_headless
from tests.batch_helpers import run_cli, unit_data
from tests.make_filled import build_to, honest_data
from workbook_builder import api
from workbook_builder.batch.annotate import FILL_RGB, annotate_bytes, annotate_copy
from workbook_builder.batch.result import CheckRun
from workbook_builder.batch.roster import RosterResult
from workbook_builder.check.result import FileResult
from workbook_builder.findings import Text, make
from workbook_builder.findings.catalogue import fill
from workbook_builder.render import html as html_report
from workbook_builder.template import registry

ID = re.compile(r"\b[a-z_]+\.[a-z_]+\.[a-z_]+\b")  # a data point ID, e.g. requests.new.person


@pytest.fixture(scope="module")
def broken_rule() -> Path:
    """The real 2024 data with 结转下年度继续办理 · 自然人 raised by 5: T3-A fails for D and J."""
    data = honest_data("suqian-city-2024")
    data["requests.carried_forward.person"] += 5
    return build_to(Path(tempfile.mkdtemp()), data, "宿迁市.xlsx")


# ---------------------------------------------------------------- 1. rule messages name cells, not IDs


def test_rule_message_names_labels_cells_and_both_values(broken_rule: Path) -> None:
    found = [f for f in api.check([broken_rule], jobs=1).files[0].findings if f.code == "rule-failed"]
    person = next(f for f in found if f.cell == "'依申请公开'!D30")
    zh, en = person.message("zh"), person.message("en")
    assert "一、本年新收政府信息公开申请数量 + 二、上年结转政府信息公开申请数量（D5+D6 = 3558）应等于" in zh
    assert "三、本年度办理结果（七）总计 + 四、结转下年度继续办理（D28+D29 = 3563）" in zh
    assert "(D5+D6 = 3558) must equal" in en and "(D28+D29 = 3563)" in en
    assert "请核对相关单元格" not in zh
    for f in found:  # no data point ID in any text a person reads; they stay on the finding
        assert not ID.search(f.message("zh")) and not ID.search(f.message("en")), f.message("zh")
        assert dict(f.params)["left"].formula.startswith("requests.new.")


def test_prior_year_message_names_last_years_cell(tmp_path: Path) -> None:
    last = tmp_path / "last"
    build_to(last, honest_data("suqian-city-2023"), "宿迁市.xlsx")
    data = honest_data("suqian-city-2024")
    data["requests.carried_over.person"] += 2
    data["requests.new.person"] -= 2
    this = build_to(tmp_path, data, "宿迁市2024.xlsx")
    found = [f for f in api.check([this], prior=last, jobs=1).files[0].findings if f.code == "prior-year-mismatch"]
    d6 = next(f for f in found if f.cell == "'依申请公开'!D6")
    assert "二、上年结转政府信息公开申请数量（D6 = 120）应等于 上年报告的四、结转下年度继续办理（上年D29 = 118）" in d6.message()
    assert "last year's 四、结转下年度继续办理 (last year's D29 = 118)" in d6.message("en")
    assert not ID.search(d6.message()) and "对照上年报告" in d6.message()


def _render(formula: str, value: float = 7.0) -> str:
    from workbook_builder.check.rules import _side
    from workbook_builder.findings.catalogue import Side

    layout = registry.resolve().layout
    side = _side(layout, formula, value, formula, layout.by_id["requests.results_total.person"])
    assert isinstance(side, Side)
    return fill("{x:side}", "zh", {"x": side})


def test_long_sums_read_as_ranges() -> None:
    rows = ["granted", "partially_granted", "denied_state_secret", "denied_prohibited_by_law"]
    run = "+".join(f"requests.{r}.person" for r in rows)
    assert _render(run) == "（一）予以公开至（三）不予公开 > 2.其他法律行政法规禁止公开之和（D7:D10 = 7）"
    two = "requests.granted.person+requests.partially_granted.person"  # too short for a range
    assert "（D7+D8 = 7）" in _render(two)
    summed = _render("SUM(requests.granted.person:requests.other_other.person)+requests.carried_forward.person")
    assert re.fullmatch(r".+至.+之和 \+ 四、结转下年度继续办理（D7:D27\+D29 = 7）", summed), summed
    assert _render("requests.new.person-1000").endswith("（D5-1000 = 7）")


# ---------------------------------------------------------------- 3. the summary workbook prints


def _pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def nine_units(tmp_path_factory: pytest.TempPathFactory) -> CheckRun:
    """Nine units' returns, three of them with errors (long messages): an auditor's small batch."""
    folder = tmp_path_factory.mktemp("nine")
    for k in range(9):
        data = unit_data(k, f"示例市第{k + 1}局")
        if k % 3 == 0:
            data["requests.carried_forward.person"] += 5
        build_to(folder, data, f"第{k + 1}局.xlsx")
    return api.check([folder], jobs=1)


def test_summary_keeps_numbers_as_numbers(nine_units: CheckRun, tmp_path: Path) -> None:
    out = api.save_report(nine_units, tmp_path / "汇总.xlsx")
    wb = openpyxl.load_workbook(out)
    files = list(wb["汇总"].iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in files] == [2024] * 9  # 年度
    assert all(isinstance(v, int) for r in files for v in r[4:7])  # 错误 · 警告 · 提示
    assert sum(r[4] for r in files) == 6
    found = list(wb["问题清单"].iter_rows(min_row=2, values_only=True))
    assert all(isinstance(r[8], int) and isinstance(r[9], int) for r in found)  # 应为 · 实际
    # review of issue 7: nothing to say is a blank cell, not an empty text
    assert all(v is None or v != "" for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row)
    assert any(v is None for r in files for v in r)  # the passing units have no 首个错误
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        setup = ws.page_setup  # fitToWidth defaults to 1 when absent
        assert setup.fitToWidth in (None, 1) and setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"
        widths = [ws.column_dimensions[get_column_letter(c)].width for c in range(1, ws.max_column + 1)]
        assert all(6 <= w <= 50 for w in widths), widths


def test_summary_of_nine_units_prints_on_a_page_or_two(nine_units: CheckRun, tmp_path: Path, libreoffice) -> None:  # type: ignore[no-untyped-def]
    out = api.save_report(nine_units, tmp_path / "汇总.xlsx")
    pdf = tmp_path / "汇总.pdf"
    libreoffice.run(out, [{"op": "export_pdf", "path": str(pdf)}])
    assert 1 <= _pages(pdf) <= 4  # three sheets: 汇总 on one page, the findings on one or two, the roster on one


# ---------------------------------------------------------------- 4. the HTML report prints on A4


def _print_pdf(page: Path) -> Path:
    pdf = page.with_suffix(".pdf")
    done = chromium_headless._run(chromium_headless.require_chromium(), page, f"--print-to-pdf={pdf}",
                                  "--no-pdf-header-footer")
    assert pdf.exists(), done.stderr[-2000:]
    return pdf


def _words(pdf: Path) -> list[tuple[str, float, float]]:
    """Every word of the PDF with its right edge, and the width of its page."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    out = []
    for page in re.split(r"<page ", bbox)[1:]:
        width = float(re.match(r'width="([\d.]+)"', page).group(1))  # type: ignore[union-attr]
        out += [(w, float(x), width) for x, w in re.findall(r'<word [^>]*xMax="([\d.]+)"[^>]*>([^<]*)</word>', page)]
    return out


def test_html_prints_on_a4_with_the_whole_chart(tmp_path: Path) -> None:
    """The code chart is wider than a page (long code titles): on paper it shrinks to fit, on A4."""
    found = tuple(make("no-cached-values", "saved-by", saved_by="WPS") for _ in range(37))
    page = html_report.render(CheckRun((FileResult("a.xlsx", None, found, unit="某局", year=2024),),
                                       RosterResult.empty()))
    charts = re.search(r'<section id="charts">.*?</section>', page, re.S).group(0)  # type: ignore[union-attr]
    assert 'id="code-bars"' in charts and int(re.search(r'id="code-bars"[^>]* width="(\d+)"', charts).group(1)) > 760  # type: ignore[union-attr]
    only_chart = re.sub(r"<main>.*</main>", lambda m: "<main>" + charts + "</main>", page, flags=re.S)
    (tmp_path / "chart.html").write_text(only_chart, encoding="utf-8")
    pdf = _print_pdf(tmp_path / "chart.html")
    assert "A4" in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    words = _words(pdf)
    count = [(x, width) for w, x, width in words if w == "37"]  # the count at the end of the longest bar
    assert count and all(x <= width for x, width in count), words
    assert all(x <= width for _, x, width in words)


def test_html_header_names_the_office_and_the_date(nine_units: CheckRun, tmp_path: Path) -> None:
    page = html_report.render(nine_units, date=dt.date(2026, 12, 1), office="示例市人民政府办公室")
    header = re.search(r"<header>.*?</header>", page, re.S).group(0)  # type: ignore[union-attr]
    assert "检查单位：示例市人民政府办公室" in header and "检查日期：2026年12月1日" in header
    en = html_report.render(nine_units, lang="en", date=dt.date(2026, 12, 1))
    assert "Checked on: 2026-12-01" in en and "Issued by" not in en
    assert 'id="issued"' not in html_report.render(nine_units)  # no date given: the page reads no clock
    out = api.save_report(nine_units, tmp_path / "r.html", office="<b>某办</b>")
    saved = out.read_text(encoding="utf-8")
    today = dt.date.today()
    assert f"检查日期：{today.year}年{today.month}月{today.day}日" in saved and "检查单位：&lt;b&gt;某办&lt;/b&gt;" in saved


def test_cli_office_option(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    build_to(folder, unit_data(0, "示例市甲局"), "甲局.xlsx")
    done = run_cli("check", folder, "--html", tmp_path / "r.html", "--office", "示例市政务公开办")
    assert done.returncode == 0, done.stderr
    assert "检查单位：示例市政务公开办" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_formulas_and_cells_do_not_break_mid_token(nine_units: CheckRun, tmp_path: Path) -> None:
    page = html_report.render(nine_units, date=dt.date(2026, 12, 1))
    assert ".nb{white-space:nowrap}" in page
    tokens = {html.unescape(t) for t in re.findall(r'<span class="nb">([^<]+)</span>', page)}
    assert {"'依申请公开'!D30", "D5", "D28", "3040"} <= tokens  # a line may break at + only
    path = tmp_path / "r.html"
    path.write_text(page, encoding="utf-8")
    text = subprocess.run(["pdftotext", str(_print_pdf(path)), "-"], capture_output=True, text=True).stdout
    for token in ("'依申请公开'!D30", "'依申请公开'!J30", "3035", "3040", "3153", "3158"):
        assert token in text, token  # never cut over two lines


# ---------------------------------------------------------------- 2. annotated copies mark a rule's cells

try:
    from workbook_builder.batch.annotate.highlight import RULE_FILL_RGB
except ImportError:  # before issue 7 a rule was marked like any finding (lets this file run on main)
    RULE_FILL_RGB = "FFF4B183"


def _comments_and_fills(path: Path, sheet: str) -> tuple[dict[str, str], dict[str, str]]:
    ws = openpyxl.load_workbook(path)[sheet]
    comments = {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}
    fills = {c.coordinate: c.fill.fgColor.rgb for row in ws.iter_rows() for c in row
             if c.fill.patternType == "solid" and c.fill.fgColor.rgb in (FILL_RGB, RULE_FILL_RGB)}
    return comments, fills


def test_annotated_copy_marks_every_cell_of_a_failed_rule(broken_rule: Path, tmp_path: Path) -> None:
    report = api.check_file(broken_rule)
    out = annotate_copy(broken_rule, report.findings, tmp_path / "copy.xlsx")
    comments, fills = _comments_and_fills(out, "依申请公开")
    both_sides = {f"{col}{row}" for col in "DJ" for row in (5, 6, 28, 29)}
    assert fills == {cell: RULE_FILL_RGB for cell in both_sides | {"D30", "J30"}}
    person = next(f for f in report.findings if f.cell == "'依申请公开'!D30")
    for cell in ("D5", "D6", "D28", "D29", "D30"):
        assert comments[cell] == "错误：" + person.message("zh")  # the comment says the rule
    assert "J30" not in comments["D5"] and "D30" not in comments["J5"]  # each cell: only its own rule


def test_rule_colour_is_one_the_workbook_never_uses() -> None:
    with zipfile.ZipFile(io.BytesIO(api.build(data=honest_data()))) as z:
        styles = z.read("xl/styles.xml").decode().upper()
    assert RULE_FILL_RGB[2:] not in styles and FILL_RGB[2:] in styles  # the workbook's own 不平衡 is light red
    assert RULE_FILL_RGB != FILL_RGB


def test_a_cells_own_problem_stays_light_red_beside_a_rule(broken_rule: Path) -> None:
    own = make("stale-value", "differs", cell="'依申请公开'!D5", expected=1, actual=2, formula="A1")
    failed = make("rule-failed", "failed", severity="error", cell="'依申请公开'!D30", rule="T3-A",
                  cells=("'依申请公开'!D5", "'依申请公开'!D6"), message=Text("规则", "rule"),
                  left="a", comparator="=", right="b")
    data = annotate_bytes(broken_rule.read_bytes(), [own, failed])
    path = Path(tempfile.mkdtemp()) / "copy.xlsx"
    path.write_bytes(data)
    comments, fills = _comments_and_fills(path, "依申请公开")
    assert fills == {"D5": FILL_RGB, "D6": RULE_FILL_RGB, "D30": RULE_FILL_RGB}
    assert comments["D5"].count("\n") == 1  # both findings on D5, each once


def _orange_pixels(pdf: Path) -> int:
    """Pixels of the rule's colour in every page, rendered at 40 dpi."""
    r, g, b = (int(RULE_FILL_RGB[i:i + 2], 16) for i in (2, 4, 6))
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "40", str(pdf), f"{tmp}/p"], check=True)
        for ppm in sorted(Path(tmp).glob("p*.ppm")):
            data = ppm.read_bytes()
            _, size, _, pixels = data.split(b"\n", 3)  # P6, "w h", 255, RGB bytes
            for i in range(0, len(pixels) - 2, 3):
                if abs(pixels[i] - r) < 12 and abs(pixels[i + 1] - g) < 12 and abs(pixels[i + 2] - b) < 12:
                    count += 1
    return count


def test_libreoffice_shows_the_rule_cells_in_orange(broken_rule: Path, tmp_path: Path, libreoffice) -> None:  # type: ignore[no-untyped-def]
    report = api.check_file(broken_rule)
    out = annotate_copy(broken_rule, report.findings, tmp_path / "copy.xlsx")
    pdf = tmp_path / "copy.pdf"
    libreoffice.run(out, [{"op": "export_pdf", "path": str(pdf)}])
    assert _orange_pixels(pdf) > 8 * 40  # eight cells of a few hundred pixels each at 40 dpi


def test_a_run_is_only_a_range_where_the_sum_means_the_same() -> None:
    rows = ["granted", "partially_granted", "denied_state_secret"]
    run = "+".join(f"requests.{r}.person" for r in rows)
    assert "（D5-D7+D8+D9 = 7）" in _render(f"requests.new.person-{run}")  # not D5-D7:D9
    assert "（D7+D8+D9*2 = 7）" in _render(f"{run}*2")
    assert "（D5+D7:D9-D6 = 7）" in _render(f"requests.new.person+{run}-requests.carried_over.person")
