"""The integration of published reports (imports/report.py, api.import_*): the stages for one file, the
one dispatch of `check` by content, the worker pool, and `--as xlsx`.

The plumbing is tested with stand-ins for the reader and matcher (tests/import_fakes.py); the real
files (the sample report, a published docx and HTML) are in test_import_batch.py and test_import_cli.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import import_fakes
from tests.make_filled import build_to, honest_data
from workbook_builder import api
from workbook_builder.errors import UsageError
from workbook_builder.imports import report
from workbook_builder.template import registry


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    import_fakes.install(monkeypatch)


def _table_points() -> set[str]:
    t = registry.resolve()
    cover = t.layout.by_id[t.spec.unit_field].sheet
    return {c.datapoint for c in t.layout.by_id.values() if c.sheet != cover
            and (c.kind == "formula" or (c.input is not None and c.input.type in ("whole", "decimal")))}


def test_an_import_gives_every_table_data_point_with_its_status(fakes: None, tmp_path: Path) -> None:
    path = import_fakes.write_report(tmp_path / "a.txt", **{"requests.new.person": "3", "requests.granted.person": "/"})
    result = api.import_report(path)
    assert result.kind == "text" and result.template is not None
    assert result.template.id == "gov_info_disclosure_2021"
    assert (result.unit, result.year) == ("甲镇", 2023)
    assert set(result.values) == _table_points()
    assert result.values["requests.new.person"] == 3
    assert result.values["requests.granted.person"] is None
    assert result.cells["requests.granted.person"].status == "slash"
    assert result.recovered == len(result.values) - 1


def test_unit_and_year_given_replace_the_title(fakes: None, tmp_path: Path) -> None:
    path = import_fakes.write_report(tmp_path / "a.txt")
    result = api.import_report(path, unit="乙镇", year=2022)
    assert (result.unit, result.year) == ("乙镇", 2022)


def test_a_refusal_of_the_reader_is_its_one_finding(fakes: None, tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 nothing")
    result = api.import_report(scan)
    assert (result.kind, result.template) == (None, None)
    assert [(f.code, f.reason) for f in result.findings] == [("import-no-text", "scan")]
    checked = report.check_report(scan)
    assert checked.template is None and [f.code for f in checked.findings] == ["import-no-text"]
    assert checked.path == str(scan)


def test_a_bug_of_ours_is_a_checker_error_never_a_crash(fakes: None, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from workbook_builder.imports import match

    def broken(*_: object, **__: object) -> None:
        raise KeyError("oops")

    monkeypatch.setattr(match, "read_report", broken)
    path = import_fakes.write_report(tmp_path / "a.txt")
    assert [f.code for f in api.import_report(path).findings] == ["checker-error"]
    checked = report.check_file(path)
    assert [f.code for f in checked.findings] == ["checker-error"] and checked.published == "text"


def test_check_file_dispatches_by_content(fakes: None, tmp_path: Path) -> None:
    workbook = build_to(tmp_path, honest_data(), "甲.xlsx")
    renamed = tmp_path / "甲局"  # a workbook without its suffix is still a workbook
    renamed.write_bytes(workbook.read_bytes())
    text = import_fakes.write_report(tmp_path / "报告.txt")
    csv = tmp_path / "表.csv"  # a table's suffix keeps the workbook checker's own words for it
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    assert report.check_file(workbook).published is None and report.check_file(workbook).valid
    assert report.check_file(renamed).published is None and report.check_file(renamed).valid
    published = report.check_file(text)
    assert published.published == "text" and published.template is not None and published.path == str(text)
    refused = report.check_file(csv)
    assert refused.published is None and [(f.code, f.reason) for f in refused.findings] == [("unreadable-file", "csv")]
    missing = report.check_file(tmp_path / "nothing.xlsx")
    assert [f.code for f in missing.findings] == ["unreadable-file"]


def test_import_reports_runs_on_the_pool_in_order(fakes: None, tmp_path: Path) -> None:
    paths = [import_fakes.write_report(tmp_path / f"{i}.txt", unit=f"单位{i}") for i in range(5)]
    done: list[int] = []
    results = api.import_reports(paths, jobs=2, progress=lambda n, total, r: done.append(n))
    assert [r.unit for r in results] == [f"单位{i}" for i in range(5)]
    assert done == [1, 2, 3, 4, 5]


def test_import_reports_takes_only_reports_from_a_folder(fakes: None, tmp_path: Path) -> None:
    import_fakes.write_report(tmp_path / "报告.txt")
    (tmp_path / "说明.txt").write_text("这是说明", encoding="utf-8")
    build_to(tmp_path, honest_data(), "甲.xlsx")
    found = api.find_reports([tmp_path])
    assert [p.name for p in found.files] == ["报告.txt"]
    assert sorted(p.name for p, _ in found.skipped) == ["甲.xlsx", "说明.txt"]
    assert [r.unit for r in api.import_reports([tmp_path], jobs=1)] == ["甲镇"]
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "说明.txt").write_text("这是说明", encoding="utf-8")
    with pytest.raises(UsageError, match="没有找到已发布的年度报告"):
        api.import_reports([notes])


def test_import_to_workbook_fills_what_was_read_and_leaves_the_rest(fakes: None, tmp_path: Path) -> None:
    path = import_fakes.write_report(tmp_path / "a.txt", **{"requests.new.person": "3", "requests.granted.person": "/"})
    result = api.import_report(path)
    out = api.import_to_workbook(result, tmp_path / "out")
    assert out == tmp_path / "out" / "甲镇2023年政府信息公开工作年度报告.xlsx"
    exported = api.export(out)["values"]
    assert exported["meta.unit_name"] == "甲镇" and exported["meta.year"] == 2023
    assert exported["requests.new.person"] == 3
    assert exported["requests.granted.person"] is None  # a slash: left for staff to fill
    assert exported["meta.contact_person"] is None
    checked = api.check_file(out)
    assert checked.unit == "甲镇" and any(f.datapoint == "requests.granted.person" for f in checked.findings)


def test_import_to_workbook_refuses_a_file_not_read(fakes: None, tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 nothing")
    with pytest.raises(UsageError, match="没有读出"):
        api.import_to_workbook(api.import_report(scan), tmp_path / "x.xlsx")


def test_import_to_workbook_says_why_it_cannot_write(fakes: None, tmp_path: Path) -> None:
    result = api.import_report(import_fakes.write_report(tmp_path / "a.txt"))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(api.OutputError) as caught:
        api.import_to_workbook(result, blocker / "sub" / "a.xlsx")
    assert caught.value.reason


def test_report_templates_are_those_with_a_document_section() -> None:
    ids = [t.spec.id for t in report.report_templates()]
    assert "gov_info_disclosure_2021" in ids
    assert all(t.spec.document is not None for t in report.report_templates())
