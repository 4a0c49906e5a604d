"""The readers of published reports, part 1: telling kinds apart by content, plain text and HTML,
and the caps. Every bad input gets a ReadProblem with its catalogue code; nothing else escapes.

(docx and legacy Word: test_import_read_docx.py; PDF: test_import_read_pdf.py.)
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import zipfile
from pathlib import Path

import pytest

from tests.import_files import SAMPLE, needs_shared  # noqa: E402  (the real sample, read in ../shared)
from workbook_builder.findings import CATALOGUE, Code
from workbook_builder.imports import html as html_reader
from workbook_builder.imports import limits
from workbook_builder.imports import read as read_module
from workbook_builder.imports.read import read_source
from workbook_builder.imports.sniff import is_report_file, sniff
from workbook_builder.imports.source import Para, ReadProblem, Source, Table

OLE = bytes.fromhex("D0CF11E0A1B11AE1")
TITLE = "某某镇人民政府2023年政府信息公开工作年度报告"


def ole_file(stream: str) -> bytes:
    """A compound-file head whose directory (at the first 128-byte boundary after the header) names
    one stream: enough for the OLE sniff, as in a real .doc (WordDocument) or encrypted package."""
    entry = bytearray(128)
    name = (stream + "\0").encode("utf-16-le")
    entry[: len(name)] = name
    entry[64:66] = len(name).to_bytes(2, "little")
    entry[66] = 2  # a stream
    return OLE + bytes(504) + bytes(entry) + bytes(384)


def zip_of(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def problem(path: Path) -> ReadProblem:
    with pytest.raises(ReadProblem) as info:
        read_source(path)
    err = info.value
    assert err.code in {c.value for c in Code}
    assert err.reason in CATALOGUE[Code(err.code)].reasons
    return err


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def paras(source: Source) -> list[str]:
    return [b.text for b in source.blocks if isinstance(b, Para)]


def tables(source: Source) -> list[Table]:
    return [b for b in source.blocks if isinstance(b, Table)]


def grid(table: Table) -> list[list[str | None]]:
    """The table as a rectangle: each slot the text of the cell starting there, None where a merge covers it."""
    out: list[list[str | None]] = [[None] * table.n_cols for _ in range(table.n_rows)]
    for c in table.cells:
        out[c.row][c.col] = c.text
    return out


# ---------------------------------------------------------------- sniff


@pytest.mark.parametrize(("head", "kind"), [
    (zip_of({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}), "xlsx"),
    (zip_of({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"}), "docx"),
    (zip_of({"OFD.xml": b"<x/>", "Doc_0/Document.xml": b"<x/>"}), "ofd"),
    (zip_of({"a.txt": b"x"}), "other"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
    (b"\r\n\r\n%PDF-1.4\n", "pdf"),  # junk before the header, as some CMSs prepend
    (ole_file("WordDocument"), "legacy-word"),
    (ole_file("EncryptedPackage"), "other"),  # an encrypted OOXML: the workbook checker's "encrypted"
    (ole_file("Workbook"), "other"),  # a legacy .xls
    (b"<!DOCTYPE html><html><body>x</body></html>", "html"),
    (b"\xef\xbb\xbf  \n<HTML>", "html"),
    (b"<!-- cms -->\n<Table border=1><tr><td>1</td></tr></table>", "html"),
    (b"<?xml version='1.0' encoding='utf-8'?>\n<!DOCTYPE html PUBLIC>\n<html>", "html"),
    (b"<meta charset=gbk><p>x", "html"),
    (b"<p>\xd5\xfe\xb8\xae</p>", "html"),
    (b"<style>p { margin: 0 }</style><span>x</span>", "html"),
    (b"<o:p></o:p>\n<table>", "html"),
    ("<一>总体情况".encode(), "text"),
    ("<html><body><p>一</p>".encode("utf-16"), "html"),
    ("一、总体情况\r\n\t第二十条".encode("gbk"), "text"),
    ("\ufeff一、总体情况".encode(), "text"),
    ("一、总体情况".encode("utf-16"), "text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "other"),
    (b"abc\x00def", "other"),
    (b"", "text"),
])
def test_sniff_tells_kinds_by_content(head: bytes, kind: str) -> None:
    assert sniff(head) == kind


def test_sniff_reads_a_cut_off_zip_head_by_its_local_headers() -> None:
    data = zip_of({"word/document.xml": b"<w:document/>" * 10, "word/styles.xml": b"<x/>" * 5000})
    assert sniff(data[:200]) == "docx"


@needs_shared
def test_a_folder_of_returns_keeps_notes_and_rosters_out(tmp_path: Path) -> None:
    report = write(tmp_path, "报告.htm", f"<html><meta charset=gbk><h1>{TITLE}</h1></html>".encode("gbk"))
    spaced = write(tmp_path, "x.dat", "政 府 信 息 公 开 工 作 年 度 报 告\n一、总体情况".encode())
    readme = write(tmp_path, "README.txt", "请各单位按时报送政府信息公开工作统计表。".encode())
    roster = write(tmp_path, "名单.csv", "单位,联系人\n某某镇政府信息公开办,张三\n".encode())
    notice = write(tmp_path, "通知.txt", "关于报送2023年政府信息公开工作年度报告的通知\n".encode("gbk"))
    doc = write(tmp_path, "旧.doc", ole_file("WordDocument"))
    xls = write(tmp_path, "旧.xls", ole_file("Workbook"))
    ofd = write(tmp_path, "版式.ofd", zip_of({"OFD.xml": b"<ofd:OFD/>"}))
    docx = write(tmp_path, "r.docx", zip_of({"word/document.xml": _w_doc(TITLE)}))
    other_docx = write(tmp_path, "o.docx", zip_of({"word/document.xml": _w_doc("会议纪要")}))
    xlsx = write(tmp_path, "return.xlsx", zip_of({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}))
    empty = write(tmp_path, "empty.txt", b"")
    assert [is_report_file(p) for p in (SAMPLE, report, spaced, doc, ofd, docx)] == [True] * 6
    # a notice that names the report is text that mentions it: it is read, and the matcher says
    # import-not-a-report — the same as for any other non-report that names the report
    assert is_report_file(notice)
    assert [is_report_file(p) for p in (readme, roster, xls, other_docx, xlsx, empty)] == [False] * 6
    assert not is_report_file(tmp_path / "missing.txt") and not is_report_file(tmp_path)


def test_an_ole_directory_far_past_the_head_is_found_by_the_header(tmp_path: Path) -> None:
    entry = ole_file("WordDocument")[512:640]
    header = bytearray(ole_file("WordDocument")[:512])
    header[30:32] = (9).to_bytes(2, "little")  # 512-byte sectors
    header[48:52] = (3000).to_bytes(4, "little")  # the directory's first sector: at 3001 × 512 bytes
    doc = write(tmp_path, "big.doc", bytes(header) + bytes(3000 * 512) + entry + bytes(384))
    xls = write(tmp_path, "big.xls", bytes(header) + bytes(3000 * 512) + ole_file("Workbook")[512:640] + bytes(384))
    assert is_report_file(doc) and not is_report_file(xls)


def _w_doc(*texts: str, body: str = "") -> bytes:
    paras = "".join(f'<w:p><w:r><w:t xml:space="preserve">{t}</w:t></w:r></w:p>' for t in texts)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}">'
            f"<w:body>{paras}{body}</w:body></w:document>").encode()


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# ---------------------------------------------------------------- text


@needs_shared
def test_the_sample_reads_one_line_per_paragraph_tabs_kept() -> None:
    source = read_source(SAMPLE)
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    assert source.kind == "text" and source.encoding == "utf-8"
    assert paras(source) == (lines[:-1] if lines[-1] == "" else lines)
    tabbed = next(b for b in source.blocks if isinstance(b, Para) and b.text.startswith("\t第二十条"))
    assert tabbed.where.line == lines.index(tabbed.text) + 1 and tabbed.where.describe() == f"第{tabbed.where.line}行"


@pytest.mark.parametrize(("data", "encoding"), [
    ("一、总体情况\r\n本年新制发\t3\r二行".encode("gbk"), "gb18030"),
    ("\ufeff一、总体情况\r\n本年新制发\t3\r二行".encode(), "utf-8-sig"),
    ("一、总体情况\r\n本年新制发\t3\r二行".encode("gb18030"), "gb18030"),
    ("一、总体情况\r\n本年新制发\t3\r二行".encode("utf-16"), "utf-16"),
    ("一、总体情况\r\n本年新制发\t3\r二行\n".encode(), "utf-8"),
])
def test_text_is_decoded_honestly_and_every_newline_ends_a_line(tmp_path: Path, data: bytes, encoding: str) -> None:
    source = read_source(write(tmp_path, "r.txt", data))
    assert source.encoding == encoding
    assert paras(source) == ["一、总体情况", "本年新制发\t3", "二行"]
    assert [b.where.line for b in source.blocks] == [1, 2, 3]


def test_an_empty_line_inside_is_kept_a_blank_cell(tmp_path: Path) -> None:
    source = read_source(write(tmp_path, "r.txt", "规章\n\n0\n".encode()))
    assert paras(source) == ["规章", "", "0"]


def test_bytes_in_no_known_encoding_are_refused_not_guessed(tmp_path: Path) -> None:
    err = problem(write(tmp_path, "r.txt", "规章 3".encode() + b"\xff\xfe\xfd 5"[1:] + b"\x81\x20"))
    assert (err.code, err.reason) == (Code.IMPORT_UNSUPPORTED, "encoding")


# ---------------------------------------------------------------- HTML

CMS_PAGE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>某某镇政府信息公开年报</title><style>td {{ font-size: 12px }}</style>
<script type="text/javascript">document.write("<table><tr><td>脚本里的表</td><td>9</td></tr></table>");</script>
</head><body><div id="nav"><ul><li>首页</li><li>政府信息公开</li></ul></div>
<div class="article"><h2 style="text-align:center">{title}</h2>
<p style="text-indent:2em">一、总体情况</p><p>本年度共收到申请<span style="color:red">5</span>件，<br/>均已办结。</p>
<p>二、主动公开政府信息情况</p>
<table border="1" cellspacing="0" style="border-collapse:collapse">
 <tbody><tr><td colspan="4" style="text-align:center"><p>第二十条第（一）项</p></td></tr>
 <tr><td><p>信息内容</p></td><td><p>本年</p><p>制发件数</p></td><td>本年<br>废止件数</td><td>现行有效件数</td></tr>
 <tr><td>规章</td><td>&nbsp;0&nbsp;</td><td>\u3000</td><td>1</td></tr>
 <tr><td rowspan="2">行政规范性&nbsp;文件</td><td>2</td><td>/</td><td rowspan=2>3</td></tr>
 <tr><td>4</td><td>—</td></tr></tbody></table>
<table style="display: none"><tr><td>隐藏的表</td><td>7</td></tr></table>
<div style="DISPLAY:NONE">隐藏的段落</div><p hidden>也隐藏</p><noscript>请开启脚本</noscript>
<!-- <table><tr><td>注释里的表</td></tr></table> -->
</div><div id="footer">主办单位：某某镇人民政府</div></body></html>"""


