"""The matcher on synthetic Sources: reports rendered from the template's own labels with known
figures, then damaged the ways published reports are (digit runs, blanks, "/", wrapped labels,
full-width digits, missing rows and tables, grids with merged group labels, the 2019 format)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from tests.make_filled import _fixture_values
from tests.make_filled_2019 import fixture_values as values_2019
from workbook_builder.imports.labels import sections
from workbook_builder.imports.match import read_report
from workbook_builder.imports.model import Reading
from workbook_builder.imports.source import GridCell, Para, Source, Table, Where
from workbook_builder.template.registry import Template, resolve

T2021 = resolve("gov_info_disclosure_2021")
T2019 = resolve("gov_info_disclosure_2019")
BOTH = [T2021, T2019]


def values_2021() -> dict[str, object]:
    return {k: v for k, v in _fixture_values("huaian-city-2024").items() if not k.startswith("meta.")}


def show(value: object) -> str:
    return "" if value is None else str(value)


def render(template: Template, values: Mapping[str, object], *, unit: str = "示例县人民政府", year: int = 2023,
           row_text: Callable[[str, list[str]], str] | None = None, skip_rows: tuple[str, ...] = (),
           skip_sections: tuple[str, ...] = (), headings: Mapping[str, str] | None = None) -> str:
    """A report as text extracted from a PDF: title, headings, band titles, "label n n n" rows."""
    lines = [f"{unit}{year}年政府信息公开工作年度报告", "本报告依据《条例》编制。"]
    for section in sections(template):
        if section.number in skip_sections:
            continue
        lines.append((headings or {}).get(section.number, section.heading))
        if section.prose:
            lines.append(f"{section.number}节的正文，本年收到申请3件。")
            continue
        for table in section.tables:
            if table.title:
                lines.append(table.title)
            for row in table.rows:
                if row.label in skip_rows:
                    continue
                figures = [show(values[d]) for d in row.datapoints]
                if not row.label:
                    lines.append("行政复议 行政诉讼 结果维持 结果纠正 其他结果 尚未审结 总计")
                    lines.append(" ".join(figures))
                elif row_text:
                    lines.append(row_text(row.label, figures))
                else:
                    lines.append(" ".join([row.label, *figures]))
    lines.append("感谢阅读。")
    return "\n".join(lines)


def text_source(text: str) -> Source:
    return Source("text", tuple(Para(line, Where(line=i + 1)) for i, line in enumerate(text.split("\n"))))


def read(text: str, templates: list[Template] | None = None, **kw: object) -> Reading:
    return read_report(text_source(text), templates or [T2021], **kw)  # type: ignore[arg-type]


def values_of(reading: Reading) -> dict[str, object]:
    return {dp: c.value for dp, c in reading.cells.items() if c.status == "value"}


def found(reading: Reading) -> list[tuple[str, str]]:
    return [(f.code, f.reason) for f in reading.findings]


def test_pdf_rows_read_exactly() -> None:
    want = values_2021()
    reading = read(render(T2021, want))
    assert values_of(reading) == want
    assert found(reading) == []
    assert (reading.unit, reading.year) == ("示例县人民政府", 2023)


def test_full_width_digits_and_brackets() -> None:
    want = values_2021()
    full = str.maketrans("0123456789()", "０１２３４５６７８９（）")
    text = render(T2021, want, row_text=lambda label, figs: " ".join([label.translate(full)] + [f.translate(full) for f in figs]))
    assert values_of(read(text)) == want


def test_wrapped_labels_with_figures_inside() -> None:
    """A label wrapped over three lines with its figures on the middle one, a vertical group label's
    characters between rows (pdfplumber's shape of 淮安 2024)."""
    want = values_2021()

    def wrap(label: str, figs: list[str]) -> str:
        if len(label) < 12:
            return " ".join([label, *figs])
        third = len(label) // 3
        return f"{label[:third]}\n本\n{label[third:2 * third]} {' '.join(figs)}\n{label[2 * third:]}\n年"

    assert values_of(read(render(T2021, want, row_text=wrap))) == want


def test_slash_and_wu_are_not_zero() -> None:
    want = values_2021()
    want["requests.carried_over.research"] = "/"
    want["requests.carried_over.nonprofit"] = "无"
    want["disclosure.rules.repealed"] = "—"
    reading = read(render(T2021, want))
    cells = reading.cells
    assert cells["requests.carried_over.research"].status == "slash"
    assert cells["requests.carried_over.research"].raw == "/"
    assert cells["requests.carried_over.nonprofit"].status == "slash"
    assert cells["requests.carried_over.nonprofit"].raw == "无"
    assert cells["disclosure.rules.repealed"].status == "slash"
    assert cells["requests.carried_over.legal_services"].value == want["requests.carried_over.legal_services"]
    assert cells["disclosure.rules.in_force"].value == want["disclosure.rules.in_force"]


def test_digit_run_with_one_split_is_rebuilt() -> None:
    """"713000074" for 71 3 0 0 0 0 74: the row total (T3-B) and the column totals leave one split."""
    want = values_2021()
    row = ["requests.other_no_correction." + c for c in
           ("person", "business", "research", "nonprofit", "legal_services", "other_org", "total")]
    figures = [str(want[d]) for d in row]
    assert figures == ["67", "3", "0", "0", "1", "0", "71"]

    def run(label: str, figs: list[str]) -> str:
        return f"{label} {''.join(figs)}" if label.startswith("1.申请人无正当理由") else " ".join([label, *figs])

    reading = read(render(T2021, want, row_text=run))
    assert values_of(reading) == want
    cell = reading.cells["requests.other_no_correction.person"]
    assert cell.rebuilt and cell.raw == "673001071" and cell.status == "value"
    assert found(reading) == []


def test_digit_run_with_several_splits_is_ambiguous() -> None:
    """Two rows printed as runs ("101000011"), each split two ways by its row total (10 1 0 0 0 0 11
    or 1 0 10 0 0 0 11), and the balance 一＋二＝三（七）＋四 needs both: every cell ambiguous, the
    candidates listed, nothing guessed."""
    want = values_2021()
    cols = ("person", "business", "research", "nonprofit", "legal_services", "other_org", "total")
    for c in cols:
        want[f"requests.new.{c}"] = want[f"requests.results_total.{c}"]
        for row in ("carried_over", "carried_forward"):
            want[f"requests.{row}.{c}"] = {"person": 10, "business": 1, "total": 11}.get(c, 0)

    def run(label: str, figs: list[str]) -> str:
        return f"{label} {''.join(figs)}" if label.startswith(("二、上年结转", "四、结转")) else " ".join([label, *figs])

    reading = read(render(T2021, want, row_text=run))
    cells = [reading.cells[f"requests.carried_over.{c}"] for c in cols]
    assert all(c.status == "ambiguous" and c.raw == "101000011" for c in cells)
    assert cells[0].candidates == ((10, 1, 0, 0, 0, 0, 11), (1, 0, 10, 0, 0, 0, 11))
    runs = [f for f in reading.findings if (f.code, f.reason) == ("import-ambiguous", "digit-run")]
    assert len(runs) == 2 and runs[0].cell.startswith("表三“二、上年结转政府信息公开申请数量”行")
    assert dict(runs[0].params)["count"] == 2
    assert not [dp for dp in values_of(reading) if dp.startswith(("requests.carried_over", "requests.carried_forward"))]
    assert reading.cells["requests.granted.person"].value == want["requests.granted.person"]


def test_pdf_row_with_a_vanished_blank_is_ambiguous() -> None:
    want = values_2021()
    want["requests.carried_over.research"] = None  # printed blank: the PDF text has 6 figures
    reading = read(render(T2021, want))
    cells = [reading.cells[f"requests.carried_over.{c}"] for c in ("person", "research", "total")]
    assert all(c.status == "ambiguous" for c in cells)
    assert ("import-ambiguous", "count") in found(reading)


def test_row_missing_and_table_missing() -> None:
    want = values_2021()
    reading = read(render(T2021, want, skip_rows=("2.重复申请",), skip_sections=("四",)))
    assert reading.cells["requests.rejected_duplicate.person"].status == "missing"
    assert reading.cells["appeals.review.total"].status == "missing"
    assert reading.cells["requests.rejected_publication.person"].value == want["requests.rejected_publication.person"]
    rows = [f for f in reading.findings if f.code == "import-row-missing"]
    assert [(f.reason, f.label) for f in rows if f.reason == "row"] == [
        ("row", "三、本年度办理结果 > （五）不予处理 > 2.重复申请")]
    assert [f.reason for f in rows].count("table") == 1


def test_not_a_report() -> None:
    reading = read("某某县2023年工作总结\n一、总体情况\n今年工作很好。")
    assert found(reading) == [("import-not-a-report", "no-tables")]
    assert all(c.status == "missing" for c in reading.cells.values())
    assert found(read_report(Source("text", ()), [T2021])) == [("import-not-a-report", "empty")]


def test_heading_with_a_typo_is_still_a_heading() -> None:
    want = values_2021()
    text = render(T2021, want, headings={"四": "四、政府信息公开行政法复议、行政诉讼情况"})
    reading = read(text)
    assert reading.headings[3][0] == "四、政府信息公开行政法复议、行政诉讼情况"
    assert values_of(reading) == want
    assert reading.prose["text.other"] == "六节的正文，本年收到申请3件。\n感谢阅读。"


@pytest.mark.parametrize(("title", "unit", "year"), [
    ("哈图布呼镇镇政府信息公开工作2023年度报 告", "哈图布呼镇", 2023),
    ("淮安市人民政府\n2024 年政府信息公开工作年度报告", "淮安市人民政府", 2024),
    ("宿迁市2023年政府信息公开工作年度报告", "宿迁市", 2023),
    ("某某街道办事处２０２２年政府信息公开工作年度报告", "某某街道办事处", 2022),
    ("淮安市人民政府2024年\n政府信息公开工作年度报告", "淮安市人民政府", 2024),
    ("首页 > 政务公开 > 政府信息公开年报\n甲县2021年政府信息公开工作年度报告\n发布日期：2022-01-20", "甲县", 2021),
])
def test_title_gives_unit_and_year(title: str, unit: str, year: int) -> None:
    reading = read(title + "\n一、总体情况\n正文。")
    assert (reading.unit, reading.year) == (unit, year)
    assert not [f for f in reading.findings if f.code == "import-identity"]


def test_identity_not_found_and_overridden() -> None:
    untitled = render(T2021, values_2021()).split("\n", 1)[1]
    reading = read(untitled)
    assert [(f.code, f.reason) for f in reading.findings] == [("import-identity", "unit"), ("import-identity", "year")]
    assert (reading.unit, reading.year, reading.title) == (None, None, "")
    reading = read(untitled, unit="甲镇", year=2022)
    assert (reading.unit, reading.year) == ("甲镇", 2022)
    assert not [f for f in reading.findings if f.code == "import-identity"]


def _grid(template: Template, values: Mapping[str, object], table_index: int) -> Table:
    """Table 三 as an HTML/docx grid: the group labels merged down (rowspan), the leaf labels
    merged across to the data columns, one header row."""
    table = next(s for s in sections(template) if s.number == "三").tables[table_index]
    depth = max(len(r.path.split(" > ")) for r in table.rows)
    cells = [GridCell("申请人情况", 0, 0, col_span=depth)]
    cells += [GridCell(f"列{i}", 0, depth + i) for i in range(table.columns)]
    paths = [r.path.split(" > ") for r in table.rows]
    for i, (row, parts) in enumerate(zip(table.rows, paths, strict=True)):
        r = i + 1
        for d, part in enumerate(parts[:-1]):
            if i == 0 or paths[i - 1][: d + 1] != parts[: d + 1]:
                span = sum(1 for p in paths[i:] if p[: d + 1] == parts[: d + 1])
                cells.append(GridCell(part, r, d, row_span=span))
        cells.append(GridCell(parts[-1], r, len(parts) - 1, col_span=depth - len(parts) + 1))
        cells += [GridCell(show(values[dp]), r, depth + j) for j, dp in enumerate(row.datapoints)]
    cells.sort(key=lambda c: (c.row, c.col))
    return Table(tuple(cells), len(table.rows) + 1, depth + table.columns, Where(table=1))


def test_grid_with_rowspan_group_labels_and_a_blank_cell() -> None:
    want = {k: v for k, v in values_2021().items() if k.startswith("requests.")}
    want["requests.granted.research"] = None  # a blank cell: blank, and nothing shifts
    want["requests.new.nonprofit"] = "约3"  # not a number
    source = Source("html", (Para("三、收到和处理政府信息公开申请情况", Where()), _grid(T2021, want, 0),
                             Para("四、政府信息公开行政复议、行政诉讼情况", Where())))
    reading = read_report(source, [T2021])
    blank = reading.cells["requests.granted.research"]
    assert blank.status == "blank" and blank.where == "表三“（一）予以公开”行 · 第1个表格 第4行第6列"
    assert reading.cells["requests.granted.nonprofit"].value == want["requests.granted.nonprofit"]
    odd = reading.cells["requests.new.nonprofit"]
    assert odd.status == "ambiguous" and odd.raw == "约3"
    assert ("import-ambiguous", "unreadable") in found(reading)
    got = values_of(reading)
    assert got == {k: v for k, v in want.items() if isinstance(v, int)}


def test_2019_report_is_recognised_and_read() -> None:
    want = {k: v for k, v in values_2019().items() if not k.startswith(("meta.", "text."))}
    reading = read(render(T2019, want, year=2019), BOTH)
    assert reading.template_id == "gov_info_disclosure_2019"
    assert values_of(reading) == want
    assert found(reading) == []


def test_2021_year_in_the_2019_format_is_old_layout() -> None:
    want = {k: v for k, v in values_2019().items() if not k.startswith(("meta.", "text."))}
    reading = read(render(T2019, want, year=2023), BOTH)
    assert reading.template_id == "gov_info_disclosure_2019"
    assert values_of(reading) == want  # read with the format it is written in, and told
    old = [f for f in reading.findings if f.code == "published-old-format"]
    assert [(f.reason, f.actual, f.expected) for f in old] == [
        ("old-layout", "2019年试行格式", "2021年格式")]


def test_2021_report_among_both_templates() -> None:
    want = values_2021()
    reading = read(render(T2021, want, year=2022), BOTH)
    assert reading.template_id == "gov_info_disclosure_2021"
    assert values_of(reading) == want
    assert found(reading) == []


def one_cell_a_line(template: Template, values: Mapping[str, object]) -> str:
    """The sample's shape: each table cell "\\t" + its text on a line of its own, a row ending with an
    empty line, merged label cells as lines that are only a tab."""
    lines = [f"甲镇{2023}年政府信息公开工作年度报告"]
    for section in sections(template):
        lines.append(section.heading)
        if section.prose:
            lines.append("正文。")
            continue
        for table in section.tables:
            if table.title:
                lines += ["\t" + table.title, ""]
            lines += ["\t", "\t信息内容", "\t", ""]  # header corners: tab-only lines
            for row in table.rows:
                lines += ["\t", "\t"] + ([f"\t{row.label}"] if row.label else [])
                lines += ["\t" + show(values[d]) for d in row.datapoints] + [""]
    return "\n".join(lines)


def test_one_cell_a_line_blank_cells_keep_their_place() -> None:
    want = values_2021()
    want["requests.granted.research"] = None
    want["appeals.suit_direct.other"] = None
    want["disclosure.fees.amount"] = "96171.6万元"
    reading = read(one_cell_a_line(T2021, want))
    assert reading.cells["requests.granted.research"].status == "blank"
    assert reading.cells["appeals.suit_direct.other"].status == "blank"
    fee = reading.cells["disclosure.fees.amount"]
    assert fee.status == "ambiguous" and fee.raw == "96171.6万元"
    assert [(f.code, f.reason) for f in reading.findings] == [("import-ambiguous", "unreadable")]
    assert values_of(reading) == {k: v for k, v in want.items() if isinstance(v, (int, float))}


def test_a_long_run_is_searched_not_enumerated() -> None:
    """表四's fifteen figures run together (26 digits): the three totals prune the search, which ends
    at once; the readings left are several, so nothing is guessed."""
    want = values_2021()
    figures = "".join(str(want[d]) for d in next(s for s in sections(T2021) if s.number == "四").tables[0].rows[0].datapoints)
    text = render(T2021, want).replace(" ".join(str(want[d]) for d in next(
        s for s in sections(T2021) if s.number == "四").tables[0].rows[0].datapoints), figures)
    assert figures == "72641783735113481261211620"
    reading = read(text)
    cell = reading.cells["appeals.review.upheld"]
    assert cell.status == "ambiguous" and cell.raw == figures and len(cell.candidates) == 3
    assert (72, 64, 178, 37, 351, 13, 4, 8, 1, 26, 12, 1, 1, 6, 20) in cell.candidates
    assert ("import-ambiguous", "digit-run") in found(reading)
    assert not [dp for dp in values_of(reading) if dp.startswith("appeals.")]
