"""The readers of published reports, part 2: .docx (merged cells, hidden text, content controls,
hostile packages refused with the preflight's own finding), legacy Word/WPS and OFD, and the publish
command's own docx and HTML read back into the right grids."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.test_import_read import TITLE, W, grid, ole_file, paras, problem, tables, write, zip_of
from tests.test_publish_pdf import require_soffice
from workbook_builder import api
from workbook_builder.findings import Code, make
from workbook_builder.imports.read import read_source
from workbook_builder.imports.sniff import is_report_file, sniff
from workbook_builder.publish import readback

CT = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
      b'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
STYLES = (f'<w:styles xmlns:w="{W}"><w:style w:type="character" w:styleId="Secret"><w:rPr><w:vanish/></w:rPr>'
          '</w:style></w:styles>').encode()
RELS = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        b"</Relationships>")


def p(*runs: str, props: str = "") -> str:
    """A paragraph of runs; a run given as 'text|rPr xml' carries those run properties."""
    out = []
    for run in runs:
        text, _, rpr = run.partition("|")
        out.append(f'<w:r>{f"<w:rPr>{rpr}</w:rPr>" if rpr else ""}<w:t xml:space="preserve">{text}</w:t></w:r>')
    return f"<w:p>{props}{''.join(out)}</w:p>"


def tc(body: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{body}</w:tc>"


def docx(body: str, styles: bool = True) -> bytes:
    document = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    parts = {"[Content_Types].xml": CT, "word/document.xml": document.encode()}
    if styles:
        parts |= {"word/styles.xml": STYLES, "word/_rels/document.xml.rels": RELS}
    return zip_of(parts)


RESTART, CONTINUE, SPAN2 = '<w:vMerge w:val="restart"/>', "<w:vMerge/>", '<w:gridSpan w:val="2"/>'
MERGED = (
    "<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>"
    + "<w:tr>" + tc(p("信息内容"), RESTART) + tc(p("本年", "新制发"), SPAN2) + "</w:tr>"
    + "<w:tr>" + tc(p(""), CONTINUE) + tc(p("件数") + p("（件）")) + tc(p("3")) + "</w:tr>"
    + "<w:tr>" + tc(p("规章"))
    + tc(p("1", "0|<w:vanish/>") + "<w:tbl><w:tr>" + tc(p("内")) + tc(p("表")) + "</w:tr></w:tbl>", SPAN2)
    + "</w:tr></w:tbl>"
)


def test_a_docx_reads_paragraphs_and_merged_cells_into_the_right_grid(tmp_path: Path) -> None:
    body = (p(TITLE)
            + '<w:p><w:r><w:t>本年\t共</w:t><w:tab/><w:t>5</w:t><w:br/><w:t>件</w:t></w:r></w:p>'
            + p("看得见", "看不见|<w:vanish/>", '也看不见|<w:rStyle w:val="Secret"/>')
            + "<w:sdt><w:sdtContent>" + p("内容控件里的段落") + "</w:sdtContent></w:sdt>"
            + p("   ") + MERGED)
    source = read_source(write(tmp_path, "r.docx", docx(body)))
    assert source.kind == "docx"
    assert paras(source) == [TITLE, "本年\t共\t5\n件", "看得见", "内容控件里的段落"]
    assert [b.where.line for b in source.blocks if not hasattr(b, "cells")] == [1, 2, 3, 4]
    outer, inner = tables(source)
    assert (outer.n_rows, outer.n_cols, outer.where.table) == (3, 3, 1)
    assert grid(outer) == [["信息内容", "本年新制发", None], [None, "件数\n（件）", "3"], ["规章", "1", None]]
    spans = {(c.row, c.col): (c.row_span, c.col_span) for c in outer.cells}
    assert spans == {(0, 0): (2, 1), (0, 1): (1, 2), (1, 1): (1, 1), (1, 2): (1, 1), (2, 0): (1, 1), (2, 1): (1, 2)}
    assert grid(inner) == [["内", "表"]] and inner.where.table == 2


def test_a_docx_without_styles_or_relationships_is_read_by_its_default_part(tmp_path: Path) -> None:
    source = read_source(write(tmp_path, "r.docx", docx(p(TITLE), styles=False)))
    assert paras(source) == [TITLE]


def _bomb() -> bytes:
    return zip_of({"[Content_Types].xml": CT, "word/document.xml": b" " * (33 << 20)})


@pytest.mark.parametrize(("name", "data", "code", "reason"), [
    ("bomb.docx", _bomb(), Code.UNSAFE_CONTENT, "zip-bomb"),
    ("traversal.docx", zip_of({"word/document.xml": b"<x/>", "../../evil.xml": b"<x/>"}), Code.UNSAFE_CONTENT,
     "unsafe-path"),
    ("cut.docx", docx(p(TITLE) * 200)[:600], Code.UNREADABLE_FILE, "truncated"),
    ("bad.docx", zip_of({"word/document.xml": b"<w:document><w:body></w:document>"}), Code.UNREADABLE_FILE,
     "malformed-xml"),
    ("entity.docx", zip_of({"word/document.xml": b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'}),
     Code.UNREADABLE_FILE, "unsafe-xml"),
], ids=["bomb", "traversal", "cut", "bad-xml", "entity"])
def test_a_hostile_docx_gets_the_preflight_finding_the_workbook_checker_gives(
        tmp_path: Path, name: str, data: bytes, code: Code, reason: str) -> None:
    path = write(tmp_path, name, data)
    err = problem(path)
    assert (err.code, err.reason) == (code, reason)
    # refused or cut off: reported, not skipped; a readable zip whose body names no report: skipped
    assert is_report_file(path) == (name in ("bomb.docx", "traversal.docx", "cut.docx"))
    finding = make(err.code, err.reason, **err.fields)  # the fields fit the catalogue's sentence
    assert finding.code == code and "{" not in finding.detail("zh")


def test_a_docx_package_with_no_document_part_is_not_a_report(tmp_path: Path) -> None:
    # named by the content types only: the sniff sees no word/document.xml, so it is "other"
    err = problem(write(tmp_path, "r.docx", zip_of({"[Content_Types].xml": CT, "word/x.xml": b"<x/>"})))
    assert (err.code, err.reason) == (Code.IMPORT_UNSUPPORTED, "other")


def test_a_deeply_nested_docx_is_refused_as_nesting(tmp_path: Path) -> None:
    deep = "<w:sdt><w:sdtContent>" * 400 + p("x") + "</w:sdtContent></w:sdt>" * 400
    err = problem(write(tmp_path, "deep.docx", docx(deep)))
    assert (err.code, err.reason) == (Code.IMPORT_LIMIT, "nesting")


# ---------------------------------------------------------------- legacy Word, WPS, OFD


def soffice_convert(text: str, target: str, root: Path) -> bytes:
    """`text` as a file LibreOffice writes in the format `target` (a --convert-to argument)."""
    soffice = require_soffice()
    (root / "r.txt").write_text(text, encoding="utf-8")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation={(root / 'profile').as_uri()}",
                    "--convert-to", target, "--outdir", str(root), str(root / "r.txt")],
                   check=True, capture_output=True, timeout=180)
    return (root / f"r.{target.split(':')[0]}").read_bytes()


@pytest.fixture(scope="module")
def legacy_doc(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real Word 97-2003 .doc, written by LibreOffice."""
    return soffice_convert(f"{TITLE}\n一、总体情况\n", "doc:MS Word 97", tmp_path_factory.mktemp("doc"))


