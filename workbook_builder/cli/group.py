"""The command group `workbook-builder`: its endings (Ctrl-C, usage errors, bugs) and `--version`."""

from __future__ import annotations

import errno
import sys
from typing import Any

import click

from .. import __version__
from ..textsafe import clean_lines
from .help import _Command, _Context, _worded
from .shell import EXIT_USAGE, _internal_error, _interrupted, _safe_streams
from .words import _usage_zh, ui_language

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
        return _worded(super().get_help_option(ctx))

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
