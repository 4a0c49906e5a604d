"""Writing output files: atomically, so a crash never leaves half a workbook where a good one was."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(out: str | os.PathLike[str], content: bytes) -> Path:
    """Write `content` to a temporary file beside `out`, then rename it into place."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".wb-", suffix=out.suffix or ".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; an output is an ordinary file
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


# Every file we write that looks like a workbook (annotated copies, the --summary .xlsx, the roll-up)
# carries this custom document property, its value saying which output it is. A folder walk skips
# such files, so a report written inside the checked folder is never checked as a return next time.
OUTPUT_PROPERTY = "workbook_builder_output"
OUTPUT_ANNOTATED, OUTPUT_SUMMARY, OUTPUT_ROLLUP = "annotated", "summary", "rollup"
# A roll-up lists its included and left-out units on a sheet of its own after the template's: the
# checker accepts that one extra sheet in a file marked OUTPUT_ROLLUP, never in a return.
ROLLUP_SHEET = "汇总说明"
# An annotated copy's value also carries a digest of its sheets as we wrote them ("annotated:1a2b…"):
# staff correct their copy and send it back, and LibreOffice, Excel and WPS keep custom properties
# on saving. A copy whose sheets changed is then a return again, not our output (see `sheets_digest`).
# A roll-up's too ("rollup:1a2b…", `marker`): a unit given the 汇总.xlsx may type its own figures into it.
DIGEST_SEPARATOR = ":"
# A CSV cannot carry a property: the `--summary` .csv is known by the start of its header row
# (render/summary.py FILE_HEADER; a test keeps the two in step).
SUMMARY_CSV_HEAD = "文件,单位,年度,状态,错误,警告,提示"
# The feedback pack (`check --feedback`): its mail-merge CSV and each 反馈单 (a .txt) start with these
# words (render/feedback.py writes them), so a pack written inside the checked folder is skipped too.
OUTPUT_FEEDBACK = "feedback"
FEEDBACK_CSV_HEAD = "单位,联系人,联系电话,电子邮箱,结论"
FEEDBACK_TEXT_HEAD = "政府信息公开工作年度报告检查反馈单"
DETAIL_CSV_HEAD = "单位,年度,状态,错误数,警告数,文件"  # the detail table's .csv (render/detail.py LEAD_HEADER)


_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")


def sheets_digest(parts: Iterable[tuple[str, int]]) -> str:
    """A short digest of a workbook's worksheet parts, from (part name, CRC-32 of its bytes) pairs:
    the CRCs a zip directory lists, so a folder walk compares it without inflating anything."""
    sheets = sorted((name.lower(), crc) for name, crc in parts if _SHEET_PART.fullmatch(name.lower()))
    return hashlib.sha256(repr(sheets).encode()).hexdigest()[:16]


def marker(kind: str, content: bytes) -> str:
    """The `OUTPUT_PROPERTY` value of a workbook we wrote (`content`, an .xlsx): `kind` and the digest
    of its sheets (`rollup:1a2b…`), so the file stays ours only while nobody edits its sheets."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return kind + DIGEST_SEPARATOR + sheets_digest((i.filename, i.CRC) for i in zf.infolist())


# The operating system's words for why a write failed, in plain Chinese (its own text follows in
# brackets: on a Chinese Windows it is Chinese already, elsewhere it helps whoever supports the user).
_REASONS = {
    errno.ENOENT: "文件夹不存在",
    errno.ENOTDIR: "路径中有一段是文件，不是文件夹",
    errno.EEXIST: "路径中有一段是文件，不是文件夹",  # mkdir(exist_ok=True) meets a file of that name
    errno.EISDIR: "已有同名的文件夹",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "磁盘或文件夹是只读的",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.ENAMETOOLONG: "文件名或路径太长",
    errno.EBUSY: "文件正被其他程序占用",
    errno.EINVAL: "文件名不被文件系统接受",
}


def describe_os_error(exc: OSError) -> str:
    """Why writing failed, in plain Chinese, for a message that already names the file."""
    reason = _REASONS.get(exc.errno or -1, "操作系统报告了错误")
    return f"{reason}（{exc.strerror}）" if exc.strerror else reason


# ---------------------------------------------------------------- names of the files we write

# Characters Windows refuses in a file name (and control characters, DEL included).
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
# Names Windows reserves whatever their suffix (CON.docx, aux.txt.xlsx cannot be created); its docs also
# list COM0/LPT0, the superscript digits ¹ ² ³ and the console names CONIN$/CONOUT$.
_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?", re.IGNORECASE)
# File systems limit a name to 255 bytes (ext4, APFS) or 255 UTF-16 units (NTFS): a Chinese character is
# 3 bytes in UTF-8, so 100 of them already overflow ext4. 150 bytes leave room for a number （40）
# (8 bytes) and the longest suffix we add (.fragment.html), and keep a deep folder under Windows' 260.
MAX_NAME_BYTES = 150


def safe_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A name (a unit's, a report title) as a file name on Windows, macOS and Linux, without suffix:
    refused and control characters become “_”, no leading or trailing dot or space, at most
    `max_bytes` in UTF-8 (cut between characters), never a reserved device name (CON → _CON).
    A name too long keeps its head and its tail with “…” between: a report title keeps its year and
    “…年度报告”, so two long names that differ only at the end still differ. May be empty: the
    caller has a fallback."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")
    raw = cleaned.encode("utf-8")
    if len(raw) > max_bytes:
        tail = raw[-_TAIL_BYTES:].decode("utf-8", "ignore")
        head = raw[: max_bytes - len(tail.encode("utf-8")) - len("…".encode())].decode("utf-8", "ignore")
        raw = f"{head}…{tail}".encode()
    cut = raw.decode("utf-8", "ignore").strip(" .")
    return f"_{cut}" if _RESERVED.fullmatch(cut) else cut


_TAIL_BYTES = 60  # what a long name keeps of its end: “2024年政府信息公开工作年度报告” is 43 bytes


@dataclass
class Namer:
    """Unique file stems for one run: the first of a name keeps it, the next get `suffix` with n = 2,
    3…; names compare case-insensitively (Windows and macOS folders do). `default` names what has no
    usable name."""

    suffix: str = "（{n}）"
    default: str = "file"
    used: dict[str, str] = field(default_factory=dict)  # casefolded stem → the key that took it
    clash: str | None = None  # for the stem given last: the key that had its name first, if it was numbered

    def name(self, wanted: str, fallback: str = "", key: str = "") -> str:
        """A unique stem for `wanted` (else `fallback`, else `default`); `key` says who asked (its
        source file), so a numbered name can say whose name it shares (`clash`)."""
        base = safe_name(wanted) or safe_name(fallback) or self.default
        stem, n = base, 1
        first = self.used.get(base.casefold())
        while stem.casefold() in self.used:
            n += 1
            stem = f"{base}{self.suffix.format(n=n)}"
        self.used[stem.casefold()] = key
        self.clash = first
        return stem
