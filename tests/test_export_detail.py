"""The detail table (明细表): `export PATHS… -o 明细.xlsx|.csv` and `api.export_detail`.

Every test opens what was written (openpyxl for the .xlsx, the csv module for the .csv) and reads
it as an auditor would: the headers are the template's own labels, a unit's figures sit under
them as numbers, and a value the checker does not trust is never shown as a good number.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from tests.batch_helpers import run_cli, run_cli_tty_stderr, unit_data
from tests.make_filled import build_to
from tests.make_filled_2019 import build_to as build_2019
from tests.make_filled_2019 import generic_fill
from workbook_builder import api
from workbook_builder.cli import main
from workbook_builder.errors import UsageError
from workbook_builder.outfile import DETAIL_CSV_HEAD
from workbook_builder.render import detail
from workbook_builder.template import registry
from workbook_builder.template.place import display_width

LEAD = ["单位", "年度", "状态", "错误数", "警告数", "文件"]


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """交回/: 甲镇 (honest), 乙镇 (a total that does not add up: 三（七）≠ 一+二−四), 坏.xlsx (not a workbook)."""
    folder = tmp_path_factory.mktemp("returns") / "交回"
    build_to(folder, unit_data(0, "甲镇人民政府"), "甲镇.xlsx")
    bad = unit_data(1, "乙镇人民政府")
    bad["requests.granted.person"] += 5  # T3-A fails in the 自然人 column: an error, the figures still read
    build_to(folder, bad, "乙镇.xlsx")
    (folder / "坏.xlsx").write_bytes(b"this is no workbook")
    return folder


def _sheet(path: Path) -> Any:
    return openpyxl.load_workbook(path).worksheets[0]


def _header_value(ws: Any, row: int, col: int) -> Any:
    """A header cell's text, read through a merge (a merged range keeps it in its top-left cell)."""
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return ws.cell(rng.min_row, rng.min_col).value
    return ws.cell(row, col).value


def _rows_by_file(ws: Any) -> dict[str, list[Any]]:
    rows = [list(r) for r in ws.iter_rows(min_row=3, values_only=True)]
    return {str(r[5]).rsplit("/", 1)[-1]: r for r in rows}


def _col(datapoint: str, template: str | None = None) -> int:
    """The 0-based column of a data point in the table."""
    cols = detail.columns(registry.resolve(template).layout)
    return len(LEAD) + [c.datapoint for c in cols].index(datapoint)


