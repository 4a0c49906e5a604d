"""Issue 7, workbook side: false alarms and wrong advice to honest staff, and the build items.

Each test here failed before its fix (see the issue's items: decimals judged on the float's repr,
no hint for full-width digits, "write 0" advice for a year, a cover that stays green while an input
holds "/", green 平衡 under empty columns, prose cut off in 文字说明, a roster build that blanks the year).
"""

from __future__ import annotations

import re

import pytest

from workbook_builder.findings import Code
from workbook_builder.spec.model import InputSpec
from workbook_builder.template import registry
from workbook_builder.template.inputs import check_value

LAYOUT = registry.resolve().layout
FEE = InputSpec("decimal", min=0, decimals=2, unit="万元")
COUNT = InputSpec("whole", min=0)


# ---------------------------------------------------------------- 1. decimals as the workbook judges them


def test_a_pasted_sum_that_every_client_shows_as_3_3_is_accepted() -> None:
    assert 1.1 + 2.2 == 3.3000000000000003  # what a pasted sum stores
    assert check_value(FEE, 3.3000000000000003) is None
    assert check_value(registry.resolve().layout.by_id["disclosure.fees.amount"].input, 0.1 + 0.2) is None


@pytest.mark.parametrize("value", [3.305, 3.001, 96171.6000001])
def test_a_real_extra_decimal_is_still_rejected(value: float) -> None:
    spec = FEE if value < 10 else InputSpec("decimal", min=0, decimals=6)
    found = check_value(spec, value)
    assert found is not None and found.reason == "too-many-decimals"


# ---------------------------------------------------------------- 2. full-width digits and formatted numbers


@pytest.mark.parametrize(("text", "plain"), [("１２", "12"), ("－５", "-5"), ("３．５", "3.5"), ("1,234", "1234"),
                                             ("１，２３４", "1234"), ("12 ", "12"), ("\u3000８", "8")])
def test_full_width_and_formatted_numbers_say_to_use_half_width_digits(text: str, plain: str) -> None:
    found = check_value(COUNT, text)
    assert found is not None and found.reason == "formatted-number-as-text"
    assert "半角数字" in found.detail() and plain in found.detail()


@pytest.mark.parametrize(("text", "reason"), [("12", "number-as-text"), ("/", "placeholder-in-number"),
                                              ("－", "placeholder-in-number"), ("abc", "text-in-number"),
                                              ("1_000", "text-in-number"), ("inf", "text-in-number")])
def test_other_texts_keep_their_reasons(text: str, reason: str) -> None:
    found = check_value(COUNT, text)
    assert found is not None and found.reason == reason


# ---------------------------------------------------------------- 3. missing-input advice fits the field


def _missing(datapoint: str) -> str:
    spec = LAYOUT.by_id[datapoint].input
    assert spec is not None
    found = check_value(spec, None)
    assert found is not None and found.code == Code.MISSING_INPUT
    return found.detail()


def test_the_year_is_not_told_to_write_0() -> None:
    advice = _missing("meta.year")
    assert "0" not in advice.replace("2100", "").replace("2021", "").replace("2025", ""), advice
    assert "2021" in advice and "2100" in advice


def test_each_type_gets_its_own_advice() -> None:
    assert _missing("requests.new.person").endswith("没有发生的请填写0")
    assert "金额为零的请填写0" in _missing("disclosure.fees.amount")
    assert "年-月-日" in _missing("meta.date") and "填写0" not in _missing("meta.date")
    assert "填写0" not in _missing("meta.unit_name")


def test_the_advice_follows_the_declared_type_not_the_field_id() -> None:
    # a count whose minimum is 1 cannot be told to write 0 either, whatever its name
    found = check_value(InputSpec("whole", min=1, max=12), None)
    assert found is not None and "填写0" not in found.detail()


# ---------------------------------------------------------------- 4–5. check rows and cover in every client


def _check_cells() -> list[str]:
    return [c.datapoint for c in LAYOUT.formulas if c.kind == "check"]


def test_engines_count_like_excel() -> None:
    from workbook_builder.template import xlcalc
    from workbook_builder.template.recompute import _placeholder_index, _plain, _reference

    cases = [("COUNT(A1001:A1004)", [[[1.0], [None], ["3"], ["/"]]], 1.0),
             ("COUNTA(A1001:A1004)", [[[1.0], [None], ["3"], ["/"]]], 3.0),
             ("COUNT(A1001:A1002,A2001:A2001)", [[[True], [2.5]], [[None]]], 1.0),
             ("COUNTA(A1001:A1002,A2001:A2001)", [[[None], [None]], [[None]]], 0.0)]
    for formula, args, want in cases:
        assert _plain(xlcalc.compile_formula(formula, _placeholder_index)(args)) == want, formula
        assert _reference(formula)(args) == want, formula


