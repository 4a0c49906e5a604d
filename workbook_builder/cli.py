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


@main.command("templates")
def list_templates() -> None:
    """列出内置模板。 List the built-in templates."""
    for t in api.list_templates():
        click.echo(f"{t['id']}\t{t['version']}\t{t['title']}")


if __name__ == "__main__":  # pragma: no cover
    main()
