"""Personalised workbooks: `workbook-builder build --roster units.csv --prior-dir LAST/ -o OUT`.

LAST holds the 2023 workbooks of some units, with known 四、结转下年度继续办理 figures. Each unit of
the roster gets a workbook named after it, with its name, the year (last year's + 1, or --year), and
二、上年结转 = last year's 四、结转下年度继续办理, only from cells last year's check accepted. A workbook
filled from it honestly then passes `check --prior LAST` without a prior-year finding.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.batch_helpers import run_cli, unit_data
from tests.make_filled import build_to
from workbook_builder import api
from workbook_builder.build.personalise import prefill_for, safe_filename
from workbook_builder.spec import load_template_text
from workbook_builder.template import registry
from workbook_builder.template.arrange import build_layout
from workbook_builder.template.layout import Layout

COLS = ("person", "business", "research", "nonprofit", "legal_services", "other_org")
LAYOUT = registry.resolve().layout
INPUTS = [c.datapoint for c in LAYOUT.inputs]
WITH_PRIOR = {"示例市甲局": 1, "a/b": 2, "示例市戊局": 3}  # unit → k of its 2023 figures
SLASHED_UNIT = "示例市丙局"  # its 2023 workbook has '/' in one carried-forward cell
SLASHED_COL = "person"
NO_PRIOR = "示例市丁局"
ROSTER = ("示例市甲局", "a/b", SLASHED_UNIT, NO_PRIOR, "示例市戊局")
NOT_ON_ROSTER = "示例市名单外局"


def prior_data(k: int, unit: str) -> dict[str, Any]:
    """An honest 2023 workbook's inputs with carried-forward figures that depend on k."""
    d = unit_data(k, unit, fixture="suqian-city-2023", year=2023, date="2024-01-20")
    for col, step in (("person", 1), ("legal_services", 2)):  # new and carried forward together: T3-A, T3-D hold
        d[f"requests.new.{col}"] += step * k
        d[f"requests.carried_forward.{col}"] += step * k
    return d


def _roster(path: Path, units: tuple[str, ...], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["单位名称", "备注"])
    writer.writerows([u, ""] for u in units)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.fixture(scope="module")
def last(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]]]:
    """LAST/ with 2023 workbooks (one in a sub-folder), and the data each was built from."""
    folder = tmp_path_factory.mktemp("last") / "LAST"
    datas: dict[str, dict[str, Any]] = {}
    for unit, k in WITH_PRIOR.items():
        datas[unit] = prior_data(k, unit)
        build_to(folder / ("区县" if unit == "示例市戊局" else ""), datas[unit], f"{safe_filename(unit)}-2023.xlsx")
    slashed = prior_data(4, SLASHED_UNIT)
    slashed[f"requests.carried_forward.{SLASHED_COL}"] = "/"
    datas[SLASHED_UNIT] = slashed
    build_to(folder, slashed, "丙局-2023.xlsx", strict=False)
    build_to(folder, prior_data(5, NOT_ON_ROSTER), "名单外局-2023.xlsx")
    return folder, datas


