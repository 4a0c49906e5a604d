"""Command line: a thin skin over `api`.

Exit codes (docs/cli.md): 0 no errors; 1 errors found (check) or files left out (aggregate); 2 usage
error, or an output that could not be written; 3 an internal error (a bug of ours, also a file the
checker failed on); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__, api
from .errors import UsageError
from .outfile import describe_os_error
from .progress import Progress
from .textsafe import clean_lines, clean_text, display_path, display_width, wrap_display

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
DEBUG_ENV = "WORKBOOK_BUILDER_DEBUG"  # set (to anything but 0) to see the traceback of an internal error
LANG_ENV = "WORKBOOK_BUILDER_LANG"  # zh or en: the language of click's own words (Usage, Options, errors)
TEMPLATE_HELP = "模板：内置模板 ID 或 YAML 文件路径（默认 gov_info_disclosure_2021）。"
# encodings that carry every character: anything else (GBK on a Chinese Windows console) gets ASCII JSON
_UNICODE_ENCODINGS = {"utf-8", "utf-16", "utf-32", "gb18030", "utf-8-sig"}


def _fail(message: str) -> NoReturn:
    # a usage or write error may name a path the user gave (undecodable bytes) or a unit's text
    click.echo(clean_lines(message), err=True)
    sys.exit(EXIT_USAGE)


def _safe_streams() -> None:
    """stdout and stderr never fail on a character their encoding lacks (a GBK console, a file name's
    undecodable byte): it is shown as an escape (`\\u203a`) instead of stopping the output midway."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(Exception):  # a replaced stream (a test runner's) may refuse
                reconfigure(errors="backslashreplace")


def _carries_unicode(stream: Any) -> bool:
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name in _UNICODE_ENCODINGS
    except LookupError:
        return False


def _emit(text: str) -> str | None:
    """Print the command's result on stdout; the reason when stdout cannot be written (a full disk).
    A closed pipe (`| head`) is left to click, which ends quietly."""
    try:
        click.echo(text)
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise
        return describe_os_error(exc)
    return None


def _no_empty_path(paths: tuple[str, ...]) -> None:
    """An empty argument (an unset shell variable: `check "$DIR"`) would mean the current folder and
    check or import everything in it: refused as a usage error instead."""
    if any(not p.strip() for p in paths):
        _fail("路径不能为空（是否引用了一个没有赋值的变量？）")


def _interrupted() -> NoReturn:
    click.echo("\n已中断。" if ui_language() == "zh" else "\nAborted!", err=True)
    sys.exit(EXIT_INTERRUPTED)


def _bug(exc: BaseException) -> str:
    """An exception of ours in one line: its type and message, made safe to print."""
    return f"{clean_text(type(exc).__name__)}: {clean_text(exc)}"


