"""The template's `document:` section and the document model every published format lays out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.make_filled import honest_data
from workbook_builder.publish.model import DRAFT_MARK, Paragraph, document, format_value
from workbook_builder.spec import TemplateError, load_template_text
from workbook_builder.template import registry
from workbook_builder.template.arrange import build_layout

FLAGSHIP = Path(__file__).resolve().parents[1] / "templates" / "gov_info_disclosure_2021.yaml"


def _flagship() -> dict[str, Any]:
    return yaml.safe_load(FLAGSHIP.read_text(encoding="utf-8"))


def _problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(TemplateError) as info:
        load_template_text(yaml.safe_dump(raw, allow_unicode=True))
    return [(p.path, p.message) for p in info.value.problems]


def _values(fixture: str = "huaian-city-2024", **changes: Any) -> dict[str, Any]:
    template = registry.resolve()
    inputs = honest_data(fixture)
    inputs.update(changes)
    return {**inputs, **template.recompute.compute(inputs)}


# ------------------------------------------------------------------ the template section


def test_the_document_section_is_outside_the_fingerprint() -> None:
    """Changing only the published document must not make issued workbooks look like another template's."""
    raw = _flagship()
    base = load_template_text(yaml.safe_dump(raw, allow_unicode=True)).fingerprint
    raw["document"]["sections"].pop()
    changed = load_template_text(yaml.safe_dump(raw, allow_unicode=True))
    assert changed.fingerprint == base
    assert len(changed.document.sections) == 5
    raw["sheets"][0]["blocks"][0]["text"] = "另一个标题"
    assert load_template_text(yaml.safe_dump(raw, allow_unicode=True)).fingerprint != base


def test_document_mistakes_are_reported_with_their_paths() -> None:
    raw = _flagship()
    raw["document"] = {
        "title": "{unit}{month}年报告",
        "preamble": "meta.year",
        "sections": [
            {"text": "text.nowhere"},
            {"sheet": "没有这张表"},
            {"sheet": "封面"},
            {"text": "text.overview", "sheet": "主动公开"},
            {"text": "text.other", "join": True},
            {"text": "text.problems", "colour": "red"},
            {"sheet": "依申请公开", "widths": [1, 2, 3]},
            {"sheet": "复议诉讼", "widths": [1, 0, "wide"] + [1] * 12},
        ],
    }
    problems = _problems(raw)
    assert ("$.document.title", "标题中的占位符 {month} 不认识；只能用 {unit}、{year}") in problems
    assert ("$.document.preamble", "“meta.year”不是文本输入字段") in problems
    assert ("$.document.sections[0].text", "“text.nowhere”不是文本输入字段") in problems
    assert ("$.document.sections[1].sheet", "找不到含表格的工作表“没有这张表”") in problems
    assert ("$.document.sections[2].sheet", "找不到含表格的工作表“封面”") in problems
    assert ("$.document.sections[3]", "每一节必须且只能有 text、sheet 二者之一") in problems
    assert ("$.document.sections[4].join", "join 只用于 sheet 节") in problems
    assert any(p == "$.document.sections[5].colour" for p, _ in problems)
    assert ("$.document.sections[6].widths", "给了 3 个列宽，表格有 10 列") in problems
    assert ("$.document.sections[7].widths[1]", "列宽应为正数") in problems
    assert ("$.document.sections[7].widths[2]", "列宽应为正数") in problems


def test_a_title_placeholder_needs_its_identity_field() -> None:
    raw = _flagship()
    del raw["identity"]
    problems = _problems(raw)
    assert ("$.document.title", "标题用了 {unit}，但模板的 identity 没有规定 unit") in problems


def test_a_template_without_a_document_loads_and_has_none() -> None:
    raw = _flagship()
    del raw["document"]
    spec = load_template_text(yaml.safe_dump(raw, allow_unicode=True))
    assert spec.document is None
    with pytest.raises(ValueError):
        document(registry.resolve(FLAGSHIP).layout.__class__(spec, (), {}, ()), {})


# ------------------------------------------------------------------ the model


