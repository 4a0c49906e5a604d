"""Preflight: decide whether an uploaded file is a readable, safe .xlsx package.

This runs before anything else looks at a client's file.  It never trusts the
file: sizes in the zip directory may lie, XML may carry entity bombs, and the
package may carry active content (macros, ActiveX, OLE objects, DDE, external
links, data connections) that a government report must not contain.

Every failure is reported as a :class:`Problem`, never as an exception.  The
``reason`` values are stable and meant for machines; ``detail_zh`` and
``detail_en`` are one sentence each for the person who submitted the file.

Reasons, by code and in the order they are checked:

``unreadable-file``
    ``io-error``, ``empty``, ``too-large`` (file over ``max_file_bytes``),
    ``encrypted`` (OLE-wrapped encrypted package, or password-protected zip
    entries), ``legacy-xls``, ``not-zip``, ``truncated`` (the zip cannot be
    opened or a part fails to inflate: cut-off directories, CRC and zlib
    errors and size mismatches are all reported as ``truncated``; there is no
    separate ``bad-zip``), ``unsupported-compression`` (anything but stored or
    deflate, which is all OPC allows; other methods have no bounded-output
    decompression in :mod:`zipfile`), ``not-xlsx`` (no ``xl/workbook.xml`` or
    no ``[Content_Types].xml``), ``bad-xml`` (a part is not well-formed XML).

``unsafe-content``
    ``too-many-entries``, ``duplicate-part``, ``unsafe-path``, ``zip-bomb``
    (declared or actual sizes over the limits, actual size above the declared
    one, or overlapping entries), ``doctype``, then, after every XML part has
    been read: ``macro``, ``activex``, ``ole-object``, ``dde``,
    ``external-link``, ``data-connection``.

The module imports only the standard library and defusedxml.
"""

from __future__ import annotations

import copy
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..errors import WorkbookBuilderError

__all__ = ["Limits", "Preflight", "Problem", "preflight_bytes", "preflight_path"]

MiB = 1 << 20
UNREADABLE = "unreadable-file"
UNSAFE = "unsafe-content"


@dataclass(frozen=True)
class Problem:
    """Why a file was refused: a stable code and reason, and what to do about it."""

    code: str
    reason: str
    detail_zh: str
    detail_en: str
    part: str | None = None


@dataclass(frozen=True)
class Preflight:
    """Outcome of a preflight: the XML parts of a good package, or the problem."""

    parts: Mapping[str, bytes] | None
    problem: Problem | None


@dataclass(frozen=True)
class Limits:
    """Resource limits; the defaults suit annual-report workbooks with room to spare."""

    max_file_bytes: int = 64 * MiB
    max_entries: int = 2000
    max_part_bytes: int = 64 * MiB
    max_total_bytes: int = 256 * MiB
    # Deflate tops out near 1032:1, which is what an all-zeros bomb reaches; honest parts stay far
    # below that, though LibreOffice's rich-text runs for mixed Chinese/Latin prose reach 133:1.
    # The absolute caps above are the real bound; this stops the extreme case before inflating.
    max_ratio: float = 1000.0
    ratio_floor_bytes: int = 1 * MiB


_RESAVE_ZH = "请用 Excel 或 WPS 打开后另存为 .xlsx 再重新提交"
_RESAVE_EN = "open it in Excel or WPS, save it as .xlsx and submit it again"

