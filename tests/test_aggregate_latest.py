"""`aggregate --latest` and the roll-up's 汇总说明 sheet.

A unit that sent two workbooks of one year (a draft and the final) is refused by a plain `aggregate`
(its figures would be summed twice) with the way out named; with `--latest` the newer is summed (the
later 填报日期, else the file modified last, a zip member by its date in the zip) and the other is
left out saying which file replaced it. The roll-up lists every unit on its 汇总说明 sheet, a sheet
the checker accepts in a roll-up we wrote and nowhere else.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.batch_helpers import run_cli, unit_data
from tests.make_filled import build_to
from workbook_builder import api
from workbook_builder.batch.aggregate import AggregateError
from workbook_builder.build.writer import write_workbook
from workbook_builder.outfile import OUTPUT_PROPERTY, OUTPUT_ROLLUP, ROLLUP_SHEET
from workbook_builder.template import registry

YEAR = 2024
FIGURE = "requests.new.person"  # summed; unit_data makes it depend on k


def _sheet(path: Path) -> list[tuple[Any, ...]]:
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-1] == ROLLUP_SHEET, wb.sheetnames  # after the template's: their places are kept
    assert wb[ROLLUP_SHEET].protection.sheet and wb[ROLLUP_SHEET].sheet_state == "visible"
    return [tuple("" if v is None else v for v in row) for row in wb[ROLLUP_SHEET].iter_rows(values_only=True)]


def _returns(folder: Path, draft_date: str = "2025-01-10", final_date: str = "2025-01-20") -> dict[str, Any]:
    """Two units; 乙局 twice: a draft (k=1) and its final (k=2), the final dated `final_date`."""
    datas = {"甲局": unit_data(0, "示例市甲局", year=YEAR, date="2025-01-15"),
             "draft": unit_data(1, "示例市乙局", year=YEAR, date=draft_date),
             "final": unit_data(2, "示例市乙局", year=YEAR, date=final_date)}
    build_to(folder, datas["甲局"], "甲局.xlsx")
    build_to(folder, datas["draft"], "乙局.xlsx")
    build_to(folder / "更正", datas["final"], "乙局（更正）.xlsx")
    return datas


def test_without_latest_refused_with_the_way_out(tmp_path: Path) -> None:
    _returns(tmp_path / "in")
    out = tmp_path / "汇总.xlsx"
    run = run_cli("aggregate", tmp_path / "in", "-o", out)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "示例市乙局" in run.stderr and "乙局（更正）.xlsx" in run.stderr and "--latest" in run.stderr
    assert not out.exists()


def test_latest_keeps_the_later_fill_date(tmp_path: Path) -> None:
    # the final sorts first by name and is older on disk: only its 填报日期 says it is newer
    folder = tmp_path / "in"
    datas = _returns(folder, draft_date="2025-01-10", final_date="2025-01-20")
    os.utime(folder / "乙局.xlsx", (time.time(), time.time()))
    os.utime(folder / "更正" / "乙局（更正）.xlsx", (1_700_000_000, 1_700_000_000))
    out = tmp_path / "汇总.xlsx"
    run = run_cli("aggregate", folder, "-o", out, "--latest")
    assert run.returncode == 0, run.stdout + run.stderr  # the draft left out is what --latest asked for
    assert "已汇总 2 个单位" in run.stdout
    left = [line for line in run.stdout.splitlines() if line.strip().startswith("未计入")]
    assert len(left) == 1 and "乙局.xlsx" in left[0], run.stdout
    assert f"同一单位有更新的文件 {folder / '更正' / '乙局（更正）.xlsx'}（填报日期 2025-01-20，本文件 2025-01-10）" in left[0]
    values = api.export(out)["values"]
    assert values[FIGURE] == datas["甲局"][FIGURE] + datas["final"][FIGURE] != datas["甲局"][FIGURE] + datas["draft"][FIGURE]
    rows = _sheet(out)
    assert rows[0] == ("单位", "是否计入", "文件", "填报日期", "说明")
    by_file = {Path(r[2]).name: r for r in rows[1:]}
    assert by_file["乙局（更正）.xlsx"][:2] == ("示例市乙局", "计入") and by_file["乙局（更正）.xlsx"][3] == "2025-01-20"
    assert by_file["甲局.xlsx"][:2] == ("示例市甲局", "计入")
    assert by_file["乙局.xlsx"][:2] == ("示例市乙局", "未计入") and "同一单位有更新的文件" in by_file["乙局.xlsx"][4]
    assert len(rows) == 4
    report = api.check_file(out)  # the extra sheet is the roll-up's own: no finding
    assert report.valid and [f.code for f in report.findings if f.severity != "info"] == []


def test_same_date_the_file_modified_last(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    datas = _returns(folder, draft_date="2025-01-20", final_date="2025-01-20")
    os.utime(folder / "乙局.xlsx", (1_700_000_000, 1_700_000_000))
    os.utime(folder / "更正" / "乙局（更正）.xlsx", (1_700_086_400, 1_700_086_400))
    result = api.aggregate(folder, tmp_path / "汇总.xlsx", jobs=1, latest=True)
    assert {r.unit: Path(r.path).name for r in result.included} == {"示例市甲局": "甲局.xlsx",
                                                                    "示例市乙局": "乙局（更正）.xlsx"}
    [(old, reason)] = result.excluded
    assert Path(old.path).name == "乙局.xlsx" and result.superseded == (old.path,) and result.complete
    assert "填报日期都是 2025-01-20，修改时间" in reason
    assert api.export(tmp_path / "汇总.xlsx")["values"][FIGURE] == datas["甲局"][FIGURE] + datas["final"][FIGURE]


def test_alike_in_date_and_time_refused(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _returns(folder, draft_date="2025-01-20", final_date="2025-01-20")
    for p in (folder / "乙局.xlsx", folder / "更正" / "乙局（更正）.xlsx"):
        os.utime(p, (1_700_000_000, 1_700_000_000))
    with pytest.raises(AggregateError, match="无法判断哪个是最新的"):
        api.aggregate(folder, tmp_path / "汇总.xlsx", jobs=1, latest=True)
    assert not (tmp_path / "汇总.xlsx").exists()


def test_a_newest_with_errors_is_not_replaced_by_the_draft(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    datas = _returns(folder)
    bad = dict(datas["final"])
    bad["disclosure.licensing.decisions"] = "/"
    build_to(folder / "更正", bad, "乙局（更正）.xlsx", strict=False)
    out = tmp_path / "汇总.xlsx"
    run = run_cli("aggregate", folder, "-o", out, "--latest")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "已汇总 1 个单位" in run.stdout
    final, draft = folder / "更正" / "乙局（更正）.xlsx", folder / "乙局.xlsx"
    left = [line.strip() for line in run.stdout.splitlines() if line.strip().startswith("未计入")]
    assert len(left) == 2, run.stdout
    assert any(line.startswith(f"未计入  示例市乙局（{final}）：有错误") for line in left), left
    assert any(line.startswith(f"未计入  示例市乙局（{draft}）：同一单位有更新的文件 {final}") for line in left), left
    assert api.export(out)["values"][FIGURE] == datas["甲局"][FIGURE]
    # the console names the option; the sheet, printed and filed with the report, gives the reason only
    assert "--include-invalid" in run.stdout
    row = next(row for row in _sheet(out) if row[1] == "未计入" and str(row[4]).startswith("有错误"))
    assert "--include-invalid" not in "".join(map(str, row)) and str(row[4]).endswith("）"), row


def _zip_of(members: list[tuple[str, bytes, tuple[int, ...]]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, when in members:
            zf.writestr(zipfile.ZipInfo(name, when), data)  # type: ignore[arg-type]
    return buf.getvalue()


def test_zip_members_by_their_date_in_the_zip(tmp_path: Path) -> None:
    """Unpacked, both members are as new as the run: only the zip's own dates tell them apart."""
    same = "2025-01-20"
    first, second = unit_data(1, "示例市乙局", year=YEAR, date=same), unit_data(2, "示例市乙局", year=YEAR, date=same)
    archive = tmp_path / "交回.zip"
    archive.write_bytes(_zip_of([("乙局-a.xlsx", api.build(data=first), (2025, 1, 21, 9, 0, 0)),
                                 ("乙局-b.xlsx", api.build(data=second), (2025, 1, 20, 9, 0, 0))]))
    result = api.aggregate(archive, tmp_path / "汇总.xlsx", jobs=1, latest=True)
    assert [r.path for r in result.included] == [f"{archive}/乙局-a.xlsx"]
    [(old, reason)] = result.excluded
    assert old.path == f"{archive}/乙局-b.xlsx"
    assert f"同一单位有更新的文件 {archive}/乙局-a.xlsx" in reason and "2025-01-21 09:00" in reason
    assert api.export(tmp_path / "汇总.xlsx")["values"][FIGURE] == first[FIGURE]