def _internal_error(exc: BaseException) -> NoReturn:
    """A bug of ours: one Chinese line (what and where) on stderr, the traceback only when asked for."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"（{Path(frames[-1].filename).name} 第 {frames[-1].lineno} 行）" if frames else ""
    if os.environ.get(DEBUG_ENV, "0") not in ("", "0"):
        traceback.print_exception(exc, file=sys.stderr)
    else:
        where += f"；设置环境变量 {DEBUG_ENV}=1 再运行可看到完整的出错位置"
    click.echo(f"内部错误：{_bug(exc)}{where}。请把此信息报告给维护者。", err=True)
    sys.exit(EXIT_INTERNAL)


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


# ---------------------------------------------------------------- click's own words: language and width


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


# click measures text with len(): a Chinese character counts one column and takes two, so its help
# came out up to twice too wide and wrapped mid-line on an 80-column console. This formatter wraps
# by display width (textsafe.wrap_display). “ ” and the like count two columns: a Chinese Windows
# console (GBK) draws them that wide.
_AMBIGUOUS = 2
_HEADINGS_ZH = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
# what click adds after an option's help: "  [default: text]", "  [required]", "[default: 8765; 1<=x<=65535]"
_EXTRA = re.compile(r"\s+\[([^\[\]]*)\]$")
_EXTRA_ZH = (("default: ", "默认："), ("required", "必填"), ("env var: ", "环境变量："), ("; ", "；"))


def _extra_zh(help_text: str) -> str:
    """click's bracketed note after an option's help in Chinese: “［默认：text］”, “［必填］”."""
    found = _EXTRA.search(help_text)
    if found is None:
        return help_text
    note = found.group(1)
    for english, chinese in _EXTRA_ZH:
        note = note.replace(english, chinese)
    head = help_text[:found.start()]
    return f"{head}{'' if head and display_width(head[-1]) == 2 else ' '}［{note}］"  # no space after “。”


class _Formatter(click.HelpFormatter):
    """click's help formatter, measuring in display columns, with its words in Chinese where the
    user reads Chinese (用法：, 选项：, 命令：)."""

    def __init__(self, indent_increment: int = 2, width: int | None = None, max_width: int | None = None):
        super().__init__(indent_increment, width, max_width)
        self.zh = ui_language() == "zh"

    def _width(self, text: str) -> int:
        return display_width(text, _AMBIGUOUS)

    def _wrap(self, text: str, width: int, first: str = "", rest: str = "") -> list[str]:
        """`text` (paragraphs apart by blank lines; a paragraph after a line of `\\b` kept as it is,
        as click does) wrapped to `width` columns."""
        out: list[str] = []
        for block in re.split(r"\n\s*\n", text.expandtabs().strip("\n")):
            lines = block.splitlines()
            if lines and lines[0].strip() == "\b":
                out += [first + line for line in lines[1:]]
            else:
                extra = " " * (len(lines[0]) - len(lines[0].lstrip())) if lines else ""
                out += wrap_display(" ".join(lines), width, first + extra, rest + extra, _AMBIGUOUS)
            out.append("")
        return out[:-1]

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = "用法：" if self.zh else "Usage: "
        head = f"{prefix:>{self.current_indent}}{prog} "
        if not args:
            self.write(head.rstrip(" ") + "\n")
            return
        if self.width - self.current_indent >= self._width(head) + 20:
            lines = wrap_display(args, self.width, head, " " * self._width(head), _AMBIGUOUS)
        else:
            indent = " " * (max(self.current_indent, self._width(prefix)) + 4)
            lines = [head.rstrip(" "), *wrap_display(args, self.width, indent, indent, _AMBIGUOUS)]
        self.write("\n".join(lines) + "\n")

    def write_heading(self, heading: str) -> None:
        if self.zh:
            self.write(f"{'':>{self.current_indent}}{_HEADINGS_ZH.get(heading, heading)}：\n")
        else:
            super().write_heading(heading)

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write("\n".join(self._wrap(text, self.width, indent, indent)) + "\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(first, second) for first, second, *_ in (tuple(r) + ("",) for r in rows)]
        first_col = min(max((self._width(first) for first, _ in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if self._width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - self._width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = self._wrap(_extra_zh(second) if self.zh else second,
                               max(self.width - first_col - self.current_indent, 10))
            pad = " " * (first_col + self.current_indent)
            self.write("\n".join([lines[0], *(pad + line if line else "" for line in lines[1:])]) + "\n")


class _Context(click.Context):
    formatter_class = _Formatter


def _help_words() -> str:
    return "显示本帮助并退出。" if ui_language() == "zh" else "Show this message and exit."


class _Command(click.Command):
    """A command whose -h/--help says what it does in the user's language, and whose help is wrapped
    by display width."""

    context_class = _Context

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _help_words()
        return option


# `workbook-builder` alone: click (8.2+) shows the help as a usage error; it is not one of ours to word
_NO_ARGS: tuple[type[Exception], ...] = tuple(
    c for c in [getattr(click.exceptions, "NoArgsIsHelpError", None)] if isinstance(c, type))


class _Main(click.Group):
    """The command group with the package's own endings: Ctrl-C (and click's Abort) exits 130 with
    “已中断。” (“Aborted!” for an English user; click exits 1), a usage error is worded in Chinese for
    a Chinese user (`ui_language`), and an unexpected exception exits 3, never 1 ("errors found")."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        _safe_streams()
        return super().main(*args, **kwargs)

    command_class = _Command
    context_class = _Context

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _help_words()
        return option

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command with its whole first paragraph (click cuts it by character count, which for
        Chinese is half the room it takes; our formatter wraps it instead)."""
        rows = [(name, cmd.get_short_help_str(10_000)) for name in self.list_commands(ctx)
                if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:  # the group's own options (`workbook-builder --bogus`) are parsed here, before invoke
            return super().make_context(info_name, args, parent, **extra)
        except (KeyboardInterrupt, click.exceptions.Abort):
            _interrupted()
        except click.exceptions.UsageError as exc:
            if ui_language() != "zh" or isinstance(exc, _NO_ARGS):
                raise  # click's own English words; or the help, for the command given without arguments
            click.echo(_usage_zh(exc), err=True)
            sys.exit(EXIT_USAGE)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, click.exceptions.Abort):  # click would say "Aborted!" and exit 1
            _interrupted()
        except click.exceptions.UsageError as exc:
            if ui_language() != "zh":
                raise  # click's own English words
            # click words these in English; for a Chinese user the messages of exit code 2 are Chinese (docs/cli.md)
            click.echo(_usage_zh(exc), err=True)
            sys.exit(EXIT_USAGE)
        except click.exceptions.ClickException as exc:
            if ui_language() != "zh":
                raise
            click.echo(clean_lines(f"错误：{exc.format_message()}"), err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Exit:
            raise
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # click ends quietly on a closed pipe
            _internal_error(exc)
        except Exception as exc:
            _internal_error(exc)


@contextlib.contextmanager
def _progress(show: bool, label: str = "检查") -> Iterator[Callable[..., None] | None]:
    """The `progress` callback for the API: a bar on stderr when `show`, cleared when the work ends."""
    bar = Progress(label=label) if show else None
    try:
        yield bar.update if bar else None
    finally:
        if bar is not None:
            bar.close()


@contextlib.contextmanager
def _bar(show: bool, label: str) -> Iterator[Progress | None]:
    """A bar on stderr when `show`, for a command with stages (reading, then writing), cleared at the end."""
    bar = Progress(label=label) if show else None
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()


QUIET_HELP = "只列出未通过的文件（及其问题）和总计，通过的文件不列出（仅对文本输出）。"


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """`--version`: click's line (“workbook-builder, version 1.0”) in the user's language."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"workbook-builder 版本 {__version__}" if ui_language() == "zh" else
               f"workbook-builder, version {__version__}")
    ctx.exit()


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="显示版本号并退出。")
def main() -> None:
    """政府信息公开工作年度报告：生成锁定的填报工作簿，检查交回的工作簿，并由检查通过的工作簿生成要发布的年度报告。

    Build locked annual-report workbooks from a template, check the returned ones, and publish the
    report document from a checked workbook.
    """


