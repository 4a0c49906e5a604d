"""The published-report checks beyond the tables' arithmetic: parse doubts (import-suspect), S1
headings, TX prose figures (declared in the template, linted), and X-1/X-2 with a published prior."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.make_filled import _fixture_values, build_to, honest_data
from tests.test_import_published import HEADINGS, PROSE, T, codes, reading, where
from workbook_builder import api
from workbook_builder.check.workbook import with_prior
from workbook_builder.findings import Code
from workbook_builder.imports.model import CellRead
from workbook_builder.imports.published import check_reading, with_prior_published
from workbook_builder.spec import TemplateError, load_template

REAL = Path(__file__).resolve().parents[2] / "shared" / "reference" / "real-reports"


def _huaian_lines() -> list[str]:
    """淮安市人民政府's 2024 report as its PDF's text, line by line (read in ../shared; skipped only where
    ../shared is absent)."""
    path = REAL / "huaian-city-2024.txt"
    if not path.is_file():
        pytest.skip("../shared (the reference reports) is absent")
    return path.read_text(encoding="utf-8").split("\n")
TEMPLATE_FILE = Path(__file__).resolve().parents[1] / "templates" / "gov_info_disclosure_2021.yaml"


# ---- import-suspect: a failed identity in a row split from a digit run ----

def _rebuilt_row(values: dict[str, float], row: str, raw: str) -> dict[str, CellRead]:
    cols = ["person", "business", "research", "nonprofit", "legal_services", "other_org", "total"]
    return {f"requests.{row}.{c}": CellRead("value", raw, where(f"requests.{row}.{c}"), float(values[c]), rebuilt=True)
            for c in cols}


def test_a_wrong_split_is_a_parse_doubt_not_the_units_error() -> None:
    """Huaian's 一 row "3001 53 0 0 61 4 3119" run together and split as 2991 63 …: the row still adds
    up, T3-A fails in two columns — one import-suspect with the source and the split, no error."""
    raw = "30015300614 3119"
    split = {"person": 2991, "business": 63, "research": 0, "nonprofit": 0, "legal_services": 61, "other_org": 4,
             "total": 3119}
    result = check_reading(reading(changes=_rebuilt_row(split, "new", raw)), T)
    assert codes(result) == [(Code.IMPORT_SUSPECT, "requests.new.person")]
    f = result.findings[0]
    assert f.severity == "warning" and result.valid
    text = f.message()
    assert f"原文“{raw}”拆为 2991、63、0、0、61、4、3119；T3-A 不成立" in text, text
    assert "不一定是报告单位的错误" in text


def test_a_split_whose_row_total_fails_is_a_parse_doubt_too() -> None:
    raw = "3001530061 43119"
    split = {"person": 3001, "business": 53, "research": 0, "nonprofit": 0, "legal_services": 6, "other_org": 1,
             "total": 43119}
    result = check_reading(reading(changes=_rebuilt_row(split, "new", raw)), T)
    assert {f.code for f in result.findings} == {Code.IMPORT_SUSPECT}
    assert len(result.findings) == 1  # the row total, T3-A in two columns: one doubt about one split
    assert "一、本年新收政府信息公开申请数量 总计＝自然人至其他各列之和" in result.findings[0].message()


def test_a_rebuilt_row_that_holds_gives_nothing_and_other_errors_stay_errors() -> None:
    v = _fixture_values("huaian-city-2024")
    split = {c: v[f"requests.new.{c}"] for c in
             ["person", "business", "research", "nonprofit", "legal_services", "other_org", "total"]}
    changes: dict = _rebuilt_row(split, "new", "30015300614 3119")
    assert check_reading(reading(changes=changes), T).findings == ()
    changes["appeals.review.total"] = 350  # not rebuilt: the unit's own error
    assert codes(check_reading(reading(changes=changes), T)) == [(Code.PUBLISHED_TOTAL_MISMATCH, "appeals.review.total")]


# ---- S1: the six headings ----

def test_headings_tolerate_spacing_width_and_a_full_stop() -> None:
    loose = (("一、 总体情况。", "a"), ("二、主动公开政府信息情况", "b"), ("三、收到和处理政府信息公开申请情况：", "c"),
             ("四、政府信息公开行政复议、行政诉讼情况", "d"), ("五、存在的主要问题及改进情况", "e"),
             ("六、其他需要报告的事项", "f"), ("（一）主动公开情况", "g"), ("四、结转下年度继续办理", "h"))
    assert check_reading(reading(headings=loose), T).findings == ()


def test_heading_typo_missing_and_order() -> None:
    h = list(HEADINGS)
    h[3] = ("四、政府信息公开行政法复议、行政诉讼情况", "第60行")
    typo = check_reading(reading(headings=tuple(h)), T)
    assert [(f.code, f.reason, f.cell) for f in typo.findings] == [(Code.PUBLISHED_HEADING, "typo", "第60行")]
    assert "写作“四、政府信息公开行政法复议、行政诉讼情况”，官方标题为“四、政府信息公开行政复议、行政诉讼情况”" in \
        typo.findings[0].message()
    missing = check_reading(reading(headings=HEADINGS[:4] + HEADINGS[5:]), T)
    assert [(f.reason, f.expected) for f in missing.findings] == [("missing", "五、存在的主要问题及改进情况")]
    swapped = check_reading(reading(headings=HEADINGS[:4] + (HEADINGS[5], HEADINGS[4])), T)
    assert [(f.reason, f.cell) for f in swapped.findings] == [("order", "第72行")]
    assert "“六、其他需要报告的事项”出现的位置不对" in swapped.findings[0].message()
    none = check_reading(reading(headings=()), T)
    assert [f.reason for f in none.findings] == ["missing"] * 6


def test_a_section_printed_before_the_one_it_follows_is_out_of_order_not_missing(tmp_path: Path) -> None:
    """Huaian with 五 (problems) moved before 四 (appeals and its table): the figures are all read, and S1
    says 五 stands in the wrong place, not that it is missing."""
    from workbook_builder.imports.report import check_report

    lines = _huaian_lines()
    moved = lines[:131] + lines[141:154] + lines[131:141] + lines[154:]
    path = tmp_path / "reordered.txt"
    path.write_text("\n".join(moved), encoding="utf-8")
    result = check_report(path)
    assert [(f.code, f.reason, f.expected) for f in result.findings] == \
        [(Code.PUBLISHED_HEADING, "order", "五、存在的主要问题及改进情况")]
    assert result.findings[0].cell == "第132行"


# ---- TX: prose against the tables ----

def _huaian_prose() -> dict[str, str]:
    lines = _huaian_lines()
    return {"text.overview": "\n".join(lines[13:63]), "text.problems": "\n".join(lines[142:154]),
            "text.other": "\n".join(lines[155:157])}


def test_the_real_huaian_prose_is_not_flagged() -> None:
    prose = _huaian_prose()
    assert "受理政府信息公开申请 3119 件" in prose["text.overview"]
    assert check_reading(reading(prose=prose), T).findings == ()


@pytest.mark.parametrize(("old", "new", "rule", "expected"), [
    ("申请 3119 件", "申请 3100 件", "TX-1", 3119),
    ("行政复议 351", "行政复议 315", "TX-2", 351),
    ("行政诉讼 46 件", "行政诉讼 47 件", "TX-3", 46),
])
def test_a_changed_prose_figure_is_flagged_with_both_quotes(old: str, new: str, rule: str, expected: int) -> None:
    prose = _huaian_prose()
    assert old in prose["text.overview"]
    prose["text.overview"] = prose["text.overview"].replace(old, new)
    result = check_reading(reading(prose=prose), T)
    assert [(f.code, f.rule) for f in result.findings] == [(Code.PUBLISHED_PROSE_MISMATCH, rule)]
    f = result.findings[0]
    assert f.severity == "warning" and f.expected == expected and f.cell == "一、总体情况"
    text = f.message()
    assert new.replace(" ", "") in text and str(expected) in text, text


def test_new_requests_with_or_without_carried_over_are_both_accepted() -> None:
    for figure in (3119, 3119 + 34):
        prose = dict(PROSE, **{"text.overview": f"全年共收到政府信息公开申请{figure}件。"})
        assert check_reading(reading(prose=prose), T).findings == ()
    prose = dict(PROSE, **{"text.overview": "全年共收到政府信息公开申请3000件。"})
    f = check_reading(reading(prose=prose), T).findings[0]
    assert f.reason == "figures" and "3119" in f.message() and "3153" in f.message()


def test_fee_row_against_the_prose() -> None:
    """（六）2 is 6 in huaian: the prose must speak of the fee, and cannot say no fee notice went out (6
    requests ended because a notice went unpaid); "未收取信息处理费" is no contradiction (unpaid). The
    administrative fees (行政事业性收费, 96171.6 万元) are another matter and never compared."""
    silent = dict(PROSE, **{"text.other": "无其他需要报告的事项。"})
    f = check_reading(reading(prose=silent), T).findings
    assert [(x.rule, x.reason) for x in f] == [("TX-4", "not-mentioned")]
    assert "正文却没有提到“信息处理费”或“收费通知”" in f[0].message()
    for denial in ("本年度未发出收费通知。", "全年发出收费通知书0份。"):
        found = check_reading(reading(prose=dict(PROSE, **{"text.other": denial})), T).findings
        assert [(x.rule, x.reason) for x in found] == [("TX-5", "figure")], denial
        assert denial in found[0].message()
    unpaid = check_reading(reading(prose=dict(PROSE, **{"text.other": "本年度发出收费通知6份，未收取信息处理费。"})), T)
    assert unpaid.findings == ()
    # a township with （六）2 = 0 may say it sent no notice, or say nothing at all
    for other in ("本年度未发出收费通知，未收取信息处理费。", "无其他需要报告的事项。"):
        r = reading("hatubuhu-town-2023", prose=dict(PROSE, **{"text.other": other}))
        assert check_reading(r, T).findings == ()


def test_a_prose_figure_is_compared_with_the_printed_total() -> None:
    """The prose quotes the tables as printed: a total printed 350 (its parts add to 351) is what
    the prose's 350 agrees with; the total itself is a published-total-mismatch."""
    prose = dict(PROSE, **{"text.overview": "政府信息公开行政复议 350 件。"})
    result = check_reading(reading(prose=prose, changes={"appeals.review.total": 350}), T)
    assert codes(result) == [(Code.PUBLISHED_TOTAL_MISMATCH, "appeals.review.total")]
    # … and the prose's 351, the parts' sum, agrees with the tables too (the printed total is the error)
    prose = dict(PROSE, **{"text.overview": "政府信息公开行政复议 351 件。"})
    result = check_reading(reading(prose=prose, changes={"appeals.review.total": 350}), T)
    assert codes(result) == [(Code.PUBLISHED_TOTAL_MISMATCH, "appeals.review.total")]
    prose = dict(PROSE, **{"text.overview": "政府信息公开行政复议 352 件。"})
    result = check_reading(reading(prose=prose, changes={"appeals.review.total": 350}), T)
    assert [f.expected for f in result.findings if f.code == Code.PUBLISHED_PROSE_MISMATCH] == [350]


