"""The 2019 trial format (国办公开办函〔2019〕60号) as a second built-in template, end to end.

`gov_info_disclosure_2019` loads and lints; its workbook carries the official labels character for
character (compared with the layout in `shared/reference/report-format-2021.md`, last section, read
here at test time; those tests skip only when `../shared` is absent); a real 2019 report
(上海市人民政府办公厅 2019, tests/fixtures/real/shanghai-gov-office-2019.yaml) and generated fills check
valid, a broken balance is `rule-failed`, X-1 holds between 2019 and 2020 workbooks, the document
publishes and reads back (20 rows under 三、本年度办理结果), and the roll-up sums 2019-format workbooks.
LibreOffice recalculating the workbook: tests/test_template_2019_libreoffice.py.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests import make_filled_2019 as F
from workbook_builder import api
from workbook_builder.batch.aggregate import AggregateError
from workbook_builder.cli import main
from workbook_builder.publish.readback_docx import read_docx_tables
from workbook_builder.spec import load_template_text
from workbook_builder.spec.document import heading
from workbook_builder.template import registry

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_FILE = ROOT / "templates" / "gov_info_disclosure_2019.yaml"
LABEL_KINDS = ("title", "note", "header", "label")


@pytest.fixture(scope="module")
def t():  # type: ignore[no-untyped-def]
    return registry.resolve(F.TEMPLATE)


@pytest.fixture(scope="module")
def old_format(reference: str) -> str:
    """The reference's section on the 2019 trial format."""
    return reference[reference.index("## The earlier 2019 trial format"):]


@pytest.fixture(scope="module")
def built() -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(api.build(F.TEMPLATE)))


def _labels(t, built: openpyxl.Workbook, sheet: str, kinds=LABEL_KINDS):  # type: ignore[no-untyped-def]
    """The sheet's official label cells in reading order (our live check rows left out), each read
    from the BUILT workbook at the layout's position."""
    checks = {c.row for c in t.layout.sheet(sheet).cells if c.kind == "check"}
    cells = sorted((c for c in t.layout.sheet(sheet).cells if c.kind in kinds and c.text and c.row not in checks),
                   key=lambda c: (c.row, c.col))
    ws = built[sheet]
    return [(c.kind, ws.cell(c.row, c.col).value) for c in cells]


# ---------------------------------------------------------------- the template itself


def test_the_template_loads_lints_and_is_a_builtin(t) -> None:  # type: ignore[no-untyped-def]
    spec = load_template_text(TEMPLATE_FILE.read_text(encoding="utf-8"))  # raises on any lint problem
    assert spec.id == F.TEMPLATE == TEMPLATE_FILE.stem
    assert set(registry.builtin_template_paths()) >= {"gov_info_disclosure_2019", "gov_info_disclosure_2021"}
    assert registry.resolve().spec.id == registry.DEFAULT_TEMPLATE == "gov_info_disclosure_2021"
    listed = {x["id"]: x for x in api.list_templates()}
    assert listed[F.TEMPLATE]["title"] == "政府信息公开工作年度报告（2019年试行格式）"
    assert t.spec.password == "gkb2019"
    year = t.layout.by_id["meta.year"].input
    assert (year.min, year.max) == (2019, 2020)


