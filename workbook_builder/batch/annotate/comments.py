"""Comments (批注): one per cell a finding names, in `xl/commentsN.xml` plus the legacy VML drawing
Excel needs to show them; a sheet that already has comments (files from other tools) gets ours
merged into its own parts."""

from __future__ import annotations

import math
import re

from ...findings import SEVERITY_ORDER, Finding
from ...ooxml.package import (
    PACKAGE_RELATIONSHIPS,
    SPREADSHEETML,
    ContentTypes,
    EditablePackage,
    relative_target,
    rels_part,
)
from ...ooxml.refs import address, column_letter
from ...ooxml.splice import SHEET_ORDER, Doc, El, escape, namespace, position, schema_key, unescape
from ...ooxml.xml import decode_xml
from .model import AnnotateError, Sheet

__all__ = ["comment", "used_vml_blocks"]

AUTHOR = "workbook_builder"
SEVERITY_LABELS = {
    "zh": {"error": "错误", "warning": "警告", "info": "提示"},
    "en": {"error": "Error", "warning": "Warning", "info": "Info"},
}
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_VML_NS = {"v": "urn:schemas-microsoft-com:vml", "o": "urn:schemas-microsoft-com:office:office",
           "x": "urn:schemas-microsoft-com:office:excel"}


def _comment_text(findings: list[Finding], lang: str) -> str:
    labels = SEVERITY_LABELS.get(lang, SEVERITY_LABELS["zh"])
    sep = "：" if lang != "en" else ": "
    ordered = sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
    text = "\n".join(f"{labels.get(f.severity, f.severity)}{sep}{f.message(lang)}" for f in ordered)
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)
    return re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", text)  # Excel would decode a literal _xHHHH_


def _run(text: str, p: str, lang: str) -> str:
    font = "宋体" if lang != "en" else "Tahoma"
    return (f'<{p}r><{p}rPr><{p}sz val="9"/><{p}color indexed="81"/><{p}rFont val="{font}"/><{p}charset val="134"/>'
            f'</{p}rPr><{p}t xml:space="preserve">{escape(text)}</{p}t></{p}r>')


def _ref_key(ref: str | None) -> tuple[int, int] | None:
    return address(ref.replace("$", "")) if ref else None


