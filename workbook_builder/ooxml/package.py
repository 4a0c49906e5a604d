"""An OPC package (the zip of an .xlsx): its parts, relationships and content types.

`Package` reads: part names, found the way applications find them; relationships; the workbook
part. `EditablePackage` is the same package opened from its zip bytes to write a changed copy:
parts replaced or added, every other zip entry copied unchanged, in its order and with its
compression and metadata. `ContentTypes` adds entries to `[Content_Types].xml` by splicing.

Parts come already screened by preflight (sizes bounded, no DOCTYPE); nothing here trusts them
further than `parse_xml` does.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterable, Mapping
from typing import BinaryIO, NamedTuple
from urllib.parse import unquote

from .splice import Doc, escape
from .xml import local_name, parse_xml

__all__ = [
    "PACKAGE_RELATIONSHIPS",
    "SPREADSHEETML",
    "ContentTypes",
    "EditablePackage",
    "Package",
    "Relationship",
    "find_rel",
    "part_for",
    "relative_target",
    "rels_part",
    "resolve",
]

#: SpreadsheetML main namespace → the relationships namespace its r:id attributes use
SPREADSHEETML = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main":  # transitional
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/spreadsheetml/main":  # strict
        "http://purl.oclc.org/ooxml/officeDocument/relationships",
}
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"


class Relationship(NamedTuple):
    id: str
    type: str
    #: the part name it points to, resolved against its source part (the raw Target if external)
    target: str
    external: bool


def rels_part(source: str) -> str:
    """'xl/workbook.xml' → 'xl/_rels/workbook.xml.rels'; '' (the package) → '_rels/.rels'."""
    d, b = posixpath.split(source)
    return posixpath.join(d, "_rels", b + ".rels")


def resolve(base_dir: str, target: str) -> str:
    """A relationship Target, relative to its source's folder or absolute, as a part name."""
    # Targets written with backslashes (seen in files from Windows tools) name the same part
    target = target.split("#", 1)[0].replace("\\", "/")
    path = target[1:] if target.startswith("/") else posixpath.join(base_dir, target)
    path = posixpath.normpath(path) if path else path
    return path.lstrip("/")


def relative_target(source: str, target: str) -> str:
    """The Target to write in `source`'s rels for part `target`."""
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


def find_rel(rels: Mapping[str, Relationship], kind: str) -> str | None:
    """Target of the first internal relationship whose type ends in /kind
    (transitional and strict relationship types share their last segment)."""
    suffix = "/" + kind
    for rel in rels.values():
        if not rel.external and rel.type.endswith(suffix):
            return rel.target
    return None


def part_for(rels: Mapping[str, Relationship], kind: str, default: str) -> str | None:
    """The part a relationship of type ``kind`` points to.  Applications
    only load related parts, so an unrelated part with the usual name is
    ignored; the usual name is used only when there is no .rels file."""
    if rels:
        return find_rel(rels, kind)
    return default


class Package:
    """A package given as ``part name -> bytes`` (its XML and .rels parts), read only."""

    def __init__(self, parts: Mapping[str, bytes], names: Iterable[str] | None = None) -> None:
        self._parts = parts
        self._names = names  # every entry name, when there are more than the parts
        self._folded: dict[str, str] | None = None

    def _fold(self) -> dict[str, str]:
        if self._folded is None:
            names = self._parts if self._names is None else self._names
            self._folded = {k.lstrip("/").lower(): k for k in names}
        return self._folded

    def name_of(self, name: str) -> str | None:
        """The stored part name for ``name`` (OPC part names compare
        case-insensitively; targets may be percent-encoded)."""
        if name in self._parts:
            return name
        folded = self._fold()
        for candidate in (name, unquote(name), name.replace("\\", "/")):
            k = folded.get(candidate.lstrip("/").lower())
            if k is not None:
                return k
        return None

    def get(self, name: str) -> bytes | None:
        """The bytes of part ``name`` (found as `name_of` finds it), or None."""
        k = self.name_of(name)
        return None if k is None else self._parts.get(k)

    def rels(self, source: str) -> dict[str, Relationship]:
        """Relationships of part ``source`` ('' for the package) by id, in document order; of
        entries sharing an id the first wins, entries without Id or Target are skipped."""
        d = posixpath.dirname(source)
        name = rels_part(source)
        data = self.get(name)
        out: dict[str, Relationship] = {}
        if data is None:
            return out
        for el in parse_xml(data, name):
            if local_name(el.tag) != "Relationship":
                continue
            rid = el.get("Id")
            target = el.get("Target")
            if rid is None or target is None:
                continue
            external = (el.get("TargetMode") or "").lower() == "external"
            resolved = target if external else resolve(d, target)
            out.setdefault(rid, Relationship(rid, el.get("Type") or "", resolved, external))
        return out

    def workbook_part(self) -> str | None:
        """The workbook part: through _rels/.rels, else the usual name; None if neither exists."""
        target = find_rel(self.rels(""), "officeDocument")
        found = self.name_of(target) if target is not None else None
        return found if found is not None else self.name_of("xl/workbook.xml")


