"""The desk as a first-time user meets it (found walking a whole year through the page): counts
that add up, no template IDs in the choices, where the store file is, and dates not compared as
numbers. Starlette's test client, like tests/test_desk_app.py."""

from __future__ import annotations

import re
import time
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():  # Starlette asks for httpx2 for its test client; httpx works the same
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from tests.batch_helpers import unit_data
from tests.make_filled import build_to
from workbook_builder.desk.app import Settings, create_app

BASE = "http://127.0.0.1:8765"


def client(tmp_path: Path, **kw: Any) -> TestClient:
    settings = Settings(workdir=tmp_path / "work", store=kw.pop("store", tmp_path / "年报.sqlite"), jobs=1, **kw)
    return TestClient(create_app(settings), base_url=BASE)


def check(c: TestClient, items: list[tuple[str, bytes]], **data: Any) -> str:
    """Upload, wait for the check to finish; the results page."""
    r = c.post("/check", files=[("files", item) for item in items], data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    job = str(r.headers["location"])
    end = time.monotonic() + 120
    while c.get(f"{job}/status").json()["state"] == "running":
        assert time.monotonic() < end, "the check did not finish"
        time.sleep(0.1)
    return c.get(job).text


def tiles(page: str) -> dict[str, int]:
    return {label: int(n) for n, label in re.findall(r"<b>(\d+)</b><span>([^<]+)</span>", page)}


def test_the_tiles_count_an_unreadable_file_once(tmp_path: Path) -> None:
    honest = build_to(tmp_path, unit_data(1, "甲镇", year=2024), "甲镇.xlsx")
    page = check(client(tmp_path), [("甲镇.xlsx", honest.read_bytes()), ("通知.docx", b"not a document at all")])
    counts = tiles(page)
    assert counts["个文件"] == 2 and counts["通过"] == 1 and counts["无法读取"] == 1
    assert counts["未通过"] == 0  # the letter is 无法读取, not also 未通过
    assert counts["通过"] + counts["未通过"] + counts["无法读取"] == counts["个文件"]
    assert "下一步" in page.split('id="next-step"', 1)[1].split("</p>", 1)[0]  # what to do with the feedback


def test_no_next_step_when_every_file_passed(tmp_path: Path) -> None:
    honest = build_to(tmp_path, unit_data(1, "甲镇", year=2024), "甲镇.xlsx")
    assert 'id="next-step"' not in check(client(tmp_path), [("甲镇.xlsx", honest.read_bytes())])


def test_template_choices_are_named_without_their_ids(tmp_path: Path) -> None:
    c = client(tmp_path)
    for path in ("/check", "/issue"):
        options = re.findall(r"<option[^>]*>([^<]*)</option>", c.get(path).text)
        assert any("政府信息公开工作年度报告" in o for o in options), path
        assert not [o for o in options if re.search(r"[a-z]_[a-z]", o)], (path, options)


def test_the_check_page_says_where_the_store_file_is(tmp_path: Path) -> None:
    page = client(tmp_path).get("/check").text
    shown = page.split('id="store-path"', 1)[1].split("</p>", 1)[0]
    assert str((tmp_path / "年报.sqlite").resolve()) in shown and "备份" in shown
    assert 'id="store-path"' not in client(tmp_path, store=None).get("/check").text


def test_a_units_comparison_leaves_the_date_out(tmp_path: Path) -> None:
    c = client(tmp_path)
    for year in (2023, 2024):
        path = build_to(tmp_path, unit_data(1, "甲镇", year=year), f"甲镇{year}.xlsx")
        check(c, [(path.name, path.read_bytes())], store_prior="1")
    compare = c.get("/units/甲镇?year=2024").text.split('id="compare"', 1)[1].split("</table>", 1)[0]
    assert "上年结转" in compare
    assert "填报日期" not in compare  # kept as Excel's day number (45677): nothing to compare


def test_the_publish_page_says_publish_and_the_rollup_says_take_in(tmp_path: Path) -> None:
    c = client(tmp_path)
    bad = unit_data(2, "乙镇", year=2024)
    bad["requests.new.person"] += 5
    items = [("甲镇.xlsx", build_to(tmp_path, unit_data(1, "甲镇", year=2024), "甲镇.xlsx").read_bytes()),
             ("乙镇.xlsx", build_to(tmp_path, bad, "乙镇.xlsx", strict=False).read_bytes())]
    check(c, items, store_prior="1")
    publish = c.get("/publish?year=2024").text.split('id="publish-units"', 1)[1].split("</table>", 1)[0]
    assert "是否发布" in publish and ">发布<" in publish and "不发布：" in publish and "纳入" not in publish
    rollup = c.get("/rollup?year=2024").text.split('id="rollup-units"', 1)[1].split("</table>", 1)[0]
    assert "是否纳入" in rollup and ">纳入<" in rollup and "不纳入：" in rollup
