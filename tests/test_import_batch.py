"""`check` of published reports, end to end with real files: the sample report's true verdict, a folder of
mixed inputs into one run (summary, HTML report, roster), annotate, `--prior` a published report,
`import --as xlsx` then `check`, and `aggregate`/`publish` refusing a published report."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.batch_helpers import run_cli
from tests.import_files import GBK_NAME, SAMPLE, SAMPLE_UNIT, SAMPLE_YEAR, mixed_folder, needs_shared
from tests.make_filled import build_to, honest_data
from workbook_builder import api
from workbook_builder.errors import UsageError

pytestmark = needs_shared  # every test here uses the real sample report in ../shared


def test_the_sample_gets_its_true_verdict(tmp_path: Path) -> None:
    """All zeros, and the old label 规范性文件: not valid, with exactly that one error."""
    done = run_cli("check", SAMPLE, "--format", "json")
    (f,) = json.loads(done.stdout)["files"]
    assert (f["published"], f["unit"], f["year"], f["valid"]) == ("text", SAMPLE_UNIT, SAMPLE_YEAR, False)
    assert f["template"]["id"] == "gov_info_disclosure_2021"
    assert [(x["code"], x["reason"], x["actual"], x["expected"]) for x in f["findings"]] == [
        ("published-old-format", "old-label", "规范性文件", "行政规范性文件")]
    assert done.returncode == 1
    text = run_cli("check", SAMPLE, "--no-progress").stdout
    assert text.splitlines()[0].endswith(
        f"（{SAMPLE_UNIT} {SAMPLE_YEAR}）：文本，按 2021年格式读取；未通过，错误 1 个，警告 0 个，提示 0 个")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("mixed")
    folder = mixed_folder(root)
    out = root / "out"
    out.mkdir()
    roster = root / "名单.csv"
    roster.write_text("单位名称\n淮安市人民政府\n宿迁市人民政府\n哈图布呼镇\n某某镇\n", encoding="utf-8")
    done = run_cli("check", folder, "--format", "json", "--roster", roster, "--summary", out / "s.xlsx",
                   "--html", out / "r.html", "--annotate", out / "批注", "-j", "2")
    csv_run = run_cli("check", folder, "--summary", out / "s.csv", "--no-progress")
    return {"folder": folder, "out": out, "done": done, "doc": json.loads(done.stdout), "csv_run": csv_run}


def _by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {Path(f["path"]).name: f for f in doc["files"]}


def test_a_mixed_folder_is_one_run_with_each_verdict(mixed: dict[str, Any]) -> None:
    files = _by_name(mixed["doc"])
    title = "宿迁市人民政府2024年政府信息公开工作年度报告"
    gbk_shown = next(n for n in files if n.endswith(".txt"))
    assert gbk_shown.startswith("\\xb9\\xfe")  # the GBK name's undecodable bytes shown escaped
    verdicts = {n: (f["published"], f["valid"], sorted({x["code"] for x in f["findings"] if x["severity"] == "error"}))
                for n, f in files.items()}
    assert verdicts == {
        "淮安市.xlsx": (None, True, []),
        gbk_shown: ("text", False, ["published-old-format"]),
        f"{title}.docx": ("docx", True, []),
        f"{title}.html": ("html", True, []),
        "扫描件.pdf": ("pdf", False, ["import-no-text"]),
        "旧报告.doc": ("legacy-word", False, ["import-unsupported"]),
    }
    assert files[f"{title}.html"]["unit"] == "宿迁市人民政府" and files[f"{title}.docx"]["year"] == 2024
    assert [Path(s["path"]).name for s in mixed["doc"]["skipped"]] == ["README.txt"]
    assert mixed["done"].returncode == 1
    assert "内部错误" not in mixed["done"].stderr and "Traceback" not in mixed["done"].stderr


def test_the_roster_knows_units_from_the_titles(mixed: dict[str, Any]) -> None:
    roster = mixed["doc"]["roster"]
    assert roster["expected"] == 4 and roster["missing"] == ["某某镇"]
    assert [(d["unit"], d["year"], len(d["paths"])) for d in roster["duplicates"]] == [("宿迁市人民政府", 2024, 2)]
    assert roster["unexpected"] == []


def test_summary_workbook_and_csv_list_every_file(mixed: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(mixed["out"] / "s.xlsx")
    rows = list(wb["汇总"].iter_rows(values_only=True))
    units = {r[1]: r[3] for r in rows[1:]}
    assert units[SAMPLE_UNIT] == "未通过" and units["宿迁市人民政府"] == "通过" and units["淮安市人民政府"] == "通过"
    assert len(rows) == 1 + 6
    findings = list(wb["问题清单"].iter_rows(values_only=True))
    assert any(r[1] == SAMPLE_UNIT and r[3] == "published-old-format" for r in findings)
    roster = list(wb["缺报与重复"].iter_rows(values_only=True))
    assert ("缺报", "某某镇", None, None) in roster
    table = list(csv.reader(io.StringIO((mixed["out"] / "s.csv").read_text(encoding="utf-8-sig"))))
    assert sum(1 for r in table if len(r) > 1 and r[1] == SAMPLE_UNIT) == 1
    assert mixed["csv_run"].returncode == 1


def test_the_html_report_shows_published_reports(mixed: dict[str, Any]) -> None:
    page = (mixed["out"] / "r.html").read_text(encoding="utf-8")
    assert SAMPLE_UNIT in page and "宿迁市人民政府" in page and "规范性文件" in page
    assert "扫描件.pdf" in page and "旧报告.doc" in page


def test_annotate_skips_published_reports_and_says_so(mixed: dict[str, Any]) -> None:
    assert "没有工作簿可批注，未写副本" in mixed["done"].stderr
    copies = sorted(p.name for p in (mixed["out"] / "批注").iterdir())
    assert copies == []  # the only workbook is valid and clean; no published report was copied


def test_our_html_report_in_the_folder_is_skipped_next_time(mixed: dict[str, Any], tmp_path: Path) -> None:
    folder = tmp_path / "again"
    shutil.copytree(mixed["folder"], folder)
    shutil.copyfile(mixed["out"] / "r.html", folder / "检查报告.html")
    doc = json.loads(run_cli("check", folder, "--format", "json").stdout)
    assert {(Path(s["path"]).name, s["why"]) for s in doc["skipped"]} == {
        ("README.txt", "not-a-table"), ("检查报告.html", "own-output")}


def _next_year_workbook(tmp_path: Path, carried_over: int) -> Path:
    data = honest_data("huaian-city-2024")
    data["meta.unit_name"], data["meta.year"] = SAMPLE_UNIT, SAMPLE_YEAR + 1
    shift = carried_over - data["requests.carried_over.person"]  # keep T3-A: carry the change forward too
    data["requests.carried_over.person"] = carried_over
    data["requests.carried_forward.person"] += shift
    return build_to(tmp_path, data, "哈图布呼镇2024.xlsx")


def _carried_over(findings: Any) -> list[tuple[str, str]]:
    """The year-on-year findings about 上年结转 (other rules compare this workbook's own figures)."""
    assert not [f for f in findings if f.code in ("prior-year-not-found", "prior-year-not-matched")]
    return [(f.code, f.datapoint) for f in findings if f.code.startswith("prior-year")
            and (f.datapoint or "").startswith("requests.carried_over")]


def test_prior_may_be_a_published_report(tmp_path: Path) -> None:
    """Last year's report is the published sample (结转下年度继续办理 all 0): this year's 上年结转 must be 0."""
    agrees = api.check_file(_next_year_workbook(tmp_path / "a", 0), prior=SAMPLE)
    assert _carried_over(agrees.findings) == []
    differs = api.check_file(_next_year_workbook(tmp_path / "b", 7), prior=SAMPLE)
    mismatch = [("prior-year-mismatch", "requests.carried_over.person"),
                ("prior-year-mismatch", "requests.carried_over.total")]
    assert sorted(_carried_over(differs.findings)) == mismatch
    folder = tmp_path / "上年"
    folder.mkdir()
    shutil.copyfile(SAMPLE, os.path.join(os.fsencode(folder), GBK_NAME))
    run = api.check([_next_year_workbook(tmp_path / "c", 7)], prior=folder, jobs=1)
    assert sorted(_carried_over(run.files[0].findings)) == mismatch


def test_import_as_xlsx_then_check_the_workbook(tmp_path: Path) -> None:
    done = run_cli("import", SAMPLE, "--as", "xlsx", "-o", tmp_path / "out", "--no-progress")
    assert done.returncode == 1, done.stderr  # the sample's old label is an error of the report
    made = tmp_path / "out" / f"{SAMPLE_UNIT}{SAMPLE_YEAR}年政府信息公开工作年度报告.xlsx"
    assert f"已写出 {made}" in done.stderr
    exported = api.export(made)["values"]
    assert (exported["meta.unit_name"], exported["meta.year"]) == (SAMPLE_UNIT, SAMPLE_YEAR)
    assert exported["requests.new.person"] == 0 and exported["disclosure.normative.in_force"] == 0
    checked = run_cli("check", made, "--format", "json")
    (f,) = json.loads(checked.stdout)["files"]
    assert f["published"] is None and f["unit"] == SAMPLE_UNIT
    # what a published report does not carry (contact, date) is left for staff to fill: only that is missing
    assert {x["code"] for x in f["findings"] if x["severity"] == "error"} == {"missing-input"}
    assert {x["datapoint"] for x in f["findings"] if x["code"] == "missing-input"} >= {
        "meta.contact_person", "meta.contact_phone", "meta.date"}


def test_aggregate_and_publish_refuse_a_published_report(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="是已发布的年度报告，不是填报工作簿，不能汇总"):
        api.aggregate([SAMPLE], tmp_path / "sum.xlsx")
    done = run_cli("publish", SAMPLE, "-o", tmp_path / "pub")
    assert done.returncode == 2 and "不能生成报告：请先用 workbook-builder import --as xlsx" in done.stderr
    folder = tmp_path / "returns"
    folder.mkdir()
    build_to(folder, honest_data("huaian-city-2024"), "淮安市.xlsx")
    shutil.copyfile(SAMPLE, folder / "哈图布呼镇年报.txt")
    rollup = api.aggregate([folder], tmp_path / "sum.xlsx", jobs=1)
    assert [Path(r.path).name for r in rollup.included] == ["淮安市.xlsx"]
    run = api.publish([folder], tmp_path / "pub", jobs=1)
    assert [Path(r.path).name for r in run.check.files] == ["淮安市.xlsx"]
    assert run.check.skipped == ((str(folder / "哈图布呼镇年报.txt"), "published-report"),)
    assert run.check.skipped_reports == (str(folder / "哈图布呼镇年报.txt"),) and run.check.skipped_other == ()
    from workbook_builder.render import text as render_text

    assert "已跳过已发布的年度报告 1 个（不是填报工作簿，可用 check 检查）：哈图布呼镇年报.txt。" in render_text.render(run.check)


def test_import_of_the_mixed_folder_gives_recovery_per_kind(mixed: dict[str, Any]) -> None:
    done = run_cli("import", mixed["folder"], "--no-progress")
    lines = [line for line in done.stdout.splitlines() if not line.startswith("  ")]
    assert lines[-3:] == [
        "共导入 5 个文件：读出统计表 3 个，共读取 600/600 项。",
        "按文件类型：Word 文档 1 个 200/200 项，网页 1 个 200/200 项，文本 1 个 200/200 项。",
        "已跳过不是已发布报告的文件 2 个：README.txt、淮安市.xlsx。"]
    assert any(line.endswith("扫描件.pdf：未能读取，错误 1 个") for line in lines)
    assert done.returncode == 1  # the scan, the .doc and the sample's old label
    doc = json.loads(run_cli("import", mixed["folder"], "--format", "json").stdout)
    kinds = sorted((f["kind"] or "-", f["counts"]["value"]) for f in doc["files"])
    assert kinds == [("-", 0), ("-", 0), ("docx", 200), ("html", 200), ("text", 200)]


def test_a_published_report_is_compared_with_last_years_workbook(tmp_path: Path) -> None:
    """The sample (2023) against 哈图布呼镇's 2022 workbook that carried 5 requests forward: 上年结转 0 is
    a year-on-year finding placed at the report's text, not at a workbook cell."""
    data = honest_data("huaian-city-2024")
    data["meta.unit_name"], data["meta.year"] = SAMPLE_UNIT, SAMPLE_YEAR - 1
    shift = 5 - data["requests.carried_forward.person"]
    data["requests.carried_forward.person"] = 5
    data["requests.new.person"] += shift  # T3-A still holds
    last_year = build_to(tmp_path, data, "哈图布呼镇2022.xlsx")
    for jobs in (1, 2):
        run = api.check([SAMPLE, SAMPLE], prior=last_year, jobs=jobs)
        found = [f for f in run.files[0].findings if f.code.startswith("prior-year")
                 and (f.datapoint or "").startswith("requests.carried_over")]
        assert _carried_over(run.files[0].findings) == [("prior-year-mismatch", "requests.carried_over.person")]
        assert found[0].cell is not None and "表三" in found[0].cell and "!" not in found[0].cell
    assert api.check_file(SAMPLE, prior=last_year).findings == run.files[0].findings
