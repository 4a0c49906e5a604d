"""The commands besides `check`: build, export, aggregate, publish, import, serve, templates. Each is
a thin skin over one `api` function: options → api → printed result → exit code."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .. import api
from ..errors import UsageError
from ..outfile import describe_os_error
from ..progress import Progress
from ..textsafe import clean_lines, clean_text, display_path
from .group import main
from .shell import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    TEMPLATE_HELP,
    _bar,
    _carries_unicode,
    _emit,
    _fail,
    _no_empty_path,
    _progress,
)

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
    # a zip is many files, as a folder is (its members are read only by the detail table)
    many = file.is_dir() or file.suffix.lower() == ".zip"
    if len(paths) != 1 or many or (not file.is_file() and any(ch in paths[0] for ch in "*?[")):
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
        if not r.valid:
            click.echo(clean_text(f"  {api.verdict(r)}  {r.unit or Path(r.path).name}（{display_path(r.path)}）"))
    counts = "，".join(f"{k} {v}" for k, v in result.counts.items())
    click.echo(f"已写出明细表 {display_path(result.path)}：共 {result.rows} 个文件（{counts}）")
    if any(f.code == "checker-error" for r in result.run.files for f in r.findings):
        click.echo("检查程序在部分文件上出错（checker-error），这些文件未能完成检查。请把检查结果报告给维护者。", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_OK if result.all_passed else EXIT_FINDINGS)



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
                                   data=data, jobs=jobs, progress=read if bar is not None else None, latest=latest,
                                   roster=roster)
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
    from ..render import json as render_json
    from ..render import text as render_text

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
@click.option("-q", "--quiet", is_flag=True, default=False,
              help="只列出有错误（含无法读取）的文件和总计，没有错误的不列出（仅对文本输出）。")
def import_command(paths: tuple[str, ...], as_: str, output: Path | None, fmt: str, year: int | None,
                   unit: str | None, template: str | None, jobs: int | None, progress: bool | None,
                   quiet: bool) -> None:
    """读取已发布的年度报告（文本、网页、Word、PDF），取出三张统计表的每个数字。 Import published reports.

    文件夹中只取已发布的报告（按内容识别）。读不准的格子（含糊、空白、“/”、缺行）如实标出，从不猜测。

    退出码：0 没有错误；1 有文件发现错误（含无法读取）；2 用法错误或输出未能写出；3 内部错误；130 已中断。
    """
    from ..outfile import Namer, write_atomic
    from ..render import imports as render_imports

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
              else render_imports.render_text(results, lang, skipped, quiet=quiet))
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
    from ..desk.serve import serve  # the web stack is loaded only by this command

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
