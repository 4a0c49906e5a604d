"""The importer attacked: published reports crafted to make it return a wrong figure as a value, shift
a row, take a page number, a date or a phone number as a cell, or raise. Each test holds the promise
for a class of inputs: a cell not read for certain is not a value, and says its source text."""

from __future__ import annotations

import time
from pathlib import Path

from tests.test_import_match_synthetic import T2019, T2021, found, read, render, values_2021, values_of
from workbook_builder.findings import Code
from workbook_builder.imports.labels import sections
from workbook_builder.imports.model import ImportResult
from workbook_builder.imports.report import check_file, import_report

WANT = values_2021()
BASE = render(T2021, WANT)
OTHER_ROW = ["requests.other_other." + c for c in
             ("person", "business", "research", "nonprofit", "legal_services", "other_org", "total")]


def test_page_number_below_a_row_with_a_vanished_blank_is_not_a_cell() -> None:
    """"3.其他 108 2 0 0 0 110" (a blank cell lost in the PDF's text) then a footer "4" on its own
    line: seven figures for seven columns, but the 4 is a page number, not the row total."""
    text = BASE.replace("3.其他 108 2 0 0 0 0 110\n", "3.其他 108 2 0 0 0 110\n4\n")
    reading = read(text)
    for dp in OTHER_ROW:
        cell = reading.cells[dp]
        assert cell.status == "ambiguous", (dp, cell)
        assert cell.raw == "108 2 0 0 0 110 4"
    assert (Code.IMPORT_AMBIGUOUS, "lines") in found(reading)
    # the other rows are read as printed
    values = values_of(reading)
    assert all(values[dp] == WANT[dp] for dp in values)
    assert len(values) == len(WANT) - len(OTHER_ROW)


def test_a_row_printed_one_figure_a_line_is_still_read() -> None:
    """The one-cell-per-line shape: figures each on its own line are the row's cells."""
    row = "3.其他 108 2 0 0 0 0 110\n"
    text = BASE.replace(row, "3.其他\n" + "\n".join(row.split()[1:]) + "\n")
    assert values_of(read(text)) == WANT


def test_a_figure_a_count_cannot_hold_is_reported_not_checked_as_fine() -> None:
    """1.5 or -1 printed in a count column: read as printed, but told as a workbook's input would be
    (with the report's place), and kept out of the sums."""
    from workbook_builder.imports.published import check_reading

    for printed, reason in (("1.5", "fractional"), ("-1", "below-min")):
        reading = read(BASE.replace("规章 1 0 11", f"规章 {printed} 0 11"))
        result = check_reading(reading, T2021)
        hits = [f for f in result.findings if f.code == Code.INVALID_INPUT]
        assert [(f.reason, f.datapoint) for f in hits] == [(reason, "disclosure.rules.issued")]
        assert hits[0].cell and "规章" in hits[0].cell
        assert "disclosure.rules.issued" in result.invalid_inputs


def test_a_table_of_contents_at_the_top_is_not_the_report() -> None:
    """目录 listing the six headings with page numbers (and leaders) before the report: the headings
    are found again after it, and the tables read (not "not a report", not every row missing)."""
    for leader in (" ", "……", "…………………"):
        toc = "目录\n" + "".join(f"{s.heading}{leader}{i + 1}\n" for i, s in enumerate(sections(T2021)))
        reading = read(BASE.replace("一、总体情况\n", toc + "一、总体情况\n", 1))
        assert values_of(reading) == WANT
        assert found(reading) == []
        assert (reading.unit, reading.year) == ("示例县人民政府", 2023)
        assert reading.prose["text.overview"].startswith("一节的正文")


def test_a_figure_behind_a_note_below_a_blank_row_is_not_its_cell() -> None:
    """A row printed blank in extracted text (its cell vanished) followed by a note or a date with a
    figure: "行政许可" then "注：本年共 12 件", "行政事业性收费" then "截至 2023 年底"."""
    cases = {
        "行政许可 447228\n": ("行政许可\n注：本年共 12 件\n", "disclosure.licensing.decisions", "12"),
        "行政事业性收费 96171.6\n": ("行政事业性收费\n截至 2023 年底\n", "disclosure.fees.amount", "2023"),
    }
    for row, (printed, dp, raw) in cases.items():
        reading = read(BASE.replace(row, printed))
        cell = reading.cells[dp]
        assert (cell.status, cell.raw) == ("ambiguous", raw)
        assert (Code.IMPORT_AMBIGUOUS, "lines") in found(reading)
        values = values_of(reading)
        assert all(values[d] == WANT[d] for d in values) and len(values) == len(WANT) - 1


