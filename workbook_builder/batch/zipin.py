"""A .zip of returns as input: its members expanded into a private folder, within limits.

Township staff send their returns as one zip (Windows Explorer's “发送到 → 压缩(zipped)文件夹”, WinRAR,
7-Zip, WPS's own), so `check 交回.zip` and a zip inside a checked folder are expanded and their members
go through the folder walk's rules (`batch.paths`). A zip is untrusted like any return:
- members are written only into a private folder (`Scratch`: `tempfile.mkdtemp`, mode 0700), each
  to `zNNNN/NNNN/<safe base name>`: the member's name is never used as a path, only shown;
- every refusal is a `zip-refused` finding with its reason (the zip damaged, encrypted, with too many
  members or too large in all; a member encrypted, too large, bomb-like, with a traversal or absolute
  name, or itself a zip): the other members are still checked;
- each member is inflated in chunks with a bounded read that does not trust the declared size
  (zipfile stops at the declared size and calls a lie a CRC error; declaring more room than a read
  can use makes a lie show up as extra bytes, as `check.preflight.container.inflate` does);
- a zip inside the zip is refused, not expanded (one level only): nobody returns workbooks that way,
  and every level multiplies what a bomb can do.
Member names: a name with the UTF-8 flag (bit 11) is UTF-8; without it, zipfile reads it as cp437,
which is right only for ASCII. Windows' own zips of Chinese names are GBK (code page 936) without
the flag, while macOS's Archive Utility and Info-ZIP on Linux write UTF-8 without it: the raw bytes
are read as UTF-8 or as GBK (GB18030), whichever gives Chinese text (`member_name`), else cp437.

The private folder lives until the run is released (`CheckRun.release`), the `Scratch` is garbage
collected, or the process exits: a long-lived server checking many uploads never keeps more than the
runs it holds.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import weakref
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..check.preflight.container import ZIP_ERRORS, over_ratio, read_chunks
from ..outfile import safe_name
from ..textsafe import clean_text, shown_name

MiB = 1 << 20
ZIP_SUFFIX = ".zip"
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_CHUNK = 256 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}")


@dataclass(frozen=True)
class ZipLimits:
    """What one zip may hold. An honest zip of a county's returns is a few hundred workbooks of
    ~50 KB; published reports as PDF reach 30 MB each."""

    max_members: int = 2000
    max_member_bytes: int = 64 * MiB  # the preflight's limit for one workbook (check.preflight.Limits)
    max_total_bytes: int = 1024 * MiB  # all members of one zip, as declared and as inflated
    # deflate tops out near 1032:1 (all zeros); honest workbooks are already compressed (~1:1) and text
    # or HTML reports stay well under 50:1, so 200:1 above 1 MiB is a bomb
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1 * MiB


DEFAULT_LIMITS = ZipLimits()
Refusal = tuple[str, str, dict[str, Any]]  # (shown name, zip-refused reason, its fields)


def _remove(path: str, pid: int) -> None:
    # a forked worker inherits the finalizer: only the process that made the folder removes it
    if os.getpid() == pid:
        shutil.rmtree(path, ignore_errors=True)


class Scratch:
    """A private folder for one run's expanded members, made on first use (0700) and removed by
    `release()`, when this object is garbage collected, or at the process's exit. `max_bytes`
    bounds what all the run's zips may write into it together."""

    def __init__(self, max_bytes: int = 2 * DEFAULT_LIMITS.max_total_bytes) -> None:
        self.max_bytes = max_bytes
        self.used = 0  # bytes written so far
        self._path: Path | None = None
        self._count = 0
        self._finalizer: weakref.finalize | None = None

    @property
    def path(self) -> Path | None:
        """The folder, or None while nothing was expanded (or after `release`)."""
        return self._path

    def folder(self) -> Path:
        """A new empty sub-folder for one zip's members."""
        if self._path is None:
            self._path = Path(tempfile.mkdtemp(prefix="wb-zip-"))  # mode 0700: only this user reads it
            self._finalizer = weakref.finalize(self, _remove, str(self._path), os.getpid())
        self._count += 1
        sub = self._path / f"z{self._count:04d}"
        sub.mkdir(mode=0o700)
        return sub

    def release(self) -> None:
        """Remove the folder and everything in it (idempotent)."""
        if self._finalizer is not None:
            self._finalizer()
        self._path, self._finalizer = None, None