def test_a_prose_figure_over_an_unread_cell_is_not_compared() -> None:
    prose = dict(PROSE, **{"text.overview": "政府信息公开行政复议 999 件。"})
    unread = {"appeals.review.upheld": CellRead("ambiguous", "7264", "表四"),
              "appeals.review.total": CellRead("blank", "", "表四")}
    assert [f.rule for f in check_reading(reading(prose=prose), T).findings] == ["TX-2"]
    r = reading(prose=prose, changes=unread)
    assert not [f for f in check_reading(r, T).findings if f.code == Code.PUBLISHED_PROSE_MISMATCH]


def _lint(tmp_path: Path, checks: str) -> str:
    text = TEMPLATE_FILE.read_text(encoding="utf-8")
    start = text.index("  prose_checks:\n")
    end = text.index("  sections:\n", start)
    path = tmp_path / "t.yaml"
    path.write_text(text[:start] + checks + text[end:], encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        load_template(path)
    return str(info.value)


def test_prose_checks_are_linted(tmp_path: Path) -> None:
    msg = _lint(tmp_path, """  prose_checks:
    - {id: A, pattern: '行政复议(?P<n>\\d+', equals: [appeals.review.total]}
    - {id: B, pattern: '复议(?P<n>\\d+)件', equals: [appeals.nowhere.total+appeals.review.total]}
    - {id: B, pattern: '复议(\\d+)件', equals: [appeals.review.total]}
    - {id: C, pattern: '费', equals: [appeals.review.total], required_if: appeals.review.total}
    - {id: D, pattern: '费', required_if: 'appeals.review.total *2', in: [text.nowhere]}
""")
    for problem in ("$.document.prose_checks[0].pattern: 正则表达式无法编译",
                    "$.document.prose_checks[1].equals[0]: “appeals.nowhere.total”不是模板中的数据点",
                    "$.document.prose_checks[2].id: 检查编号“B”重复",
                    "$.document.prose_checks[2].pattern: equals 检查的正则表达式需要命名组",
                    "$.document.prose_checks[3]: 每项检查必须且只能有 equals、required_if 二者之一",
                    "$.document.prose_checks[4].required_if: “appeals.review.total *2”应为数据点 ID 和数字用 + - 连接",
                    "$.document.prose_checks[4].in[0]: “text.nowhere”不是文本输入字段"):
        assert problem in msg, msg


# ---- with a prior: either side may be a published report ----

def _suqian(year: int, **changes: float):  # type: ignore[no-untyped-def]
    r = reading(f"suqian-city-{year}", changes=changes, prose=dict(PROSE, **{"text.other": "信息处理费按规定收取。"}))
    return replace(check_reading(r, T), path=f"宿迁{year}.txt")


def test_prior_published_against_published() -> None:
    current, prior = _suqian(2024), _suqian(2023)
    assert current.findings == () and prior.findings == ()
    assert with_prior(current, T, prior).findings == ()
    moved = _suqian(2024, **{"requests.carried_over.person": 117, "requests.carried_over.total": 120,
                             "requests.new.person": 3441, "requests.new.total": 3526})
    assert moved.findings == ()  # this year's tables balance …
    found = with_prior(moved, T, prior).findings
    assert [(f.code, f.rule) for f in found] == [(Code.PRIOR_YEAR_MISMATCH, "X-1")] * 2  # … but not with last year


def test_prior_workbook_against_published_and_back(tmp_path: Path) -> None:
    prior_book = api.check(build_to(tmp_path, honest_data("suqian-city-2023"), "宿迁2023.xlsx")).files[0]
    assert prior_book.valid and prior_book.values
    assert with_prior(_suqian(2024), T, prior_book).findings == ()
    wrong = _suqian(2024, **{"disclosure.rules.in_force": 13})  # 11 + 2 - 1 is 12
    assert [(f.code, f.rule) for f in with_prior(wrong, T, prior_book).findings] == [(Code.PRIOR_YEAR_MISMATCH, "X-2")]
    current_book = api.check(build_to(tmp_path, honest_data("suqian-city-2024"), "宿迁2024.xlsx")).files[0]
    assert with_prior(current_book, T, _suqian(2023)).findings == current_book.findings
    data = honest_data("suqian-city-2024")
    data["disclosure.normative.in_force"] = 421
    off = api.check(build_to(tmp_path, data, "宿迁2024b.xlsx", strict=False)).files[0]
    extra = set(with_prior(off, T, _suqian(2023)).findings) - set(off.findings)
    assert [(f.code, f.rule) for f in extra] == [(Code.PRIOR_YEAR_MISMATCH, "X-2")]


def test_a_prior_cell_not_read_is_not_compared() -> None:
    prior = check_reading(reading("suqian-city-2023", changes={
        "requests.carried_forward.person": CellRead("slash", "/", "表三")}), T)
    moved = _suqian(2024, **{"requests.carried_over.person": 117, "requests.carried_over.total": 120,
                             "requests.new.person": 3441, "requests.new.total": 3526})
    # last year's 结转 自然人 was "/": neither that column nor the total over it is compared
    assert prior.invalid_inputs == {"requests.carried_forward.person"}
    assert with_prior(moved, T, prior).findings == ()


def test_year_on_year_findings_of_a_published_report_are_placed_in_the_report(tmp_path: Path) -> None:
    """`with_prior_published`: X-1 at the report's text, with this year's and last year's figures —
    not at a workbook cell a published report does not have."""
    changes = {"requests.carried_over.person": 117, "requests.carried_over.total": 120,
               "requests.new.person": 3441, "requests.new.total": 3526}
    r = reading("suqian-city-2024", changes=changes, prose=dict(PROSE, **{"text.other": "信息处理费按规定收取。"}))
    current = check_reading(r, T)
    for prior in (_suqian(2023), api.check(build_to(tmp_path, honest_data("suqian-city-2023"), "p.xlsx")).files[0]):
        found = with_prior_published(current, r, T, prior).findings
        # the 总计 column's X-1, implied by the 自然人 column's, is not said again
        assert [(f.code, f.datapoint) for f in found] == [(Code.PRIOR_YEAR_MISMATCH, "requests.carried_over.person")]
        f = found[0]
        assert f.cell == where("requests.carried_over.person")
        assert "（117 = 117）" in f.message() and "（上年118 = 118）" in f.message(), f.message()
    assert with_prior_published(_suqian(2024), reading("suqian-city-2024"), T, _suqian(2023)).findings == ()


def test_the_2019_template_checks_the_prose_too(tmp_path: Path) -> None:
    """A 2019-format report is checked against its own template's TX checks: a prose figure of new
    requests the table contradicts is said, the true one is not."""
    from tests.make_filled_2019 import generic_fill
    from tests.published_forms import pdf_rows, printed
    from workbook_builder.imports.report import check_report

    values = generic_fill(seed=3)
    new = printed(values, "gov_info_disclosure_2019").truth["requests.new.total"]
    for figure, flagged in ((new, False), (int(new or 0) + 7, True)):
        texts = {"text.overview": f"本年度共收到政府信息公开申请{figure}件，均已按时答复。"}
        p = printed({**values, **texts}, "gov_info_disclosure_2019")
        path = tmp_path / f"report-{figure}.txt"
        path.write_text(pdf_rows(p), encoding="utf-8")
        result = check_report(path)
        assert result.template is not None and result.template.id == "gov_info_disclosure_2019"
        tx = [f for f in result.findings if f.code == Code.PUBLISHED_PROSE_MISMATCH]
        assert [f.rule for f in tx] == (["TX-1"] if flagged else []), [f.message() for f in result.findings]


def test_old_labels_and_the_format_name_are_read_and_linted(tmp_path: Path) -> None:
    from workbook_builder.template import registry

    doc = registry.resolve().spec.document
    assert doc is not None and dict(doc.old_labels) == {"行政规范性文件": ("规范性文件",)}
    assert doc.name == "2021年格式"
    text = TEMPLATE_FILE.read_text(encoding="utf-8").replace("    行政规范性文件: [规范性文件]", "    行政规范文件: [规范性文件]")
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        load_template(path)
    assert "$.document.old_labels: “行政规范文件”不是模板中的标签" in str(info.value)
