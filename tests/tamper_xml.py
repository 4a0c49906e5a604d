"""Tamper with a built workbook at the XML level, one part at a time.

Each edit reads the whole package (`load`), changes one part's text with a regular expression or a
string replacement that must match (an edit that silently matches nothing would make a test pass
for the wrong reason), and writes a new zip (`save`). Nothing here imports the code under test.

    parts = load(honest)
    edit(parts, SHEET_PART["依申请公开"], lambda x: set_cell(x, "J5", '<c r="J5" s="10"><v>3119</v></c>'))
    save(parts, tmp_path / "tampered.xlsx")

The layout of a workbook built by xlsxwriter: sheets in `xl/worksheets/sheetN.xml` in template
order, inline `<dataValidations>`, `<sheetProtection sheet="1" …/>`, unlocked input styles with
`<protection locked="0"/>`, custom properties in docProps/custom.xml, shared strings in
xl/sharedStrings.xml.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from workbook_builder.ooxml.refs import column_letter, parse_a1

SHEETS = ("封面", "主动公开", "依申请公开", "复议诉讼", "文字说明")
SHEET_PART = {name: f"xl/worksheets/sheet{i}.xml" for i, name in enumerate(SHEETS, 1)}
WORKBOOK, STYLES, STRINGS = "xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml"
CUSTOM, APP, RELS, CONTENT_TYPES = "docProps/custom.xml", "docProps/app.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"
EXCEL_DATE = (1980, 1, 1, 0, 0, 0)
WPS_DATE = (2012, 7, 2, 0, 0, 0)

# A cell reference inside formula text or a ref/sqref attribute: not part of a longer name or number.
_REF = re.compile(r"(?<![A-Za-z0-9_.])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![0-9A-Za-z_(])")


# ------------------------------------------------------------------ the package


def load(source: str | Path | bytes) -> dict[str, bytes]:
    """Every entry of the zip (a path or the bytes of one), in order, by name."""
    with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def save(parts: dict[str, bytes], path: str | Path, *, date_time: tuple[int, ...] = EXCEL_DATE,
         dir_entries: bool = False) -> Path:
    """Write the parts to `path` as a new zip (see `pack`)."""
    path = Path(path)
    path.write_bytes(pack(parts, date_time=date_time, dir_entries=dir_entries))
    return path


def pack(parts: dict[str, bytes], *, date_time: tuple[int, ...] = EXCEL_DATE, dir_entries: bool = False) -> bytes:
    """The parts as a new deflated zip; `dir_entries` adds `xl/`-style folder entries (WPS)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        done: set[str] = set()
        for name, data in parts.items():
            if dir_entries:
                folders = name.split("/")[:-1]
                for i in range(1, len(folders) + 1):
                    folder = "/".join(folders[:i]) + "/"
                    if folder not in done:
                        done.add(folder)
                        zf.writestr(zipfile.ZipInfo(folder, date_time), b"")
            zf.writestr(zipfile.ZipInfo(name, date_time), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def text(parts: dict[str, bytes], name: str) -> str:
    return parts[name].decode("utf-8")


def edit(parts: dict[str, bytes], name: str, change: Callable[[str], str], must_change: bool = True) -> None:
    """Replace part `name` by `change(its text)`; unless told otherwise, the change must change something."""
    before = text(parts, name)
    after = change(before)
    assert after != before or not must_change, f"the edit of {name} changed nothing"
    parts[name] = after.encode("utf-8")


def tamper(src: str | Path, dst: str | Path, name: str, change: Callable[[str], str]) -> Path:
    """A copy of `src` at `dst` with one part changed."""
    parts = load(src)
    edit(parts, name, change)
    return save(parts, dst)


def replace(xml: str, old: str, new: str, count: int = 1) -> str:
    """`xml` with the first `count` occurrences of `old` replaced; `old` must occur that often."""
    assert xml.count(old) >= count, f"{old!r} occurs {xml.count(old)} times, expected {count}"
    return xml.replace(old, new, count)


def sub(pattern: str, repl: str | Callable[[re.Match[str]], str], xml: str, count: int = 0,
        flags: int = 0) -> str:
    """re.sub that must match at least once."""
    out, n = re.subn(pattern, repl, xml, count=count, flags=flags)
    assert n, f"{pattern!r} did not match"
    return out


# ------------------------------------------------------------------ cells


def _cell_pattern(ref: str) -> str:
    return rf'<c r="{ref}"(?=[\s/>])[^>]*?(?:/>|>.*?</c>)'


def get_cell(xml: str, ref: str) -> str:
    m = re.search(_cell_pattern(ref), xml, flags=re.S)
    assert m, f"no cell {ref}"
    return m.group(0)


def set_cell(xml: str, ref: str, new: str) -> str:
    """Replace the whole `<c r="ref" …>…</c>` element by `new`."""
    return sub(_cell_pattern(ref), lambda _: new, xml, count=1, flags=re.S)


def style_of(xml: str, ref: str) -> str:
    m = re.search(r'\ss="(\d+)"', get_cell(xml, ref).split(">", 1)[0])
    return m.group(1) if m else "0"


def set_number(xml: str, ref: str, value: str) -> str:
    """The cell holds the number `value` (text as it appears in <v>)."""
    return set_cell(xml, ref, f'<c r="{ref}" s="{style_of(xml, ref)}"><v>{value}</v></c>')


def set_inline_string(xml: str, ref: str, value: str) -> str:
    return set_cell(xml, ref, f'<c r="{ref}" s="{style_of(xml, ref)}" t="inlineStr"><is><t>{value}</t></is></c>')


def set_str(xml: str, ref: str, value: str) -> str:
    """`t="str"` on a constant: what some writers use for a number typed as text."""
    return set_cell(xml, ref, f'<c r="{ref}" s="{style_of(xml, ref)}" t="str"><v>{value}</v></c>')


def set_shared_string(parts: dict[str, bytes], sheet: str, ref: str, value: str) -> None:
    """The cell holds `value` as a shared string (how Excel and WPS store typed text)."""
    index = add_shared_string(parts, value)
    edit(parts, SHEET_PART[sheet],
         lambda x: set_cell(x, ref, f'<c r="{ref}" s="{style_of(x, ref)}" t="s"><v>{index}</v></c>'))


def set_blank(xml: str, ref: str) -> str:
    return set_cell(xml, ref, f'<c r="{ref}" s="{style_of(xml, ref)}"/>')


def set_style(xml: str, ref: str, style: int) -> str:
    old = get_cell(xml, ref)
    new = re.sub(r'\ss="\d+"', f' s="{style}"', old, count=1) if ' s="' in old else old.replace(f'r="{ref}"', f'r="{ref}" s="{style}"', 1)
    return set_cell(xml, ref, new)


def set_cached(xml: str, ref: str, value: str) -> str:
    """Forge the cached result of the formula in `ref` (its formula stays)."""
    old = get_cell(xml, ref)
    assert "<f>" in old or "<f " in old, f"{ref} holds no formula"
    return set_cell(xml, ref, sub(r"<v>.*?</v>", f"<v>{value}</v>", old, count=1))


def strip_cached_values(xml: str) -> str:
    """Drop the <v> of every formula cell (a program that saves without calculating)."""
    return sub(r"(</f>)<v>[^<]*</v>", r"\1", xml)


# ------------------------------------------------------------------ shared strings and styles


def add_shared_string(parts: dict[str, bytes], value: str) -> int:
    """Append a string to the shared-string table; returns its index."""
    sst = text(parts, STRINGS)
    index = sst.count("<si>")
    sst = sub(r'uniqueCount="(\d+)"', lambda m: f'uniqueCount="{int(m.group(1)) + 1}"', sst, count=1)
    sst = sub(r' count="(\d+)"', lambda m: f' count="{int(m.group(1)) + 1}"', sst, count=1)
    parts[STRINGS] = replace(sst, "</sst>", f"<si><t>{value}</t></si></sst>").encode("utf-8")
    return index


def change_shared_string(parts: dict[str, bytes], old: str, new: str) -> None:
    edit(parts, STRINGS, lambda x: replace(x, f"<si><t>{old}</t></si>", f"<si><t>{new}</t></si>"))


def add_cell_xf(parts: dict[str, bytes], base: int, locked: bool) -> int:
    """A new cellXfs entry copied from entry `base` with its lock flag set; returns its index."""
    styles = text(parts, STYLES)
    m = re.search(r'<cellXfs count="(\d+)">(.*?)</cellXfs>', styles, flags=re.S)
    assert m
    xfs = re.findall(r"<xf\b[^>]*/>|<xf\b[^>]*>.*?</xf>", m.group(2), flags=re.S)
    xf = re.sub(r"<protection[^>]*/>", "", xfs[base])
    protection = '<protection locked="1"/>' if locked else '<protection locked="0"/>'
    if xf.endswith("/>"):
        xf = xf[:-2] + f' applyProtection="1">{protection}</xf>'
    else:
        if "applyProtection" not in xf:
            xf = xf.replace("<xf ", '<xf applyProtection="1" ', 1)
        xf = xf[: -len("</xf>")] + protection + "</xf>"
    index = len(xfs)
    new = f'<cellXfs count="{index + 1}">{m.group(2)}{xf}</cellXfs>'
    parts[STYLES] = (styles[: m.start()] + new + styles[m.end():]).encode("utf-8")
    return index


# ------------------------------------------------------------------ validations and protection


def _cells_of(sqref: str) -> list[str]:
    """Every cell an sqref covers ('D5:E6 B9' → D5 E5 D6 E6 B9), row by row."""
    out = []
    for part in sqref.split():
        first, _, last = part.partition(":")
        (c1, r1), (c2, r2) = _split(first), _split(last or first)
        for row in range(r1, r2 + 1):
            out.extend(f"{column_letter(col)}{row}" for col in range(c1, c2 + 1))
    return out


def _split(ref: str) -> tuple[int, int]:
    row, col = parse_a1(ref)
    return col, row


_VALIDATION = re.compile(r'(<dataValidation [^>]*?sqref=")([^"]*)("[^>]*?(?:/>|>.*?</dataValidation>))', re.S)


def _take_cell_out(xml: str, ref: str) -> tuple[str, str]:
    """Remove `ref` from the validation covering it; returns (new xml, that validation's element)."""
    for m in _VALIDATION.finditer(xml):
        cells = _cells_of(m.group(2))
        if ref in cells:
            rest = " ".join(c for c in cells if c != ref)
            element = m.group(0)
            kept = f"{m.group(1)}{rest}{m.group(3)}" if rest else ""
            xml = xml[: m.start()] + kept + xml[m.end():]
            if not rest:
                xml = sub(r'<dataValidations count="(\d+)"', lambda n: f'<dataValidations count="{int(n.group(1)) - 1}"', xml, count=1)
            return xml, element
    raise AssertionError(f"no validation covers {ref}")


def remove_validation(xml: str, ref: str) -> str:
    """Take `ref` out of the data validation that covers it (the others keep theirs)."""
    xml, _ = _take_cell_out(xml, ref)
    if "<dataValidation " not in xml:
        xml = sub(r"<dataValidations[^>]*>\s*</dataValidations>|<dataValidations[^>]*/>", "", xml, count=1)
    return xml


def change_validation_type(xml: str, ref: str, new_type: str) -> str:
    """Give `ref` a validation of its own, a copy of the one that covered it with another type."""
    xml, element = _take_cell_out(xml, ref)
    copy = re.sub(r'type="[^"]*"', f'type="{new_type}"', element, count=1)
    copy = re.sub(r'sqref="[^"]*"', f'sqref="{ref}"', copy, count=1)
    xml = sub(r'<dataValidations count="(\d+)"', lambda n: f'<dataValidations count="{int(n.group(1)) + 1}"', xml, count=1)
    return replace(xml, "</dataValidations>", copy + "</dataValidations>")


def split_validations(xml: str) -> str:
    """One validation element per cell (what a writer that never coalesces produces)."""
    found = list(_VALIDATION.finditer(xml))
    assert found
    singles = [f"{m.group(1)}{cell}{m.group(3)}" for m in found for cell in _cells_of(m.group(2))]
    return sub(r'<dataValidations count="\d+">.*?</dataValidations>',
               lambda _: f'<dataValidations count="{len(singles)}">{"".join(singles)}</dataValidations>', xml,
               count=1, flags=re.S)


def remove_protection(xml: str) -> str:
    return sub(r"<sheetProtection[^>]*/>", "", xml, count=1)


# ------------------------------------------------------------------ rows


def shift_refs(formula: str, at: int, by: int = 1, sheet: str | None = None) -> str:
    """Move every reference to row ≥ `at` down by `by` rows (what Excel does on a row insert).

    With `sheet`, only references qualified with that sheet name move (a formula on another sheet).
    """
    def move(m: re.Match[str]) -> str:
        d1, col, d2, row = m.groups()
        n = int(row)
        return f"{d1}{col}{d2}{n + by if n >= at else n}"

    if sheet is None:
        return _REF.sub(move, formula)
    prefix = re.compile(rf"((?:'{re.escape(sheet)}'|{re.escape(sheet)})!)([$A-Z0-9:]+)")
    return prefix.sub(lambda m: m.group(1) + _REF.sub(move, m.group(2)), formula)


def insert_row(xml: str, at: int) -> str:
    """A worksheet with a row inserted before row `at`: rows, cells, formulas, merges, validations."""
    xml = sub(r'<row r="(\d+)"', lambda m: f'<row r="{int(m.group(1)) + (int(m.group(1)) >= at)}"', xml)
    xml = sub(r'<c r="([A-Z]+)(\d+)"', lambda m: f'<c r="{m.group(1)}{int(m.group(2)) + (int(m.group(2)) >= at)}"', xml)
    xml = sub(r"<f>(.*?)</f>", lambda m: f"<f>{shift_refs(m.group(1), at)}</f>", xml)
    xml = sub(r'(\s(?:ref|sqref)=")([^"]*)(")', lambda m: m.group(1) + shift_refs(m.group(2), at) + m.group(3), xml)
    return xml


# ------------------------------------------------------------------ sheets


def rename_sheet(parts: dict[str, bytes], old: str, new: str) -> None:
    edit(parts, WORKBOOK, lambda x: replace(x, f'<sheet name="{old}"', f'<sheet name="{new}"'))


def delete_sheet(parts: dict[str, bytes], name: str) -> None:
    """Remove a sheet as Excel does: its entry, relationship, part, content type and defined names."""
    index = SHEETS.index(name)
    wb = text(parts, WORKBOOK)
    m = re.search(rf'<sheet name="{name}" sheetId="\d+" r:id="(rId\d+)"/>', wb)
    assert m
    rid = m.group(1)
    wb = wb.replace(m.group(0), "")
    wb = re.sub(rf"<definedName [^>]*>[^<]*{name}[^<]*</definedName>", "", wb)

    def renumber(mm: re.Match[str]) -> str:
        n = int(mm.group(1))
        return f'localSheetId="{n - 1 if n > index else n}"'

    wb = re.sub(r'localSheetId="(\d+)"', renumber, wb)
    parts[WORKBOOK] = wb.encode("utf-8")
    part = SHEET_PART[name]
    edit(parts, RELS, lambda x: sub(rf'<Relationship Id="{rid}"[^>]*/>', "", x))
    edit(parts, CONTENT_TYPES, lambda x: sub(rf'<Override PartName="/{part}"[^>]*/>', "", x))
    del parts[part]


def add_sheet(parts: dict[str, bytes], name: str) -> None:
    """Append a small extra sheet (a user's scratch sheet)."""
    part = "xl/worksheets/sheet9.xml"
    parts[part] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
    )
    edit(parts, WORKBOOK, lambda x: replace(x, "</sheets>", f'<sheet name="{name}" sheetId="9" r:id="rId99"/></sheets>'))
    edit(parts, RELS, lambda x: replace(x, "</Relationships>", (
        '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
        ' Target="worksheets/sheet9.xml"/></Relationships>')))
    edit(parts, CONTENT_TYPES, lambda x: replace(x, "</Types>", (
        f'<Override PartName="/{part}" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')))


# ------------------------------------------------------------------ document properties


def remove_custom_property(xml: str, name: str) -> str:
    return sub(rf'<property [^>]*name="{name}"[^>]*>.*?</property>', "", xml, count=1, flags=re.S)


def set_custom_property(xml: str, name: str, value: str, vtype: str = "lpwstr") -> str:
    return sub(rf'(<property [^>]*name="{name}"[^>]*>)<vt:\w+>[^<]*</vt:\w+>(</property>)',
               lambda m: f"{m.group(1)}<vt:{vtype}>{value}</vt:{vtype}>{m.group(2)}", xml, count=1)


def add_custom_property(xml: str, name: str, value: str, vtype: str = "lpwstr") -> str:
    pids = [int(p) for p in re.findall(r'pid="(\d+)"', xml)] or [1]
    prop = (f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{max(pids) + 1}" name="{name}">'
            f"<vt:{vtype}>{value}</vt:{vtype}></property>")
    return replace(xml, "</Properties>", prop + "</Properties>")
