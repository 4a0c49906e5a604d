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
    long_doc: Document  # the same report with a long 总体情况 (淮安市's real one is ~1,400 characters)
    long_pdf: Path
    long_pages: list[str]


# a 总体情况 as long as 淮安市's real one: six paragraphs, each with its （一）… sub-head, ~1,400 characters
_PROSE = ("本年度，本机关坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》，"
          "围绕中心工作，持续深化政务公开，推进决策、执行、管理、服务、结果公开，主动回应社会关切，"
          "不断提升政府信息公开工作的质量和实效，切实保障人民群众的知情权、参与权、表达权和监督权。")
LONG_OVERVIEW = "\n".join(f"（{n}）{head}。{_PROSE}{_PROSE[:80]}" for n, head in zip(
    "一二三四五六", ("主动公开", "依申请公开", "政府信息管理", "平台建设", "监督保障", "其他"), strict=True))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    require_tools()
    tmp = tmp_path_factory.mktemp("render")
    layout = registry.resolve().layout
    book = build_to(tmp, honest_data("huaian-city-2024"), "huaian.xlsx")
    doc = document(layout, api.check_file(book).values)
    long_book = build_to(tmp, {**honest_data("huaian-city-2024"), "text.overview": LONG_OVERVIEW}, "long.xlsx")
    long_doc = document(layout, api.check_file(long_book).values)
    assert len(long_doc.sections[0].paragraphs) == 6 and len(LONG_OVERVIEW) > 1300
    (tmp / "report.docx").write_bytes(write_docx(doc))
    (tmp / "draft.docx").write_bytes(write_docx(replace(doc, draft=True)))
    (tmp / "long.docx").write_bytes(write_docx(long_doc))
    run(["soffice", f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp), str(tmp / "report.docx"), str(tmp / "draft.docx"),
         str(tmp / "long.docx")], timeout=TIMEOUT)
    for name in ("report.pdf", "draft.pdf", "long.pdf"):
        assert (tmp / name).exists() and (tmp / name).stat().st_size > 1000, f"LibreOffice wrote no {name}"
    yield Rendered(doc, tmp / "report.pdf", pages(tmp / "report.pdf"), pages(tmp / "draft.pdf"),
                   long_doc, tmp / "long.pdf", pages(tmp / "long.pdf"))


def both(rendered: Rendered) -> list[tuple[Document, Path, list[str]]]:
    """The short and the long report: (document, PDF, pages)."""
    return [(rendered.doc, rendered.pdf, rendered.pages), (rendered.long_doc, rendered.long_pdf, rendered.long_pages)]


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


TOP, BOTTOM = 37 * PT_PER_MM, (297 - 35) * PT_PER_MM  # the text area's top and bottom edges, in points


def body_lines(pdf: Path) -> dict[int, list[tuple[float, str]]]:
    """Each page's lines of the text area (not the page number below it): (bottom y, text squeezed), top down."""
    lines: dict[int, dict[float, list[tuple[float, str]]]] = {}
    for n, x0, _, _, y1, word in words(pdf):
        if y1 > BOTTOM + 1:
            continue
        rows = lines.setdefault(n, {})
        key = next((y for y in rows if abs(y - y1) < 3), y1)  # words of one line share their baseline
        rows.setdefault(key, []).append((x0, word))
    return {n: [(y, "".join(word for _, word in sorted(rows[y]))) for y in sorted(rows)]
            for n, rows in sorted(lines.items())}


def test_no_page_before_the_last_is_more_than_a_third_blank(rendered: Rendered) -> None:
    """Tables run on over pages (header rows repeated) rather than leaving half a page empty: on every page
    but the last the text reaches within 30% of the text area's foot, with a long 总体情况 too."""
    for doc, pdf, pages_ in both(rendered):
        lines = body_lines(pdf)
        assert sorted(lines) == list(range(1, len(pages_) + 1))
        blank = {n: round((BOTTOM - rows[-1][0]) / (BOTTOM - TOP), 2) for n, rows in lines.items() if n < len(pages_)}
        assert all(b <= 0.30 for b in blank.values()), (doc.sections[0].paragraphs[0].text[:10], blank)