_YEAR_FROM = {"given": "", "prior": "（未指定 --year，取上年工作簿的年度加 1）",
              "last-year": "（未指定 --year，取上一年度）", "this-year": "（未指定 --year，11—12 月取本年度）"}


@main.command()
@click.option("-t", "--template", default=None, metavar="TEMPLATE", help=TEMPLATE_HELP)
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="输出的 .xlsx 文件；与 --roster 一起用时为输出文件夹。")
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="预填数据（.json/.yaml，键为数据点 ID，如 requests.carried_over.person）。")
@click.option("--password", default=None, help="工作表保护密码（默认取模板中的 password：内置模板 2021 格式为 gkb2021，2019 格式为 gkb2019）。")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="单位名单（.xlsx 或 .csv）：为每个单位各生成一个工作簿，已填好单位名称。")
@click.option("--prior-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="上年交回的工作簿所在文件夹：按单位名称匹配，预填“上年结转”等结转数据。")
@click.option("--year", type=int, default=None, help="报告年度（与 --roster 一起用；默认为上年工作簿的年度加 1，没有上年工作簿时为上一年，11—12 月为今年）。")
@click.option("--jobs", type=int, default=None, help="读取上年工作簿时的并行进程数（默认为 CPU 核数）。")
@click.option("--store", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="数据文件（check --store 记下的检查结果，如 年报.sqlite）：上年结转取自各单位上年的当前报送，不必再给上年的文件夹。")
@click.option("--progress/--no-progress", default=None, help="与 --roster 一起用时显示进度条（默认：仅在终端时显示）。")
def build(template: str | None, output: Path, data: Path | None, password: str | None, roster: Path | None,
          prior_dir: Path | None, year: int | None, jobs: int | None, store: Path | None,
          progress: bool | None) -> None:
    """生成填报工作簿（可预填数据，或按名单每个单位生成一个）。 Build workbooks."""
    if (prior_dir or year or store) and not roster:
        _fail("--prior-dir、--store 和 --year 只能与 --roster 一起使用")
    if roster and data:
        _fail("--roster 与 --data 不能同时使用")
    if not roster and output.suffix.lower() != ".xlsx":
        _fail(f"输出文件应以 .xlsx 结尾（Excel、WPS 和 LibreOffice 按扩展名识别格式）：{output}")
    try:
        if roster:
            with _bar(progress if progress is not None else Progress.wanted(), "读取上年") as bar:
                def tick(done: int, total: int, item: object) -> None:
                    if bar is not None:  # last year's files are read first (results), then one workbook per unit
                        if isinstance(item, dict) and bar.label != "下发":
                            bar.stage("下发")
                        bar.update(done, total)

                records = api.build_for_roster(roster, output, template, prior_dir, year, password, jobs, store=store,
                                               progress=tick if bar is not None else None)
            if records and records[0]["year"] is not None:
                click.echo(f"报告年度：{records[0]['year']}{_YEAR_FROM[records[0]['year_from']]}")
            for r in records:
                note = ("（未找到上年工作簿）" if prior_dir or store else "") if not r["prior"] else (
                    f"（上年结转取自 {r['prior_store']}：{display_path(r['prior'])}）" if r["prior_store"]
                    else f"（上年结转取自 {display_path(r['prior'])}）")
                click.echo(f"已生成 {display_path(r['path'])}{note}")
                if r["prior_choice"] is not None:  # a draft and a final of last year: say which carried over
                    click.echo(clean_text(f"  注意：{r['prior_choice'].message('zh')}"))
            click.echo(f"共生成 {len(records)} 个工作簿。")
            return
        path = api.build_file(output, template, data, password)
    except UsageError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"无法写出工作簿 {display_path(output)}：{describe_os_error(exc)}")
    click.echo(f"已生成 {display_path(path)}")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写出明细表（.xlsx 或 .csv）：每个文件一行，每个数据点一列；不给时把一个工作簿的数据以 JSON 输出。")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True,
              help="不给 -o 时的输出格式。")