def test_a_gbk_cms_page_reads_into_paragraphs_and_a_resolved_grid(tmp_path: Path) -> None:
    source = read_source(write(tmp_path, "page.html", CMS_PAGE.format(title=TITLE).encode("gbk")))
    assert source.kind == "html" and source.encoding == "gb18030"
    assert paras(source) == ["首页", "政府信息公开", TITLE, "一、总体情况", "本年度共收到申请5件，\n均已办结。",
                             "二、主动公开政府信息情况", "主办单位：某某镇人民政府"]
    (table,) = tables(source)  # the script's, the hidden and the commented tables are not on the page
    assert (table.n_rows, table.n_cols) == (5, 4) and table.where.describe() == "第1个表格"
    assert grid(table) == [
        ["第二十条第（一）项", None, None, None],
        ["信息内容", "本年\n制发件数", "本年\n废止件数", "现行有效件数"],
        ["规章", "0", "", "1"],
        ["行政规范性 文件", "2", "/", "3"],
        [None, "4", "—", None],
    ]
    merged = {(c.row, c.col): (c.row_span, c.col_span) for c in table.cells if (c.row_span, c.col_span) != (1, 1)}
    assert merged == {(0, 0): (1, 4), (3, 0): (2, 1), (3, 3): (2, 1)}
    assert "脚本" not in str(source) and "隐藏" not in str(source) and "注释" not in str(source)