def comment(pkg: EditablePackage, doc: Doc, sheet: Sheet, lang: str, ctypes: ContentTypes, vml_blocks: set[int]) -> None:
    """Write the sheet's comments: into its own comments part and drawing when it has them, else
    into new ones, related to the sheet and declared in the content types."""
    lines = {k: _comment_text(fs, lang) for k, fs in sorted(sheet.lines().items())}
    main_ns = namespace(doc.root)
    rel_ns = SPREADSHEETML.get(main_ns, SPREADSHEETML["http://schemas.openxmlformats.org/spreadsheetml/2006/main"])
    rels_name = rels_part(sheet.part)
    rels = pkg.rels(sheet.part).values()
    rels_doc = Doc.parse(pkg.get(rels_name) or b"", rels_name) if pkg.get(rels_name) is not None else None
    new_rels: list[tuple[str, str, str]] = []  # (id, type, target)
    used_ids = {rel.id for rel in rels}

    def add_rel(kind: str, target: str) -> str:
        n = len(used_ids) + 1
        while f"rId{n}" in used_ids:
            n += 1
        used_ids.add(f"rId{n}")
        new_rels.append((f"rId{n}", f"{rel_ns}/{kind}", relative_target(sheet.part, target)))
        return f"rId{n}"

    # -- comments part: merge into the sheet's own if it has one
    comments_part = next((pkg.name_of(r.target) for r in rels if r.type.endswith("/comments") and not r.external
                          and pkg.name_of(r.target) is not None), None)
    if comments_part is not None:
        existing = _merge_comments(pkg, comments_part, lines, lang)
    else:
        existing = set()
        comments_part = pkg.free_name("xl/comments{}.xml")
        pkg.add(comments_part, _new_comments(main_ns, lines, lang))
        ctypes.override(comments_part, COMMENTS_TYPE)
        add_rel("comments", comments_part)
    # -- legacy drawing: extend the sheet's own if it has one
    shapes = [k for k in lines if k not in existing]
    legacy = doc.root.kid("legacyDrawing")
    rid = next((v[0] for k, v in legacy.attrs.items() if k.rpartition(":")[2] == "id"), None) if legacy else None
    vml_part = next((pkg.name_of(r.target) for r in rels if r.id == rid and not r.external), None) if rid else None
    if vml_part is not None:
        if shapes:
            pkg.replace(vml_part, _extend_vml(pkg.get(vml_part) or b"", shapes, lines))
    else:
        vml_part = pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        pkg.add(vml_part, _new_vml(shapes, lines, vml_blocks))
        ctypes.by_extension(vml_part, VML_TYPE)
        new_id = add_rel("vmlDrawing", vml_part)
        prefix = next((k[6:] + ":" for k, v in doc.root.attrs.items() if k.startswith("xmlns:") and unescape(v[0]) == rel_ns),
                      None)
        decl = "" if prefix else f' xmlns:r="{rel_ns}"'
        element = f'<{doc.root.prefix}legacyDrawing{decl} {prefix or "r:"}id="{new_id}"/>'
        if legacy is not None:  # dangling r:id: replace it
            doc.edits.append((legacy.start, legacy.end, element))
        else:
            doc.insert(doc.root, [(position(doc.root, schema_key(SHEET_ORDER), SHEET_ORDER["legacyDrawing"]), element)])
    # -- relationships
    if new_rels:
        text = "".join(f'<{{p}}Relationship Id="{i}" Type="{t}" Target="{escape(g, True)}"/>' for i, t, g in new_rels)
        if rels_doc is None:
            pkg.add(rels_name, ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{text.format(p="")}</Relationships>').encode())
        else:
            root = rels_doc.root
            rels_doc.insert(root, [(root.close, text.format(p=root.prefix))])
            pkg.replace(rels_name, rels_doc.result())


def _new_comments(main_ns: str, lines: dict[tuple[int, int], str], lang: str) -> bytes:
    body = "".join(f'<comment ref="{column_letter(c)}{r}" authorId="0"><text>{_run(t, "", lang)}</text></comment>'
                   for (r, c), t in lines.items())
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<comments xmlns="{main_ns}"><authors><author>{AUTHOR}</author></authors>'
            f"<commentList>{body}</commentList></comments>").encode()


def _merge_comments(pkg: EditablePackage, part: str, lines: dict[tuple[int, int], str], lang: str) -> set[tuple[int, int]]:
    """Add ours to another tool's comments part; a cell it already comments gets our lines appended.

    Returns the cells that already had a comment (and so already have a shape in the drawing).
    """
    doc = Doc.parse(pkg.get(part) or b"", part)
    root, p = doc.root, doc.root.prefix
    authors = root.kid("authors")
    names = [unescape(doc.text[a.head_end: a.close]) for a in authors.kids("author")] if authors else []
    if AUTHOR in names:
        author_id = names.index(AUTHOR)
    else:
        author_id = len(names)
        if authors is not None:
            doc.insert(authors, [(authors.close, f"<{p}author>{AUTHOR}</{p}author>")])
        else:
            doc.insert(root, [(root.children[0].start if root.children else root.close,
                               f"<{p}authors><{p}author>{AUTHOR}</{p}author></{p}authors>")])
    comment_list = root.kid("commentList")
    existing: dict[tuple[int, int], El] = {}
    for el in comment_list.kids("comment") if comment_list else []:
        k = _ref_key(el.get("ref"))
        if k is not None:
            existing.setdefault(k, el)
    new = []
    for k, t in lines.items():
        old = existing.get(k)
        if old is not None and (text := old.kid("text")) is not None:
            runs = [c for c in text.children if c.local in ("t", "r")]
            pos = runs[-1].end if runs else text.close
            doc.insert(text, [(pos, _run("\n" + t, p, lang))])
        else:
            r, c = k
            new.append(f'<{p}comment ref="{column_letter(c)}{r}" authorId="{author_id}">'
                       f"<{p}text>{_run(t, p, lang)}</{p}text></{p}comment>")
    if comment_list is not None:
        doc.insert(comment_list, [(comment_list.close, "".join(new))])
    else:
        doc.insert(root, [(root.close, f"<{p}commentList>{''.join(new)}</{p}commentList>")])
    pkg.replace(part, doc.result())
    return set(existing)


