"""Issue 12 broken on purpose (a hostile or unlucky user): what the review found, one test each."""

from __future__ import annotations

from pathlib import Path

from tests.batch_helpers import unit_data
from tests.make_filled import build_to
from workbook_builder import api
from workbook_builder.build.prefill import prepare_inputs
from workbook_builder.build.writer import write_workbook
from workbook_builder.outfile import OUTPUT_PROPERTY, OUTPUT_ROLLUP
from workbook_builder.template import registry

YEAR = 2024


def _forged(tmp_path: Path, blank: tuple[str, ...]) -> Path:
    """A return that claims to be our roll-up (any unit can add a custom property in Excel or WPS)."""
    t = registry.resolve()
    data = unit_data(0, "示例市甲局", year=YEAR)
    for dp in blank:
        del data[dp]
    values = t.recompute.compute(prepare_inputs(t.layout, data))
    path = tmp_path / "甲局.xlsx"
    path.write_bytes(write_workbook(t.layout, values, None, {OUTPUT_PROPERTY: OUTPUT_ROLLUP}))
    return path


def test_a_forged_rollup_marker_does_not_excuse_a_blank_unit_name_or_prose(tmp_path: Path) -> None:
    """The roll-up leaves only 联系人/联系电话 blank (its unit name and prose say 汇总（N个单位）): a
    return carrying the roll-up's marker must not leave its unit name or report text blank unseen."""
    prose = ("meta.unit_name", "text.overview", "text.problems", "text.other")
    path = _forged(tmp_path, ("meta.contact_person", *prose))
    missing = sorted(f.datapoint or "" for f in api.check_file(path).findings if f.code == "missing-input")
    assert missing == sorted(prose)


def test_a_left_out_unit_whose_name_escapes_past_a_cell_does_not_crash_the_rollup(tmp_path: Path) -> None:
    """A unit name of 10 000 bidi marks (too long: left out) is shown escaped (`\\u202e`, 6 characters
    each) on the 汇总说明 sheet: more than an Excel cell holds, so it is cut, not a crash."""
    import openpyxl

    build_to(tmp_path / "交回", unit_data(0, "甲镇", year=YEAR), "甲.xlsx")
    build_to(tmp_path / "交回", unit_data(1, "\u202e" * 10000, year=YEAR), "乙.xlsx", strict=False)
    out = tmp_path / "汇总.xlsx"
    result = api.aggregate([tmp_path / "交回"], out, jobs=1)
    assert [r.path.endswith("乙.xlsx") for r, _ in result.excluded] == [True]
    sheet = openpyxl.load_workbook(out)["汇总说明"]
    shown = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert shown[0] == "甲镇" and shown[1].startswith("\\u202e") and len(shown[1]) <= 32767


def _two_returns(folder: Path) -> Path:
    build_to(folder, unit_data(0, "甲镇", year=YEAR), "甲.xlsx")
    bad = unit_data(1, "乙镇", year=YEAR)
    bad["requests.new.person"] += 5
    build_to(folder, bad, "乙.xlsx", strict=False)
    return folder


def test_last_year_s_mail_merge_list_used_as_the_roster_is_not_written_over(tmp_path: Path) -> None:
    """Last year's 邮件合并.csv has the roster's columns (单位, 联系人 …): an auditor who takes it as this
    year's roster and writes the pack into the same folder must keep the list, not find it replaced."""
    import pytest

    from workbook_builder.render import feedback as fb

    folder = _two_returns(tmp_path / "交回")
    roster = tmp_path / "反馈" / "邮件合并.csv"
    roster.parent.mkdir()
    roster.write_bytes("单位,联系人,联系电话,电子邮箱\r\n甲镇,张三,1,a@x.cn\r\n乙镇,李四,2,b@x.cn\r\n丙镇,王五,3,\r\n".encode("gbk"))
    before = roster.read_bytes()
    run = api.check([folder], roster=roster, jobs=1)
    with pytest.raises(fb.FeedbackFailed) as caught:
        api.feedback(run, roster.parent, roster=roster)
    assert roster.read_bytes() == before
    assert "名单" in str(caught.value) and len(caught.value.pack.letters) == 2  # the letters are written