def test_a_page_that_lies_about_its_charset_is_read_by_its_bytes(tmp_path: Path) -> None:
    page = f"<html><head><meta charset='gb2312'></head><body><p>{TITLE}</p></body></html>".encode()
    source = read_source(write(tmp_path, "p.html", page))
    assert source.encoding == "utf-8" and paras(source) == [TITLE]


def test_an_html_page_in_no_known_encoding_is_refused(tmp_path: Path) -> None:
    err = problem(write(tmp_path, "p.html", b"<html><body>\xff\xff\x81\x20</body></html>"))
    assert (err.code, err.reason) == (Code.IMPORT_UNSUPPORTED, "encoding")


def test_a_nested_table_is_its_own_table_and_not_text_of_the_outer_cell(tmp_path: Path) -> None:
    page = ("<table><tr><td>菜单</td><td>外<table><tr><td>内1</td><td>内2</td></tr></table>尾</td></tr>"
            "<tr><td>a</td><td>b</td></tr></table><table><tr><td>x</td><td>y</td></tr></table>")
    source = read_source(write(tmp_path, "n.html", page.encode()))
    # the outer table holds a table: page layout, read as the page (menu | article)
    assert [type(b).__name__ for b in source.blocks] == ["Para", "Para", "Table", "Para", "Para", "Para", "Table"]
    assert paras(source) == ["菜单", "外", "尾", "a", "b"]
    inner, after = tables(source)
    assert grid(inner) == [["内1", "内2"]] and inner.where.table == 1
    assert grid(after) == [["x", "y"]] and after.where.table == 2


