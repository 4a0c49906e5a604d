"""The published-report forms of tests/published_forms.py: their own shape, and the recovery figures.

The forms are what the importer is proved on, so they must be the shapes real reports take: the
sample form reproduces the reference sample's tables line for line (tests skip that only where
../shared is absent), the HTML is GBK with a CMS's menus and scripts, the Word file has the official
merged cells. `python -m tests.test_import_forms --figures` reads every form of every real fixture
(and the reference reports, where ../shared is present) and prints recovered / total data points per
input kind: the figures of the closing note.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from tests.conftest import SHARED
from tests.make_filled import FIXTURE_NAMES, FIXTURES, build_to, honest_data
from tests.published_forms import (
    Form,
    cms_html,
    data_rows,
    digit_runs,
    forms,
    grid_rows,
    parse_figure,
    pdf_rows,
    printed,
    problems,
    publish_forms,
    real_published,
    sample_text,
    status_of,
    word_docx,
)
from workbook_builder.template import registry

SAMPLE = SHARED / "reference" / "sample-report-township-2023.txt"
HEADINGS = ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
            "五、存在的主要问题及改进情况")


@pytest.fixture(scope="module")
def huaian():  # type: ignore[no-untyped-def]
    return printed(honest_data("huaian-city-2024"))


def test_printed_report_holds_every_table_data_point(huaian) -> None:  # type: ignore[no-untyped-def]
    layout = registry.resolve().layout
    table_ids = {c.datapoint for s in layout.sheets for c in s.cells
                 if c.kind in ("input", "formula") and c.datapoint.split(".")[0] in ("disclosure", "requests", "appeals")}
    assert set(huaian.truth) == table_ids and len(table_ids) == 200
    assert set(huaian.expect.values()) == {"value"}
    assert huaian.truth["requests.new.total"] == 3119 and huaian.truth["disclosure.fees.amount"] == 96171.6


@pytest.mark.skipif(not SAMPLE.is_file(), reason="../shared/reference is not here")
def test_sample_form_is_the_reference_sample_line_for_line() -> None:
    ours = sample_text(printed(honest_data("hatubuhu-town-2023"), old_labels=True)).split("\n")
    real = SAMPLE.read_text(encoding="utf-8").split("\n")

    def between(lines: list[str], a: str, b: str) -> list[str]:
        return [line.rstrip() for line in lines[lines.index(a):lines.index(b)]]

    for a, b in zip(HEADINGS[:2], HEADINGS[1:3], strict=True):  # tables 二 and 三: exactly the sample's lines
        assert between(ours, a, b) == between(real, a, b)
    # table 四: the sample's Word file broke one 总计 header over two lines and padded another
    squeeze = [re.sub(r"\s+", "", line) for line in between(real, HEADINGS[2], HEADINGS[3])]
    assert "\t".join(squeeze).replace("总\t计", "总计") == "\t".join(
        re.sub(r"\s+", "", line) for line in between(ours, HEADINGS[2], HEADINGS[3]))


def test_sample_form_one_cell_a_line(huaian) -> None:  # type: ignore[no-untyped-def]
    lines = sample_text(huaian).split("\n")
    assert "\t规章" in lines and "\t行政规范性文件" in lines and "\t96171.6" in lines
    row = lines.index("\t一、本年新收政府信息公开申请数量")
    assert lines[row + 1:row + 9] == ["\t3001", "\t53", "\t0", "\t0", "\t61", "\t4", "\t3119", ""]
    # a row under the vertical group label starts with the group's empty continuation cell
    granted = lines.index("\t（二）部分公开（区分处理的，只计这一情形，不计其他情形）")
    assert lines[granted - 1] == "\t" and lines[granted - 2] == ""


def test_pdf_rows_form(huaian) -> None:  # type: ignore[no-untyped-def]
    lines = pdf_rows(huaian).split("\n")
    assert "规章 1 0 11" in lines and "行政许可 447228" in lines
    assert "一、本年新收政府信息公开申请数量 3001 53 0 0 61 4 3119" in lines
    assert "72 64 178 37 351 13 4 8 1 26 12 1 1 6 20" in lines  # table 四: one line of figures
    # a long label wraps with the figures on a line of their own, between its halves
    i = lines.index("447 7 0 0 0 0 454")
    assert lines[i - 1].endswith("（二）部分公开（区分处理的，只计") and lines[i + 1] == "这一情形，不计其他情形）"
    # the vertical group label: "三、" then one character a line or at a row's head
    start = lines.index("三、")
    assert lines[start + 1].startswith("本 ") and lines[start + 2] == "年"
    assert "- 1 -" in lines  # page footers are kept, as pdfplumber gives them


def test_digit_runs_form(huaian) -> None:  # type: ignore[no-untyped-def]
    text, used = digit_runs(huaian, rows=[0, 3, 7])
    rows = data_rows(huaian)
    assert used == {0, 7} and rows[0] == ["disclosure.rules.issued", "disclosure.rules.repealed", "disclosure.rules.in_force"]
    assert "规章 1011" in text.split("\n") and "行政处罚 3985758" in text  # 1, 0, 11 run together; one figure stays
    assert "一、本年新收政府信息公开申请数量 3001 53 0 0 61 4 3119" in text and "30015300614" not in text
    assert "二、上年结转政府信息公开申请数量 340000034" in text  # row 7: 34 0 0 0 0 0 34
    loose = next(f for f in forms(huaian, digit_rows=[0, 3, 7]) if f.name == "digit-runs")
    assert {loose.expect[dp] for dp in rows[0] + rows[7]} == {"any"}
    assert all(loose.expect[dp] == "value" for dp in rows[1])


def test_cms_html_form(huaian) -> None:  # type: ignore[no-untyped-def]
    from lxml import html as lhtml

    data = cms_html(huaian)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    page = data.decode("gbk")
    assert '<meta charset="gbk" />' in page and "<script" in page and "MsoNormal" in page and "&nbsp;" in page
    assert "rowspan=22" in page and "colspan=3" in page and "网站标识码" in page
    tree = lhtml.fromstring(data, parser=lhtml.HTMLParser(encoding="gbk"))
    tables = tree.xpath("//div[@id='zoom']//table")
    assert len(tables) == 3
    cells = [re.sub(r"\s+", "", td.text_content()) for td in tables[1].xpath(".//td")]
    assert "3119" in cells and "（三）不予公开" in cells


def test_word_docx_form_has_the_official_merges(huaian) -> None:  # type: ignore[no-untyped-def]
    import docx

    word = docx.Document(__import__("io").BytesIO(word_docx(huaian)))
    assert len(word.tables) == 3
    t3 = word.tables[1]
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    first = [tr.findall(f"{w}tc")[0] for tr in t3._tbl.findall(f"{w}tr")]
    # 三、本年度办理结果: one cell over 22 rows (a vertical merge: "restart", then 21 "continue")
    merges = [tc.find(f"{w}tcPr/{w}vMerge") for tc in first[5:27]]
    assert [m is not None and m.get(f"{w}val", "continue") for m in merges] == ["restart"] + ["continue"] * 21
    assert t3.cell(5, 0).text == "三、本年度办理结果" and t3.cell(3, 0).text == "一、本年新收政府信息公开申请数量"
    spans = t3._tbl.xpath(".//w:gridSpan/@w:val")
    assert "3" in spans and "7" in spans  # 一、… over three columns; 申请人情况 over seven
    assert t3.cell(3, 3).text == "3001" and t3.cell(3, 9).text == "3119" and t3.cell(7, 1).text == "（三）不予公开"


def test_defects_are_printed_and_expected() -> None:
    texts = {"requests.new.person": "", "requests.new.business": "/", "requests.new.research": "无",
             "requests.new.total": "3200", "disclosure.rules.issued": "１", "appeals.review.upheld": "—"}
    p = printed(honest_data("huaian-city-2024"), texts=texts, old_labels=True, heading_typo=True)
    assert [p.expect[k] for k in texts] == ["blank", "slash", "slash", "value", "value", "slash"]
    assert p.truth["requests.new.total"] == 3200 and p.truth["disclosure.rules.issued"] == 1  # as printed
    text = sample_text(p)
    assert "\t规范性文件" in text and "\t行政规范性文件" not in text and "\t１" in text
    assert "四、政府信息公开行政法复议、行政诉讼情况" in text
    lines = pdf_rows(p).split("\n")
    assert "一、本年新收政府信息公开申请数量 / 无 0 61 4 3200" in lines  # a blank cell leaves no trace


def test_problems_never_forgives_a_wrong_value() -> None:
    from types import SimpleNamespace as Read

    form = Form("text", "t", b"", ".txt", {"a": 5, "b": None, "c": 7}, {"a": "value", "b": "blank", "c": "any"})
    right = {"a": Read(status="value", value=5), "b": Read(status="blank", value=None),
             "c": Read(status="ambiguous", value=None)}
    assert problems(form, right) == []
    assert problems(form, {**right, "c": Read(status="value", value=71)})  # "any" is never a wrong number
    assert problems(form, {**right, "a": Read(status="missing", value=None)})
    assert problems(form, {**right, "b": Read(status="value", value=0)})  # a blank is not 0
    assert parse_figure("１２") == 12 and status_of(" ／ ") == "slash" and status_of("约5") == "any"


@pytest.mark.parametrize("template", sorted(t for t in registry.builtin_template_paths()
                                             if registry.resolve(t).layout.spec.document is not None))
def test_forms_of_every_builtin_template(template: str) -> None:
    """Labels come from the template: any template with a document section gets every form."""
    t = registry.resolve(template)
    values = {c.datapoint: 1 for c in t.layout.inputs if c.input and c.input.type in ("whole", "decimal")}
    values.update({t.layout.spec.unit_field: "测试单位", t.layout.spec.year_field: 2024} if t.layout.spec.unit_field else {})
    p = printed(values, template=template)
    assert p.truth and all(v == "value" for v in p.expect.values())
    made = forms(p)
    assert [f.name for f in made] == ["sample", "sample-gb18030", "pdf-rows", "digit-runs", "cms-html", "word-docx"]
    with zipfile.ZipFile(__import__("io").BytesIO(made[-1].data)) as z:
        assert "word/document.xml" in z.namelist()
    assert all(grid_rows(tb) for tb in p.tables)


def test_real_published_fixture_as_printed() -> None:
    """上海市人民政府办公厅 2019 (2019 format): blanks stay blanks, "251000元" is no number, totals as printed."""
    p = real_published("shanghai-govoffice-2019")
    assert p.template == "gov_info_disclosure_2019" and len(p.truth) == 198
    assert p.expect["requests.new.research"] == "blank" and p.expect["requests.granted.total"] == "blank"
    assert p.truth["requests.results_total.total"] == 805 and p.truth["appeals.review.total"] == 7
    assert p.expect["disclosure.procurement.amount"] == "any" and p.truth["disclosure.procurement.amount"] is None
    assert sum(v == "value" for v in p.expect.values()) == 62 and sum(v == "blank" for v in p.expect.values()) == 135
    html_page = next(f for f in forms(p) if f.name == "cms-html").data.decode("gbk")
    assert "251000元" in html_page and "（六）其他处理" in html_page


def test_publish_forms(tmp_path: Path) -> None:
    wb = build_to(tmp_path, honest_data("suqian-city-2024"), "宿迁.xlsx")
    made = publish_forms(wb, tmp_path / "out")
    assert sorted(f.name for f in made) == ["publish-docx", "publish-fragment", "publish-html"]
    assert all(len(f.expect) == 200 and set(f.expect.values()) == {"value"} for f in made)


# ---------------------------------------------------------------- recovery figures


def import_cells(path: Path):  # type: ignore[no-untyped-def]
    """The importer's cells of a file: `imports.report.import_report` (read, match, every built-in template)."""
    from workbook_builder.imports.report import import_report

    return import_report(path).cells


