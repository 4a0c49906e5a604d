"""check_reading: a published report as read, checked into a FileResult (values, N1, totals, rules,
parse doubts). Readings are built here directly from the real reports' typed figures."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.make_filled import _fixture_values
from workbook_builder.findings import Code
from workbook_builder.imports.model import CellRead, Reading
from workbook_builder.imports.published import check_reading
from workbook_builder.template import registry

T = registry.resolve()
LAYOUT = T.layout
PROSE = {"text.overview": "本年度工作有序开展。", "text.problems": "无。", "text.other": "本年度依申请公开按《政府信息公开信息处理费管理办法》执行。"}
HEADINGS = (("一、总体情况", "第1行"), ("二、主动公开政府信息情况", "第3行"),
            ("三、收到和处理政府信息公开申请情况", "第20行"), ("四、政府信息公开行政复议、行政诉讼情况", "第60行"),
            ("五、存在的主要问题及改进情况", "第70行"), ("六、其他需要报告的事项", "第72行"))


def table_points() -> list[str]:
    """Every table data point of the template: what a Reading's `cells` holds."""
    return [dp for dp, c in LAYOUT.by_id.items()
            if c.kind in ("input", "formula") and dp.split(".")[0] in ("disclosure", "requests", "appeals")]


def where(dp: str) -> str:
    c = LAYOUT.by_id[dp]
    return f"{c.sheet}“{c.label_path[0]}”行 · 第{c.row}行"


def reading(name: str = "huaian-city-2024", *, changes: dict[str, Any] | None = None, prose: dict[str, str] | None = None,
            headings: tuple[tuple[str, str], ...] = HEADINGS) -> Reading:
    """A Reading of a real report's true figures; `changes` sets a cell to a number or to a CellRead."""
    values = _fixture_values(name)
    cells: dict[str, CellRead] = {}
    for dp in table_points():
        v = values[dp]
        cells[dp] = CellRead("value", str(v), where(dp), float(v))
    for dp, change in (changes or {}).items():
        cells[dp] = change if isinstance(change, CellRead) else CellRead("value", str(change), where(dp), float(change))
    return Reading(T.spec.id, values["meta.unit_name"], int(values["meta.year"]), cells,
                   prose=dict(PROSE if prose is None else prose), headings=headings)


def codes(result: Any) -> list[tuple[str, str | None]]:
    return [(f.code, f.datapoint) for f in result.findings]


@pytest.mark.parametrize("name", ["huaian-city-2024", "suqian-city-2023", "suqian-city-2024", "hatubuhu-town-2023"])
def test_true_figures_give_no_finding_and_every_value(name: str) -> None:
    result = check_reading(reading(name), T)
    assert result.findings == ()
    assert result.valid and result.path == "" and result.template is not None
    assert result.template.id == T.spec.id
    values = _fixture_values(name)
    assert result.unit == values["meta.unit_name"] and result.year == values["meta.year"]
    for dp in table_points():  # inputs as read, totals recomputed: equal to the printed ones here
        assert result.values[dp] == pytest.approx(values[dp]), dp
    assert result.values["text.overview"] == PROSE["text.overview"]
    assert result.values["meta.unit_name"] == values["meta.unit_name"]
    assert result.invalid_inputs == frozenset()


def test_values_are_recomputed_not_printed() -> None:
    """A printed total is evidence, never a value: FileResult.values holds the template's sum."""
    result = check_reading(reading(changes={"appeals.review.total": 999}), T)
    assert result.values["appeals.review.total"] == 351


def test_blank_and_slash_are_n1_at_the_cell_and_never_used() -> None:
    dp_blank, dp_slash = "requests.granted.business", "appeals.review.upheld"
    result = check_reading(reading(changes={
        dp_blank: CellRead("blank", "", "表三 第12行"),
        dp_slash: CellRead("slash", "/", "表四 第3行"),
    }), T)
    n1 = [f for f in result.findings if f.code == Code.PUBLISHED_NOT_A_NUMBER]
    assert [(f.datapoint, f.reason, f.cell) for f in sorted(n1, key=lambda f: f.datapoint or "")] == [
        (dp_slash, "slash", "表四 第3行"), (dp_blank, "blank", "表三 第12行")]
    slash = next(f for f in n1 if f.reason == "slash")
    assert slash.severity == "warning"
    assert "“/”" in slash.message() and slash.label == LAYOUT.by_id[dp_slash].label
    assert "行政复议" in slash.message()
    assert result.invalid_inputs == {dp_blank, dp_slash}
    # the rules and totals reading a blank are not checked (the blank is the one finding)
    assert {f.code for f in result.findings} == {Code.PUBLISHED_NOT_A_NUMBER}


def test_a_printed_total_left_blank_is_n1_too() -> None:
    result = check_reading(reading(changes={"requests.new.total": CellRead("blank", "", "表三 第5行")}), T)
    assert codes(result) == [(Code.PUBLISHED_NOT_A_NUMBER, "requests.new.total")]
    assert result.values["requests.new.total"] == 3119  # recomputed all the same


