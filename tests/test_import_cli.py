"""`workbook-builder import`: options, outputs, the JSON shape and exit codes (stand-ins for reader and
matcher: tests/import_fakes.py); the real sample report end to end at the bottom."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests import import_fakes
from workbook_builder import api, cli


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    import_fakes.install(monkeypatch)


def _run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.main, ["import", *map(str, args), "--no-progress", "-j", "1"])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_text_says_what_was_read_per_file(fakes: None, tmp_path: Path) -> None:
    path = import_fakes.write_report(tmp_path / "a.txt", **{"requests.granted.person": "/"})
    code, out, _ = _run(path)
    first = out.splitlines()[0]
    assert first.startswith(f"{path}（甲镇 2023）：文本，按 2021年格式（模板 gov_info_disclosure_2021）读取；已读取 ")
    assert "（1 项写“/”等）" in first
    assert "[警告] published-not-a-number" not in out  # import reads; `check` checks
    assert out.splitlines()[-1].startswith("共导入 1 个文件：读出统计表 1 个")
    assert code == 0


def test_json_shape(fakes: None, tmp_path: Path) -> None:
    path = import_fakes.write_report(tmp_path / "a.txt", **{"requests.new.person": "3", "requests.granted.person": "/"})
    code, out, _ = _run(path, "--format", "json")
    doc = json.loads(out)
    assert doc["schema"] == "workbook-builder/import/1" and doc["skipped"] == []
    (f,) = doc["files"]
    assert set(f) == {"path", "kind", "template", "template_version", "unit", "year", "counts", "values", "cells",
                      "findings"}
    assert (f["kind"], f["template"], f["unit"], f["year"]) == ("text", "gov_info_disclosure_2021", "甲镇", 2023)
    assert f["values"]["requests.new.person"] == 3 and f["values"]["requests.granted.person"] is None
    assert f["cells"]["requests.granted.person"] == {"status": "slash", "raw": "/", "where": "第1行"}
    assert set(f["values"]) == set(f["cells"])
    assert f["counts"]["slash"] == 1 and sum(f["counts"].values()) == len(f["values"])
    assert code == 0


def test_as_json_writes_the_file(fakes: None, tmp_path: Path) -> None:
    path = import_fakes.write_report(tmp_path / "a.txt")
    code, out, err = _run(path, "-o", tmp_path / "out.json")
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["files"][0]["unit"] == "甲镇"
    assert "已写出" in err and out.startswith(str(path))
    assert code == 0


def test_as_xlsx_one_file_and_a_folder(fakes: None, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    a = import_fakes.write_report(tmp_path / "in" / "a.txt", unit="甲镇")
    import_fakes.write_report(tmp_path / "in" / "b.txt", unit="甲镇")  # the same title: numbered
    code, _, err = _run(a, "--as", "xlsx", "-o", tmp_path / "one.xlsx")
    assert code == 0 and api.export(tmp_path / "one.xlsx")["values"]["meta.unit_name"] == "甲镇"
    code, _, err = _run(tmp_path / "in", "--as", "xlsx", "-o", tmp_path / "out")
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "甲镇2023年政府信息公开工作年度报告.xlsx", "甲镇2023年政府信息公开工作年度报告（2）.xlsx"]


def test_usage_errors_exit_2(fakes: None, tmp_path: Path) -> None:
    path = import_fakes.write_report(tmp_path / "a.txt")
    other = import_fakes.write_report(tmp_path / "b.txt")
    code, _, err = _run(path, "--as", "xlsx")
    assert code == 2 and "--as xlsx 需要用 -o" in err
    code, _, err = _run(path, other, "--as", "xlsx", "-o", tmp_path / "x.xlsx")
    assert code == 2 and "-o 应为一个文件夹" in err
    code, _, err = _run(path, "-o", tmp_path / "x.txt")
    assert code == 2 and ".json" in err
    code, _, err = _run(tmp_path / "nothing")
    assert code == 2 and "找不到文件或文件夹" in err


def test_a_write_error_exits_2_in_chinese(fakes: None, tmp_path: Path) -> None:
    path = import_fakes.write_report(tmp_path / "a.txt")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = _run(path, "--as", "xlsx", "-o", blocker / "sub")
    assert code == 2 and "无法写出" in err and out  # the report is still printed
    code, _, err = _run(path, "-o", blocker / "x.json")
    assert code == 2 and "无法写出" in err


def test_a_file_with_errors_exits_1(fakes: None, tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 nothing")
    code, out, _ = _run(scan)
    assert code == 1 and "未能读取" in out and "[错误] import-no-text" in out


def test_a_bug_of_ours_exits_3(fakes: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbook_builder.imports import match

    monkeypatch.setattr(match, "read_report", lambda *a, **k: 1 / 0)
    code, _, err = _run(import_fakes.write_report(tmp_path / "a.txt"))
    assert code == 3 and "checker-error" in err
