"""Zips beyond `check`: `aggregate`, `publish`, `import` and last year's files given to `--prior` walk a
.zip (named, or in a folder) as `check` does (batch/zipin.py): members shown as `<zip>/<member>`, a
refused member or zip said in Chinese while the batch goes on, and the private folder removed when
the command is done."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.batch_helpers import run_cli, unit_data
from tests.make_filled import build_to, honest_data
from tests.zip_helpers import gbk_zip, make_zip
from workbook_builder import api
from workbook_builder.publish.result import PUBLISHED, REFUSED

YEAR = 2024
TRAVERSAL = "../乙.xlsx"  # a member name leading out of the folder: refused, never written


@pytest.fixture(scope="module")
def books() -> dict[str, bytes]:
    return {unit: api.build(data=unit_data(k, unit, year=YEAR)) for k, unit in enumerate(("甲镇", "乙镇", "丙乡"))}


def _returns(books: dict[str, bytes], folder: Path) -> Path:
    """A folder as an auditor gets it: a Windows zip of two returns (GBK names), and a zip holding the
    third return beside a member with a traversal name."""
    folder.mkdir()
    (folder / "交回.zip").write_bytes(gbk_zip([("甲镇.xlsx", books["甲镇"]), ("乙镇.xlsx", books["乙镇"])]))
    (folder / "补交.zip").write_bytes(make_zip([("丙乡.xlsx", books["丙乡"]), (TRAVERSAL, books["乙镇"])]))
    return folder


# ---------------------------------------------------------------- aggregate


def test_aggregate_rolls_up_the_members(books: dict[str, bytes], tmp_path: Path, private_tmp: Path) -> None:
    folder = _returns(books, tmp_path / "in")
    result = api.aggregate(folder, tmp_path / "汇总.xlsx", jobs=1)
    assert sorted(r.path for r in result.included) == [
        f"{folder}/交回.zip/乙镇.xlsx", f"{folder}/交回.zip/甲镇.xlsx", f"{folder}/补交.zip/丙乡.xlsx"]
    [(refused, reason)] = result.excluded
    assert refused.path == f"{folder}/补交.zip/乙.xlsx"
    assert reason.startswith("未解压：压缩包或其中的文件未解压、未检查：") and "不安全的路径" in reason
    values = api.export(tmp_path / "汇总.xlsx")["values"]
    want = sum(unit_data(k, u, year=YEAR)["requests.new.person"] for k, u in enumerate(("甲镇", "乙镇", "丙乡")))
    assert values["requests.new.person"] == want
    assert list(private_tmp.iterdir()) == []  # the members are gone with the run
    assert sorted(p.name for p in folder.iterdir()) == ["交回.zip", "补交.zip"]


def test_aggregate_cli_names_members_and_goes_on(books: dict[str, bytes], tmp_path: Path) -> None:
    folder = _returns(books, tmp_path / "in")
    done = run_cli("aggregate", folder / "交回.zip", folder / "补交.zip", "-o", tmp_path / "汇总.xlsx")
    assert done.returncode == 1, done.stdout + done.stderr  # a member left out
    assert "已汇总 3 个单位" in done.stdout
    assert f"  计入  甲镇（{folder}/交回.zip/甲镇.xlsx）" in done.stdout
    assert f"  未计入  乙.xlsx（{folder}/补交.zip/乙.xlsx）：未解压：" in done.stdout


def test_aggregate_of_a_zip_with_nothing_usable_says_why(tmp_path: Path, private_tmp: Path) -> None:
    bad = tmp_path / "坏.zip"
    bad.write_bytes(b"this is no zip at all")
    done = run_cli("aggregate", bad, "-o", tmp_path / "汇总.xlsx")
    assert done.returncode == 2 and "没有可以汇总的工作簿" in done.stderr and "压缩包已损坏" in done.stderr
    assert not (tmp_path / "汇总.xlsx").exists()


# ---------------------------------------------------------------- publish


def test_publish_a_zip(books: dict[str, bytes], tmp_path: Path, private_tmp: Path) -> None:
    folder = _returns(books, tmp_path / "in")
    run = api.publish([folder / "交回.zip", folder / "补交.zip"], tmp_path / "out", formats="html", jobs=1)
    by_path = {p.path: p for p in run.files}
    assert by_path[f"{folder}/补交.zip/乙.xlsx"].status == REFUSED
    assert run.files[0].path == f"{folder}/补交.zip/乙.xlsx"  # refused inputs first, as check lists them
    assert [f.code for f in run.check.files[0].findings] == ["zip-refused"]
    assert {Path(p.outputs["html"]).name for p in run.files if p.status == PUBLISHED} == {
        f"{u}{YEAR}年政府信息公开工作年度报告.html" for u in ("甲镇", "乙镇", "丙乡")}
    assert by_path[f"{folder}/交回.zip/甲镇.xlsx"].status == PUBLISHED
    assert [r.path for r in run.check.files][1:] == [p.path for p in run.files][1:]
    assert run.exit_code == 1
    assert list(private_tmp.iterdir()) == []
    lines = run.summary()
    assert f"已生成 {tmp_path}/out/甲镇{YEAR}年政府信息公开工作年度报告.html ← {folder}/交回.zip/甲镇.xlsx" in lines
    assert f"未生成 {folder}/补交.zip/乙.xlsx：压缩包中的这个文件未解压、未检查（见上），不能生成报告" in lines


def test_publish_cli_a_zip_in_a_folder(books: dict[str, bytes], tmp_path: Path) -> None:
    folder = _returns(books, tmp_path / "in")
    done = run_cli("publish", folder, "-o", tmp_path / "out", "-f", "html", "--no-progress")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "zip-refused" in done.stdout and "生成 3 份，未生成 1 份。" in done.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{u}{YEAR}年政府信息公开工作年度报告.html" for u in ("甲镇", "乙镇", "丙乡"))


# ---------------------------------------------------------------- import


def _reports_zip(books: dict[str, bytes], tmp_path: Path) -> Path:
    """A zip of two published reports (HTML, made by publish) and a member refused by name."""
    src = tmp_path / "src"
    src.mkdir()
    for unit in ("甲镇", "乙镇"):
        (src / f"{unit}.xlsx").write_bytes(books[unit])
    run = api.publish(src, tmp_path / "pages", formats="html", jobs=1)
    pages = [Path(p.outputs["html"]) for p in run.files]
    archive = tmp_path / "报告.zip"
    archive.write_bytes(gbk_zip([(p.name, p.read_bytes()) for p in pages] + [("../丙.html", pages[0].read_bytes())]))
    return archive


def test_import_reports_from_a_zip(books: dict[str, bytes], tmp_path: Path, private_tmp: Path) -> None:
    archive = _reports_zip(books, tmp_path)
    found = api.find_reports(archive)
    assert [p.as_posix() for p in found.files] == [f"{archive}/{u}{YEAR}年政府信息公开工作年度报告.html"
                                                   for u in ("乙镇", "甲镇")]
    assert [(name, why) for name, why, _ in found.refused] == [(f"{archive}/丙.html", "unsafe-name")]
    results = api.import_reports(archive, jobs=1)
    assert [(r.path, r.unit, r.kind) for r in results] == [
        (f"{archive}/丙.html", None, None),
        (f"{archive}/乙镇{YEAR}年政府信息公开工作年度报告.html", "乙镇", "html"),
        (f"{archive}/甲镇{YEAR}年政府信息公开工作年度报告.html", "甲镇", "html")]
    assert [f.code for f in results[0].findings] == ["zip-refused"]
    assert all(r.recovered == 200 for r in results[1:])
    assert list(private_tmp.iterdir()) == []


def test_import_cli_writes_workbooks_from_a_zip(books: dict[str, bytes], tmp_path: Path) -> None:
    archive = _reports_zip(books, tmp_path)
    done = run_cli("import", archive, "--as", "xlsx", "-o", tmp_path / "back", "--no-progress")
    assert done.returncode == 1, done.stdout + done.stderr  # the refused member is an error
    assert f"{archive}/丙.html" in done.stdout and "不安全的路径" in done.stdout
    assert sorted(p.name for p in (tmp_path / "back").iterdir()) == [
        f"{u}{YEAR}年政府信息公开工作年度报告.xlsx" for u in ("乙镇", "甲镇")]
    assert api.check_file(tmp_path / "back" / f"甲镇{YEAR}年政府信息公开工作年度报告.xlsx").unit == "甲镇"


# ---------------------------------------------------------------- last year's files in a zip


def _dated_zip(members: list[tuple[str, bytes, tuple[int, int, int, int, int, int]]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, when in members:
            zf.writestr(zipfile.ZipInfo(name, when), data)
    return buf.getvalue()


def test_prior_from_a_zip_chooses_by_its_dates(tmp_path: Path, private_tmp: Path) -> None:
    """Last year's final and draft in one zip, alike in 填报日期: the one dated later in the zip is used,
    and the warning names both by their shown names."""
    final = honest_data("suqian-city-2023")
    draft = dict(final)
    draft["requests.new.business"] += 2  # still balanced; carried forward differs from this year's
    draft["requests.carried_forward.business"] += 2
    prior = tmp_path / "上年.zip"
    prior.write_bytes(_dated_zip([("宿迁市-草稿.xlsx", api.build(data=draft), (2024, 1, 10, 9, 0, 0)),
                                  ("宿迁市.xlsx", api.build(data=final), (2024, 1, 20, 9, 0, 0))]))
    this_year = build_to(tmp_path, honest_data("suqian-city-2024"), "宿迁市2024.xlsx")
    report = api.check([this_year], prior=prior, jobs=1).files[0]
    assert [(f.code, f.reason) for f in report.findings] == [("prior-year-ambiguous", "modified")]
    message = report.findings[0].message()
    assert f"{prior}/宿迁市-草稿.xlsx、{prior}/宿迁市.xlsx" in message, message
    assert list(private_tmp.iterdir()) == []
    # the draft dated later: its carried-forward figures are not this year's carried-over ones
    prior.write_bytes(_dated_zip([("宿迁市-草稿.xlsx", api.build(data=draft), (2024, 1, 30, 9, 0, 0)),
                                  ("宿迁市.xlsx", api.build(data=final), (2024, 1, 20, 9, 0, 0))]))
    report = api.check([this_year], prior=prior, jobs=1).files[0]
    assert "prior-year-ambiguous" in [f.code for f in report.findings] and not report.valid


def test_prior_folder_with_a_zip_for_publish(tmp_path: Path, private_tmp: Path) -> None:
    folder = tmp_path / "上年"
    folder.mkdir()
    (folder / "上年.zip").write_bytes(make_zip([("宿迁市.xlsx", api.build(data=honest_data("suqian-city-2023")))]))
    this_year = build_to(tmp_path, honest_data("suqian-city-2024"), "宿迁市2024.xlsx")
    run = api.publish(this_year, tmp_path / "out", formats="html", jobs=1, prior=folder)
    codes = [f.code for f in run.check.files[0].findings]
    assert "prior-year-not-found" not in codes and run.files[0].status == PUBLISHED, codes
    # without the zip walked, last year's workbook is not found: the same run says so
    (folder / "上年.zip").unlink()
    (folder / "说明.txt").write_text("上年的工作簿见压缩包", encoding="utf-8")
    run = api.publish(this_year, tmp_path / "out2", formats="html", jobs=1, prior=folder)
    assert "prior-year-not-found" in [f.code for f in run.check.files[0].findings]
    assert list(private_tmp.iterdir()) == []


def test_prior_zip_with_the_unit_s_file_refused_says_so(tmp_path: Path, private_tmp: Path) -> None:
    """Last year's workbook behind a name the zip's rules refuse: not silently “not found”."""
    prior = tmp_path / "上年.zip"
    prior.write_bytes(make_zip([("../宿迁市.xlsx", api.build(data=honest_data("suqian-city-2023")))]))
    this_year = build_to(tmp_path, honest_data("suqian-city-2024"), "宿迁市2024.xlsx")
    [finding] = api.check([this_year], prior=prior, jobs=1).files[0].findings
    assert (finding.code, finding.reason) == ("prior-year-not-found", "not-found-refused")
    assert f"上年的压缩包中有 1 个文件未解压（{prior}/宿迁市.xlsx）" in finding.message()
    assert list(private_tmp.iterdir()) == []