# reason -> (code, Chinese, English).  "{part}" and "{limit}" are filled in.
_MESSAGES: dict[str, tuple[str, str, str]] = {
    "io-error": (
        UNREADABLE,
        "无法读取该文件（文件不存在、是目录或没有读取权限），请检查文件后重新提交。",
        "The file cannot be read (it is missing, a directory or not readable); check it and submit it again.",
    ),
    "empty": (
        UNREADABLE,
        "文件是空的（0 字节），请重新保存 .xlsx 文件后再提交。",
        "The file is empty (0 bytes); save the .xlsx file again and resubmit it.",
    ),
    "too-large": (
        UNREADABLE,
        "文件超过 {limit} 的大小上限，请删除无关内容或拆分后重新提交。",
        "The file is larger than the {limit} limit; remove unneeded content or split it and resubmit.",
    ),
    "encrypted": (
        UNREADABLE,
        "文件已加密（设置了打开密码），请取消密码、另存为未加密的 .xlsx 后重新提交。",
        "The file is encrypted (it has an open password); remove the password, save an unencrypted .xlsx and resubmit.",
    ),
    "legacy-xls": (
        UNREADABLE,
        f"这是旧版 Excel 97-2003（.xls）格式的文件，{_RESAVE_ZH}。",
        f"This is an old Excel 97-2003 (.xls) file; {_RESAVE_EN}.",
    ),
    "not-zip": (
        UNREADABLE,
        f"文件不是 .xlsx 格式（不是 Office Open XML 压缩包），{_RESAVE_ZH}。",
        f"The file is not an .xlsx file (not an Office Open XML package); {_RESAVE_EN}.",
    ),
    "truncated": (
        UNREADABLE,
        "文件已损坏或不完整（可能是上传或复制时中断），请重新保存或导出后再提交。",
        "The file is damaged or incomplete (perhaps an interrupted upload or copy); save or export it again and resubmit.",
    ),
    "unsupported-compression": (
        UNREADABLE,
        f"文件部件 {{part}} 使用了 .xlsx 不允许的压缩方式，{_RESAVE_ZH}。",
        f"Part {{part}} uses a compression method that .xlsx does not allow; {_RESAVE_EN}.",
    ),
    "not-xlsx": (
        UNREADABLE,
        "压缩包中没有 Excel 工作簿（缺少 xl/workbook.xml 或 [Content_Types].xml），请提交 .xlsx 格式的工作簿。",
        "The package holds no Excel workbook (xl/workbook.xml or [Content_Types].xml is missing); submit an .xlsx workbook.",
    ),
    "bad-xml": (
        UNREADABLE,
        f"文件内部的 XML 部件 {{part}} 格式错误，{_RESAVE_ZH}。",
        f"The XML part {{part}} inside the file is malformed; {_RESAVE_EN}.",
    ),
    "too-many-entries": (
        UNSAFE,
        f"文件内部的部件数量超过 {{limit}} 个，结构异常，{_RESAVE_ZH}。",
        f"The file holds more than {{limit}} parts, which is abnormal; {_RESAVE_EN}.",
    ),
    "duplicate-part": (
        UNSAFE,
        f"文件内部有重名的部件 {{part}}，内容有歧义，{_RESAVE_ZH}。",
        f"The file holds the part {{part}} more than once, so its content is ambiguous; {_RESAVE_EN}.",
    ),
    "unsafe-path": (
        UNSAFE,
        f"文件内部含有不安全的路径 {{part}}，已拒绝处理，{_RESAVE_ZH}。",
        f"The file holds an unsafe path {{part}} and was refused; {_RESAVE_EN}.",
    ),
    "zip-bomb": (
        UNSAFE,
        "文件解压后的大小异常（疑似“压缩炸弹”），已拒绝处理，请提交正常保存的 .xlsx 文件。",
        "The file inflates to an abnormal size (a suspected zip bomb) and was refused; submit a normally saved .xlsx file.",
    ),
    "doctype": (
        UNSAFE,
        f"文件内部的 XML 部件 {{part}} 含有 DOCTYPE 或实体声明（可用于“实体炸弹”攻击），已拒绝处理，{_RESAVE_ZH}。",
        f"The XML part {{part}} declares a DOCTYPE or entities (usable for entity-bomb attacks) and was refused; {_RESAVE_EN}.",
    ),
    "macro": (
        UNSAFE,
        "文件包含宏（VBA 或 Excel 4.0 宏），请删除宏并另存为 .xlsx（不是 .xlsm）后重新提交。",
        "The file contains macros (VBA or Excel 4.0); remove them, save as .xlsx (not .xlsm) and resubmit.",
    ),
    "activex": (
        UNSAFE,
        "文件包含 ActiveX 控件，请删除控件并另存为 .xlsx 后重新提交。",
        "The file contains ActiveX controls; delete them, save as .xlsx and resubmit.",
    ),
    "ole-object": (
        UNSAFE,
        "文件包含嵌入或链接的 OLE 对象（如嵌入的文档或程序包），请删除这些对象后重新提交。",
        "The file contains embedded or linked OLE objects (such as embedded documents or packages); delete them and resubmit.",
    ),
    "dde": (
        UNSAFE,
        "文件包含 DDE 动态数据交换公式或链接（可启动外部程序），请删除相关公式后重新提交。",
        "The file contains DDE formulas or links (which can start other programs); delete them and resubmit.",
    ),
    "external-link": (
        UNSAFE,
        "文件包含指向其他工作簿的外部链接，请在“数据 → 编辑链接”中断开链接（将公式转为数值）后重新提交。",
        "The file links to other workbooks; break the links (Data > Edit Links > Break Link) so formulas become values, and resubmit.",
    ),
    "data-connection": (
        UNSAFE,
        "文件包含外部数据连接，请在“数据 → 查询和连接”中删除连接后重新提交。",
        "The file contains external data connections; delete them (Data > Queries & Connections) and resubmit.",
    ),
}

