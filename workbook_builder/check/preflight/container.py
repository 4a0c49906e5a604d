"""The zip container: checks on the central directory, and inflating a part within the limits.

The directory's sizes may lie, so every part is inflated in chunks and stopped as soon as it
outgrows a limit or its own declared size.
"""

from __future__ import annotations

import copy
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Protocol

from .problems import Limits, refuse

# Everything zipfile is known to raise on malformed input.  Only zipfile calls
# are wrapped with it, so our own bugs still surface as exceptions.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,  # includes UnicodeDecodeError on names flagged as UTF-8
    struct.error,
    NotImplementedError,
    RuntimeError,
    OverflowError,
)
_DRIVE = re.compile(r"^[A-Za-z]:")
XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 64 * 1024


def _is_unsafe_name(name: str) -> bool:
    """Names an extractor could write outside its target directory."""
    return (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\0" in name
        or _DRIVE.match(name) is not None
        or ".." in name.split("/")
    )


def check_directory(zf: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """Checks on the central directory alone: nothing is inflated yet."""
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise refuse("too-many-entries", limit=str(limits.max_entries))
    # ZipFile.NameToInfo silently keeps the last of two equal names, so count
    # the raw list.  OPC part names compare case-insensitively.
    counts = Counter(info.filename.lower() for info in infos)
    for info in infos:
        if counts[info.filename.lower()] > 1:
            raise refuse("duplicate-part", info.filename)
    for info in infos:
        # orig_filename keeps what zipfile would truncate at a NUL byte.
        if _is_unsafe_name(info.orig_filename):
            raise refuse("unsafe-path", info.orig_filename)
    for info in infos:
        if info.flag_bits & 0x1:
            raise refuse("encrypted", info.filename)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise refuse("unsupported-compression", info.filename)
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_part_bytes or total > limits.max_total_bytes:
            raise refuse("zip-bomb", info.filename)
        if over_ratio(info.file_size, info.compress_size, limits):
            raise refuse("zip-bomb", info.filename)
    # Overlapping entries let one compressed blob be inflated many times
    # ("non-recursive" zip bombs).  Each entry spans at least its 30-byte
    # local header plus its compressed data, so that is a safe lower bound.
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for first, second in zip(ordered, ordered[1:], strict=False):
        if first.header_offset + 30 + first.compress_size > second.header_offset:
            raise refuse("zip-bomb", second.filename)
    return infos


class RatioLimits(Protocol):
    """What `over_ratio` reads of a set of limits (the preflight's, or a zip input's)."""

    @property
    def max_ratio(self) -> float: ...

    @property
    def ratio_floor_bytes(self) -> int: ...


def over_ratio(size: int, compressed: int, limits: RatioLimits) -> bool:
    """Compression ratio above the limit, only for parts above the floor size."""
    return size > limits.ratio_floor_bytes and size > limits.max_ratio * compressed


def read_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, chunk_size: int = _CHUNK) -> Iterator[bytes]:
    """One member's bytes in chunks, past its declared size when the header lies: the caller stops
    as soon as the member outgrows a limit, and compares the size read with the declared one.

    zipfile trusts the declared size: it stops there and checks the CRC,
    which would report a header that lies about the size as a mere CRC error.
    Declaring more room than one read can use up (zipfile never holds more
    than two reads ahead) makes a lie show up as extra bytes instead.
    """
    probe = copy.copy(info)
    probe.file_size = info.file_size + 4 * chunk_size
    with zf.open(probe) as stream:
        while chunk := stream.read(chunk_size):
            yield chunk


def inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, budget: int) -> bytes:
    """Inflate one part in chunks (`read_chunks`), stopping as soon as it outgrows any limit."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in read_chunks(zf, info):
            size += len(chunk)
            if (
                size > info.file_size
                or size > limits.max_part_bytes
                or size > budget
                or over_ratio(size, info.compress_size, limits)
            ):
                raise refuse("zip-bomb", info.filename)
            chunks.append(chunk)
    except ZIP_ERRORS:
        raise refuse("truncated", info.filename) from None
    if size != info.file_size:
        raise refuse("truncated", info.filename)
    return b"".join(chunks)
