"""The roll-up (`workbook-builder aggregate`): units with known figures, summed exactly.

Five honest 2024 units, each with its own figures (tests/batch_helpers.unit_data), so the expected
total of every input is the sum of the data they were built from. Then what must not be summed: a
workbook with errors (unless --include-invalid), a unit of another year, a unit sent twice, and a
workbook of another template.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.batch_helpers import run_cli, unit_data
from tests.make_filled import build_to
from workbook_builder import api
from workbook_builder.template import registry

YEAR = 2024
UNITS = ("示例市甲局", "示例市乙局", "示例市丙局", "示例市丁局", "示例市戊局")
DATES = ("2025-01-20", "2025-02-28", "2025-01-03", "2025-02-01", "2024-12-31")
FEE = "disclosure.fees.amount"
NOTE = "汇总（{n}个单位）"
LAYOUT = registry.resolve().layout
TEXT_INPUTS = [c.datapoint for c in LAYOUT.inputs if c.input is not None and c.input.rollup == "none"]
CONTACTS = ["meta.contact_person", "meta.contact_phone"]  # no unit's contact is the roll-up's: blank
SUMMED = [c.datapoint for c in LAYOUT.inputs if c.input is not None and c.input.rollup == "sum"]
FORMULAS = [dp for dp, c in LAYOUT.by_id.items() if c.kind == "formula"]

HOTLINE = """\
id: hotline_tickets
version: "1.0.0"
title: {zh: 政务服务热线工单年度统计}
password: rx2024
identity: {unit: meta.unit_name, year: meta.year}
input_types: {count: {type: whole, min: 0}}
sheets:
  - name: 封面
    blocks:
      - {kind: title, text: 政务服务热线工单年度统计}
      - kind: fields
        fields:
          - {id: meta.unit_name, label: 单位名称, input: {type: text, max_length: 100}}
          - {id: meta.year, label: 报告年度, input: {type: whole, min: 2021, max: 2100, aggregate: same}}
  - name: 工单办理
    blocks:
      - kind: table
        table_id: tickets
        corner: 办理情况
        id_pattern: "tickets.{row}.{col}"
        cell_input: count
        columns:
          - {key: consult, label: 咨询}
          - {key: complaint, label: 投诉}
        rows:
          - {key: received, label: 本年受理}
          - {key: closed, label: 本年办结}
