"""The screenshots of the Chinese manuals (docs/zh/操作手册.md, docs/zh/填报说明.md), made by running them.

    python -m tests.render_manual_screenshots docs/zh/images

Prepares the working folder the manual assumes (tests/manual_folder.py), runs every command of the manual's
```bat blocks in it, in order, as tests/test_manual.py does, and photographs what each one gave:

- console-*.png: each block's commands and what they printed (stdout and stderr as a console shows them
  together), drawn as a Windows console page and screenshotted with headless Chromium;
- check-summary.png, detail.png, rollup.png, annotated.png, imported.png: the .xlsx outputs, and
  published-docx.png: the Word report, each exported to PDF by LibreOffice (headless) and one page turned into a PNG by pdftoppm,
  cropped to its content;
- check-report.png: the HTML report in Chromium, and published-html.png: the published web page; feedback-sheet.png and mail-merge.png: a 反馈单 in a
  Notepad-like page and the mail-merge CSV as a spreadsheet shows it (its absolute attachment paths, and
  the store's path `serve` prints, are shown under D:\\年报\\2025 as on the auditor's PC; nothing else is
  changed);
- workbook-cover.png, workbook-requests.png, workbook-unbalanced.png (for 填报说明): a workbook as built
  (封面, 依申请公开) and the unbalanced return's 依申请公开 with its check row saying 不平衡.

A block whose command does not exit as the manual says gets no screenshot (the run says which).
Needs /usr/bin/chromium (or $CHROMIUM), soffice, pdftoppm and pdftotext, and the CJK fonts (fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image, ImageChops  # noqa: E402

from tests.chromium_headless import find_chromium, screenshot  # noqa: E402
from tests.manual_folder import (  # noqa: E402
    MANUAL,
    UNBALANCED,
    YEAR,
    Step,
    prepare,
    serve_briefly,
    steps,
    yaml_block,
)
from tests.render_readme_image import _page_of  # noqa: E402
from workbook_builder.textsafe import display_width  # noqa: E402

REQUESTS = "三、收到和处理政府信息公开申请情况"  # the title of the sheet 依申请公开
PROMPT = "D:\\年报\\2025>"
COLUMNS = 110          # the console's width in half-width characters (a CJK character takes two)
FONT_PX = 15
LINE_PX = 21
PAD = 14
TITLE_PX = 30
DPI = 110
CONSOLE_CSS = f"""
html, body {{ margin: 0; background: #0c0c0c; }}
.title {{ height: {TITLE_PX}px; line-height: {TITLE_PX}px; background: #f0f0f0; color: #222; padding: 0 12px;
         font: 13px "Noto Sans CJK SC", sans-serif; border-bottom: 1px solid #bbb; }}
pre {{ margin: 0; padding: {PAD}px; color: #cccccc; font: {FONT_PX}px/{LINE_PX}px "Noto Sans Mono CJK SC", monospace;
      white-space: pre; }}
.cmd {{ color: #f2f2f2; }}
"""


def width(text: str) -> int:
    """Display columns of `text` in a console: East Asian wide and full-width characters take two."""
    return display_width(text)


def wrap(line: str, columns: int = COLUMNS) -> list[str]:
    """A console line broken where the console would break it (at `columns` display columns)."""
    rows, row, used = [], "", 0
    for ch in line:
        w = width(ch)
        if used + w > columns:
            rows.append(row)
            row, used = "", 0
        row += ch
        used += w
    rows.append(row)
    return rows


def console_page(session: list[tuple[str, str]], page: Path) -> int:
    """Write a console page showing each (command line, output); returns its height in pixels."""
    rows: list[str] = []
    for command, output in session:
        first = True
        for part in wrap(PROMPT + command):
            text = html.escape(part)
            rows.append(f'<span class="cmd">{text}</span>' if first or part else text)
            first = False
        for line in output.rstrip("\n").splitlines():
            rows.extend(html.escape(r) for r in wrap(line))
        rows.append("")
    rows.append(html.escape(PROMPT))
    page.write_text(
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>{CONSOLE_CSS}</style></head>'
        f'<body><div class="title">命令提示符</div><pre>{chr(10).join(rows)}</pre></body></html>',
        encoding="utf-8")
    return TITLE_PX + 1 + 2 * PAD + LINE_PX * len(rows)


NOTEPAD_CSS = f"""
html, body {{ margin: 0; background: #fff; }}
.title {{ height: {TITLE_PX}px; line-height: {TITLE_PX}px; background: #f3f3f3; color: #222; padding: 0 12px;
         font: 13px "Noto Sans CJK SC", sans-serif; border-bottom: 1px solid #ccc; }}
pre {{ margin: 0; padding: {PAD}px; color: #111; font: {FONT_PX}px/{LINE_PX}px "Noto Sans Mono CJK SC", monospace;
      white-space: pre; }}
"""
SHEET_CSS = """
html, body { margin: 0; background: #fff; }
table { border-collapse: collapse; font: 13px "Noto Sans CJK SC", sans-serif; margin: 8px; }
th, td { border: 1px solid #d4d4d4; padding: 3px 6px; white-space: nowrap; text-align: left; }
th { background: #f0f0f0; color: #444; font-weight: normal; text-align: center; }
tr:nth-child(2) td { font-weight: bold; }
"""


def notepad_page(title: str, text: str, page: Path, columns: int = 96) -> int:
    """Write a page showing a text file as Notepad does (wrapped at `columns`); returns its height."""
    rows = [html.escape(r) for line in text.lstrip("\ufeff").splitlines() for r in wrap(line, columns)]
    page.write_text(
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>{NOTEPAD_CSS}</style></head>'
        f'<body><div class="title">{html.escape(title)} - 记事本</div><pre>{chr(10).join(rows)}</pre></body></html>',
        encoding="utf-8")
    return TITLE_PX + 1 + 2 * PAD + LINE_PX * len(rows)


def sheet_page(rows: list[list[str]], page: Path) -> int:
    """Write a page showing a CSV as a spreadsheet shows it (column letters, row numbers); returns its height."""
    width = max(len(r) for r in rows)
    head = "<tr><th></th>" + "".join(f"<th>{chr(65 + i)}</th>" for i in range(width)) + "</tr>"
    body = "".join(f"<tr><th>{n}</th>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                   for n, r in enumerate(rows, 1))
    page.write_text(f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>{SHEET_CSS}</style>'
                    f'</head><body><table>{head}{body}</table></body></html>', encoding="utf-8")
    return 16 + 25 * (len(rows) + 1)


def run(step: Step, cwd: Path) -> tuple[int, str]:
    """Run one command of the manual as test_manual.py does; (exit code, stdout and stderr interleaved)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.pop("COLUMNS", None)
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr in the order a console shows them
    done = subprocess.run([sys.executable, "-m", "workbook_builder", *step.args], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, encoding="utf-8", timeout=300, check=False)
    return done.returncode, done.stdout


def crop(png: Path, margin: int = 16, footer: bool = True) -> Path:
    """Cut the white page around the content of a rendered page, and the page footer (第 1 页，共 3 页):
    the last run of printed rows when it is one short line near the bottom, apart from the content."""
    with Image.open(png) as img:
        rgb = img.convert("RGB")
    ink = ImageChops.difference(rgb, Image.new("RGB", rgb.size, "white")).convert("L").point(lambda v: 255 if v > 24 else 0)
    rows = [ink.crop((0, y, rgb.width, y + 1)).getbbox() is not None for y in range(rgb.height)]
    blocks: list[list[int]] = []
    for y, printed in enumerate(rows):
        if printed:
            if blocks and y - blocks[-1][1] <= DPI // 8:
                blocks[-1][1] = y
            else:
                blocks.append([y, y])
    if footer and len(blocks) > 1 and blocks[-1][0] > rgb.height - 1.2 * DPI and blocks[-1][1] - blocks[-1][0] < 0.35 * DPI:
        blocks.pop()
    if blocks:
        box = ink.crop((0, blocks[0][0], rgb.width, blocks[-1][1] + 1)).getbbox()
        assert box is not None
        left, right = box[0], box[2]
        top, bottom = blocks[0][0], blocks[-1][1] + 1
        rgb = rgb.crop((max(0, left - margin), max(0, top - margin),
                        min(rgb.width, right + margin), min(rgb.height, bottom + margin)))
    rgb.save(png)
    return png


def to_pdf(files: list[Path], out_dir: Path) -> dict[Path, Path]:
    """Each file as a PDF made by LibreOffice headless (one soffice for all of them)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wb-manual-lo-") as profile:
        subprocess.run(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, files)],
                       capture_output=True, timeout=600, check=True, stdin=subprocess.DEVNULL)
    pdfs = {f: out_dir / (f.stem + ".pdf") for f in files}
    missing = [f for f, pdf in pdfs.items() if not pdf.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice made no PDF of {missing}")
    return pdfs


def pdf_page(pdf: Path, out: Path, page: int | None = None, text: str | None = None) -> Path:
    """One page of a PDF (by number, or the first showing `text`) as a PNG cropped to its content."""
    number = page or (_page_of(pdf, text) if text else 1)
    prefix = out.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", str(number), "-l", str(number), "-singlefile",
                    str(pdf), str(prefix)], capture_output=True, timeout=120, check=True)
    return crop(out)


def consoles(folder: Path, out_dir: Path, browser: str) -> list[Path]:
    """Run the manual's commands in `folder` and photograph each block that has a console-*.png."""
    sessions: dict[str, list[tuple[str, str]]] = {}
    wrong: set[str] = set()
    for step in steps(MANUAL.read_text(encoding="utf-8")):
        if step.kind == "serve":
            # the store's path is shown as it is on the auditor's PC (D:\年报\2025\年报.sqlite)
            said = serve_briefly(folder, step.args).replace(str(folder) + "/", PROMPT[:-1] + "\\")
            sessions.setdefault(step.image or "", []).append((step.line, said.rstrip("\n") + "\n^C"))
            continue
        if step.kind != "run":
            continue
        code, output = run(step, folder)
        print(f"exit {code}: {step.line}")
        if code != step.exit_code:
            print(f"  not the exit code the manual says ({step.exit_code}): no screenshot of its block\n{output}")
            wrong.add(step.image or "")
        if step.image:
            sessions.setdefault(step.image, []).append((step.line, output))
    for name in wrong:
        sessions.pop(name, None)
    written = []
    with tempfile.TemporaryDirectory(prefix="wb-manual-console-") as tmp:
        for name, session in sessions.items():
            page = Path(tmp) / (name + ".html")
            height = console_page(session, page)
            written.append(screenshot(browser, page, out_dir / name, width=PAD * 2 + COLUMNS * 8 + 24,
                                      height=height))
    return written


def files(folder: Path, out_dir: Path, browser: str) -> list[Path]:
    """The outputs the commands wrote, each as the reader will see it."""
    written = []
    work = folder / "_pdf"
    blank = folder / "年度报告.xlsx"  # what 填报说明 shows: `workbook-builder build -o 年度报告.xlsx`
    code, output = run(Step(0, "", "run", args=["build", "-o", blank.name]), folder)
    assert code == 0, output
    sources = {
        "check-summary.png": (folder / "检查汇总.xlsx", None),
        "annotated.png": (next((folder / "批注").rglob(f"{UNBALANCED}*.xlsx")), REQUESTS),
        "workbook-cover.png": (blank, "政府信息公开工作年度报告"),
        "workbook-requests.png": (blank, REQUESTS),
        "workbook-unbalanced.png": (folder / "交回" / f"{UNBALANCED}{YEAR}年报.xlsx", REQUESTS),
        "detail.png": (folder / "明细.xlsx", "一、本年新收政府信息公开申请数量"),
        "rollup.png": (folder / "汇总.xlsx", "是否计入"),
        "published-docx.png": (next((folder / "发布").glob("*.docx")), None),
        "imported.png": (folder / "城关镇核对.xlsx", REQUESTS),
    }
    # copies: two outputs may share a stem (下发 and 交回 of one unit)
    copies = {}
    for name, (path, _) in sources.items():
        copy = work / "in" / name.replace(".png", path.suffix)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, copy)
        copies[name] = copy
    pdfs = to_pdf(list(copies.values()), work / "out")
    for name, (_, text) in sources.items():
        written.append(pdf_page(pdfs[copies[name]], out_dir / name, text=text))
    written.append(screenshot(browser, folder / "检查报告.html", out_dir / "check-report.png", width=1300,
                              height=1400))
    written.append(screenshot(browser, next((folder / "发布").glob("*.html")), out_dir / "published-html.png",
                              width=1100, height=1400))
    written += feedback(folder, out_dir, browser)
    return written


def feedback(folder: Path, out_dir: Path, browser: str) -> list[Path]:
    """A 反馈单 in Notepad and 邮件合并.csv in a spreadsheet, as the auditor opens them on Windows."""
    pack = folder / "反馈"
    written = []
    with tempfile.TemporaryDirectory(prefix="wb-manual-pack-") as tmp:
        sheet = next((pack / UNBALANCED).glob("*反馈单.txt"))
        page = Path(tmp) / "sheet.html"
        height = notepad_page(sheet.name, sheet.read_text(encoding="utf-8-sig"), page)
        written.append(crop(screenshot(browser, page, out_dir / "feedback-sheet.png", width=1100, height=height), 0,
                            footer=False))
        # the attachments are absolute paths: shown as they are on the auditor's PC (D:\年报\2025\反馈\…)
        text = (pack / "邮件合并.csv").read_text(encoding="utf-8-sig")
        text = text.replace(str(folder) + "/", PROMPT[:-1] + "\\")
        rows = [[c.replace("/", "\\") if c.startswith(PROMPT[:2]) else c for c in r]
                for r in csv.reader(io.StringIO(text))]
        page = Path(tmp) / "csv.html"
        height = sheet_page(rows, page)
        written.append(crop(screenshot(browser, page, out_dir / "mail-merge.png", width=2400, height=height), 4,
                            footer=False))
    return written


def render(out_dir: Path) -> list[Path]:
    browser = find_chromium()
    if browser is None:
        raise SystemExit("chromium is not installed")
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wb-manual-") as tmp:
        folder = prepare(Path(tmp) / "2025")
        (folder / "汇总信息.yaml").write_text(yaml_block(MANUAL.read_text(encoding="utf-8")), encoding="utf-8")
        written = consoles(folder, out_dir, browser)
        written += files(folder, out_dir, browser)
    for path in written:
        print(f"wrote {path}")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, nargs="?", default=ROOT / "docs" / "zh" / "images")
    render(parser.parse_args(argv).out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
