"""The round trip issue 9 asks for: values → document → docx and HTML → read back → compare, and
(a few Hypothesis fills, and the real reports) the whole path through a built, filled and checked
workbook.

For Hypothesis fills (every input of the template drawn at random: counts 0..10^7, amounts with up
to 6 decimals, prose in Chinese with line breaks, （一） sub-heads, `<` and `&`, empty sections) and
for the real reports in tests/fixtures/real/ (built, filled and checked as a client's return is):
100% of the data points are found by their labels and equal, every label path is the template's,
and the title, headings and prose read back as the model prints them. The reader
(publish/readback*.py) shares no code with the writers it checks.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.make_filled import FIXTURE_NAMES, build_to, honest_data
from workbook_builder import api
from workbook_builder.publish import readback as rb
from workbook_builder.publish.docx import write_docx
from workbook_builder.publish.html import fragment, page
from workbook_builder.publish.model import Document, document
from workbook_builder.template import registry

TEMPLATE = registry.resolve()
LAYOUT = TEMPLATE.layout
INPUTS = {c.datapoint: c.input for c in LAYOUT.inputs if c.input is not None}
WHOLE = sorted(dp for dp, spec in INPUTS.items() if spec.type == "whole")
DECIMAL = sorted(dp for dp, spec in INPUTS.items() if spec.type == "decimal")
PROSE = sorted(dp for dp in INPUTS if dp.startswith("text."))


def round_trip(doc: Document) -> dict[str, list[Any]]:
    """Every format written and read back: the findings of each (all empty when the trip is exact),
    after checking that nothing was read vacuously (`assert_complete`)."""
    data, part, whole = write_docx(doc), fragment(doc), page(doc)
    assert_complete(doc, data, whole)
    return {"docx": rb.verify_docx(doc, data), "fragment": rb.verify_html(doc, part, "fragment"),
            "page": rb.verify_html(doc, whole, "page")}


def assert_complete(doc: Document, data: bytes, html: str) -> None:
    """Not only no finding: every table read back, every data point located by the template's own
    label path (so an empty comparison cannot come from reading nothing), every paragraph there."""
    for grids, as_html in ((rb.read_docx_tables(data), False), (rb.read_html_tables(html), True)):
        assert len(grids) == len(doc.tables)
        for table, grid in zip(doc.tables, grids, strict=True):
            assert rb.label_paths(table, grid, html=as_html) == {c.datapoint: c.label for c in table.value_cells}
    expected = [doc.title, *(x for s in doc.sections for x in (s.heading, *(p.full for p in s.paragraphs)))]
    read = rb.read_docx_text(data)
    assert read and rb.is_title(doc, read[0], html=False)  # a long title may be set on two lines
    assert read[1:] == expected[1:]


# ----------------------------------------------------------------------------- Hypothesis fills

_HAN = "政府信息公开工作年度报告本机关认真贯彻落实条例主动依申请有序开展问题下一步加强培训完善制度"
_TEXT = st.text(alphabet=_HAN + "，、；：“”《》（）<>&\"' 　abcXYZ0123456789.%", min_size=1, max_size=40)
_SUBHEAD = st.builds(lambda n, t: f"（{n}）{t}。", st.sampled_from("一二三四五六七八九十"),
                     st.text(alphabet=_HAN + "<&", min_size=1, max_size=12))
_LINE = st.one_of(
    _TEXT,
    st.builds(lambda head, body: head + body, _SUBHEAD, _TEXT),
    _SUBHEAD.map(lambda s: s.rstrip("。")),  # a short sub-head line on its own
    st.just(""), st.just("   "),
)
PROSE_TEXT = st.one_of(st.just(""), st.builds(lambda lines, sep: sep.join(lines), st.lists(_LINE, min_size=1, max_size=5),
                                               st.sampled_from(["\n", "\r\n"])))
AMOUNT = st.one_of(
    st.integers(0, 10**7),
    st.decimals(min_value=0, max_value=10**7, places=6, allow_nan=False, allow_infinity=False).map(float),
    st.sampled_from([0.1, 0.000001, 96171.6, 1234567.891234, 12.5]),
)


@st.composite
def fills(draw: st.DrawFn) -> dict[str, Any]:
    values = honest_data("huaian-city-2024")
    for dp in WHOLE:  # within the input's own bounds (the report year 2021..2100), as a workbook accepts them
        low, high = int(INPUTS[dp].min or 0), int(INPUTS[dp].max or 10**7)
        values[dp] = draw(st.one_of(st.integers(low, high), st.integers(low, min(high, low + 20))))
    for dp in DECIMAL:
        values[dp] = draw(AMOUNT)
    for dp in PROSE:
        values[dp] = draw(PROSE_TEXT)
    # a unit name typed with Alt+Enter, pasted with a control character, or holding markup characters
    values["meta.unit_name"] = draw(st.sampled_from(["淮安市人民政府", "淮安市\n人民政府", "某某镇\x08人民政府",
                                                     "市<甲>&乙局", "某  局"]))
    return values


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fills())
def test_hypothesis_fills_round_trip_exactly(inputs: dict[str, Any]) -> None:
    values = TEMPLATE.recompute.compute(inputs)
    doc = document(LAYOUT, values)
    assert round_trip(doc) == {"docx": [], "fragment": [], "page": []}
    assert set(doc.values) == {c.datapoint for t in doc.tables for c in t.value_cells}


@st.composite
def workbook_fills(draw: st.DrawFn) -> dict[str, Any]:
    """Fills a workbook accepts without errors: a real report's counts times a drawn factor (the
    template's sums and comparisons hold under scaling), a drawn amount, year, unit name and prose."""
    values = honest_data(draw(st.sampled_from(FIXTURE_NAMES)))
    factor = draw(st.one_of(st.integers(0, 3), st.integers(0, 10**4)))
    for dp in WHOLE:
        if not dp.startswith("meta."):
            values[dp] = values[dp] * factor
    values["meta.year"] = draw(st.integers(int(INPUTS["meta.year"].min or 2021), int(INPUTS["meta.year"].max or 2100)))
    values[DECIMAL[0]] = draw(AMOUNT)
    for dp in PROSE:
        values[dp] = draw(PROSE_TEXT)
    values["meta.unit_name"] = draw(st.sampled_from(["淮安市人民政府", "淮安市\n人民政府", "某某镇\x08人民政府",
                                                     "市<甲>&乙局", "某  局"]))
    return values


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(workbook_fills())
def test_hypothesis_fills_round_trip_through_a_workbook(tmp_path: Path, inputs: dict[str, Any]) -> None:
    """The whole path the issue asks for: build → fill → check → the checker's trusted values →
    document → docx, fragment and page → read back: nothing differs. A blank prose section is a
    check error (a required input), so that document is the one `publish --draft` gives."""
    result = api.check_file(build_to(tmp_path, inputs, "filled.xlsx"))
    errors = [f for f in result.findings if f.severity == "error"]
    assert all(f.code == "missing-input" and (f.datapoint or "").startswith("text.") for f in errors), errors
    doc = document(LAYOUT, result.values, draft=bool(errors))
    assert round_trip(doc) == {"docx": [], "fragment": [], "page": []}
    assert {dp: doc.values[dp] for dp in WHOLE if dp in doc.values} == {
        dp: str(inputs[dp]) for dp in WHOLE if dp in doc.values}  # what was typed into the workbook is printed
    assert str(inputs["meta.year"]) in doc.title


