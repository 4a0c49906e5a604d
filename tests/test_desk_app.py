"""The desk's web application (workbook_builder/desk) through Starlette's test client: every page in
Chinese, uploads of honest, bad and hostile files to a results table, each file's findings, the
downloads (opened), the store's pages (units, this year against last, history, roll-up, publish),
下发, and the guard: the token on every route, cross-site POSTs and foreign Host headers refused,
an oversized body answered 413, uploaded names never used as paths. (A real Chromium drives the
page in tests/test_desk_browser.py.)"""

from __future__ import annotations

import csv
import io
import re
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

with warnings.catch_warnings():  # Starlette 1.x asks for httpx2 for its test client; httpx works the same
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from tests.batch_helpers import unit_data
from tests.hostile import build_corpus
from tests.make_filled import build_to
from workbook_builder import api
from workbook_builder.desk.app import Settings, create_app

BASE = "http://127.0.0.1:8765"
NAV = ("nav-issue", "nav-check", "nav-rollup", "nav-publish", "nav-units")
CJK = re.compile(r"[\u4e00-\u9fff]")


def client(tmp_path: Path, **kw: Any) -> TestClient:
    settings = Settings(workdir=tmp_path / "work", store=kw.pop("store", tmp_path / "年报.sqlite"), jobs=1, **kw)
    return TestClient(create_app(settings), base_url=BASE)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("returns")
    data = unit_data(1, "甲镇", year=2024)
    bad = unit_data(2, "乙镇", year=2024)
    bad["requests.new.person"] += 5  # 3-A no longer holds
    old = unit_data(0, "甲镇", year=2023)
    hostile = {name: path for name, (path, _, _) in build_corpus(folder / "hostile", ["zip-bomb", "external-link"]).items()}
    return {"honest": build_to(folder, data, "甲镇.xlsx"), "bad": build_to(folder, bad, "乙镇.xlsx", strict=False),
            "old": build_to(folder, old, "甲镇2023.xlsx"), **hostile}


