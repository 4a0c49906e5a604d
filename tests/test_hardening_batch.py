"""Issue 7, the batch and the auditor's workflow: every return in a folder is reported (an .ods, an
.xls, a CSV …) in plain words with its fix said once; our own outputs are never checked as
returns; last year's draft and final; an explicit --prior that does not match; the roster (.xlsx,
GBK, no header; a unit that sent an unreadable file); a roll-up that fails its own check.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.batch_helpers import run_cli, unit_data
from tests.make_filled import build_to
from workbook_builder import api
from workbook_builder.batch.paths import SKIPPED_OTHER, SKIPPED_OUTPUT, walk
from workbook_builder.check.preflight import preflight_bytes
from workbook_builder.check.preflight.sniff import sniff_path

ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _ods_bytes() -> bytes:
    """A minimal ODF spreadsheet as LibreOffice writes it: `mimetype` first and stored."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), ODS_MIME)
        zf.writestr("content.xml", '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:'
                                   'xmlns:office:1.0"/>', zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", "<manifest/>", zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _xls_bytes() -> bytes:
    from tests.hostile import compound_file

    return compound_file({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00"})


def _returns(tmp_path: Path) -> Path:
    """A folder as an auditor gets it: two honest returns, and one each of .ods, .xls, .et, .csv,
    an .xlsx without a suffix, a Word report and a note."""
    folder = tmp_path / "交回"
    folder.mkdir()
    build_to(folder, unit_data(0, "示例市甲局", year=2024), "甲局.xlsx")
    build_to(folder, unit_data(1, "示例市乙局", year=2024), "乙局.xlsx")
    (folder / "丙局.ods").write_bytes(_ods_bytes())
    (folder / "丁局.xls").write_bytes(_xls_bytes())
    (folder / "戊局.et").write_bytes(_xls_bytes())
    (folder / "己局.csv").write_text("单位,数量\n己局,1\n", encoding="gbk")
    shutil.copy(folder / "甲局.xlsx", folder / "庚局")  # a workbook that lost its suffix
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    (folder / "年度报告.docx").write_bytes(buf.getvalue())
    (folder / "说明.txt").write_text("附件为本单位年报。", encoding="utf-8")
    (folder / "~$甲局.xlsx").write_bytes(b"lock")
    return folder


# ---------------------------------------------------------------- 1. every return is reported


def test_every_table_in_a_folder_is_checked_and_other_files_are_listed(tmp_path: Path) -> None:
    folder = _returns(tmp_path)
    run = api.check(folder, jobs=1)
    names = sorted(Path(f.path).name for f in run.files)
    assert names == ["丁局.xls", "丙局.ods", "乙局.xlsx", "己局.csv", "庚局", "戊局.et", "甲局.xlsx"]
    reasons = {Path(f.path).name: [(x.code, x.reason) for x in f.findings] for f in run.files}
    assert reasons["丙局.ods"] == [("unreadable-file", "ods")]
    assert reasons["丁局.xls"] == [("unreadable-file", "legacy-xls")]
    assert reasons["戊局.et"] == [("unreadable-file", "legacy-xls")]
    assert reasons["己局.csv"] == [("unreadable-file", "csv")]
    assert reasons["庚局"] == reasons["甲局.xlsx"] == []
    assert sorted(Path(p).name for p in run.skipped_other) == ["年度报告.docx", "说明.txt"]
    assert run.skipped_outputs == ()


def test_ods_and_xls_say_what_they_are_and_the_fix_once() -> None:
    for data, name in ((_ods_bytes(), ".ods"), (_xls_bytes(), ".xls")):
        p = preflight_bytes(data).problem
        assert p is not None
        from workbook_builder.findings import make

        f = make(p.code, p.reason, actual=p.reason, **p.fields())
        message = f.message("zh")
        assert f"这是 {name} 文件" in message and "请在表格软件中另存为 .xlsx 后交回" in message
        assert message.count("另存为") == 1 and "处理：" not in message  # the fix, once
        assert "xl/workbook.xml" not in message and "压缩包" not in message
    # other refusals keep their code's fix; a reader reason has none of its own
    from workbook_builder.findings import Code, make

    assert "处理：" in make(Code.UNREADABLE_FILE, "no-sheets", part="xl/workbook.xml").message()


@pytest.mark.parametrize(("content", "reason"), [
    (b"a,b\n1,2\n", "csv"),
    ("单位\t数量\n甲\t1\n".encode("utf-16"), "csv"),
    (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "html-table"),
    (b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>', "xml-spreadsheet"),
    (b'<?xml version="1.0"?>\n<office:document office:mimetype="application/vnd.oasis.opendocument.spreadsheet"/>',
     "ods"),
    (b"%PDF-1.7\n", "document"),
    (os.urandom(4096).replace(b"PK", b"pk").replace(OLE_MAGIC[:2], b"\0\0") + b"\xff\x00", "not-zip"),
])
def test_files_of_other_formats_are_named_by_their_content(content: bytes, reason: str) -> None:
    problem = preflight_bytes(content).problem
    assert problem is not None and problem.reason == reason


def test_a_real_libreoffice_ods_is_named(tmp_path: Path) -> None:
    """Saved as LibreOffice offers first (ODF): a real .ods, converted by soffice itself."""
    from tests.helpers.libreoffice import SOFFICE
    from tests.helpers.lo_fixtures import require_libreoffice

    require_libreoffice()  # skips locally without it; fails in CI
    soffice = SOFFICE
    src = build_to(tmp_path, unit_data(0, "示例市甲局", year=2024), "甲局.xlsx")
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "ods",
                    "--outdir", str(tmp_path / "out"), str(src)], capture_output=True, timeout=180, check=True)
    ods = tmp_path / "out" / "甲局.ods"
    assert sniff_path(ods).table
    result = api.check(tmp_path / "out", jobs=1).files
    assert [(Path(r.path).name, [(f.code, f.reason) for f in r.findings]) for r in result] == [
        ("甲局.ods", [("unreadable-file", "ods")])]


def test_cli_counts_every_return(tmp_path: Path) -> None:
    folder = _returns(tmp_path)
    done = run_cli("check", folder, "--no-progress")
    assert done.returncode == 1
    assert "共检查 7 个文件" in done.stdout and "丙局.ods" in done.stdout
    assert "已跳过不是工作簿或年度报告的文件 2 个：年度报告.docx、说明.txt。" in done.stdout


# ---------------------------------------------------------------- 2. our own outputs are never returns


def test_outputs_written_into_the_folder_are_skipped_next_time(tmp_path: Path) -> None:
    folder = tmp_path / "交回"
    folder.mkdir()
    build_to(folder, unit_data(0, "示例市甲局", year=2024), "甲局.xlsx")
    bad = unit_data(1, "示例市乙局", year=2024)
    bad["requests.new.person"] += 1  # T3-A fails
    build_to(folder, bad, "乙局.xlsx", strict=False)
    first = api.check(folder, jobs=1)
    assert len(first.files) == 2 and not first.valid
    api.save_report(first, folder / "汇总.xlsx")
    written = api.annotate(first, folder)
    assert [p.name for p in written] == ["乙局.批注.xlsx"]
    api.aggregate([folder / "甲局.xlsx"], folder / "汇总工作簿.xlsx", jobs=1)
    second = api.check(folder, jobs=1)
    assert sorted(Path(f.path).name for f in second.files) == ["乙局.xlsx", "甲局.xlsx"]
    assert sorted(Path(p).name for p in second.skipped_outputs) == ["乙局.批注.xlsx", "汇总.xlsx", "汇总工作簿.xlsx"]
    assert second.flatten() == first.flatten()
    # a roll-up of the folder does not count the previous roll-up (or an annotated copy) again
    again = api.aggregate(folder, tmp_path / "汇总2.xlsx", include_invalid=True, jobs=1)
    assert sorted(Path(r.path).name for r in again.included) == ["乙局.xlsx", "甲局.xlsx"]
    # named on its own, an output is still checked
    named = api.check([folder / "乙局.批注.xlsx"], jobs=1)
    assert len(named.files) == 1 and not named.valid
    kinds = {Path(p).name: why for p, why in walk([str(folder)]).skipped}
    assert set(kinds.values()) == {SKIPPED_OUTPUT} and SKIPPED_OTHER not in kinds.values()
    done = run_cli("check", folder, "--no-progress", "--format", "text")
    assert "已跳过本工具生成的文件 3 个" in done.stdout
    doc = json.loads(run_cli("check", folder, "--no-progress", "--format", "json").stdout)
    assert sorted(s["why"] for s in doc["skipped"]) == ["own-output"] * 3


# ---------------------------------------------------------------- 3. last year's draft and final


def _prior_folder(tmp_path: Path, draft_has_error: bool) -> tuple[Path, Path]:
    """Last year's folder with 宿迁市's final workbook and a draft that sorts first and differs."""
    from tests.make_filled import honest_data

    prior = tmp_path / "上年"
    final = honest_data("suqian-city-2023")
    final["meta.date"] = "2024-01-20"
    build_to(prior, final, "宿迁市.xlsx")
    draft = honest_data("suqian-city-2023")
    draft["meta.date"] = "2024-01-10"
    draft["requests.new.business"] += 2  # T3-A still holds: the two extra are carried forward
    draft["requests.carried_forward.business"] += 2
    if draft_has_error:
        draft["requests.new.person"] += 1  # T3-A fails: the draft has an error
    build_to(prior, draft, "宿迁市-草稿.xlsx", strict=False)
    this_year = build_to(tmp_path, honest_data("suqian-city-2024"), "宿迁市2024.xlsx")
    return prior, this_year


@pytest.mark.parametrize(("draft_has_error", "rule"), [(True, "valid"), (False, "date")])
def test_draft_and_final_of_last_year_choose_by_a_visible_rule(tmp_path: Path, draft_has_error: bool,
                                                               rule: str) -> None:
    prior, this_year = _prior_folder(tmp_path, draft_has_error)
    report = api.check([this_year], prior=prior, jobs=1).files[0]
    assert [(f.code, f.severity, f.reason) for f in report.findings] == [("prior-year-ambiguous", "warning", rule)]
    message = report.findings[0].message()
    assert f"{prior / '宿迁市-草稿.xlsx'}、{prior / '宿迁市.xlsx'}" in message and message.count("宿迁市.xlsx") == 2
    assert ("唯一没有错误" if rule == "valid" else "填报日期最晚") in message


def test_a_draft_in_a_subfolder_is_named_by_its_path(tmp_path: Path) -> None:
    """Review of issue 7: 上年/宿迁市.xlsx and 上年/补交/宿迁市.xlsx were both listed as "宿迁市.xlsx"."""
    prior, this_year = _prior_folder(tmp_path, True)
    (prior / "补交").mkdir()
    (prior / "宿迁市-草稿.xlsx").rename(prior / "补交" / "宿迁市.xlsx")
    message = api.check([this_year], prior=prior, jobs=1).files[0].findings[0].message()
    assert str(prior / "补交" / "宿迁市.xlsx") in message and f"唯一没有错误的 {prior / '宿迁市.xlsx'}" in message


@pytest.mark.parametrize("draft_has_error", [True, False])
def test_build_and_check_take_the_same_workbook_of_last_year(tmp_path: Path, draft_has_error: bool) -> None:
    """Review of issue 7: `build --prior-dir` kept the first of a unit's workbooks of the latest year,
    `check --prior` chose by the visible rule; both now use batch.prior.choose and say which."""
    prior, this_year = _prior_folder(tmp_path, draft_has_error)
    checked = api.check([this_year], prior=prior, jobs=1).files[0]
    used = checked.findings[0].params
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n宿迁市\n", encoding="utf-8")
    [record] = api.build_for_roster(roster, tmp_path / "下发", prior_dir=prior, year=2024, jobs=1)
    assert record["prior"] == dict(used)["chosen"]
    assert record["prior_choice"] is not None and record["prior_choice"].params == used
    done = run_cli("build", "--roster", roster, "--prior-dir", prior, "--year", "2024", "-o", tmp_path / "下发2")
    rule = "唯一没有错误的" if draft_has_error else "填报日期最晚的"
    assert done.returncode == 0 and "注意：上年文件夹中本单位同一年度有多个工作簿：2023年度有 2 个" in done.stdout
    assert f"选用了{'其中' if draft_has_error else ''}{rule} {dict(used)['chosen']}" in done.stdout


def test_draft_and_final_that_cannot_be_told_apart(tmp_path: Path) -> None:
    from dataclasses import replace

    from workbook_builder.batch.prior import choose
    from workbook_builder.template import registry

    prior, _ = _prior_folder(tmp_path, False)
    draft, final = (api.check_file(prior / name) for name in ("宿迁市-草稿.xlsx", "宿迁市.xlsx"))
    draft = replace(draft, values={**draft.values, "meta.date": final.values["meta.date"]})  # same 填报日期
    for path in (draft.path, final.path):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    picked = choose([final, draft], registry.resolve())
    assert (Path(picked.chosen.path).name, picked.rule) == ("宿迁市-草稿.xlsx", "name")
    os.utime(final.path, (1_800_000_000, 1_800_000_000))
    picked = choose([draft, final], registry.resolve())
    assert (Path(picked.chosen.path).name, picked.rule) == ("宿迁市.xlsx", "modified")


# ---------------------------------------------------------------- 4. --prior given and not matched


def test_prior_given_for_another_unit_is_a_warning(tmp_path: Path) -> None:
    from tests.make_filled import honest_data

    other = build_to(tmp_path / "上年", honest_data("hatubuhu-town-2023"), "哈图布呼镇2023.xlsx")
    this_year = build_to(tmp_path, honest_data("suqian-city-2024"), "宿迁市2024.xlsx")
    report = api.check_file(this_year, prior=other)
    assert [(f.code, f.severity, f.reason) for f in report.findings] == [
        ("prior-year-not-matched", "warning", "not-found-given")]
    assert "未做跨年度核对" in report.findings[0].message()
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"not a workbook")
    report = api.check_file(this_year, prior=broken)
    assert [(f.code, f.severity, f.reason) for f in report.findings] == [
        ("prior-year-not-matched", "warning", "given-unreadable")]
    done = run_cli("check", this_year, "--prior", other, "--no-progress")
    assert done.returncode == 0 and "[警告] prior-year-not-matched" in done.stdout
    # a folder without this unit's workbook stays an information
    report = api.check([this_year], prior=tmp_path / "上年", jobs=1).files[0]
    assert [(f.code, f.severity) for f in report.findings] == [("prior-year-not-found", "info")]


# ---------------------------------------------------------------- 5. the roster


ROSTER_UNITS = ("示例市甲局", "示例市乙局", "示例市丙局", "示例市丁局", "示例市缺报局")


def _roster_xlsx(path: Path, rows: list[list[object]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("kind", ["xlsx", "xlsx-no-header", "gbk-no-header", "csv-numbered", "utf16-tsv",
                                  "utf8-bom", "gbk-numbered-no-header"])
def test_roster_in_the_forms_offices_keep(tmp_path: Path, kind: str) -> None:
    from workbook_builder.batch.roster import Roster

    units = list(ROSTER_UNITS)
    path = tmp_path / f"名单.{'xlsx' if kind.startswith('xlsx') else 'txt' if 'tsv' in kind else 'csv'}"
    if kind == "xlsx":
        _roster_xlsx(path, [["序号", "单位名称（全称）", "联系人"]] + [[i, u, "张三"] for i, u in enumerate(units, 1)])
    elif kind == "xlsx-no-header":
        _roster_xlsx(path, [[u] for u in units])
    elif kind == "gbk-no-header":
        path.write_bytes("\r\n".join(units).encode("gbk"))
    elif kind == "csv-numbered":
        path.write_text("序号,单位名称（全称）\n" + "".join(f"{i},{u}\n" for i, u in enumerate(units, 1)), encoding="utf-8")
    elif kind == "utf16-tsv":  # Excel's “Unicode 文本”
        path.write_text("序号\t单位\n" + "".join(f"{i}\t{u}\n" for i, u in enumerate(units, 1)), encoding="utf-16")
    elif kind == "utf8-bom":
        path.write_text("单位名称\n" + "\n".join(units), encoding="utf-8-sig")
    else:
        path.write_bytes("".join(f"{i},{u}\r\n" for i, u in enumerate(units, 1)).encode("gbk"))
    assert Roster.read(path).units == ROSTER_UNITS


def test_roster_refusals_say_why(tmp_path: Path) -> None:
    from workbook_builder.batch.roster import Roster, RosterError

    ods = tmp_path / "名单.ods"
    ods.write_bytes(_ods_bytes())
    with pytest.raises(RosterError, match="把这个.ods文件另存为 .xlsx 或 CSV 后再用") as refused:
        Roster.read(ods)
    assert "交回" not in str(refused.value)  # review of issue 7: the return's advice does not fit a roster
    two = tmp_path / "两列.csv"
    two.write_text("甲,乙\n丙,丁\n", encoding="utf-8")
    with pytest.raises(RosterError, match="找不到单位名称列"):
        Roster.read(two)


def test_a_unit_that_sent_an_unreadable_file_is_not_missing(tmp_path: Path) -> None:
    folder = tmp_path / "交回"
    folder.mkdir()
    build_to(folder, unit_data(0, "示例市甲局", year=2024), "甲局.xlsx")
    (folder / "示例市乙局2024年报.xls").write_bytes(_xls_bytes())
    (folder / "丙局.ods").write_bytes(_ods_bytes())  # the one roster name that holds 丙局
    (folder / "局.csv").write_text("a,b\n", encoding="utf-8")  # holds no name, and every name holds it
    roster = _roster_xlsx(tmp_path / "名单.xlsx", [["单位名称"]] + [[u] for u in ROSTER_UNITS])
    run = api.check(folder, roster=roster, jobs=1)
    assert run.roster.missing == ("示例市丁局", "示例市缺报局")
    assert run.roster.unreadable == (("示例市丙局", str(folder / "丙局.ods")),
                                     ("示例市乙局", str(folder / "示例市乙局2024年报.xls")))
    done = run_cli("check", folder, "--roster", roster, "--no-progress", "--summary", tmp_path / "s.xlsx",
                   "--html", tmp_path / "r.html")
    assert done.returncode == 1
    assert "缺报：示例市丁局、示例市缺报局" in done.stdout
    assert f"交回的文件无法读取：示例市乙局（{folder / '示例市乙局2024年报.xls'}）" in done.stdout
    assert "交回的文件无法读取" in (tmp_path / "r.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- 6. a roll-up that fails its own check


def test_include_invalid_rollup_says_it_fails_its_own_check(tmp_path: Path) -> None:
    from workbook_builder.check.preflight import preflight_path
    from workbook_builder.check.reader import read_parts

    folder = tmp_path / "交回"
    folder.mkdir()
    build_to(folder, unit_data(0, "示例市甲局", year=2024), "甲局.xlsx")
    bad = unit_data(1, "示例市乙局", year=2024)
    bad["requests.new.person"] += 1  # T3-A fails in this unit, and so in the sum
    build_to(folder, bad, "乙局.xlsx", strict=False)
    out = tmp_path / "汇总.xlsx"
    result = api.aggregate(folder, out, include_invalid=True, jobs=1)
    assert len(result.included) == 2 and result.check is not None
    assert {f.rule for f in result.errors} == {"T3-A"}
    note = result.check_note()
    assert note is not None and note.startswith("汇总结果未通过勾稽检查：T3-A")
    props = read_parts(preflight_path(out).parts).custom_properties
    # ours, with the digest of its sheets as written (the note's property is no sheet: the digest holds)
    assert props["aggregate_check"] == note and props["workbook_builder_output"].startswith("rollup:")
    assert sniff_path(out).output == "rollup"
    assert [(f.code, f.rule) for f in api.check_file(out).findings] == [(f.code, f.rule) for f in result.errors]
    done = run_cli("aggregate", folder, "-o", tmp_path / "汇总2.xlsx", "--include-invalid", "--no-progress")
    assert done.returncode == 1, done.stderr
    assert "汇总结果未通过勾稽检查：T3-A" in done.stdout
    # a clean roll-up says nothing of the kind and exits 0
    clean = api.aggregate([folder / "甲局.xlsx"], tmp_path / "汇总3.xlsx", jobs=1)
    assert clean.errors == () and clean.check_note() is None
    assert "aggregate_check" not in read_parts(preflight_path(tmp_path / "汇总3.xlsx").parts).custom_properties


def test_an_annotated_copy_corrected_and_sent_back_is_a_return(libreoffice, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Review of issue 7: staff correct their annotated copy in LibreOffice and send it back; the
    marker property survives the save, so the corrected return was skipped as our output."""
    from tests import lo_fill as F

    folder = tmp_path / "交回"
    bad = unit_data(1, "示例市乙局", year=2024)
    bad["requests.new.person"] += 1  # T3-A fails
    build_to(folder, bad, "乙局.xlsx", strict=False)
    [copy] = api.annotate(api.check(folder, jobs=1), tmp_path / "反馈")
    assert walk([str(copy.parent)]).files == ()  # as we wrote it: ours
    fixed = folder / "乙局（已改正）.xlsx"
    F.fill_and_save(libreoffice, copy, {"requests.new.person": bad["requests.new.person"] - 1}, fixed)
    (folder / "乙局.xlsx").unlink()
    run = api.check(folder, jobs=1)
    assert [Path(f.path).name for f in run.files] == ["乙局（已改正）.xlsx"] and run.valid
    assert run.skipped_outputs == ()


def test_csv_summary_html_report_and_roster_in_the_folder_are_not_returns(tmp_path: Path) -> None:
    from workbook_builder.outfile import SUMMARY_CSV_HEAD
    from workbook_builder.render.summary import FILE_HEADER

    assert ",".join(FILE_HEADER).startswith(SUMMARY_CSV_HEAD)  # the CSV summary is known by its header
    folder = tmp_path / "交回"
    folder.mkdir()
    build_to(folder, unit_data(0, "示例市甲局", year=2024), "甲局.xlsx")
    roster = folder / "名单.csv"
    roster.write_text("单位名称\n示例市甲局\n", encoding="utf-8")
    first = api.check(folder, roster=roster, jobs=1)
    assert [Path(f.path).name for f in first.files] == ["甲局.xlsx"] and first.valid
    api.save_report(first, folder / "汇总.csv")
    api.save_report(first, folder / "报告.html")
    second = api.check(folder, roster=roster, jobs=1)
    assert [Path(f.path).name for f in second.files] == ["甲局.xlsx"] and second.valid
    # the HTML report says it is ours (<meta name="generator">): never a published report to check
    assert [Path(p).name for p in second.skipped_outputs] == ["报告.html", "汇总.csv"]
    assert [Path(p).name for p in second.skipped_other] == []
