"""`check -q/--quiet` and `publish -q`: only the files that did not pass (with their findings) and the
totals; JSON output is the same with or without -q; the default text output is unchanged (the
golden files of tests/test_run_golden.py hold it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbook_builder import api, cli
from workbook_builder.render import text as render_text


@pytest.fixture(scope="module")
def returns(honest: Path, broken: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("quiet")
    shutil.copy(honest, folder / "甲.xlsx")
    shutil.copy(broken, folder / "乙.xlsx")
    (folder / "丙.xlsx").write_bytes(b"not a workbook")
    return folder


def _check(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli.main, ["check", *map(str, args), "--jobs", "1", "--no-progress"])
    return result.exit_code, result.stdout


def test_quiet_lists_only_the_files_that_did_not_pass(returns: Path) -> None:
    code, loud = _check(returns)
    code_q, quiet = _check(returns, "-q")
    assert code == code_q == 1
    passed = [line for line in loud.splitlines() if "甲.xlsx（" in line]
    assert len(passed) == 1 and "：通过，" in passed[0]
    # exactly the passing file's line is gone: the failing files with every finding, and the totals, stay
    assert quiet.splitlines() == [line for line in loud.splitlines() if line not in passed]
    assert "乙.xlsx（淮安市人民政府 2024）：未通过" in quiet and "[错误] rule-failed" in quiet
    assert "丙.xlsx：未通过" in quiet and "unreadable-file" in quiet
    assert any(line.startswith("共检查 3 个文件：通过 1 个，有错误 2 个") for line in quiet.splitlines())
    assert "重复：淮安市人民政府（2024）有 2 个文件" in quiet  # the roster's lines are totals too


def test_long_option_and_english(returns: Path) -> None:
    _, quiet = _check(returns, "--quiet", "--lang", "en")
    assert "甲.xlsx (" not in quiet and "乙.xlsx (淮安市人民政府 2024): invalid" in quiet
    assert "3 files checked: 1 valid" in quiet


def test_quiet_when_all_pass_prints_only_the_totals(honest: Path) -> None:
    code, quiet = _check(honest, "-q")
    assert code == 0
    assert quiet.splitlines() == ["共检查 1 个文件：通过 1 个，有错误 0 个，仅有警告 0 个，无法读取或不安全 0 个。"]


def test_quiet_changes_nothing_in_json(returns: Path) -> None:
    assert _check(returns, "--format", "json", "-q") == _check(returns, "--format", "json")


def test_default_text_is_unchanged(returns: Path) -> None:
    run = api.check([returns], jobs=1)
    assert render_text.render(run) == render_text.render(run, quiet=False)
    assert render_text.render(run).count("\n") == render_text.render(run, quiet=True).count("\n") + 1


def test_publish_quiet(honest: Path, broken: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(honest, folder / "甲.xlsx")
    shutil.copy(broken, folder / "乙.xlsx")
    args = ["publish", str(folder), "-o", str(tmp_path / "out"), "--jobs", "1", "--no-progress"]
    loud = CliRunner().invoke(cli.main, args).stdout
    quiet = CliRunner().invoke(cli.main, [*args, "-q"]).stdout
    assert "甲.xlsx（淮安市人民政府 2024）：通过" in loud and "已生成" in loud
    assert "甲.xlsx（" not in quiet and "已生成" not in quiet
    assert "乙.xlsx（淮安市人民政府 2024）：未通过" in quiet and "未生成" in quiet
    assert quiet.splitlines()[-1] == loud.splitlines()[-1] == "生成 1 份，未生成 1 份。"


def test_import_quiet(honest: Path, tmp_path: Path) -> None:
    """`import -q`: only the files with an error (as for the exit code), the totals counting all."""
    folder = tmp_path / "已发布"
    api.publish(honest, folder / "甲.html", formats="html")
    (folder / "乙.html").write_text("<html><body><h1>2024年政府信息公开工作年度报告</h1><p>无表格</p></body></html>",
                                    encoding="utf-8")

    def run(*extra: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli.main, ["import", str(folder), "-j", "1", "--no-progress", *extra])
        return result.exit_code, result.stdout

    code, loud = run()
    code_q, quiet = run("-q")
    assert code == code_q == 1
    assert "甲.html" in loud and "乙.html" in loud
    assert "甲.html" not in quiet and "乙.html" in quiet
    assert loud.splitlines()[-1] == quiet.splitlines()[-1]  # the totals, of both files
