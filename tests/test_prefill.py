"""Pre-fill data: what is refused (with the ID and the reason), what is accepted, and that the four
real-report fixtures build and export back every value they give, published totals included."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from workbook_builder import api
from workbook_builder.build.prefill import DataError
from workbook_builder.cli import main
from workbook_builder.template import registry
from workbook_builder.template.layout import ALL_BALANCED, BLANKS_LEFT, UNBALANCED

# the real reports of the default (2021) template (a fixture of another template names it: `template:`)
FIXTURES = sorted(p for p in (Path(__file__).resolve().parent / "fixtures" / "real").glob("*.yaml")
                  if "\ntemplate:" not in p.read_text(encoding="utf-8"))


def _refused(data: dict[str, Any]) -> list[str]:
    with pytest.raises(DataError) as info:
        api.build(data=data)
    return info.value.problems


def _export(tmp_path: Path, data: Any, name: str = "out.xlsx") -> dict[str, Any]:
    path = tmp_path / name
    path.write_bytes(api.build(data=data))
    return api.export(path)["values"]


def _cli_build(tmp_path: Path, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    # YAML, not JSON: a YAML data file can carry a real date, as users' files do
    data_file = tmp_path / "data.yaml"
    data_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["build", "-o", str(out), "--data", str(data_file)])
    return result, out


# ---------------------------------------------------------------- refused


def test_unknown_id_refused_by_the_cli(tmp_path: Path) -> None:
    result, out = _cli_build(tmp_path, {"requests.new.person": 1, "requests.new.nobody": 3})
    assert result.exit_code == 2, result.output
    assert "requests.new.nobody" in result.stderr
    assert "没有这个数据点" in result.stderr
    assert not out.exists()


def test_unknown_id_refused_even_when_not_strict() -> None:
    with pytest.raises(DataError) as info:
        api.build(data={"requests.new.nobody": 3}, strict=False)
    assert any("requests.new.nobody" in p for p in info.value.problems)


REFUSALS = [
    pytest.param("requests.new.person", "三", "文字", id="text-in-count"),
    pytest.param("requests.new.person", "12", "文本形式", id="number-as-text-in-count"),
    pytest.param("requests.new.person", -1, "小于下限0", id="negative-count"),
    pytest.param("appeals.review.upheld", 2.5, "不是整数", id="fractional-count"),
    pytest.param("requests.new.person", True, "类型不对", id="bool-in-count"),
    pytest.param("disclosure.fees.amount", 1.1234567, "超过6位小数", id="fee-7-decimals"),
    pytest.param("disclosure.fees.amount", -0.5, "小于下限0", id="negative-fee"),
    pytest.param("meta.contact_person", "张" * 31, "超过上限30个字", id="too-long-text"),
    pytest.param("text.overview", "字" * 30001, "超过上限30000个字", id="too-long-prose"),
    pytest.param("meta.year", 2020, "小于下限2021", id="year-too-early"),
    pytest.param("meta.date", "2025-13-15", "不是日期", id="not-a-date"),
    pytest.param(
        "disclosure.fees.amount", 24252.3110821, "超过6位小数", id="fee-7-decimals-realistic-amount",
    ),
    pytest.param(
        "requests.new.person", dt.date(2024, 1, 1), "类型不对", id="yaml-date-in-count",
    ),
]


@pytest.mark.parametrize(("datapoint", "value", "reason"), REFUSALS)
def test_bad_value_refused_naming_the_id_and_the_reason(datapoint: str, value: Any, reason: str) -> None:
    problems = _refused({datapoint: value})
    assert len(problems) == 1, problems
    assert problems[0].startswith(datapoint), problems
    assert reason in problems[0], problems


@pytest.mark.parametrize(("datapoint", "value", "reason"), [p for p in REFUSALS if not p.marks])
def test_bad_value_refused_by_the_cli(tmp_path: Path, datapoint: str, value: Any, reason: str) -> None:
    result, out = _cli_build(tmp_path, {datapoint: value})
    assert result.exit_code == 2, result.output
    assert datapoint in result.stderr and reason in result.stderr
    assert not out.exists()


def test_every_problem_is_listed_at_once() -> None:
    problems = _refused({
        "requests.new.person": "/",
        "requests.new.business": -3,
        "requests.nobody": 1,
        "meta.contact_phone": "1" * 31,
    })
    assert len(problems) == 4
    for dp in ("requests.new.person", "requests.new.business", "requests.nobody", "meta.contact_phone"):
        assert any(p.startswith(dp) for p in problems), dp
    slash = next(p for p in problems if p.startswith("requests.new.person"))
    assert "没有发生的请填写0" in slash  # the placeholder hint


# ---------------------------------------------------------------- accepted


def test_iso_date_text_accepted_and_exported_back(tmp_path: Path) -> None:
    content = api.build(data={"meta.date": "2025-01-15"})
    ws = openpyxl.load_workbook(io.BytesIO(content))["封面"]
    assert ws["B7"].value == dt.datetime(2025, 1, 15)  # a real date, not text
    assert ws["B7"].number_format == "yyyy-mm-dd"
    (tmp_path / "d.xlsx").write_bytes(content)
    assert api.export(tmp_path / "d.xlsx")["values"]["meta.date"] == "2025-01-15"


def test_yaml_date_accepted_and_exported_back(tmp_path: Path) -> None:
    data_file = tmp_path / "data.yaml"
    data_file.write_text("values:\n  meta.date: 2025-01-15\n  meta.year: 2024\n", encoding="utf-8")
    assert isinstance(yaml.safe_load(data_file.read_text())["values"]["meta.date"], dt.date)
    values = _export(tmp_path, data_file)
    assert values["meta.date"] == "2025-01-15"
    assert values["meta.year"] == 2024


def test_yaml_date_in_a_text_field_is_not_turned_into_a_serial(tmp_path: Path) -> None:
    data_file = tmp_path / "data.yaml"
    data_file.write_text("meta.contact_person: 2025-01-15\n", encoding="utf-8")
    try:
        values = _export(tmp_path, data_file)
    except DataError:
        return  # refusing it is fine too
    assert values["meta.contact_person"] == "2025-01-15"


def test_numbers_given_for_text_inputs_become_text(tmp_path: Path) -> None:
    values = _export(tmp_path, {"meta.contact_phone": 13812345678, "meta.unit_name": "某某县人民政府"})
    assert values["meta.contact_phone"] == "13812345678"
    assert values["meta.unit_name"] == "某某县人民政府"


def test_fee_with_six_decimals_accepted(tmp_path: Path) -> None:
    values = _export(tmp_path, {"disclosure.fees.amount": 24252.311082})
    assert values["disclosure.fees.amount"] == 24252.311082


def test_values_that_only_break_a_rule_are_accepted(tmp_path: Path) -> None:
    # 四、结转下年度 larger than 一 + 二: T3-D and T3-A fail, but that is the checker's business
    values = _export(tmp_path, {
        "requests.new.person": 1, "requests.carried_over.person": 0, "requests.carried_forward.person": 5,
        "disclosure.rules.issued": 9, "disclosure.rules.in_force": 1, "disclosure.rules.repealed": 0,  # T2-1
    })
    assert values["requests.carried_forward.person"] == 5
    assert values["checks.t3_d.person"] == UNBALANCED
    assert values["checks.t3_a.person"] == UNBALANCED
    assert values["checks.summary"] == BLANKS_LEFT  # most cells are still blank: the cover asks for them first


def test_formula_value_that_matches_is_accepted(tmp_path: Path) -> None:
    values = _export(tmp_path, {
        "requests.new.person": 2, "requests.new.business": 3, "requests.new.total": 5,
        "appeals.review.upheld": 1, "appeals.review.total": 1.0,
        "checks.t3_a.total": "不平衡",  # 一 = 5 while （七） = 0: the check cell says so
    })
    assert values["requests.new.total"] == 5
    assert values["appeals.review.total"] == 1


@pytest.mark.parametrize(("data", "datapoint"), [
    ({"requests.new.person": 2, "requests.new.business": 3, "requests.new.total": 6}, "requests.new.total"),
    ({"requests.granted.person": 4, "requests.results_total.person": 5}, "requests.results_total.person"),
    ({"appeals.suit_direct.upheld": 1, "appeals.suit_direct.total": 0}, "appeals.suit_direct.total"),
    ({"requests.new.person": 1}, None),  # control: no formula value given
    ({"checks.t3_a.person": "平衡", "requests.new.person": 1}, "checks.t3_a.person"),
    ({"checks.summary": ALL_BALANCED, "requests.new.person": 1}, "checks.summary"),
])
def test_formula_value_that_does_not_match_is_refused_naming_the_cell(
    data: dict[str, Any], datapoint: str | None
) -> None:
    if datapoint is None:
        api.build(data=data)
        return
    cell = registry.resolve().layout.by_id[datapoint]
    problems = _refused(data)
    assert len(problems) == 1, problems
    assert problems[0].startswith(datapoint)
    assert cell.label in problems[0]  # the cell's labels, as the person filling it reads them
    assert cell.formula in problems[0]  # and the formula that disagrees


# ---------------------------------------------------------------- the real reports

# The fixtures carry the published figures only; a complete workbook also needs these.
COVER_AND_PROSE = {
    "meta.contact_person": "李四", "meta.contact_phone": "0517-83600000", "meta.date": "2025-01-20",
    "text.overview": "总体情况（测试文字）", "text.problems": "存在的主要问题（测试文字）", "text.other": "无",
}


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_real_report_builds_and_exports_every_value(tmp_path: Path, fixture: Path) -> None:
    given = yaml.safe_load(fixture.read_text(encoding="utf-8"))["values"]
    exported = _export(tmp_path, {**given, **COVER_AND_PROSE})
    assert len(given) > 200
    different = {dp: (v, exported.get(dp)) for dp, v in given.items() if exported.get(dp) != v}
    assert not different
    for dp, v in given.items():  # whole numbers come back as int, the fee (a decimal input) as float
        want = float if dp == "disclosure.fees.amount" else type(v)
        assert type(exported[dp]) is want, (dp, v, exported[dp])
    # every published report in the fixtures balances
    assert exported["checks.summary"] == ALL_BALANCED
    assert {v for dp, v in exported.items() if dp.startswith("checks.t3")} == {"平衡"}


def test_there_are_four_real_fixtures() -> None:
    assert [p.stem for p in FIXTURES] == [
        "hatubuhu-town-2023", "huaian-city-2024", "suqian-city-2023", "suqian-city-2024",
    ]