"""


def _expected_sums(datas: list[dict[str, Any]], skip: dict[int, str] | None = None) -> dict[str, Any]:
    """The sum of every summed input over `datas`, leaving out cell `skip[i]` of unit i; the fee exact."""
    skip = skip or {}
    out: dict[str, Any] = {}
    for dp in SUMMED:
        values = [d[dp] for i, d in enumerate(datas) if skip.get(i) != dp]
        if dp == FEE:
            out[dp] = float(round(sum(Decimal(str(v)) for v in values), 6))
        else:
            out[dp] = sum(values)
    return out


@pytest.fixture(scope="module")
def units(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]], list[Path]]:
    folder = tmp_path_factory.mktemp("units")
    datas = [unit_data(k, unit, year=YEAR, date=date) for k, (unit, date) in enumerate(zip(UNITS, DATES, strict=True))]
    paths = [build_to(folder / ("区县" if k % 2 else ""), d, f"unit{k}.xlsx") for k, d in enumerate(datas)]
    return folder, datas, paths


def _copy_units(units: tuple[Path, list[dict[str, Any]], list[Path]], dest: Path) -> Path:
    shutil.copytree(units[0], dest)
    return dest


def _props(path: Path) -> dict[str, str]:
    wb = openpyxl.load_workbook(path)
    return {p.name: p.value for p in wb.custom_doc_props.props}


@pytest.fixture(scope="module")
def rolled(units: tuple[Path, list[dict[str, Any]], list[Path]], tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("rollup") / "total.xlsx"
    run = run_cli("aggregate", units[0], "-o", out, "--jobs", "2")
    return run, out


def test_progress_when_asked(units, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = run_cli("aggregate", units[0], "-o", tmp_path / "total.xlsx", "--progress", "--jobs", "2")
    assert run.returncode == 0, run.stderr
    assert "汇总 5/5" in run.stderr and "100%" in run.stderr and "正在写出汇总工作簿" in run.stderr
    assert "个/秒" not in run.stdout and "\r" not in run.stdout, "the bar goes to stderr only"
    quiet = run_cli("aggregate", units[0], "-o", tmp_path / "quiet.xlsx", "--jobs", "2")
    assert "个/秒" not in quiet.stderr  # stderr is a pipe here, not a terminal: no bar unless asked


def test_sums_exact(units, rolled) -> None:  # type: ignore[no-untyped-def]
    _, datas, paths = units
    run, out = rolled
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[0] == f"已汇总 5 个单位，写出 {out}："
    assert "未计入" not in run.stdout
    values = api.export(out)["values"]
    expected = _expected_sums(datas)
    for dp, want in expected.items():
        got = values[dp]
        if dp == FEE:
            assert isinstance(got, float) and got == want and round(got, 6) == got, (dp, got, want)
        else:
            assert type(got) is int and got == want, (dp, got, want)
    assert expected[FEE] == 16.851855  # 1.123457 + 2.246914 + 3.370371 + 4.493828 + 5.617285 (k = 0…4)
    # the formula cells are recomputed from the summed inputs: the total of each is the sum of the units'
    unit_values = [api.export(p)["values"] for p in paths]
    for dp in FORMULAS:
        assert values[dp] == sum(v[dp] for v in unit_values), dp
    assert values["requests.new.total"] == sum(values[f"requests.new.{c}"] for c in
                                               ("person", "business", "research", "nonprofit", "legal_services",
                                                "other_org"))
    # the roll-up's 联系人/联系电话 are blank until the auditor fills them (or gives them with --data)
    assert values["checks.summary"] == "尚有未填写的黄色单元格，请填写完整"
    assert values["meta.year"] == YEAR
    assert values["meta.date"] == max(DATES) == "2025-02-28"


def test_rollup_checks_clean_and_names_its_units(units, rolled) -> None:  # type: ignore[no-untyped-def]
    _, _, paths = units
    _, out = rolled
    report = api.check_file(out)
    assert report.valid and [f for f in report.findings if f.severity != "info"] == []
    assert report.year == YEAR
    props = _props(out)
    included = [api.check_file(p).unit for p in sorted(api.expand_paths([str(units[0])]))]
    assert sorted(json.loads(props["aggregate_units"])) == sorted(UNITS) == sorted(included)
    assert props["aggregate_count"] == "5"
    values = api.export(out)["values"]
    assert set(CONTACTS) < set(TEXT_INPUTS)
    for dp in TEXT_INPUTS:  # the name and the prose say what the roll-up is (publish refuses to print it)
        assert values[dp] == (None if dp in CONTACTS else NOTE.format(n=5)), dp
    assert report.unit == NOTE.format(n=5)
    assert len(paths) == 5


def test_invalid_excluded_unless_asked(units, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, datas, _ = units
    folder = _copy_units(units, tmp_path / "in")
    bad = unit_data(7, "示例市错误局", year=YEAR, date="2025-03-15")
    slashed = "disclosure.licensing.decisions"  # no rule reads it: the roll-up stays consistent
    bad[slashed] = "/"
    bad_path = build_to(folder / "问题", bad, "错误局.xlsx", strict=False)
    assert not api.check_file(bad_path).valid

    run = run_cli("aggregate", folder, "-o", tmp_path / "a.xlsx")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "已汇总 5 个单位" in run.stdout
    excluded = [line for line in run.stdout.splitlines() if line.strip().startswith("未计入")]
    assert len(excluded) == 1 and f"示例市错误局（{bad_path}）：有错误" in excluded[0]
    assert "--include-invalid" in excluded[0]
    values = api.export(tmp_path / "a.xlsx")["values"]
    assert {dp: values[dp] for dp in SUMMED} == _expected_sums(datas)
    assert "示例市错误局" not in json.loads(_props(tmp_path / "a.xlsx")["aggregate_units"])

    run = run_cli("aggregate", folder, "-o", tmp_path / "b.xlsx", "--include-invalid")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "已汇总 6 个单位" in run.stdout and "未计入" not in run.stdout
    values = api.export(tmp_path / "b.xlsx")["values"]
    want = _expected_sums([*datas, bad], skip={5: slashed})  # the '/' is not summed, the rest is
    assert {dp: values[dp] for dp in SUMMED} == want
    assert values["meta.date"] == "2025-03-15"
    props = _props(tmp_path / "b.xlsx")
    assert "示例市错误局" in json.loads(props["aggregate_units"]) and props["aggregate_count"] == "6"
    assert api.check_file(tmp_path / "b.xlsx").valid


def test_mixed_years_refused(units, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = _copy_units(units, tmp_path / "in")
    build_to(folder, unit_data(9, "示例市己局", year=2023, date="2024-01-15"), "己局-2023.xlsx")
    out = tmp_path / "total.xlsx"
    run = run_cli("aggregate", folder, "-o", out)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "报告年度" in run.stderr and "2023" in run.stderr and "2024" in run.stderr
    assert not out.exists()


def test_duplicate_unit_refused(units, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = _copy_units(units, tmp_path / "in")
    build_to(folder / "更正", unit_data(11, UNITS[2], year=YEAR), "丙局（更正）.xlsx")
    out = tmp_path / "total.xlsx"
    run = run_cli("aggregate", folder, "-o", out)
    assert run.returncode == 2, run.stdout + run.stderr
    assert UNITS[2] in run.stderr and "丙局（更正）.xlsx" in run.stderr
    assert "--latest" in run.stderr  # the way to keep the newer one
    assert not out.exists()


def _other_workbook(folder: Path, tmp_path: Path, kind: str) -> tuple[Path, Path]:
    """An honest workbook of another template ("other-id": a template of its own; "other-version": the
    built-in template's ID with another version), written into `folder`; returns (its path, the YAML)."""
    if kind == "other-id":
        spec = tmp_path / "hotline_tickets.yaml"
        spec.write_text(HOTLINE, encoding="utf-8")
        data: dict[str, Any] = {"meta.unit_name": "示例市热线中心", "meta.year": YEAR, "tickets.received.consult": 3,
                                "tickets.received.complaint": 4, "tickets.closed.consult": 3,
                                "tickets.closed.complaint": 4}
    else:
        builtin = Path(registry.builtin_template_paths()["gov_info_disclosure_2021"]).read_text(encoding="utf-8")
        assert builtin.count('\nversion: "1.1.0"\n') == 1
        spec = tmp_path / "gov_info_disclosure_2021.yaml"
        spec.write_text(builtin.replace('\nversion: "1.1.0"\n', '\nversion: "2.0.0"\n'), encoding="utf-8")
        data = unit_data(13, "示例市新版局", year=YEAR)
    path = folder / f"{kind}.xlsx"
    path.write_bytes(api.build(str(spec), data))
    assert api.check_file(path, template=str(spec)).valid  # an honest workbook of its own template
    return path, spec


@pytest.mark.parametrize("kind", ["other-id", "other-version"])
def test_other_template_refused(units, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    folder = _copy_units(units, tmp_path / "in")
    _other_workbook(folder, tmp_path, kind)
    out = tmp_path / "total.xlsx"
    run = run_cli("aggregate", folder, "-o", out)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "模板" in run.stderr and f"{kind}.xlsx" in run.stderr
    assert not out.exists()


def test_other_template_forced_refused(units, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = _copy_units(units, tmp_path / "in")
    _, spec = _other_workbook(folder, tmp_path, "other-id")
    for extra in ([], ["--include-invalid"]):
        out = tmp_path / f"total{len(extra)}.xlsx"
        run = run_cli("aggregate", folder, "-o", out, "-t", spec, *extra)
        assert run.returncode == 2, (extra, run.stdout + run.stderr)
        assert "gov_info_disclosure_2021" in run.stderr
        assert not out.exists()



@pytest.mark.parametrize("key", ["meta.contact_persn", "联系人", "meta.date", "requests.new.person"])
def test_data_with_a_key_the_roll_up_cannot_use_is_refused(units, tmp_path: Path, key: str) -> None:  # type: ignore[no-untyped-def]
    """A mistyped or Chinese key, or a figure the roll-up sums, was dropped without a word: the cover came out
    without the contact the auditor thought he had given."""
    data = tmp_path / "汇总信息.yaml"
    data.write_text(f"meta.unit_name: 示例市人民政府\n{key}: 王五\n", encoding="utf-8")
    out = tmp_path / "total.xlsx"
    run = run_cli("aggregate", units[0], "-o", out, "--data", data)
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"{key}：" in run.stderr and "meta.contact_person" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and not out.exists()


def test_data_supplies_names_and_prose(units, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, datas, _ = units
    given = {
        "meta.unit_name": "示例市人民政府（汇总）",
        "meta.contact_person": "李四",
        "meta.contact_phone": "010-12345678",
        "text.overview": "全市各单位政府信息公开工作总体情况。",
        "text.problems": "存在的主要问题及改进情况。",
    }
    data = tmp_path / "rollup.json"
    data.write_text(json.dumps(given, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "total.xlsx"
    run = run_cli("aggregate", units[0], "-o", out, "--data", data)
    assert run.returncode == 0, run.stdout + run.stderr
    values = api.export(out)["values"]
    for dp, want in given.items():
        assert values[dp] == want, dp
    assert values["text.other"] == NOTE.format(n=5), "a text input --data leaves out still gets the note"
    assert {dp: values[dp] for dp in SUMMED} == _expected_sums(datas)
    assert values["checks.summary"] == "全部平衡"  # every cell filled: the contacts came with --data
    report = api.check_file(out)
    assert report.valid and report.unit == given["meta.unit_name"]
