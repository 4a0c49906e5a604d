"""Zips as staff make them, and as an attacker would (tests/test_zip_input.py, test_desk_intake.py).

`zipfile` writes a non-ASCII name as UTF-8 with the flag (bit 11) set and resets the flags of every
member it writes, so the kinds it cannot write are made by patching the archive's bytes afterwards:
a Windows zip's GBK names without the flag, an encrypted flag, another compression method, a size
that lies, damaged data. Every local header and its central directory entry are patched alike.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable, Iterable

LOCAL, CENTRAL = b"PK\x03\x04", b"PK\x01\x02"


def make_zip(members: Iterable[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of (name, bytes) written by zipfile as given (names with `..` or a drive kept as they are)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, (2024, 3, 1, 9, 0, 0)), data, compress_type=compression)
    return buf.getvalue()


def gbk_zip(members: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip as Windows Explorer makes it of Chinese names: the names in GBK, the UTF-8 flag clear.
    Each name is written as an ASCII stand-in of the same byte length, then replaced in both headers."""
    members = list(members)
    stand_ins = []
    for i, (name, _) in enumerate(members):
        raw = name.encode("gbk")
        stand = f"~{i}~".ljust(len(raw), "q").encode("ascii")
        assert len(stand) == len(raw)
        stand_ins.append((stand, raw))
    data = make_zip((stand.decode("ascii"), body) for (stand, _), (_, body) in zip(stand_ins, members, strict=True))
    for stand, raw in stand_ins:
        assert data.count(stand) == 2, "a stand-in must occur once in each header"
        data = data.replace(stand, raw)
    return data


def _headers(data: bytes) -> list[tuple[int, bool, str]]:
    """(offset, is central, name as zipfile reads it without the flag) of every header."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            out.append((info.header_offset, False, info.filename))
        pos = zf.start_dir  # type: ignore[attr-defined]
    while data[pos:pos + 4] == CENTRAL:
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        out.append((pos, True, data[pos + 46:pos + 46 + n].decode("utf-8", "replace")))
        pos += 46 + n + m + k
    return out


def patch(data: bytes, name: str, change: Callable[[bytearray, int, bool], None]) -> bytes:
    """Apply `change(buffer, header offset, is central)` to the local and central header of member `name`."""
    buf = bytearray(data)
    hits = 0
    for offset, central, found in _headers(data):
        if found == name:
            change(buf, offset, central)
            hits += 1
    assert hits == 2, f"{name}: {hits} headers"
    return bytes(buf)


def set_flag(data: bytes, name: str, bit: int) -> bytes:
    """Set a general-purpose flag bit (0x1: encrypted) of a member."""
    def change(buf: bytearray, at: int, central: bool) -> None:
        where = at + (8 if central else 6)
        struct.pack_into("<H", buf, where, struct.unpack_from("<H", buf, where)[0] | bit)
    return patch(data, name, change)


def set_method(data: bytes, name: str, method: int) -> bytes:
    """Claim another compression method (9: deflate64, which Python cannot read)."""
    def change(buf: bytearray, at: int, central: bool) -> None:
        struct.pack_into("<H", buf, at + (10 if central else 8), method)
    return patch(data, name, change)


def set_size(data: bytes, name: str, size: int) -> bytes:
    """Declare another uncompressed size (a lie)."""
    def change(buf: bytearray, at: int, central: bool) -> None:
        struct.pack_into("<I", buf, at + (24 if central else 22), size)
    return patch(data, name, change)


def damage(data: bytes, name: str) -> bytes:
    """Flip bytes in the middle of a member's compressed data (its headers stay right)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    n, m = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + n + m
    buf = bytearray(data)
    for i in range(start + info.compress_size // 3, start + info.compress_size // 3 + 16):
        buf[i] ^= 0x5A
    return bytes(buf)