def short_runs(p) -> list[int]:  # type: ignore[no-untyped-def]
    """Every third data row of at most 7 figures: the digit runs the figures and the tests read."""
    return [i for i, row in enumerate(data_rows(p)) if i % 3 == 1 and len(row) <= 7]


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_real_fixtures_in_every_form_are_imported_exactly(tmp_path: Path, name: str) -> None:
    """The four real 2021 reports, printed in every form: every data point exactly (digit runs: where the
    template's arithmetic leaves one split; never a wrong number)."""
    p = printed(honest_data(name))
    for form in forms(p, digit_rows=short_runs(p)):
        assert problems(form, import_cells(form.write(tmp_path, form.name))) == [], form.name


def test_real_published_2019_report_is_never_misread(tmp_path: Path) -> None:
    """上海市人民政府办公厅 2019 as printed (blank cells, “251000元”): HTML and Word give every printed figure
    and every blank; no form gives a wrong number (the text forms may leave rows with blanks ambiguous)."""
    p = real_published("shanghai-govoffice-2019")
    for form in forms(p, digit_rows=short_runs(p)):
        cells = import_cells(form.write(tmp_path, form.name))
        got = problems(form, cells)
        if form.kind in ("html", "docx"):
            assert got == [], form.name
        assert not [x for x in got if "as a value" in x], form.name