def test_our_engine_shows_unfilled_check_and_not_numbers_on_the_cover() -> None:
    from tests import lo_fill as F
    from workbook_builder.template.layout import CHECK_INPUTS, NOT_FILLED, NOT_NUMBERS

    t = registry.resolve()
    blank = t.recompute.compute({})
    assert {blank[dp] for dp in _check_cells()} == {NOT_FILLED}
    fill = F.expected_inputs(F.valid_fill(3))
    fill["requests.new.person"] = "/"
    got = t.recompute.compute(fill)
    assert got["checks.t3_a.person"] == got["checks.t3_a.total"] == CHECK_INPUTS
    assert got["checks.t3_a.business"] == "平衡"
    assert got["checks.summary"] == NOT_NUMBERS


@pytest.mark.libreoffice
@pytest.mark.parametrize("pasted", ["/", "无", "１２"])
def test_libreoffice_shows_not_numbers_on_the_cover_and_the_check_rows(libreoffice, tmp_path, pasted: str) -> None:  # type: ignore[no-untyped-def]
    from tests import lo_fill as F
    from workbook_builder import api
    from workbook_builder.template.layout import CHECK_INPUTS, NOT_NUMBERS

    empty = tmp_path / "empty.xlsx"
    F.build_empty(empty)
    fill = F.valid_fill(5)
    target = F.cell("requests.carried_forward.research")
    # pasted as text past the validation (UNO writes through it, as a paste does)
    paste = {"op": "set", "sheet": target.sheet, "cell": F.addr(target.datapoint), "value": pasted}
    fill.pop(target.datapoint)
    lo = F.fill_and_save(libreoffice, empty, fill, tmp_path / "pasted.xlsx", extra=[paste])
    assert lo["checks.summary"]["value"] == NOT_NUMBERS
    for dp in ("checks.t3_a.research", "checks.t3_d.research", "checks.t3_a.total", "checks.t3_d.total"):
        assert lo[dp]["value"] == CHECK_INPUTS, (dp, lo[dp])
    assert lo["checks.t3_a.person"]["value"] == "平衡"
    # the checker reports the pasted cell, and LibreOffice's results are no stale values
    report = api.check_file(tmp_path / "pasted.xlsx")
    assert [(f.code, f.cell) for f in F.severe(report)] == [("invalid-input", target.ref)], F.describe_findings(
        report.findings)


