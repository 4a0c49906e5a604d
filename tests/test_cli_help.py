"""Help wrapped by display width (a Chinese character takes two columns), and click's own words
(Usage, Options, Commands, Aborted!, click.Path's errors, --version) in the user's language."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from workbook_builder import api, cli
from workbook_builder.cli import words
from workbook_builder.textsafe import display_width, wrap_display

ZH, EN = {"WORKBOOK_BUILDER_LANG": "zh"}, {"WORKBOOK_BUILDER_LANG": "en"}
COMMANDS = sorted(cli.main.commands)


def _invoke(*args: str | Path, env: dict[str, str] | None = None, width: int | None = 80) -> Result:
    """`width`: the terminal's width as click's Context is told it; None: the width click finds itself
    (in CliRunner 80 columns, as on a Windows console)."""
    if width is None:
        return CliRunner(env={**(env or ZH), "COLUMNS": "80"}).invoke(cli.main, [str(a) for a in args])
    return CliRunner(env=env or ZH).invoke(cli.main, [str(a) for a in args], terminal_width=width)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------ wrapping by display width


def test_display_width() -> None:
    assert display_width("abc") == 3
    assert display_width("检查，。") == 8
    assert display_width("“上年”") == 6 and display_width("“上年”", ambiguous=2) == 8
    assert display_width("e\u0301") == 1  # a combining accent takes no column


def test_wrap_keeps_width_and_every_character() -> None:
    text = ("工作表保护密码（默认取模板中的 password：内置模板 2021 格式为 gkb2021，2019 格式为 gkb2019）。"
            "上年交回的工作簿所在文件夹：按单位名称匹配，预填“上年结转”等结转数据，见年报.sqlite 和 --prior-dir 选项。")
    for width in range(18, 60):  # from the width of the longest piece (an indent and `见年报.sqlite`) up
        lines = wrap_display(text, width, "  ", "    ", ambiguous=2)
        assert all(display_width(line, 2) <= width for line in lines), (width, lines)
        assert _squash("".join(lines)) == _squash(text)
        joined = "\n".join(lines)
        for unbroken in ("--prior-dir", "年报.sqlite", "gkb2021", "password"):
            assert unbroken in joined, (width, unbroken, lines)


@pytest.mark.parametrize("width", range(8, 30))
def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one(width: int) -> None:
    text = "按名单（.xlsx 或 .csv）每个单位生成一个，文件名为《单位名称》；见“说明”。再说一句、一句、又一句。"
    lines = wrap_display(text, width)
    assert _squash("".join(lines)) == _squash(text)
    for line in lines[1:]:
        assert line[0] not in "，。、；：）》”", lines
    for line in lines[:-1]:
        assert line[-1] not in "（《“", lines


def test_a_piece_longer_than_a_line_is_cut_as_the_last_resort() -> None:
    lines = wrap_display("见 C:/很长的/文件夹/名称/年报.sqlite", 10)
    assert all(display_width(line) <= 10 for line in lines) and "".join(lines) == "见C:/很长的/文件夹/名称/年报.sqlite"


def test_latin_text_wraps_at_spaces() -> None:
    assert wrap_display("Build locked workbooks from a template", 16) == ["Build locked", "workbooks from a", "template"]


# ------------------------------------------------------------------ --help of every command at 80 columns


def _expected_texts(command: click.Command) -> list[str]:
    texts = [command.help or ""]
    texts += [p.help for p in command.params if isinstance(p, click.Option) and p.help]
    return texts


@pytest.mark.parametrize("width", [80, None], ids=["terminal_width=80", "COLUMNS=80"])
@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_help_fits_80_columns_and_says_everything(name: str, width: int | None) -> None:
    result = _invoke(*([name] if name else []), "--help", width=width)
    assert result.exit_code == 0, result.output
    out = result.output
    too_wide = [line for line in out.splitlines() if display_width(line, 2) > 80]
    assert not too_wide, too_wide
    command = cli.main.commands[name] if name else cli.main
    for text in _expected_texts(command):
        assert _squash(text) in _squash(out), text
        for word in re.findall(r"--[a-z][a-z-]*|[\w.-]+\.(?:xlsx|csv|sqlite|json|yaml|html)\b", text):
            assert word in out, f"{word!r} broken across lines"
    for param in command.params:
        if isinstance(param, click.Option):
            assert all(opt in out for opt in param.opts)
    if not name:  # every command with its whole first paragraph
        for sub in cli.main.commands.values():
            assert _squash(sub.get_short_help_str(10_000)) in _squash(out)


@pytest.mark.parametrize("width", [50, 60, 100])
def test_help_fits_other_widths(width: int) -> None:
    out = _invoke("check", "--help", width=width).output
    assert max(display_width(line, 2) for line in out.splitlines()) <= width


# ------------------------------------------------------------------ click's words in the user's language


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "zh"), ({"LANG": "C"}, "zh"), ({"LANG": "POSIX"}, "zh"), ({"LANG": "C.UTF-8"}, "zh"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "zh_TW.Big5"}, "zh"), ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "de_DE@euro"}, "en"), ({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.GBK"}, "zh"),
    ({"LANG": "zh_CN.UTF-8", "WORKBOOK_BUILDER_LANG": "en"}, "en"),
    ({"LANG": "en_US.UTF-8", "WORKBOOK_BUILDER_LANG": "zh"}, "zh"),
    ({"LANG": "en_US.UTF-8", "WORKBOOK_BUILDER_LANG": "fr"}, "en"),  # not ours to choose: the locale decides
])
def test_ui_language(env: dict[str, str], expected: str) -> None:
    assert cli.ui_language(env) == expected


def test_ui_language_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WORKBOOK_BUILDER_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert cli.ui_language() == "en"
    out = CliRunner().invoke(cli.main, ["--help"]).output
    assert out.startswith("Usage:") and "\nOptions:\n" in out


@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_help_headings(name: str) -> None:
    args = [*([name] if name else []), "--help"]
    zh, en = _invoke(*args, env=ZH).output, _invoke(*args, env=EN).output
    assert zh.startswith("用法：") and "\n选项：\n" in zh and "Usage" not in zh and "Options:" not in zh
    assert en.startswith("Usage: ") and "\nOptions:\n" in en and "用法：" not in en and "选项：" not in en
    assert ("显示本帮助并退出。" in zh) and ("Show this message and exit." in en)
    if not name:
        assert "\n命令：\n" in zh and "\nCommands:\n" in en
    if "[default: " in en:
        assert "［默认：" in zh and "[default" not in zh
    if "[required]" in en:
        assert "［必填］" in zh and "required" not in zh


def test_version_line() -> None:
    zh, en = _invoke("--version", env=ZH), _invoke("--version", env=EN)
    assert zh.exit_code == en.exit_code == 0
    assert zh.output.startswith("workbook-builder 版本 ") and en.output.startswith("workbook-builder, version ")


def test_aborted_is_130_in_both_languages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def abort(*_: Any, **__: Any) -> Any:
        raise click.Abort

    monkeypatch.setattr(api, "check", abort)
    zh, en = _invoke("check", tmp_path, env=ZH), _invoke("check", tmp_path, env=EN)
    assert zh.exit_code == en.exit_code == 130
    assert "已中断。" in zh.stderr and "Aborted" not in zh.output
    assert "Aborted!" in en.stderr


def _usage(env: dict[str, str], *args: str | Path) -> str:
    result = _invoke(*args, env=env)
    assert result.exit_code == 2, result.output
    return result.stderr


def test_a_folder_where_a_file_is_wanted(tmp_path: Path) -> None:
    zh = _usage(ZH, "build", "--data", tmp_path, "-o", tmp_path / "x.xlsx")
    assert f"--data 应为文件，而 {tmp_path} 是文件夹" in zh and "查看用法：" in zh and "Error" not in zh
    zh = _usage(ZH, "serve", "--store", tmp_path)
    assert f"--store 应为文件，而 {tmp_path} 是文件夹" in zh and "Usage" not in zh
    en = _usage(EN, "build", "--data", tmp_path, "-o", tmp_path / "x.xlsx")
    assert f"Error: Invalid value for '--data': File '{tmp_path}' is a directory." in en and "Usage:" in en
    en = _usage(EN, "serve", "--store", tmp_path)
    assert "is a directory" in en and "文件夹" not in en


def test_a_file_where_a_folder_is_wanted(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    zh = _usage(ZH, "build", "--roster", tmp_path / "a.txt", "--prior-dir", tmp_path / "a.txt", "-o", tmp_path)
    assert f"--prior-dir 应为文件夹，而 {tmp_path / 'a.txt'} 是文件" in zh
    assert "is a file" in _usage(EN, "build", "--roster", tmp_path / "a.txt", "--prior-dir", tmp_path / "a.txt",
                                 "-o", tmp_path)


def test_a_path_that_does_not_exist(tmp_path: Path) -> None:
    zh = _usage(ZH, "build", "--roster", tmp_path / "名单.xlsx", "-o", tmp_path)
    assert f"--roster：找不到文件或文件夹 {tmp_path / '名单.xlsx'}" in zh
    assert "does not exist" in _usage(EN, "build", "--roster", tmp_path / "名单.xlsx", "-o", tmp_path)


def test_a_file_that_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root (the test machine) every file is readable: click's own test of access is told otherwise."""
    data = tmp_path / "数据.json"
    data.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(os, "access", lambda *_a, **_k: False)
    zh = _usage(ZH, "build", "--data", data, "-o", tmp_path / "x.xlsx")
    assert f"--data：没有权限读取 {data}" in zh
    assert "is not readable" in _usage(EN, "build", "--data", data, "-o", tmp_path / "x.xlsx")


