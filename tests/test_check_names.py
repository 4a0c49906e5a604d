"""`api.check(..., names=, refused=)`: files checked under the names they are shown by, `CheckRun.sources`
telling where each really is, and inputs refused before the check as results of their own, first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.batch_helpers import unit_data
from tests.make_filled import build_to
from tests.zip_helpers import make_zip
from workbook_builder import api
from workbook_builder.errors import UsageError
from workbook_builder.render import html as render_html
from workbook_builder.render import json as render_json
from workbook_builder.render import summary as render_summary


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Returns kept under private names, as the desk keeps uploads: 甲镇 twice, and 丙乡 with a finding."""
    folder = tmp_path_factory.mktemp("in")
    jia = build_to(folder, unit_data(0, "甲镇"), "0001.xlsx")
    again = build_to(folder, unit_data(1, "甲镇"), "0002.xlsx")
    data = unit_data(2, "丙乡")
    data["disclosure.rules.issued"] = None
    bing = build_to(folder, data, "0003.xlsx", strict=False)
    zipped = folder / "0004.zip"
    zipped.write_bytes(make_zip([("乙镇.xlsx", build_to(folder, unit_data(3, "乙镇"), "x.xlsx").read_bytes())]))
    (folder / "x.xlsx").unlink()
    return {"jia": jia, "again": again, "bing": bing, "zip": zipped}


NAMES = {"jia": "乡镇/甲镇.xlsx", "again": "甲镇.xlsx", "bing": "丙乡.xlsx", "zip": "交回.zip"}


def _names(private: dict[str, Path]) -> dict[str | Path, str]:
    return {private[k]: v for k, v in NAMES.items()}


def test_results_carry_the_shown_names_and_sources_the_real_files(private: dict[str, Path]) -> None:
    with api.check(list(private.values()), names=_names(private), jobs=1) as run:
        assert [f.path for f in run.files] == ["乡镇/甲镇.xlsx", "甲镇.xlsx", "丙乡.xlsx", "交回.zip/乙镇.xlsx"]
        assert {k: v for k, v in run.sources.items() if not k.startswith("交回")} == {
            "乡镇/甲镇.xlsx": str(private["jia"]), "甲镇.xlsx": str(private["again"]), "丙乡.xlsx": str(private["bing"])}
        assert Path(run.source("交回.zip/乙镇.xlsx")).name == "乙镇.xlsx"
        assert run.source(run.files[0]) == str(private["jia"])
        # every report names the shown names, never the private ones
        for rendered in (render_json.render(run, "zh"), render_html.render(run, "zh"),
                         render_summary.to_csv(run, "zh")):
            assert "乡镇/甲镇.xlsx" in rendered and "0001.xlsx" not in rendered and "0004" not in rendered
        tables = {title: rows for title, _, rows in render_summary.sheets(run, "zh")}
        assert [row[0] for row in next(iter(tables.values()))] == [f.path for f in run.files]


def test_the_roster_reconciliation_lists_shown_names(private: dict[str, Path], tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n甲镇\n乙镇\n丁镇\n", encoding="utf-8")
    with api.check(list(private.values()), names=_names(private), roster=roster, jobs=1) as run:
        assert run.roster.duplicates == (("甲镇", 2024, ("乡镇/甲镇.xlsx", "甲镇.xlsx")),)
        assert run.roster.missing == ("丁镇",)
        assert run.roster.unexpected == (("丙乡", "丙乡.xlsx"),)


def test_annotated_copies_are_named_after_the_shown_stem_inside_the_folder(private: dict[str, Path],
                                                                             tmp_path: Path) -> None:
    names: dict[str | Path, str] = {private["bing"]: "../../etc/丙:乡.xlsx", private["jia"]: "C:\\x\\甲镇.xlsx"}
    with api.check([private["bing"], private["jia"]], names=names, jobs=1) as run:
        assert [f.path for f in run.files] == ["../../etc/丙:乡.xlsx", "C:\\x\\甲镇.xlsx"]  # the API shows what it is given
        out = tmp_path / "out" / "批注"
        written = api.annotate(run, out)
        assert [p.relative_to(tmp_path).as_posix() for p in written] == ["out/批注/丙_乡.批注.xlsx"]
        assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
            "out", "out/批注", "out/批注/丙_乡.批注.xlsx"]
        with pytest.raises(UsageError):  # the real file of a result is never an output
            api.save_report(run, private["bing"])


