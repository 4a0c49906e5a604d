"""A fixed check run and its renderings: the run result's API, and golden text and JSON output.

The run is six files and a roster, checked from a temporary folder with relative paths so the
output does not depend on where the test runs: an honest unit, the same unit again (a duplicate), a
"/" typed into an input, a rule that fails, a formula overwritten by its own value, a file that is
not a workbook, and a roster unit that sent nothing.

When a change to the output is intended, regenerate and review the diff before committing::

    UPDATE_GOLDEN=1 python -m pytest tests/test_run_golden.py
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
from pathlib import Path

import pytest

from tests import tamper_xml as tx
from tests.batch_helpers import unit_data
from tests.make_filled import a1, build_to, ref
from workbook_builder import api
from workbook_builder.batch.result import CheckRun
from workbook_builder.errors import UsageError
from workbook_builder.render import json as render_json
from workbook_builder.render import text as render_text

GOLDEN = Path(__file__).resolve().parent / "golden"
UNITS = ("示例市甲局", "示例市乙局", "示例市丙局", "示例市丁局", "示例市缺报局")


def _make_run_folder(root: Path) -> None:
    returns = root / "returns"
    build_to(returns, unit_data(0, UNITS[0]), "甲局.xlsx")
    build_to(returns, unit_data(5, UNITS[0]), "甲局（更正）.xlsx")
    slash = unit_data(1, UNITS[1])
    slash["requests.new.legal_services"] = "/"
    build_to(returns, slash, "乙局.xlsx", strict=False)
    broken_rule = unit_data(2, UNITS[2])
    broken_rule["requests.new.person"] += 1  # received, but never answered: T3-A cannot balance
    build_to(returns, broken_rule, "丙局.xlsx")
    honest = build_to(root / "scratch", unit_data(3, UNITS[3]), "丁局.xlsx")
    value = str(api.export(honest)["values"]["requests.new.total"])
    tx.tamper(honest, returns / "丁局.xlsx", tx.SHEET_PART["依申请公开"],
              lambda x: tx.set_number(x, a1("requests.new.total"), value))
    (returns / "损坏.xlsx").write_bytes(b"this is not a workbook")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([["单位名称"], *([u] for u in UNITS)])
    (root / "roster.csv").write_text(buffer.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    _make_run_folder(folder)
    return folder


@pytest.fixture(scope="module")
def run(root: Path) -> CheckRun:
    cwd = Path.cwd()
    os.chdir(root)  # relative paths in every message: the golden does not depend on the temp folder
    try:
        return api.check(["returns"], roster="roster.csv", jobs=1)
    finally:
        os.chdir(cwd)


def test_run_result(run: CheckRun) -> None:
    assert [Path(f.path).name for f in run.files] == ["丁局.xlsx", "丙局.xlsx", "乙局.xlsx", "损坏.xlsx",
                                                      "甲局.xlsx", "甲局（更正）.xlsx"]
    assert not run.valid
    s = run.stats
    assert (s.files, s.valid, s.with_errors, s.unreadable) == (6, 2, 4, 1)
    assert s.errors == sum(f.count("error") for f in run.files) == 5
    # T3-A fails in the 自然人 column and in the 总计 column, shown on the check row (B4 before B13 order)
    check_row = [f.cell for f in run.files[1].findings]
    assert run.flatten(["path", "code", "cell", "rule"]) == [
        ["returns/丁局.xlsx", "formula-overwritten", ref("requests.new.total"), None],
        ["returns/丙局.xlsx", "rule-failed", check_row[0], "T3-A"],
        ["returns/丙局.xlsx", "rule-failed", check_row[1], "T3-A"],
        ["returns/乙局.xlsx", "invalid-input", ref("requests.new.legal_services"), None],
        ["returns/损坏.xlsx", "unreadable-file", None, None],
    ]
    assert check_row == ["'依申请公开'!D30", "'依申请公开'!J30"]
    assert run.roster.missing == ("示例市缺报局",)
    assert [(u, len(ps)) for u, _, ps in run.roster.duplicates] == [("示例市甲局", 2)]
    # every file read as ours carries its re-validated and recomputed values
    first = run.files[4]
    given = unit_data(0, UNITS[0])
    assert first.values["requests.new.person"] == given["requests.new.person"]  # an input, as read
    new = [k for k in given if k.startswith("requests.new.")]
    assert first.values["requests.new.total"] == sum(given[k] for k in new)  # a formula, recomputed
    assert not first.invalid_inputs
    assert run.files[2].invalid_inputs == {"requests.new.legal_services"}
    assert run.files[3].values == {}


def test_select_and_ignore(run: CheckRun) -> None:
    only = run.select(["rule"])
    assert [row[1] for row in only.flatten()] == ["rule-failed", "rule-failed"]
    assert run.select(ignore=["unreadable", "formula"]).stats.with_errors == 2
    assert run.select().files == run.files
    with pytest.raises(UsageError, match="未知的代码 nonsense"):
        api.known_codes("nonsense,rule", "--select")


def test_counts_have_one_order(run: CheckRun) -> None:
    """Ties are broken by name, never by which file came first."""
    assert run.code_counts == sorted(run.code_counts, key=lambda kv: (-kv[1], kv[0]))


def _compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
        return
    want = path.read_text(encoding="utf-8")
    if text != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True), name, "now"))
        pytest.fail(f"{name} differs from the golden (UPDATE_GOLDEN=1 to accept):\n{diff}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_text_golden(run: CheckRun, lang: str) -> None:
    _compare(f"run-{lang}.txt", render_text.render(run, lang) + "\n")


def test_json_golden(run: CheckRun) -> None:
    text = render_json.render(run, "zh")
    assert json.loads(text)["schema"] == "workbook-builder/check/1"
    _compare("run.json", text + "\n")


def test_save_report_by_suffix(run: CheckRun, tmp_path: Path) -> None:
    import openpyxl

    written = {s: api.save_report(run, tmp_path / f"报告{s}") for s in (".xlsx", ".csv", ".html", ".json", ".txt")}
    assert openpyxl.load_workbook(written[".xlsx"]).sheetnames == ["汇总", "问题清单", "缺报与重复"]
    assert written[".csv"].read_bytes().startswith("\ufeff文件,单位,年度".encode())
    assert written[".html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert written[".json"].read_text(encoding="utf-8") == render_json.render(run)
    assert written[".txt"].read_text(encoding="utf-8") == render_text.render(run)
    with pytest.raises(UsageError, match="扩展名"):
        api.save_report(run, tmp_path / "报告.pdf")
    assert not (tmp_path / "报告.pdf").exists()


def test_save_report_never_writes_a_checked_file(run: CheckRun, root: Path) -> None:
    target = root / "returns" / "甲局.xlsx"
    before = target.read_bytes()
    cwd = Path.cwd()
    os.chdir(root)  # the run's paths are relative to the folder it was checked from
    try:
        with pytest.raises(UsageError, match="是要检查的文件之一"):
            api.save_report(run, "returns/甲局.xlsx")
    finally:
        os.chdir(cwd)
    assert target.read_bytes() == before


def test_check_file_takes_the_path_as_it_is(tmp_path: Path) -> None:
    """A missing file is a finding, as in a batch; a folder is not walked."""
    missing = api.check_file(tmp_path / "没有这个文件.xlsx")
    assert [(f.code, f.actual) for f in missing.findings] == [("unreadable-file", "io-error")]
    assert [f.code for f in api.check_file(tmp_path).findings] == ["unreadable-file"]
    with pytest.raises(UsageError, match="找不到文件或文件夹"):
        api.check([tmp_path / "没有这个文件.xlsx"])
