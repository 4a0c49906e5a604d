"""PDF through LibreOffice headless: the docx we wrote, converted by Writer, so the PDF is the docx.

LibreOffice is found on PATH (`soffice`, `libreoffice`), at `WORKBOOK_BUILDER_SOFFICE`, or where its
installer puts it on Windows and macOS. Every call runs its own soffice with a private temporary
profile: a user's open LibreOffice (or another conversion at the same time) would otherwise take
the job over, or hold the profile's lock, and the conversion would silently do nothing. Starting
soffice costs about two seconds, so `to_pdfs` converts many documents in one call.
"""

from __future__ import annotations

import os
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


def to_pdf(docx: bytes, timeout: float = 120) -> bytes:
    """One docx converted to PDF. Raises `PdfUnavailable` (no LibreOffice) or `PdfFailed`."""
    result = to_pdfs([docx], timeout)[0]
    if isinstance(result, PdfFailed):
        raise result
    return result


def to_pdfs(documents: Sequence[bytes], timeout: float = 120) -> list[bytes | PdfFailed]:
    """Each docx converted to PDF, in order; a document LibreOffice gave no PDF for is a `PdfFailed`
    in its place (the others are kept). `timeout` (seconds) bounds each soffice call; a call that
    fails or times out is retried one document at a time, so one bad document costs only itself.
    Raises `PdfUnavailable` when LibreOffice is absent."""
    program = find_soffice()
    out: list[bytes | PdfFailed] = []
    for start in range(0, len(documents), CHUNK):
        chunk = documents[start:start + CHUNK]
        done = _convert(program, chunk, timeout)
        if len(chunk) > 1 and any(isinstance(d, PdfFailed) for d in done):
            done = [d if not isinstance(d, PdfFailed) else _convert(program, [chunk[i]], timeout)[0]
                    for i, d in enumerate(done)]
        out += done
    return out


def _convert(program: str, documents: Sequence[bytes], timeout: float) -> list[bytes | PdfFailed]:
    with tempfile.TemporaryDirectory(prefix="wb-pdf-") as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        names = [root / "in" / f"d{i:04d}.docx" for i in range(len(documents))]
        for path, data in zip(names, documents, strict=True):
            path.write_bytes(data)
        command = [program, "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
                   f"-env:UserInstallation={(root / 'profile').as_uri()}",
                   "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(root / "out"), *map(str, names)]
        problem = _run(command, timeout)
        results: list[bytes | PdfFailed] = []
        for path in names:
            pdf = root / "out" / (path.stem + ".pdf")
            if pdf.is_file() and pdf.stat().st_size > 0:
                results.append(pdf.read_bytes())
            else:
                results.append(PdfFailed(problem or "LibreOffice 没有生成 PDF（文档可能无法打开）"))
        return results


def _run(command: list[str], timeout: float) -> str | None:
    """Run soffice; None when it ended normally, else why (in Chinese). On a timeout (or Ctrl-C) the
    whole process group is killed: soffice starts soffice.bin, which would outlive its parent."""
    posix = os.name == "posix"
    flags = 0 if posix else getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    try:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=posix, creationflags=flags)
    except OSError as exc:
        return f"无法启动 LibreOffice（{exc.strerror or exc}）"
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return f"LibreOffice 在 {timeout:g} 秒内没有完成转换"
    except BaseException:
        _kill(proc)
        raise
    if proc.returncode != 0:
        last = err.decode(sys.getfilesystemencoding() or "utf-8", "replace").strip().splitlines()[-1:] or [""]
        return f"LibreOffice 转换失败（退出码 {proc.returncode}）{('：' + last[0][:200]) if last[0] else ''}"
    return None


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # taskkill /T ends soffice.bin too
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False)
    except OSError:
        proc.kill()
    proc.communicate()