def test_defects_are_imported_as_printed(tmp_path: Path) -> None:
    """A blank cell, "/", "无", "—", a total that does not add up, full-width digits, the old label 规范性文件
    and a heading typo: HTML and Word give every cell as printed (blank, slash, the printed total, １ as 1);
    no form gives a wrong number, and every form says it saw the old label."""
    texts = {"requests.new.person": "", "requests.new.business": "/", "requests.new.research": "无",
             "requests.new.total": "3200", "disclosure.rules.issued": "１", "appeals.review.upheld": "—"}
    p = printed(honest_data("huaian-city-2024"), texts=texts, old_labels=True, heading_typo=True)
    from workbook_builder.imports.report import import_report

    for form in forms(p, digit_rows=short_runs(p)):
        result = import_report(form.write(tmp_path, form.name))
        got = problems(form, result.cells)
        if form.kind in ("html", "docx"):
            assert got == [], form.name
        assert not [x for x in got if "as a value" in x], form.name
        assert "published-old-format" in {f.code for f in result.findings}, form.name


def test_a_long_digit_run_is_answered_within_the_time_cap(tmp_path: Path) -> None:
    """Table 四 of 淮安 2024 run together (72641783735113481261211620 for 15 cells): the import must answer
    within its time cap, with the cells ambiguous or exact, never wrong. Run in a child process with a
    memory limit, so a runaway split cannot take the test session with it."""
    import resource
    import subprocess

    p = printed(honest_data("huaian-city-2024"))
    last = len(data_rows(p)) - 1
    text, used = digit_runs(p, rows=[last])
    assert used == {last} and "72641783735113481261211620" in text
    path = tmp_path / "runs.txt"
    path.write_text(text, encoding="utf-8")
    code = ("import sys, json; from workbook_builder.imports.report import import_report; "
            "r = import_report(sys.argv[1]); print(json.dumps({k: [c.status, c.value] for k, c in r.cells.items()}))")

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=20,
                          preexec_fn=cap, check=True)
    import json
    from types import SimpleNamespace as Read
    cells = {k: Read(status=s, value=v) for k, (s, v) in json.loads(done.stdout).items()}
    form = Form("text", "runs", b"", ".txt", p.truth, dict.fromkeys(p.truth, "any"))
    assert problems(form, cells) == []


