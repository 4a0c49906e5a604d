"""The matcher on real published reports: every data point exactly as typed in tests/fixtures/real,
and a side-by-side comparison of two reports that must never give a wrong number."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import SHARED
from workbook_builder.imports.match import read_report
from workbook_builder.imports.model import Reading
from workbook_builder.imports.source import Para, Source, Where
from workbook_builder.template.registry import resolve

FIXTURES = Path(__file__).parent / "fixtures" / "real"
REFERENCE = SHARED / "reference"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared (the reference reports) is absent")


def text_source(text: str) -> Source:
    """A plain text file as the text reader gives it: one paragraph per line, tabs kept."""
    return Source("text", tuple(Para(line, Where(line=i + 1)) for i, line in enumerate(text.split("\n"))))


def expected(name: str) -> dict[str, object]:
    values = yaml.safe_load((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"))["values"]
    return {k: v for k, v in values.items() if not k.startswith("meta.")}


def read(path: Path) -> Reading:
    return read_report(text_source(path.read_text(encoding="utf-8")), [resolve()])


def codes(reading: Reading) -> list[tuple[str, str]]:
    return [(f.code, f.reason) for f in reading.findings]


@needs_shared
@pytest.mark.parametrize(("path", "fixture", "unit", "year"), [
    ("sample-report-township-2023.txt", "hatubuhu-town-2023", "哈图布呼镇", 2023),
    ("real-reports/huaian-city-2024.txt", "huaian-city-2024", "淮安市人民政府", 2024),
])
def test_real_reports_read_exactly(path: str, fixture: str, unit: str, year: int) -> None:
    reading = read(REFERENCE / path)
    want = expected(fixture)
    got = {dp: c.value for dp, c in reading.cells.items() if c.status == "value"}
    assert got == want
    assert set(reading.cells) == set(want)  # every table data point, totals as printed included
    assert not any(c.rebuilt for c in reading.cells.values())
    assert (reading.unit, reading.year) == (unit, year)
    assert reading.template_id == "gov_info_disclosure_2021"
    assert [text[:2] for text, _ in reading.headings] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert set(reading.prose) == {"text.overview", "text.problems", "text.other"}
    assert not [c for c in codes(reading) if c[0].startswith("import-")]


@needs_shared
def test_sample_old_label_is_read_and_told() -> None:
    reading = read(REFERENCE / "sample-report-township-2023.txt")
    old = [f for f in reading.findings if f.code == "published-old-format"]
    assert [(f.reason, f.actual, f.expected) for f in old] == [("old-label", "规范性文件", "行政规范性文件")]
    assert old[0].cell == "表二 第二十条第（一）项“行政规范性文件”行 · 第22行"
    assert reading.cells["disclosure.normative.issued"].value == 0
    assert reading.title == "哈图布呼镇镇政府信息公开工作2023年度报 告"
    assert reading.prose["text.other"] == "无其他需要报告的事项。"


@needs_shared
def test_huaian_where_and_prose() -> None:
    reading = read(REFERENCE / "real-reports/huaian-city-2024.txt")
    cell = reading.cells["requests.other_no_correction.total"]
    assert cell.raw == "71" and cell.where.startswith("表三“1.申请人无正当理由逾期不补正")
    assert reading.title == "淮安市人民政府 2024 年政府信息公开工作年度报告"
    assert "- 6 -" not in reading.prose["text.other"]  # page footers are not prose
    assert reading.prose["text.other"].endswith("全年收取政府信息公开信息处理费 3940 元。")


@needs_shared
def test_side_by_side_comparison_never_gives_a_wrong_number() -> None:
    """Two reports per line (14 figures for 7 columns): every row is ambiguous or missing; the
    comparison is not read as the left report (an honest refusal, not a guess)."""
    reading = read(REFERENCE / "real-reports/suqian-city-2023-vs-2024.txt")
    left = expected("suqian-city-2023")
    for dp, cell in reading.cells.items():
        if cell.status == "value":
            assert cell.value == left[dp], dp
    assert all(c.status in ("ambiguous", "missing") for c in reading.cells.values())
    counts = [f for f in reading.findings if (f.code, f.reason) == ("import-ambiguous", "count")]
    assert counts and all(f.severity == "warning" for f in counts)
    row = reading.cells["requests.new.person"]
    assert row.raw == "3402 99 0 4 5 1 3511 3440 75 0 1 6 3 3525"