@pytest.mark.libreoffice
def test_libreoffice_leaves_empty_columns_uncoloured(libreoffice, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests import lo_fill as F
    from workbook_builder.template.layout import NOT_FILLED

    empty = tmp_path / "empty.xlsx"
    F.build_empty(empty)
    lo = F.fill_and_save(libreoffice, empty, {"requests.new.person": 3, "requests.granted.person": 3},
                         tmp_path / "one-column.xlsx")
    assert lo["checks.t3_a.person"]["value"] == lo["checks.t3_a.total"]["value"] == "平衡"
    assert {lo[f"checks.t3_a.{c}"]["value"] for c in F.REQUEST_COLUMNS if c != "person"} == {NOT_FILLED}
    # and the file says so without recalculation (WPS shows cached values): our engine agrees
    t = registry.resolve()
    cached = t.recompute.compute({})
    assert all(cached[dp] == NOT_FILLED for dp in _check_cells())


def test_the_unfilled_check_has_no_colour_and_the_bad_ones_are_pink() -> None:
    import io
    import zipfile

    from workbook_builder import api
    from workbook_builder.template.layout import CHECK_INPUTS, NOT_FILLED, UNBALANCED

    with zipfile.ZipFile(io.BytesIO(api.build())) as z:
        xml = z.read("xl/worksheets/sheet3.xml").decode("utf-8")  # 依申请公开, with the check rows
    rules = re.findall(r'<cfRule type="cellIs" dxfId="(\d)"[^>]*operator="equal"><formula>"([^"<]*)"</formula>', xml)
    colours = {word: {d for d, w in rules if w == word} for _, word in rules}
    green, pink = colours["平衡"], colours[UNBALANCED]
    assert colours[CHECK_INPUTS] == pink and green != pink
    assert NOT_FILLED not in colours  # neutral: no rule colours it


# ---------------------------------------------------------------- 7. a roster build never blanks the year


def test_default_year_is_the_year_after_the_prior_workbooks_else_the_year_being_reported() -> None:
    import datetime as dt

    from workbook_builder.build.personalise import default_year

    assert default_year([2023, None, 2022], dt.date(2025, 3, 1)) == (2024, "prior")
    assert default_year([], dt.date(2026, 1, 15)) == (2025, "last-year")  # January: last year's report
    assert default_year([None], dt.date(2025, 10, 31)) == (2024, "last-year")
    assert default_year([], dt.date(2025, 12, 1)) == (2025, "this-year")  # December: the year being closed


def test_roster_build_without_year_fills_and_names_the_year(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from tests.batch_helpers import run_cli
    from workbook_builder import api
    from workbook_builder.build.personalise import default_year

    roster = tmp_path / "units.csv"
    roster.write_text("单位名称\n示例县教育局\n", encoding="utf-8")
    run = run_cli("build", "--roster", roster, "-o", tmp_path / "OUT")
    assert run.returncode == 0, run.stderr
    year, source = default_year([], dt.date.today())
    said = "取上一年度" if source == "last-year" else "11—12 月取本年度"
    assert f"报告年度：{year}（未指定 --year，{said}）" in run.stdout.splitlines()[0], run.stdout
    assert api.export(tmp_path / "OUT" / "示例县教育局.xlsx")["values"]["meta.year"] == year


def test_roster_build_fills_the_templates_declared_year_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from workbook_builder import api

    text = (Path(__file__).resolve().parents[1] / "examples" / "hotline_tickets.yaml").read_text(encoding="utf-8")
    template = tmp_path / "hotline.yaml"
    template.write_text(text.replace("meta.year", "cover.report_year"), encoding="utf-8")
    roster = tmp_path / "units.csv"
    roster.write_text("单位名称\n某热线中心\n", encoding="utf-8")
    records = api.build_for_roster(roster, tmp_path / "OUT", str(template), year=2025)
    assert (records[0]["year"], records[0]["year_from"]) == (2025, "given")
    values = api.export(records[0]["path"], str(template))["values"]
    assert values["cover.report_year"] == 2025 and values["meta.unit_name"] == "某热线中心"


# ---------------------------------------------------------------- 6. a real report's prose shows and prints whole


def real_prose(paragraphs: int = 8, end: str = "以上为本段最后一句") -> str:
    """About 1,400 characters in the shape of a real 总体情况 (淮安市 2024 has 1,394): numbered
    paragraphs of Chinese with figures and quotes; the last sentence is `end`."""
    body = ("市政府网站主动公开各类政府信息5500余条，全年新增公开市政府规章1件、政策性文件11件，"
            "通过文字、图片等形式制作政策解读21个，组织召开“春节前后服务企业用工”等新闻发布会12场，"
            "努力传递政府声音、宣传政策法规、回应舆论关切。")
    numbers = "一二三四五六七八九十"
    text = "\n".join(f"（{numbers[i]}）第{i + 1}项工作情况。{body[: 40 + 8 * i]}{body}" for i in range(paragraphs))
    return f"{text}{end}。"


def test_the_text_boxes_hold_a_real_reports_prose() -> None:
    from workbook_builder.template.place import LINE_HEIGHT

    sheet = LAYOUT.sheet("文字说明")
    for dp, chars in (("text.overview", 3000), ("text.problems", 1400), ("text.other", 1100)):
        c = LAYOUT.by_id[dp]
        width = sum(sheet.widths[c.col - 1 : c.last_col])
        rows = range(c.row, c.last_row + 1)
        assert all(sheet.heights[r] <= 409 for r in rows)  # Excel's limit for one row
        lines = sum(sheet.heights[r] for r in rows) / LINE_HEIGHT
        per_line = (width - 2) // 2  # Chinese characters are two units wide
        assert lines * per_line >= chars * 1.15, (dp, lines, per_line)  # room for paragraph ends
    assert 1300 <= len(real_prose()) <= 1600


@pytest.mark.libreoffice
def test_libreoffice_prints_the_whole_overview(libreoffice, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import subprocess

    from workbook_builder import api

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = real_prose(end="以上就是总体情况的最后一句话")
    assert len(text) >= 1300
    book = tmp_path / "prose.xlsx"
    api.build_file(book, None, {"text.overview": text, "text.problems": real_prose(3), "text.other": "无。"})
    pdf = tmp_path / "prose.pdf"
    libreoffice.run(book, [{"op": "export_pdf", "path": str(pdf)}])
    printed = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(printed.split())
    assert "以上就是总体情况的最后一句话" in flat  # cut off after ~580 characters before
    assert "（八）第8项工作情况" in flat
