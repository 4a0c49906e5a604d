"""Template features and linter checks added after the first review of the format (docs §15)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from workbook_builder import api
from workbook_builder.spec import TemplateError, load_template_text
from workbook_builder.template import registry

BASE = """
id: tiny
version: "1.0.0"
password: pw
identity: {unit: meta.unit_name}
input_types:
  count: {type: whole, min: 0}
  money: {type: decimal, min: 0, max: 1234567, decimals: 4}
sheets:
  - name: 封面
    blocks:
      - kind: fields
        fields:
          - {id: meta.unit_name, label: 单位, input: {type: text, max_length: 20}}
          - {id: meta.double, label: 两倍, formula: "t.a.x*2"}
  - name: 表
    blocks:
      - kind: table
        table_id: t
        id_pattern: "t.{row}.{col}"
        cell_input: count
        columns: [{key: x, label: 甲}, {key: y, label: 乙, input: money}, {key: z, label: 合计, input: money}]
        rows: [{key: a, label: 一}, {key: b, label: 二}]
computed:
  - {for_each: {row: "rows:t"}, target: "t.{row}.z", formula: "SUM(t.{row}.x:t.{row}.y)"}
rules:
  - {id: P, severity: warning, scope: prior, check: "SUM(t.a.x:t.b.x) = SUM(prior.t.a.x:prior.t.b.x)", message: 上年比较}
"""


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(TemplateError) as err:
        load_template_text(text)
    return [(p.path, p.message) for p in err.value.problems]


def test_the_base_template_is_valid_and_builds(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "tiny.yaml"
    path.write_text(BASE, encoding="utf-8")
    content = api.build(str(path), {"meta.unit_name": "甲", "t.a.x": 3, "t.a.y": 1.5})
    wb = openpyxl.load_workbook(io.BytesIO(content))
    layout = registry.resolve(str(path)).layout
    double = layout.by_id["meta.double"]
    assert wb[double.sheet].cell(double.row, double.col).value == "=" + double.formula  # a field's own formula
    total = layout.by_id["t.a.z"]
    assert wb[total.sheet].cell(total.row, total.col).number_format == "0.00##"  # a total of decimals shows them
    money = layout.by_id["t.a.y"]
    rule = next(dv for dv in wb[money.sheet].data_validations.dataValidation if money.ref.split("!")[1] in str(dv.sqref))
    assert "<=1234567" in rule.formula1 and "e+" not in rule.formula1  # bounds written exactly
    cached = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
    assert cached[double.sheet].cell(double.row, double.col).value == 6


def test_unknown_placeholder_is_a_problem() -> None:
    bad = BASE.replace('"SUM(t.{row}.x:t.{row}.y)"', '"SUM(t.{rw}.x:t.{row}.y)"')
    assert ("$.computed[0].formula", "占位符 {rw} 没有在 for_each 中定义") in problems(bad)


def test_a1_reference_in_a_formula_is_a_problem() -> None:
    bad = BASE.replace('formula: "t.a.x*2"', 'formula: "t.a.x*2+Z99"')
    assert any(path.endswith(".formula") and "Z99" in msg for path, msg in problems(bad))


def test_sheet_names_differing_only_in_case_are_a_problem() -> None:
    bad = BASE.replace("  - name: 表\n", "  - name: Sheet\n").replace("  - name: 封面\n", "  - name: SHEET\n")
    assert any("重复" in msg for path, msg in problems(bad) if path.endswith(".name"))


def test_mixed_key_types_do_not_crash_the_fingerprint() -> None:
    load_template_text(BASE.replace("  count: {type: whole, min: 0}", "  count: {type: whole, min: 0}\n  1: {type: whole}"))


def test_min_on_a_text_input_is_a_problem() -> None:
    bad = BASE.replace("{type: text, max_length: 20}", "{type: text, max_length: 20, min: 1}")
    assert any("min/max" in msg for _, msg in problems(bad))


def test_aggregate_sum_on_text_is_a_problem() -> None:
    bad = BASE.replace("{type: text, max_length: 20}", "{type: text, max_length: 20, aggregate: sum}")
    assert any(path.endswith(".aggregate") for path, _ in problems(bad))


def test_identity_must_name_a_data_point() -> None:
    assert ("$.identity.unit", "引用了不存在的数据点“meta.nope”") in problems(
        BASE.replace("identity: {unit: meta.unit_name}", "identity: {unit: meta.nope}"))
