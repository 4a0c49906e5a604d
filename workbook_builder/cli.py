"""Command line: a thin skin over `api`. Exit codes: 0 no errors, 1 errors found, 2 usage error."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__, api
from .prefill import DataError
from .spec import TemplateError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="workbook-builder")
def main() -> None:
    """政府信息公开工作年度报告：生成锁定的填报工作簿，并检查交回的工作簿。

    Build locked annual-report workbooks from a template, and check the returned ones.
    """


@main.command()
@click.option("-t", "--template", default=None, metavar="TEMPLATE",
              help="模板：内置模板 ID 或 YAML 文件路径（默认 gov_info_disclosure_2021）。")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="输出的 .xlsx 文件。")
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="预填数据（.json/.yaml，键为数据点 ID，如 requests.carried_over.person）。")
@click.option("--password", default=None, help="工作表保护密码（默认取模板中的 password，内置模板为 gkb2021）。")
def build(template: str | None, output: Path, data: Path | None, password: str | None) -> None:
    """生成填报工作簿（可预填数据）。 Build a workbook, optionally pre-filled."""
    try:
        path = api.build_file(output, template, data, password)
    except (TemplateError, DataError) as exc:
        _fail(str(exc))
    click.echo(f"已生成 {path}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True, help="输出格式。")
@click.option("-t", "--template", default=None, help="按指定模板读取（默认从文件属性识别）。")
def export(file: Path, fmt: str, template: str | None) -> None:
    """导出工作簿中每个数据点的值与单元格。 Export every data point's value and cell."""
    try:
        result = api.export(file, template)
    except (api.UnreadableWorkbook, TemplateError) as exc:
        _fail(str(exc))
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-t", "--template", default=None, help="强制使用的模板（内置 ID 或 YAML 路径）；默认从文件属性识别。")
@click.option("--prior", type=click.Path(exists=True, path_type=Path), default=None,
              help="上年工作簿，或上年工作簿所在文件夹（按单位名称和年度匹配），用于跨年度核对。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="输出格式。")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="消息语言。")
@click.option("--select", "select_codes", default="", help="只报告这些代码（逗号分隔，可用前缀）。")
@click.option("--ignore", "ignore_codes", default="", help="不报告这些代码（逗号分隔，可用前缀）。")
def check(paths: tuple[str, ...], template: str | None, prior: Path | None, fmt: str, lang: str,
          select_codes: str, ignore_codes: str) -> None:
    """检查交回的工作簿（文件、文件夹或通配符）。 Check returned workbooks.

    退出码：0 没有错误；1 有错误；2 用法错误。
    """
    from dataclasses import replace

    from .findings import select
    from .render import json as render_json
    from .render import text as render_text

    try:
        files = api.expand_paths(list(paths))
    except FileNotFoundError as exc:
        _fail(f"找不到文件或文件夹：{exc}")
    if not files:
        _fail("没有找到要检查的工作簿（.xlsx）")
    try:
        reports = api.check_files(files, template=template, prior=prior)
    except TemplateError as exc:
        _fail(str(exc))
    sel = [c.strip() for c in select_codes.split(",") if c.strip()]
    ign = [c.strip() for c in ignore_codes.split(",") if c.strip()]
    reports = [replace(r, findings=select(r.findings, sel, ign)) for r in reports]
    if fmt == "json":
        click.echo(render_json.render(reports, lang))
    else:
        for r in reports:
            click.echo(render_text.render_file(r, lang))
        click.echo(render_text.render_summary(reports, lang))
    sys.exit(EXIT_FINDINGS if any(not r.valid for r in reports) else EXIT_OK)


@main.command("templates")
def list_templates() -> None:
    """列出内置模板。 List the built-in templates."""
    for t in api.list_templates():
        click.echo(f"{t['id']}\t{t['version']}\t{t['title']}")


if __name__ == "__main__":  # pragma: no cover
    main()
