"""Feedback packs (`check --feedback OUTDIR`, `api.feedback`): a 反馈单 per checked file in a folder per
unit, its annotated copy beside it, and 邮件合并.csv with the contacts from the roster or the cover.

The batch: 甲 passes, 乙 has an error (T3-A) and a warning (N3), 丁 passes with a warning, an .xls the
roster matches to 丙 by its file name, and 戊 on the roster sent nothing (缺报).
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest
import xlsxwriter

from tests.batch_helpers import run_cli, snapshot, unit_data
from tests.make_filled import build_to, cell
from workbook_builder import api
from workbook_builder.batch.result import CheckRun
from workbook_builder.batch.roster import Contact, Roster
from workbook_builder.findings import CATALOGUE
from workbook_builder.render import feedback as fb
from workbook_builder.render.finding_lines import finding_columns
from workbook_builder.template import registry

JIA, YI, BING, DING, WU = "甲镇人民政府", "乙镇人民政府", "丙镇人民政府", "丁镇人民政府", "戊镇人民政府"
HEADER = ["单位", "联系人", "联系电话", "电子邮箱", "结论", "错误数", "提醒数", "反馈单", "批注副本", "交回文件"]
ROSTER_ROWS = [["序号", "单位名称", "联系人", "手机", "电子邮箱"],
               ["1", JIA, "张三", "13800000001", "jia@example.cn"],
               ["2", YI, "", "", "yi@example.cn"],  # no person or phone: the cover's
               ["3", BING, "李四", "0517-8000003", ""],
               ["4", DING, "", "", ""],
               ["5", WU, "赵六", "13800000005", "wu@example.cn"]]


def _returns(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    jia = unit_data(0, JIA)
    jia["meta.contact_person"], jia["meta.contact_phone"] = "封面甲", "0517-1"  # the roster's win
    build_to(folder, jia, "甲镇.xlsx")
    yi = unit_data(1, YI)
    yi["meta.contact_person"], yi["meta.contact_phone"] = "王五", "0517-2"
    yi["requests.new.person"] += 5  # T3-A fails (an error at each side's check cell)
    yi["disclosure.fees.amount"] = 2_000_000.0  # N3: a warning
    build_to(folder, yi, "乙镇.xlsx", strict=False)
    ding = unit_data(2, DING)
    ding["meta.contact_person"], ding["meta.contact_phone"] = "孙七", "0517-4"
    ding["disclosure.fees.amount"] = 3_000_000.0
    build_to(folder, ding, "丁镇.xlsx", strict=False)
    (folder / "丙镇人民政府2024年报.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    return folder


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _returns(tmp_path_factory.mktemp("feedback") / "交回")


def _roster_xlsx(path: Path, rows: list[list[str]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r and c in (0, 3) and value.isdigit():
                ws.write_number(r, c, int(value))  # 序号 and a phone typed as numbers, as offices do
            else:
                ws.write_string(r, c, value)
    wb.close()
    return path


def _roster_gbk(path: Path, rows: list[list[str]]) -> Path:
    path.write_bytes("\r\n".join(",".join(r) for r in rows).encode("gbk"))
    return path


def _csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def _letter(path: Path) -> str:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Notepad needs the BOM to know UTF-8"
    assert b"\n" not in raw.replace(b"\r\n", b""), "every line ends CRLF"
    return raw.decode("utf-8-sig").replace("\r\n", "\n")


def _pack(batch: Path, out: Path, roster: Path | None) -> tuple[fb.FeedbackPack, CheckRun]:
    run = api.check([batch], roster=roster, jobs=1)
    return api.feedback(run, out, roster), run


# ---------------------------------------------------------------- the pack


@pytest.mark.parametrize("kind", ["xlsx", "gbk-csv"])
def test_the_pack_has_a_letter_per_file_a_copy_per_bad_workbook_and_the_mail_merge_rows(
        batch: Path, tmp_path: Path, kind: str) -> None:
    roster = (_roster_xlsx(tmp_path / "名单.xlsx", ROSTER_ROWS) if kind == "xlsx"
              else _roster_gbk(tmp_path / "名单.csv", ROSTER_ROWS))
    before = snapshot(batch)
    out = tmp_path / "反馈"
    pack, _ = _pack(batch, out, roster)
    assert snapshot(batch) == before  # the returns are untouched
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == sorted([f"{DING}/{DING}-反馈单.txt", f"{DING}/丁镇.批注.xlsx",
                            f"{BING}/{BING}-反馈单.txt",
                            f"{YI}/{YI}-反馈单.txt", f"{YI}/乙镇.批注.xlsx",
                            f"{JIA}/{JIA}-反馈单.txt", "邮件合并.csv"])
    root = out.resolve()

    def at(rel: str) -> str:
        return str(root / rel)

    rows = _csv_rows(out / "邮件合并.csv")
    assert rows[0] == HEADER
    xls = str(batch / "丙镇人民政府2024年报.xls")
    assert rows[1:] == [
        [DING, "孙七", "0517-4", "", "通过", "0", "1", at(f"{DING}/{DING}-反馈单.txt"), at(f"{DING}/丁镇.批注.xlsx"),
         str(batch / "丁镇.xlsx")],
        [BING, "李四", "0517-8000003", "", "无法读取", "1", "0", at(f"{BING}/{BING}-反馈单.txt"), "", xls],
        [YI, "王五", "0517-2", "yi@example.cn", "未通过", "2", "1", at(f"{YI}/{YI}-反馈单.txt"),
         at(f"{YI}/乙镇.批注.xlsx"), str(batch / "乙镇.xlsx")],
        [JIA, "张三", "13800000001", "jia@example.cn", "通过", "0", "0", at(f"{JIA}/{JIA}-反馈单.txt"), "",
         str(batch / "甲镇.xlsx")],
        [WU, "赵六", "13800000005", "wu@example.cn", "缺报", "0", "0", "", "", ""],
    ]
    assert [(u.unit, u.verdict) for u in pack.units] == [(r[0], r[4]) for r in rows[1:]]
    assert pack.csv == root / "邮件合并.csv" and pack.out_dir == root
    assert pack.summary() == "反馈单 4 份，批注副本 2 份，邮件合并表 邮件合并.csv（含缺报单位 1 个）"


def test_the_letter_names_cell_label_problem_and_fix_in_plain_chinese(batch: Path, tmp_path: Path) -> None:
    pack, run = _pack(batch, tmp_path / "反馈", None)
    text = _letter(tmp_path / "反馈" / YI / f"{YI}-反馈单.txt")
    report = next(r for r in run.files if r.unit == YI)
    error = report.first_error()
    assert error is not None and error.code == "rule-failed"
    cols = finding_columns(error)
    sheet, addr = error.cell.split("!")  # type: ignore[union-attr]
    assert f"1. 位置：{sheet.strip(chr(39))} {addr}\n   项目：{cols['label']}\n   问题：{cols['problem']}\n" \
           f"   怎样改：{cols['fix']}\n" in text
    assert text.startswith(f"{fb.FEEDBACK_TEXT_HEAD}\n\n单位：{YI}\n报告年度：2024\n检查的文件：乙镇.xlsx\n"
                           "检查结论：未通过（错误 2 处，提醒 1 处）\n")
    # errors first, then the warning under 提醒
    assert text.index("一、需要改正的问题") < text.index("2. 位置：") < text.index("二、提醒") < text.index("N3")
    assert "随附的批注副本" in text
    # no data point IDs and no finding codes: words for people
    ids = list(registry.resolve().layout.by_id)
    assert not [i for i in ids if i in text]
    assert not [str(code) for code in CATALOGUE if re.search(rf"(?<![\w-]){re.escape(str(code))}(?![\w-])", text)]
    assert not re.search(r"[a-z]+-[a-z]+", text)


def test_a_passed_unit_gets_a_short_letter_and_an_unreadable_file_says_how_to_fix(batch: Path, tmp_path: Path) -> None:
    _pack(batch, tmp_path / "反馈", None)
    jia = _letter(tmp_path / "反馈" / JIA / f"{JIA}-反馈单.txt")
    assert "检查结论：通过\n" in jia and "经检查，未发现需要改正的问题。" in jia and "位置" not in jia
    ding = _letter(tmp_path / "反馈" / DING / f"{DING}-反馈单.txt")
    assert "检查结论：通过（错误 0 处，提醒 1 处）" in ding and "提醒（请核实" in ding and "1. 位置：" in ding
    assert "未发现必须改正的错误" in ding
    # without a roster the .xls is not matched to a unit: it goes under its file name
    stem = "丙镇人民政府2024年报"
    bing = _letter(tmp_path / "反馈" / stem / f"{stem}-反馈单.txt")
    assert "检查结论：无法读取" in bing and "位置：整个文件" in bing and "另存为 .xlsx" in bing
    assert "报告年度：未能认出" in bing


def test_contacts_come_from_the_cover_without_a_roster(batch: Path, tmp_path: Path) -> None:
    _pack(batch, tmp_path / "反馈", None)
    rows = {r[0]: r[1:4] for r in _csv_rows(tmp_path / "反馈" / "邮件合并.csv")[1:]}
    assert rows[JIA] == ["封面甲", "0517-1", ""] and rows[YI] == ["王五", "0517-2", ""]
    assert WU not in rows  # no roster: nobody is 缺报


def test_a_roster_without_contact_columns_leaves_the_cover_contacts(batch: Path, tmp_path: Path) -> None:
    roster = _roster_gbk(tmp_path / "名单.csv", [["单位名称"], [JIA], [YI], [WU]])
    assert Roster.read(roster).contacts == {}
    _pack(batch, tmp_path / "反馈", roster)
    rows = {r[0]: r[1:5] for r in _csv_rows(tmp_path / "反馈" / "邮件合并.csv")[1:]}
    assert rows[JIA] == ["封面甲", "0517-1", "", "通过"] and rows[WU] == ["", "", "", "缺报"]


def test_roster_contact_columns(tmp_path: Path) -> None:
    rows = [["单位名称（全称）", "联系人", "联系电话", "E-mail"], [JIA, "张三", "13800000001", "a@x.cn"], [YI, "", "", ""]]
    for path in (_roster_xlsx(tmp_path / "r.xlsx", rows), _roster_gbk(tmp_path / "r.csv", rows)):
        roster = Roster.read(path)
        assert roster.units == (JIA, YI)
        assert roster.contacts == {JIA: Contact("张三", "13800000001", "a@x.cn"), YI: Contact()}
    # a header without a unit header but with contact columns: the one other text column is the units
    roster = Roster.read(_roster_gbk(tmp_path / "s.csv", [["序号", "机构", "邮箱"], ["1", JIA, "a@x.cn"]]))
    assert roster.units == (JIA,) and roster.contacts == {JIA: Contact(email="a@x.cn")}


# ---------------------------------------------------------------- names, inputs and outputs


def test_names_safe_on_windows_and_two_files_of_one_unit_numbered(tmp_path: Path) -> None:
    folder = tmp_path / "交回"
    odd = 'CON'
    slashed = '甲/局:"新"*'
    build_to(folder, unit_data(0, odd), "a.xlsx")
    build_to(folder, unit_data(1, slashed), "b.xlsx")
    twice = unit_data(2, JIA)
    twice["requests.new.person"] += 1
    build_to(folder / "初稿", twice, "甲镇.xlsx", strict=False)
    build_to(folder / "终稿", twice, "甲镇.xlsx", strict=False)
    undecodable = os.fsdecode(b"\xb6\xa1\xd5\xf2.xls")  # 丁镇 in GBK, a name unzipped on Linux
    (folder / undecodable).write_bytes(b"not a workbook")
    run = api.check([folder], jobs=1)
    pack = api.feedback(run, tmp_path / "反馈")
    out = (tmp_path / "反馈").resolve()
    got = sorted(p.relative_to(out).as_posix() for p in pack.letters)
    assert got == sorted([
        "_CON/_CON-反馈单.txt", '甲_局__新__/甲_局__新__-反馈单.txt',
        f"{JIA}/{JIA}-反馈单.txt", f"{JIA}/{JIA}-反馈单（2）.txt",
        "_xb6_xa1_xd5_xf2/_xb6_xa1_xd5_xf2-反馈单.txt"])
    copies = sorted(p.relative_to(out).as_posix() for p in pack.copies)
    assert copies == [f"{JIA}/甲镇.批注.xlsx", f"{JIA}/甲镇.批注2.xlsx"]
    rows = _csv_rows(out / "邮件合并.csv")
    assert [r[0] for r in rows[1:]].count(JIA) == 2 and odd in [r[0] for r in rows[1:]]
    assert slashed in [r[0] for r in rows[1:]]  # the CSV keeps the unit's own name


def test_a_pack_inside_the_checked_folder_is_not_checked_next_time(tmp_path: Path) -> None:
    folder = _returns(tmp_path / "交回")
    first = api.check([folder], jobs=1)
    api.feedback(first, folder / "反馈")
    second = api.check([folder], jobs=1)
    assert [r.path for r in second.files] == [r.path for r in first.files]
    outputs = sorted(Path(p).relative_to(folder).as_posix() for p in second.skipped_outputs)
    assert outputs == sorted(p.relative_to(folder).as_posix() for p in (folder / "反馈").rglob("*") if p.is_file())
    assert len(outputs) == 7



def test_a_pack_written_again_leaves_no_stale_copy(tmp_path: Path) -> None:
    """The units corrected their workbooks and the pack is written again into the same folder: a unit that
    passes now has no annotated copy left from last time (it would be mailed back with it), while a file
    someone put there, and the folder of a unit not checked this time, stay."""
    folder = _returns(tmp_path / "交回")
    out = tmp_path / "反馈"
    first = api.feedback(api.check([folder], jobs=1), out)
    old_copies = [c for c in first.copies if c is not None]
    assert old_copies
    note = old_copies[0].parent / "备注.txt"
    note.write_text("电话已通知", encoding="utf-8")
    build_to(folder, unit_data(1, YI), "乙镇.xlsx")  # corrected: 乙镇 and 丁镇 pass now
    build_to(folder, unit_data(2, DING), "丁镇.xlsx")
    (folder / "丙镇人民政府2024年报.xls").unlink()
    second = api.check([folder], jobs=1)
    assert all(r.valid and not r.findings for r in second.files), [r.findings for r in second.files]
    api.feedback(second, out)
    assert not list(out.rglob("*.批注*.xlsx")), list(out.rglob("*"))
    assert note.read_text(encoding="utf-8") == "电话已通知"
    # only the folders of this run's units are tidied: 丙镇, not checked this time, keeps its letter
    assert sorted(p.parent.name for p in out.rglob("*-反馈单*.txt")) == sorted([JIA, YI, DING, "丙镇人民政府2024年报"])


def test_the_pack_is_never_written_over_a_checked_file(tmp_path: Path) -> None:
    folder = _returns(tmp_path / "交回")
    first = api.check([folder], jobs=1)
    pack = api.feedback(first, folder)  # the pack straight into the returns folder
    letter = next(p for p in pack.letters if p.parent.name == YI)
    # a 反馈单 named on the command line is checked (as text): writing the pack again must not replace it
    before = letter.read_bytes()
    run = api.check([folder / "乙镇.xlsx", letter], jobs=1)
    with pytest.raises(fb.FeedbackFailed) as caught:
        api.feedback(run, folder)
    assert letter.read_bytes() == before
    assert "是要检查的文件之一" in str(caught.value)
    assert caught.value.pack.csv is not None  # the rest is written


def test_progress_is_called_per_file(batch: Path, tmp_path: Path) -> None:
    run = api.check([batch], jobs=1)
    calls: list[tuple[int, int]] = []
    api.feedback(run, tmp_path / "反馈", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_formula_like_cells_are_kept_text_but_phones_are_not_touched() -> None:
    row = fb.Row("=HYPERLINK(1)", "@x", "+86 138-0000-0000", "-1", verdict="缺报")
    assert row.cells()[:4] == ["'=HYPERLINK(1)", "'@x", "+86 138-0000-0000", "-1"]
    assert fb.Row("-甲").cells()[0] == "'-甲"


def test_the_cover_contact_that_failed_the_check_is_not_used() -> None:
    from workbook_builder.check.result import FileResult

    result = FileResult("a.xlsx", None, (), unit=JIA, values={"meta.contact_person": "张三", "meta.contact_phone": "x"},
                        invalid_inputs=frozenset({"meta.contact_phone"}))
    assert fb.contact_of(result, JIA, {}) == Contact("张三", "", "")
    assert fb.contact_of(result, JIA, {JIA: Contact("", "1", "e@x")}) == Contact("张三", "1", "e@x")


# ---------------------------------------------------------------- the command line


def test_cli_check_feedback(batch: Path, tmp_path: Path) -> None:
    roster = _roster_gbk(tmp_path / "名单.csv", ROSTER_ROWS)
    out = tmp_path / "反馈"
    proc = run_cli("check", batch, "--roster", roster, "--feedback", out)
    assert proc.returncode == 1, proc.stderr
    assert f"已在 {out} 写出反馈材料：反馈单 4 份，批注副本 2 份，邮件合并表 邮件合并.csv（含缺报单位 1 个）" in proc.stderr
    assert len(_csv_rows(out / "邮件合并.csv")) == 6


def test_cli_feedback_folder_that_cannot_be_made(batch: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run_cli("check", batch / "甲镇.xlsx", "--feedback", blocker / "反馈", "--summary", tmp_path / "s.csv")
    assert proc.returncode == 2
    assert f"无法写出反馈材料 {blocker / '反馈'}：无法创建文件夹" in proc.stderr
    assert (tmp_path / "s.csv").is_file()  # the other outputs are still written
    assert "通过" in proc.stdout


def test_cell_location_is_the_sheet_tab_and_the_cell() -> None:
    from workbook_builder.findings import make

    where = cell("requests.new.person")
    f = make("rule-failed", severity="error", cell=where.ref)
    assert fb.location(f) == f"{where.sheet} {where.ref.split('!')[1]}"
    assert fb.location(make("rule-failed", severity="error")) == "整个文件"


def test_a_zip_of_returns_made_on_windows(tmp_path: Path) -> None:
    from tests.zip_helpers import gbk_zip

    built = _returns(tmp_path / "src")
    zipped = tmp_path / "交回.zip"
    zipped.write_bytes(gbk_zip([("交回/乙镇.xlsx", (built / "乙镇.xlsx").read_bytes()),
                                ("交回/丙镇人民政府2024年报.xls", (built / "丙镇人民政府2024年报.xls").read_bytes())]))
    roster = _roster_gbk(tmp_path / "名单.csv", ROSTER_ROWS)
    with api.check([zipped], roster=roster, jobs=1) as run:
        pack = api.feedback(run, tmp_path / "反馈", roster)
    out = (tmp_path / "反馈").resolve()
    rows = _csv_rows(out / "邮件合并.csv")
    assert [(r[0], r[4], r[9]) for r in rows[1:]] == [
        (BING, "无法读取", f"{zipped}/交回/丙镇人民政府2024年报.xls"), (YI, "未通过", f"{zipped}/交回/乙镇.xlsx"),
        (JIA, "缺报", ""), (DING, "缺报", ""), (WU, "缺报", "")]
    assert sorted(p.relative_to(out).as_posix() for p in pack.copies) == [f"{YI}/乙镇.批注.xlsx"]
    assert "检查的文件：乙镇.xlsx\n" in _letter(out / YI / f"{YI}-反馈单.txt")
    assert "检查的文件：丙镇人民政府2024年报.xls\n" in _letter(out / BING / f"{BING}-反馈单.txt")


def test_what_cannot_be_written_is_listed_and_the_rest_is_written(batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "反馈"
    out.mkdir()
    (out / YI).write_text("a file where 乙's folder goes")
    run = api.check([batch], jobs=1)
    with pytest.raises(fb.FeedbackFailed) as caught:
        api.feedback(run, out)
    pack = caught.value.pack
    assert {u.unit: u.letter is not None for u in pack.units} == {JIA: True, YI: False, DING: True,
                                                                 "丙镇人民政府2024年报": True}
    assert str(out / YI) in str(caught.value) and "路径中有一段是文件" in str(caught.value)
    rows = {r[0]: r for r in _csv_rows(out / "邮件合并.csv")[1:]}
    assert rows[YI][4:9] == ["未通过", "2", "1", "", ""]  # the row is there, without attachments


def test_a_unit_named_like_the_csv_does_not_take_its_place() -> None:
    from workbook_builder.check.result import FileResult

    planned = fb.plan([FileResult("x.xlsx", None, (), unit="邮件合并.csv")], {}, {})
    assert planned[0].folder == "邮件合并.csv（2）"


def test_cli_progress_bar_on_a_terminal(batch: Path, tmp_path: Path) -> None:
    from tests.batch_helpers import run_cli_tty_stderr

    code, _, terminal = run_cli_tty_stderr("check", batch, "--feedback", tmp_path / "反馈")
    assert code == 1 and "反馈 4/4" in terminal
    code, _, terminal = run_cli_tty_stderr("check", batch, "--feedback", tmp_path / "反馈2", "--no-progress")
    assert code == 1 and "反馈 4/4" not in terminal and "写出反馈材料" in terminal


def test_a_published_report_gets_a_letter_without_a_copy(tmp_path: Path) -> None:
    from tests.published_forms import printed, sample_text

    values = unit_data(0, "某县人民政府")
    values["requests.new.person"] += 3
    (tmp_path / "某县2024年报.txt").write_text(sample_text(printed(values)), encoding="utf-8")
    run = api.check([tmp_path], jobs=1)
    pack = api.feedback(run, tmp_path / "反馈")
    assert [(u.unit, u.verdict, u.annotated) for u in pack.units] == [("某县人民政府", "未通过", None)]
    text = _letter(pack.letters[0])
    assert "检查的文件：某县2024年报.txt" in text and "1. 位置：表三" in text
    assert "核对已发布的报告" in text and "工作簿" not in text
