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
    """`按 2019年试行格式（模板 gov_info_disclosure_2019）读取`: the format as the official documents name it,
    the template ID after it (what `-t` takes), for both built-in formats."""
    data = make_filled_2019.generic_fill(unit="示例区人民政府办公室", year=2020)
    report = _published(tmp_path, make_filled_2019.build_to(tmp_path, data, "2019.xlsx"), "2019.html")
    code, out, _ = _run("import", report, "--no-progress", "-j", "1")
    assert "网页，按 2019年试行格式（模板 gov_info_disclosure_2019）读取；已读取 198/198 项" in out.splitlines()[0]
    assert code == 0
    report = _published(tmp_path, make_filled.build_to(tmp_path, make_filled.honest_data(), "2021.xlsx"), "2021.html")
    _, out, _ = _run("import", report, "--no-progress", "-j", "1")
    assert "网页，按 2021年格式（模板 gov_info_disclosure_2021）读取；" in out.splitlines()[0]


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


@pytest.mark.parametrize(("args", "said"), [
    (["import", "a.txt", "--as", "pdf"], "--as 的值“pdf”无效，可选：json、xlsx"),
    (["import", "a.txt", "--format", "xml"], "--format 的值“xml”无效，可选：text、json"),
    (["import", "a.txt", "--year", "二〇二三"], "--year 应为整数，不是“二〇二三”"),
    (["check", "a.txt", "--fromat", "json"], "没有这个选项：--fromat（是不是 --format"),
    (["check", "a.txt", "--roster", "nosuch.csv"], "--roster：找不到文件或文件夹 nosuch.csv"),
    (["import"], "缺少要处理的文件或文件夹（PATHS）"),
    (["import", "a.txt", "-o"], "选项 -o 后面要给出它的值"),
    (["imprt", "a.txt"], "没有这个命令：imprt"),
    (["--bogus"], "没有这个选项：--bogus"),
])
def test_a_mistyped_command_line_is_told_in_chinese(args: list[str], said: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit code 2 and a Chinese line (click's English "Error: Invalid value for …" never reaches the user),
    then where the help is."""
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(*args)
    assert code == 2 and out == ""
    assert err.startswith(said), err
    assert "查看用法：" in err and "--help" in err
    assert "Error" not in err and "Usage" not in err


def test_the_html_report_places_a_published_reports_findings_in_the_report(tmp_path: Path) -> None:
    """A published report's section says what it is and the format it was read in, and its findings'
    column is 位置 (a place in the report: 表三“…”行 · 第4行), not 单元格; a workbook's section is unchanged."""
    data = make_filled.honest_data()
    data["requests.new.person"] += 1
    workbook = make_filled.build_to(tmp_path / "in", data, "bad.xlsx", strict=False)
    _published(tmp_path / "in", workbook, "bad.html")
    out = tmp_path / "r.html"
    code, _, err = _run("check", tmp_path / "in", "--html", out, "--no-progress", "-j", "1")
    assert code == 1, err
    page = out.read_text(encoding="utf-8")
    assert "已发布的报告（网页），按 2021年格式（模板 gov_info_disclosure_2021）读取" in page
    assert page.count("<th>位置</th>") == 1 and page.count("<th>单元格</th>") == 1
    assert "涉及：表三“一、本年新收政府信息公开申请数量”行" in page


@pytest.mark.parametrize("command", [[], ["import"], ["check"], ["templates"]])
def test_help_is_chinese_down_to_the_help_option(command: list[str]) -> None:
    code, out, _ = _run(*command, "--help")
    assert code == 0
    assert "显示本帮助并退出。" in out and "Show this message" not in out


def test_check_help_says_what_a_published_report_gets() -> None:
    _, out, _ = _run("check", "--help")
    flat = "".join(out.split())
    assert "已发布的报告按其标签认出2021年或2019年格式" in flat
    assert "上年的工作簿或已发布的报告" in flat
    assert "已发布的报告没有工作簿可批注，不写副本" in flat


def test_check_says_what_each_published_report_was_read_as(tmp_path: Path) -> None:
    """`check` of a folder of reports: each head line says the kind and the format (as `import` does),
    a workbook's head line is unchanged, and a note is skipped as neither a workbook nor a report."""
    data = make_filled_2019.generic_fill(unit="示例区人民政府办公室", year=2020)
    _published(tmp_path / "in", make_filled_2019.build_to(tmp_path, data, "2019.xlsx"), "2019.html")
    make_filled.build_to(tmp_path / "in", make_filled.honest_data(), "甲.xlsx")
    (tmp_path / "in" / "说明.txt").write_text("下载自各单位网站。\n", encoding="utf-8")
    _, out, _ = _run("check", tmp_path / "in", "--no-progress", "-j", "1")
    heads = [line for line in out.splitlines() if not line.startswith("  ")]
    assert any(h.endswith("（示例区人民政府办公室 2020）：网页，按 2019年试行格式读取；通过，错误 0 个，警告 0 个，提示 0 个")
               for h in heads), heads
    assert any(h.endswith("甲.xlsx（淮安市人民政府 2024）：通过，错误 0 个，警告 0 个，提示 0 个") for h in heads), heads
    assert "已跳过不是工作簿或年度报告的文件 1 个：说明.txt。" in heads


def test_a_2019_format_report_of_a_2021_year_says_so_in_words(tmp_path: Path) -> None:
    """A 2022 report in the 2019 trial layout: read as the 2019 format, and the finding names that format
    and says what is due, not "应为“政府信息公开工作年度报告”格式" (the 2021 title names no format)."""
    data = make_filled_2019.generic_fill(unit="示例区人民政府办公室", year=2020)
    page = _published(tmp_path, make_filled_2019.build_to(tmp_path, data, "2019.xlsx"), "2019.html")
    late = tmp_path / "2022.html"
    late.write_text(page.read_text(encoding="utf-8").replace("2020年", "2022年"), encoding="utf-8")
    code, out, _ = _run("import", late, "--no-progress", "-j", "1")
    assert "（示例区人民政府办公室 2022）：网页，按 2019年试行格式（模板 gov_info_disclosure_2019）读取" in out
    assert ("2022年度的报告是按2019年试行格式编写的，应按2021年格式。"
            "处理：请按《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）编写。") in out
    assert code == 1


def test_windows_like_console_and_a_gbk_file_name(tmp_path: Path) -> None:
    """A GBK console (PYTHONIOENCODING=gbk) and a file name whose bytes are GBK, not UTF-8 (an archive
    unpacked from Windows): the text is printed in GBK, the JSON stays valid, the workbook is written."""
    import json
    import os
    import subprocess
    import sys

    page = _published(tmp_path, make_filled.build_to(tmp_path, make_filled.honest_data(), "a.xlsx"), "a.html")
    folder = os.fsencode(tmp_path / "报告 下载")
    os.mkdir(folder)
    name = os.path.join(folder, "淮安市2024年报".encode("gbk") + b".html")
    with open(name, "wb") as out:
        out.write(page.read_bytes())
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    run = [sys.executable, "-m", "workbook_builder", "import", name, "--no-progress", "-j", "1"]
    done = subprocess.run(run, capture_output=True, env=env, timeout=120)
    text = done.stdout.decode("gbk")
    assert done.returncode == 0, done.stderr.decode("gbk", "replace")
    assert "（淮安市人民政府 2024）：网页，按 2021年格式（模板 gov_info_disclosure_2021）读取；已读取 200/200 项" in text
    done = subprocess.run([*run, "--format", "json"], capture_output=True, env=env, timeout=120)
    (f,) = json.loads(done.stdout)["files"]
    assert (f["unit"], f["kind"], f["counts"]["value"]) == ("淮安市人民政府", "html", 200)
    done = subprocess.run([*run, "--as", "xlsx", "-o", os.path.join(folder, b"out")], capture_output=True, env=env,
                          timeout=120)
    assert done.returncode == 0
    assert os.listdir(os.path.join(folder, b"out")) == ["淮安市人民政府2024年政府信息公开工作年度报告.xlsx".encode()]


def test_a_note_is_not_read_as_a_report_nor_given_a_workbook(tmp_path: Path) -> None:
    """A README.txt or an empty file named on its own: `import` says no table was read (not "按 2019 年试行
    格式读取；已读取 0/198 项"), writes no empty workbook, and `check` says only that (no six heading warnings)."""
    note = tmp_path / "README.txt"
    note.write_text("这是下载的年度报告文件夹。\n来源：各单位网站。\n", encoding="utf-8")
    empty = tmp_path / "空文件.txt"
    empty.write_bytes(b"")
    code, out, err = _run("import", note, empty, "--as", "xlsx", "-o", tmp_path / "out", "--no-progress", "-j", "1")
    lines = out.splitlines()
    assert lines[0] == f"{note}：文本，没有读出统计表，错误 1 个"
    assert f"{empty}：文本，没有读出统计表，错误 1 个" in lines
    assert lines[-1] == "共导入 2 个文件：读出统计表 0 个，共读取 0/0 项。"
    assert "格式" not in out.replace("官方格式", "")
    assert f"未生成工作簿：{note} 没有读出统计表" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert code == 1
    code, out, _ = _run("check", note, "--no-progress", "-j", "1")
    assert out.splitlines()[0] == f"{note}：未通过，错误 1 个，警告 0 个，提示 0 个"
    assert "import-not-a-report" in out and "published-heading" not in out


def test_skipped_files_are_counted_in_plain_words_in_english_too(tmp_path: Path) -> None:
    make_filled.build_to(tmp_path, make_filled.honest_data(), "甲.xlsx")
    (tmp_path / "说明.txt").write_text("下载自各单位网站。\n", encoding="utf-8")
    _, out, _ = _run("check", tmp_path, "--lang", "en", "--no-progress", "-j", "1")
    assert "Skipped 1 file that is neither a workbook nor an annual report: 说明.txt." in out