def upload(c: TestClient, items: list[tuple[str, bytes]], **data: Any) -> str:
    """POST the files to /check; the job's page address."""
    r = c.post("/check", files=[("files", (name, content)) for name, content in items], data=data,
               follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def wait(c: TestClient, job: str, timeout: float = 120) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        status = c.get(f"{job}/status").json()
        if status["state"] != "running":
            return dict(status)
        time.sleep(0.1)
    raise AssertionError("the check did not finish")


def results(html: str) -> list[dict[str, str]]:
    """The results table's rows: unit, file, verdict, errors, warnings, top."""
    body = html.split('<table id="results"', 1)[1].split("</table>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr class=\"v-[a-z]+\">(.*?)</tr>", body, re.S):
        cells = dict(re.findall(r'<td class="(\w+)">(.*?)</td>', tr, re.S))
        rows.append({k: re.sub(r"<[^>]+>", "", v).strip() for k, v in cells.items()})
    return rows


def run_check(c: TestClient, items: list[tuple[str, bytes]], **data: Any) -> tuple[str, list[dict[str, str]]]:
    job = upload(c, items, **data)
    assert wait(c, job)["state"] == "done"
    page = c.get(job)
    assert page.status_code == 200
    return job, results(page.text)


# ---------------------------------------------------------------- the pages


def test_every_page_answers_in_chinese_with_the_nav(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path)
    run_check(c, [("甲镇.xlsx", files["honest"].read_bytes())], store_prior="1")
    assert c.get("/", follow_redirects=False).headers["location"] == "/check"
    for path in ("/check", "/issue", "/rollup", "/publish", "/units", "/units/甲镇", "/rollup?year=2024"):
        r = c.get(path)
        assert r.status_code == 200, path
        assert 'lang="zh-CN"' in r.text and CJK.search(r.text)
        for nav in NAV:
            assert f'id="{nav}"' in r.text, (path, nav)
    check = c.get("/check").text
    for element in ('id="check-form"', 'id="files"', 'id="folder"', 'id="drop"', 'id="template"', 'id="roster"',
                    'id="store-prior"', 'id="start"', "webkitdirectory"):
        assert element in check
    assert c.get("/no-such-page").status_code == 404
    assert "没有这个页面" in c.get("/no-such-page").text


def test_pages_without_a_store_say_so_calmly(tmp_path: Path) -> None:
    c = client(tmp_path, store=None)
    for path in ("/rollup", "/publish", "/units"):
        r = c.get(path)
        assert r.status_code == 200 and "没有打开数据库" in r.text
    assert "disabled" in c.get("/check").text.split('id="store-prior"', 1)[1].split(">", 1)[0]


def test_static_files_are_served_locally(tmp_path: Path) -> None:
    c = client(tmp_path)
    page = c.get("/check").text
    assert "http://" not in page.replace(BASE, "") and "https://" not in page  # nothing from the net
    for name in ("desk.css", "desk.js", "icon.svg"):
        assert c.get(f"/static/{name}").status_code == 200
    assert "Microsoft YaHei" in c.get("/static/desk.css").text


# ---------------------------------------------------------------- checking uploads


def test_honest_bad_and_hostile_uploads_give_a_results_table(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path)
    job, rows = run_check(c, [("甲镇.xlsx", files["honest"].read_bytes()), ("乙镇.xlsx", files["bad"].read_bytes()),
                              ("炸弹.xlsx", files["zip-bomb"].read_bytes()),
                              ("外链.xlsx", files["external-link"].read_bytes())])
    by_file = {r["file"]: r for r in rows}
    assert list(by_file) == ["甲镇.xlsx", "乙镇.xlsx", "炸弹.xlsx", "外链.xlsx"]
    assert by_file["甲镇.xlsx"]["verdict"] == "通过" and by_file["甲镇.xlsx"]["errors"] == "0"
    assert by_file["甲镇.xlsx"]["unit"].startswith("甲镇")
    assert by_file["乙镇.xlsx"]["verdict"] == "未通过" and int(by_file["乙镇.xlsx"]["errors"]) >= 1
    assert by_file["乙镇.xlsx"]["top"]
    assert by_file["炸弹.xlsx"]["verdict"] == "无法读取"
    assert by_file["外链.xlsx"]["verdict"] in ("无法读取", "未通过")
    page = c.get(job).text
    for element in ('id="stats"', 'id="filter"', 'id="verdict-filter"', 'id="dl-summary"', 'id="dl-report"',
                    'id="dl-annotated"', "data-sort"):
        assert element in page
    assert 'id="dl-roster"' not in page  # no roster uploaded


def test_a_files_findings_page_gives_cell_label_and_fix(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path)
    job, rows = run_check(c, [("乙镇.xlsx", files["bad"].read_bytes())])
    page = c.get(f"{job}/file/1")
    assert page.status_code == 200 and 'id="findings"' in page.text
    cells = re.findall(r'<td class="cell">(.*?)</td>', page.text)
    labels = re.findall(r'<td class="label">(.*?)</td>', page.text)
    assert any("!" in cell for cell in cells) and any(label for label in labels)
    assert "怎样改" in page.text and "requests.new" not in page.text  # no data point IDs in the page
    assert c.get(f"{job}/file/9").status_code == 404


def test_running_job_page_has_progress_and_a_no_script_refresh(tmp_path: Path, files: dict[str, Path]) -> None:
    from workbook_builder.desk.jobs import Job

    c = client(tmp_path)
    jobs = c.app.state.jobs  # type: ignore[attr-defined]
    job = Job("waiting", tmp_path, [], {}, total=3, done=1, state="running", message="已检查 1 / 3 个文件")
    jobs._jobs["waiting"] = job
    page = c.get("/check/waiting").text
    assert 'id="progress"' in page and 'value="1"' in page and 'max="3"' in page and 'id="progress-text"' in page
    assert '<noscript><meta http-equiv="refresh"' in page
    assert c.get("/check/waiting/status").json() == {"state": "running", "done": 1, "total": 3,
                                                     "message": "已检查 1 / 3 个文件"}
    missing = c.get("/check/nope/status")
    assert missing.status_code == 404 and missing.json()["state"] == "failed"


def test_downloads_open(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path)
    roster = "单位名称\n甲镇\n乙镇\n丙镇\n".encode()
    job = c.post("/check", files=[("files", ("甲镇.xlsx", files["honest"].read_bytes())),
                                  ("files", ("乙镇.xlsx", files["bad"].read_bytes())),
                                  ("roster", ("名单.csv", roster))], follow_redirects=False).headers["location"]
    assert wait(c, job)["state"] == "done"
    page = c.get(job).text
    assert 'id="dl-roster"' in page
    summary_card = page.split('id="roster-summary"', 1)[1].split("</section>", 1)[0]
    assert "缺报（1 个）" in summary_card and "丙镇" in summary_card
    recent = c.get("/check").text.split('id="recent"', 1)[1]  # a person can come back to a check
    assert f'href="{job}"' in recent and "2 个文件" in recent
    summary = c.get(f"{job}/summary.xlsx")
    assert summary.status_code == 200
    assert "filename*=UTF-8''" in summary.headers["content-disposition"]
    assert summary.headers["cache-control"] == "no-store"
    wb = openpyxl.load_workbook(io.BytesIO(summary.content))
    files_column = [row[0] for row in wb["汇总"].iter_rows(min_row=2, values_only=True)]
    assert files_column == ["甲镇.xlsx", "乙镇.xlsx"]
    report = c.get(f"{job}/report.html")
    assert report.status_code == 200 and "甲镇" in report.text
    annotated = zipfile.ZipFile(io.BytesIO(c.get(f"{job}/annotated.zip").content))
    assert annotated.namelist() == ["乙镇.批注.xlsx"]
    openpyxl.load_workbook(io.BytesIO(annotated.read("乙镇.批注.xlsx")))
    roster_book = openpyxl.load_workbook(io.BytesIO(c.get(f"{job}/roster.xlsx").content))
    rows = list(roster_book.active.iter_rows(min_row=2, values_only=True))
    assert ("缺报", "丙镇") in [(r[0], r[1]) for r in rows]
    assert c.get(f"{job}/other.txt").status_code == 404


def test_the_detail_table_and_the_feedback_pack_download(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path)
    roster = "单位名称,联系人,联系电话,电子邮箱\n甲镇,张三,0517-1,a@x.cn\n乙镇,李四,0517-2,b@x.cn\n丙镇,王五,,c@x.cn\n"
    job = c.post("/check", files=[("files", ("甲镇.xlsx", files["honest"].read_bytes())),
                                  ("files", ("乙镇.xlsx", files["bad"].read_bytes())),
                                  ("roster", ("名单.csv", roster.encode("gbk")))], follow_redirects=False).headers["location"]
    assert wait(c, job)["state"] == "done"
    page = c.get(job).text
    assert 'id="dl-detail"' in page and 'id="dl-feedback"' in page
    assert "反馈材料" in page.split('id="next-step"', 1)[1].split("</p>", 1)[0]

    detail = c.get(f"{job}/detail.xlsx")
    assert detail.status_code == 200 and "%E6%98%8E%E7%BB%86" in detail.headers["content-disposition"]  # 明细
    sheet = openpyxl.load_workbook(io.BytesIO(detail.content))["明细表"]
    rows = [r[:6] for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert [(r[0], r[2], r[5]) for r in rows] == [("甲镇", "通过", "甲镇.xlsx"), ("乙镇", "未通过", "乙镇.xlsx")]

    pack = zipfile.ZipFile(io.BytesIO(c.get(f"{job}/feedback.zip").content))
    names = set(pack.namelist())
    mail = list(csv.DictReader(io.StringIO(pack.read("邮件合并.csv").decode("utf-8-sig"))))
    by_unit = {r["单位"]: r for r in mail}
    assert by_unit["乙镇"]["联系人"] == "李四" and by_unit["乙镇"]["结论"] == "未通过"
    assert by_unit["丙镇"]["结论"] == "缺报" and by_unit["丙镇"]["电子邮箱"] == "c@x.cn"
    for row in mail:  # the attachments are where the CSV says, once the zip is unpacked
        for column in ("反馈单", "批注副本"):
            if row[column]:
                assert not Path(row[column]).is_absolute() and Path(row[column]).as_posix() in names, row
    assert by_unit["乙镇"]["批注副本"] and not by_unit["甲镇"]["批注副本"]
    letter = pack.read(Path(by_unit["乙镇"]["反馈单"]).as_posix()).decode("utf-8-sig")
    assert "未通过" in letter and "怎样改" in letter


def test_a_zip_of_returns_is_checked_member_by_member(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("交回/甲镇.xlsx", files["honest"].read_bytes())
        zf.writestr("交回/乙镇.xlsx", files["bad"].read_bytes())
    _, rows = run_check(c, [("交回.zip", buffer.getvalue())])
    assert sorted((r["file"], r["verdict"]) for r in rows) == [("交回.zip/交回/乙镇.xlsx", "未通过"),
                                                                ("交回.zip/交回/甲镇.xlsx", "通过")]


def test_folder_paths_name_the_files(tmp_path: Path, files: dict[str, Path]) -> None:
    """The page's script sends each dropped file's relative path in `paths`, in order."""
    c = client(tmp_path)
    r = c.post("/check", files=[("files", ("甲镇.xlsx", files["honest"].read_bytes())),
                                ("files", ("乙镇.xlsx", files["bad"].read_bytes()))],
               data={"paths": ["某县/甲镇.xlsx", "某县/乙镇.xlsx"]}, follow_redirects=False)
    job = r.headers["location"]
    wait(c, job)
    assert [row["file"] for row in results(c.get(job).text)] == ["某县/甲镇.xlsx", "某县/乙镇.xlsx"]


def test_hostile_names_never_leave_the_working_folder(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path)
    names = ["../../x.xlsx", "/etc/passwd.xlsx", "C:\\Windows\\y.xlsx", "..\\..\\z.xlsx", "a\x1b[31m.xlsx"]
    before = set(tmp_path.parent.iterdir())
    _, rows = run_check(c, [(name, files["honest"].read_bytes()) for name in names])
    assert set(tmp_path.parent.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]
    kept = sorted(p.name for p in (tmp_path / "work").rglob("in/*"))
    assert kept == ["0001.xlsx", "0002.xlsx", "0003.xlsx", "0004.xlsx", "0005.xlsx"]
    for row in rows:
        assert ".." not in row["file"] and not row["file"].startswith("/") and "\x1b" not in row["file"]
        assert row["verdict"] == "通过"


def test_a_file_over_the_cap_is_refused_with_a_finding(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path, max_file_bytes=1000)
    _, rows = run_check(c, [("大.xlsx", files["honest"].read_bytes()), ("空.xlsx", b"")])
    assert [r["file"] for r in rows] == ["大.xlsx", "空.xlsx"]
    assert all(r["verdict"] != "通过" for r in rows)


def test_nothing_chosen_is_said_plainly(tmp_path: Path) -> None:
    c = client(tmp_path)
    r = c.post("/check", files=[("files", ("", b""))], data={"template": ""})
    assert r.status_code == 400 and "没有选择文件" in r.text


def test_a_failed_check_is_said_in_chinese(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path)
    job = c.post("/check", files=[("files", ("甲镇.xlsx", files["honest"].read_bytes())),
                                  ("roster", ("名单.csv", b"\xff\xfe\x00garbage"))], follow_redirects=False)
    status = wait(c, job.headers["location"])
    page = c.get(job.headers["location"]).text
    if status["state"] == "failed":
        assert "检查没有完成" in page and CJK.search(status["message"]) and "Traceback" not in page
    else:  # a roster that reads as one odd unit is no failure
        assert status["state"] == "done"


# ---------------------------------------------------------------- the guard


def test_the_token_guards_every_route(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path, token="s3cret")
    for path in ("/", "/check", "/issue", "/rollup", "/publish", "/units", "/static/desk.css", "/check/x/summary.xlsx",
                 "/check/x/status"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 403 and "需要口令" in r.text, path
        assert c.get(path, headers={"X-Desk-Token": "wrong"}, follow_redirects=False).status_code == 403
    assert c.post("/check", files=[("files", ("a.xlsx", b"x"))]).status_code == 403
    r = c.get("/check?token=s3cret", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/check"  # the token leaves the address
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert c.get("/check").status_code == 200  # the cookie from now on
    job, rows = run_check(c, [("甲镇.xlsx", files["honest"].read_bytes())])
    assert c.get(f"{job}/summary.xlsx").status_code == 200
    other = TestClient(c.app, base_url=BASE)
    assert other.get(f"{job}/summary.xlsx").status_code == 403
    assert other.get(f"{job}/summary.xlsx", headers={"X-Desk-Token": "s3cret"}).status_code == 200


def test_cross_site_posts_and_foreign_hosts_are_refused(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path)
    item = [("files", ("甲镇.xlsx", files["honest"].read_bytes()))]
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"}, {"Referer": "http://evil.example/x"},
                    {"Sec-Fetch-Site": "cross-site"}):
        r = c.post("/check", files=item, headers=headers, follow_redirects=False)
        assert r.status_code == 403 and "拒绝" in r.text, headers
    assert c.post("/check", files=item, headers={"Origin": BASE}, follow_redirects=False).status_code == 303
    assert c.post("/check", files=item, headers={"Referer": f"{BASE}/check"}, follow_redirects=False).status_code == 303
    # DNS rebinding: a page of another site resolved to 127.0.0.1 sends its own name as the Host
    assert c.get("/check", headers={"Host": "evil.example:8765"}).status_code == 400


def test_security_headers(tmp_path: Path) -> None:
    r = client(tmp_path).get("/check")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"


def test_an_oversized_body_is_answered_413(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path, max_body_bytes=10_000)
    r = c.post("/check", files=[("files", ("甲镇.xlsx", files["honest"].read_bytes()))])
    assert r.status_code == 413 and "上传的内容太大" in r.text

    def chunks() -> Any:  # no Content-Length: the body is counted as it arrives
        yield b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.xlsx\"\r\n\r\n"
        for _ in range(20):
            yield b"0" * 1000
        yield b"\r\n--x--\r\n"

    r = c.post("/check", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413 and "上传的内容太大" in r.text
    assert not list((tmp_path / "work").rglob("in/*"))


# ---------------------------------------------------------------- the store's pages


def test_units_history_compare_rollup_and_publish(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path)
    run_check(c, [("甲镇.xlsx", files["honest"].read_bytes()), ("乙镇.xlsx", files["bad"].read_bytes())],
              store_prior="1")
    run_check(c, [("甲镇（改）.xlsx", files["honest"].read_bytes())], store_prior="1")
    # last year's after this year's: checked first, it would be this year's X-1 (these figures do not carry over)
    run_check(c, [("甲镇2023.xlsx", files["old"].read_bytes())], store_prior="1")
    with api.open_store(tmp_path / "年报.sqlite") as store:
        assert sorted(store.units()) == ["乙镇", "甲镇"]
    units = c.get("/units").text
    assert 'id="units"' in units and "甲镇" in units and "乙镇" in units
    unit = c.get("/units/甲镇?year=2024").text
    assert 'id="compare"' in unit and 'id="history"' in unit
    compare = unit.split('id="compare"', 1)[1].split("</table>", 1)[0]
    assert "本年新收政府信息公开申请数量" in compare or "新收" in compare  # official labels
    assert compare.count('class="changed"') >= 1  # 2024 differs from 2023
    history = unit.split('id="history"', 1)[1].split("</table>", 1)[0]
    assert history.count("<tr") == 3 and history.count('class="current"') == 1  # header + two submissions
    assert "甲镇（改）.xlsx" in history.split('class="current"', 1)[1].split("</tr>", 1)[0]
    other = re.search(r'name="id" value="(\d+)"', history)
    assert other is not None
    r = c.post("/units/甲镇/current", data={"id": other.group(1), "year": "2024"}, follow_redirects=False)
    assert r.status_code == 303
    history = c.get(r.headers["location"]).text.split('id="history"', 1)[1].split("</table>", 1)[0]
    assert "甲镇.xlsx" in history.split('class="current"', 1)[1].split("</tr>", 1)[0]

    rollup = c.get("/rollup?year=2024").text
    assert 'id="rollup-form"' in rollup and 'id="rollup-units"' in rollup
    assert "纳入" in rollup and "不纳入" in rollup  # 甲镇 in, 乙镇 (errors) left out
    r = c.post("/rollup", data={"year": "2024"})
    assert r.status_code == 200, r.text[-600:]
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content))["汇总说明"]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("甲镇.xlsx" in c for c in cells), cells  # named as sent, never by the private copy
    assert not any("0001.xlsx" in c for c in cells), cells

    publish = c.get("/publish?year=2024").text
    assert 'id="publish-form"' in publish
    r = c.post("/publish", data={"year": "2024"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert any(n.endswith(".docx") for n in names) and any(n.endswith(".html") for n in names)
    assert all("甲镇" in n for n in names)


def test_make_current_refuses_another_units_submission(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path)
    run_check(c, [("乙镇.xlsx", files["bad"].read_bytes())], store_prior="1")
    with api.open_store(tmp_path / "年报.sqlite") as store:
        sub = store.submissions(unit="乙镇")[0]
    r = c.post("/units/甲镇/current", data={"id": str(sub.id), "year": "2024"})
    assert r.status_code == 400 and "不属于" in r.text
    assert c.get("/units/无此单位").status_code == 404


def test_issue_gives_a_zip_of_personalised_workbooks(tmp_path: Path, files: dict[str, Path]) -> None:
    c = client(tmp_path)
    page = c.get("/issue").text
    for element in ('id="issue-form"', 'id="template"', 'id="year"', 'id="roster"', 'id="prior"', 'id="from-store"'):
        assert element in page
    r = c.post("/issue", data={"template": "gov_info_disclosure_2021", "year": "2024"},
               files=[("roster", ("名单.csv", "单位名称\n甲镇\n乙镇\n".encode())),
                      ("prior", ("甲镇2023.xlsx", files["old"].read_bytes()))])
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert "%E4%B8%8B%E5%8F%91" in r.headers["content-disposition"]  # 下发工作簿.zip
    names = sorted(zipfile.ZipFile(io.BytesIO(r.content)).namelist())
    assert names == ["乙镇.xlsx", "甲镇.xlsx"]
    r = c.post("/issue", data={"year": "2024"})
    assert r.status_code == 400 and "名单" in r.text