def test_a_publication_date_by_the_title_is_not_the_report_year() -> None:
    """A date printed beside or above the title names another year: the year the title is about is
    the report's (2023), never the date's (2024)."""
    title = "示例县人民政府2023年政府信息公开工作年度报告"
    for printed in ("2024年1月20日\n2023年度政府信息公开工作年度报告",
                    "示例县人民政府 2024年1月\n2023年度政府信息公开工作年度报告",
                    "2024年1月 示例县人民政府关于2023年度政府信息公开工作年度报告"):
        reading = read(BASE.replace(title, printed))
        assert reading.year == 2023, printed


def _no_bug(text: str, tmp_path: Path) -> ImportResult:
    """The report through the whole import and check: no finding of our own bug, and quick."""
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    result = import_report(path)
    checked = check_file(path)
    assert time.perf_counter() - started < 5
    for finding in (*result.findings, *checked.findings):
        assert finding.code != Code.CHECKER_ERROR, finding
    return result


def test_absurdly_long_figures_are_unreadable_never_a_crash_nor_slow(tmp_path: Path) -> None:
    """A 300-digit run where 表四's fifteen cells belong (each cell tried was not counted as a search
    step: two minutes), a 400-digit run in a 表三 row (a float overflow), a 400-digit figure alone in
    a one-column row, a thousands-grouped figure of 19 digits: no cell holds more than 15 digits."""
    t4 = " ".join(str(WANT[dp]) for dp in sections(T2021)[3].tables[0].rows[0].datapoints)
    cases = {
        t4: ("7" * 300, "appeals.review.upheld"),
        "3001 53 0 0 61 4 3119": ("1" * 400, "requests.new.person"),
        "行政许可 447228": ("行政许可 " + "9" * 400, "disclosure.licensing.decisions"),
        "行政强制 88283": ("行政强制 1,234,567,890,123,456,789", "disclosure.coercion.decisions"),
    }
    for printed, (attack, dp) in cases.items():
        assert printed in BASE
        result = _no_bug(BASE.replace(printed, attack), tmp_path)
        assert result.cells[dp].status == "ambiguous", (attack[:20], result.cells[dp])
        assert result.values[dp] is None
        assert any(f.code == Code.IMPORT_AMBIGUOUS for f in result.findings)


def test_a_note_mark_on_a_figure_is_not_a_digit() -> None:
    """"1²" (a figure with a note's mark) is not 12, nor "①" a 1: the cell is unreadable, as printed."""
    for printed in ("1²", "①", "₃"):
        reading = read(BASE.replace("规章 1 0 11", f"规章 {printed} 0 11"))
        cell = reading.cells["disclosure.rules.issued"]
        assert (cell.status, cell.raw) == ("ambiguous", printed)
        assert (Code.IMPORT_AMBIGUOUS, "unreadable") in found(reading)
        assert reading.cells["disclosure.rules.in_force"].value == 11


def test_the_prose_does_not_choose_the_template() -> None:
    """A 2021 report whose 总体情况 speaks of 政府集中采购, 采购项目数量, 对外公开总数量 (the 2019 format's own
    words) is read as 2021: its 规章 1 0 11 are 制发/废止/现行有效, not the 2019 columns."""
    prose = ("一节的正文。主动公开政府集中采购信息，公开采购项目数量和采购总金额，对外公开总数量较上年增加，"
             "本年新公开数量、本年新制作数量均有增长。")
    reading = read(BASE.replace("一节的正文，本年收到申请3件。", prose), [T2021, T2019])
    assert reading.template_id == "gov_info_disclosure_2021"
    assert values_of(reading) == WANT
    assert found(reading) == []