def test_roster_units_missing(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _returns(folder)
    roster = tmp_path / "名单.csv"
    roster.write_text("单位\n示例市甲局\n示例市乙局\n示例市丙局\n", encoding="utf-8-sig")
    out = tmp_path / "汇总.xlsx"
    run = run_cli("aggregate", folder, "-o", out, "--latest", "--roster", roster)
    assert run.returncode == 1, run.stdout + run.stderr  # a unit missing: the roll-up is not complete
    assert "  缺报  示例市丙局" in run.stdout
    assert ("示例市丙局", "缺报", "", "", "名单中的单位，没有收到它的工作簿") in _sheet(out)



def test_an_unreadable_file_named_by_the_roster_unit_its_name_matched(tmp_path: Path) -> None:
    """check lists an .xls under the roster unit its file name names (交回的文件无法读取：示例市丁局); the
    roll-up's output and its 汇总说明 sheet named no unit for it (a blank in the printed sheet)."""
    folder = tmp_path / "in"
    _returns(folder)
    (folder / "示例市丁局2024年报.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    roster = tmp_path / "名单.csv"
    roster.write_text("单位\n示例市甲局\n示例市乙局\n示例市丁局\n", encoding="utf-8-sig")
    out = tmp_path / "汇总.xlsx"
    run = run_cli("aggregate", folder, "-o", out, "--latest", "--roster", roster)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "  未计入  示例市丁局（" in run.stdout and "缺报" not in run.stdout, run.stdout
    row = next(row for row in _sheet(out) if str(row[2]).endswith(".xls"))
    assert row[:2] == ("示例市丁局", "未计入"), row


def test_names_shown_instead_of_private_files(tmp_path: Path) -> None:
    """A caller that keeps files under private names (the desk) has them shown by their own."""
    private = build_to(tmp_path / "in", unit_data(0, "示例市甲局", year=YEAR), "0001.xlsx")
    result = api.aggregate([private], tmp_path / "汇总.xlsx", jobs=1, names={private: "甲局（交回）.xlsx"})
    assert [r.path for r in result.included] == ["甲局（交回）.xlsx"]
    assert _sheet(tmp_path / "汇总.xlsx")[1][:3] == ("示例市甲局", "计入", "甲局（交回）.xlsx")


# ---------------------------------------------------------------- the 汇总说明 sheet and the checker


def _book(tmp_path: Path, name: str, sheet: str, properties: dict[str, str]) -> Path:
    t = registry.resolve()
    data = unit_data(0, "示例市甲局", year=YEAR)
    from workbook_builder.build.prefill import prepare_inputs

    values = t.recompute.compute(prepare_inputs(t.layout, data))
    path = tmp_path / name
    path.write_bytes(write_workbook(t.layout, values, None, properties, [(sheet, ["单位"], [["示例市甲局"]])]))
    return path


def test_the_sheet_in_a_return_is_an_extra_sheet(tmp_path: Path) -> None:
    """A return that carries a 汇总说明 sheet (copied from a roll-up, or made up) is not a roll-up."""
    path = _book(tmp_path, "甲局.xlsx", ROLLUP_SHEET, {})
    codes = [(f.code, f.severity) for f in api.check_file(path).findings if f.severity != "info"]
    assert codes == [("extra-sheet", "warning")]


def test_a_rollup_accepts_that_sheet_only(tmp_path: Path) -> None:
    ours = _book(tmp_path, "汇总.xlsx", ROLLUP_SHEET, {OUTPUT_PROPERTY: OUTPUT_ROLLUP})
    assert [f for f in api.check_file(ours).findings if f.severity != "info"] == []
    other = _book(tmp_path, "汇总2.xlsx", "备注", {OUTPUT_PROPERTY: OUTPUT_ROLLUP})
    assert [f.code for f in api.check_file(other).findings if f.severity != "info"] == ["extra-sheet"]


def test_a_hidden_rollup_sheet_is_not_accepted(tmp_path: Path) -> None:
    """What a reader cannot see is never the roll-up's own sheet: hidden, it is an extra sheet."""
    from tests.tamper_xml import tamper

    ours = _book(tmp_path, "汇总.xlsx", ROLLUP_SHEET, {OUTPUT_PROPERTY: OUTPUT_ROLLUP})
    hidden = tamper(ours, tmp_path / "藏.xlsx", "xl/workbook.xml",
                    lambda xml: xml.replace(f'<sheet name="{ROLLUP_SHEET}"', f'<sheet name="{ROLLUP_SHEET}" state="hidden"'))
    assert [(f.code, f.reason) for f in api.check_file(hidden).findings if f.severity != "info"] == [
        ("extra-sheet", "hidden")]


def test_blank_contacts_are_missing_in_a_return(tmp_path: Path) -> None:
    """The roll-up's blank 联系人 is accepted because it is a roll-up; a return's is still missing."""
    data = unit_data(0, "示例市甲局", year=YEAR)
    del data["meta.contact_person"]
    path = build_to(tmp_path, data, "甲局.xlsx", strict=False)
    assert [(f.code, f.datapoint) for f in api.check_file(path).findings if f.severity == "error"] == [
        ("missing-input", "meta.contact_person")]