# Order in which active-content findings are reported when a file has several.
# Linked content that is harmless to parse (we never follow a link) but makes a report's figures
# depend on other files: refused, yet the parts are returned so the file can still be identified.
PASSIVE_REASONS = frozenset({"external-link", "data-connection"})
_CONTENT_REASONS = ("macro", "activex", "ole-object", "dde", "external-link", "data-connection")


class _Refused(WorkbookBuilderError):
    """Internal unwinding only: carries the Problem up to the public functions."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.reason)
        self.problem = problem
        self.parts: dict[str, bytes] | None = None


def _problem(reason: str, part: str | None = None, limit: str = "") -> Problem:
    code, zh, en = _MESSAGES[reason]
    shown = part if part is not None else ""
    return Problem(code, reason, zh.format(part=shown, limit=limit), en.format(part=shown, limit=limit), part)


def _refuse(reason: str, part: str | None = None, limit: str = "") -> _Refused:
    return _Refused(_problem(reason, part, limit))


def _size(n: int) -> str:
    return f"{n / MiB:g} MiB"


# --- OLE compound files (.xls, and encrypted .xlsx which Office wraps in OLE) ---

_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_OLE_ENCRYPTION_STREAMS = ("EncryptionInfo", "EncryptedPackage")


def _ole_is_encrypted(data: bytes) -> bool:
    """True if the compound file's directory names an encryption stream.

    Directory entries are 128 bytes and sectors are multiples of 128 bytes, so
    every entry starts at a 128-byte boundary of the file.  Checking each
    boundary for a stream entry with the right UTF-16LE name and length finds
    them without following sector chains, and still works on a cut-off file.
    """
    wanted = {(name + "\0").encode("utf-16-le"): len(name) * 2 + 2 for name in _OLE_ENCRYPTION_STREAMS}
    for offset in range(512, len(data) - 127, 128):
        entry = data[offset : offset + 128]
        name_len = int.from_bytes(entry[64:66], "little")
        if entry[66] == 2 and wanted.get(entry[:name_len]) == name_len:
            return True
    return False


# --- zip container ---

# Everything zipfile is known to raise on malformed input.  Only zipfile calls
# are wrapped with it, so our own bugs still surface as exceptions.
_ZIP_ERRORS = (
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
_XML_SUFFIXES = (".xml", ".rels", ".vml")
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


def _check_directory(zf: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """Checks on the central directory alone: nothing is inflated yet."""
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise _refuse("too-many-entries", limit=str(limits.max_entries))
    # ZipFile.NameToInfo silently keeps the last of two equal names, so count
    # the raw list.  OPC part names compare case-insensitively.
    counts = Counter(info.filename.lower() for info in infos)
    for info in infos:
        if counts[info.filename.lower()] > 1:
            raise _refuse("duplicate-part", info.filename)
    for info in infos:
        # orig_filename keeps what zipfile would truncate at a NUL byte.
        if _is_unsafe_name(info.orig_filename):
            raise _refuse("unsafe-path", info.orig_filename)
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refuse("encrypted", info.filename)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse("unsupported-compression", info.filename)
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_part_bytes or total > limits.max_total_bytes:
            raise _refuse("zip-bomb", info.filename)
        if _over_ratio(info.file_size, info.compress_size, limits):
            raise _refuse("zip-bomb", info.filename)
    # Overlapping entries let one compressed blob be inflated many times
    # ("non-recursive" zip bombs).  Each entry spans at least its 30-byte
    # local header plus its compressed data, so that is a safe lower bound.
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for first, second in zip(ordered, ordered[1:], strict=False):
        if first.header_offset + 30 + first.compress_size > second.header_offset:
            raise _refuse("zip-bomb", second.filename)
    return infos


def _over_ratio(size: int, compressed: int, limits: Limits) -> bool:
    """Compression ratio above the limit, only for parts above the floor size."""
    return size > limits.ratio_floor_bytes and size > limits.max_ratio * compressed


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, budget: int) -> bytes:
    """Inflate one part in chunks, stopping as soon as it outgrows any limit.

    zipfile trusts the declared size: it stops there and checks the CRC,
    which would report a header that lies about the size as a mere CRC error.
    Declaring more room than one read can use up (zipfile never holds more
    than two reads ahead) makes a lie show up as extra bytes instead.
    """
    probe = copy.copy(info)
    probe.file_size = info.file_size + 4 * _CHUNK
    chunks: list[bytes] = []
    size = 0
    try:
        with zf.open(probe) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if (
                    size > info.file_size
                    or size > limits.max_part_bytes
                    or size > budget
                    or _over_ratio(size, info.compress_size, limits)
                ):
                    raise _refuse("zip-bomb", info.filename)
                chunks.append(chunk)
    except _ZIP_ERRORS:
        raise _refuse("truncated", info.filename) from None
    if size != info.file_size:
        raise _refuse("truncated", info.filename)
    return b"".join(chunks)


# --- XML parts ---

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def _declares_doctype(data: bytes) -> bool:
    """Look for a DTD or entity declaration near the start of an XML part.

    This refuses entity bombs without handing them to any parser; `_scan_xml` also looks for
    a declaration pushed further down by comments, anywhere in the part.
    """
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\0", b"\0<"):
        encoding = "utf-16-be" if head.startswith(b"\xfe\xff") or head[:1] == b"\0" else "utf-16-le"
    else:
        encoding = "latin-1"  # bytewise: any ASCII-compatible encoding reads the same here
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    text = _XML_DECL.sub("", head.decode(encoding, errors="replace"), count=1)[:1024].upper()
    return "<!DOCTYPE" in text or "<!ENTITY" in text


# Elements whose text is a formula; DDE hides in any of them.
_FORMULA_TAGS = frozenset({"f", "definedName", "formula", "formula1", "formula2"})
# String literals, quoted sheet names and [bracketed] parts (structured and
# external-book references) may legitimately contain "|"; scanned left to right.
_QUOTED = re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'|\[[^\]]*\]")
_DDE_FUNCTION = re.compile(r"\bDDE(?:AUTO)?\s*\(", re.IGNORECASE)

# Last segment of a relationship type (lower case) -> reason.
_RELATIONSHIP_REASONS = {
    "vbaproject": "macro",
    "xlmacrosheet": "macro",
    "xlintlmacrosheet": "macro",
    "control": "activex",
    "activexcontrolbinary": "activex",
    "oleobject": "ole-object",
    "package": "ole-object",
    "externallink": "external-link",
    "externallinkpath": "external-link",
    "connections": "data-connection",
}
# Fragment of a content type (lower case) -> reason.
_CONTENT_TYPE_REASONS = {
    "macroenabled": "macro",
    "vbaproject": "macro",
    "macrosheet": "macro",
    "activex": "activex",
    "oleobject": "ole-object",
    "spreadsheetml.externallink": "external-link",
    "spreadsheetml.connections": "data-connection",
}
_ELEMENT_REASONS = {
    "ddeLink": "dde",
    "externalReferences": "external-link",
    "externalBook": "external-link",
}


def _is_dde_formula(formula: str) -> bool:
    """DDE: ``app|topic!item`` (e.g. ``cmd|' /C calc'!A0``) or a DDE() call.

    Excel formulas have no ``|`` operator, so a ``|`` outside string
    literals, quoted names and brackets can only be a DDE reference.
    """
    bare = _QUOTED.sub(" ", formula)
    return "|" in bare or _DDE_FUNCTION.search(bare) is not None


_ELEMENT_RE = re.compile(rb"<(?:[\w.-]+:)?(ddeLink|externalReferences|externalBook)\b")
_REL_TYPE_RE = re.compile(rb"<(?:[\w.-]+:)?Relationship\b[^>]*?\bType\s*=\s*[\"']([^\"']*)[\"']")
_CONTENT_TYPE_RE = re.compile(rb"<(?:[\w.-]+:)?(?:Default|Override)\b[^>]*>")
_ATTR_RE = re.compile(rb"\b(ContentType|PartName)\s*=\s*[\"']([^\"']*)[\"']")
_FORMULA_OPEN = re.compile(rb"<((?:[\w.-]+:)?(?:f|definedName|formula|formula1|formula2))\b[^>]*?(?<!/)>")
_DDE_CALL = re.compile(rb"dde(?:auto)?\s*\(")
_ENTITIES = {"&quot;": '"', "&apos;": "'", "&lt;": "<", "&gt;": ">"}


def _unescape(text: str) -> str:
    text = text.replace("<![CDATA[", "").replace("]]>", "")
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return re.sub(r"&#(x?)([0-9a-fA-F]+);", lambda m: chr(int(m.group(2), 16 if m.group(1) else 10)), text).replace(
        "&amp;", "&"
    )


_DECLARATION = re.compile(rb"^<\?xml[^>]*?\?>")
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _as_utf8(name: str, data: bytes) -> bytes:
    """The part as UTF-8 bytes, the only form scanned and handed on; other encodings are refused.

    OPC allows UTF-8 and UTF-16 only. UTF-16 is recognised by its byte-order mark or, without one,
    by the NUL byte beside the first "<"; it is transcoded and its declaration rewritten, so that
    every byte-level scan below sees the real text and the reader never meets UTF-16.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:2] in (b"<\0", b"\0<"):
        codec = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-16-le" if data[:1] == b"<" else "utf-16-be")
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            raise _refuse("bad-xml", name) from None
        return _DECLARATION.sub(b'<?xml version="1.0" encoding="UTF-8"?>', text.lstrip("\ufeff").encode("utf-8"), count=1)
    declared = _DECLARED_ENCODING.match(data)
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise _refuse("bad-xml", name)  # GBK, Latin-1 …: not allowed in OPC, and bytes would lie to the scans
    if b"\0" in data[:64]:
        raise _refuse("bad-xml", name)  # UTF-32 or other NUL-padded text
    return data


