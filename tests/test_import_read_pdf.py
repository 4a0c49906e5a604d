"""The readers of published reports, part 3: PDF (pdfplumber) — text lines placed by page and line,
and every refusal with its finding: a scan, a password, a cut-off or damaged file, the page and time
caps, and pdfplumber missing."""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from tests.import_files import pdf_of
from tests.test_import_read import TITLE, paras, problem, write
from tests.test_import_read_docx import soffice_convert
from workbook_builder import api
from workbook_builder.findings import Code, make
from workbook_builder.imports import pdf as pdf_reader
from workbook_builder.imports.read import read_source
from workbook_builder.imports.sniff import is_report_file, sniff
from workbook_builder.imports.source import Para


@pytest.fixture(scope="module")
def published_pdf(honest: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf")
    run = api.publish(honest, out / "报告.pdf", formats="pdf", jobs=1)
    assert run.exit_code == 0
    return out / "报告.pdf"


@pytest.mark.libreoffice
def test_the_published_pdf_reads_as_lines_placed_by_page_and_line(published_pdf: Path) -> None:
    source = read_source(published_pdf)
    assert source.kind == "pdf" and source.pages == 3 and sniff(published_pdf.read_bytes()) == "pdf"
    assert all(isinstance(b, Para) and b.where.page and b.where.line for b in source.blocks)
    lines = paras(source)
    assert lines[:2] == ["淮安市人民政府", "2024 年政府信息公开工作年度报告"]
    assert "规章 1 0 11" in lines and "行政许可 447228" in lines and "行政事业性收费 96171.6" in lines
    first = source.blocks[0]
    assert first.where.describe() == "第1页 第1行"
    pages = [b.where.page for b in source.blocks]
    assert pages == sorted(pages) and set(pages) == {1, 2, 3}
    assert is_report_file(published_pdf)


def _scan(path: Path, pages: int = 1) -> Path:
    """An image-only PDF (what a scanner gives): pages with no text layer."""
    images = [Image.new("RGB", (200, 280), "white") for _ in range(pages)]
    images[0].save(path, "PDF", save_all=True, append_images=images[1:])
    return path


def test_a_scan_has_no_text(tmp_path: Path) -> None:
    path = _scan(tmp_path / "扫描件.pdf", pages=2)
    err = problem(path)
    assert (err.code, err.reason, err.fields) == (Code.IMPORT_NO_TEXT, "scan", {"pages": 2})
    assert make(err.code, err.reason, **err.fields).detail("zh") == "2 页中没有可读的文字"
    assert is_report_file(path)  # a folder's scan is reported, not skipped


@pytest.mark.libreoffice
def test_a_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    target = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
              '"DocumentOpenPassword":{"type":"string","value":"secret"}}')
    path = write(tmp_path, "加密.pdf", soffice_convert(TITLE, target, tmp_path))
    err = problem(path)
    assert (err.code, err.reason) == (Code.IMPORT_UNSUPPORTED, "encrypted")


@pytest.mark.libreoffice
def test_a_cut_off_or_damaged_pdf_is_refused_as_broken(tmp_path: Path, published_pdf: Path) -> None:
    data = published_pdf.read_bytes()
    for name, bad in (("cut.pdf", data[: len(data) // 2]), ("junk.pdf", b"%PDF-1.4\n" + b"garbage " * 50),
                      ("header.pdf", b"%PDF-")):
        err = problem(write(tmp_path, name, bad))
        assert (err.code, err.reason) == (Code.IMPORT_UNSUPPORTED, "broken")
        detail = make(err.code, err.reason, **err.fields).detail("zh")
        assert detail.startswith("文件已损坏：PDF ") and len(detail) < 120


def test_the_page_cap_is_checked_before_the_pages_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_reader, "MAX_PAGES", 2)
    err = problem(_scan(tmp_path / "long.pdf", pages=3))
    assert (err.code, err.reason, err.fields) == (Code.IMPORT_LIMIT, "pages", {"count": 3, "limit": 2})


def test_the_time_budget_is_checked_between_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_reader, "MAX_SECONDS", -1.0)  # already spent: no clock is raced
    err = problem(_scan(tmp_path / "slow.pdf"))
    assert (err.code, err.reason, err.fields) == (Code.IMPORT_LIMIT, "time", {"limit": -1})


def test_without_pdfplumber_a_pdf_asks_for_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pdfplumber", None)  # import fails, as when it is not installed
    err = problem(_scan(tmp_path / "r.pdf"))
    assert (err.code, err.reason) == (Code.IMPORT_UNSUPPORTED, "pdf-extra")
    assert is_report_file(tmp_path / "r.pdf")  # cannot tell: the reader then says what is needed


def _bomb_pdf(inflated: int) -> bytes:
    """A one-page PDF whose content stream is `inflated` bytes of spaces, deflated (a few kB per 64 MB)."""
    stream = zlib.compress(b" " * inflated, 9)
    return pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                   b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
                   b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"])


def test_a_deflate_bomb_in_a_pdf_stops_at_the_stream_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_reader, "MAX_STREAM_BYTES", 1 << 20)  # 1 MB: the test stays small
    err = problem(write(tmp_path, "bomb.pdf", _bomb_pdf(3 << 20)))
    assert (err.code, err.reason, err.fields) == (Code.IMPORT_LIMIT, "inflated", {"limit": 1})
    # under the bound the same file is read, and pdfminer's own zlib is back afterwards
    err = problem(write(tmp_path, "blank.pdf", _bomb_pdf(1000)))
    assert (err.code, err.reason) == (Code.IMPORT_NO_TEXT, "scan")
    import pdfminer.pdftypes

    assert pdfminer.pdftypes.zlib is zlib