def real_fixture_values(name: str) -> dict:  # type: ignore[type-arg]
    return dict(yaml.safe_load((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"))["values"])


def figures(with_pdf: bool = True) -> dict[str, list[int]]:
    """recovered, exact-expected, wrong per input kind over every form of every real fixture."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in FIXTURE_NAMES:
            p = printed(honest_data(name))
            made = forms(p, digit_rows=short_runs(p))
            wb = build_to(folder, honest_data(name), f"{name}.xlsx")
            made += publish_forms(wb, folder / f"pub-{name}", "docx,html,fragment" + (",pdf" if with_pdf else ""))
            for form in made:
                cells = import_cells(form.write(folder, f"{name}-{form.name}"))
                key = f"{form.kind:5} {form.name}"
                tally[key][0] += sum(getattr(cells.get(dp), "status", None) == "value" for dp in form.expect)
                tally[key][1] += len(form.expect)
                tally[key][2] += sum("as a value" in p for p in problems(form, cells))
        for real in sorted(p.stem for p in (FIXTURES.parent / "published" / "real").glob("*.yaml")):
            for form in forms(real_published(real), digit_rows=short_runs(real_published(real))):
                cells = import_cells(form.write(folder, f"{real}-{form.name}"))
                key = f"{form.kind:5} real {real} {form.name}"
                want = [dp for dp, w in form.expect.items() if w == "value"]
                tally[key] = [sum(getattr(cells.get(dp), "status", None) == "value" for dp in want), len(want),
                              sum("as a value" in p for p in problems(form, cells))]
        for ref, fixture in (("sample-report-township-2023.txt", "hatubuhu-town-2023"),
                             ("real-reports/huaian-city-2024.txt", "huaian-city-2024")):
            path = SHARED / "reference" / ref
            if path.is_file():
                truth = {k: v for k, v in real_fixture_values(fixture).items() if not k.startswith("meta.")}
                form = Form("text", "real", b"", ".txt", truth, {k: "value" for k in truth})
                cells = import_cells(path)
                tally[f"text  real {ref}"] = [sum(getattr(cells.get(dp), "status", None) == "value" for dp in truth),
                                             len(truth), sum("as a value" in p for p in problems(form, cells))]
    return dict(tally)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--figures", action="store_true", help="print recovered / total per input kind")
    parser.add_argument("--no-pdf", action="store_true", help="leave out the publish PDF (needs LibreOffice)")
    args = parser.parse_args(argv)
    if not args.figures:
        parser.print_help()
        return 0
    rows = figures(with_pdf=not args.no_pdf)
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    print("| form | recovered / data points | wrong values |\n|---|---|---|")
    for key, (got, total, wrong) in sorted(rows.items()):
        print(f"| {key} | {got} / {total} ({100 * got / max(total, 1):.1f}%) | {wrong} |")
        k = key.split()[0]
        kinds[k] = [a + b for a, b in zip(kinds[k], (got, total, wrong), strict=True)]
    print("\n| input kind | recovered / data points | wrong values |\n|---|---|---|")
    for k, (got, total, wrong) in sorted(kinds.items()):
        print(f"| {k} | {got} / {total} ({100 * got / max(total, 1):.1f}%) | {wrong} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