def _scan_xml(name: str, data: bytes, findings: dict[str, str]) -> bytes:
    """Refuse DTDs; record active or linked content in ``findings``.

    A byte-level scan for exactly the constructs we refuse, rather than a full parse: the reader
    parses every part it uses with defusedxml (DTDs forbidden, malformed XML refused), so a
    second tree here would only double the cost of every check. Comments that merely mention
    such a construct are refused too; that errs on the safe side. Returns the part as UTF-8.
    """
    data = _as_utf8(name, data)
    # XML text cannot hold a bare "<", so these bytes can only be a DTD (or sit in a comment or
    # CDATA, which we refuse too rather than parse): wherever they appear, no parser sees them.
    if _declares_doctype(data) or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _refuse("doctype", name)
    lower = name.lower()
    if b"externalReferences" in data or b"ddeLink" in data or b"externalBook" in data:
        for m in _ELEMENT_RE.finditer(data):
            findings.setdefault(_ELEMENT_REASONS[m.group(1).decode()], name)
    if lower.endswith(".rels"):
        for m in _REL_TYPE_RE.finditer(data):
            kind = m.group(1).decode("utf-8", "replace").rpartition("/")[2].lower()
            if kind in _RELATIONSHIP_REASONS:
                findings.setdefault(_RELATIONSHIP_REASONS[kind], name)
    elif lower == "[content_types].xml":
        for m in _CONTENT_TYPE_RE.finditer(data):
            attrs = {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTR_RE.findall(m.group(0))}
            content_type = attrs.get("ContentType", "").lower()
            for fragment, reason in _CONTENT_TYPE_REASONS.items():
                if fragment in content_type:
                    findings.setdefault(reason, attrs.get("PartName", "").lstrip("/") or name)
    # Most parts hold neither "|" nor a DDE( / DDEAUTO( call: cheap scans skip the formula regex
    # for them ("dde" alone would match every `hidden` attribute).
    if (b"|" in data or _DDE_CALL.search(data.lower())) and _has_dde_formula(data):
        findings.setdefault("dde", name)
    return data