@click.option("-t", "--template", default=None, help="按指定模板读取（默认从文件属性识别）。")
@click.option("-j", "--jobs", type=int, default=None, help="写明细表时的并行进程数（默认为 CPU 核数）。")
@click.option("--progress/--no-progress", default=None, help="写明细表时显示进度条（默认：仅在终端时显示）。")
def export(paths: tuple[str, ...], output: Path | None, fmt: str, template: str | None, jobs: int | None,
           progress: bool | None) -> None:
    """导出数据：一个工作簿的数据（JSON），或多个文件的明细表（-o）。 Export values, or a detail table.

    给 -o 明细.xlsx（或 .csv）时，文件、文件夹、通配符和压缩包的取法与 check 相同：每个文件先经检查，
    每个文件一行（单位、年度、状态、错误数、警告数、文件），每个数据点一列（两行表头：表和行、列）。
    填写无效的数字和由它算出的合计留空，所填内容列在最后一列。

    退出码：0 导出成功且全部通过；1 已导出，但有文件未通过或无法读取；2 用法错误或无法写出。
    """
    _no_empty_path(paths)
    if output is not None:
        _export_detail(paths, output, template, jobs, progress)
        return
    file = Path(paths[0])
    # a file named 甲镇[终稿].xlsx is a file, not a glob
    if len(paths) != 1 or file.is_dir() or (not file.is_file() and any(ch in paths[0] for ch in "*?[")):
        _fail("不给 -o 时只能导出一个工作簿（JSON）；要导出多个文件或文件夹，请用 -o 明细.xlsx 或 -o 明细.csv 写出明细表")
    if not file.exists():
        _fail(f"找不到文件：{display_path(file)}")
    try:
        result = api.export(file, template)
    except UsageError as exc:
        _fail(str(exc))
    problem = _emit(json.dumps(result, ensure_ascii=not _carries_unicode(sys.stdout), indent=2))
    if problem is not None:
        _fail(f"无法输出导出结果（标准输出）：{problem}")


def _export_detail(paths: tuple[str, ...], output: Path, template: str | None, jobs: int | None,
                   progress: bool | None) -> None:
    """`export PATHS… -o 明细.xlsx`: the detail table, a line per file that did not pass, the totals."""
    try:
        with _progress(progress if progress is not None else Progress.wanted()) as update:
            result = api.export_detail(list(paths), output, template=template, jobs=jobs, progress=update)
    except UsageError as exc:
        _fail(str(exc))
    for r in result.run.files:  # the rows that are not 通过, as the table's 状态 column says
        state = "无法读取" if api.is_unreadable(r) else ("未通过" if not r.valid else "")
        if state:
            click.echo(clean_text(f"  {state}  {r.unit or Path(r.path).name}（{display_path(r.path)}）"))
    counts = "，".join(f"{k} {v}" for k, v in result.counts.items())
    click.echo(f"已写出明细表 {display_path(result.path)}：共 {result.rows} 个文件（{counts}）")
    if any(f.code == "checker-error" for r in result.run.files for f in r.findings):
        click.echo("检查程序在部分文件上出错（checker-error），这些文件未能完成检查。请把检查结果报告给维护者。", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_OK if result.all_passed else EXIT_FINDINGS)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-t", "--template", default=None,
              help="强制使用的模板（内置 ID 或 YAML 路径）；默认工作簿从文件属性识别，已发布的报告按其标签认出 2021 年或 2019 年格式。")
@click.option("--prior", type=click.Path(exists=True, path_type=Path), default=None,
              help="上年的工作簿或已发布的报告，或它们所在的文件夹（按单位名称和年度匹配），用于跨年度核对。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="输出格式。")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="消息语言。")
@click.option("--select", "select_codes", default="", help="只报告这些代码（逗号分隔，可用前缀）。")
@click.option("--ignore", "ignore_codes", default="", help="不报告这些代码（逗号分隔，可用前缀）。")
@click.option("-j", "--jobs", type=int, default=None, help="并行进程数（默认为 CPU 核数）。")
@click.option("--summary", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写出汇总表：.xlsx（汇总、问题清单、缺报与重复三张表）或 .csv。")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写出可离线打开的 HTML 检查报告。")
@click.option("--office", default=None, help="检查单位名称，写在 HTML 报告的页首（与检查日期一起）。")
@click.option("--annotate", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="为每个有问题的工作簿在此文件夹写一份带批注和标红的副本（原文件不动；已发布的报告没有工作簿可批注，不写副本）。")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="应报单位名单（.xlsx 或 .csv）：列出缺报、重复和名单外的单位。")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="数据文件（如 年报.sqlite，没有就新建）：每份检查结果连同文件本身记入其中，"
                   "并作为上年的报送用于跨年度核对（未给 --prior 时）。")
