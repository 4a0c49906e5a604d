"""Real published figures (tests/fixtures/real) through build and check, and one broken balance each.

The fixtures hold four real reports, totals included: building with them also proves our formulas
give exactly the published totals. The expected rule findings of a broken balance are computed here
from the fixture's own numbers, by plain arithmetic, not by the code under test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.make_filled import FIXTURE_NAMES, build_to, honest_data
from tests.official import COLUMNS, RESULT_ROWS
from workbook_builder import api

LETTER = dict(zip(COLUMNS + ("total",), "DEFGHIJ", strict=True))
REQ = "'依申请公开'"


def above_info(report) -> list[tuple[str, str | None, str | None]]:  # type: ignore[no-untyped-def]
    return sorted((f.code, f.rule, f.cell) for f in report.findings if f.severity != "info")


def expected_table_three(data: dict) -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
    """T3-A and T3-D outcomes per column, by hand: (code, rule, check cell) of each that fails."""
    def column(col: str) -> tuple[float, float, float, float]:
        cols = COLUMNS if col == "total" else (col,)
        new = sum(data[f"requests.new.{c}"] for c in cols)
        carried_over = sum(data[f"requests.carried_over.{c}"] for c in cols)
        results = sum(data[f"requests.{r}.{c}"] for r in RESULT_ROWS for c in cols)
        forward = sum(data[f"requests.carried_forward.{c}"] for c in cols)
        return new, carried_over, results, forward

    out = []
    for col in COLUMNS + ("total",):
        new, carried_over, results, forward = column(col)
        if new + carried_over != results + forward:
            out.append(("rule-failed", "T3-A", f"{REQ}!{LETTER[col]}30"))
        if forward > new + carried_over:
            out.append(("rule-failed", "T3-D", f"{REQ}!{LETTER[col]}31"))
    return sorted(out)


@pytest.mark.parametrize("fixture", FIXTURE_NAMES)
def test_real_report_builds_and_checks_clean(tmp_path: Path, fixture: str) -> None:
    data = honest_data(fixture, totals=True)  # published totals included: build refuses any mismatch
    report = api.check_file(build_to(tmp_path, data, f"{fixture}.xlsx"))
    assert [(f.code, f.cell) for f in report.findings] == []
    assert report.valid and report.year == data["meta.year"] and report.unit == data["meta.unit_name"]
    assert expected_table_three(honest_data(fixture)) == []  # the hand arithmetic agrees: nothing fails


@pytest.mark.parametrize("fixture", FIXTURE_NAMES)
def test_one_broken_balance_is_caught(tmp_path: Path, fixture: str) -> None:
    data = honest_data(fixture)
    data["requests.granted.person"] += 1  # （一）予以公开 of 自然人: one more result than requests
    expected = expected_table_three(data)
    # 自然人 and, as its sum, 总计 no longer balance; T3-D (四 ≤ 一 + 二) is untouched by a result row.
    assert expected == [("rule-failed", "T3-A", f"{REQ}!D30"), ("rule-failed", "T3-A", f"{REQ}!J30")]
    report = api.check_file(build_to(tmp_path, data, f"{fixture}-broken.xlsx"))
    assert above_info(report) == expected
    person = next(f for f in report.findings if f.cell == f"{REQ}!D30")
    new, co = data["requests.new.person"], data["requests.carried_over.person"]
    results = sum(data[f"requests.{r}.person"] for r in RESULT_ROWS)
    assert (person.severity, person.actual, person.expected) == ("error", new + co, results + data["requests.carried_forward.person"])
    assert person.cells == (f"{REQ}!D5", f"{REQ}!D6", f"{REQ}!D28", f"{REQ}!D29")


@pytest.mark.parametrize("fixture", FIXTURE_NAMES)
def test_carried_forward_beyond_received_breaks_t3d(tmp_path: Path, fixture: str) -> None:
    data = honest_data(fixture)
    col = "research"  # 科研机构: no fixture has any request in this column
    data[f"requests.carried_forward.{col}"] = data[f"requests.new.{col}"] + data[f"requests.carried_over.{col}"] + 1
    expected = expected_table_three(data)
    assert ("rule-failed", "T3-D", f"{REQ}!F31") in expected
    report = api.check_file(build_to(tmp_path, data, f"{fixture}-t3d.xlsx"))
    assert above_info(report) == expected


# ------------------------------------------------------------------ prior year


@pytest.fixture(scope="module")
def suqian(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("suqian")
    prior = folder / "prior"
    return {
        "2023": build_to(prior, honest_data("suqian-city-2023"), "宿迁市2023.xlsx"),
        "2024": build_to(folder, honest_data("suqian-city-2024"), "宿迁市2024.xlsx"),
        "huaian-2024": build_to(folder, honest_data("huaian-city-2024"), "淮安市2024.xlsx"),
        "other-prior": build_to(prior, honest_data("hatubuhu-town-2023"), "哈图布呼镇2023.xlsx"),
        "prior-folder": prior,
    }


def test_prior_year_consistent(suqian: dict[str, Path]) -> None:
    report = api.check_file(suqian["2024"], prior=suqian["2023"])
    assert report.findings == ()


def test_prior_year_carried_over_changed(tmp_path: Path, suqian: dict[str, Path]) -> None:
    data = honest_data("suqian-city-2024")
    data["requests.carried_over.business"] += 1  # 3 → 4, but 2023 carried 3 forward
    report = api.check_file(build_to(tmp_path, data, "宿迁市2024.xlsx"), prior=suqian["2023"])
    # X-1 holds per column, 总计 included: the total of 二 differs from 2023's total of 四 as well.
    # The change also unbalances table 三 of 2024 in the same columns (T3-A).
    assert above_info(report) == sorted([
        ("prior-year-mismatch", "X-1", f"{REQ}!E6"), ("prior-year-mismatch", "X-1", f"{REQ}!J6"),
        ("rule-failed", "T3-A", f"{REQ}!E30"), ("rule-failed", "T3-A", f"{REQ}!J30"),
    ])
    x1 = next(f for f in report.findings if f.code == "prior-year-mismatch" and f.cell == f"{REQ}!E6")
    assert (x1.severity, x1.actual, x1.expected, x1.cells) == ("error", 4, 3, (f"{REQ}!E6",))


def test_prior_year_carried_over_changed_with_table_three_balanced(tmp_path: Path, suqian: dict[str, Path]) -> None:
    data = honest_data("suqian-city-2024")
    data["requests.carried_over.business"] += 1
    data["requests.carried_forward.business"] += 1  # keeps 一 + 二 = 三（七） + 四 in 2024
    report = api.check_file(build_to(tmp_path, data, "宿迁市2024.xlsx"), prior=suqian["2023"])
    assert above_info(report) == [("prior-year-mismatch", "X-1", f"{REQ}!E6"), ("prior-year-mismatch", "X-1", f"{REQ}!J6")]


def test_prior_year_rules_in_force_changed_is_a_warning(tmp_path: Path, suqian: dict[str, Path]) -> None:
    data = honest_data("suqian-city-2024")
    data["disclosure.rules.in_force"] += 1  # 13 ≠ 11 + 2 − 1
    report = api.check_file(build_to(tmp_path, data, "宿迁市2024.xlsx"), prior=suqian["2023"])
    assert above_info(report) == [("prior-year-mismatch", "X-2", "'主动公开'!D4")]
    x2 = report.findings[0]
    assert (x2.severity, x2.actual, x2.expected) == ("warning", 13, 12)
    assert report.valid


def test_prior_folder_matched_by_unit_and_year(tmp_path: Path, suqian: dict[str, Path]) -> None:
    data = honest_data("suqian-city-2024")
    data["requests.carried_over.business"] += 1
    data["requests.carried_forward.business"] += 1
    broken = build_to(tmp_path, data, "宿迁市2024-改.xlsx")
    reports = api.check([suqian["2024"], broken, suqian["huaian-2024"]], prior=suqian["prior-folder"]).files
    honest, changed, huaian = reports
    assert honest.findings == ()  # matched 宿迁市 2023 and it agrees
    assert above_info(changed) == [("prior-year-mismatch", "X-1", f"{REQ}!E6"), ("prior-year-mismatch", "X-1", f"{REQ}!J6")]
    # no 淮安市人民政府 2023 in the folder
    assert [(f.code, f.severity) for f in huaian.findings] == [("prior-year-not-found", "info")]
    assert huaian.valid


def test_cli_prior_folder(suqian: dict[str, Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workbook_builder", "check", str(suqian["2024"]), str(suqian["huaian-2024"]),
         "--prior", str(suqian["prior-folder"]), "--format", "json"],
        capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    doc = json.loads(done.stdout.decode("utf-8"))
    by_name = {Path(f["path"]).name: f for f in doc["files"]}
    assert by_name["宿迁市2024.xlsx"]["findings"] == []
    assert [f["code"] for f in by_name["淮安市2024.xlsx"]["findings"]] == ["prior-year-not-found"]


def test_single_prior_file_of_the_same_year_is_not_last_year(suqian: dict[str, Path]) -> None:
    report = api.check_file(suqian["2024"], prior=suqian["2024"])
    # issue 7: a workbook given with --prior that does not match is a warning of its own code
    assert [(f.code, f.severity) for f in report.findings] == [("prior-year-not-matched", "warning")]
