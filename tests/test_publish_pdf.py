"""publish.pdf: LibreOffice headless turns our docx into a PDF; its absence is a clear usage error (exit 2),
a conversion that fails or hangs is a `PdfFailed` for that document only, and a hung soffice is killed
with its whole process group."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest

from workbook_builder.errors import UsageError
from workbook_builder.publish import pdf


def require_soffice() -> str:
    """soffice on PATH: skip locally without it, fail in CI (real-client tests never skip there)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    message = "LibreOffice (soffice) is not installed (Debian: apt-get install libreoffice-writer-nogui)"
    if "CI" in os.environ:
        pytest.fail(message + " -- real-client tests must not be skipped in CI", pytrace=False)
    pytest.skip(message)


def _docx(text: str) -> bytes:
    import docx  # python-docx: only publish/docx.py imports it in the package; a test may

    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "fake-soffice"
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.mark.libreoffice
def test_a_docx_becomes_a_pdf(tmp_path: Path) -> None:
    require_soffice()
    data = pdf.to_pdf(_docx("Report 2024 alpha"))
    assert data.startswith(b"%PDF-")
    assert "Report 2024 alpha" in _pdf_text(data, tmp_path)


@pytest.mark.libreoffice
def test_many_documents_in_one_call_keep_their_order(tmp_path: Path) -> None:
    require_soffice()
    texts = [f"Document number {i}" for i in range(4)]
    done = pdf.to_pdfs([_docx(t) for t in texts])
    assert [isinstance(d, bytes) for d in done] == [True] * 4
    assert [_pdf_text(d, tmp_path).strip() for d in done if isinstance(d, bytes)] == texts


def test_libreoffice_absent_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH
    monkeypatch.delenv(pdf.SOFFICE_ENV, raising=False)
    monkeypatch.setattr(pdf, "INSTALL_PATHS", (str(tmp_path / "nowhere" / "soffice.exe"),))
    with pytest.raises(pdf.PdfUnavailable) as caught:
        pdf.to_pdf(b"PK")
    assert isinstance(caught.value, UsageError)
    assert str(caught.value).startswith("未找到 LibreOffice，无法生成 PDF：请安装 LibreOffice，或只生成 docx/html")
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(tmp_path / "missing" / "soffice"))
    with pytest.raises(pdf.PdfUnavailable, match=f"环境变量 {pdf.SOFFICE_ENV} 指向的 .*missing.* 不存在"):
        pdf.find_soffice()


def test_the_environment_variable_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _script(tmp_path, "exit 0\n")
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(fake))
    assert pdf.find_soffice() == str(fake)


def test_a_failed_conversion_is_pdf_failed_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(_script(tmp_path, "echo 'Error: source file could not be loaded' >&2\nexit 1\n")))
    with pytest.raises(pdf.PdfFailed, match="退出码 1.*source file could not be loaded"):
        pdf.to_pdf(b"PK")
    done = pdf.to_pdfs([b"a", b"b"])  # retried one by one, each failing on its own
    assert [type(d) for d in done] == [pdf.PdfFailed, pdf.PdfFailed]


def test_a_conversion_that_writes_nothing_is_pdf_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(_script(tmp_path, "exit 0\n")))
    with pytest.raises(pdf.PdfFailed, match="没有生成 PDF"):
        pdf.to_pdf(b"PK")


def test_a_hung_soffice_is_killed_with_its_children(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """soffice starts soffice.bin: on a timeout the whole process group goes, not only the parent."""
    child = tmp_path / "child.pid"
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(_script(tmp_path, f"sleep 60 &\necho $! > '{child}'\nwait\n")))
    start = time.monotonic()
    with pytest.raises(pdf.PdfFailed, match="1 秒内没有完成转换"):
        pdf.to_pdf(b"PK", timeout=1)
    assert time.monotonic() - start < 10
    pid = int(child.read_text())
    for _ in range(50):  # reaped by init shortly after the kill
        try:
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the hung converter's child {pid} is still running")


def test_a_chunk_that_times_out_is_not_retried_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hung LibreOffice costs one timeout for the chunk, not one more per document."""
    calls = tmp_path / "calls"
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(_script(tmp_path, f"echo x >> '{calls}'\nsleep 60 &\nwait\n")))
    done = pdf.to_pdfs([b"a", b"b", b"c"], timeout=1)
    assert [type(d) for d in done] == [pdf.PdfFailed] * 3 and "1 秒内没有完成转换" in str(done[0])
    assert calls.read_text().count("x") == 1


def test_without_chinese_fonts_no_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fontconfig knowing no Chinese font: every character a box, so refused before converting."""
    latin = Path("/usr/share/fonts/truetype/liberation")
    if shutil.which("fc-list") is None or not latin.is_dir():
        pytest.skip("needs fontconfig and fonts-liberation")
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><fontconfig><dir>{latin}</dir><cachedir>{tmp_path / "c"}</cachedir></fontconfig>',
                    encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(_script(tmp_path, "exit 0\n")))
    with pytest.raises(pdf.PdfUnavailable, match="未找到中文字体.*fonts-noto-cjk"):
        pdf.to_pdf(b"PK")


@pytest.mark.libreoffice
def test_same_docx_same_pdf_bytes(tmp_path: Path) -> None:
    """LibreOffice stamps the time and a random /ID: both are fixed in place, the PDF still valid."""
    require_soffice()
    import hashlib

    data = _docx("Report 2024 beta")
    first = pdf.to_pdf(data)
    time.sleep(1.1)  # a second later: another /CreationDate unless it is fixed
    second = pdf.to_pdf(data)
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    assert b"/CreationDate(D:20000101000000" in first
    digest = hashlib.sha256(data).hexdigest().upper()[:32].encode()
    assert b"/ID [ <" + digest + b">" in first
    assert "Report 2024 beta" in _pdf_text(first, tmp_path)  # pdftotext reads it: the xref offsets held
    path = tmp_path / "n.pdf"
    path.write_bytes(first)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=False)
    assert info.returncode == 0 and "Syntax Error" not in info.stderr, info.stderr


def test_normalise_keeps_every_offset() -> None:
    raw = b"%PDF-1.6\n<</CreationDate(D:20261201133219+08'00')/ModDate(D:20261201133219Z')>>\n" \
          b"trailer\n<</ID [ <61BB3A58>\n<AABBCCDD> ]\n/DocChecksum /7396E290>>"
    out = pdf.normalise(raw, b"docx")
    assert len(out) == len(raw)
    assert b"(D:20000101000000+00'00')" in out and b"(D:20000101000000Z')" in out
    assert b"61BB3A58" not in out and b"7396E290" not in out and pdf.normalise(raw, b"docx") == out
