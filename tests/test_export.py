"""build → export round-trips every data point; the CLI's export, templates and error paths."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from workbook_builder import api
from workbook_builder.cli import main
from workbook_builder.template import registry
from workbook_builder.template.inputs import date_to_serial

CJK = re.compile(r"[\u4e00-\u9fff]")
TEXTS = ["某某县人民政府", "张三", "0512-12345678", "=SUM(A1:A2)", "第一行\n第二行", "  前后空格  ", "😀 表情",
         "_x0041_", "a\x01b", "“引号”与'单引号'", "1.5", "0"]


@pytest.fixture(scope="module")
def template():  # type: ignore[no-untyped-def]
    return registry.resolve("gov_info_disclosure_2021")


def random_data(seed: int, layout) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Values for a random subset of the inputs (some left blank), every input type represented."""
    rng = random.Random(seed)
    data: dict[str, Any] = {}
    for c in layout.inputs:
        if rng.random() < 0.15 and c.datapoint != "disclosure.fees.amount":
            continue  # blank
        spec = c.input
        if spec.type == "whole":
            lo = int(spec.min or 0)
            hi = int(spec.max) if spec.max is not None else rng.choice([10, 1000, 10**9])
            data[c.datapoint] = rng.randint(lo, hi)
        elif spec.type == "decimal":
            data[c.datapoint] = rng.randint(0, 10**11) / 10**rng.randint(0, spec.decimals)
        elif spec.type == "date":
            data[c.datapoint] = (dt.date(2021, 1, 1) + dt.timedelta(days=rng.randint(0, 2000))).isoformat()
        else:
            text = rng.choice(TEXTS) * rng.randint(1, 3)
            data[c.datapoint] = text[: spec.max_length]
    return data


def _as_engine_input(value: Any, itype: str) -> Any:
    if itype == "date":
        return date_to_serial(dt.date.fromisoformat(value))
    return float(value) if isinstance(value, int) else value


@pytest.mark.parametrize("seed", range(5))
def test_build_export_round_trips_every_data_point(tmp_path: Path, template, seed: int) -> None:  # type: ignore[no-untyped-def]
    layout = template.layout
    data = random_data(seed, layout)
    path = tmp_path / "wb.xlsx"
    path.write_bytes(api.build(data=data))
    result = api.export(path)
    assert result["template"] == {"id": "gov_info_disclosure_2021", "version": layout.spec.version}
    values = result["values"]
    assert set(values) == set(layout.by_id)
    for c in layout.inputs:
        assert values[c.datapoint] == data.get(c.datapoint), c.datapoint
    inputs = {dp: _as_engine_input(v, layout.by_id[dp].input.type) for dp, v in data.items()}
    computed = template.recompute.compute(inputs)
    for c in layout.formulas:
        assert values[c.datapoint] == computed[c.datapoint], c.datapoint
    # JSON-friendly: whole numbers as int, the fee as float, dates as ISO text
    for dp, v in values.items():
        if isinstance(v, float):
            assert dp == "disclosure.fees.amount", (dp, v)


def test_cells_give_the_layouts_cell_for_every_data_point(tmp_path: Path, template) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "wb.xlsx"
    path.write_bytes(api.build())
    cells = api.export(path)["cells"]
    layout = template.layout
    assert cells == {dp: c.ref for dp, c in layout.by_id.items()}
    wb = openpyxl.load_workbook(path)
    for dp, ref in cells.items():
        m = re.fullmatch(r"'([^']+)'!([A-Z]+[0-9]+)", ref)
        assert m, ref
        # the defined name of the data point points at the same cell
        assert wb.defined_names[dp.replace(".", "_")].attr_text == f"'{m.group(1)}'!" + re.sub(
            r"([A-Z]+)([0-9]+)", r"$\1$\2", m.group(2))
    assert cells["requests.new.person"] == "'依申请公开'!D5"
    assert cells["checks.summary"] == "'封面'!B8"


def test_cli_export_json_is_the_api_export(tmp_path: Path, template) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "wb.xlsx"
    path.write_bytes(api.build(data=random_data(7, template.layout)))
    result = CliRunner().invoke(main, ["export", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == api.export(path)
    # with the template named explicitly, the same content
    named = CliRunner().invoke(main, ["export", str(path), "-t", "gov_info_disclosure_2021"])
    assert named.exit_code == 0 and json.loads(named.stdout) == json.loads(result.stdout)


def test_cli_export_prints_chinese_unescaped(tmp_path: Path) -> None:
    path = tmp_path / "wb.xlsx"
    path.write_bytes(api.build(data={"meta.unit_name": "淮安市人民政府"}))
    result = CliRunner().invoke(main, ["export", str(path)])
    assert result.exit_code == 0
    assert "淮安市人民政府" in result.stdout  # ensure_ascii=False


def test_cli_templates_lists_the_builtin_template() -> None:
    result = CliRunner().invoke(main, ["templates"])
    assert result.exit_code == 0
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert ["gov_info_disclosure_2021", "1.1.0", "政府信息公开工作年度报告"] in lines


def _plain_openpyxl(path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "不是模板生成的"
    wb.save(path)


def _zip_not_xlsx(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "你好")


@pytest.mark.parametrize("make", [
    pytest.param(lambda p: p.write_text("这不是工作簿\n", encoding="utf-8"), id="text-file"),
    pytest.param(lambda p: p.write_bytes(b""), id="empty-file"),
    pytest.param(_zip_not_xlsx, id="zip-not-xlsx"),
    pytest.param(_plain_openpyxl, id="not-our-workbook"),
])
def test_exporting_a_non_workbook_exits_2_with_a_chinese_message(tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "input.xlsx"
    make(path)
    result = CliRunner().invoke(main, ["export", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert CJK.search(result.stderr), result.stderr
    assert "Traceback" not in result.output
    with pytest.raises(api.UnreadableWorkbook):
        api.export(path)
