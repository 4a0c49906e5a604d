"""Bloated workbooks: an honest, filled workbook with one kind of bulk spliced into its XML.

Each kind is an amplifier a small .xlsx can carry (deflate shrinks repetitive XML 10-100x), so a
file well inside the size limits can ask the checker for gigabytes or minutes:

    cells        blank styled cells below the template's rows, spread over every sheet
    valued       cells holding numbers, likewise
    rows         empty `<row r=…>` elements (no cells), up to Excel's last row
    spans        rows whose `spans` attribute claims the whole width, with one cell each
    strings      shared strings (many of them), appended to xl/sharedStrings.xml
    long-string  one shared string of `n` characters
    xfs          cell formats (`<xf>`) in xl/styles.xml
    merges       merged ranges outside the template's area
    validations  data validations outside the template's area
    formula      one cell outside the template whose `<f>` holds `n` characters
    defined-names  defined names in xl/workbook.xml

    from tests.bloat import honest_workbook, bloat
    data = bloat(honest_workbook(), "cells", 200_000)    # bytes of a new .xlsx

Run as a script to write one: `python -m tests.bloat cells 200000 out.xlsx` (prints its size).
Nothing here imports the checker: only `api.build` (through tests.make_filled) makes the base.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

SHEETS = [f"xl/worksheets/sheet{i}.xml" for i in range(1, 6)]
STYLES, STRINGS = "xl/styles.xml", "xl/sharedStrings.xml"
FIRST_ROW = 200  # below every row of the template (its longest sheet has about 40)
LAST_ROW = 1_048_576
KINDS = ("cells", "valued", "rows", "spans", "strings", "long-string", "xfs", "merges", "validations", "formula",
         "defined-names")


@cache
def honest_workbook() -> bytes:
    """A filled workbook that checks clean (built once per process)."""
    from workbook_builder import api

    from .make_filled import honest_data

    return api.build(data=honest_data())


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _read(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _pack(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:  # fast; sizes are what count
        for name, body in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), body, compress_type=zipfile.ZIP_DEFLATED,
                        compresslevel=1)
    return buf.getvalue()


def _insert(xml: bytes, before: bytes, text: bytes) -> bytes:
    at = xml.index(before)
    return xml[:at] + text + xml[at:]


def _rows(n: int, per_row: int, cell: Callable[[str, int], str], sheets: int = len(SHEETS)) -> list[bytes]:
    """`n` cells in rows of `per_row`, dealt out to the sheets in turn; XML per sheet. Styles
    cycle through the template's (1-11) so that the cells do not compress to nothing."""
    out: list[list[str]] = [[] for _ in range(sheets)]
    cols = [_col(c) for c in range(1, per_row + 1)]
    row = FIRST_ROW
    done = 0
    while done < n:
        k = min(per_row, n - done)
        cells = "".join([cell(f"{cols[c]}{row}", (c * 7 + row) % 11 + 1) for c in range(k)])
        out[(row - FIRST_ROW) % sheets].append(f'<row r="{row}">{cells}</row>')
        done += k
        row += 1
    return ["".join(x).encode() for x in out]


def _splice_rows(parts: dict[str, bytes], chunks: list[bytes]) -> None:
    for name, chunk in zip(SHEETS, chunks, strict=False):
        parts[name] = _insert(parts[name], b"</sheetData>", chunk)


def _kind_cells(parts: dict[str, bytes], n: int, valued: bool = False) -> None:
    if valued:
        _splice_rows(parts, _rows(n, 40, lambda r, s: f'<c r="{r}" s="{s}"><v>{s * 7}</v></c>'))
    else:
        _splice_rows(parts, _rows(n, 40, lambda r, s: f'<c r="{r}" s="{s}"/>'))


def _kind_rows(parts: dict[str, bytes], n: int) -> None:
    first = max(FIRST_ROW, LAST_ROW - n + 1)
    body = "".join(f'<row r="{r}"/>' for r in range(first, first + n) if r <= LAST_ROW).encode()
    parts[SHEETS[4]] = _insert(parts[SHEETS[4]], b"</sheetData>", body)


def _kind_spans(parts: dict[str, bytes], n: int) -> None:
    body = "".join(f'<row r="{FIRST_ROW + i}" spans="1:16384"><c r="XFD{FIRST_ROW + i}" s="3"/></row>'
                   for i in range(n)).encode()
    parts[SHEETS[4]] = _insert(parts[SHEETS[4]], b"</sheetData>", body)