@pytest.mark.libreoffice
def test_a_legacy_doc_and_a_wps_are_refused_by_content(tmp_path: Path, legacy_doc: bytes) -> None:
    assert sniff(legacy_doc) == "legacy-word"
    for name in ("报告.doc", "报告.wps", "报告.docx", "报告"):  # by content: the name does not matter
        path = write(tmp_path, name, legacy_doc)
        err = problem(path)
        assert (err.code, err.reason) == (Code.IMPORT_UNSUPPORTED, "legacy-word")
        assert is_report_file(path)  # `check` of a folder reports it rather than skipping it


def test_a_hand_made_ole_word_file_is_legacy_word_too(tmp_path: Path) -> None:
    err = problem(write(tmp_path, "r.wps", ole_file("WordDocument")))
    assert (err.code, err.reason) == (Code.IMPORT_UNSUPPORTED, "legacy-word")


def test_an_ofd_is_refused_by_content(tmp_path: Path) -> None:
    ofd = zip_of({"OFD.xml": b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>', "Doc_0/Document.xml": b"<x/>"})
    for name in ("报告.ofd", "报告.zip"):
        err = problem(write(tmp_path, name, ofd))
        assert (err.code, err.reason) == (Code.IMPORT_UNSUPPORTED, "ofd")


# ---------------------------------------------------------------- the publish command's own outputs


@pytest.fixture(scope="module")
def published(honest: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("published")
    run = api.publish(honest, out / "报告.docx", formats="docx,html", jobs=1)
    assert run.exit_code == 0
    return out, dict(run.check.files[0].values)


def _number(value: object) -> str:
    assert isinstance(value, (int, float))
    return str(int(value)) if float(value).is_integer() else repr(value)


@pytest.mark.parametrize("suffix", ["docx", "html"])
def test_the_published_report_reads_back_into_its_three_tables(
        published: tuple[Path, dict[str, object]], suffix: str) -> None:
    out, values = published
    source = read_source(out / f"报告.{suffix}")
    assert source.kind == suffix and is_report_file(out / f"报告.{suffix}")
    found = tables(source)
    assert [(t.n_rows, t.n_cols) for t in found] == [(14, 4), (28, 10), (4, 15)]
    assert grid(found[0])[2] == ["规章", "1", "0", "11"] and grid(found[0])[6][0] == "行政许可"
    new = grid(found[1])[3]
    assert new[0] == "一、本年新收政府信息公开申请数量" and new[3:] == ["3001", "53", "0", "0", "61", "4", "3119"]
    # every figure of the tables, totals included, is in a cell: no more, no fewer
    figures = Counter(_number(v) for k, v in values.items() if k.split(".")[0] in ("disclosure", "requests", "appeals"))
    in_cells = Counter(c.text for t in found for c in t.cells if c.text and c.text.replace(".", "").isdigit())
    assert in_cells == figures
    assert paras(source)[0].replace("\n", "") == values["meta.unit_name"] + "2024年政府信息公开工作年度报告"


def test_docx_and_html_of_one_report_give_the_same_grids(published: tuple[Path, dict[str, object]]) -> None:
    out, _ = published
    docx_tables = [(t.cells, t.n_rows, t.n_cols) for t in tables(read_source(out / "报告.docx"))]
    assert docx_tables == [(t.cells, t.n_rows, t.n_cols) for t in tables(read_source(out / "报告.html"))]


def test_publish_read_back_still_reads_its_docx(published: tuple[Path, dict[str, object]]) -> None:
    out, _ = published
    data = (out / "报告.docx").read_bytes()
    assert [len(g.cells) > 0 for g in readback.read_docx_tables(data)] == [True] * 3


def test_our_own_outputs_beside_the_returns_are_not_reports(honest: Path, tmp_path: Path) -> None:
    run = api.check([honest])
    page = api.save_report(run, tmp_path / "检查结果.html")
    csv = api.save_report(run, tmp_path / "汇总.csv")
    assert "政府信息公开" in page.read_text(encoding="utf-8")
    assert not is_report_file(page) and not is_report_file(csv) and not is_report_file(honest)
    spoof = write(tmp_path, "x.json", f'{{"title": "{TITLE}"}}'.encode())
    assert not is_report_file(spoof)
