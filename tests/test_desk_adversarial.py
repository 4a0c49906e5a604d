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


def test_a_unit_whose_name_holds_a_slash_has_its_page(tmp_path: Path) -> None:
    # “县委办/县政府办”: one office under two names is common; the link quotes the slash as %2F, which
    # the router decodes back into a path separator
    from tests.batch_helpers import unit_data
    from tests.make_filled import build_to
    from workbook_builder import api

    name = "县委办/县政府办"
    store = tmp_path / "年报.sqlite"
    api.check([build_to(tmp_path, unit_data(1, name, year=2024), "a.xlsx"),
               build_to(tmp_path, unit_data(1, name, year=2024), "b.xlsx")], store=store, jobs=1)
    c = client(tmp_path, store=store)
    link = "/units/%E5%8E%BF%E5%A7%94%E5%8A%9E%2F%E5%8E%BF%E6%94%BF%E5%BA%9C%E5%8A%9E"
    assert f'href="{link}?year=2024"' in c.get("/units").text
    r = c.get(f"{link}?year=2024")
    assert r.status_code == 200 and 'id="history"' in r.text, r.text[:300]
    first = api.open_store(store)
    try:
        older = min(s.id for s in first.history(name, 2024))
    finally:
        first.close()
    r = c.post(f"{link}/current", data={"id": str(older), "year": "2024"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]


def _wait(c: TestClient, job: str) -> dict[str, Any]:
    import time

    for _ in range(600):
        status = dict(c.get(f"{job}/status").json())
        if status["state"] != "running":
            return status
        time.sleep(0.1)
    raise AssertionError("the check did not finish")


def test_a_bad_roster_is_named_as_uploaded_not_by_its_private_path(tmp_path: Path) -> None:
    c = client(tmp_path)
    garbage = bytes(range(128, 256)) * 20  # no encoding reads it
    r = c.post("/check", files=[("files", ("甲镇.xlsx", b"PK\x03\x04x")), ("roster", ("乡镇名单.csv", garbage))],
               follow_redirects=False)
    status = _wait(c, r.headers["location"])
    assert status["state"] == "failed"
    assert "乡镇名单.csv" in status["message"] and str(tmp_path) not in status["message"], status["message"]
    page = c.get(r.headers["location"]).text
    assert "乡镇名单.csv" in page and str(tmp_path) not in page
    r = c.post("/issue", files={"roster": ("乡镇名单.csv", garbage)}, data={"year": "2024"})
    assert r.status_code == 400 and "乡镇名单.csv" in r.text and str(tmp_path) not in r.text, r.text


def test_a_desk_stopped_by_sigterm_leaves_no_uploaded_file_behind(tmp_path: Path) -> None:
    # `kill`, a logout or a shutdown end the desk with SIGTERM (uvicorn re-raises it once it has stopped,
    # and its default action ended the process before the private folder was removed): the units'
    # returns stayed in the temp folder for good
    import signal
    import time

    import httpx

    from tests.batch_helpers import unit_data
    from tests.make_filled import build_to
    from tests.test_desk_serve import desk, free_port

    workbook = build_to(tmp_path / "files", unit_data(1, "甲镇", year=2024), "甲镇.xlsx").read_bytes()
    with desk(tmp_path, "--port", str(free_port())) as (proc, url, lines):
        with httpx.Client(base_url=url.rstrip("/"), timeout=30, follow_redirects=True) as web:
            job = str(web.post("/check", files={"files": ("甲镇.xlsx", workbook)}).url.path)
            for _ in range(300):
                if web.get(f"{job}/status").json()["state"] != "running":
                    break
                time.sleep(0.1)
        assert [p for p in (tmp_path / "tmp").rglob("*") if p.is_file()], "the upload is kept while the desk runs"
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        time.sleep(0.2)
        assert "工作台已停止" in "\n".join(lines)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_the_template_field_names_a_built_in_template_never_a_file(tmp_path: Path) -> None:
    # the form's template is a choice among the built-in ones; as a path it read any YAML file of the
    # desk's computer and echoed its lines in the error (a token holder on another computer could)
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\nrows: [1, 2\n", encoding="utf-8")
    c = client(tmp_path)
    r = c.post("/check", files=[("files", ("甲镇.xlsx", b"PK\x03\x04x"))], data={"template": str(secret)},
               follow_redirects=False)
    texts = [r.text]
    if r.status_code == 303:
        texts += [str(_wait(c, r.headers["location"])), c.get(r.headers["location"]).text]
    texts.append(c.post("/issue", files={"roster": ("名单.csv", "甲镇\n".encode())},
                        data={"template": str(secret), "year": "2024"}).text)
    texts += [c.get("/rollup", params={"template": str(secret)}).text,
              c.post("/rollup", data={"template": str(secret), "year": "2024"}).text,
              c.post("/publish", data={"template": str(secret), "year": "2024"}).text]
    for text in texts:
        assert "hunter2" not in text and "rows: [1, 2" not in text and str(secret) not in text, text[:400]