class EditablePackage(Package):
    """A package opened from its zip bytes, to write a copy with some parts replaced or added."""

    def __init__(self, data: bytes, parts: Mapping[str, bytes]) -> None:
        """``parts``: the package's XML parts as preflight handed them on (safe to parse)."""
        self._zip = zipfile.ZipFile(io.BytesIO(data))
        self._infos = self._zip.infolist()
        self.parts = dict(parts)
        super().__init__(self.parts, [i.filename for i in self._infos])
        self._changed: set[str] = set()
        self._added: list[str] = []
        self.reserved: set[str] = set()  # lower-cased names content types already speak of

    def replace(self, name: str, data: bytes) -> None:
        """Give part ``name`` (an existing entry, found case-insensitively) new bytes."""
        real = self.name_of(name) or name
        self.parts[real] = data
        self._changed.add(real)

    def add(self, name: str, data: bytes) -> None:
        """A new part, written after every existing entry."""
        self._added.append(name)
        self._fold()[name.lower()] = name
        self.parts[name] = data

    def free_name(self, pattern: str) -> str:
        """The first of pattern.format(1, 2, …) that no entry (and no content type) speaks of."""
        n = 1
        while self.name_of(pattern.format(n)) is not None or pattern.format(n).lower() in self.reserved:
            n += 1
        return pattern.format(n)

    def write(self, fh: BinaryIO) -> None:
        """The copy: every entry in its order with its metadata; changed ones with their new bytes."""
        first = self._infos[0]
        with zipfile.ZipFile(fh, "w") as zout:
            for info in self._infos:
                zi = _entry(info.filename, info)
                zi.comment = info.comment
                zi.extra = _strip_zip64(info.extra)
                if info.is_dir():
                    data = b""
                elif info.filename in self._changed:
                    data = self.parts[info.filename]
                else:
                    data = self._zip.read(info)
                zout.writestr(zi, data)
            for name in self._added:
                zi = _entry(name, first)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(zi, self.parts[name])


def _entry(name: str, like: zipfile.ZipInfo) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, like.date_time)
    zi.compress_type = like.compress_type
    zi.external_attr = like.external_attr
    zi.create_system = like.create_system
    return zi


def _strip_zip64(extra: bytes) -> bytes:
    """Extra fields minus zip64 (0x0001), whose sizes zipfile recomputes: stale ones would lie."""
    out, i = b"", 0
    while i + 4 <= len(extra):
        tag, size = int.from_bytes(extra[i: i + 2], "little"), int.from_bytes(extra[i + 2: i + 4], "little")
        if tag != 1:
            out += extra[i: i + 4 + size]
        i += 4 + size
    return out


class ContentTypes:
    """`[Content_Types].xml` of an editable package: new Default and Override entries, spliced in."""

    PART = "[Content_Types].xml"

    def __init__(self, pkg: EditablePackage) -> None:
        self.pkg = pkg
        data = pkg.get(self.PART) or b""
        self.doc = Doc.parse(data, self.PART)
        root = parse_xml(data, self.PART)
        self.defaults = {(el.get("Extension") or "").lower(): el.get("ContentType") or ""
                         for el in root if local_name(el.tag) == "Default"}
        # an Override left behind for a part that is gone must not be doubled by one of ours
        pkg.reserved.update((el.get("PartName") or "").lstrip("/").lower()
                            for el in root if local_name(el.tag) == "Override")
        self.items: list[str] = []

    def override(self, part: str, content_type: str) -> None:
        """Declare ``part``'s content type by name."""
        self.items.append(f'<{{p}}Override PartName="/{escape(part, True)}" ContentType="{content_type}"/>')

    def by_extension(self, part: str, content_type: str) -> None:
        """Declare ``part``'s content type through a Default for its extension when there is none
        yet; through an Override when the extension's Default says something else."""
        ext = posixpath.splitext(part)[1].lstrip(".").lower()
        have = self.defaults.get(ext)
        if have is None:
            self.defaults[ext] = content_type
            self.items.insert(0, f'<{{p}}Default Extension="{escape(ext, True)}" ContentType="{content_type}"/>')
        elif have != content_type:
            self.override(part, content_type)

    def save(self) -> None:
        """Write the new entries into the package (nothing changes when there are none)."""
        if not self.items:
            return
        root = self.doc.root
        # Defaults come before Overrides in CT_Types' choice list only by habit; either order is valid.
        self.doc.insert(root, [(root.close, "".join(i.format(p=root.prefix) for i in self.items))])
        self.pkg.replace(self.PART, self.doc.result())
