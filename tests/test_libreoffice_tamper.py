"""Tampered files made by a real client: LibreOffice changes what the workbook protects.

A workbook filled honestly through LibreOffice and saved (no finding above info) is tampered
with through UNO, which writes past sheet protection (structural and attribute changes use the
template's password, as a person who knows it would), and saved again. Each kind of tampering
must be reported with its code at the right cell.

A forged cached total (a formula whose stored result is not what it computes) cannot be made
through UNO: LibreOffice recalculates the dependents of every edited cell, even in a file it
loaded without recalculating. `test_a_stale_total_cannot_be_made_through_uno` pins that; the
`stale-value` finding is covered by the tests that edit the XML.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import lo_fill as F
from tests.helpers.libreoffice import LibreOffice
from workbook_builder import api
from workbook_builder.ooxml.refs import a1, quote_sheet
from workbook_builder.template.layout import ALL_BALANCED, BALANCED

pytestmark = pytest.mark.libreoffice

REQUESTS, APPEALS, COVER, TEXTS = "依申请公开", "复议诉讼", "封面", "文字说明"


@pytest.fixture(scope="module")
def returned(libreoffice: LibreOffice, tmp_path_factory) -> Path:
    """An honest file: filled through LibreOffice, recalculated and saved by it."""
    folder = tmp_path_factory.mktemp("lo-tamper")
    empty = folder / "empty.xlsx"
    F.build_empty(empty)
    saved = folder / "returned.xlsx"
    F.fill_and_save(libreoffice, empty, F.valid_fill(404), saved)
    report = api.check_file(saved)
    assert F.severe(report) == [], F.describe_findings(report.findings)
    return saved


def tamper(office: LibreOffice, source: Path, out: Path, ops: list[dict]) -> list:
    """Apply ``ops`` to ``source`` in LibreOffice (the template's password at hand) and save ``out``;
    the findings above info of the saved file."""
    office.run(source, [*ops, {"op": "save_xlsx", "path": str(out)}], password=F.PASSWORD)
    return F.severe(api.check_file(out))


def found(findings) -> set[tuple[str, str | None]]:
    return {(f.code, f.cell) for f in findings}


def of(findings, code: str) -> list:
    return [f for f in findings if f.code == code]


def ref(dp: str) -> str:
    return F.cell(dp).ref


def sheet_ref(name: str) -> str:
    return quote_sheet(name)


# ---------------------------------------------------------------- formulas


def test_constant_typed_over_a_formula(libreoffice: LibreOffice, returned: Path, tmp_path: Path) -> None:
    """A total overwritten with a number, as typed by a person: formula-overwritten there."""
    total = "requests.new.total"
    findings = tamper(libreoffice, returned, tmp_path / "t.xlsx",
                      [{"op": "type", "sheet": REQUESTS, "cell": F.addr(total), "text": "100"}])
    [hit] = of(findings, "formula-overwritten")
    assert (hit.cell, hit.datapoint, hit.severity) == (ref(total), total, "error")
    assert hit.expected == "=" + F.cell(total).formula
    assert hit.actual == 100
    assert not of(findings, "formula-changed")


def test_constant_over_a_formula_is_one_finding_not_a_flood(
    libreoffice: LibreOffice, returned: Path, tmp_path: Path
) -> None:
    """The cells LibreOffice recomputed from the typed constant ('依申请公开'!J30 now 不平衡, the cover
    summary) are not reported as stale: they follow the overwritten cell, the one cause."""
    total = "requests.new.total"
    findings = tamper(libreoffice, returned, tmp_path / "t.xlsx",
                      [{"op": "type", "sheet": REQUESTS, "cell": F.addr(total), "text": "100"}])
    assert found(findings) == {("formula-overwritten", ref(total))}, F.describe_findings(findings)


@pytest.mark.parametrize(("datapoint", "formula"), [
    ("requests.new.total", "=SUM(D5:H5)"),  # one column left out of a row total
    ("requests.results_total.person", "=SUM(D7:D26)"),  # one row left out of a column total
    ("appeals.review.total", "=SUM(A5:C5)+7"),
])
def test_formula_replaced_by_another(libreoffice: LibreOffice, returned: Path, tmp_path: Path,
                                     datapoint: str, formula: str) -> None:
    c = F.cell(datapoint)
    findings = tamper(libreoffice, returned, tmp_path / "t.xlsx",
                      [{"op": "set_formula", "sheet": c.sheet, "cell": F.addr(datapoint), "formula": formula},
                       {"op": "calculate_all"}])
    [hit] = of(findings, "formula-changed")
    assert (hit.cell, hit.datapoint) == (c.ref, datapoint)
    assert hit.expected == "=" + c.formula
    assert hit.actual == formula
    assert not of(findings, "formula-overwritten")


def test_forged_check_cells_cannot_hide_an_imbalance(libreoffice: LibreOffice, returned: Path, tmp_path: Path) -> None:
    """Check cells and the cover summary replaced by constants' formulas (="平衡") over an imbalance:
    each is formula-changed, and T3-A still fails, computed from the inputs."""
    new = "requests.new.business"
    current = api.export(returned)["values"][new]
    forged = {"checks.t3_a.business": f'="{BALANCED}"', "checks.t3_a.total": f'="{BALANCED}"',
              "checks.summary": f'="{ALL_BALANCED}"'}
    ops = [{"op": "type", "sheet": REQUESTS, "cell": F.addr(new), "text": str(current + 5)}]
    ops += [{"op": "set_formula", "sheet": F.cell(dp).sheet, "cell": F.addr(dp), "formula": formula}
            for dp, formula in forged.items()]
    ops += [{"op": "calculate_all"}]
    findings = tamper(libreoffice, returned, tmp_path / "t.xlsx", ops)
    assert {(f.cell, f.datapoint) for f in of(findings, "formula-changed")} == {(ref(dp), dp) for dp in forged}
    assert {(f.cell, f.rule) for f in of(findings, "rule-failed")} == {
        (ref("checks.t3_a.business"), "T3-A"), (ref("checks.t3_a.total"), "T3-A")}


def test_a_stale_total_cannot_be_made_through_uno(libreoffice: LibreOffice, returned: Path, tmp_path: Path) -> None:
    """Editing an input of a LibreOffice-saved file WITHOUT calculate_all still updates its totals.

    So a cached total that disagrees with its formula (a forged cached value) cannot be produced
    through UNO; the stale-value finding is covered by the XML-level tests.
    """
    new, total = "requests.new.person", "requests.new.total"
    before = api.export(returned)["values"]
    out = tmp_path / "edited.xlsx"
    results = libreoffice.run(returned, [
        {"op": "set", "sheet": REQUESTS, "cell": F.addr(new), "value": before[new] + 1000},
        {"op": "get", "sheet": REQUESTS, "cells": [F.addr(total)]},
        {"op": "save_xlsx", "path": str(out)},
    ])
    assert results[1][0]["value"] == before[total] + 1000  # recalculated on edit
    after = api.export(out)["values"]
    assert after[total] == before[total] + 1000
    findings = F.severe(api.check_file(out))
    assert not of(findings, "stale-value"), F.describe_findings(findings)
    # the edit itself breaks T3-A in that column (and the total's), which is all that is reported
    assert found(findings) == {("rule-failed", ref("checks.t3_a.person")), ("rule-failed", ref("checks.t3_a.total"))}


# ---------------------------------------------------------------- protection, validation, locks


def test_protection_removed(libreoffice: LibreOffice, returned: Path, tmp_path: Path) -> None:
    findings = tamper(libreoffice, returned, tmp_path / "t.xlsx",
                      [{"op": "unprotect", "sheet": name} for name in (REQUESTS, TEXTS)])
    assert sorted((f.code, f.severity, f.cell) for f in findings) == [
        ("protection-removed", "warning", sheet_ref(REQUESTS)),
        ("protection-removed", "warning", sheet_ref(TEXTS)),
    ]


@pytest.mark.parametrize("datapoint", [
    "requests.granted.business",  # whole
    "disclosure.fees.amount",  # decimal (a custom rule)
    "meta.unit_name",  # text, on a merged cell
    "meta.date",  # date
    "text.overview",  # long text on a wide merged block
])
def test_validation_removed(libreoffice: LibreOffice, returned: Path, tmp_path: Path, datapoint: str) -> None:
    c = F.cell(datapoint)
    findings = tamper(libreoffice, returned, tmp_path / "t.xlsx",
                      [{"op": "remove_validation", "sheet": c.sheet, "cell": F.addr(datapoint)}])
    assert [(f.code, f.severity, f.cell, f.datapoint) for f in findings] == [
        ("validation-removed", "warning", c.ref, datapoint)
    ], F.describe_findings(findings)


def test_input_locked_and_formula_unlocked(libreoffice: LibreOffice, returned: Path, tmp_path: Path) -> None:
    locked, unlocked = "requests.granted.business", "requests.granted.total"
    label = next(c for c in F.LAYOUT.sheet(REQUESTS).cells if c.kind == "label" and c.text.startswith("四、"))
    findings = tamper(libreoffice, returned, tmp_path / "t.xlsx", [
        {"op": "set_locked", "sheet": REQUESTS, "cell": F.addr(locked), "locked": True},
        {"op": "set_locked", "sheet": REQUESTS, "cell": F.addr(unlocked), "locked": False},
        {"op": "set_locked", "sheet": REQUESTS, "cell": a1(label.row, label.col), "locked": False},
    ])
    got = sorted((f.code, f.severity, f.cell, f.expected, f.actual) for f in findings)
    assert got == sorted([
        ("lock-changed", "warning", ref(locked), "unlocked", "locked"),
        ("lock-changed", "warning", ref(unlocked), "locked", "unlocked"),
        ("lock-changed", "warning", label.ref, "locked", "unlocked"),
    ]), F.describe_findings(findings)


@pytest.mark.parametrize(("sheet", "cell", "text"), [
    (REQUESTS, "C10", "2.其他法律法规禁止公开"),  # a row label reworded
    (REQUESTS, "D3", "个人"),  # a column header
    (COVER, "A3", "单位"),  # a cover field label
])
def test_label_changed(libreoffice: LibreOffice, returned: Path, tmp_path: Path, sheet: str, cell: str,
                       text: str) -> None:
    original = next(c for c in F.LAYOUT.sheet(sheet).cells if a1(c.row, c.col) == cell)
    findings = tamper(libreoffice, returned, tmp_path / "t.xlsx", [{"op": "set", "sheet": sheet, "cell": cell, "value": text}])
    assert [(f.code, f.cell, f.expected, f.actual) for f in findings] == [
        ("label-changed", original.ref, original.text, text)
    ], F.describe_findings(findings)


# ---------------------------------------------------------------- structure


def test_row_inserted_in_table_three(libreoffice: LibreOffice, returned: Path, tmp_path: Path) -> None:
    row = F.cell("requests.denied_third_party.person").row  # inside （三）不予公开
    findings = tamper(libreoffice, returned, tmp_path / "t.xlsx",
                      [{"op": "insert_rows", "sheet": REQUESTS, "index": row - 1}])
    assert ("structure-changed", sheet_ref(REQUESTS)) in found(findings)
    assert len(of(findings, "structure-changed")) == 1
    # the sheet is reported once: none of its cells one by one
    assert not [f for f in findings if f.cell and f.cell.startswith(sheet_ref(REQUESTS) + "!")]


def test_row_inserted_in_table_three_is_one_finding(libreoffice: LibreOffice, returned: Path, tmp_path: Path) -> None:
    """The cover summary reads the check rows of 依申请公开; LibreOffice moves its references with the
    inserted row, as it must, and that is not a second finding (restoring the old formula would be wrong)."""
    row = F.cell("requests.denied_third_party.person").row
    findings = tamper(libreoffice, returned, tmp_path / "t.xlsx",
                      [{"op": "insert_rows", "sheet": REQUESTS, "index": row - 1}])
    assert found(findings) == {("structure-changed", sheet_ref(REQUESTS))}, F.describe_findings(findings)


def test_column_deleted_in_table_four(libreoffice: LibreOffice, returned: Path, tmp_path: Path) -> None:
    col = F.cell("appeals.suit_direct.corrected").col
    findings = tamper(libreoffice, returned, tmp_path / "t.xlsx",
                      [{"op": "delete_columns", "sheet": APPEALS, "index": col - 1}])
    assert found(findings) == {("structure-changed", sheet_ref(APPEALS))}, F.describe_findings(findings)


# issue 7: a missing template sheet or a copy-like name is a structure-changed error; any other extra
# sheet an extra-sheet warning (it was a structure-changed error)
@pytest.mark.parametrize(("ops", "expected"), [
    ([{"op": "rename_sheet", "sheet": APPEALS, "new_name": "复议诉讼情况"}],
     {("structure-changed", sheet_ref(APPEALS)), ("extra-sheet", sheet_ref("复议诉讼情况"))}),
    ([{"op": "insert_sheet", "name": "Sheet2"}], {("extra-sheet", sheet_ref("Sheet2"))}),
    ([{"op": "insert_sheet", "name": "草稿", "position": 0}], {("extra-sheet", sheet_ref("草稿"))}),
    ([{"op": "remove_sheet", "sheet": TEXTS}], {("structure-changed", sheet_ref(TEXTS))}),
], ids=["renamed", "added", "added-first", "removed"])
def test_sheet_renamed_added_removed(libreoffice: LibreOffice, returned: Path, tmp_path: Path, ops: list[dict],
                                     expected: set[tuple[str, str]]) -> None:
    findings = tamper(libreoffice, returned, tmp_path / "t.xlsx", ops)
    assert found(findings) == expected, F.describe_findings(findings)
