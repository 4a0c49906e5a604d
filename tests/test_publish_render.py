"""The Word document as LibreOffice Writer lays it out: converted to PDF, its pages measured and read.

A real report (build → check → document → docx) is converted with `soffice --headless --convert-to
pdf` (a private profile, a timeout); `pdfinfo` gives the page sizes, `pdftotext` the text in reading
order and the words' boxes, `pdftoppm` a picture of table 三's page. LibreOffice has no 仿宋_GB2312
here and substitutes (fonts-noto-cjk): the layout is checked, not the glyphs.

The picture in the docs is refreshed with::

    UPDATE_GOLDEN=1 python -m pytest tests/test_publish_render.py
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests.make_filled import build_to, honest_data
from workbook_builder import api
from workbook_builder.publish.docx import write_docx
from workbook_builder.publish.model import DRAFT_MARK, Document, document
from workbook_builder.template import registry

pytestmark = pytest.mark.libreoffice

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
TOOLS = ("soffice", "pdfinfo", "pdftotext", "pdftoppm")
TIMEOUT = 180  # seconds for one conversion on a loaded 2-core machine
PT_PER_MM = 72 / 25.4


def require_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if not missing:
        return
    message = f"need {', '.join(missing)} (Debian: libreoffice-writer-nogui poppler-utils)"
    if "CI" in os.environ:
        pytest.fail(message + " -- real-client tests must not be skipped in CI", pytrace=False)
    pytest.skip(message)


def run(args: list[str], timeout: float = 60) -> str:
    """Run a tool in its own process group, killing the whole group on a timeout (soffice forks)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"{args[0]} took more than {timeout} s") from None
    assert proc.returncode == 0, f"{args[0]} failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}"
    return out.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Rendered:
    doc: Document
    pdf: Path
    pages: list[str]  # pdftotext -layout, one string a page
    draft_pages: list[str]  # the same document as a draft


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    require_tools()
    tmp = tmp_path_factory.mktemp("render")
    book = build_to(tmp, honest_data("huaian-city-2024"), "huaian.xlsx")
    doc = document(registry.resolve().layout, api.check_file(book).values)
    (tmp / "report.docx").write_bytes(write_docx(doc))
    (tmp / "draft.docx").write_bytes(write_docx(replace(doc, draft=True)))
    run(["soffice", f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp), str(tmp / "report.docx"), str(tmp / "draft.docx")],
        timeout=TIMEOUT)
    for name in ("report.pdf", "draft.pdf"):
        assert (tmp / name).exists() and (tmp / name).stat().st_size > 1000, f"LibreOffice wrote no {name}"
    yield Rendered(doc, tmp / "report.pdf", pages(tmp / "report.pdf"), pages(tmp / "draft.pdf"))


def pages(pdf: Path) -> list[str]:
    """pdftotext -layout, one string a page."""
    text = run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"])
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pages_are_a4(rendered: Rendered) -> None:
    info = run(["pdfinfo", "-f", "1", "-l", "99", str(rendered.pdf)])
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert len(sizes) == len(rendered.pages) >= 2
    assert all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in sizes), sizes


def test_draft_mark_on_every_page_of_a_draft_only(rendered: Rendered) -> None:
    assert len(rendered.draft_pages) == len(rendered.pages)
    for page in rendered.draft_pages:
        first = next(line.strip() for line in page.splitlines() if line.strip())
        assert first == DRAFT_MARK
    assert not any(DRAFT_MARK in page for page in rendered.pages)


