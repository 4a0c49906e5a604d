"""Honest files saved by LibreOffice raise no false alarm; one pushed-out value raises exactly one.

Hypothesis draws complete valid fills (counts with 0 and very large values, fees with up to six
decimals, Chinese texts with quotes and markup-like characters, some right at their length
limit), which are typed into the empty workbook through UNO and saved by LibreOffice. The
checker must find nothing above info in them. Then one random input is pushed out of what it
accepts (negative, fractional, '/', seven decimals, one character too long, not a date) and the
checker must report exactly that: one `invalid-input`, at that cell, and nothing that follows
from it (the rules and totals reading that cell are skipped).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import lo_fill as F
from tests.helpers.libreoffice import LibreOffice
from workbook_builder import api
from workbook_builder.check.result import FileResult

pytestmark = pytest.mark.libreoffice

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

CJK = "政府信息公开工作年度报告依申请主动复议诉讼处理结果本机关掌握行政许可处罚强制收费规章规范性文件的了在和与及"
FULL_WIDTH = "“”‘’《》〈〉、，。；：？！（）【】"
MARKS = FULL_WIDTH + "\"'<>&—…·"
ALPHABET = CJK + MARKS + "0123456789abcXYZ -_/=%#"


@pytest.fixture(scope="module")
def empty_book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lo-honest") / "empty.xlsx"
    F.build_empty(path)
    return path


# ---------------------------------------------------------------- strategies

counts = st.one_of(st.just(0), st.integers(1, 999), st.integers(1000, 10**6), st.integers(10**9, 10**12))


@st.composite
def fees(draw) -> str:
    """A fee in 万元 as typed: below the N3 threshold (1,000,000), 0–6 decimals, trailing zeros dropped."""
    whole = draw(st.one_of(st.just(0), st.integers(1, 999), st.integers(1000, 999_999)))
    decimals = draw(st.integers(0, 6))
    if not decimals:
        return str(whole)
    frac = str(draw(st.integers(0, 10**decimals - 1))).zfill(decimals).rstrip("0")
    return f"{whole}.{frac}" if frac else str(whole)


@st.composite
def texts(draw, limit: int, newlines: bool = False) -> str:
    """Chinese text with quotes and markup-like characters: short, or within 5 of ``limit``.

    Texts over 1,000 characters keep to Chinese characters and full-width punctuation: a long
    text that switches between Latin and Chinese script hundreds of times trips the checker's
    zip-bomb limit once LibreOffice has saved it (see test_long_mixed_script_text_*).
    """
    length = draw(st.one_of(st.integers(1, 100), st.integers(limit - 5, limit)))
    length = min(length, limit)
    alphabet = (ALPHABET if length <= 1000 else CJK + FULL_WIDTH) + ("\n" if newlines else "")
    seed = draw(st.text(alphabet=alphabet, min_size=1, max_size=40))
    text = (seed * (length // len(seed) + 1))[:length]
    if not text.strip() or text != text.strip("\n"):  # never blank, no line break at either end
        text = ("政" + text.strip())[:length].strip("\n") or "政"
    return text


@st.composite
def valid_fills(draw) -> dict[str, Any]:
    fill: dict[str, Any] = {
        "meta.unit_name": draw(texts(100)),
        "meta.year": draw(st.integers(2021, 2100)),
        "meta.contact_person": draw(texts(30)),
        "meta.contact_phone": draw(st.one_of(
            st.from_regex(r"0[1-9][0-9]{1,2}-[1-9][0-9]{6,7}", fullmatch=True),
            st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),  # digits only, still text
            texts(30),
        )),
        "meta.date": draw(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))).isoformat(),
        "text.overview": draw(texts(30000, newlines=True)),
        "text.problems": draw(texts(30000, newlines=True)),
        "text.other": draw(texts(30000, newlines=True)),
        "disclosure.fees.amount": draw(fees()),
    }
    for kind in ("rules", "normative"):
        issued, repealed, in_force = draw(counts), draw(counts), draw(counts)
        fill.update({f"disclosure.{kind}.issued": issued, f"disclosure.{kind}.repealed": repealed,
                     f"disclosure.{kind}.in_force": max(in_force, issued)})  # T2-1 holds
    for row in ("licensing", "penalty", "coercion"):
        fill[f"disclosure.{row}.decisions"] = draw(counts)
    for col in F.REQUEST_COLUMNS:
        results = {row: draw(counts) for row in F.RESULT_ROWS}
        forward = draw(counts)
        handled = sum(results.values()) + forward
        carried_over = draw(st.integers(0, handled))
        for row, value in results.items():
            fill[f"requests.{row}.{col}"] = value
        fill[f"requests.carried_forward.{col}"] = forward
        fill[f"requests.carried_over.{col}"] = carried_over
        fill[f"requests.new.{col}"] = handled - carried_over  # T3-A and T3-D hold
    for block in ("review", "suit_direct", "suit_after_review"):
        for col in ("upheld", "corrected", "other", "pending"):
            fill[f"appeals.{block}.{col}"] = draw(counts)
    assert set(fill) == {c.datapoint for c in F.LAYOUT.inputs}
    return fill


def _typed(text: str) -> dict[str, Any]:
    return {"how": "type", "value": text}


@st.composite
def invalid_values(draw, datapoint: str) -> dict[str, Any]:
    """A value ``datapoint``'s cell does not accept, entered as a person (or a paste) would."""
    spec = F.cell(datapoint).input
    if spec.type == "whole":
        low = int(spec.min or 0)
        return draw(st.sampled_from([
            _typed(str(low - draw(st.integers(1, 10**6)))),  # negative, or a year before 2021
            _typed(f"{draw(st.integers(low, low + 10**6))}.{draw(st.sampled_from(['5', '25', '001']))}"),
            _typed("/"),
            _typed("无"),
            {"how": "set", "value": str(draw(st.integers(low, low + 50)))},  # a number pasted as text
        ]))
    if spec.type == "decimal":
        seven = f"{draw(st.integers(0, 999_999))}.{draw(st.integers(0, 999_999)):06d}{draw(st.integers(1, 9))}"
        fee = draw(fees())
        negative = "-" + (fee if float(fee) > 0 else "0.5")
        pasted = {"how": "set", "value": draw(fees())}  # a number pasted as text
        return draw(st.sampled_from([_typed(negative), _typed(seven), _typed("/"), _typed("无"), pasted]))
    if spec.type == "date":
        return draw(st.sampled_from([_typed("/"), _typed("1999-12-31"), _typed("2101-01-01"), _typed("明年")]))
    too_long = draw(st.integers(spec.max_length + 1, spec.max_length + 5))
    return {"how": "set", "value": (draw(st.sampled_from(CJK)) + "“长”") * (too_long // 4) + "长" * (too_long % 4)}


# ---------------------------------------------------------------- properties


def _fill_and_check(office: LibreOffice, empty_book: Path, fill: dict[str, Any], out: Path,
                    extra: Iterable[dict] = ()) -> FileResult:
    F.fill_and_save(office, empty_book, fill, out, extra=extra)
    return api.check_file(out)


@SETTINGS
@given(fill=valid_fills())
def test_honest_fill_saved_by_libreoffice_raises_nothing_above_info(
    libreoffice: LibreOffice, empty_book: Path, tmp_path_factory, fill: dict[str, Any]
) -> None:
    out = tmp_path_factory.mktemp("honest") / "honest.xlsx"
    report = _fill_and_check(libreoffice, empty_book, fill, out)
    assert F.severe(report) == [], F.describe_findings(report.findings)
    # and what was typed is what the file says
    exported = api.export(out)["values"]
    typed = F.exported_inputs(fill)
    assert {dp: exported[dp] for dp in typed} == typed


@SETTINGS
@given(data=st.data(), fill=valid_fills(), datapoint=st.sampled_from([c.datapoint for c in F.LAYOUT.inputs]))
def test_one_pushed_out_value_gives_exactly_one_finding(
    libreoffice: LibreOffice, empty_book: Path, tmp_path_factory, data, fill: dict[str, Any], datapoint: str
) -> None:
    bad = data.draw(invalid_values(datapoint), label="invalid value")
    c = F.cell(datapoint)
    fill = {dp: v for dp, v in fill.items() if dp != datapoint}
    if bad["how"] == "type":
        op = {"op": "type", "sheet": c.sheet, "cell": F.addr(datapoint), "text": bad["value"]}
    else:
        op = {"op": "set", "sheet": c.sheet, "cell": F.addr(datapoint), "value": bad["value"]}
    out = tmp_path_factory.mktemp("pushed") / "pushed.xlsx"
    report = _fill_and_check(libreoffice, empty_book, fill, out, extra=[op])
    severe = F.severe(report)
    assert [(f.code, f.cell, f.datapoint) for f in severe] == [("invalid-input", c.ref, datapoint)], (
        f"{datapoint} ← {bad!r}\n" + F.describe_findings(report.findings)
    )


def test_seven_decimals_on_a_large_fee_is_reported(libreoffice: LibreOffice, empty_book: Path, tmp_path: Path) -> None:
    """A 7th decimal on a fee of 96,171.6 万元: the cell's own validation rejects it, so must the checker.

    (A relative tolerance of 1e-9*|x| once let it through above ~100 万元.)
    """
    fee = F.cell("disclosure.fees.amount")
    fill = F.valid_fill(7)
    fill["disclosure.fees.amount"] = "96171.6000001"
    out = tmp_path / "fee.xlsx"
    # the workbook's own validation formula, evaluated by LibreOffice, rejects the value
    probe = {"op": "set_formula", "sheet": fee.sheet, "cell": "F1",
             "formula": f"=AND(ISNUMBER({F.addr(fee.datapoint)}),ROUND({F.addr(fee.datapoint)},6)={F.addr(fee.datapoint)})"}
    results = libreoffice.run(empty_book, [*F.typing_ops(fill), probe, {"op": "calculate_all"},
                                           {"op": "get", "sheet": fee.sheet, "cells": ["F1"]}])
    assert results[-1][0]["value"] in (False, 0)
    F.fill_and_save(libreoffice, empty_book, fill, out)
    severe = F.severe(api.check_file(out))
    assert [(f.code, f.cell) for f in severe] == [("invalid-input", fee.ref)], F.describe_findings(severe)


# Regression: LibreOffice saves text that switches between Latin and Chinese script as one rich-text
# run per switch, so three honest 30,000-character texts dense with figures make a 2.3 MB
# sharedStrings.xml that compresses 133:1; it once tripped the zip-bomb ratio (then 100:1).
def test_long_mixed_script_text_saved_by_libreoffice_is_not_a_zip_bomb(
    libreoffice: LibreOffice, empty_book: Path, tmp_path: Path
) -> None:
    fill = F.valid_fill(11)
    listing = ("第1项：12件；第2项：0件；第3项：7件。" * 2000)[:30000]  # within the 30,000-character limit
    for dp in ("text.overview", "text.problems", "text.other"):
        fill[dp] = listing
    out = tmp_path / "long-texts.xlsx"
    report = _fill_and_check(libreoffice, empty_book, fill, out)
    assert F.severe(report) == [], F.describe_findings(report.findings)
