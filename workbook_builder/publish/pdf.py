"""PDF through LibreOffice headless: the docx we wrote, converted by Writer, so the PDF is the docx.

LibreOffice is found on PATH (`soffice`, `libreoffice`), at `WORKBOOK_BUILDER_SOFFICE`, or where its
installer puts it on Windows and macOS. Every call runs its own soffice with a private temporary
profile: a user's open LibreOffice (or another conversion at the same time) would otherwise take
the job over, or hold the profile's lock, and the conversion would silently do nothing. Starting
soffice costs about two seconds, so `to_pdfs` converts many documents in one call.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import UsageError, WorkbookBuilderError
from ..textsafe import display_path

SOFFICE_ENV = "WORKBOOK_BUILDER_SOFFICE"
INSTALL_PATHS = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)
CHUNK = 25  # documents per soffice call: one slow document delays at most this many
MISSING = "未找到 LibreOffice，无法生成 PDF：请安装 LibreOffice，或只生成 docx/html"
NO_FONTS = ("未找到中文字体，生成的 PDF 中文会显示为方框：请安装中文字体（如 Debian/Ubuntu 的 fonts-noto-cjk，"
            "或从 Windows 复制仿宋、黑体、楷体），或只生成 docx/html")


class PdfUnavailable(UsageError):
    """LibreOffice is not installed (or `WORKBOOK_BUILDER_SOFFICE` points nowhere): exit 2."""


class PdfFailed(WorkbookBuilderError):
    """LibreOffice ran but gave no PDF for a document (it failed or timed out); `str()` says why in Chinese."""


def find_soffice() -> str:
    """The LibreOffice program to run; raises `PdfUnavailable` with a Chinese message when there is none."""
    named = os.environ.get(SOFFICE_ENV, "").strip()
    if named:  # the user's explicit choice wins, and a wrong one is said, not silently passed over
        found = shutil.which(named) or (named if Path(named).is_file() else None)
        if found is None:
            raise PdfUnavailable(f"{MISSING}（环境变量 {SOFFICE_ENV} 指向的 {display_path(named)} 不存在）")
        return found
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for path in INSTALL_PATHS:
        if Path(path).is_file():
            return path
    raise PdfUnavailable(f"{MISSING}（也可以用环境变量 {SOFFICE_ENV} 指明 soffice 的位置）")


def check_fonts() -> None:
    """Raise `PdfUnavailable` when fontconfig knows no Chinese font: LibreOffice would then draw every
    Chinese character as a box and still say it succeeded. Checked where fontconfig decides the fonts
    LibreOffice uses (Linux and the like); Windows and macOS always have Chinese fonts, and a
    fontconfig installed there (e.g. by Homebrew) does not list the system's."""
    if sys.platform in ("win32", "darwin"):
        return
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return
    try:
        listed = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return  # cannot tell: convert, as before
    if listed.returncode == 0 and not listed.stdout.strip():
        raise PdfUnavailable(NO_FONTS)


def to_pdf(docx: bytes, timeout: float = 120) -> bytes:
    """One docx converted to PDF. Raises `PdfUnavailable` (no LibreOffice) or `PdfFailed`."""
    result = to_pdfs([docx], timeout)[0]
    if isinstance(result, PdfFailed):
        raise result
    return result


def to_pdfs(documents: Sequence[bytes], timeout: float = 120) -> list[bytes | PdfFailed]:
    """Each docx converted to PDF, in order; a document LibreOffice gave no PDF for is a `PdfFailed`
    in its place (the others are kept). `timeout` (seconds) bounds each soffice call. A call that
    fails is retried one document at a time, so one bad document costs only itself; a call that
    timed out is not (25 retries of a hung LibreOffice would take 25 timeouts): its documents without
    a PDF are `PdfFailed`. Same docx, same PDF bytes (`normalise`). Raises `PdfUnavailable` when
    LibreOffice or a Chinese font is absent."""
    program = find_soffice()
    check_fonts()
    out: list[bytes | PdfFailed] = []
    for start in range(0, len(documents), CHUNK):
        chunk = documents[start:start + CHUNK]
        done, timed_out = _convert(program, chunk, timeout)
        if len(chunk) > 1 and not timed_out and any(isinstance(d, PdfFailed) for d in done):
            done = [d if not isinstance(d, PdfFailed) else _convert(program, [chunk[i]], timeout)[0][0]
                    for i, d in enumerate(done)]
        out += [d if isinstance(d, PdfFailed) else normalise(d, docx) for d, docx in zip(done, chunk, strict=True)]
    return out


