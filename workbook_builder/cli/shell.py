"""The command line's shell: exit codes, the one way each command fails, prints and shows progress.

Exit codes (docs/cli.md): 0 no errors; 1 errors found (check) or files left out (aggregate); 2 usage
error, or an output that could not be written; 3 an internal error (a bug of ours, also a file the
checker failed on); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import click

from ..outfile import describe_os_error
from ..progress import Progress
from ..textsafe import clean_lines, clean_text
from .words import ui_language

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


DEBUG_ENV = "WORKBOOK_BUILDER_DEBUG"  # set (to anything but 0) to see the traceback of an internal error


TEMPLATE_HELP = "模板：内置模板 ID 或 YAML 文件路径（默认 gov_info_disclosure_2021）。"


QUIET_HELP = "只列出未通过的文件（及其问题）和总计，通过的文件不列出（仅对文本输出）。"


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



@contextlib.contextmanager
def _bar(show: bool, label: str) -> Iterator[Progress | None]:
    """A bar on stderr when `show`, for a command with stages (reading, then writing), cleared at the end."""
    bar = Progress(label=label) if show else None
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()



@contextlib.contextmanager
def _progress(show: bool, label: str = "检查") -> Iterator[Callable[..., None] | None]:
    """The `progress` callback for the API: a bar on stderr when `show`, cleared when the work ends."""
    with _bar(show, label) as bar:
        yield bar.update if bar else None
