"""`workbook-builder check`: returned workbooks and published reports checked, every output tried."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import api
from ..errors import UsageError
from ..progress import Progress
from ..textsafe import display_path
from .group import main
from .shell import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    QUIET_HELP,
    _bug,
    _carries_unicode,
    _emit,
    _fail,
    _no_empty_path,
    _progress,
)


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
@click.option("--feedback", type=click.Path(file_okay=False), default=None,  # a str: "" is not "."
              help="在此文件夹写出反馈材料：每个单位一个文件夹，内有反馈单（记事本可打开）和带批注的副本；"
                   "另有邮件合并表 邮件合并.csv（单位、联系人、电话、邮箱、结论和附件路径；联系人取自 --roster 名单，"
                   "名单没有时取自工作簿封面）。")
@click.option("--progress/--no-progress", default=None, help="显示进度条（默认：仅在终端且输出为文本时显示）。")
@click.option("-q", "--quiet", is_flag=True, default=False, help=QUIET_HELP)
def check(paths: tuple[str, ...], template: str | None, prior: Path | None, fmt: str, lang: str,
          select_codes: str, ignore_codes: str, jobs: int | None, summary: Path | None, html_out: Path | None,
          office: str | None, annotate: Path | None, roster: Path | None, store: Path | None,
          feedback: str | None, progress: bool | None, quiet: bool) -> None:
    """检查交回的工作簿或已发布的年度报告（文件、文件夹或通配符；文件夹递归查找）。 Check returned workbooks and published reports.

    已发布的年度报告（文本、网页、Word、PDF）按内容识别，读出三张统计表后按同样的规则检查。

    退出码：0 没有错误；1 有错误；2 用法错误或有输出未能写出；3 内部错误（含检查程序出错的文件）；130 已中断。
    """
    from ..render import json as render_json
    from ..render import text as render_text

    _no_empty_path(paths)
    # `--feedback "$OUT"` with OUT unset: the pack would land in the current folder (often the returns)
    if feedback is not None:
        _no_empty_path((feedback,))
    feedback_dir = None if feedback is None else Path(feedback)
    for option, target in (("--summary", summary), ("--html", html_out)):  # a slip: the roster would be lost
        if target is not None and roster is not None and target.resolve() == roster.resolve():
            _fail(f"{option} {display_path(target)} 是名单文件：检查从不改写名单，请另给文件名")
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
    if feedback_dir is not None:
        def write_feedback() -> str:
            with _progress(show_bar, "反馈") as update:
                pack = api.feedback(run, feedback_dir, roster, lang, progress=update)
            return f"已在 {display_path(feedback_dir)} 写出反馈材料：{pack.summary()}"

        attempt("反馈材料", feedback_dir, write_feedback)
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