@click.option("--feedback", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="在此文件夹写出反馈材料：每个单位一个文件夹，内有反馈单（记事本可打开）和带批注的副本；"
                   "另有邮件合并表 邮件合并.csv（单位、联系人、电话、邮箱、结论和附件路径；联系人取自 --roster 名单，"
                   "名单没有时取自工作簿封面）。")
@click.option("--progress/--no-progress", default=None, help="显示进度条（默认：仅在终端且输出为文本时显示）。")
@click.option("-q", "--quiet", is_flag=True, default=False, help=QUIET_HELP)
def check(paths: tuple[str, ...], template: str | None, prior: Path | None, fmt: str, lang: str,
          select_codes: str, ignore_codes: str, jobs: int | None, summary: Path | None, html_out: Path | None,
          office: str | None, annotate: Path | None, roster: Path | None, store: Path | None,
          feedback: Path | None, progress: bool | None, quiet: bool) -> None:
    """检查交回的工作簿或已发布的年度报告（文件、文件夹或通配符；文件夹递归查找）。 Check returned workbooks and published reports.

    已发布的年度报告（文本、网页、Word、PDF）按内容识别，读出三张统计表后按同样的规则检查。

    退出码：0 没有错误；1 有错误；2 用法错误或有输出未能写出；3 内部错误（含检查程序出错的文件）；130 已中断。
    """
    from .render import json as render_json
    from .render import text as render_text

    _no_empty_path(paths)
    if summary and summary.suffix.lower() not in (".xlsx", ".csv"):
        _fail("--summary 的文件名应以 .xlsx 或 .csv 结尾")
    show_bar = progress if progress is not None else (fmt == "text" and Progress.wanted())
    try:
        opened = api.open_store(store) if store is not None else None
        with contextlib.ExitStack() as stack:
            if opened is not None:
                stack.callback(opened.close)
            tally = stack.enter_context(opened.tally()) if opened is not None else None
            try:
                with _progress(show_bar) as update:
                    run = api.check(list(paths), template=template, prior=prior, roster=roster, select=select_codes,
                                    ignore=ignore_codes, jobs=jobs, progress=update, store=opened)
            except BaseException:  # interrupted, or a worker died: what was recorded is kept, and said
                if store is not None and tally is not None and tally.total:
                    click.echo(_recorded(store, tally) + "；检查未完成，再运行一次即可补全", err=True)
                raise
    except UsageError as exc:
        _fail(str(exc))
    if store is not None and tally is not None:
        click.echo(_recorded(store, tally), err=True)
    # Every output is tried, whatever happened to the others: a summary that cannot be written must not
    # cost the annotated copies or the report on stdout. Failures are listed at the end, after the report.
    failed: list[str] = []  # outputs that could not be written (exit 2)
    broken: list[str] = []  # outputs we failed on ourselves (exit 3)

    def attempt(what: str, target: Path | None, write: Callable[[], str]) -> None:
        shown = f" {display_path(target)}" if target is not None else ""
        try:
            click.echo(write(), err=True)
        except api.OutputError as exc:
            failed.append(f"无法写出{what}{shown}：{exc.reason}")
        except UsageError as exc:
            failed.append(f"无法写出{what}{shown}：{exc}")
        except Exception as exc:  # a bug of ours in one renderer: the other outputs still go out
            broken.append(f"无法写出{what}{shown}：内部错误 {_bug(exc)}")

    def save(target: Path, what: str) -> Callable[[], str]:
        return lambda: f"已写出{what} {display_path(api.save_report(run, target, lang, office=office))}"

    for target, what in ((summary, "汇总表"), (html_out, " HTML 报告")):
        if target is not None:
            attempt(what, target, save(target, what))
    if annotate is not None:
        published = sum(1 for r in run.files if r.published)
        no_copy = f"；已发布的报告 {published} 份没有工作簿可批注，未写副本" if published else ""

        def copies() -> int:
            with _progress(show_bar, "批注") as tick:
                return len(api.annotate(run, annotate, lang, progress=tick))

        attempt("带批注的副本", annotate, lambda: f"已在 {display_path(annotate)} 写出 {copies()} 份带批注的副本{no_copy}")
    if feedback is not None:
        def write_feedback() -> str:
            with _progress(progress if progress is not None else (fmt == "text" and Progress.wanted()),
                           "反馈") as update:
                pack = api.feedback(run, feedback, roster, lang, progress=update)
            return f"已在 {display_path(feedback)} 写出反馈材料：{pack.summary()}"

        attempt("反馈材料", feedback, write_feedback)
    try:
        report = (render_json.render(run, lang, ascii_only=not _carries_unicode(sys.stdout)) if fmt == "json"
                  else render_text.render(run, lang, quiet=quiet))
    except Exception as exc:
        broken.append(f"无法输出检查结果：内部错误 {_bug(exc)}")
    else:
        problem = _emit(report)
        if problem is not None:
            failed.append(f"无法输出检查结果（标准输出）：{problem}")
    for message in failed + broken:
        click.echo(message, err=True)
    if broken:
        click.echo("以上是内部错误，请把此信息报告给维护者。", err=True)
        sys.exit(EXIT_INTERNAL)
    if failed:
        sys.exit(EXIT_USAGE)
    if any(f.code == "checker-error" for r in run.files for f in r.findings):
        click.echo("检查程序在部分文件上出错（checker-error），这些文件未能完成检查。请把检查结果报告给维护者。", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_OK if run.valid else EXIT_FINDINGS)


