"""Every formula cell's cached value, as written into the file, equals an independent computation.

LibreOffice and WPS show the cached values of a freshly opened xlsx without recalculating, so they
must be right. The oracle is plain Python written from the official rules (T3-B row totals, T3-C
column totals, T4-A block totals, the T3-A and T3-D check rows, the cover's summary); the package's
formula engine is not used. Cells are found through the workbook's own defined names.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from tests.official import COLUMNS, RESULT_ROWS
from workbook_builder import api

COLS = list(COLUMNS)
ROWS = ["new", "carried_over", *RESULT_ROWS, "results_total", "carried_forward"]
BLOCKS = ["review", "suit_direct", "suit_after_review"]
OUTCOMES = ["upheld", "corrected", "other", "pending"]
DISCLOSURE = [f"disclosure.{k}.{c}" for k in ("rules", "normative") for c in ("issued", "repealed", "in_force")] + [
    "disclosure.licensing.decisions", "disclosure.penalty.decisions", "disclosure.coercion.decisions",
]

# The workbook's words, typed here rather than imported from the package.
BALANCED, UNBALANCED = "平衡", "不平衡"
ALL_BALANCED, NOT_BALANCED = "全部平衡", "存在不平衡，请核对各表的勾稽校验行"
BLANKS_LEFT = "尚有未填写的黄色单元格，请填写完整"
NOT_FILLED = "未填写"  # a check row whose inputs are all blank (issue 7: no green 平衡 over nothing)
TEXT_INPUTS = ("meta.unit_name", "meta.contact_person", "meta.contact_phone", "text.overview", "text.problems", "text.other")

counts = st.one_of(st.integers(0, 30), st.integers(0, 10**9))


@st.composite
def prefills(draw: st.DrawFn) -> dict[str, Any]:
    """Valid values for every numeric input; each column of table 三 balanced or not, some blanks."""
    sparse = draw(st.booleans()) and draw(st.booleans())  # one example in four leaves some inputs blank
    all_balanced = draw(st.booleans())
    data: dict[str, Any] = {}
    for col in COLS:
        results = {r: draw(counts) for r in RESULT_ROWS}
        cf = draw(counts)
        total = sum(results.values()) + cf
        if all_balanced or draw(st.booleans()):  # balanced column: 一 + 二 = （七） + 四
            co = draw(st.integers(0, total))
            new = total - co
        else:
            co, new = draw(counts), draw(counts)
        column = {"new": new, "carried_over": co, "carried_forward": cf, **results}
        for row, value in column.items():
            data[f"requests.{row}.{col}"] = value
    for block in BLOCKS:
        for outcome in OUTCOMES:
            data[f"appeals.{block}.{outcome}"] = draw(counts)
    for dp in DISCLOSURE:
        data[dp] = draw(counts)
    data["disclosure.fees.amount"] = draw(st.integers(0, 10**12)) / 10**6  # up to 6 decimals
    data["meta.year"] = draw(st.integers(2021, 2100))
    for dp in TEXT_INPUTS:
        data[dp] = draw(st.text(alphabet="政府信息公开年报abc123", min_size=1, max_size=20))
    data["meta.date"] = "2025-01-20"
    if sparse:
        keys = sorted(data)
        for key in draw(st.lists(st.sampled_from(keys), max_size=40, unique=True)):
            del data[key]
    return data


def expected_formula_values(data: dict[str, Any]) -> dict[str, Any]:
    """The official rules, in plain Python. Blank inputs count as 0 in the sums, as in Excel."""

    def v(dp: str) -> int:
        return data.get(dp) or 0

    out: dict[str, Any] = {}
    table = {(r, c): v(f"requests.{r}.{c}") for r in ROWS if r != "results_total" for c in COLS}
    for c in COLS:  # T3-C: （七）总计 = the sum of the 21 result rows, column by column
        table["results_total", c] = sum(table[r, c] for r in RESULT_ROWS)
        out[f"requests.results_total.{c}"] = table["results_total", c]
    for r in ROWS:  # T3-B: 总计 = 自然人 + the five 法人或其他组织 columns, row by row
        table[r, "total"] = sum(table[r, c] for c in COLS)
        out[f"requests.{r}.total"] = table[r, "total"]
    checks = []
    for c in [*COLS, "total"]:
        new, co, rt, cf = (table[r, c] for r in ("new", "carried_over", "results_total", "carried_forward"))
        a = BALANCED if new + co == rt + cf else UNBALANCED  # T3-A
        d = BALANCED if cf <= new + co else UNBALANCED  # T3-D
        cols = COLS if c == "total" else [c]  # the inputs each check reads, through the totals
        if all(data.get(f"requests.{r}.{k}") in (None, "") for r in ROWS if r != "results_total" for k in cols):
            a = NOT_FILLED
        if all(data.get(f"requests.{r}.{k}") in (None, "") for r in ("new", "carried_over", "carried_forward")
               for k in cols):
            d = NOT_FILLED
        out[f"checks.t3_a.{c}"], out[f"checks.t3_d.{c}"] = a, d
        checks += [a, d]
    for block in BLOCKS:  # T4-A
        out[f"appeals.{block}.total"] = sum(v(f"appeals.{block}.{o}") for o in OUTCOMES)
    verdict = ALL_BALANCED if UNBALANCED not in checks else NOT_BALANCED
    # the cover first asks for every yellow cell to be filled, then reports the balance
    out["checks.summary"] = BLANKS_LEFT if any(data.get(dp) in (None, "") for dp in required_inputs()) else verdict
    return out


def required_inputs() -> list[str]:
    """Every input of the template, typed here from the official tables (all are required)."""
    out = [f"requests.{r}.{c}" for r in ROWS if r != "results_total" for c in COLS]
    out += [f"appeals.{b}.{o}" for b in BLOCKS for o in OUTCOMES]
    out += [*DISCLOSURE, "disclosure.fees.amount", "meta.year", "meta.date", *TEXT_INPUTS]
    return out


@pytest.fixture(scope="module")
def names() -> dict[str, tuple[str, int, int]]:
    """Defined name → (sheet, row, column), from the file itself."""
    wb = openpyxl.load_workbook(io.BytesIO(api.build()))
    out = {}
    for name, dn in wb.defined_names.items():
        sheet, _, ref = dn.attr_text.rpartition("!")
        col, row = coordinate_from_string(ref.replace("$", ""))
        out[name] = (sheet.strip("'").replace("''", "'"), row, column_index_from_string(col))
    return out


@pytest.fixture(scope="module")
def formula_cells() -> set[tuple[str, int, int]]:
    wb = openpyxl.load_workbook(io.BytesIO(api.build()))
    return {(ws.title, c.row, c.column) for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"}


def test_the_oracle_covers_every_formula_cell(names, formula_cells) -> None:  # type: ignore[no-untyped-def]
    expected = expected_formula_values({})
    where = {names[dp.replace(".", "_")] for dp in expected}
    assert where == formula_cells
    assert len(formula_cells) == 25 + 6 + 3 + 14 + 1


def _cached(content: bytes) -> dict[tuple[str, int, int], Any]:
    wb = openpyxl.load_workbook(io.BytesIO(content), data_only=True, read_only=True)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    out[ws.title, cell.row, cell.column] = cell.value
    wb.close()
    return out


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=prefills())
def test_cached_values_equal_the_official_rules(names, data: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    cached = _cached(api.build(data=data))
    wrong = {}
    for dp, want in expected_formula_values(data).items():
        got = cached.get(names[dp.replace(".", "_")])
        if got != want or type(got) is bool:
            wrong[dp] = (got, want)
    assert not wrong
    # and the inputs are stored as given
    for dp, value in data.items():
        got = cached.get(names[dp.replace(".", "_")])
        if dp == "meta.date":  # a date cell reads back as a datetime
            got = got.date().isoformat()
        assert got == value, dp


def test_empty_workbook_caches_zero_totals_and_unfilled_checks(names) -> None:  # type: ignore[no-untyped-def]
    cached = _cached(api.build())
    for dp, want in expected_formula_values({}).items():
        assert cached.get(names[dp.replace(".", "_")]) == want, dp
