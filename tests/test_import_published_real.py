"""The published checks end to end on real reports: read (imports.read), matched (imports.match),
checked (imports.published). True figures give no finding of ours; a changed figure gives its one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.make_filled import _fixture_values
from workbook_builder.findings import Code
from workbook_builder.imports.match import read_report
from workbook_builder.imports.published import check_reading
from workbook_builder.imports.read import read_source
from workbook_builder.template import registry

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
SAMPLE = REFERENCE / "sample-report-township-2023.txt"
HUAIAN = REFERENCE / "real-reports" / "huaian-city-2024.txt"

pytestmark = pytest.mark.skipif(not HUAIAN.is_file(), reason="the shared reference reports are not here")


def _check(path: Path):  # type: ignore[no-untyped-def]
    templates = [registry.resolve(name) for name in registry.builtin_template_paths()]
    reading = read_report(read_source(path), templates)
    template = registry.find_by_id(reading.template_id)
    assert template is not None
    return replace(check_reading(reading, template), path=str(path))


def test_the_sample_is_only_its_old_label() -> None:
    result = _check(SAMPLE)
    assert [(f.code, f.reason) for f in result.findings] == [(Code.PUBLISHED_OLD_FORMAT, "old-label")]
    assert result.unit == "哈图布呼镇" and result.year == 2023


def test_huaian_true_figures_and_prose_give_no_finding() -> None:
    result = _check(HUAIAN)
    assert result.findings == ()
    for dp, v in _fixture_values("huaian-city-2024").items():
        assert result.values[dp] == pytest.approx(v), dp


def _changed(tmp_path: Path, old: str, new: str) -> Path:
    text = HUAIAN.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "huaian.txt"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_changed_prose_figure_is_flagged(tmp_path: Path) -> None:
    result = _check(_changed(tmp_path, "行政诉讼 46 件", "行政诉讼 64 件"))
    assert [(f.code, f.rule) for f in result.findings] == [(Code.PUBLISHED_PROSE_MISMATCH, "TX-3")]
    assert "行政诉讼64件" in result.findings[0].message()


def test_a_changed_printed_total_is_one_finding(tmp_path: Path) -> None:
    result = _check(_changed(tmp_path, "一、本年新收政府信息公开申请数量 3001 53 0 0 61 4 3119",
                             "一、本年新收政府信息公开申请数量 3001 53 0 0 61 4 3109"))
    # the prose's 受理 3119 agrees with the parts' sum: the printed total is the one finding
    assert [(f.code, f.datapoint) for f in result.findings] == [(Code.PUBLISHED_TOTAL_MISMATCH, "requests.new.total")]
    f = result.findings[0]
    assert f.cell and "第88行" in f.cell and "印为 3109，自然人至其他各列相加为 3119" in f.message()


def test_a_misspelt_heading_is_flagged(tmp_path: Path) -> None:
    result = _check(_changed(tmp_path, "四、政府信息公开行政复议、行政诉讼情况", "四、政府信息公开行政法复议、行政诉讼情况"))
    assert [(f.code, f.reason, f.cell) for f in result.findings] == [(Code.PUBLISHED_HEADING, "typo", "第132行")]