def test_page_numbers_in_the_footer(rendered: Rendered) -> None:
    for n, page in enumerate(rendered.pages, start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert squeeze(lines[-1]) == f"—{n}—", lines[-1]


def test_title_headings_and_row_labels_in_order(rendered: Rendered) -> None:
    doc = rendered.doc
    text = squeeze("".join(rendered.pages))
    expected = [doc.title]
    for section in doc.sections:
        expected.append(section.heading)
        for table in section.tables:
            # labels in the wide columns read whole on their first line (the narrow ones stack a character or two)
            for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
                if cell.kind == "label" and (cell.col_span > 1 or table.widths[cell.col] > 0.2):
                    expected.append(cell.text[:6])
                if cell.kind == "header" and cell.col_span >= 5:
                    expected.append(cell.text)
    at = 0
    for piece in expected:
        found = text.find(squeeze(piece), at)
        assert found >= 0, f"{piece!r} is not on the pages after position {at}"
        at = found + 1
    assert len(expected) > 40


def test_values_of_the_new_requests_row(rendered: Rendered) -> None:
    (table,) = [t for t in rendered.doc.tables if any(c.text.startswith("一、本年新收") for c in t.cells)]
    row = next(c.row for c in table.cells if c.text.startswith("一、本年新收"))
    values = [c.text for c in sorted(table.value_cells, key=lambda c: c.col) if c.row == row]
    assert values == ["3001", "53", "0", "0", "61", "4", "3119"]
    (line,) = [line for page in rendered.pages for line in page.splitlines() if "一、本年新收" in line]
    assert re.findall(r"\d+", line.split("数量", 1)[-1]) == values


def words(pdf: Path) -> list[tuple[int, float, float, float, float, str]]:
    """(page, xMin, yMin, xMax, yMax, word) of every word, from `pdftotext -bbox` (points, y downwards)."""
    html = run(["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"])
    box = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)'
    out = []
    for n, page in enumerate(html.split("<page ")[1:], start=1):
        for x0, y0, x1, y1, word in re.findall(box, page):
            out.append((n, float(x0), float(y0), float(x1), float(y1), word))
    return out


def test_everything_inside_the_text_area(rendered: Rendered) -> None:
    """No table runs into the margins: every word lies between the left (28 mm) and right (26 mm) margins and
    below the top one (37 mm); the page number's dashes about 7 mm below the text area (bottom margin 35 mm)."""
    left, right = 28 * PT_PER_MM - 1, (210 - 26) * PT_PER_MM + 1
    top, bottom = 37 * PT_PER_MM - 1, (297 - 35) * PT_PER_MM
    placed = words(rendered.pdf)
    assert placed
    outside = [(n, round(x0), round(x1), word) for n, x0, _, x1, _, word in placed if x0 < left or x1 > right]
    assert outside == []
    numbers = [(y0 + y1) / 2 for _, _, y0, _, y1, word in placed if word == "—"]
    body = [y1 for _, _, y0, _, y1, word in placed if word != "—" and y0 < bottom]
    assert len(numbers) == 2 * len(rendered.pages)
    assert all(4 * PT_PER_MM <= y - bottom <= 10 * PT_PER_MM for y in numbers), [round(y - bottom) for y in numbers]
    assert min(y0 for _, _, y0, _, _, _ in placed) >= top
    assert max(body) <= bottom + 1
    below = [word for _, _, y0, _, _, word in placed if y0 > bottom and word != "—"]
    assert below == [str(n) for n in range(1, len(rendered.pages) + 1)]  # only the page numbers


def test_table_three_with_its_heading_on_one_page(rendered: Rendered) -> None:
    three = [n for n, page in enumerate(rendered.pages) if "申请人情况" in page]
    assert len(three) == 1, "table 三 is kept on one page when it fits"
    page = squeeze(rendered.pages[three[0]])
    assert "三、收到和处理政府信息公开申请情况" in page and "四、结转下年度继续办理" in page


def test_picture_of_table_three(rendered: Rendered, tmp_path: Path) -> None:
    (n,) = [n for n, page in enumerate(rendered.pages, start=1) if "申请人情况" in page]
    run(["pdftoppm", "-r", "80", "-png", "-f", str(n), "-l", str(n), "-singlefile", str(rendered.pdf),
         str(tmp_path / "table3")])
    png = tmp_path / "table3.png"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (abs(width - 661) <= 2, abs(height - 935) <= 2) == (True, True)  # A4 at 80 dpi
    assert len(data) > 20_000  # a page with a table on it, not a blank one
    if os.environ.get("UPDATE_GOLDEN") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, IMAGES / "publish-table3.png")
        run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(rendered.pdf),
             str(IMAGES / "publish-page1")])