def test_a_heading_is_never_the_last_line_of_a_page(rendered: Rendered) -> None:
    for doc, pdf, _ in both(rendered):
        headings = {squeeze(s.heading) for s in doc.sections} | {squeeze(p) for p in doc.title_parts}
        last = {n: rows[-1][1] for n, rows in body_lines(pdf).items()}
        assert not {n: text for n, text in last.items() if text in headings}, last


def test_table_three_runs_on_with_its_header_rows_on_every_page(rendered: Rendered) -> None:
    """Table 三 is longer than what is left of its first page: it runs on, and its three header rows are
    printed again at the top of the next page."""
    for _, pdf, pages_ in both(rendered):
        first = next(n for n, page in enumerate(pages_, start=1) if "三、收到和处理政府信息公开申请情况" in squeeze(page))
        end = next(n for n, page in enumerate(pages_, start=1) if "四、结转下年度继续办理" in squeeze(page))
        assert end > first, "table 三 runs over two pages"
        placed = words(pdf)
        for n in range(first, end + 1):
            # the three header rows: 申请人情况 over them, 法人或其他组织 in the second, 商业企业 (stacked) in the third
            on_page = {word: y0 for m, _, y0, _, _, word in placed if m == n}
            assert {"申请人情况", "法人或其他组织", "自然", "商业"} <= set(on_page), n
            if n > first:  # at the top of the page it runs on to
                assert on_page["申请人情况"] <= min(on_page.values()) + 1, n


def test_a_heading_is_on_the_page_where_its_table_starts(rendered: Rendered) -> None:
    """The section heading keeps with its table's header rows and first data row (tables 二, 三, 四)."""
    for doc, _, pages_ in both(rendered):
        for section in doc.sections:
            for table in section.tables[:1]:
                first = max((c for c in table.cells if c.row == 0), key=lambda c: (c.col_span, -c.col))
                at = next(n for n, page in enumerate(pages_) if squeeze(section.heading) in squeeze(page))
                starts = next(n for n, page in enumerate(pages_) if squeeze(first.text) in squeeze(page))
                assert at == starts, (section.heading, at, starts)
                row = min((c for c in table.cells if c.row == table.header_rows), key=lambda c: c.col)
                if row.kind == "label":  # the first data row is on that page too
                    assert squeeze(row.text)[:6] in squeeze(pages_[at]), (section.heading, row.text)


def test_page_numbers_odd_right_even_left_one_character_in(rendered: Rendered) -> None:
    """GB/T 9704-2012 7.5: 单页码居右空一字，双页码居左空一字 — "— 1 —" ends one 4号 character (14 pt,
    ≈ 4.9 mm) before the text area's right edge, "— 2 —" starts one character after its left edge."""
    left, right = 28 * PT_PER_MM, (210 - 26) * PT_PER_MM
    for _, pdf, pages_ in both(rendered):
        footer = [(n, x0, x1) for n, x0, y0, x1, _, _ in words(pdf) if y0 > BOTTOM]
        assert len(pages_) >= 3
        for n in range(1, len(pages_) + 1):
            xs = [(x0, x1) for m, x0, x1 in footer if m == n]
            start, end = min(x for x, _ in xs), max(x for _, x in xs)
            if n % 2:
                assert 10 <= right - end <= 20, (n, round(right - end))
            else:
                assert 10 <= start - left <= 20, (n, round(start - left))


def test_picture_of_table_three(rendered: Rendered, tmp_path: Path) -> None:
    # the page table 三 runs on to: most of its rows, under its header rows printed again
    n = next(n for n, page in enumerate(rendered.pages, start=1) if "四、结转下年度继续办理" in squeeze(page))
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


def test_the_long_title_breaks_after_the_units_name(rendered: Rendered) -> None:
    """淮安市人民政府2024年政府信息公开工作年度报告 is wider than a 2号 line: it breaks after the unit's name,
    not mid-word (…工作年 / 度报告)."""
    lines = [text for _, text in body_lines(rendered.pdf)[1][:2]]
    assert lines == ["淮安市人民政府", "2024年政府信息公开工作年度报告"]