# What LibreOffice stamps on every PDF: the time of conversion and a random file identifier. They are
# replaced in place by strings of the same length, so every byte offset (the xref table) stays valid.
_DATE = re.compile(rb"/(?:CreationDate|ModDate)\s*\((D:[0-9A-Za-z+\-']*)\)")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]*)>\s*<([0-9A-Fa-f]*)>\s*\]")
_CHECKSUM = re.compile(rb"/DocChecksum\s*/([0-9A-Fa-f]+)")
FIXED_DATE = b"20000101000000"  # the digits of a fixed date; a time zone's digits become 0


def normalise(pdf_bytes: bytes, docx: bytes) -> bytes:
    """A LibreOffice PDF with its conversion time fixed and its identifiers derived from the docx:
    same docx, same PDF bytes. Same-length replacements only (the xref offsets stay right)."""
    digest = hashlib.sha256(docx).hexdigest().upper().encode() * 4

    def date(m: re.Match[bytes]) -> bytes:
        digits = iter(FIXED_DATE + b"0" * 32)
        fixed = bytes(next(digits) if ch in b"0123456789" else ch for ch in m.group(1))
        return m.group(0).replace(m.group(1), fixed)

    def same_length(m: re.Match[bytes]) -> bytes:
        out = m.group(0)
        for i in range(1, (m.lastindex or 0) + 1):
            start, end = m.start(i) - m.start(0), m.end(i) - m.start(0)
            out = out[:start] + digest[: end - start] + out[end:]
        return out

    pdf_bytes = _DATE.sub(date, pdf_bytes)
    pdf_bytes = _ID.sub(same_length, pdf_bytes)
    return _CHECKSUM.sub(same_length, pdf_bytes)


def _convert(program: str, documents: Sequence[bytes], timeout: float) -> tuple[list[bytes | PdfFailed], bool]:
    """One soffice call: each document's PDF (or why not), and whether the call timed out."""
    with tempfile.TemporaryDirectory(prefix="wb-pdf-") as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        names = [root / "in" / f"d{i:04d}.docx" for i in range(len(documents))]
        for path, data in zip(names, documents, strict=True):
            path.write_bytes(data)
        command = [program, "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
                   f"-env:UserInstallation={(root / 'profile').as_uri()}",
                   "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(root / "out"), *map(str, names)]
        problem, timed_out = _run(command, timeout)
        results: list[bytes | PdfFailed] = []
        for path in names:
            pdf = root / "out" / (path.stem + ".pdf")
            if pdf.is_file() and pdf.stat().st_size > 0:
                results.append(pdf.read_bytes())
            else:
                results.append(PdfFailed(problem or "LibreOffice 没有生成 PDF（文档可能无法打开）"))
        return results, timed_out


def _run(command: list[str], timeout: float) -> tuple[str | None, bool]:
    """Run soffice; (None when it ended normally, else why in Chinese; whether it timed out). On a timeout (or Ctrl-C) the
    whole process group is killed: soffice starts soffice.bin, which would outlive its parent."""
    posix = os.name == "posix"
    flags = 0 if posix else getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    try:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=posix, creationflags=flags)
    except OSError as exc:
        return f"无法启动 LibreOffice（{exc.strerror or exc}）", False
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return f"LibreOffice 在 {timeout:g} 秒内没有完成转换", True
    except BaseException:
        _kill(proc)
        raise
    if proc.returncode != 0:
        last = err.decode(sys.getfilesystemencoding() or "utf-8", "replace").strip().splitlines()[-1:] or [""]
        return f"LibreOffice 转换失败（退出码 {proc.returncode}）{('：' + last[0][:200]) if last[0] else ''}", False
    return None, False


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # taskkill /T ends soffice.bin too
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False)
    except OSError:
        proc.kill()
    proc.communicate()