# ---------------------------------------------------------------- VML (Excel shows comments through it)

_SHAPETYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
              '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')
_DECLS = " ".join(f'xmlns:{k}="{v}"' for k, v in _VML_NS.items())


def _shape(spid: int, z: int, row: int, col: int, text: str, decls: str = "") -> str:
    """A hidden note box beside the cell; sized for the text (about 32 CJK characters a line)."""
    lines = sum(max(1, math.ceil(sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) / 64)) for line in text.split("\n"))
    height = min(12 * lines + 8, 600)
    rows_down = max(3, math.ceil(height / 15))
    r0, c0 = row - 1, col - 1
    top = max(r0 - 1, 0)
    return (f'<v:shape{decls} id="_x0000_s{spid}" type="#_x0000_t202" style="position:absolute;'
            f"margin-left:{48 * (c0 + 1) + 11.25:g}pt;margin-top:{15 * top + 1.5:g}pt;width:288pt;height:{height}pt;"
            f'z-index:{z};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{c0 + 1}, 15, {top}, {10 if r0 else 2}, {c0 + 7}, 15, {top + rows_down}, 4</x:Anchor>"
            f"<x:AutoFill>False</x:AutoFill><x:Row>{r0}</x:Row><x:Column>{c0}</x:Column></x:ClientData></v:shape>")


_IDMAP = re.compile(rb"""idmap[^>]*?data\s*=\s*["']([0-9,\s]*)["']""")


def used_vml_blocks(pkg: EditablePackage) -> set[int]:
    """Shape-id blocks (of 1024) the package's drawings claim: ours must not collide with them."""
    used: set[int] = set()
    for name, data in pkg.parts.items():
        if name.lower().endswith(".vml"):
            for m in _IDMAP.finditer(data):
                used.update(int(x) for x in m.group(1).replace(b" ", b"").split(b",") if x)
    return used


def _new_vml(shapes: list[tuple[int, int]], lines: dict[tuple[int, int], str], used: set[int]) -> bytes:
    need = max(1, math.ceil((len(shapes) + 1) / 1024))
    first = 1
    while any(b in used for b in range(first, first + need)):
        first += 1
    blocks = list(range(first, first + need))
    used.update(blocks)
    body = "".join(_shape(first * 1024 + 1 + i, i + 1, r, c, lines[(r, c)]) for i, (r, c) in enumerate(shapes))
    return (f'<xml {_DECLS}><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{",".join(map(str, blocks))}"/>'
            f"</o:shapelayout>{_SHAPETYPE}{body}</xml>").encode()


def _extend_vml(data: bytes, shapes: list[tuple[int, int]], lines: dict[tuple[int, int], str]) -> bytes:
    """Append note shapes to another tool's drawing. Its VML may not be well-formed (Excel writes
    bare <br>), so this is a text splice before the closing </xml>, not a parse."""
    text, encode = decode_xml(data)
    close = text.lower().rfind("</xml>")
    if close < 0:
        raise AnnotateError("the sheet's legacy drawing has no closing </xml>")
    head = text[: text.find(">", text.lower().find("<xml")) + 1] if "<xml" in text.lower() else ""
    decls = "" if all(f'xmlns:{k}="{v}"' in head or f"xmlns:{k}='{v}'" in head for k, v in _VML_NS.items()) else " " + _DECLS
    spid = max((int(n) for n in re.findall(r"_x0000_s(\d+)", text)), default=1024) + 1
    z = max((int(n) for n in re.findall(r"z-index:\s*(\d+)", text)), default=0) + 1
    body = "" if "_x0000_t202" in text else (_SHAPETYPE if not decls else _SHAPETYPE.replace(
        "<v:shapetype", f"<v:shapetype{decls}", 1))
    body += "".join(_shape(spid + i, z + i, r, c, lines[(r, c)], decls) for i, (r, c) in enumerate(shapes))
    return encode(text[:close] + body + text[close:])
