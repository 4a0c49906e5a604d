"""A hostile corpus: files a preflight must refuse, each with the verdict expected.

Everything is built here by hand (zipfile, struct) so the corpus does not
depend on the code under test.  Import it from any test::

    from hostile import build_corpus, minimal_xlsx

    corpus = build_corpus(tmp_path)   # {name: (path, expected_code, expected_reason)}

The zip bomb takes about two seconds to compress once; its ~0.7 MB of bytes are
cached for the rest of the process (one test session), so every later
``build_corpus`` call is fast.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

UNREADABLE = "unreadable-file"
UNSAFE = "unsafe-content"
MiB = 1 << 20

Case = tuple[Path, str, str]

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

SHEET_XML = (
    f'{_XML_DECL}<worksheet xmlns="{_NS}"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>项目</t></is></c><c r="B1"><v>1</v></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>合计</t></is></c><c r="B2"><f>SUM(B1:B1)</f><v>1</v></c></row>'
    "</sheetData></worksheet>"
)


def workbook_xml(extra: str = "") -> str:
    """A one-sheet workbook.xml; ``extra`` goes after <sheets>."""
    return (
        f'{_XML_DECL}<workbook xmlns="{_NS}" xmlns:r="{_REL_NS}">'
        f'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>{extra}</workbook>'
    )


def minimal_xlsx(
    *,
    sheet: str | bytes = SHEET_XML,
    workbook: str | bytes | None = None,
    extra_parts: dict[str, str | bytes] | None = None,
    extra_content_types: str = "",
    extra_workbook_rels: str = "",
    main_content_type: str = _CT_MAIN,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """The smallest honest xlsx Excel opens: content types, rels, workbook, one sheet."""
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": (
            f'{_XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{main_content_type}"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT_SHEET}"/>'
            f"{extra_content_types}</Types>"
        ),
        "_rels/.rels": (
            f'{_XML_DECL}<Relationships xmlns="{_PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": workbook if workbook is not None else workbook_xml(),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML_DECL}<Relationships xmlns="{_PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f"{extra_workbook_rels}</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    parts.update(extra_parts or {})
    return _zip(parts, compression)


def _zip(parts: dict[str, str | bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name" is the point of one case
        for name, content in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), content, compress_type=compression)
    return buffer.getvalue()


def _zip_entries(entries: list[tuple[str, str | bytes, int]]) -> bytes:
    """A zip from (name, content, compression) triples, duplicates allowed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, content, compression in entries:
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), content, compress_type=compression)
    return buffer.getvalue()


def _base_entries() -> list[tuple[str, str | bytes, int]]:
    with zipfile.ZipFile(io.BytesIO(minimal_xlsx())) as zf:
        return [(i.filename, zf.read(i), zipfile.ZIP_DEFLATED) for i in zf.infolist()]


def patch_entry(
    data: bytes,
    name: str,
    *,
    file_size: int | None = None,
    flag_bits: int | None = None,
    header_offset_of: str | None = None,
) -> bytes:
    """Rewrite one entry's central-directory record (and its local header) in place.

    ``file_size`` makes the headers lie about the inflated size, ``flag_bits``
    sets e.g. the encryption bit, ``header_offset_of`` points the entry at
    another entry's data so the two overlap.
    """
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = {info.filename: info for info in zf.infolist()}
        position = zf.start_dir
    target = infos[name]
    for _ in infos:
        assert out[position : position + 4] == b"PK\x01\x02"
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", out, position + 28)
        record_name = bytes(out[position + 46 : position + 46 + name_len]).decode("utf-8")
        if record_name == name:
            local = target.header_offset
            if file_size is not None:
                struct.pack_into("<I", out, position + 24, file_size)
                struct.pack_into("<I", out, local + 22, file_size)
            if flag_bits is not None:
                struct.pack_into("<H", out, position + 8, flag_bits)
                struct.pack_into("<H", out, local + 6, flag_bits)
            if header_offset_of is not None:
                struct.pack_into("<I", out, position + 42, infos[header_offset_of].header_offset)
            return bytes(out)
        position += 46 + name_len + extra_len + comment_len
    raise KeyError(name)