def test_every_number_prints_as_entered() -> None:
    """The document model's own texts for the awkward numbers: 0 is "0", amounts keep their decimals."""
    inputs = honest_data("huaian-city-2024")
    inputs.update({dp: 0 for dp in WHOLE})
    inputs[DECIMAL[0]] = float(Decimal("1234567.891234"))
    doc = document(LAYOUT, TEMPLATE.recompute.compute(inputs))
    assert doc.values[DECIMAL[0]] == "1234567.891234"
    assert {v for dp, v in doc.values.items() if dp != DECIMAL[0]} == {"0"}
    assert round_trip(doc) == {"docx": [], "fragment": [], "page": []}


# ----------------------------------------------------------------------------- the real reports


@pytest.fixture(scope="module")
def trusted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each real report built, filled and checked: the checker's trusted values."""
    folder = tmp_path_factory.mktemp("real")
    out = {}
    for name in FIXTURE_NAMES:
        result = api.check_file(build_to(folder, honest_data(name), f"{name}.xlsx"))
        assert not [f for f in result.findings if f.severity == "error"], name
        out[name] = dict(result.values)
    return out


@pytest.fixture(scope="module")
def checked(trusted: dict[str, dict[str, Any]]) -> dict[str, Document]:
    return {name: document(LAYOUT, values) for name, values in trusted.items()}


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_real_reports_round_trip_exactly(checked: dict[str, Document], name: str) -> None:
    doc = checked[name]
    assert round_trip(doc) == {"docx": [], "fragment": [], "page": []}


def test_a_draft_round_trips_too(trusted: dict[str, dict[str, Any]]) -> None:
    """A draft's mark (page header, banner) is not a paragraph of the report: no finding."""
    draft = document(LAYOUT, trusted[FIXTURE_NAMES[0]], draft=True)
    assert draft.draft
    assert round_trip(draft) == {"docx": [], "fragment": [], "page": []}


def test_the_fixture_folder_is_what_the_round_trip_covers() -> None:
    assert len(FIXTURE_NAMES) >= 4 and (Path(__file__).parent / "fixtures" / "real").is_dir()


@pytest.mark.parametrize("fmt", ["docx", "fragment", "page"])
def test_another_reports_document_reads_as_exactly_its_differences(checked: dict[str, Document], fmt: str) -> None:
    """The read-back is not vacuous on the writers' own output: one report's document compared with
    another's model gives a `value` finding for exactly the data points whose printed texts differ
    (and the title and prose that differ), each naming the data point and both texts."""
    a, b = checked["suqian-city-2023"], checked["suqian-city-2024"]
    if fmt == "docx":
        found = rb.verify_docx(b, write_docx(a))
    else:
        found = rb.verify_html(b, (fragment if fmt == "fragment" else page)(a), fmt)
    differing = {dp for dp in b.values if a.values[dp] != b.values[dp]}
    assert len(differing) > 20
    values = [f for f in found if f.datapoint in b.values]
    assert {f.datapoint for f in values} == differing
    assert all(f.reason == "value" and (f.expected, f.actual) == (b.values[f.datapoint], a.values[f.datapoint])
               for f in values)
    others = [f for f in found if f.datapoint not in b.values]
    assert [(f.reason, f.expected, f.actual) for f in others] == (
        [("label", b.title, a.title)] if a.title != b.title else [])