def test_sections_in_the_official_order_with_the_templates_words() -> None:
    doc = document(registry.resolve().layout, _values())
    assert doc.title == "淮安市人民政府2024年政府信息公开工作年度报告"
    assert [s.heading for s in doc.sections] == [
        "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    assert [len(s.tables) for s in doc.sections] == [0, 1, 1, 1, 0, 0]
    assert doc.findings == ()


def test_every_table_label_is_the_workbooks_label() -> None:
    layout = registry.resolve().layout
    doc = document(layout, _values())
    printed = [c.text for t in doc.tables for c in t.cells if c.kind != "value"]
    in_workbook = [c.text for s in layout.sheets if s.name in ("主动公开", "依申请公开", "复议诉讼")
                   for c in sorted(s.cells, key=lambda c: (c.row, c.col)) if c.kind in ("header", "label")
                   and not c.text.startswith("勾稽校验")]
    assert sorted(printed) == sorted(in_workbook)
    assert len(doc.values) == 10 + 25 * 7 + 15


def test_the_official_merge_structure() -> None:
    doc = document(registry.resolve().layout, _values())
    two, three, four = doc.tables
    spans = {(t, c.text): (c.row_span, c.col_span) for t, table in (("二", two), ("三", three), ("四", four))
             for c in table.cells if c.kind != "value"}
    assert spans[("三", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")] == (3, 3)
    assert spans[("三", "申请人情况")] == (1, 7)
    assert spans[("三", "法人或其他组织")] == (1, 5)
    assert spans[("三", "三、本年度办理结果")] == (22, 1)
    assert spans[("三", "（三）不予公开")] == (8, 1)
    assert spans[("三", "（六）其他处理")] == (3, 1)
    assert spans[("四", "行政复议")] == (1, 5)
    assert spans[("四", "行政诉讼")] == (1, 10)
    assert spans[("四", "未经复议直接起诉")] == (1, 5)
    assert spans[("二", "第二十条第（一）项")] == (1, 4)
    assert spans[("二", "本年收费金额（单位：万元）")] == (1, 3)
    assert (three.n_rows, three.n_cols, three.header_rows) == (28, 10, 3)
    assert (four.n_rows, four.n_cols, four.header_rows) == (4, 15, 3)
    assert (two.n_rows, two.n_cols, two.header_rows) == (14, 4, 0)  # bands: each has its own header rows
    assert abs(sum(three.widths) - 1) < 1e-9
    assert 0.44 < sum(three.widths[:3]) < 0.5  # the template's document widths: labels take about 45%
    assert three.widths[0] > three.widths[3]  # a group label column is wider than a number column


def test_numbers_print_as_checked() -> None:
    doc = document(registry.resolve().layout, _values(**{"disclosure.fees.amount": 24252.311082}))
    assert doc.values["disclosure.fees.amount"] == "24252.311082"
    assert doc.values["requests.new.research"] == "0"
    assert doc.values["requests.new.total"] == "3119"
    assert [format_value(v) for v in (0, 0.0, 12.0, 0.000001, 1e-7, 3.3000000000000003, None)] == [
        "0", "0", "12", "0.000001", "0.0000001", "3.3000000000000003", ""]


def test_prose_paragraphs_and_subheads() -> None:
    text = ("总的情况。\n（一）精心组织有效实施。为了推进工作……\r\n\n（二）主动公开情况\n  （三）很长的一句话没有句号" + "字" * 50
            + "\n(四)依申请公开。半角括号也算。")
    doc = document(registry.resolve().layout, _values(**{"text.overview": text}))
    assert doc.sections[0].paragraphs == (
        Paragraph("总的情况。"),
        Paragraph("为了推进工作……", "（一）精心组织有效实施。"),
        Paragraph("", "（二）主动公开情况"),
        Paragraph("（三）很长的一句话没有句号" + "字" * 50),
        Paragraph("半角括号也算。", "(四)依申请公开。"),
    )


def test_empty_prose_prints_the_templates_stand_in_with_a_warning() -> None:
    doc = document(registry.resolve().layout, _values(**{"text.other": "  \n ", "text.problems": None}))
    assert doc.sections[5].paragraphs == (Paragraph("无其他需要报告的事项"),) and doc.sections[5].empty
    assert doc.sections[4].paragraphs == (Paragraph("无"),)
    assert [(f.code, f.datapoint, f.severity) for f in doc.findings] == [
        ("publish-empty-section", "text.problems", "warning"), ("publish-empty-section", "text.other", "warning")]
    assert "印为“无其他需要报告的事项”" in doc.findings[1].message("zh")


def test_unprintable_characters_are_cleaned_with_a_finding() -> None:
    doc = document(registry.resolve().layout, _values(**{"text.overview": "总体\x07情况\ud800良好\ufffe。\t完\u202e反向"}))
    assert doc.sections[0].paragraphs == (Paragraph("总体情况良好。 完反向"),)
    (finding,) = doc.findings
    assert finding.code == "publish-text-cleaned" and finding.datapoint == "text.overview"
    assert "删去了 4 个字符：U+0007、U+D800、U+FFFE、U+202E" in finding.message("zh")


def test_properties_identify_the_template_and_the_data() -> None:
    layout = registry.resolve().layout
    doc = document(layout, _values())
    again = document(layout, _values())
    other = document(layout, _values(**{"requests.new.person": 3002}))
    draft = document(layout, _values(), draft=True)
    assert doc.properties["template_id"] == "gov_info_disclosure_2021"
    assert doc.properties["template_fingerprint"] == layout.spec.fingerprint
    assert doc.properties["data_hash"] == again.properties["data_hash"] != other.properties["data_hash"]
    assert (doc.properties["draft"], draft.properties["draft"], draft.draft) == ("false", "true", True)
    assert DRAFT_MARK == "草稿（未通过检查）"


def test_the_unit_name_in_the_title_is_cleaned_too() -> None:
    doc = document(registry.resolve().layout, _values(**{"meta.unit_name": "示例镇\x1b人民政府\n"}))
    assert doc.title == "示例镇人民政府2024年政府信息公开工作年度报告"
    assert [(f.code, f.datapoint) for f in doc.findings] == [("publish-text-cleaned", "meta.unit_name")]


def test_the_title_breaks_only_after_the_unit_name() -> None:
    doc = document(registry.resolve().layout, _values())
    assert doc.title_parts == ("淮安市人民政府", "2024年政府信息公开工作年度报告")
    assert "".join(doc.title_parts) == doc.title


def test_a_roll_ups_placeholder_text_is_an_error() -> None:
    doc = document(registry.resolve().layout,
                   _values(**{"meta.unit_name": "汇总（2个单位）", "text.problems": "汇总（2个单位）"}))
    assert not doc.valid
    assert [(f.code, f.datapoint, f.severity) for f in doc.findings] == [
        ("publish-placeholder-text", "meta.unit_name", "error"), ("publish-placeholder-text", "text.problems", "error")]
    assert "“五、存在的主要问题及改进情况”仍是“汇总（2个单位）”" in doc.findings[1].message("zh")
    assert document(registry.resolve().layout, _values(**{"text.problems": "本级汇总（2个单位）的问题。"})).valid


def test_two_templates_differing_only_in_their_document_get_their_own_tables() -> None:
    """The table shapes are cached; the document section is outside the fingerprint, so the cache key
    must hold the section itself (two templates loaded from text also share a source)."""
    raw = _flagship()
    first = build_layout(load_template_text(yaml.safe_dump(raw, allow_unicode=True)))
    sections = raw["document"]["sections"]
    sections[1], sections[3] = sections[3], sections[1]
    sections[2]["widths"] = [1] * 10
    second = build_layout(load_template_text(yaml.safe_dump(raw, allow_unicode=True)))
    values = _values()
    a, b = document(first, values), document(second, values)
    assert [t.caption for t in a.tables] == ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                                            "四、政府信息公开行政复议、行政诉讼情况"]
    assert [t.caption for t in b.tables] == ["四、政府信息公开行政复议、行政诉讼情况", "三、收到和处理政府信息公开申请情况",
                                            "二、主动公开政府信息情况"]
    assert [(t.n_rows, t.n_cols) for t in b.tables] == [(4, 15), (28, 10), (14, 4)]
    assert b.tables[1].widths == (0.1,) * 10 and a.tables[1].widths != b.tables[1].widths