# --- OLE compound files, built by hand (MS-CFB, version 3, 512-byte sectors) ---

_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF


def _directory_entry(
    name: str, kind: int, *, child: int = _NOSTREAM, right: int = _NOSTREAM, start: int = _ENDOFCHAIN, size: int = 0
) -> bytes:
    """One 128-byte directory entry; ``kind`` 5 = root, 2 = stream, 0 = unused."""
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return b"".join(
        [
            encoded.ljust(64, b"\0"),
            struct.pack("<HBB", len(encoded), kind, 1),  # name length, type, colour (1 = black)
            struct.pack("<III", _NOSTREAM, right, child),  # left sibling, right sibling, child
            bytes(16 + 4 + 8 + 8),  # CLSID, state bits, creation and modification times
            struct.pack("<IQ", start, size),
        ]
    )


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal, structurally valid OLE compound file holding ``streams``.

    Streams are padded to 4096 bytes (the mini-stream cutoff) so they live in
    ordinary sectors and no mini FAT is needed.  Sector 0 is the FAT, sector 1
    the directory, then the streams.
    """
    assert 1 <= len(streams) <= 3
    # Siblings are ordered by name length, then by upper-case name.
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    payloads = [streams[n].ljust(4096, b"\0") for n in names]
    fat = [_FATSECT, _ENDOFCHAIN]
    entries = [_directory_entry("Root Entry", 5, child=1)]
    for index, payload in enumerate(payloads):
        first = len(fat)
        count = len(payload) // 512
        fat += [*range(first + 1, first + count), _ENDOFCHAIN]
        right = index + 2 if index + 1 < len(payloads) else _NOSTREAM
        entries.append(_directory_entry(names[index], 2, right=right, start=first, size=len(payload)))
    while len(entries) < 4:
        entries.append(_directory_entry("", 0))
    header = b"".join(
        [
            bytes.fromhex("D0CF11E0A1B11AE1"),  # signature
            bytes(16),  # CLSID
            struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6),  # version 3, little-endian, 512- and 64-byte sectors
            bytes(6),
            struct.pack("<IIII", 0, 1, 1, 0),  # directory sectors (0 in v3), FAT sectors, first directory sector
            struct.pack("<IIIII", 4096, _ENDOFCHAIN, 0, _ENDOFCHAIN, 0),  # mini cutoff; no mini FAT, no DIFAT
            struct.pack("<109I", 0, *([_FREESECT] * 108)),  # the FAT is sector 0
        ]
    )
    fat_sector = struct.pack("<128I", *(fat + [_FREESECT] * (128 - len(fat))))
    return header + fat_sector + b"".join(entries) + b"".join(payloads)


# --- the zip bomb ---


@functools.cache
def zip_bomb_bytes(inflated: int = 700 * MiB) -> bytes:
    """A valid-looking xlsx whose sheet1.xml inflates to ``inflated`` bytes.

    The sheet is well-formed XML padded with spaces (which compress exactly
    like zeros, ~1000:1, but keep the XML valid), written through a streaming
    zipfile writer one MiB at a time, so generation never holds it.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(minimal_xlsx())) as base:
        entries = [(i.filename, base.read(i)) for i in base.infolist()]
    head = f'{_XML_DECL}<worksheet xmlns="{_NS}"><sheetData>'.encode()
    tail = b"</sheetData></worksheet>"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, content in entries:
            if name != "xl/worksheets/sheet1.xml":
                zf.writestr(name, content)
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(head)
            padding = inflated - len(head) - len(tail)
            block = b" " * MiB
            while padding > 0:
                sheet.write(block[: min(MiB, padding)])
                padding -= MiB
            sheet.write(tail)
    return buffer.getvalue()


