"""click's own words in the user's language: which language that is (`ui_language`), and its
usage errors said in Chinese (what is wrong, then how to get help)."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Mapping

import click

from ..textsafe import clean_lines

LANG_ENV = "WORKBOOK_BUILDER_LANG"  # zh or en: the language of click's own words (Usage, Options, errors)



def ui_language(env: Mapping[str, str] | None = None) -> str:
    """`zh` or `en`: the language of click's own words (Usage/用法, Options/选项, its errors, Aborted!).
    `WORKBOOK_BUILDER_LANG` (zh, en) when set; else the locale (LC_ALL, LC_MESSAGES, LANG, in the
    order POSIX reads them; on Windows the user's display language). Chinese for zh*, and for no
    locale at all, C or POSIX (a bare server or a fresh Windows box of our users); English only for
    an explicit other language."""
    env = os.environ if env is None else env
    given = env.get(LANG_ENV, "").strip().lower()
    if given[:2] in ("zh", "en"):
        return given[:2]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            return _locale_language(value)
    if sys.platform == "win32":  # pragma: no cover - Windows has no LANG; its display language instead
        with contextlib.suppress(Exception):
            import ctypes

            lang_id = ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]
            return "zh" if lang_id & 0x3FF == 0x04 else "en"  # LANG_CHINESE, any sublanguage
    return "zh"



def _locale_language(value: str) -> str:
    code = value.split(".")[0].split("@")[0].lower()
    return "zh" if code.startswith("zh") or code in ("c", "posix") else "en"



def _quoted(message: str, after: str) -> str | None:
    """The value click quoted in its English message: `'pdf' is not one of …` → pdf."""
    found = re.search(r"'(.*)' " + re.escape(after), message)
    return found.group(1) if found else None



def _usage_problem(exc: click.exceptions.UsageError) -> str:
    """What is wrong with the command line, in Chinese (click's message kept only for a case not named here)."""
    if isinstance(exc, click.exceptions.NoSuchOption):
        guess = f"（是不是 {'、'.join(sorted(exc.possibilities))}？）" if exc.possibilities else ""
        return f"没有这个选项：{exc.option_name}{guess}"
    if isinstance(exc, click.exceptions.MissingParameter) and exc.param is not None:
        if exc.param.param_type_name == "argument":
            return f"缺少要处理的文件或文件夹（{exc.param.human_readable_name}）"
        return f"缺少选项 {exc.param.opts[0]} 的值"
    if isinstance(exc, click.exceptions.BadParameter) and exc.param is not None:
        name = exc.param.opts[0] if exc.param.opts else exc.param.human_readable_name
        kind = exc.param.type
        if isinstance(kind, click.Choice):
            given = _quoted(exc.message, "is not")
            return (f"{name} 的值{f'“{given}”' if given is not None else ''}无效，可选：" +
                    "、".join(str(c) for c in kind.choices))
        if isinstance(kind, click.IntRange) and "is not in the range" in exc.message:
            return _out_of_range(name, kind, exc.message)
        if isinstance(kind, click.types.IntParamType):
            given = _quoted(exc.message, "is not a valid integer")
            return f"{name} 应为整数{f'，不是“{given}”' if given is not None else ''}"
        path = _path_problem(name, exc.message)
        if path is not None:
            return path
        return f"{name} 的值无效：{exc.message}"
    if isinstance(exc, click.exceptions.BadOptionUsage) and "requires an argument" in exc.message:
        return f"选项 {exc.option_name} 后面要给出它的值"
    if isinstance(exc, click.exceptions.BadOptionUsage) and "does not take a value" in exc.message:
        return f"选项 {exc.option_name} 后面不带值"
    extra = re.match(r"Got unexpected extra arguments? \((.*)\)$", exc.message, re.S)
    if extra:  # on Windows mostly a path with a space, not quoted
        return f"多余的参数：{extra.group(1)}（路径中有空格时，请给整个路径加上英文双引号）"
    command = re.match(r"No such command '(.*)'", exc.message)
    if command:
        return f"没有这个命令：{command.group(1)}"
    return f"用法错误：{exc.message}"



def _out_of_range(name: str, kind: click.IntRange, message: str) -> str:
    """`--port 0` → “--port 应为 1 到 65535 之间的整数，不是“0””."""
    given = message.split(" is not in the range", 1)[0].strip("'\"")
    low = None if kind.min is None else kind.min + (1 if kind.min_open else 0)
    high = None if kind.max is None else kind.max - (1 if kind.max_open else 0)
    wanted = (f" {low} 到 {high} 之间的整数" if low is not None and high is not None
              else f"不小于 {low} 的整数" if low is not None else f"不大于 {high} 的整数")
    return f"{name} 应为{wanted}，不是“{given}”"


# click.Path's complaints (click/types.py): "{File|Directory|Path} '{name}' is a directory." and the like
_PATH_PROBLEM = re.compile(r"""^\w+ (?P<q>['"])(?P<name>.*)(?P=q) (?P<what>does not exist|is a file|is a directory|"""
                           r"is not readable|is not writable|is not executable)\.?$", re.S)


_PATH_ZH = {"does not exist": "{name}：找不到文件或文件夹 {path}",
            "is a directory": "{name} 应为文件，而 {path} 是文件夹",
            "is a file": "{name} 应为文件夹，而 {path} 是文件",
            "is not readable": "{name}：没有权限读取 {path}",
            "is not writable": "{name}：没有权限写入 {path}",
            "is not executable": "{name}：{path} 不能运行"}



def _path_problem(name: str, message: str) -> str | None:
    """click.Path's English message in Chinese, with the path as the user typed it (click shows its
    `repr`: Windows backslashes doubled)."""
    found = _PATH_PROBLEM.match(message)
    if found is None:
        return None
    import ast

    quoted = found.group("q") + found.group("name") + found.group("q")
    try:
        path = str(ast.literal_eval(quoted))
    except (ValueError, SyntaxError):
        path = found.group("name")
    return _PATH_ZH[found.group("what")].format(name=name, path=path)



def _usage_zh(exc: click.exceptions.UsageError) -> str:
    """A usage error as the other exit-2 messages are: Chinese, then how to get help."""
    where = exc.ctx.command_path if exc.ctx is not None else "workbook-builder"
    return clean_lines(f"{_usage_problem(exc)}\n查看用法：{where} --help")