@pytest.fixture(scope="module")
def built(last, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("personalise")
    roster = _roster(root / "units.csv", ROSTER, "gbk")
    out = root / "OUT"
    run = run_cli("build", "--roster", roster, "--prior-dir", last[0], "-o", out, "--jobs", "2")
    return run, out, root


def _nonblank(values: dict[str, Any]) -> dict[str, Any]:
    return {dp: values[dp] for dp in INPUTS if values[dp] is not None and values[dp] != ""}


def _carried(prior: dict[str, Any], skip: str | None = None) -> dict[str, Any]:
    return {f"requests.carried_over.{c}": prior[f"requests.carried_forward.{c}"] for c in COLS if c != skip}


def test_one_workbook_per_unit(built, last) -> None:  # type: ignore[no-untyped-def]
    run, out, _ = built
    assert run.returncode == 0, run.stdout + run.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(f"{safe_filename(u)}.xlsx" for u in ROSTER)
    assert "a_b.xlsx" in files and not (out / "a").exists(), "'/' in a unit name does not make a folder"
    lines = run.stdout.splitlines()
    assert lines[-1] == f"共生成 {len(ROSTER)} 个工作簿。"
    assert f"已生成 {out / (NO_PRIOR + '.xlsx')}（未找到上年工作簿）" in lines
    assert f"已生成 {out / 'a_b.xlsx'}（上年结转取自 {last[0] / 'a_b-2023.xlsx'}）" in lines
    assert f"已生成 {out / '示例市戊局.xlsx'}（上年结转取自 {last[0] / '区县' / '示例市戊局-2023.xlsx'}）" in lines
    assert NOT_ON_ROSTER not in run.stdout


def test_carry_overs(built, last) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = built
    _, datas = last
    for unit in ROSTER:
        values = api.export(out / f"{safe_filename(unit)}.xlsx")["values"]
        got = _nonblank(values)
        if unit == NO_PRIOR:
            # no prior workbook: the name, and the same report year as every other unit of the roster
            assert got == {"meta.unit_name": unit, "meta.year": 2024}, "no prior workbook: name and year only"
            assert values["requests.carried_over.total"] == 0
            continue
        skip = SLASHED_COL if unit == SLASHED_UNIT else None
        want = {"meta.unit_name": unit, "meta.year": 2024, **_carried(datas[unit], skip)}
        assert got == want, unit
        assert all(type(v) is int for k, v in got.items() if k.startswith("requests.")), unit
        assert values["requests.carried_over.total"] == sum(v for k, v in want.items() if k.startswith("requests."))
    slashed = _nonblank(api.export(out / f"{safe_filename(SLASHED_UNIT)}.xlsx")["values"])
    assert f"requests.carried_over.{SLASHED_COL}" not in slashed, "an invalid cell of last year is not carried"
    assert datas["a/b"]["requests.carried_forward.person"] != datas["示例市甲局"]["requests.carried_forward.person"]


def test_year_option(last, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    roster = _roster(tmp_path / "units.csv", ROSTER)
    out = tmp_path / "OUT"
    run = run_cli("build", "--roster", roster, "--prior-dir", last[0], "-o", out, "--year", "2024")
    assert run.returncode == 0, run.stdout + run.stderr
    for unit in ROSTER:
        values = _nonblank(api.export(out / f"{safe_filename(unit)}.xlsx")["values"])
        assert values["meta.year"] == 2024 and values["meta.unit_name"] == unit
        if unit == NO_PRIOR:
            assert values == {"meta.unit_name": unit, "meta.year": 2024}, "no prior workbook: name and --year only"
        elif unit != SLASHED_UNIT:
            assert {k: v for k, v in values.items() if k.startswith("requests.")} == _carried(last[1][unit])
    # without a prior folder: the name and --year
    run = run_cli("build", "--roster", roster, "-o", tmp_path / "PLAIN", "--year", "2025")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "未找到上年工作簿" not in run.stdout
    for unit in ROSTER:
        assert _nonblank(api.export(tmp_path / "PLAIN" / f"{safe_filename(unit)}.xlsx")["values"]) == {
            "meta.unit_name": unit, "meta.year": 2025}


def _fill(personalised: Path, prior: dict[str, Any], k: int) -> dict[str, Any]:
    """Every input of an honest 2024 workbook, keeping what the personalised workbook was given."""
    given = _nonblank(api.export(personalised)["values"])
    d = unit_data(k, "", year=2024)
    for col in COLS:
        key = f"requests.carried_over.{col}"
        delta = given[key] - d[key]
        d[key] = given[key]
        # keep 一＋二＝三（七）＋四 and 四≤一＋二: a larger carry-over is also granted, a smaller one is new
        if delta >= 0:
            d[f"requests.granted.{col}"] += delta
        else:
            d[f"requests.new.{col}"] -= delta
    for kind in ("rules", "normative"):  # in force = last year's in force + issued − repealed
        d[f"disclosure.{kind}.in_force"] = (prior[f"disclosure.{kind}.in_force"] + d[f"disclosure.{kind}.issued"]
                                            - d[f"disclosure.{kind}.repealed"])
    d.update(given)
    assert {dp: d[dp] for dp in given} == given
    return d


def test_filled_workbook_agrees_with_last_year(built, last, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = built
    folder, datas = last
    unit = "示例市甲局"
    data = _fill(out / f"{unit}.xlsx", datas[unit], 6)
    honest = build_to(tmp_path / "filled", data, "甲局-2024.xlsx")
    wrong = dict(data)
    wrong["requests.carried_over.business"] += 1
    wrong["requests.granted.business"] += 1  # still balanced this year, but not last year's figure
    control = build_to(tmp_path / "filled", wrong, "甲局-2024-改.xlsx")
    run = run_cli("check", tmp_path / "filled", "--prior", folder, "--format", "json")
    assert run.returncode == 1, run.stdout + run.stderr  # the control
    files = {Path(f["path"]).name: f for f in json.loads(run.stdout)["files"]}
    assert files[honest.name]["findings"] == [], "no prior-year-mismatch, and last year's workbook was found"
    assert files[honest.name]["valid"] and files[honest.name]["unit"] == unit
    codes = [(f["code"], f["rule"], f["severity"], f["datapoint"]) for f in files[control.name]["findings"]]
    assert sorted(codes) == [("prior-year-mismatch", "X-1", "error", f"requests.carried_over.{col}")
                             for col in ("business", "total")], "the check does see a wrong carry-over"


def test_prior_dir_needs_roster(last, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = run_cli("build", "-o", tmp_path / "x.xlsx", "--prior-dir", last[0])
    assert run.returncode == 2
    assert "--prior-dir" in run.stderr and "--roster" in run.stderr
    assert not (tmp_path / "x.xlsx").exists()
    run = run_cli("build", "-o", tmp_path / "x.xlsx", "--year", "2024")
    assert run.returncode == 2 and "--roster" in run.stderr


def test_colliding_file_names(tmp_path: Path) -> None:
    units = ("x/y", "x_y", "x:y")
    roster = _roster(tmp_path / "units.csv", units)
    run = run_cli("build", "--roster", roster, "-o", tmp_path / "OUT")
    assert run.returncode == 0, run.stdout + run.stderr
    files = sorted((tmp_path / "OUT").iterdir())
    assert len(files) == len(units), [p.name for p in files]
    assert sorted(api.export(p)["values"]["meta.unit_name"] for p in files) == sorted(units)


def test_latest_prior_year_wins(tmp_path: Path) -> None:
    unit = "示例市甲局"
    old, new = prior_data(1, unit), prior_data(7, unit)
    old["meta.year"] = 2022
    build_to(tmp_path / "LAST" / "2022", old, "甲局.xlsx")
    build_to(tmp_path / "LAST" / "2023", new, "甲局.xlsx")
    assert old["requests.carried_forward.business"] != new["requests.carried_forward.business"]
    roster = _roster(tmp_path / "units.csv", (unit,))
    run = run_cli("build", "--roster", roster, "--prior-dir", tmp_path / "LAST", "-o", tmp_path / "OUT")
    assert run.returncode == 0, run.stdout + run.stderr
    values = _nonblank(api.export(tmp_path / "OUT" / f"{unit}.xlsx")["values"])
    assert values == {"meta.unit_name": unit, "meta.year": 2024, **_carried(new)}


def _hotline_layout(year_field: str | None) -> Layout:
    """The example hotline template, its year field renamed (or its `identity.year` dropped)."""
    text = (Path(__file__).resolve().parents[1] / "examples" / "hotline_tickets.yaml").read_text(encoding="utf-8")
    if year_field is None:
        text = text.replace("identity: {unit: meta.unit_name, year: meta.year}", "identity: {unit: meta.unit_name}")
    else:
        text = text.replace("meta.year", year_field)
    return build_layout(load_template_text(text))


@pytest.mark.parametrize("year_field", ["meta.year", "cover.report_year"])
def test_the_year_goes_to_the_templates_declared_year_field(year_field: str) -> None:
    layout = _hotline_layout(year_field)
    assert layout.spec.year_field == year_field
    data = prefill_for(layout, layout.spec.unit_field, "某热线中心", 2025, None, set())
    assert data == {"meta.unit_name": "某热线中心", year_field: 2025}


def test_no_year_without_a_declared_year_field() -> None:
    layout = _hotline_layout(None)
    assert layout.spec.year_field == "" and "meta.year" in layout.by_id
    assert prefill_for(layout, layout.spec.unit_field, "某热线中心", 2025, None, set()) == {"meta.unit_name": "某热线中心"}


def test_hotline_carry_overs_come_from_its_prior_rule() -> None:
    layout = _hotline_layout("meta.year")
    prior = {f"tickets.carried_forward.{c}": 7 for c in ("consult", "complaint", "report", "total")}
    data = prefill_for(layout, layout.spec.unit_field, "某热线中心", 2025, prior, {"tickets.carried_forward.report"})
    assert data == {"meta.unit_name": "某热线中心", "meta.year": 2025,
                    "tickets.carried_over.consult": 7, "tickets.carried_over.complaint": 7}