def test_cli_builds_it_and_lists_both_templates(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    run = CliRunner().invoke(main, ["build", "-t", "gov_info_disclosure_2019", "-o", str(out)])
    assert run.exit_code == 0, run.output
    props = api.export(out)["template"]
    assert props["id"] == "gov_info_disclosure_2019"
    listing = CliRunner().invoke(main, ["templates"]).output
    assert "gov_info_disclosure_2019\t1.0.0\t政府信息公开工作年度报告（2019年试行格式）" in listing
    assert "gov_info_disclosure_2021\t" in listing


def test_the_cover_cites_the_2019_format(t, built, reference: str) -> None:  # type: ignore[no-untyped-def]
    notes = [text for kind, text in _labels(t, built, "封面") if kind == "note"]
    assert "国办公开办函〔2019〕60号" in notes[0] and "国办公开办函〔2019〕60号" in reference


# ---------------------------------------------------------------- official labels, from the reference


def _bands(old_format: str) -> list[tuple[str, list[str], list[str]]]:
    """Table 二 of the 2019 format as the reference lists it: (title, rows, columns) per band."""
    bands = re.findall(r"^\s*- (第二十条第（.）项): (.+?) × (.+)$", old_format, re.M)
    return [(title, rows.split(" / "), cols.split(" | ")) for title, rows, cols in bands]


def test_table_2_has_the_five_official_bands(t, built, old_format: str) -> None:  # type: ignore[no-untyped-def]
    bands = _bands(old_format)
    assert [b[0] for b in bands] == [f"第二十条第（{n}）项" for n in "一五六八九"]
    expected = ["二、主动公开政府信息情况"]
    for title, rows, cols in bands:
        expected += [title, "信息内容", *cols, *rows]
    assert [text for _, text in _labels(t, built, "主动公开")] == expected
    # each band is four columns wide, as printed: a two-column band's last column spans two
    widths = {b.table_id: sum(c.span for c in b.columns) for s in t.spec.sheets for b in s.blocks if b.kind == "table"
              and b.table_id.startswith("disclosure")}
    assert set(widths.values()) == {3}


def _table_3_rows(reference: str, old_format: str) -> list[str]:
    """The 2021 rows of table 三 (the reference's code block) with the 2019 change the reference
    states: （六）其他处理 is a single row with no sub-items."""
    assert "（六）其他处理 is a single row with no sub-items" in old_format
    block = reference[reference.index("## Table 三"):]
    block = block[block.index("```") + 3:]
    rows = block[:block.index("```")].split()
    six, seven = rows.index("（六）其他处理"), rows.index("（七）总计")
    assert all(r[0].isdigit() for r in rows[six + 1:seven])
    return rows[:six + 1] + rows[seven:]


def test_table_3_rows_and_columns_are_official(t, built, reference: str, old_format: str) -> None:  # type: ignore[no-untyped-def]
    labels = _labels(t, built, "依申请公开")
    rows = [text for kind, text in labels if kind == "label"]
    assert rows == _table_3_rows(reference, old_format)
    assert len(rows) == 30 - 3  # the 2021 table less （六）1–3
    headers = [text for kind, text in labels if kind == "header"]
    corner = re.search(r"Corner note: (（.+?）)\n", reference)
    assert corner and headers[0] == corner.group(1)
    columns = re.search(r"Columns: (.+)\n", reference)
    assert columns
    assert sorted(headers[1:]) == sorted(re.findall(r"[^\s›|{},]+", columns.group(1)))
    assert [text for kind, text in labels if kind == "title"] == ["三、收到和处理政府信息公开申请情况"]


def test_three_results_spans_twenty_rows(t, built) -> None:  # type: ignore[no-untyped-def]
    ws = built["依申请公开"]
    cell = next(c for c in t.layout.sheet("依申请公开").cells if c.text == "三、本年度办理结果")
    merge = next(m for m in ws.merged_cells.ranges if m.min_row == cell.row and m.min_col == cell.col)
    assert merge.max_row - merge.min_row + 1 == 20
    other = t.layout.by_id["requests.other_handling.person"]
    assert other.label_path == ("三、本年度办理结果", "（六）其他处理", "自然人")


def test_table_4_is_as_in_2021(t, built, reference: str) -> None:  # type: ignore[no-untyped-def]
    assert "- Table 四: as in 2021." in reference
    new = registry.resolve("gov_info_disclosure_2021").layout
    for sheet in ("复议诉讼",):
        assert _labels(t, built, sheet) == [(c.kind, c.text) for c in sorted(
            (c for c in new.sheet(sheet).cells if c.kind in LABEL_KINDS and c.text), key=lambda c: (c.row, c.col))]
    assert [dp for dp in t.layout.by_id if dp.startswith("appeals.")] == \
        [dp for dp in new.by_id if dp.startswith("appeals.")]


def test_the_six_sections_are_official(t, reference: str) -> None:  # type: ignore[no-untyped-def]
    six = re.search(r"## The six sections, in order\n(.+?)\n\n", reference, re.S)
    assert six
    official = [s.strip() for s in six.group(1).replace("\n", " ").split("·")]
    assert [heading(t.spec, s) for s in t.spec.document.sections] == official
    assert "Section headings are the same as in 2021" in reference


# ---------------------------------------------------------------- data point IDs


NEW_IDS = [
    "disclosure.rules.made", "disclosure.rules.published", "disclosure.rules.total",
    "disclosure.normative.made", "disclosure.normative.published", "disclosure.normative.total",
    *(f"disclosure.{k}.{c}" for k in ("licensing", "other_services", "penalty", "coercion")
      for c in ("prior_items", "change", "decisions")),
    "disclosure.fees.prior_items", "disclosure.fees.change",
    "disclosure.procurement.items", "disclosure.procurement.amount",
]


def test_ids_keep_the_2021_ones_where_the_meaning_is_the_same(t) -> None:  # type: ignore[no-untyped-def]
    ids = {dp for dp, c in t.layout.by_id.items() if c.kind in ("input", "formula")}
    old = {dp for dp, c in registry.resolve("gov_info_disclosure_2021").layout.by_id.items()
           if c.kind in ("input", "formula")}
    only_2019 = ids - old
    # 处理决定数量 of 行政许可/处罚/强制 means what 2021's 本年处理决定数量 means: the same IDs
    shared = {f"disclosure.{k}.decisions" for k in ("licensing", "penalty", "coercion")}
    assert shared <= ids & old
    assert sorted(only_2019) == sorted([*(set(NEW_IDS) - shared), *(f"requests.other_handling.{c}" for c in
                                        ("person", "business", "research", "nonprofit", "legal_services",
                                         "other_org", "total"))])
    # table 三 and 四, the cover and the prose: the 2021 IDs, less the three （六） rows
    gone = {dp for dp in old - ids if dp.startswith("requests.")}
    assert {dp.split(".")[1] for dp in gone} == {"other_no_correction", "other_unpaid_fee", "other_other"}
    assert {dp for dp in old - ids if not dp.startswith(("requests.", "disclosure."))} == set()


def test_every_2019_id_is_documented() -> None:
    doc = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    for dp in [*NEW_IDS, "requests.other_handling"]:
        assert f"`{dp}" in doc or dp in doc, dp


def test_the_change_may_be_negative_and_the_amount_is_yuan(t) -> None:  # type: ignore[no-untyped-def]
    change = t.layout.by_id["disclosure.penalty.change"].input
    assert change.type == "whole" and change.min is None
    amount = t.layout.by_id["disclosure.procurement.amount"].input
    assert (amount.type, amount.min, amount.decimals, amount.unit) == ("decimal", 0, 2, "元")


# ---------------------------------------------------------------- build and check


def test_the_real_2019_report_builds_with_its_totals_and_checks_clean(tmp_path: Path) -> None:
    # totals=True: the build refuses the data unless our formulas give the published totals
    path = F.build_to(tmp_path, F.honest_data(totals=True), "上海市人民政府办公厅.xlsx")
    run = api.check([path])
    (result,) = run.files
    assert result.valid and not result.findings, [f.message() for f in result.findings]
    assert (result.unit, result.year, result.template.id) == ("上海市人民政府办公厅", 2019, F.TEMPLATE)
    published = F.fixture_values()
    assert {dp: result.values[dp] for dp in published} == pytest.approx(published)


@pytest.mark.parametrize("seed", range(4))
def test_generic_fills_check_without_any_finding(tmp_path: Path, seed: int) -> None:
    data = F.generic_fill(seed=seed, year=2019 + seed % 2)
    assert any(v < 0 for k, v in data.items() if k.endswith(".change"))  # decreases do occur
    path = F.build_to(tmp_path, data, f"{seed}.xlsx")
    (result,) = api.check([path]).files
    assert not result.findings, [f.message() for f in result.findings]
    assert result.values == pytest.approx(F.computed(data))


def test_a_broken_balance_is_rule_failed(tmp_path: Path) -> None:
    data = F.honest_data()
    data["requests.new.business"] += 1  # 一 + 二 no longer equals （七） + 四 for 商业企业 and 总计
    (result,) = api.check([F.build_to(tmp_path, data, "broken.xlsx")]).files
    assert not result.valid
    failed = [(f.code, f.rule, f.datapoint) for f in result.findings if f.severity == "error"]
    assert failed == [("rule-failed", "T3-A", "checks.t3_a.business"), ("rule-failed", "T3-A", "checks.t3_a.total")]


def test_the_2019_format_s_own_warnings(tmp_path: Path) -> None:
    data = F.honest_data()
    data["disclosure.normative.published"] = 400  # more than 对外公开总数量 (368)
    data["disclosure.licensing.change"] = -1  # fewer than none
    (result,) = api.check([F.build_to(tmp_path, data, "w.xlsx")]).files
    assert result.valid
    assert sorted((f.code, f.severity, f.rule) for f in result.findings) == [
        ("rule-failed", "warning", "T2-3"), ("rule-failed", "warning", "T2-4")]


def test_a_2021_year_is_refused_by_the_2019_workbook(tmp_path: Path) -> None:
    data = F.honest_data()
    data["meta.year"] = 2021
    (result,) = api.check([F.build_to(tmp_path, data, "2021.xlsx", strict=False)]).files
    (finding,) = result.findings
    assert (finding.code, finding.datapoint) == ("invalid-input", "meta.year")
    assert "2019至2020之间的整数" in finding.message()


def test_a_2021_workbook_and_a_2019_workbook_are_told_apart(tmp_path: Path) -> None:
    from tests.make_filled import build_to, honest_data

    new = build_to(tmp_path, honest_data("huaian-city-2024"), "2024.xlsx")
    old = F.build_to(tmp_path, F.honest_data(), "2019.xlsx")
    files = api.check([new, old]).files
    assert [r.template.id for r in files] == ["gov_info_disclosure_2021", F.TEMPLATE]
    assert all(r.valid and not r.findings for r in files)


# ---------------------------------------------------------------- year on year: 2019 → 2020


def test_x1_between_a_2019_and_a_2020_workbook(tmp_path: Path) -> None:
    last = F.honest_data()
    prior = F.build_to(tmp_path / "2019", last, "上海市人民政府办公厅.xlsx")
    this = F.generic_fill(unit="上海市人民政府办公厅", year=2020, seed=7, prior=last)
    assert this["requests.carried_over.person"] == 72
    good = F.build_to(tmp_path, this, "2020.xlsx")
    (result,) = api.check([good], prior=prior).files
    assert not result.findings, [f.message() for f in result.findings]

    this["requests.carried_over.person"] += 1
    this["requests.new.person"] -= 1  # still balanced: only the carry-over is wrong
    this["disclosure.penalty.prior_items"] += 2  # not last year's count plus its change
    bad = F.build_to(tmp_path, this, "2020-bad.xlsx")
    (result,) = api.check([bad], prior=tmp_path / "2019").files
    got = sorted((f.code, f.severity, f.rule, f.datapoint) for f in result.findings)
    assert got == [
        ("prior-year-mismatch", "error", "X-1", "requests.carried_over.person"),
        ("prior-year-mismatch", "error", "X-1", "requests.carried_over.total"),
        ("prior-year-mismatch", "warning", "X-4", "disclosure.penalty.prior_items"),
    ]
    x1 = next(f for f in result.findings if f.datapoint == "requests.carried_over.person")
    assert "（上年" + F.ref("requests.carried_forward.person").split("!")[1] + " = 72）" in x1.message()


def test_x1_from_a_2020_report_in_the_2019_format_to_a_2021_report(tmp_path: Path) -> None:
    """The year the format changed: this year's 2021 workbook, last year's in the 2019 format. X-1
    reads the same IDs in both; last year's cell is named where the 2019 workbook has it; X-2 (现行有效
    件数, which the 2019 format has not) is not checked."""
    from tests.make_filled import build_to, cell, honest_data

    last = F.generic_fill(unit="淮安市人民政府", year=2020, seed=11)
    F.build_to(tmp_path / "2020", last, "淮安市人民政府.xlsx")
    this = honest_data("huaian-city-2024")
    this["meta.year"] = 2021
    for col in F.PEOPLE:  # 2021's 上年结转 = 2020's 结转下年度; 一 or （一） keeps the balance
        delta = last[f"requests.carried_forward.{col}"] - this[f"requests.carried_over.{col}"]
        this[f"requests.carried_over.{col}"] += delta
        this[f"requests.{'granted' if delta > 0 else 'new'}.{col}"] += abs(delta)
    good = build_to(tmp_path, this, "2021.xlsx")
    (result,) = api.check([good], prior=tmp_path / "2020").files
    assert result.template.id == "gov_info_disclosure_2021"
    assert not result.findings, [f.message() for f in result.findings]

    this["requests.carried_over.business"] += 1
    this["requests.new.business"] -= 1
    bad = build_to(tmp_path, this, "2021-bad.xlsx")
    (result,) = api.check([bad], prior=tmp_path / "2020" / "淮安市人民政府.xlsx").files
    got = sorted((f.code, f.rule, f.datapoint) for f in result.findings)
    assert got == [("prior-year-mismatch", "X-1", "requests.carried_over.business"),
                   ("prior-year-mismatch", "X-1", "requests.carried_over.total")]
    where_2019 = F.ref("requests.carried_forward.business").split("!")[1]
    where_2021 = cell("requests.carried_forward.business").ref.split("!")[1]
    assert where_2019 != where_2021
    finding = next(f for f in result.findings if f.datapoint == "requests.carried_over.business")
    assert f"（上年{where_2019} = {last['requests.carried_forward.business']}）" in finding.message()


# ---------------------------------------------------------------- publish and roll-up


def test_publish_reads_back_with_twenty_result_rows(tmp_path: Path) -> None:
    path = F.build_to(tmp_path, F.honest_data(), "上海市人民政府办公厅.xlsx")
    run = api.publish([path], tmp_path / "out", formats="docx,html")
    (done,) = run.files
    assert done.written, (done.status, done.reason, [f.message() for r in run.check.files for f in r.findings])
    assert done.title == "上海市人民政府办公厅2019年政府信息公开工作年度报告"
    grids = read_docx_tables(Path(done.outputs["docx"]).read_bytes())
    texts = [c.text for g in grids for c in g.cells]
    for band in ("第二十条第（一）项", "第二十条第（九）项", "采购总金额", "251000", "其他对外管理服务事项"):
        assert band in texts, band
    results = next(c for g in grids for c in g.cells if c.text == "三、本年度办理结果")
    assert results.row_span == 20
    assert "（六）其他处理" in texts and "3.其他" not in texts
    html = Path(done.outputs["html"]).read_text(encoding="utf-8")
    assert 'rowspan="20"' in html and "三、本年度办理结果" in html


def test_the_roll_up_sums_2019_workbooks_and_refuses_a_mix(tmp_path: Path) -> None:
    a = F.generic_fill(unit="甲区", year=2020, seed=1)
    b = F.generic_fill(unit="乙区", year=2020, seed=2)
    paths = [F.build_to(tmp_path / "in", a, "甲.xlsx"), F.build_to(tmp_path / "in", b, "乙.xlsx")]
    rollup = api.aggregate(paths, tmp_path / "sum.xlsx", jobs=1)
    assert not rollup.errors and len(rollup.included) == 2
    assert rollup.check is not None and rollup.check.template.id == F.TEMPLATE
    for dp in ("requests.new.person", "disclosure.penalty.change", "disclosure.procurement.amount"):
        assert rollup.check.values[dp] == pytest.approx(a[dp] + b[dp])
    assert rollup.check.values["meta.year"] == 2020

    from tests.make_filled import build_to, honest_data

    build_to(tmp_path / "in", honest_data("huaian-city-2024"), "丙.xlsx")
    with pytest.raises(AggregateError, match="不同的模板"):
        api.aggregate([tmp_path / "in"], tmp_path / "mixed.xlsx", jobs=1)


@pytest.mark.parametrize("seed", [3, 4])
def test_generated_fills_publish_and_read_back(tmp_path: Path, seed: int) -> None:
    """Every figure of a 2019 fill (negative changes, yuan with fen) survives docx and HTML: each
    document is read back against the workbook before it is written."""
    data = F.generic_fill(seed=seed)
    data["disclosure.procurement.amount"] = 1234567.89
    path = F.build_to(tmp_path, data, f"{seed}.xlsx")
    run = api.publish([path], tmp_path / "out", formats="docx,html", jobs=1)
    (done,) = run.files
    assert done.written, (done.status, [f.message() for r in run.check.files for f in r.findings])
    texts = [c.text for g in read_docx_tables(Path(done.outputs["docx"]).read_bytes()) for c in g.cells]
    assert "1234567.89" in texts
    negative = next(v for k, v in data.items() if k.endswith(".change") and v < 0)
    assert str(negative) in texts
