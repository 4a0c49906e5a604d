"""`import` and `check` of published reports as a new user meets them (an auditor with a folder of
downloaded reports): what the command says it recognised, a rule that fails in a report, paths a shell
gets wrong. Real files: our own `publish` output of a filled workbook."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests import make_filled, make_filled_2019
from workbook_builder import cli


def _run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.main, [*map(str, args)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _published(tmp_path: Path, workbook: Path, name: str) -> Path:
    out = tmp_path / name
    code, _, err = _run("publish", workbook, "-o", out, "--format", "html", "--draft", "--no-progress")
    assert code in (0, 1) and out.exists(), err
    return out


def test_the_import_names_the_format_it_recognised_in_words(tmp_path: Path) -> None:
    """`按 2019 年试行格式（gov_info_disclosure_2019）读取`: the format as the official documents name it,
    the template ID after it (what `-t` takes), for both built-in formats."""
    data = make_filled_2019.generic_fill(unit="示例区人民政府办公室", year=2020)
    report = _published(tmp_path, make_filled_2019.build_to(tmp_path, data, "2019.xlsx"), "2019.html")
    code, out, _ = _run("import", report, "--no-progress", "-j", "1")
    assert "网页，按 2019 年试行格式（gov_info_disclosure_2019）读取；已读取 198/198 项" in out.splitlines()[0]
    assert code == 0
    report = _published(tmp_path, make_filled.build_to(tmp_path, make_filled.honest_data(), "2021.xlsx"), "2021.html")
    _, out, _ = _run("import", report, "--no-progress", "-j", "1")
    assert "网页，按 2021 年格式（gov_info_disclosure_2021）读取；" in out.splitlines()[0]


def test_a_rule_failing_in_a_published_report_is_fixed_in_the_report_not_in_cells(tmp_path: Path) -> None:
    """A published report has no cells to correct: the rule's fix says to check its figures against
    the report and republish; the sides show the report's figures, never D5-like cells."""
    data = make_filled.honest_data()
    data["requests.new.person"] += 1  # T3-A fails (a draft is published even so)
    report = _published(tmp_path, make_filled.build_to(tmp_path, data, "bad.xlsx", strict=False), "bad.html")
    code, out, _ = _run("check", report, "--no-progress", "-j", "1")
    line = next(x for x in out.splitlines() if "rule-failed" in x)
    assert "规则 T3-A" in line and "（3002+34 = 3036）" in line
    assert line.endswith("处理：请对照报告原文核对上面列出的数字；确是报告有误的，请更正后重新发布。")
    assert "单元格" not in line and "D5" not in line
    assert line.count("处理：") == 1
    assert code == 1
    code, out, _ = _run("check", report, "--format", "json", "--no-progress", "-j", "1")
    assert '"reason": "in-report"' in out and '"rule": "T3-A"' in out


@pytest.mark.parametrize("command", ["import", "check"])
@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_path_is_a_usage_error_not_the_current_folder(command: str, empty: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`workbook-builder import "$DIR"` with DIR unset would import everything in the current folder."""
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(command, empty, "--no-progress")
    assert code == 2
    assert "路径不能为空" in err and out == ""
