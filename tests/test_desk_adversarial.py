"""The desk met by an attacker and by a careless user: odd numbers in forms, names that are paths,
hostile rosters and stores. Each test here failed before its fix (see the git log)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # Starlette 1.x asks for httpx2 for its test client; httpx works the same
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from workbook_builder.desk.app import Settings, create_app

BASE = "http://127.0.0.1:8765"


def client(tmp_path: Path, **kw: Any) -> TestClient:
    settings = Settings(workdir=tmp_path / "work", store=kw.pop("store", tmp_path / "年报.sqlite"), jobs=1, **kw)
    return TestClient(create_app(settings), base_url=BASE, raise_server_exceptions=False)


# a digit Python's isdigit() accepts but int() refuses (superscript two), and a number SQLite cannot hold
ODD_NUMBERS = ("²", "99999999999999999999999", "٢٠٢٤x")


@pytest.mark.parametrize("year", ODD_NUMBERS)
def test_odd_years_and_ids_get_a_calm_answer_not_an_internal_error(tmp_path: Path, year: str) -> None:
    c = client(tmp_path)
    answers = [c.get(f"/rollup?year={year}"), c.get(f"/publish?year={year}"), c.get(f"/units/甲镇?year={year}"),
               c.post("/rollup", data={"year": year}), c.post("/publish", data={"year": year}),
               c.post("/issue", files={"roster": ("名单.csv", "甲镇\n".encode())}, data={"year": year}),
               c.post("/units/甲镇/current", data={"id": year, "year": year})]
    for r in answers:
        assert r.status_code < 500 and "内部错误" not in r.text, (r.request.url, r.status_code)
