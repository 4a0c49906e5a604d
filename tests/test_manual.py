"""The Chinese manual's commands run as written (docs/zh/操作手册.md, docs/zh/填报说明.md).

Every ```bat block of the manual is read line by line (tests/manual_folder.py `steps`): a line starting with
`workbook-builder` is run, in the manual's order, in a working folder prepared as the manual describes it
(名单.xlsx, 上年/, 交回/, 交回.zip, 已发布/), with the exit code the `rem 退出码 N` line before it names, and
every file or folder it is told to write (-o, --summary, --html, --annotate, --feedback, --store) must exist
afterwards. `workbook-builder serve` is started and stopped once it says it is up. Lines that install or
move about (`py -m pip …`, `cd …`, `echo %errorlevel%`) are shown to the reader and not run; any other line
makes the test fail, so no command of the manual goes untested.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.batch_helpers import ROOT, run_cli
from tests.manual_folder import MANUAL, Step, classify, prepare, serve_briefly, steps, windows_args, yaml_block
from workbook_builder.findings.catalogue import CATALOGUE

DOCS = ROOT / "docs" / "zh"
FILL_GUIDE = DOCS / "填报说明.md"


def manual_steps() -> list[Step]:
    return steps(MANUAL.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the rule that picks the lines to run


@pytest.mark.parametrize("line", [
    "workbook-builder check 交回", "workbook-builder --version", "  workbook-builder build -o 下发  ",
    "workbook-builder export 交回 -o 明细.xlsx",
])
def test_the_tools_lines_are_run(line: str) -> None:
    assert classify(line) == "run"


@pytest.mark.parametrize("line", [
    "py -m pip install --no-index --find-links wheels workbook-builder", "pip install workbook-builder",
    "cd /d D:\\年报\\2025", "echo %errorlevel%", "dir 交回",
])
def test_install_and_shell_lines_are_not_run(line: str) -> None:
    assert classify(line) == "skip"


def test_serve_comments_and_unknown_lines() -> None:
    assert classify("workbook-builder serve") == "serve"
    assert classify("rem 退出码 1") == "comment"
    assert classify("REM 说明") == "comment"
    assert classify("   ") == "blank"
    for line in ("copy 交回\\*.xlsx 备份", "workbook-builderx check", "python -m workbook_builder check 交回",
                 "del 交回\\旧.xlsx"):
        with pytest.raises(ValueError):
            classify(line)


def test_a_pip_line_naming_the_tool_is_still_skipped_and_the_tool_line_after_it_is_run() -> None:
    text = ("```bat\npy -m pip install workbook-builder\nrem 退出码 0\nworkbook-builder --version\n```\n\n"
            "![x](images/console-x.png)\n")
    got = steps(text)
    assert [(s.kind, s.exit_code) for s in got] == [("skip", None), ("comment", None), ("run", 0)]
    assert got[2].args == ["--version"] and got[2].image == "console-x.png"


def test_windows_paths_and_quotes() -> None:
    assert windows_args('workbook-builder check 交回\\新 --roster "名单 2025.xlsx"') == [
        "check", "交回/新", "--roster", "名单 2025.xlsx"]
    step = Step(0, "", "run", args=["check", "交回", "--summary", "s.xlsx", "--html", "r.html", "-o", "x"])
    assert step.outputs == ["s.xlsx", "r.html", "x"]


def test_an_exit_code_is_for_the_next_command_only() -> None:
    got = [s for s in steps("```bat\nrem 退出码 1\nworkbook-builder check a\nworkbook-builder check b\n```\n")
           if s.kind == "run"]
    assert [s.exit_code for s in got] == [1, None]


# ---------------------------------------------------------------- the manual itself


def test_every_command_of_the_manual_says_its_exit_code() -> None:
    runs = [s for s in manual_steps() if s.kind == "run"]
    assert len(runs) >= 15
    assert not [s.line for s in runs if s.exit_code is None]
    assert not [s.line for s in runs if "\\" in s.line and "/" in s.line], "mixed path separators"


def test_the_fill_guide_has_no_command_the_test_would_not_run() -> None:
    assert not [s for s in steps(FILL_GUIDE.read_text(encoding="utf-8")) if s.kind in ("run", "serve")]


def test_the_manual_covers_the_auditors_year() -> None:
    lines = " ".join(s.line for s in manual_steps())
    for command in ("build --roster 名单.xlsx", "check 交回 --summary 检查汇总.xlsx --html 检查报告.html --roster 名单.xlsx",
                    "check 交回.zip", "check 交回 --feedback 反馈 --roster 名单.xlsx", "export 交回 -o 明细.xlsx",
                    "aggregate 交回 -o 汇总.xlsx --latest", "publish", "--prior 上年", "--store", "import",
                    "serve"):
        assert command in lines, command


def test_every_full_command_in_the_prose_is_also_run() -> None:
    """A command written out in the text (`workbook-builder export 交回 -o 明细.csv`) is one of the blocks' lines:
    only command names (`workbook-builder check`) and elided forms (`check … --feedback`) may stand alone."""
    run = {" ".join(s.line.split()) for s in manual_steps() if s.kind in ("run", "serve")}
    for page in (MANUAL, FILL_GUIDE):
        for span in re.findall(r"`(workbook-builder [^`]+)`", page.read_text(encoding="utf-8")):
            if len(span.split()) > 2 and "…" not in span:
                assert " ".join(span.split()) in run, f"{page.name}: `{span}` is not run by the test"


def test_the_code_table_says_what_the_catalogue_says() -> None:
    text = MANUAL.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z-]+)` \| ([^|]+) \|$", text, re.M)
    assert len(rows) >= 10
    codes = {str(code): entry for code, entry in CATALOGUE.items()}
    for code, meaning in rows:
        assert code in codes, code
        assert meaning.strip() == codes[code].zh, code


@pytest.mark.parametrize("page", [MANUAL, FILL_GUIDE], ids=lambda p: p.name)
def test_links_and_images_exist(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    assert targets
    for target in targets:
        if target.startswith("http"):
            continue
        path = (page.parent / target).resolve()
        assert path.exists(), f"{page.name} links {target}, which does not exist"
        if target.endswith(".png"):
            assert path.read_bytes().startswith(b"\x89PNG"), target


def test_each_published_format_of_the_manual_has_a_screenshot() -> None:
    """The manual publishes Word and web pages (`--format docx,html`): the reader sees each as it comes out."""
    text = MANUAL.read_text(encoding="utf-8")
    formats = {f for found in re.findall(r"publish [^\n]*--format ([a-z,]+)", text) for f in found.split(",")}
    assert {"docx", "html"} <= formats
    for fmt in formats - {"pdf"}:  # pdf needs LibreOffice; the manual only mentions it
        assert f"](images/published-{fmt}.png)" in text, f"no screenshot of the published .{fmt}"


# what each output of the manual's commands looks like: the screenshots the manual or the fill guide shows of it
OUTPUT_SHOTS = {
    "下发": ["workbook-cover.png", "workbook-requests.png"],  # the workbooks, in 填报说明
    "明年下发": ["workbook-cover.png"],
    "检查汇总.xlsx": ["check-summary.png"],
    "检查报告.html": ["check-report.png"],
    "批注": ["annotated.png"],
    "反馈": ["feedback-sheet.png", "mail-merge.png"],
    "明细.xlsx": ["detail.png"],
    "明细.csv": ["detail.png"],  # the same table, as text
    "汇总.xlsx": ["rollup.png"],
    "发布": ["published-docx.png", "published-html.png"],
    "各单位报告": ["published-docx.png"],
    "城关镇核对.xlsx": ["imported.png"],
    "年报.sqlite": [],  # a data file the tool reads again, not opened by the auditor
}


def test_every_output_of_the_manuals_commands_has_a_screenshot() -> None:
    shown = "".join(page.read_text(encoding="utf-8") for page in (MANUAL, FILL_GUIDE))
    outputs = {out for step in manual_steps() if step.kind == "run" for out in step.outputs}
    assert outputs == set(OUTPUT_SHOTS), "a new output of the manual: say which screenshot shows it"
    for out, images in OUTPUT_SHOTS.items():
        for image in images:
            assert f"](images/{image})" in shown, f"{out}: no screenshot {image}"


# ---------------------------------------------------------------- running the commands


def test_the_manuals_commands_run_as_written(tmp_path: Path) -> None:
    folder = prepare(tmp_path / "2025")
    (folder / "汇总信息.yaml").write_text(yaml_block(MANUAL.read_text(encoding="utf-8")), encoding="utf-8")
    failures = []
    for step in manual_steps():
        if step.kind == "serve":
            said = serve_briefly(folder, step.args)
            assert "工作台已启动：http://127.0.0.1:" in said, said
            continue
        if step.kind != "run":
            continue
        done = run_cli(*step.args, cwd=folder)
        if done.returncode != step.exit_code:
            failures.append(f"{step.line}: exit {done.returncode}, the manual says {step.exit_code}\n"
                            f"{done.stdout[-1500:]}{done.stderr[-1500:]}")
        missing = [out for out in step.outputs if not (folder / out).exists()]
        if missing:
            failures.append(f"{step.line}: did not write {missing}")
    # the files and folders the text names by their path (`下发\示例县城关镇.xlsx`) are there after the run
    named = re.findall(r"`([^`:\n]+\\[^`\n]*)`", MANUAL.read_text(encoding="utf-8"))
    assert len(named) >= 3
    failures += [f"the manual names {path}, which no command wrote" for path in named
                 if not (folder / path.replace("\\", "/")).exists()]
    assert not failures, "\n\n".join(failures)


# ---------------------------------------------------------------- the screenshot script's console


def test_the_console_wraps_by_display_width() -> None:
    from tests.render_manual_screenshots import width, wrap

    assert width("交回/a.xlsx") == 2 * 2 + 7
    rows = wrap("共检查 6 个文件：" + "通" * 100, columns=20)
    assert all(width(r) <= 20 for r in rows)
    assert "".join(rows) == "共检查 6 个文件：" + "通" * 100
    assert wrap("", 10) == [""]


def test_each_console_screenshot_belongs_to_the_block_above_it() -> None:
    runs = [s for s in manual_steps() if s.kind in ("run", "serve")]
    by_image: dict[str, set[int]] = {}
    for step in runs:
        if step.image:
            by_image.setdefault(step.image, set()).add(step.block)
    assert all(len(blocks) == 1 for blocks in by_image.values()), by_image
    text = MANUAL.read_text(encoding="utf-8")
    assert set(by_image) == set(re.findall(r"images/(console-[^)]+\.png)", text))