# --- the corpus ---


def _dde_link_part() -> str:
    return (
        f'{_XML_DECL}<externalLink xmlns="{_NS}"><ddeLink ddeService="cmd" ddeTopic="/c calc">'
        '<ddeItems><ddeItem name="A0"/></ddeItems></ddeLink></externalLink>'
    )


def _billion_laughs(root: str, *, padding: int = 0) -> str:
    """An XML declaration, ``padding`` bytes of comment, then a billion-laughs DTD."""
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    ]
    comment = f"<!--{'x' * padding}-->" if padding else ""
    return f'<?xml version="1.0"?>\n{comment}<!DOCTYPE {root} [\n{"".join(entities)}\n]>\n'


def _entity_bomb_workbook() -> str:
    names = '<definedNames><definedName name="x">&lol9;</definedName></definedNames>'
    return _billion_laughs("workbook") + workbook_xml(names).removeprefix(_XML_DECL)


def _entity_bomb_late_sheet() -> str:
    body = SHEET_XML.removeprefix(_XML_DECL).replace("<v>1</v>", "<v>&lol9;</v>", 1)
    return _billion_laughs("worksheet", padding=2048) + body


def _external_entity_sheet() -> str:
    dtd = '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    return dtd + SHEET_XML.removeprefix(_XML_DECL).replace("<v>1</v>", "<v>&x;</v>", 1)


def _sheet_with_formula(formula_xml: str) -> str:
    return SHEET_XML.replace("<f>SUM(B1:B1)</f>", f"<f>{formula_xml}</f>")


def _external_link_package() -> bytes:
    link = (
        f'{_XML_DECL}<externalLink xmlns="{_NS}" xmlns:r="{_REL_NS}"><externalBook r:id="rId1">'
        '<sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>'
    )
    link_rels = (
        f'{_XML_DECL}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
        f'Type="{_REL_NS}/externalLinkPath" Target="file:///C:/secret/other.xlsx" TargetMode="External"/>'
        "</Relationships>"
    )
    return minimal_xlsx(
        workbook=workbook_xml('<externalReferences><externalReference r:id="rId2"/></externalReferences>'),
        extra_workbook_rels=f'<Relationship Id="rId2" Type="{_REL_NS}/externalLink" '
        'Target="externalLinks/externalLink1.xml"/>',
        extra_content_types='<Override PartName="/xl/externalLinks/externalLink1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>',
        extra_parts={
            "xl/externalLinks/externalLink1.xml": link,
            "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels,
        },
    )


def _lying_sizes() -> bytes:
    """Headers say sheet1.xml is 1000 bytes; it really inflates to 5 MiB."""
    sheet = SHEET_XML.replace("</sheetData>", " " * (5 * MiB) + "</sheetData>")
    return patch_entry(minimal_xlsx(sheet=sheet), "xl/worksheets/sheet1.xml", file_size=1000)


def _overlapping() -> bytes:
    data = minimal_xlsx(extra_parts={"xl/worksheets/sheet2.xml": SHEET_XML})
    return patch_entry(data, "xl/worksheets/sheet2.xml", header_offset_of="xl/worksheets/sheet1.xml")


def _replace_entry(name: str, new_name: str) -> bytes:
    return _zip_entries([(new_name if n == name else n, c, k) for n, c, k in _base_entries()])


def _random_bytes() -> bytes:
    data = random.Random(20240101).randbytes(4096)
    assert not data.startswith((b"PK", bytes.fromhex("D0CF11E0")))
    return data


_VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
_MACROSHEET = f'<xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main" xmlns="{_NS}"/>'
_ACTIVEX = (
    '<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" '
    'ax:classid="{8BD21D40-EC42-11CE-9E0D-00AA006002F3}"/>'
)
_CONNECTIONS = (
    f'<connections xmlns="{_NS}"><connection id="1" name="q" type="1" refreshOnLoad="1">'
    '<dbPr connection="DSN=evil" command="SELECT 1"/></connection></connections>'
)
_OLE_HEADER = bytes.fromhex("D0CF11E0A1B11AE1")