@pytest.mark.parametrize(("kind", "zh"), [
    ({"exists": True}, "--x：找不到文件或文件夹 {path}"),
    ({"dir_okay": False}, "--x 应为文件，而 {path} 是文件夹"),
    ({"file_okay": False}, "--x 应为文件夹，而 {path} 是文件"),
    ({"readable": True}, "--x：没有权限读取 {path}"),
    ({"writable": True, "readable": False}, "--x：没有权限写入 {path}"),
    ({"executable": True, "readable": False}, "--x：{path} 不能运行"),
])
def test_every_kind_of_path_problem(kind: dict[str, Any], zh: str, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """click.Path's own English message for each kind, put into Chinese (a Windows path's backslashes
    as typed, not doubled as click's repr shows them)."""
    folder = tmp_path / "C:\\报送\\甲"
    folder.mkdir()
    target = {"exists": tmp_path / "无.xlsx", "dir_okay": folder, "file_okay": tmp_path / "f.txt"}.get(
        next(iter(kind)), tmp_path / "f.txt")
    (tmp_path / "f.txt").write_text("x", encoding="utf-8")
    monkeypatch.setattr(os, "access", lambda *_a, **_k: False)
    with pytest.raises(click.BadParameter) as raised:
        click.Path(**kind).convert(str(target), None, None)
    assert words._path_problem("--x", raised.value.message) == zh.format(path=target)


def test_more_of_clicks_usage_errors_in_chinese(tmp_path: Path) -> None:
    zh = _usage(ZH, "serve", "--port", "0")
    assert "--port 应为 1 到 65535 之间的整数，不是“0”" in zh
    assert "not in the range" in _usage(EN, "serve", "--port", "0")
    zh = _usage(ZH, "check", "--no-progress=1", tmp_path)
    assert "选项 --no-progress 后面不带值" in zh and "does not take" not in zh
    out = tmp_path / "我的"  # `build -o 我的 文件.xlsx`: a path with a space, not quoted
    zh = _usage(ZH, "build", "-o", out, "年度", "报告.xlsx")
    assert "多余的参数：年度 报告.xlsx（路径中有空格时，请给整个路径加上英文双引号）" in zh
    assert "Got unexpected extra arguments (年度 报告.xlsx)" in _usage(EN, "build", "-o", out, "年度", "报告.xlsx")


@pytest.mark.parametrize("env", [ZH, EN], ids=["zh", "en"])
def test_the_group_alone_shows_its_help(env: dict[str, str]) -> None:
    """Not “用法错误：<the whole help>” (click 8.2 raises the help as a usage error)."""
    result = _invoke(env=env)
    assert result.output.startswith("用法：" if env is ZH else "Usage:") and "用法错误" not in result.output
    assert "check" in result.output and "查看用法" not in result.output



@pytest.mark.parametrize("name", COMMANDS)
def test_no_stray_space_where_a_chinese_docstring_line_was_broken(name: str) -> None:
    """A docstring line ending in “，” or a character, continued on the next line, reads as one sentence:
    `export --help` said “每个文件先经检查， 每个文件一行”."""
    out = re.sub(r"\n\s+", "", _invoke(name, "--help").output)  # the help's own wrapping undone
    lines = [line.strip() for line in (cli.main.commands[name].help or "").splitlines()]
    pairs = [a[-1] + b[0] for a, b in zip(lines, lines[1:], strict=False)
             if a and b and display_width(a[-1]) == 2 and display_width(b[0]) == 2]
    assert all(pair in out for pair in pairs), [pair for pair in pairs if pair not in out]