def test_a_repeated_shown_name_is_numbered(private: dict[str, Path]) -> None:
    names: dict[str | Path, str] = {private["jia"]: "甲镇.xlsx", private["again"]: "甲镇.xlsx"}
    with api.check([private["jia"], private["again"]], names=names, jobs=1) as run:
        assert [f.path for f in run.files] == ["甲镇.xlsx", "甲镇（2）.xlsx"]
        assert run.sources == {"甲镇.xlsx": str(private["jia"]), "甲镇（2）.xlsx": str(private["again"])}


def test_refused_inputs_come_first_and_are_told_to_progress(private: dict[str, Path]) -> None:
    seen: list[tuple[int, int, str]] = []
    refused: list[tuple[str, str, dict[str, Any]]] = [
        ("大.xlsx", "too-large", {"size": 80, "limit": 64}), ("空.xlsx", "empty", {}),
        ("多.xlsx", "too-many", {"count": 3001, "limit": 3000})]
    with api.check([private["jia"], private["bing"]], names=_names(private), refused=refused, jobs=1,
                   progress=lambda done, total, r: seen.append((done, total, r.path))) as run:
        assert [(f.path, [(str(x.code), x.reason) for x in f.findings][:1]) for f in run.files[:3]] == [
            ("大.xlsx", [("upload-refused", "too-large")]), ("空.xlsx", [("upload-refused", "empty")]),
            ("多.xlsx", [("upload-refused", "too-many")])]
        assert [f.path for f in run.files[3:]] == ["乡镇/甲镇.xlsx", "丙乡.xlsx"]
        assert seen == [(1, 5, "大.xlsx"), (2, 5, "空.xlsx"), (3, 5, "多.xlsx"), (4, 5, "乡镇/甲镇.xlsx"), (5, 5, "丙乡.xlsx")]
        assert run.stats.unreadable == 3 and run.stats.files == 5
        assert "文件大于 64 MB 的上限（已收到 80 MB）" in run.files[0].findings[0].message("zh")
        assert "0001" not in render_json.render(run, "zh")


def test_only_refused_inputs_make_a_run(tmp_path: Path) -> None:
    run = api.check([], refused=[("空.xlsx", "empty", {})])  # a refused input has no real file
    assert [(f.path, f.valid) for f in run.files] == [("空.xlsx", False)] and run.sources == {}
    with pytest.raises(UsageError):
        api.check([])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UsageError):
        api.check([empty])


def test_a_refused_zip_alone_makes_a_run(tmp_path: Path) -> None:
    path = tmp_path / "坏.zip"
    path.write_bytes(b"no zip")
    run = api.check([path], names={path: "坏.zip"})
    assert [(f.path, [x.reason for x in f.findings]) for f in run.files] == [("坏.zip", ["damaged"])]


def test_the_store_records_shown_names_and_the_real_bytes(private: dict[str, Path], tmp_path: Path) -> None:
    """A store given to the check records each file under its shown name, hashing the real file (a
    zip's member in the private folder); a refused upload is recorded without bytes."""
    import hashlib

    store = api.open_store(tmp_path / "年报.sqlite")
    try:
        with api.check([private["jia"], private["zip"]], names=_names(private), refused=[("空.xlsx", "empty", {})],
                       store=store, jobs=1) as run:
            member = Path(run.sources["交回.zip/乙镇.xlsx"]).read_bytes()
        kept = {s.name: s for s in store.submissions()}
        assert set(kept) == {"空.xlsx", "乡镇/甲镇.xlsx", "交回.zip/乙镇.xlsx"}
        assert kept["交回.zip/乙镇.xlsx"].sha256 == hashlib.sha256(member).hexdigest()
        assert store.file_bytes(kept["交回.zip/乙镇.xlsx"].sha256) == member
        assert kept["乡镇/甲镇.xlsx"].sha256 == hashlib.sha256(private["jia"].read_bytes()).hexdigest()
        assert kept["空.xlsx"].sha256 is None and kept["空.xlsx"].unreadable
    finally:
        store.close()