# name -> (builder, expected code, expected reason)
CASES: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "empty": (lambda: b"", UNREADABLE, "empty"),
    "random-bytes": (_random_bytes, UNREADABLE, "not-zip"),
    "truncated": (lambda: (d := minimal_xlsx())[: len(d) // 2], UNREADABLE, "truncated"),
    "encrypted": (
        lambda: compound_file(
            {"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": b"\x10" + b"\0" * 7}
        ),
        UNREADABLE,
        "encrypted",
    ),
    "legacy-xls": (lambda: compound_file({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00"}), UNREADABLE, "legacy-xls"),
    "zip-encrypted-entry": (
        lambda: patch_entry(minimal_xlsx(), "xl/worksheets/sheet1.xml", flag_bits=0x1),
        UNREADABLE,
        "encrypted",
    ),
    "bzip2-entry": (
        lambda: _zip_entries(
            [(n, c, zipfile.ZIP_BZIP2 if n.endswith("sheet1.xml") else k) for n, c, k in _base_entries()]
        ),
        UNREADABLE,
        "unsupported-compression",
    ),
    "not-xlsx": (
        lambda: _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<document/>"}),
        UNREADABLE,
        "not-xlsx",
    ),
    "bad-xml": (lambda: minimal_xlsx(sheet=SHEET_XML.replace("</row>", "", 1)), UNREADABLE, "bad-xml"),
    "zip-bomb": (zip_bomb_bytes, UNSAFE, "zip-bomb"),
    # 700 MiB behind a header claiming 60 MiB: passes every declared-size
    # check, so only the streaming cap can stop it.
    "zip-bomb-lying": (
        lambda: patch_entry(zip_bomb_bytes(), "xl/worksheets/sheet1.xml", file_size=60 * MiB),
        UNSAFE,
        "zip-bomb",
    ),
    "lying-sizes": (_lying_sizes, UNSAFE, "zip-bomb"),
    "overlapping-entries": (_overlapping, UNSAFE, "zip-bomb"),
    "too-many-entries": (
        lambda: minimal_xlsx(extra_parts={f"customXml/item{i}.xml": "<a/>" for i in range(2001)}),
        UNSAFE,
        "too-many-entries",
    ),
    "duplicate-part": (
        lambda: _zip_entries(
            _base_entries() + [("xl/workbook.xml", workbook_xml("<!-- second copy -->"), zipfile.ZIP_DEFLATED)]
        ),
        UNSAFE,
        "duplicate-part",
    ),
    "duplicate-part-case": (
        lambda: _zip_entries(_base_entries() + [("XL/Workbook.xml", workbook_xml(), zipfile.ZIP_DEFLATED)]),
        UNSAFE,
        "duplicate-part",
    ),
    "absolute-path": (lambda: minimal_xlsx(extra_parts={"/etc/cron.d/evil": b"x"}), UNSAFE, "unsafe-path"),
    "dotdot-path": (lambda: minimal_xlsx(extra_parts={"xl/../../evil.xml": "<a/>"}), UNSAFE, "unsafe-path"),
    "backslash-path": (
        lambda: _replace_entry("xl/worksheets/sheet1.xml", "xl\\worksheets\\sheet1.xml"),
        UNSAFE,
        "unsafe-path",
    ),
    "drive-letter-path": (lambda: minimal_xlsx(extra_parts={"C:/Windows/evil.xml": "<a/>"}), UNSAFE, "unsafe-path"),
    "entity-bomb": (
        lambda: minimal_xlsx(workbook=_entity_bomb_workbook()),
        UNSAFE,
        "doctype",
    ),
    "entity-bomb-utf16": (
        lambda: minimal_xlsx(workbook=_entity_bomb_workbook().encode("utf-16")),
        UNSAFE,
        "doctype",
    ),
    # The DOCTYPE comes after 2 KB of comment, past the quick look at the head:
    # the parser (defusedxml, DTDs forbidden) must still refuse it.
    "entity-bomb-late": (
        lambda: minimal_xlsx(sheet=_entity_bomb_late_sheet()),
        UNSAFE,
        "doctype",
    ),
    "external-entity": (
        lambda: minimal_xlsx(sheet=_external_entity_sheet()),
        UNSAFE,
        "doctype",
    ),
    "macro": (
        lambda: minimal_xlsx(
            extra_parts={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0fake vba"},
            extra_content_types='<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
            main_content_type="application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        ),
        UNSAFE,
        "macro",
    ),
    # A renamed VBA part: only the content type and the relationship give it away.
    "macro-renamed": (
        lambda: minimal_xlsx(
            extra_parts={"xl/media/image1.png": b"\xd0\xcf\x11\xe0fake vba"},
            extra_content_types=(
                '<Override PartName="/xl/media/image1.png" ContentType="application/vnd.ms-office.vbaProject"/>'
            ),
            extra_workbook_rels=f'<Relationship Id="rId9" Type="{_VBA_REL}" Target="media/image1.png"/>',
        ),
        UNSAFE,
        "macro",
    ),
    "xlm-macrosheet": (
        lambda: minimal_xlsx(extra_parts={"xl/macrosheets/sheet1.xml": _MACROSHEET}),
        UNSAFE,
        "macro",
    ),
    "activex": (
        lambda: minimal_xlsx(
            extra_parts={
                "xl/activeX/activeX1.xml": _ACTIVEX,
                "xl/activeX/activeX1.bin": b"\0" * 64,
            }
        ),
        UNSAFE,
        "activex",
    ),
    "ole-object": (
        lambda: minimal_xlsx(extra_parts={"xl/embeddings/oleObject1.bin": _OLE_HEADER + b"\0" * 56}),
        UNSAFE,
        "ole-object",
    ),
    "external-link": (_external_link_package, UNSAFE, "external-link"),
    "dde-formula": (
        lambda: minimal_xlsx(sheet=_sheet_with_formula("cmd|' /C calc'!A0")),
        UNSAFE,
        "dde",
    ),
    "dde-formula-escaped": (
        lambda: minimal_xlsx(
            sheet=_sheet_with_formula(r"MSEXCEL|&apos;\..\..\Windows\System32\cmd.exe /c calc.exe&apos;!&apos;&apos;")
        ),
        UNSAFE,
        "dde",
    ),
    "dde-link": (
        lambda: minimal_xlsx(extra_parts={"xl/externalLinks/externalLink1.xml": _dde_link_part()}),
        UNSAFE,
        "dde",
    ),
    "data-connection": (
        lambda: minimal_xlsx(extra_parts={"xl/connections.xml": _CONNECTIONS}),
        UNSAFE,
        "data-connection",
    ),
}


# Cases preflight lets through because they are harmless to parse: the reader refuses malformed
# XML (defusedxml, no DTDs) when it parses the part; the checker turns that into unreadable-file.
READER_CASES = {"bad-xml": "malformed-xml"}


def build_corpus(directory: str | Path, names: list[str] | None = None) -> dict[str, Case]:
    """Write the corpus (or the named cases) into ``directory``.

    Returns ``{name: (path, expected_code, expected_reason)}``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    corpus: dict[str, Case] = {}
    for name in names if names is not None else list(CASES):
        build, code, reason = CASES[name]
        suffix = ".xls" if name == "legacy-xls" else ".xlsx"
        path = directory / f"{name}{suffix}"
        path.write_bytes(build())
        corpus[name] = (path, code, reason)
    return corpus