def test_a_rollup_is_never_written_over_its_roster(tmp_path: Path) -> None:
    """`aggregate --roster 名单.xlsx -o 名单.xlsx` (a slip of the keyboard) must not replace the roster."""
    import pytest

    from tests.test_feedback import _roster_xlsx
    from workbook_builder.errors import UsageError

    folder = _two_returns(tmp_path / "交回")
    roster = _roster_xlsx(tmp_path / "名单.xlsx", [["单位名称", "联系人"], ["甲镇", "张三"], ["乙镇", "李四"]])
    before = roster.read_bytes()
    with pytest.raises(UsageError, match="是名单文件"):
        api.aggregate([folder], roster, roster=roster, jobs=1)
    assert roster.read_bytes() == before


def test_export_of_a_zip_without_o_points_to_the_detail_table(tmp_path: Path) -> None:
    """`export 交回.zip` (no -o) used to say the zip holds no workbook, though it holds several: a zip is
    many files, as a folder is, and gets the folder's advice (-o 明细.xlsx)."""
    import zipfile

    from tests.batch_helpers import run_cli

    folder = _two_returns(tmp_path / "交回")
    archive = tmp_path / "交回.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, p.name)
    run = run_cli("export", archive)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "-o 明细.xlsx" in run.stderr and "没有 Excel 工作簿" not in run.stderr


def _phone_typed_as_a_number(tmp_path: Path) -> Path:
    """A return whose 联系电话 holds the number 13800000001 (pasted, or typed into a General cell): the
    checker accepts it in a text cell, and reads it as 13800000001.0."""
    import re

    from tests.make_filled import a1
    from tests.tamper_xml import tamper

    src = build_to(tmp_path / "src", unit_data(0, "甲镇", year=YEAR), "甲.xlsx")
    at = a1("meta.contact_phone")

    def number(xml: str) -> str:
        new, n = re.subn(rf'<c r="{at}"([^>]*?) t="s"><v>\d+</v></c>', rf'<c r="{at}"\1><v>13800000001</v></c>', xml)
        assert n == 1
        return new

    (tmp_path / "交回").mkdir()
    return tamper(src, tmp_path / "交回" / "甲.xlsx", "xl/worksheets/sheet1.xml", number)


def test_a_phone_typed_as_a_number_reads_as_the_number_in_the_mail_merge_list(tmp_path: Path) -> None:
    import csv
    import io

    path = _phone_typed_as_a_number(tmp_path)
    run = api.check([path], jobs=1)
    assert run.files[0].values["meta.contact_phone"] == 13800000001  # accepted in the text cell
    api.feedback(run, tmp_path / "反馈")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "反馈" / "邮件合并.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0]["联系电话"] == "13800000001"


def test_a_phone_typed_as_a_number_reads_as_the_number_in_the_detail_table(tmp_path: Path) -> None:
    path = _phone_typed_as_a_number(tmp_path)
    api.export_detail([path], tmp_path / "明细.csv", jobs=1)
    text = (tmp_path / "明细.csv").read_text(encoding="utf-8-sig")
    assert ",13800000001," in text and "13800000001.0" not in text


def test_publish_does_not_offer_draft_for_a_zip_member_it_did_not_unpack(tmp_path: Path) -> None:
    """A member refused by the zip's limits (a “../” name) was never read: “or use --draft” cannot
    help it, even with --draft given; the line says it was not unpacked."""
    import zipfile

    good = build_to(tmp_path / "src", unit_data(0, "甲镇", year=YEAR), "甲.xlsx")
    archive = tmp_path / "交回.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(good, "甲.xlsx")
        zf.write(good, "../乙.xlsx")
    for draft in (False, True):
        run = api.publish([archive], tmp_path / f"报告{draft}", draft=draft, jobs=1)
        [line] = [line for line in run.summary("zh") if "乙.xlsx" in line]
        assert line.startswith("未生成") and "--draft" not in line and "未解压" in line, line


