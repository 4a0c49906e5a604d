"""OLE compound files: a legacy .xls (or WPS .et), an encrypted .xlsx (Office wraps it in OLE), or a
Word / WPS Writer document."""

from __future__ import annotations

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_OLE_ENCRYPTION_STREAMS = ("EncryptionInfo", "EncryptedPackage")
# Streams that only a text document has (Word 97-2003 .doc and WPS Writer .wps both write WordDocument).
_DOCUMENT_STREAMS = ("WordDocument",)


def _has_stream(data: bytes, names: tuple[str, ...]) -> bool:
    """True if the compound file's directory names one of these streams.

    Directory entries are 128 bytes and sectors are multiples of 128 bytes, so
    every entry starts at a 128-byte boundary of the file.  Checking each
    boundary for a stream entry with the right UTF-16LE name and length finds
    them without following sector chains, and still works on a cut-off file.
    """
    wanted = {(name + "\0").encode("utf-16-le"): len(name) * 2 + 2 for name in names}
    for offset in range(512, len(data) - 127, 128):
        entry = data[offset : offset + 128]
        name_len = int.from_bytes(entry[64:66], "little")
        if entry[66] == 2 and wanted.get(entry[:name_len]) == name_len:
            return True
    return False


def ole_is_encrypted(data: bytes) -> bool:
    """True if the compound file's directory names an encryption stream."""
    return _has_stream(data, _OLE_ENCRYPTION_STREAMS)


def ole_reason(data: bytes) -> str:
    """The preflight reason for an OLE file: `encrypted`, `document` (a .doc or .wps), or
    `legacy-xls` (anything else: .xls and WPS's .et are both BIFF workbooks)."""
    if ole_is_encrypted(data):
        return "encrypted"
    return "document" if _has_stream(data, _DOCUMENT_STREAMS) else "legacy-xls"