def _has_dde_formula(data: bytes) -> bool:
    """Any formula element whose text is a DDE reference; linear in the size of the part.

    Each opening tag is matched with the next closing tag of its name, and the scan goes on from
    there (formula elements hold text only), so unclosed tags cannot make it quadratic.
    """
    pos = 0
    while (m := _FORMULA_OPEN.search(data, pos)) is not None:
        close = data.find(b"</" + m.group(1), m.end())
        if close < 0:
            return False
        if _is_dde_formula(_unescape(data[m.end() : close].decode("utf-8", "replace"))):
            return True
        pos = close + 2
    return False


def _name_reason(name: str) -> str | None:
    """Active content recognised by its conventional part name."""
    lower = name.lower()
    base = lower.rpartition("/")[2]
    if base.startswith("vbaproject") or lower.startswith("xl/macrosheets/"):
        return "macro"
    if lower.startswith("xl/activex/"):
        return "activex"
    if lower.startswith("xl/embeddings/"):
        return "ole-object"
    if lower.startswith("xl/externallinks/"):
        return "external-link"
    if lower == "xl/connections.xml":
        return "data-connection"
    return None


# --- public API ---


def _check(data: bytes, limits: Limits) -> dict[str, bytes]:
    if not data:
        raise _refuse("empty")
    if len(data) > limits.max_file_bytes:
        raise _refuse("too-large", limit=_size(limits.max_file_bytes))
    if data.startswith(_OLE_MAGIC):
        raise _refuse("encrypted" if _ole_is_encrypted(data) else "legacy-xls")
    if not data.startswith(b"PK"):
        raise _refuse("not-zip")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        raise _refuse("truncated") from None
    with zf:
        infos = _check_directory(zf, limits)
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise _refuse("not-xlsx")
        # Names first, so a problem points at the offending part itself rather
        # than at the content type or relationship that mentions it.
        findings: dict[str, str] = {}
        for info in infos:
            reason = _name_reason(info.filename)
            if reason:
                findings.setdefault(reason, info.filename)
        parts: dict[str, bytes] = {}
        budget = limits.max_total_bytes
        for info in infos:
            if info.is_dir() or not info.filename.lower().endswith(_XML_SUFFIXES):
                continue
            part = _inflate(zf, info, limits, budget)
            budget -= len(part)
            parts[info.filename] = _scan_xml(info.filename, part, findings)
    for reason in _CONTENT_REASONS:
        if reason in findings:
            refused = _refuse(reason, findings[reason])
            if reason in PASSIVE_REASONS:
                refused.parts = parts
            raise refused
    return parts