def _kind_strings(parts: dict[str, bytes], n: int) -> None:
    sst = parts[STRINGS]
    body = "".join(f"<si><t>填报说明{i}</t></si>" for i in range(n)).encode()
    parts[STRINGS] = _insert(sst, b"</sst>", body)


def _kind_long_string(parts: dict[str, bytes], n: int) -> None:
    text = ("政府信息公开" * (n // 6 + 1))[:n]
    parts[STRINGS] = _insert(parts[STRINGS], b"</sst>", f"<si><t>{text}</t></si>".encode())


def _kind_xfs(parts: dict[str, bytes], n: int) -> None:
    xf = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyProtection="1"><protection locked="0"/></xf>'
    parts[STYLES] = _insert(parts[STYLES], b"</cellXfs>", xf * n)


def _kind_merges(parts: dict[str, bytes], n: int) -> None:
    body = "".join(f'<mergeCell ref="A{FIRST_ROW + 2 * i}:B{FIRST_ROW + 2 * i + 1}"/>' for i in range(n)).encode()
    xml = parts[SHEETS[4]]
    if b"<mergeCells" in xml:
        xml = re.sub(rb"(<mergeCells[^>]*>)", lambda m: m.group(1) + body, xml, count=1)
    else:
        xml = _insert(xml, b"<dataValidations", b"<mergeCells>" + body + b"</mergeCells>")
    parts[SHEETS[4]] = xml


def _kind_validations(parts: dict[str, bytes], n: int) -> None:
    body = "".join(f'<dataValidation type="whole" sqref="Z{FIRST_ROW + i}"><formula1>0</formula1></dataValidation>'
                   for i in range(n)).encode()
    parts[SHEETS[4]] = re.sub(rb"(<dataValidations[^>]*>)", lambda m: m.group(1) + body, parts[SHEETS[4]], count=1)


def _kind_formula(parts: dict[str, bytes], n: int) -> None:
    text = "+".join(["1"] * (n // 2 + 1))[:n].rstrip("+")
    cell = f'<row r="{FIRST_ROW}"><c r="A{FIRST_ROW}"><f>{text}</f><v>1</v></c></row>'.encode()
    parts[SHEETS[4]] = _insert(parts[SHEETS[4]], b"</sheetData>", cell)


def _kind_defined_names(parts: dict[str, bytes], n: int) -> None:
    names = "".join(f"<definedName name=\"extra{i}\">'封面'!$H$1</definedName>" for i in range(n)).encode()
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"<definedNames>", b"<definedNames>" + names, 1)


_KINDS: dict[str, Callable[[dict[str, bytes], int], None]] = {
    "cells": _kind_cells,
    "valued": lambda p, n: _kind_cells(p, n, valued=True),
    "rows": _kind_rows,
    "spans": _kind_spans,
    "strings": _kind_strings,
    "long-string": _kind_long_string,
    "xfs": _kind_xfs,
    "merges": _kind_merges,
    "validations": _kind_validations,
    "formula": _kind_formula,
    "defined-names": _kind_defined_names,
}


def bloat(base: bytes, kind: str, n: int) -> bytes:
    """`base` (an .xlsx) with `n` units of `kind` spliced in (see the module docstring)."""
    parts = _read(base)
    _KINDS[kind](parts, n)
    return _pack(parts)


def bloat_to_size(base: bytes, kind: str, target: int, start: int = 10_000) -> tuple[bytes, int]:
    """The smallest doubling of `n` whose file reaches `target` bytes, scaled once to land near it."""
    n = start
    data = bloat(base, kind, n)
    while len(data) < target:
        n = int(n * max(1.2, min(8.0, target / max(1, len(data) - len(base)))))
        data = bloat(base, kind, n)
    return data, n


def sizes() -> Iterator[tuple[str, int]]:  # pragma: no cover - a quick look
    base = honest_workbook()
    for kind in KINDS:
        yield kind, len(bloat(base, kind, 10_000))


if __name__ == "__main__":  # pragma: no cover
    kind, count, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    out.write_bytes(bloat(honest_workbook(), kind, count))
    print(f"{out}: {out.stat().st_size} bytes")