@dataclass
class Expanded:
    """What one zip gave: its members as (real file, shown name), in name order, and the refusals."""

    members: list[tuple[Path, str]] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def is_zip_name(path: str | os.PathLike[str]) -> bool:
    """A file named as a zip (the suffix; its content is looked at by `expand`)."""
    return os.fspath(path).lower().endswith(ZIP_SUFFIX)


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its writer meant it (see the module's notes on GBK names)."""
    name = info.orig_filename
    if info.flag_bits & _UTF8_FLAG or name.isascii():
        return name
    try:
        raw = name.encode("cp437")  # zipfile read the bytes as cp437, a one-to-one map of all 256
    except UnicodeEncodeError:
        return name
    readings = []
    for encoding in ("utf-8", "gb18030"):
        try:
            readings.append(raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    # Short GBK names are often valid UTF-8 too (省 is CA A1 in GBK, “ʡ” in UTF-8; about one in seven characters),
    # but read as UTF-8 they give Latin, Greek or Cyrillic letters, never Chinese: the reading that is
    # all Chinese (or ASCII and Chinese punctuation) wins, else the first that decodes at all.
    return next((r for r in readings if _chinese(r)), readings[0] if readings else name)


_CJK = re.compile("[\u2000-\u206f\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def _chinese(text: str) -> bool:
    """Every character ASCII, CJK or punctuation used with it."""
    return all(ch.isascii() or _CJK.match(ch) for ch in text)


def _unsafe(name: str) -> bool:
    """A name an extractor would write outside its folder: `..`, absolute, a drive, a NUL."""
    posix = name.replace("\\", "/")
    return (posix.startswith("/") or _DRIVE.match(posix) is not None or "\0" in name
            or ".." in posix.split("/"))


def _mb(size: int) -> int:
    return -(-size // MiB)  # rounded up: “65 MB, over 64” and never “64 MB, over 64”


def expand(path: Path, shown: str, scratch: Scratch, limits: ZipLimits | None = None,
           skip: Callable[[PurePosixPath], bool] = lambda p: False) -> Expanded | None:
    """Expand the zip at `path` (shown as `shown`) into a new folder of `scratch`. Members whose
    name `skip` says nobody sent (lock files, `__MACOSX/`) are left out silently. Returns None when
    the file is an Office or ODF package named .zip (a workbook to check as it is). `limits`:
    `DEFAULT_LIMITS` (looked up at each call)."""
    limits = limits or DEFAULT_LIMITS
    out = Expanded()
    try:
        count = _declared_entries(path)
        if count is not None and count > limits.max_members:  # before zipfile builds one object per entry
            out.refused.append((shown, "too-many", {"count": count, "limit": limits.max_members}))
            return out
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if "[Content_Types].xml" in names or "mimetype" in names:
                return None
            files = [i for i in infos if not i.is_dir()]
            refusal = _whole(files, limits, scratch)
            if refusal is not None:
                out.refused.append((shown, *refusal))
                return out
            if not files:  # a zip of an empty folder: said, rather than “nothing found” for the whole run
                out.refused.append((shown, "empty", {}))
                return out
            dest = scratch.folder()
            for n, info in enumerate(files, 1):
                raw = member_name(info)
                name = shown_name(raw)
                if skip(PurePosixPath(name)):
                    continue
                where = f"{shown}/{name}"
                why = _member(zf, info, raw, limits, scratch, dest / f"{n:04d}", name)
                if isinstance(why, Path):
                    out.members.append((why, where))
                else:
                    out.refused.append((where, *why))
    except ZIP_ERRORS:
        out.members.clear()
        out.refused = [(shown, "damaged", {})]
    out.members.sort(key=lambda m: m[1])
    return out


def _declared_entries(path: Path) -> int | None:
    """The entry count the end of the zip declares (zip64 too), read before zipfile parses the whole
    directory: a small file can declare a million entries, and zipfile would hold a ZipInfo for each.
    None when the end record cannot be found (zipfile then says the zip is damaged)."""
    end_record = getattr(zipfile, "_EndRecData", None)  # zipfile's own reader of the end record
    if end_record is None:
        return None
    with open(path, "rb") as fh:
        found = end_record(fh)
    return int(found[zipfile._ECD_ENTRIES_TOTAL]) if found else None  # type: ignore[attr-defined]


def _whole(files: list[zipfile.ZipInfo], limits: ZipLimits, scratch: Scratch) -> tuple[str, dict[str, Any]] | None:
    """A refusal of the whole zip, from its directory alone (nothing inflated yet)."""
    if len(files) > limits.max_members:
        return "too-many", {"count": len(files), "limit": limits.max_members}
    if files and all(i.flag_bits & _ENCRYPTED_FLAG for i in files):
        return "encrypted", {}
    total = sum(i.file_size for i in files)
    room = min(limits.max_total_bytes, scratch.max_bytes - scratch.used)
    if total > room:
        return "too-large", {"size": _mb(total), "limit": _mb(room)}
    return None


def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, raw: str, limits: ZipLimits, scratch: Scratch,
            folder: Path, name: str) -> Path | tuple[str, dict[str, Any]]:
    """Write one member to `folder`, or say why not."""
    if _unsafe(raw):
        return "unsafe-name", {"name": clean_text(raw)}
    if is_zip_name(name):
        return "nested", {}
    if info.flag_bits & _ENCRYPTED_FLAG:
        return "member-encrypted", {}
    if info.file_size > limits.max_member_bytes:
        return "member-too-large", {"limit": _mb(limits.max_member_bytes)}
    if over_ratio(info.file_size, info.compress_size, limits):
        return "bomb", {}
    folder.mkdir(mode=0o700)
    base = PurePosixPath(name).name
    stem, suffix = os.path.splitext(base)
    # the suffix is kept (the walk and the checker tell some kinds by it), the name made safe
    target = folder / ((safe_name(stem, 100) or "file") + (suffix if _SUFFIX.fullmatch(suffix) else ""))
    why = _inflate(zf, info, target, limits)
    if why is not None:
        target.unlink(missing_ok=True)
        return why
    scratch.used += info.file_size
    _keep_date(target, info)
    return target


def _keep_date(target: Path, info: zipfile.ZipInfo) -> None:
    """The member's date in the zip as the file's time: which of two returns is newer (`aggregate
    --latest`, a prior year's choice) is told by it, not by when the run unpacked them."""
    try:
        when = time.mktime((*info.date_time, 0, 0, -1))  # the zip stores local time, as the sender saw it
        os.utime(target, (when, when))
    except (OverflowError, ValueError, OSError):
        pass  # a date no clock can hold: the unpacking time stands


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path,
             limits: ZipLimits) -> tuple[str, dict[str, Any]] | None:
    """Copy one member to `target` in chunks, stopping as soon as it outgrows its declared size (a
    lie), the per-file limit or the ratio; None when written whole."""
    size = 0
    try:
        with open(target, "xb") as fh:
            for chunk in read_chunks(zf, info, _CHUNK):  # past the declared size when it lies
                size += len(chunk)
                if size > limits.max_member_bytes:
                    return "member-too-large", {"limit": _mb(limits.max_member_bytes)}
                if size > info.file_size or over_ratio(size, info.compress_size, limits):
                    return "bomb", {}
                fh.write(chunk)
    except NotImplementedError:  # deflate64 (Explorer's for large files), PPMd, …
        return "unsupported-compression", {}
    except RuntimeError:  # zipfile: an encrypted member without a password
        return "member-encrypted", {}
    except ZIP_ERRORS:
        return "member-damaged", {}
    if size != info.file_size:
        return "member-damaged", {}
    return None