@pytest.fixture(scope="module")
def written(returns: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("out") / "明细.xlsx"
    result = api.export_detail([returns], out, jobs=1)
    return out, result


def test_the_header_rows_are_the_template_s_labels(written: tuple[Path, Any]) -> None:
    path, _ = written
    ws = _sheet(path)
    cols = detail.columns(registry.resolve().layout)
    top = [_header_value(ws, 1, c) for c in range(1, ws.max_column + 1)]
    second = [ws.cell(2, c).value for c in range(1, ws.max_column + 1)]
    assert top[:6] == LEAD and top[6:-1] == [c.group for c in cols] and top[-1] == detail.INVALID_HEADER
    assert second[6:-1] == [c.label for c in cols]
    # the form's own words, as the brief's example reads them
    j = _col("requests.new.business")
    assert top[j] == "三、收到和处理政府信息公开申请情况 / 一、本年新收政府信息公开申请数量"
    assert second[j] == "法人或其他组织·商业企业"
    assert second[_col("requests.new.total")] == "总计"
    assert (top[_col("meta.unit_name")], second[_col("meta.unit_name")]) == ("封面", "单位名称")
    assert (top[_col("meta.date")], second[_col("meta.date")]) == ("封面", "填报日期")
    assert second[_col("text.overview")] == "一、总体情况"
    # no data point ID anywhere in the headers, and no check row (平衡/不平衡) as a column
    ids = {c.datapoint for c in cols}
    assert not ids & (set(top) | set(second))
    assert not any(c.datapoint.startswith("checks.") for c in cols)
    # every figure and field of the template has its column
    layout = registry.resolve().layout
    assert ids == {dp for dp, c in layout.by_id.items() if c.kind in ("input", "formula")}


def test_a_unit_s_figures_land_in_their_columns_as_numbers(written: tuple[Path, Any]) -> None:
    path, _ = written
    rows = _rows_by_file(_sheet(path))
    data = unit_data(0, "甲镇人民政府")
    row = rows["甲镇.xlsx"]
    assert row[:5] == ["甲镇人民政府", 2024, "通过", 0, 0]
    for dp in ("requests.new.person", "requests.new.business", "disclosure.rules.issued", "appeals.review.upheld"):
        assert row[_col(dp)] == data[dp] and type(row[_col(dp)]) is int, dp
    total = sum(data[f"requests.new.{k}"] for k in ("person", "business", "research", "nonprofit",
                                                      "legal_services", "other_org"))
    assert row[_col("requests.new.total")] == total and type(row[_col("requests.new.total")]) is int
    assert row[_col("disclosure.fees.amount")] == pytest.approx(data["disclosure.fees.amount"])
    assert row[_col("meta.date")] == data["meta.date"]  # a date as people write it
    assert row[_col("meta.unit_name")] == "甲镇人民政府"
    assert row[-1] is None  # nothing left out


def test_status_of_a_good_a_bad_and_an_unreadable_file(written: tuple[Path, Any]) -> None:
    path, result = written
    rows = _rows_by_file(_sheet(path))
    assert rows["甲镇.xlsx"][2] == "通过"
    bad = rows["乙镇.xlsx"]
    assert bad[2] == "未通过" and bad[3] >= 1
    assert bad[_col("requests.granted.person")] == unit_data(1, "乙")["requests.granted.person"] + 5
    broken = rows["坏.xlsx"]
    assert broken[2] == "无法读取" and broken[3] >= 1
    assert all(v is None for v in broken[6:])  # nothing read, nothing shown
    assert result.rows == 3 and dict(result.counts) == {"通过": 1, "未通过": 1, "无法读取": 1}
    assert not result.all_passed and result.path == path


def test_an_invalid_input_and_its_total_are_blank_marked_and_listed(tmp_path: Path) -> None:
    data = unit_data(0, "丙镇人民政府")
    data["requests.new.person"] = "十二"  # staff typed words into a number cell
    del data["requests.carried_over.research"]  # and left one blank
    build_to(tmp_path / "in", data, "丙镇.xlsx", strict=False)
    out = tmp_path / "明细.xlsx"
    api.export_detail([tmp_path / "in"], out, jobs=1)
    ws = _sheet(out)
    row = next(ws.iter_rows(min_row=3, max_row=3))
    person, total = row[_col("requests.new.person")], row[_col("requests.new.total")]
    # the engine would sum the other five columns: a total that looks right and is not
    assert person.value is None and total.value is None
    assert person.fill.fgColor.rgb.endswith("FFC7CE") and total.fill.fgColor.rgb.endswith("FFC7CE")
    assert row[_col("requests.new.business")].value == data["requests.new.business"]  # the rest stays
    # a required cell left empty is an error of the check: blank as left, marked, and so is its total
    blank, blank_total = row[_col("requests.carried_over.research")], row[_col("requests.carried_over.total")]
    assert blank.value is None and blank.fill.fgColor.rgb.endswith("FFC7CE")
    assert blank_total.value is None and blank_total.fill.fgColor.rgb.endswith("FFC7CE")
    assert row[_col("requests.carried_over.person")].fill.fgColor.rgb != "FFFFC7CE"  # the rest unmarked
    note = row[-1].value
    assert "一、本年新收政府信息公开申请数量 / 自然人：十二" in note and "总计" not in note
    assert "上年结转" not in note  # nothing was typed there: nothing to list
    assert row[2].value == "未通过"
    # the list is shown whole, though the row's long prose is cut to two lines
    lines = math.ceil(display_width(note) / (ws.column_dimensions[row[-1].column_letter].width - 2))
    assert ws.row_dimensions[3].height >= 15 * lines > 30


def test_a_published_report_is_a_row_like_its_workbook(returns: Path, tmp_path: Path) -> None:
    """`check` reads published reports too: the report of 甲镇's workbook gives the same figures."""
    api.publish([returns / "甲镇.xlsx"], tmp_path / "甲镇报告.html")
    out = tmp_path / "明细.csv"
    result = api.export_detail([tmp_path / "甲镇报告.html", returns / "甲镇.xlsx"], out, jobs=1)
    assert result.all_passed
    head, labels, report, workbook = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    differ = {labels[i] for i in range(6, len(head)) if report[i] != workbook[i]}
    assert differ == {"联系人", "联系电话", "填报日期"}  # the cover's contact is not printed in the report
    assert report[_col("requests.new.person")] == workbook[_col("requests.new.person")] != ""


def test_frozen_panes_print_setup_and_filter(written: tuple[Path, Any]) -> None:
    path, _ = written
    ws = _sheet(path)
    assert ws.freeze_panes == "G3"  # below the two header rows, right of the six lead columns
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"  # A4
    assert ws.print_title_rows.replace("$", "") == "1:2"  # both header rows on every printed page
    assert ws.print_title_cols.replace("$", "") == "A:C"  # 单位, 年度, 状态 at the left of every page
    assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A2:")
    assert ws.auto_filter.ref.endswith("5")  # the filter row is the second header row, over all three files
    # page breaks fall between the form's rows; no merged label over row 1 is cut by a break: the
    # appeals table, wider than a page, has its label again on the next page
    breaks = [b.id for b in ws.col_breaks.brk]
    assert breaks
    for rng in ws.merged_cells.ranges:
        if rng.min_row == 1 and rng.max_row == 1:
            assert not any(rng.min_col < b + 1 <= rng.max_col for b in breaks), rng
    appeals = "四、政府信息公开行政复议、行政诉讼情况"
    assert [ws.cell(1, c).value for c in range(1, ws.max_column + 1)].count(appeals) >= 2


def test_csv_round_trip_with_bom_and_both_header_rows(returns: Path, tmp_path: Path) -> None:
    out = tmp_path / "明细.csv"
    api.export_detail([returns], out, jobs=1)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    cols = detail.columns(registry.resolve().layout)
    assert rows[0][:6] == LEAD and rows[0][6:-1] == [c.group for c in cols]
    assert rows[1][6:-1] == [c.label for c in cols]
    by_file = {r[5].rsplit("/", 1)[-1]: r for r in rows[2:]}
    data = unit_data(0, "甲镇人民政府")
    good = by_file["甲镇.xlsx"]
    assert good[2] == "通过" and good[_col("requests.new.person")] == str(data["requests.new.person"])
    assert {r[2] for r in rows[2:]} == {"通过", "未通过", "无法读取"}


def test_a_zip_of_returns_is_read_with_its_member_names(returns: Path, tmp_path: Path) -> None:
    archive = tmp_path / "交回.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(returns / "甲镇.xlsx", "甲镇.xlsx")
        z.write(returns / "乙镇.xlsx", "乙镇.xlsx")
    out = tmp_path / "明细.xlsx"
    result = api.export_detail([archive], out, jobs=1)
    files = [r[5] for r in _sheet(out).iter_rows(min_row=3, values_only=True)]
    assert sorted(Path(f).name for f in files) == ["乙镇.xlsx", "甲镇.xlsx"]
    assert all(f.replace("\\", "/").endswith(("交回.zip/甲镇.xlsx", "交回.zip/乙镇.xlsx")) for f in files)
    assert result.counts["通过"] == 1 and result.counts["未通过"] == 1


def test_a_2019_workbook_gets_the_2019_labels(tmp_path: Path) -> None:
    data = generic_fill(unit="示例区人民政府办公室", year=2020)
    build_2019(tmp_path / "in", data, "2019.xlsx")
    out = tmp_path / "明细.xlsx"
    result = api.export_detail([tmp_path / "in"], out, jobs=1)
    assert result.all_passed
    ws = _sheet(out)
    t = "gov_info_disclosure_2019"
    cols = detail.columns(registry.resolve(t).layout)
    assert [ws.cell(2, c).value for c in range(7, ws.max_column)] == [c.label for c in cols]
    row = list(next(ws.iter_rows(min_row=3, max_row=3, values_only=True)))
    assert row[_col("disclosure.rules.made", t)] == data["disclosure.rules.made"]
    assert row[:3] == ["示例区人民政府办公室", 2020, "通过"]


def test_mixed_templates_are_refused_unless_one_is_named(returns: Path, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed"
    build_to(mixed, unit_data(0, "甲镇人民政府"), "甲镇.xlsx")
    build_2019(mixed, generic_fill(), "2019.xlsx")
    out = tmp_path / "明细.xlsx"
    with pytest.raises(UsageError, match="不同的模板.*-t"):
        api.export_detail([mixed], out, jobs=1)
    assert not out.exists()
    result = CliRunner().invoke(main, ["export", str(mixed), "-o", str(out), "--no-progress", "-j", "1"])
    assert result.exit_code == 2 and "不同的模板" in result.output
    # named: every file is read as that template; the 2019 one does not fit it and does not pass
    named = api.export_detail([mixed], out, template="gov_info_disclosure_2021", jobs=1)
    assert named.counts["通过"] == 1 and named.rows == 2


def test_cli_exit_codes_and_what_it_says(returns: Path, tmp_path: Path) -> None:
    out = tmp_path / "明细.xlsx"
    bad = run_cli("export", returns, "-o", out, "-j", "1")
    assert bad.returncode == 1, bad.stderr
    assert "已写出明细表" in bad.stdout and "通过 1，未通过 1，无法读取 1" in bad.stdout
    assert "未通过  乙镇人民政府" in bad.stdout and "无法读取  坏.xlsx" in bad.stdout
    assert bad.stderr == ""  # no progress bar off a terminal
    good = run_cli("export", returns / "甲镇.xlsx", "-o", tmp_path / "甲.csv", "-j", "1")
    assert good.returncode == 0 and (tmp_path / "甲.csv").exists()


def test_a_progress_bar_on_a_terminal_only_and_never_on_stdout(returns: Path, tmp_path: Path) -> None:
    code, out, err = run_cli_tty_stderr("export", returns, "-o", tmp_path / "明细.xlsx", "-j", "1")
    assert code == 1 and "检查 3/3" in err and "已写出明细表" in out and "检查 3/3" not in out
    code, out, err = run_cli_tty_stderr("export", returns, "-o", tmp_path / "明细.xlsx", "-j", "1", "--no-progress")
    assert code == 1 and "检查 " not in err


def test_cli_usage_errors_are_chinese_and_exit_2(returns: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for args in (["export", str(returns)], ["export", str(returns / "甲镇.xlsx"), str(returns / "乙镇.xlsx")]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2 and "-o 明细.xlsx" in result.output, args
    result = runner.invoke(main, ["export", str(returns), "-o", str(tmp_path / "明细.txt")])
    assert result.exit_code == 2 and "扩展名应为 .xlsx 或 .csv" in result.output
    result = runner.invoke(main, ["export", str(tmp_path / "没有.xlsx")])
    assert result.exit_code == 2 and "找不到文件" in result.output
    result = runner.invoke(main, ["export", str(returns / "*.xlsx")])  # a glob Windows' cmd left unexpanded
    assert result.exit_code == 2 and "-o 明细.xlsx" in result.output
    bracketed = tmp_path / "甲镇[终稿].xlsx"  # a file's own name, not a glob: still exported as JSON
    bracketed.write_bytes((returns / "甲镇.xlsx").read_bytes())
    result = runner.invoke(main, ["export", str(bracketed)])
    assert result.exit_code == 0 and '"requests.new.person"' in result.output


def test_inputs_are_never_written_and_an_input_is_no_output(returns: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in returns.iterdir()}
    for target in (returns / "甲镇.xlsx", returns / "坏.xlsx"):
        with pytest.raises(UsageError, match="是要导出的文件之一"):
            api.export_detail([returns], target, jobs=1)
    api.export_detail([returns], tmp_path / "明细.xlsx", jobs=1)
    assert {p.name: p.read_bytes() for p in returns.iterdir()} == before


def test_an_output_that_cannot_be_written_is_said_in_chinese(returns: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "不是文件夹"
    blocker.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["export", str(returns / "甲镇.xlsx"), "-o", str(blocker / "明细.xlsx"),
                                       "-j", "1"])
    assert result.exit_code == 2 and "无法写出" in result.output and "Traceback" not in result.output


def test_the_table_written_into_the_returns_folder_is_not_read_back(returns: Path, tmp_path: Path) -> None:
    folder = tmp_path / "交回"
    folder.mkdir()
    (folder / "甲镇.xlsx").write_bytes((returns / "甲镇.xlsx").read_bytes())
    api.export_detail([folder], folder / "明细.xlsx", jobs=1)
    api.export_detail([folder], folder / "明细.csv", jobs=1)
    again = api.export_detail([folder], folder / "明细2.xlsx", jobs=1)
    assert again.rows == 1  # our own tables are skipped by the folder walk, as the summary is
    with api.check([folder], jobs=1) as run:
        assert len(run.files) == 1 and {Path(p).name for p, _ in run.skipped} >= {"明细.xlsx", "明细.csv"}
    # the CSV is known by its header row: the walk and the table are kept in step
    assert ",".join(detail.LEAD_HEADER) == DETAIL_CSV_HEAD


def test_unit_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    data = unit_data(0, "=HYPERLINK(\"http://x\")")
    build_to(tmp_path / "in", data, "x.xlsx")
    out = tmp_path / "明细.xlsx"
    api.export_detail([tmp_path / "in"], out, jobs=1)
    ws = _sheet(out)
    assert ws.cell(3, 1).value.startswith("'=") and ws.cell(3, 1).data_type == "s"


def test_page_breaks_keep_a_form_s_row_on_one_page_and_split_only_what_is_wider() -> None:
    from workbook_builder.build.tables import A4_LANDSCAPE_POINTS, TableSheet, page_breaks, points

    groups = ["", "甲", "甲", "甲", "乙", "乙", "乙", "丙", *["宽"] * 40]
    sheet = TableSheet("t", [groups, [""] * len(groups)], [], frozen_cols=1, print_scale=100, print_cols=1)
    widths = [10.0] * len(groups)
    room = A4_LANDSCAPE_POINTS * 0.98 - points(10)
    per_page = int(room // points(10))
    breaks = page_breaks(sheet, groups, widths)
    starts = {1, 4, 7, 8}  # where a group begins
    for b in breaks:
        assert b in starts or b > 8, b  # between groups, or inside the one wider than a page
    assert 8 in breaks  # the wide group starts on a page of its own
    inside = [b for b in breaks if b > 8]
    assert inside and all(later - earlier == per_page for earlier, later in zip([8, *inside], inside, strict=False))
