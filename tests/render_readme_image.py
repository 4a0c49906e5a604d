"""Render one sheet of the workbook, pre-filled with a real report, to a PNG for the README.

    python -m tests.render_readme_image docs/images/workbook-requests.png
    python -m tests.render_readme_image docs/images/workbook-cover.png --sheet 封面

The workbook is built by our library from ``tests/fixtures/real/huaian-city-2024.yaml`` (淮安市人民
政府's published 2024 tables) plus the cover and prose fields the published tables do not have.
LibreOffice (the test driver in ``tests/helpers``) exports it to PDF, the sheet's page is found
by its title (pdftotext), and poppler's pdftoppm turns that page into a PNG cropped to the
printed content (the page footer left out).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.helpers.libreoffice import LibreOffice, LibreOfficeError  # noqa: E402
from workbook_builder import api  # noqa: E402
from workbook_builder.build.prefill import read_data_file  # noqa: E402
from workbook_builder.template import registry  # noqa: E402

HUAIAN = ROOT / "tests" / "fixtures" / "real" / "huaian-city-2024.yaml"
DEFAULT_SHEET = "依申请公开"

# The published tables have no cover contact or prose; these stand in for them (clearly examples).
EXTRA_FIELDS: dict[str, Any] = {
    "meta.contact_person": "张三（示例）",
    "meta.contact_phone": "0517-12345678",
    "meta.date": "2025-02-25",
    "text.overview": (
        "2024年，淮安市人民政府共受理政府信息公开申请3119件，上年结转34件；"
        "办理答复3050件，结转下年度继续办理103件。（示例文字）"
    ),
    "text.problems": "（示例文字）",
    "text.other": "无。",
}


def huaian_data() -> dict[str, Any]:
    """Every input of the template: the real 2024 figures of 淮安市 plus the example cover/prose fields."""
    data = read_data_file(HUAIAN)
    data.update(EXTRA_FIELDS)
    return data


def _ppm_size_and_rows(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of a binary PPM (P6) as pdftoppm writes it."""
    data = path.read_bytes()
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:  # magic, width, height, maxval; '#' comments allowed between them
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError(f"not an 8-bit binary PPM: {path}")
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:]
    stride = width * 3
    return width, height, [pixels[i * stride:(i + 1) * stride] for i in range(height)]


def content_box(ppm: Path, dpi: int, margin: int = 12) -> tuple[int, int, int, int]:
    """(x, y, w, h) around the printed content of a page, the page footer ("第 1 页，共 5 页") left out.

    The footer is the last run of printed rows when it is a single short line starting in the
    bottom 1.2 inches of the page, apart from the content above it.
    """
    width, height, rows = _ppm_size_and_rows(ppm)
    spans: list[tuple[int, int] | None] = []
    for row in rows:
        body = row.strip(b"\xff")
        if not body:
            spans.append(None)
            continue
        first = (len(row) - len(row.lstrip(b"\xff"))) // 3
        spans.append((first, first + (len(body) - 1) // 3))
    blocks: list[list[int]] = []  # [top, bottom] of runs of printed rows, split by blank gaps
    gap = max(1, int(0.12 * dpi))
    for y, span in enumerate(spans):
        if span is None:
            continue
        if blocks and y - blocks[-1][1] <= gap:
            blocks[-1][1] = y
        else:
            blocks.append([y, y])
    if not blocks:
        raise ValueError(f"the rendered page is blank: {ppm}")
    last_top, last_bottom = blocks[-1]
    if len(blocks) > 1 and last_top > height - 1.2 * dpi and last_bottom - last_top < 0.35 * dpi:
        blocks.pop()  # the footer
    top, bottom = blocks[0][0], blocks[-1][1]
    printed = [span for span in spans[top:bottom + 1] if span is not None]
    left, right = min(s[0] for s in printed), max(s[1] for s in printed)
    x, y = max(0, left - margin), max(0, top - margin)
    return x, y, min(width, right + margin + 1) - x, min(height, bottom + margin + 1) - y


def _pdftoppm(args: list[str]) -> None:
    proc = subprocess.run(["pdftoppm", *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise LibreOfficeError(f"pdftoppm failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")


def _first_text(sheet: str) -> str:
    """The first printed text of ``sheet`` in the template (its title or first label)."""
    layout = registry.resolve().layout
    cells = [c for c in layout.sheet(sheet).cells if c.text]
    return min(cells, key=lambda c: (c.row, c.col)).text


def _page_of(pdf: Path, text: str) -> int:
    """The first page of ``pdf`` whose text holds ``text``."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    for page in range(1, pages + 1):
        words = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                               capture_output=True, text=True, timeout=60, check=True).stdout
        if text in "".join(words.split()):
            return page
    raise LookupError(f"no page of {pdf} shows {text!r}")


def render_sheet(xlsx: Path, out_png: Path, sheet: str, office: LibreOffice, dpi: int = 150) -> Path:
    """The first page of ``sheet`` of ``xlsx`` as a PNG cropped to the printed content.

    LibreOffice exports the whole workbook (so every cross-sheet formula still has its sheets);
    the sheet's page is the first one showing the sheet's title.
    """
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wb-readme-") as tmp:
        pdf = Path(tmp) / "workbook.pdf"
        office.run(xlsx, [{"op": "export_pdf", "path": str(pdf)}])
        page = str(_page_of(pdf, "".join(_first_text(sheet).split())))
        base = ["-r", str(dpi), "-f", page, "-l", page, "-singlefile", str(pdf)]
        _pdftoppm([*base, str(Path(tmp) / "page")])
        x, y, w, h = content_box(Path(tmp) / "page.ppm", dpi)
        prefix = Path(tmp) / "crop"
        _pdftoppm(["-png", "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h), *base, str(prefix)])
        prefix.with_suffix(".png").replace(out_png)
    return out_png


def render(out_png: str | Path, sheet: str = DEFAULT_SHEET, dpi: int = 150, office: LibreOffice | None = None) -> Path:
    """Build the 淮安市 2024 workbook and render ``sheet`` to ``out_png`` (starts a LibreOffice if none given)."""
    with tempfile.TemporaryDirectory(prefix="wb-readme-") as tmp:
        xlsx = Path(tmp) / "huaian-city-2024.xlsx"
        xlsx.write_bytes(api.build(registry.DEFAULT_TEMPLATE, huaian_data()))
        if office is not None:
            return render_sheet(xlsx, Path(out_png), sheet, office, dpi)
        with LibreOffice() as own:
            return render_sheet(xlsx, Path(out_png), sheet, own, dpi)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="the PNG to write")
    parser.add_argument("--sheet", default=DEFAULT_SHEET, help=f"the sheet to render (default {DEFAULT_SHEET})")
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args(argv)
    print(render(args.out, args.sheet, args.dpi))
    return 0


if __name__ == "__main__":
    sys.exit(main())
