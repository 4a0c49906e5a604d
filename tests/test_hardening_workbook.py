"""Issue 7, workbook side: false alarms and wrong advice to honest staff, and the build items.

Each test here failed before its fix (see the issue's items: decimals judged on the float's repr,
no hint for full-width digits, "write 0" advice for a year, a cover that stays green while an input
holds "/", green 平衡 under empty columns, prose cut off in 文字说明, a roster build that blanks the year).
"""

from __future__ import annotations

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