def test_a_layout_table_wrapping_the_article_reads_as_the_page_around_it(tmp_path: Path) -> None:
    page = (f"<table><tr><td><h1>{TITLE}</h1><p>一、总体情况</p>"
            "<table><tr><td>规章</td><td>1</td></tr></table></td></tr><tr><td>页脚</td></tr></table>"
            "<table><tr><td>首页</td><td><p>二、主动公开</p><table><tr><td>规章</td><td>2</td></tr></table></td></tr>"
            "</table><table></table>")
    source = read_source(write(tmp_path, "l.html", page.encode()))
    assert [type(b).__name__ for b in source.blocks] == ["Para", "Para", "Table", "Para", "Para", "Para", "Table"]
    assert paras(source) == [TITLE, "一、总体情况", "页脚", "首页", "二、主动公开"]
    assert [grid(t) for t in tables(source)] == [[["规章", "1"]], [["规章", "2"]]]


def test_html_nested_ten_thousand_deep_is_refused_without_a_crash(tmp_path: Path) -> None:
    for page in ("<div>" * 10_000 + "x" + "</div>" * 10_000, "<table><tr><td>" * 10_000 + "1",
                 "<html><body>" + "<span><b>" * 5_000 + "x"):
        err = problem(write(tmp_path, "deep.html", page.encode()))
        assert (err.code, err.reason, err.fields) == (Code.IMPORT_LIMIT, "nesting", {"limit": limits.MAX_DEPTH})


def test_a_giant_colspan_is_clamped_and_the_cells_are_counted(tmp_path: Path) -> None:
    one = "<table><tr><td colspan='99999999'>a</td><td rowspan=70000>b</td></tr><tr><td>c</td></tr></table>"
    (table,) = tables(read_source(write(tmp_path, "c.html", one.encode())))
    assert (table.n_rows, table.n_cols) == (2, limits.MAX_SPAN + 1)
    assert grid(table)[1][0] == "c" and table.cells[1].row_span == 2  # a rowspan stops at the table's end
    many = "<table>" + "<tr><td colspan=1000>a</td></tr><tr><td>b</td><td>c</td></tr>" * 60 + "</table>"
    sparse = "<table><tr><td colspan=999>a</td><td>z</td></tr>" + "<tr><td>b</td></tr>" * 60 + "</table>"  # 61 × 1000
    for page in (many, sparse):
        err = problem(write(tmp_path, "c.html", page.encode()))
        assert (err.code, err.reason, err.fields) == (Code.IMPORT_LIMIT, "cells", {"limit": limits.MAX_CELLS})