def preflight_bytes(data: bytes, limits: Limits = Limits()) -> Preflight:
    """Check an in-memory file; never raises for any input bytes."""
    try:
        parts = _check(data if isinstance(data, bytes) else bytes(data), limits)
    except _Refused as refused:
        kept = refused.parts
        return Preflight(MappingProxyType(kept) if kept is not None else None, refused.problem)
    return Preflight(MappingProxyType(parts), None)


def preflight_path(path: str | os.PathLike[str], limits: Limits = Limits()) -> Preflight:
    """Check a file on disk, opened read-only; nothing is ever written."""
    try:
        # O_NONBLOCK: opening a FIFO must not hang; fstat then refuses it.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags)
    except (OSError, ValueError):  # ValueError: a NUL byte in the path
        return Preflight(None, _problem("io-error"))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return Preflight(None, _problem("io-error"))
        if info.st_size > limits.max_file_bytes:
            # Refuse before reading: a huge file must not be loaded at all.
            return Preflight(None, _problem("too-large", limit=_size(limits.max_file_bytes)))
        with open(fd, "rb", closefd=False) as file:
            # read(n) allocates n bytes up front, so ask for the actual size
            # (+1 notices growth) rather than for the limit.
            data = file.read(info.st_size + 1)
    except OSError:
        return Preflight(None, _problem("io-error"))
    finally:
        os.close(fd)
    return preflight_bytes(data, limits)
