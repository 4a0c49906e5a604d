"""The 2019-format workbook in a real LibreOffice: typed in as a person would, recalculated, saved.

Through UNO every input of a generated 2019 fill (negative 本年增/减 and a yuan amount with fen
included) is typed into the empty built workbook, LibreOffice recalculates and saves it as xlsx. Its
totals, check cells and cover summary equal our engine's, and the checker finds nothing in the saved
file; one more new request in one column unbalances that column's T3-A in LibreOffice and in the
checker alike. The saved file publishes as docx, HTML and PDF (PDF made by LibreOffice), each read
back before it is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests import make_filled_2019 as F
from tests.helpers.libreoffice import LibreOffice
from workbook_builder import api
from workbook_builder.ooxml.refs import a1
from workbook_builder.template.layout import ALL_BALANCED, BALANCED, NOT_BALANCED, UNBALANCED

pytestmark = pytest.mark.libreoffice

SEED = 2020


def _ops_typing(fill: Mapping[str, Any]) -> list[dict]:
    """Numbers and the date typed into the input line; texts stored as text (as tests/lo_fill.py)."""
    ops = []
    for dp, value in fill.items():
        c = F.layout().by_id[dp]
        where = {"sheet": c.sheet, "cell": a1(c.row, c.col)}
        if c.input is not None and c.input.type == "text":
            ops.append({"op": "set", **where, "value": str(value)})
        else:
            ops.append({"op": "type", **where, "text": str(value)})
    return ops


def _formula_ids() -> list[str]:
    return [c.datapoint for c in F.layout().formulas]


def _fill_and_save(office: LibreOffice, source: Path, fill: Mapping[str, Any], out: Path) -> dict[str, Any]:
    """Type `fill`, recalculate, save as xlsx; LibreOffice's value of every formula cell by ID."""
    by_sheet: dict[str, list[str]] = {}
    for dp in _formula_ids():
        by_sheet.setdefault(F.layout().by_id[dp].sheet, []).append(dp)
    gets = [{"op": "get", "sheet": sheet, "cells": [a1(F.layout().by_id[dp].row, F.layout().by_id[dp].col)
                                                    for dp in dps]} for sheet, dps in by_sheet.items()]
    results = office.run(source, [*_ops_typing(fill), {"op": "calculate_all"},
                                  {"op": "save_xlsx", "path": str(out)}, *gets])
    out_values: dict[str, Any] = {}
    for dps, infos in zip(by_sheet.values(), results[len(results) - len(gets):], strict=True):
        for dp, info in zip(dps, infos, strict=True):
            assert info["type"] == "FORMULA" and info["error"] == 0, (dp, info)
            out_values[dp] = info["value"]
    return out_values


def _engine(fill: Mapping[str, Any]) -> dict[str, Any]:
    return {dp: v for dp, v in F.computed(fill).items() if dp in set(_formula_ids())}


@pytest.fixture(scope="module")
def empty_book(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("lo-2019") / "empty.xlsx"
    path.write_bytes(api.build(F.TEMPLATE))
    return path


@pytest.fixture(scope="module")
def honest(libreoffice: LibreOffice, empty_book: Path, tmp_path_factory) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    fill = F.generic_fill(unit="示例区人民政府办公室", year=2020, seed=SEED)
    assert any(v < 0 for k, v in fill.items() if k.endswith(".change"))
    saved = tmp_path_factory.mktemp("lo-2019") / "returned.xlsx"
    return SimpleNamespace(fill=fill, saved=saved, lo=_fill_and_save(libreoffice, empty_book, fill, saved))


def test_libreoffice_computes_what_our_engine_computes(honest) -> None:  # type: ignore[no-untyped-def]
    engine = _engine(honest.fill)
    assert honest.lo == engine
    checks = [dp for dp in _formula_ids() if F.layout().by_id[dp].kind == "check"]
    assert checks and {honest.lo[dp] for dp in checks} == {BALANCED}
    assert honest.lo["checks.summary"] == ALL_BALANCED
    assert honest.lo["requests.results_total.total"] > 0


def test_the_checker_agrees_with_the_file_libreoffice_saved(honest) -> None:  # type: ignore[no-untyped-def]
    result = api.check_file(honest.saved)
    assert result.template.id == F.TEMPLATE and result.saved_by == "libreoffice"
    assert not [f for f in result.findings if f.severity in ("error", "warning")], \
        [f.message() for f in result.findings]
    expected = F.computed(honest.fill)
    assert {dp: result.values[dp] for dp in expected if dp != "meta.date"} == \
        pytest.approx({dp: v for dp, v in expected.items() if dp != "meta.date"})


def test_a_broken_balance_in_libreoffice_is_rule_failed(libreoffice: LibreOffice, empty_book: Path,
                                                        tmp_path: Path) -> None:
    fill = F.generic_fill(year=2019, seed=SEED + 1)
    fill["requests.new.nonprofit"] += 3
    saved = tmp_path / "broken.xlsx"
    lo = _fill_and_save(libreoffice, empty_book, fill, saved)
    assert lo == _engine(fill)
    unbalanced = {dp for dp, v in lo.items() if v == UNBALANCED}
    assert unbalanced == {"checks.t3_a.nonprofit", "checks.t3_a.total"}
    assert lo["checks.summary"] == NOT_BALANCED
    severe = [f for f in api.check_file(saved).findings if f.severity in ("error", "warning")]
    assert sorted((f.code, f.rule, f.cell) for f in severe) == sorted(
        ("rule-failed", "T3-A", F.ref(dp)) for dp in unbalanced)


def test_the_saved_file_publishes_as_docx_html_and_pdf(honest, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = api.publish([honest.saved], tmp_path / "out", formats="docx,html,pdf", jobs=1)
    (done,) = run.files
    assert done.written, (done.status, done.reason, [f.message() for r in run.check.files for f in r.findings])
    assert set(done.outputs) == {"docx", "html", "pdf"}
    assert Path(done.outputs["pdf"]).read_bytes()[:5] == b"%PDF-"
    assert done.title == "示例区人民政府办公室2020年政府信息公开工作年度报告"