def _recorded(store: Path, tally: Any) -> str:
    """`已记入 年报.sqlite：5 份（新单位 3 个，重交 1 份，…）`: what `check --store` recorded."""
    parts = [f"新单位 {tally.count('new')} 个", f"重交 {tally.count('resubmitted')} 份"]
    for outcome, words in (("again", "已记入过、重新检查 {} 份"), ("unnamed", "未认出单位或年度 {} 份"),
                           ("unreadable", "无法读取 {} 份")):
        if tally.count(outcome):
            parts.append(words.format(tally.count(outcome)))
    return f"已记入 {display_path(store.name)}：{tally.total} 份（{'，'.join(parts)}）"


@main.command("aggregate")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="汇总工作簿。")
@click.option("-t", "--template", default=None, help=TEMPLATE_HELP)
@click.option("--include-invalid", is_flag=True, help="有错误的工作簿也计入汇总（其中不合格的数据不计入）。")
@click.option("--latest", is_flag=True,
              help="同一单位同一年度有多个工作簿时，只计入最新的一个（先看填报日期，再看文件修改时间），其余列为未计入。")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="应报单位名单（.xlsx 或 .csv）：汇总说明中列出名单中没有交回工作簿的单位（缺报）。")
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="汇总表的单位名称、联系人、文字部分等（.json/.yaml，键为数据点 ID）。")
@click.option("-j", "--jobs", type=int, default=None, help="并行进程数（默认为 CPU 核数）。")
@click.option("--progress/--no-progress", default=None, help="显示进度条（默认：仅在终端时显示）。")
def aggregate_command(paths: tuple[str, ...], output: Path, template: str | None, include_invalid: bool,
                      latest: bool, roster: Path | None, data: Path | None, jobs: int | None,
                      progress: bool | None) -> None:
    """把同一模板、同一年度的各单位工作簿汇总成一个工作簿（本级政府的汇总表）。 Roll up workbooks.

    可以给出文件、文件夹或 .zip 压缩包。有错误的工作簿默认不计入（退出码 1）。

    模板或年度不一致时拒绝汇总（退出码 2）；同一单位有多个工作簿时也拒绝，加 --latest 则只计入最新的一个。

    汇总工作簿的“汇总说明”表列出计入、未计入（及原因）和缺报的单位。

    汇总结果未通过勾稽检查时照常写出，并在输出和汇总工作簿的属性中说明（退出码 1）。
    """
    try:
        with _bar(progress if progress is not None else Progress.wanted(), "汇总") as bar:
            def read(done: int, total: int, *_: object) -> None:
                if bar is not None:
                    bar.update(done, total)
                    if done == total:  # the rest is one workbook: written, checked like a return, maybe again
                        bar.say(f"已读完 {total} 个工作簿，正在写出汇总工作簿…")

            result = api.aggregate(list(paths), output=output, template=template, include_invalid=include_invalid,
                                   data=data, jobs=jobs, progress=read if bar is not None else None,
                                   latest=latest, roster=roster)
    except UsageError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"无法写出汇总工作簿 {display_path(output)}：{describe_os_error(exc)}")
    click.echo(f"已汇总 {len(result.included)} 个单位，写出 {display_path(output)}：")
    for r in result.included:
        click.echo(clean_text(f"  计入  {r.unit or Path(r.path).name}（{display_path(r.path)}）"))
    for r, reason in result.excluded:
        click.echo(clean_text(f"  未计入  {r.unit or Path(r.path).name}（{display_path(r.path)}）：{reason}"))
    for unit in result.missing:
        click.echo(clean_text(f"  缺报  {unit}"))
    note = result.check_note()
    if note is not None:  # with --include-invalid, a unit's imbalance is the roll-up's
        click.echo(f"{note}。汇总工作簿已写出，但其中的数据不平衡（多半来自用 --include-invalid 计入的有错误的工作簿）：")
        for f in result.errors:
            click.echo(clean_text(f"  {f.message()}"))
    sys.exit(EXIT_OK if result.complete and note is None else EXIT_FINDINGS)


@main.command("publish")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="输出：一个 .docx、.html 或 .pdf 文件（只有一个工作簿时），或一个文件夹（每个工作簿一份，以报告标题命名）。")
@click.option("-f", "--format", "--formats", "formats", default=None, metavar="FORMATS",
              help="要生成的格式，逗号分隔：docx,html,fragment,pdf（-o 为文件时，其扩展名的格式总会生成；文件夹默认 docx）。"
                   "fragment 是供网站后台粘贴的 HTML 片段（<名称>.fragment.html）；pdf 需要 LibreOffice。")
