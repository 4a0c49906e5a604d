"""Last year from the store instead of a folder: the 上年结转 check (X-1) and the carry-over pre-fill.

LAST holds two units' 2023 workbooks; `check LAST --store S` records them. Built from S, the roster's
workbooks are the ones `--prior-dir LAST` builds; checked against S, this year's workbooks (one
honest, one with a carry-over that is not last year's figure) get exactly the findings `--prior
LAST` gives them.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from tests.batch_helpers import run_cli
from tests.make_filled import build_to
from tests.test_personalise import _fill, _roster, prior_data
from workbook_builder import api
from workbook_builder.batch.prior import PriorIndex
from workbook_builder.store import Store

UNITS = {"示例市甲局": 1, "示例市乙局": 2}  # unit → k of its 2023 figures
ROSTER = ("示例市甲局", "示例市乙局", "示例市丙局")  # 丙局 sent nothing last year


@pytest.fixture(scope="module")
def years(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("store_prior")
    last = root / "上年"
    datas = {unit: prior_data(k, unit) for unit, k in UNITS.items()}
    for unit, data in datas.items():
        build_to(last, data, f"{unit}-2023.xlsx")
    store = root / "年报 数据.sqlite"
    done = run_cli("check", last, "--store", store, "--no-progress")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "已记入 年报 数据.sqlite：2 份（新单位 2 个，重交 0 份）" in done.stderr
    roster = _roster(root / "名单.csv", ROSTER)
    by_dir = run_cli("build", "--roster", roster, "--prior-dir", last, "-o", root / "下发-文件夹")
    by_store = run_cli("build", "--roster", roster, "--store", store, "-o", root / "下发-数据文件")
    assert by_dir.returncode == 0 and by_store.returncode == 0, by_dir.stderr + by_store.stderr
    this = root / "本年"
    honest = _fill(root / "下发-数据文件" / "示例市甲局.xlsx", datas["示例市甲局"], 6)
    build_to(this, honest, "甲局-2024.xlsx")
    wrong = _fill(root / "下发-数据文件" / "示例市乙局.xlsx", datas["示例市乙局"], 7)
    wrong["requests.carried_over.business"] += 1
    wrong["requests.granted.business"] += 1  # still balanced this year, but not last year's figure
    build_to(this, wrong, "乙局-2024.xlsx")
    return {"root": root, "last": last, "store": store, "this": this, "by_dir": by_dir, "by_store": by_store}


def _findings(run_stdout: str) -> dict[str, list[dict[str, Any]]]:
    return {Path(f["path"]).name: f["findings"] for f in json.loads(run_stdout)["files"]}


def test_x1_from_the_store_equals_x1_from_the_prior_folder(years: dict[str, Any]) -> None:
    by_folder = run_cli("check", years["this"], "--prior", years["last"], "--format", "json")
    by_store = run_cli("check", years["this"], "--store", years["store"], "--format", "json", "-j", "2")
    assert by_folder.returncode == by_store.returncode == 1, by_folder.stderr + by_store.stderr
    folder, store = _findings(by_folder.stdout), _findings(by_store.stdout)
    assert store == folder
    assert folder["甲局-2024.xlsx"] == [], "the honest carry-over agrees with last year"
    mismatch = [(f["code"], f["rule"], f["datapoint"]) for f in folder["乙局-2024.xlsx"]]
    assert sorted(mismatch) == [("prior-year-mismatch", "X-1", f"requests.carried_over.{c}") for c in ("business", "total")]
    # the API gives the same, with the store given as a file or opened
    with Store.open(years["store"]) as opened:
        api_run = api.check([years["this"]], store=opened, jobs=1)
    plain = api.check([years["this"]], prior=years["last"], jobs=1)
    assert [r.findings for r in api_run.files] == [r.findings for r in plain.files]


def test_the_store_is_not_last_year_when_prior_is_given_or_it_knows_no_last_year(years: dict[str, Any],
                                                                                 tmp_path: Path) -> None:
    elsewhere = tmp_path / "空"
    elsewhere.mkdir()
    with_prior = api.check([years["this"]], prior=elsewhere, store=years["store"], jobs=1)
    assert {f.code for r in with_prior.files for f in r.findings} == {"prior-year-not-found"}, "--prior wins"
    fresh = api.check([years["this"]], store=tmp_path / "新.sqlite", jobs=1)
    # the first year of a store: no comparison at all, rather than 'not found' for every unit
    assert [f.code for r in fresh.files for f in r.findings if f.code.startswith("prior")] == []


def test_build_from_the_store_prefills_what_the_prior_folder_does(years: dict[str, Any]) -> None:
    root = years["root"]
    for unit in ROSTER:
        by_dir = api.export(root / "下发-文件夹" / f"{unit}.xlsx")["values"]
        by_store = api.export(root / "下发-数据文件" / f"{unit}.xlsx")["values"]
        assert by_store == by_dir, unit
    carried = api.export(root / "下发-数据文件" / "示例市甲局.xlsx")["values"]
    assert carried["requests.carried_over.person"] == prior_data(1, "示例市甲局")["requests.carried_forward.person"]
    assert carried["meta.year"] == 2024
    out = years["by_store"].stdout
    assert "（上年结转取自 年报 数据.sqlite#1：" in out and "示例市甲局-2023.xlsx）" in out
    assert f"已生成 {root / '下发-数据文件' / '示例市丙局.xlsx'}（未找到上年工作簿）" in out


def test_build_from_the_store_api_records_and_refusals(years: dict[str, Any], tmp_path: Path) -> None:
    roster = years["root"] / "名单.csv"
    records = api.build_for_roster(roster, tmp_path / "出", store=years["store"], year=2024)
    got = {r["unit"]: (r["prior_store"], Path(r["prior"]).name if r["prior"] else None) for r in records}
    assert got["示例市丙局"] == (None, None)
    assert got["示例市甲局"][1] == "示例市甲局-2023.xlsx" and got["示例市甲局"][0].startswith("年报 数据.sqlite#")
    # --year 2026: nothing of 2025 in the store, so nothing carries over (the rule of --prior-dir)
    later = api.build_for_roster(roster, tmp_path / "出2", store=years["store"], year=2026)
    assert all(r["prior"] is None for r in later)
    with pytest.raises(api.UsageError, match="只能给出其中一个"):
        api.build_for_roster(roster, tmp_path / "出3", store=years["store"], prior_dir=years["last"])
    with pytest.raises(api.UsageError, match="找不到数据文件"):
        api.build_for_roster(roster, tmp_path / "出4", store=tmp_path / "没有.sqlite")
    done = run_cli("build", "-o", tmp_path / "x.xlsx", "--store", years["store"])
    assert done.returncode == 2 and "--store" in done.stderr and "--roster" in done.stderr


def test_the_stores_prior_index_pickles(years: dict[str, Any]) -> None:
    """A pool started by spawn (Windows, macOS) sends the index to each worker."""
    with Store.open(years["store"]) as store:
        index = store.prior_index("gov_info_disclosure_2021")
    assert isinstance(index, PriorIndex) and sorted(k for k in index.by_unit if k[1] == 2023) == [("示例市乙局", 2023),
                                                                                             ("示例市甲局", 2023)]
    back = pickle.loads(pickle.dumps(index))
    assert back.by_unit == index.by_unit and back.years == index.years and 2023 in back.years