def test_an_empty_page_reads_as_no_blocks(tmp_path: Path) -> None:
    assert read_source(write(tmp_path, "e.html", b"<html><body>  </body></html>")).blocks == ()
    assert html_reader.read_html(b"<p>").blocks == ()


# ---------------------------------------------------------------- the caps and the file itself


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    with open(path, "wb") as fh:  # sparse: no disk, no memory
        fh.truncate(limits.MAX_BYTES + 1)
    err = problem(path)
    assert (err.code, err.reason) == (Code.IMPORT_LIMIT, "size")
    assert err.fields == {"size": 30.0, "limit": 30.0}  # MB, as a file manager shows them
    with open(path, "wb") as fh:
        fh.truncate(31 * limits.MiB)
    assert problem(path).fields == {"size": 31.0, "limit": 30.0}


def test_a_text_over_the_character_cap_is_refused_not_matched_for_minutes(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Matching time grows with the text: a file under the size cap that holds absurdly much text (every
    kind: the count is over the source's paragraphs and cells) is refused with the count and the cap."""
    monkeypatch.setattr(limits, "MAX_CHARS", 1000)
    monkeypatch.setattr(read_module, "MAX_CHARS", 1000)
    text = tmp_path / "long.txt"
    text.write_text("政府信息公开工作年度报告\n" + "一、总体情况\n" + "今年工作很好。\n" * 200, encoding="utf-8")
    page = tmp_path / "long.html"
    page.write_text("<html><body><table>" + "<tr><td>行政许可</td><td>1</td></tr>" * 300 + "</table></body></html>",
                    encoding="utf-8")
    for path in (text, page):
        err = problem(path)
        assert (err.code, err.reason) == (Code.IMPORT_LIMIT, "chars") and err.fields["limit"] == 1000
        assert err.fields["count"] > 1000
    short = tmp_path / "short.txt"
    short.write_text("一、总体情况\n今年工作很好。\n", encoding="utf-8")
    assert read_source(short).kind == "text"


def test_a_missing_file_or_a_folder_is_unreadable(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.txt", tmp_path):
        err = problem(path)
        assert (err.code, err.reason) == (Code.UNREADABLE_FILE, "io-error")


def test_other_binary_files_are_refused_plainly(tmp_path: Path) -> None:
    for name, data in (("a.png", b"\x89PNG\r\n\x1a\n\x00\x00"), ("a.zip", zip_of({"a.txt": b"x"})),
                       ("a.xls", ole_file("Workbook"))):
        err = problem(write(tmp_path, name, data))
        assert (err.code, err.reason) == (Code.IMPORT_UNSUPPORTED, "other")
    err = problem(write(tmp_path, "locked.docx", ole_file("EncryptedPackage")))
    assert (err.code, err.reason) == (Code.IMPORT_UNSUPPORTED, "encrypted")


def test_the_input_is_opened_read_only_and_never_changed(tmp_path: Path) -> None:
    path = write(tmp_path, "page.html", CMS_PAGE.format(title=TITLE).encode("gbk"))
    path.chmod(0o444)
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns)
    read_source(path)
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns) == before


@needs_shared
def test_random_bytes_give_a_source_or_a_read_problem_never_anything_else(tmp_path: Path) -> None:
    rng = random.Random(10)
    seeds = [CMS_PAGE.format(title=TITLE).encode("gbk"), SAMPLE.read_bytes()[:3000],
             zip_of({"word/document.xml": _w_doc(TITLE)}), b"%PDF-1.4\n"]
    for i in range(60):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            data[at:at + rng.randint(1, 4)] = rng.randbytes(rng.randint(0, 4))
        path = write(tmp_path, f"f{i}", bytes(data))
        try:
            assert isinstance(read_source(path), Source)
        except ReadProblem as err:
            assert err.reason in CATALOGUE[Code(err.code)].reasons