def test_a_wrong_input_fails_the_rule_at_the_report_text_with_figures() -> None:
    """The unit's own error: a figure that breaks T3-A (its printed totals consistent with it)."""
    result = check_reading(reading(changes={"requests.carried_over.person": 35, "requests.carried_over.total": 35}), T)
    failed = [f for f in result.findings if f.code == Code.RULE_FAILED]
    assert [f.rule for f in failed] == ["T3-A"]
    person = failed[0]
    assert person.datapoint == "requests.new.person"  # the first figure the rule reads (no check row)
    assert person.cell == where("requests.new.person")  # the report's place, not a workbook cell
    text = person.message()
    assert "!" not in (person.cell or "") and "D5" not in text
    assert "3001+35 = 3036" in text  # the figures, where a workbook finding names its cells
    assert result.values["requests.carried_over.person"] == 35


def test_the_issue_example_one_wrong_printed_total_is_one_finding() -> None:
    """A report whose results add up to 27 while （七）总计 prints 21: one finding naming both, and
    the T3-A it breaks is said on it (not again as a rule failure, nor on the row total above it)."""
    values = _fixture_values("hatubuhu-town-2023")
    assert values["requests.results_total.total"] == 0
    changes = {"requests.new.person": 27, "requests.new.total": 27, "requests.granted.person": 20,
               "requests.granted.total": 20, "requests.unavailable_not_held.person": 7,
               "requests.unavailable_not_held.total": 7,
               "requests.results_total.person": 21, "requests.results_total.total": 21}
    result = check_reading(reading("hatubuhu-town-2023", changes=changes), T)
    assert codes(result) == [(Code.PUBLISHED_TOTAL_MISMATCH, "requests.results_total.person")]
    f = result.findings[0]
    assert f.severity == "error" and f.actual == 21 and f.expected == 27
    text = f.message()
    assert "印为 21，（一）至（六）各项相加为 27" in text, text
    assert "T3-A" in text


def test_a_printed_row_total_names_its_columns() -> None:
    result = check_reading(reading(changes={"requests.new.total": 3100}), T)
    assert codes(result) == [(Code.PUBLISHED_TOTAL_MISMATCH, "requests.new.total")]
    assert "印为 3100，自然人至其他各列相加为 3119" in result.findings[0].message()


def test_appeals_total_mismatch() -> None:
    result = check_reading(reading(changes={"appeals.review.total": 350}), T)
    assert codes(result) == [(Code.PUBLISHED_TOTAL_MISMATCH, "appeals.review.total")]
    assert "结果维持至尚未审结各列相加为 351" in result.findings[0].message()


def test_a_wrong_part_under_consistent_printed_totals_is_said_on_the_totals() -> None:
    """（一）予以公开 自然人 printed 4 too high while its row and column totals print the true sums: the
    two totals do not add up (each its finding), and T3-A, which fails on the parts' sums only, is
    said on the （七）总计 finding — not as rule failures in the 自然人 and 总计 columns as well."""
    v = _fixture_values("huaian-city-2024")
    result = check_reading(reading(changes={"requests.granted.person": v["requests.granted.person"] + 4}), T)
    assert sorted(codes(result)) == [(Code.PUBLISHED_TOTAL_MISMATCH, "requests.granted.total"),
                                     (Code.PUBLISHED_TOTAL_MISMATCH, "requests.results_total.person")]
    column = next(f for f in result.findings if f.datapoint == "requests.results_total.person")
    assert column.reason == "sum-rule-parts"
    assert "印为 2932，（一）至（六）各项相加为 2936；按相加的结果，规则 T3-A 不成立" in column.message()


def test_a_wrong_part_of_a_printed_total_and_the_rule_it_breaks() -> None:
    """四 自然人 printed 108 while 四 总计 prints 103: the total does not add up, and T3-A fails in the
    自然人 column on any reading (a rule failure, with the figures); the 总计 column's T3-A, failing only
    on the parts' sum, is said on the total's finding."""
    result = check_reading(reading(changes={"requests.carried_forward.person": 108}), T)
    assert sorted(codes(result)) == [(Code.PUBLISHED_TOTAL_MISMATCH, "requests.carried_forward.total"),
                                     (Code.RULE_FAILED, "requests.new.person")]
    rule = next(f for f in result.findings if f.code == Code.RULE_FAILED)
    assert "（2932+108 = 3040）" in rule.message()


def test_the_units_own_error_is_one_rule_failure_not_one_per_column() -> None:
    """A carried-over figure and its total printed consistently, breaking T3-A: the 自然人 column's
    failure; the 总计 column's, implied by it, is not said again."""
    result = check_reading(reading(changes={"requests.carried_over.person": 35, "requests.carried_over.total": 35}), T)
    assert codes(result) == [(Code.RULE_FAILED, "requests.new.person")]


def test_finding_result_reads_prose_and_identity() -> None:
    r = replace(reading(), unit=None, year=None)
    result = check_reading(r, T)
    assert result.unit is None and result.year is None and "meta.year" not in result.values


def test_whole_numbers_read_as_int_are_checked_as_a_workbooks_floats() -> None:
    r = reading("hatubuhu-town-2023")
    r = replace(r, cells={k: replace(c, value=int(c.value or 0)) for k, c in r.cells.items()})
    result = check_reading(r, T)
    assert result.findings == ()
    assert isinstance(result.values["requests.new.person"], float)