def test_an_empty_feedback_folder_is_refused_not_the_current_folder(tmp_path: Path) -> None:
    """`--feedback "$OUT"` with OUT unset wrote the whole pack into the current folder (often the
    returns folder itself); an empty path is refused as the paths to check are."""
    from tests.batch_helpers import run_cli

    folder = _two_returns(tmp_path / "交回")
    work = tmp_path / "当前"
    work.mkdir()
    run = run_cli("check", folder, "--feedback", "", cwd=work)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "不能为空" in run.stderr and list(work.iterdir()) == []


def test_latest_does_not_trust_a_fill_date_in_the_future(tmp_path: Path) -> None:
    """A draft dated 2099-01-20 (a slip for 2025) would beat the final by its 填报日期 and be summed in
    its place: a date no one can have filled on says nothing about which file is newer, and which one
    counts is for the auditor to say (as for two files alike in date and time)."""
    import pytest

    from workbook_builder.batch.aggregate import AggregateError

    folder = tmp_path / "交回"
    build_to(folder, unit_data(0, "甲镇", year=YEAR, date="2025-01-15"), "甲.xlsx")
    build_to(folder, unit_data(1, "乙镇", year=YEAR, date="2099-01-10"), "乙（初稿）.xlsx")
    build_to(folder, unit_data(2, "乙镇", year=YEAR, date="2025-01-20"), "乙（终稿）.xlsx")
    with pytest.raises(AggregateError, match="2099-01-10.*晚于今天"):
        api.aggregate([folder], tmp_path / "汇总.xlsx", jobs=1, latest=True)
    assert not (tmp_path / "汇总.xlsx").exists()


def test_every_name_windows_reserves_gets_a_leading_underscore() -> None:
    """Windows also reserves COM0/LPT0, the superscript digits (COM¹ … LPT³) and CONIN$/CONOUT$: a unit
    folder of the feedback pack (or a published report) so named cannot be made there."""
    from workbook_builder.outfile import safe_name

    for name in ("COM0", "lpt0", "COM¹", "LPT³", "CONIN$", "conout$.txt", "COM².xlsx"):
        assert safe_name(name) == f"_{name}", name
    assert safe_name("COM10") == "COM10" and safe_name("CONIN") == "CONIN"  # not reserved


def test_check_summary_never_written_over_the_roster(tmp_path: Path) -> None:
    """`check … --roster 名单.xlsx --summary 名单.xlsx` (tab completion picked the wrong name) replaced the
    roster with the summary; refused before anything is checked."""
    from tests.batch_helpers import run_cli
    from tests.test_feedback import _roster_xlsx

    folder = _two_returns(tmp_path / "交回")
    roster = _roster_xlsx(tmp_path / "名单.xlsx", [["单位名称"], ["甲镇"], ["乙镇"]])
    before = roster.read_bytes()
    for option in ("--summary", "--html"):
        run = run_cli("check", folder, "--roster", roster, option, roster)
        assert run.returncode == 2, run.stdout + run.stderr
        assert "名单" in run.stderr and roster.read_bytes() == before


def test_a_rollup_someone_typed_their_figures_into_is_a_return_again(tmp_path: Path) -> None:
    """A unit given the county's 汇总.xlsx as an example types its own figures over it and sends it back:
    Excel and WPS keep the roll-up's marker, and the folder walk skipped the file as our own output
    (aggregate without a word). Like an annotated copy, the roll-up is ours only while its sheets are
    as we wrote them."""
    from tests.make_filled import a1
    from tests.tamper_xml import tamper

    folder = _two_returns(tmp_path / "交回")
    rollup = tmp_path / "汇总.xlsx"
    api.aggregate([folder], rollup, jobs=1, include_invalid=True)
    returns = tmp_path / "新交回"
    returns.mkdir()
    (returns / "原样.xlsx").write_bytes(rollup.read_bytes())
    at = a1("requests.new.person")
    tamper(rollup, returns / "丙镇.xlsx", "xl/worksheets/sheet3.xml",
           lambda xml: xml.replace(f'<c r="{at}"', f'<c r="{at}" x="1"', 1))  # any edit of a sheet
    run = api.check([returns], jobs=1)
    assert [Path(r.path).name for r in run.files] == ["丙镇.xlsx"]
    assert [Path(p).name for p in run.skipped_outputs] == ["原样.xlsx"]