@click.option("--draft", is_flag=True, help="有错误的工作簿也生成，每页页眉印“草稿（未通过检查）”。")
@click.option("--prior", type=click.Path(exists=True, path_type=Path), default=None,
              help="上年工作簿，或上年工作簿所在文件夹：与 check --prior 相同，先做跨年度核对（如上年结转）。")
@click.option("-t", "--template", default=None, help="强制使用的模板（内置 ID 或 YAML 路径）；默认从文件属性识别。")
@click.option("-j", "--jobs", type=int, default=None, help="并行进程数（默认为 CPU 核数）。")
@click.option("--report-format", "report_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="检查结果和生成情况的输出格式。")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="消息语言。")
@click.option("--progress/--no-progress", default=None, help="显示进度条（默认：仅在终端且输出为文本时显示）。")
@click.option("-q", "--quiet", is_flag=True, default=False,
              help="只列出未通过检查或未生成报告的文件和总计，已生成的不列出（仅对文本输出）。")
def publish_command(paths: tuple[str, ...], output: Path, formats: str | None, draft: bool, prior: Path | None,
                    template: str | None, jobs: int | None, report_format: str, lang: str,
                    progress: bool | None, quiet: bool) -> None:
    """由工作簿生成年度报告文档（Word、网页、PDF）。 Publish the report document.

    先按 check 的方式检查每个工作簿；有错误的不生成（除非 --draft），检查结果照常列出。
    生成的文档写出前先读回核对，与工作簿不一致的不写出。

    退出码：0 全部生成；1 有工作簿因检查发现错误（或读回不一致）未生成，或以草稿生成；
    2 用法错误、文档未能写出或未安装 LibreOffice（pdf）；3 内部错误；130 已中断。
    """
    from .render import json as render_json
    from .render import text as render_text

    show = progress if progress is not None else (report_format == "text" and Progress.wanted())
    try:
        with _progress(show, "生成") as update:
            run = api.publish(list(paths), output, formats=formats, draft=draft, template=template, jobs=jobs,
                              progress=update, lang=lang, prior=prior)
    except UsageError as exc:
        _fail(str(exc))
    ascii_only = not _carries_unicode(sys.stdout)
    if report_format == "json":
        doc = {"schema": "workbook-builder/publish/1",
               "check": json.loads(render_json.render(run.check, lang, ascii_only=ascii_only)), **run.as_dict()}
        report = json.dumps(doc, ensure_ascii=ascii_only, indent=2)
    else:
        lines = run.summary(lang)
        if quiet:  # summary() gives one line per file first, in order, then the counts
            lines = [line for i, line in enumerate(lines)
                     if i >= len(run.files) or not run.files[i].written or run.files[i].draft]
        report = "\n".join([render_text.render(run.check, lang, quiet=quiet), *lines])
    problem = _emit(report)
    if problem is not None:
        click.echo(f"无法输出结果（标准输出）：{problem}", err=True)
        sys.exit(max(EXIT_USAGE, run.exit_code))
    if run.exit_code == EXIT_INTERNAL:
        click.echo("生成过程中出现内部错误，请把以上信息报告给维护者。", err=True)
    sys.exit(run.exit_code)


@main.command("import")
@click.argument("paths", nargs=-1, required=True)
@click.option("--as", "as_", type=click.Choice(["json", "xlsx"]), default="json", show_default=True,
              help="-o 写出什么：json（每个数据点的值、状态和出处）或 xlsx（按模板填好的工作簿，读不准的格子留空，供核对、补全后重新报送）。")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="输出：--as json 时为一个 .json 文件；--as xlsx 时为一个 .xlsx 文件（只有一个报告时）或一个文件夹（每个报告一个工作簿，以报告标题命名）。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="屏幕上的输出格式。")
@click.option("--year", type=int, default=None, help="报告年度（默认从报告标题中认出）。")
@click.option("--unit", default=None, help="单位名称（默认从报告标题中认出）。")
@click.option("-t", "--template", default=None, metavar="TEMPLATE",
              help="按指定模板读取（内置 ID 或 YAML 路径）；默认按每个内置年度报告模板试读（2021 年和 2019 年格式），取相符的一个。")
@click.option("-j", "--jobs", type=int, default=None, help="并行进程数（默认为 CPU 核数）。")
@click.option("--progress/--no-progress", default=None, help="显示进度条（默认：仅在终端且输出为文本时显示）。")
def import_command(paths: tuple[str, ...], as_: str, output: Path | None, fmt: str, year: int | None,
                   unit: str | None, template: str | None, jobs: int | None, progress: bool | None) -> None:
    """读取已发布的年度报告（文本、网页、Word、PDF），取出三张统计表的每个数字。 Import published reports.

    文件夹中只取已发布的报告（按内容识别）。读不准的格子（含糊、空白、“/”、缺行）如实标出，从不猜测。

    退出码：0 没有错误；1 有文件发现错误（含无法读取）；2 用法错误或输出未能写出；3 内部错误；130 已中断。
    """
    from .outfile import Namer, write_atomic
    from .render import imports as render_imports

    lang = "zh"  # findings in Chinese first (the JSON carries codes and fields for programs)
    _no_empty_path(paths)
    if as_ == "xlsx" and output is None:
        _fail("--as xlsx 需要用 -o 指定输出的 .xlsx 文件或文件夹")
    if as_ == "json" and output is not None and output.suffix.lower() != ".json":
        _fail(f"--as json 的输出文件应以 .json 结尾：{display_path(output)}")
    try:
        found = api.find_reports(list(paths))
        if as_ == "xlsx" and output is not None and output.suffix.lower() == ".xlsx" and len(found.files) > 1:
            _fail(f"要导入的报告不止一个，-o 应为一个文件夹，而不是文件 {display_path(output)}")
        with _progress(progress if progress is not None else (fmt == "text" and Progress.wanted()), "导入") as update:
            # the paths again, not `found.files`: a zip's members are read while it is expanded
            results = api.import_reports(list(paths), template=template, unit=unit, year=year, jobs=jobs,
                                         progress=update)
    except UsageError as exc:
        _fail(str(exc))
    ascii_only = not _carries_unicode(sys.stdout)
    skipped = [(str(p), why) for p, why in found.skipped]
    failed: list[str] = []
    notes: list[str] = []
    if output is not None and as_ == "json":
        try:
            write_atomic(output, render_imports.render_json(results, lang, skipped=skipped).encode("utf-8"))
            notes.append(f"已写出 {display_path(output)}")
        except OSError as exc:
            failed.append(f"无法写出 {display_path(output)}：{describe_os_error(exc)}")
    elif output is not None:
        inputs = {p.resolve() for p in found.files}
        namer = Namer(suffix="（{n}）", default="报告")
        for r in results:
            if not render_imports.tables_read(r):  # an empty workbook is no help to staff
                notes.append(f"未生成工作簿：{display_path(r.path)} 没有读出统计表")
                continue
            target = output if output.suffix.lower() == ".xlsx" else output / f"{api.report_stem(r, namer=namer)}.xlsx"
            if target.resolve() in inputs:
                failed.append(f"无法写出 {display_path(target)}：它是要导入的文件之一")
                continue
            try:
                notes.append(f"已写出 {display_path(api.import_to_workbook(r, target, template=template))}")
            except api.OutputError as exc:
                failed.append(f"无法写出 {display_path(exc.path)}：{exc.reason}")
            except UsageError as exc:
                failed.append(str(exc))
    report = (render_imports.render_json(results, lang, ascii_only=ascii_only, skipped=skipped) if fmt == "json"
              else render_imports.render_text(results, lang, skipped))
    problem = _emit(report)
    if problem is not None:
        failed.append(f"无法输出导入结果（标准输出）：{problem}")
    for line in notes:
        click.echo(clean_text(line), err=True)
    for line in failed:
        click.echo(clean_lines(line), err=True)
    if failed:
        sys.exit(EXIT_USAGE)
    if any(f.code == "checker-error" for r in results for f in r.findings):
        click.echo("导入程序在部分文件上出错（checker-error），这些文件未能读完。请把结果报告给维护者。", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_FINDINGS if any(f.severity == "error" for r in results for f in r.findings) else EXIT_OK)


@main.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True,
              help="端口；已被占用时依次改用后面的端口，并说明用的是哪一个。")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听的地址。默认只有本机能打开；其他地址（如 0.0.0.0）须有口令，未给 --token 时自动生成并显示。")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="数据库文件（SQLite），保存每次检查的记录；默认为当前文件夹中的 年报.sqlite（没有就新建）。")
@click.option("--token", default=None, help="口令：打开页面和下载都要带上它（地址中的 ?token=…）。")
@click.option("--no-browser", is_flag=True, default=False, help="不自动打开浏览器。")
@click.option("-j", "--jobs", type=int, default=None, help="检查时的并行进程数（默认为 CPU 核数）。")
def serve_command(port: int, host: str, store: Path | None, token: str | None, no_browser: bool,
                  jobs: int | None) -> None:
    """打开工作台：在浏览器中下发、检查、汇总和发布（不用命令行）。 Open the desk, a local web page."""
    from .desk.serve import serve  # the web stack is loaded only by this command

    try:
        code = serve(host=host, port=port, store=store, token=token, open_browser=not no_browser, jobs=jobs)
    except UsageError as exc:
        _fail(str(exc))
    sys.exit(code)


@main.command("templates")
def list_templates() -> None:
    """列出内置模板。 List the built-in templates."""
    for t in api.list_templates():
        click.echo(f"{t['id']}\t{t['version']}\t{t['title']}")


if __name__ == "__main__":  # pragma: no cover
    main()
