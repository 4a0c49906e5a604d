"""Real files of every kind a folder of published reports holds, for the integration tests: the sample
report (under a GBK file name), an HTML page and a docx made by `api.publish` from a filled workbook, a
scanned PDF (a page with no text), a legacy Word .doc, a note and a returned workbook."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import SHARED
from tests.make_filled import build_to, honest_data
from workbook_builder import api

# a real township's report, as published: read where it lives (CI has ../shared beside the checkout;
# the tests that use it skip only where ../shared is absent)
SAMPLE = SHARED / "reference" / "sample-report-township-2023.txt"
needs_shared = pytest.mark.skipif(not SAMPLE.is_file(), reason="../shared (the reference reports) is absent")
SAMPLE_UNIT, SAMPLE_YEAR = "哈图布呼镇", 2023
GBK_NAME = "哈图布呼镇2023年报".encode("gbk") + b".txt"  # not UTF-8: shown escaped, never a crash


def scanned_pdf() -> bytes:
    """A one-page PDF whose page draws a box and holds no text (what a scanner gives, minus the image)."""
    content = b"0 0 m 300 300 l S"
    return pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                   b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R >>",
                   b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"])


def pdf_of(objects: list[bytes]) -> bytes:
    """A PDF file of these objects (numbered from 1; object 1 is the catalog), with its xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def legacy_doc() -> bytes:
    """An OLE compound file whose directory names a WordDocument stream: a Word 97-2003 .doc."""
    entry = bytearray(128)
    name = "WordDocument\0".encode("utf-16-le")
    entry[: len(name)] = name
    entry[64:66] = len(name).to_bytes(2, "little")
    entry[66] = 2
    return bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504) + bytes(entry) + bytes(384)


def published_unit_data() -> dict[str, object]:
    data = honest_data("suqian-city-2024")
    data["meta.unit_name"] = "宿迁市人民政府"
    data["meta.year"] = 2024
    return data


def mixed_folder(root: Path) -> Path:
    """A folder of everything: a returned workbook, the sample under a GBK name, a published HTML page
    and docx, a scan, a .doc and a note (README.txt, skipped)."""
    folder = root / "mixed"
    folder.mkdir(parents=True)
    build_to(folder, honest_data("huaian-city-2024"), "淮安市.xlsx")
    shutil.copyfile(SAMPLE, os.path.join(os.fsencode(folder), GBK_NAME))
    source = build_to(root / "src", published_unit_data(), "宿迁市.xlsx")
    api.publish([source], folder, formats="docx,html")
    (folder / "扫描件.pdf").write_bytes(scanned_pdf())
    (folder / "旧报告.doc").write_bytes(legacy_doc())
    (folder / "README.txt").write_text("本文件夹存放各单位交回的工作簿。\n", encoding="utf-8")
    return folder
