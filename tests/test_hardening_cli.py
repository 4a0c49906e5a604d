"""Issue 7, "crashes and lost output": the command line never dies with a traceback on what real use
brings (file names that are not UTF-8, a GBK console, an output that cannot be written, Ctrl-C), every
output is tried whatever happened to the others, text output cannot be forged by control characters,
and each kind of ending has its own exit code (0 ok, 1 errors found, 2 usage/write error, 3 internal
error, 130 interrupted)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.batch_helpers import ROOT
from workbook_builder import api, cli
from workbook_builder.batch.annotated import AnnotateFailed
from workbook_builder.template import registry
from workbook_builder.textsafe import clean_text, display_path

GBK_NAME = b"\xb2\xe2\xca\xd4.xlsx"  # "测试.xlsx" in GBK: not valid UTF-8
SHOWN = "\\xb2\\xe2\\xca\\xd4.xlsx"  # how every output shows it


def _run(*args: str | Path, env: dict[str, str] | None = None, stdout: Any = subprocess.PIPE,
         cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """`python -m workbook_builder …` with bytes out, so what is checked is what really was written."""
    full = dict(os.environ)
    full["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), full.get("PYTHONPATH", "")]))
    full.pop(cli.DEBUG_ENV, None)
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "workbook_builder", *map(os.fsdecode, args)], stdout=stdout,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=full, cwd=cwd, timeout=180,
                          check=False)


def _unit_workbook(folder: Path, name: str, unit: str) -> Path:
    """A built workbook with only its unit name filled in (it has errors: everything else is blank)."""
    field = registry.resolve().spec.unit_field
    assert field
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(api.build(data={field: unit}))
    return path


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return api.build()


@pytest.fixture()
def gbk_folder(tmp_path: Path, blank: bytes) -> Path:
    """A folder as unzipping a Windows zip leaves it: one workbook named in GBK bytes, one in ASCII."""
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / "ok.xlsx").write_bytes(blank)
    with open(os.path.join(os.fsencode(folder), GBK_NAME), "wb") as fh:
        fh.write(blank)
    return folder


# ------------------------------------------------------------------------------------- the shared helpers


def test_clean_text_escapes_every_control_character() -> None:
    assert clean_text("甲\n通过\t\r") == "甲\\n通过\\t\\r"
    assert clean_text("\x1b[31m\x7f\x85\u202e\u2066\u2028\ufeff") == "\\x1b[31m\\x7f\\x85\\u202e\\u2066\\u2028\\ufeff"
    assert clean_text(None) == "" and clean_text(3.5) == "3.5" and clean_text("C:\\报告\\甲.xlsx") == "C:\\报告\\甲.xlsx"
    assert clean_text("\ud800") == "\\ud800"  # a lone surrogate that is not an escaped byte


def test_display_path_shows_undecodable_bytes() -> None:
    assert display_path(b"d/" + GBK_NAME) == "d/" + SHOWN
    assert display_path(os.fsdecode(b"d/" + GBK_NAME)) == "d/" + SHOWN
    assert display_path(Path(os.fsdecode(GBK_NAME))) == SHOWN
    assert display_path("交回/甲局.xlsx") == "交回/甲局.xlsx"
    display_path(b"\xff\n" + GBK_NAME).encode("utf-8")
    display_path(b"\xff\n" + GBK_NAME).encode("gbk")


# ------------------------------------------------------------------------------------- non-UTF-8 file names


@pytest.mark.parametrize("io_encoding", ["utf-8", "gbk"])
def test_non_utf8_file_names_every_output(gbk_folder: Path, tmp_path: Path, io_encoding: str) -> None:
    """Under a UTF-8 locale (strict stdout, as on a zh_CN.UTF-8 desktop) this died with a traceback
    after checking everything, and no summary was written."""
    out = tmp_path / "out"
    done = _run("check", gbk_folder, "--summary", out / "s.xlsx", "--html", out / "r.html", "--annotate",
                out / "notes", env={"PYTHONIOENCODING": io_encoding})
    stderr = done.stderr.decode(io_encoding)
    assert done.returncode == 1, stderr
    assert b"Traceback" not in done.stderr
    assert SHOWN in done.stdout.decode(io_encoding)
    with zipfile.ZipFile(out / "s.xlsx") as z:
        assert SHOWN in z.read("xl/sharedStrings.xml").decode("utf-8")
    assert SHOWN in (out / "r.html").read_text(encoding="utf-8")
    assert len(list((out / "notes").iterdir())) == 2
    assert "写出 2 份带批注的副本" in stderr

    done = _run("check", gbk_folder, "--format", "json", "--summary", out / "s.csv",
                env={"PYTHONIOENCODING": io_encoding})
    assert done.returncode == 1 and b"Traceback" not in done.stderr, done.stderr.decode(io_encoding)
    doc = json.loads(done.stdout.decode("utf-8"))  # valid UTF-8 (ASCII for a GBK console) and valid JSON
    assert sorted(Path(f["path"]).name for f in doc["files"]) == sorted([SHOWN, "ok.xlsx"])
    rows = list(csv.reader(io.StringIO((out / "s.csv").read_text(encoding="utf-8-sig"))))
    assert any(row[0].endswith(SHOWN) for row in rows)


def test_non_utf8_output_path(tmp_path: Path, blank: bytes) -> None:
    (tmp_path / "a.xlsx").write_bytes(blank)
    summary = os.path.join(os.fsencode(tmp_path), b"\xb2\xe2.csv")
    done = _run("check", tmp_path / "a.xlsx", "--summary", os.fsdecode(summary), env={"PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    assert "\\xb2\\xe2.csv" in done.stderr.decode("utf-8") and os.path.exists(summary)


# ------------------------------------------------------------------------------------- GBK console


def test_gbk_console_text_and_json(tmp_path: Path) -> None:
    """Redirecting to a file on a Chinese Windows (GBK): "›" in every label crashed it, leaving an empty
    file. Our own words are GBK now; a character from a file that GBK lacks is shown as an escape."""
    unit = "示例市›局😀"
    folder = tmp_path / "in"
    _unit_workbook(folder, "甲.xlsx", unit)
    with open(tmp_path / "结果.txt", "wb") as fh:
        done = _run("check", folder, env={"PYTHONIOENCODING": "gbk"}, stdout=fh)
    assert done.returncode == 1 and b"Traceback" not in done.stderr, done.stderr.decode("gbk", "replace")
    text = (tmp_path / "结果.txt").read_bytes().decode("gbk")  # strict: every byte is GBK
    assert "（示例市\\u203a局\\U0001f600）：未通过" in text.splitlines()[0]
    assert "共检查 1 个文件" in text
    assert "\\u" not in text.replace("\\u203a", "").replace("\\U0001f600", "")  # no word of ours needed escaping

    done = _run("check", folder, "--format", "json", env={"PYTHONIOENCODING": "gbk"})
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    doc = json.loads(done.stdout.decode("gbk"))
    assert doc["files"][0]["unit"] == unit  # JSON's own escapes: nothing lost


def test_our_own_words_are_gbk() -> None:
    """Every message the catalogue can produce, every label path, the progress bar and the CLI's words."""
    from workbook_builder.findings import CATALOGUE
    from workbook_builder.progress import Progress

    t = registry.resolve()
    for cell in t.layout.by_id.values():
        cell.label.encode("gbk")
    for entry in CATALOGUE.values():
        for text in (entry.zh, entry.en, entry.fix_zh, entry.fix_en):
            text.encode("gbk")
    stream = io.StringIO()
    bar = Progress(stream)
    bar.update(3, 10)
    stream.getvalue().encode("gbk")
    for source in Path(cli.__file__).parent.glob("*.py"):  # every word the command line prints
        source.read_text(encoding="utf-8").encode("gbk")


# ------------------------------------------------------------------------------------- control characters


def test_a_unit_name_cannot_forge_a_line(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _unit_workbook(folder, "甲.xlsx", "甲\n通过，错误 0 个\x1b[32m\u202e")
    (folder / "乙\n通过.xlsx").write_bytes((folder / "甲.xlsx").read_bytes())
    done = _run("check", folder, env={"PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 1
    lines = done.stdout.decode("utf-8").splitlines()
    heads = sorted(line for line in lines if line.startswith(str(folder)))
    assert len(heads) == 2 and all(h.endswith("：未通过，错误 173 个，警告 0 个，提示 0 个") for h in heads), heads
    assert all("（甲\\n通过，错误 0 个\\x1b[32m\\u202e）：未通过" in h for h in heads)
    assert any("乙\\n通过.xlsx" in h for h in heads)
    assert not any(line.startswith("通过") for line in lines)
    assert all(ch >= " " for line in lines for ch in line)


# ------------------------------------------------------------------------------------- outputs that fail


def test_one_output_failing_does_not_stop_the_others(tmp_path: Path, blank: bytes) -> None:
    (tmp_path / "a.xlsx").write_bytes(blank)
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file", encoding="utf-8")
    out = tmp_path / "out"
    done = _run("check", tmp_path / "a.xlsx", "--summary", blocker / "s.xlsx", "--html", out / "r.html",
                "--annotate", out / "notes")
    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 2, stderr
    assert f"无法写出汇总表 {blocker / 's.xlsx'}：路径中有一段是文件，不是文件夹" in stderr
    assert "Traceback" not in stderr
    assert (out / "r.html").exists() and len(list((out / "notes").iterdir())) == 1
    assert "a.xlsx：未通过" in done.stdout.decode("utf-8")  # the report is still printed


def test_annotate_into_a_folder_that_cannot_be_created(tmp_path: Path, blank: bytes) -> None:
    """It said "写出 0 份" and exited 1; CI runs as root, so the folder is under a regular file."""
    (tmp_path / "a.xlsx").write_bytes(blank)
    (tmp_path / "blocker").write_text("x", encoding="utf-8")
    for target in (tmp_path / "blocker" / "notes", tmp_path / "blocker" / "a" / "b"):
        done = _run("check", tmp_path / "a.xlsx", "--annotate", target, "--summary", tmp_path / "s.csv")
        stderr = done.stderr.decode("utf-8")
        assert done.returncode == 2, stderr
        assert f"无法写出带批注的副本 {target}：无法创建这个文件夹：路径中有一段是文件，不是文件夹" in stderr
        assert "写出 0 份" not in stderr and "Traceback" not in stderr
        assert (tmp_path / "s.csv").exists() and "a.xlsx：未通过" in done.stdout.decode("utf-8")


def test_annotate_reports_each_copy_it_could_not_write(tmp_path: Path, blank: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a.xlsx", "b.xlsx"):
        (tmp_path / name).write_bytes(blank)
    run = api.check(tmp_path, jobs=1)
    from workbook_builder.batch import annotated

    real = annotated.annotate_copy

    def flaky(src: Any, findings: Any, out: Path, lang: str = "zh") -> Path:
        if Path(src).name == "a.xlsx":
            raise PermissionError(13, "Permission denied")
        return real(src, findings, out, lang)

    monkeypatch.setattr(annotated, "annotate_copy", flaky)
    with pytest.raises(AnnotateFailed) as caught:
        api.annotate(run, tmp_path / "notes")
    assert [p.name for p in caught.value.written] == ["b.批注.xlsx"]
    assert str(caught.value).startswith("已写出 1 份，1 份未能写出：")
    assert "a.xlsx：没有写入权限" in str(caught.value)


def test_save_report_write_error_is_an_output_error(tmp_path: Path, blank: bytes) -> None:
    (tmp_path / "a.xlsx").write_bytes(blank)
    (tmp_path / "blocker").write_text("x", encoding="utf-8")
    run = api.check(tmp_path / "a.xlsx", jobs=1)
    with pytest.raises(api.OutputError) as caught:
        api.save_report(run, tmp_path / "blocker" / "s.csv")
    assert caught.value.reason.startswith("路径中有一段是文件，不是文件夹")
    assert str(caught.value).startswith(f"无法写出 {tmp_path / 'blocker' / 's.csv'}：")


def test_stdout_that_cannot_be_written(tmp_path: Path, blank: bytes) -> None:
    (tmp_path / "a.xlsx").write_bytes(blank)
    with open("/dev/full", "wb") as full:
        done = _run("check", tmp_path / "a.xlsx", "--summary", tmp_path / "s.csv", stdout=full)
        assert done.returncode == 2, done.stderr.decode("utf-8")
        assert "无法输出检查结果（标准输出）：磁盘空间不足" in done.stderr.decode("utf-8")
        assert (tmp_path / "s.csv").exists()
        done = _run("export", tmp_path / "a.xlsx", stdout=full)
        assert done.returncode == 2 and "无法输出导出结果（标准输出）：磁盘空间不足" in done.stderr.decode("utf-8")


def test_aggregate_and_build_write_errors(tmp_path: Path, blank: bytes) -> None:
    (tmp_path / "a.xlsx").write_bytes(blank)
    (tmp_path / "blocker").write_text("x", encoding="utf-8")
    done = _run("aggregate", tmp_path / "a.xlsx", "--include-invalid", "-o", tmp_path / "blocker" / "sum.xlsx")
    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 2 and "Traceback" not in stderr, stderr
    assert f"无法写出汇总工作簿 {tmp_path / 'blocker' / 'sum.xlsx'}：路径中有一段是文件，不是文件夹" in stderr
    done = _run("build", "-o", tmp_path / "blocker" / "new.xlsx")
    assert done.returncode == 2 and "路径中有一段是文件，不是文件夹" in done.stderr.decode("utf-8")


# ------------------------------------------------------------------------------------- exit codes


def test_an_internal_error_is_exit_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise KeyError("boom")

    monkeypatch.setattr(api, "check", broken)
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    result = CliRunner().invoke(cli.main, ["check", str(tmp_path)])
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("内部错误：KeyError: 'boom'（test_hardening_cli.py 第 ")
    assert "请把此信息报告给维护者" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    result = CliRunner().invoke(cli.main, ["check", str(tmp_path)])
    assert result.exit_code == 3 and "Traceback" in result.stderr and result.stdout == ""


def test_a_file_the_checker_failed_on_is_exit_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, blank: bytes) -> None:
    """Decided: a `checker-error` finding is our bug, not the unit's: every output is still written, then exit 3."""
    from workbook_builder.check import workbook

    (tmp_path / "a.xlsx").write_bytes(blank)

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(workbook, "_check", broken)
    result = CliRunner().invoke(cli.main, ["check", str(tmp_path / "a.xlsx"), "--summary", str(tmp_path / "s.csv"),
                                           "--jobs", "1"])
    assert result.exit_code == 3, result.output
    assert "checker-error" in result.stdout and (tmp_path / "s.csv").exists()
    assert "检查程序在部分文件上出错" in result.stderr


def test_a_renderer_bug_costs_only_its_own_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, blank: bytes) -> None:
    from workbook_builder.render import summary

    (tmp_path / "a.xlsx").write_bytes(blank)

    def broken(*_: Any, **__: Any) -> Any:
        raise ValueError("a bug in the summary")

    monkeypatch.setattr(summary, "to_csv", broken)
    result = CliRunner().invoke(cli.main, ["check", str(tmp_path / "a.xlsx"), "--summary", str(tmp_path / "s.csv"),
                                           "--html", str(tmp_path / "r.html"), "--jobs", "1"])
    assert result.exit_code == 3, result.output
    assert f"无法写出汇总表 {tmp_path / 's.csv'}：内部错误 ValueError: a bug in the summary" in result.stderr
    assert (tmp_path / "r.html").exists() and "a.xlsx：未通过" in result.stdout


def test_keyboard_interrupt_in_process_is_130(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def interrupted(*_: Any, **__: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "check", interrupted)
    result = CliRunner().invoke(cli.main, ["check", str(tmp_path)])
    assert result.exit_code == 130 and "已中断。" in result.stderr and "Aborted" not in result.output


@pytest.mark.parametrize("whole_group", [True, False], ids=["terminal-ctrl-c", "parent-only"])
def test_ctrl_c_during_a_big_check(tmp_path: Path, blank: bytes, whole_group: bool) -> None:
    """Ctrl-C in a terminal reaches every process of the group: the parent and the pool's workers. It
    exited 1 with English "Aborted!" (and workers could print tracebacks); now 130, Chinese, quiet, and
    no worker is left behind."""
    folder = tmp_path / "big"
    folder.mkdir()
    for i in range(200):
        (folder / f"u{i:03}.xlsx").write_bytes(blank)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-m", "workbook_builder", "check", str(folder), "--jobs", "2",
                             "--progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    assert proc.stderr is not None
    seen = b""
    while "检查 ".encode() not in seen:  # the progress bar: files are being checked in the pool
        chunk = os.read(proc.stderr.fileno(), 4096)
        assert chunk, "the check ended before it could be interrupted"
        seen += chunk
    if whole_group:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGINT)
    start = time.monotonic()
    out, err = proc.communicate(timeout=60)
    err = seen + err
    assert proc.returncode == 130, err.decode("utf-8", "replace")
    assert time.monotonic() - start < 20
    assert "已中断。".encode() in err
    assert b"Traceback" not in err and b"Aborted" not in err and b"KeyboardInterrupt" not in err
    assert out == b""
    for _ in range(50):  # every worker has gone with the parent
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("workers were left running")


def test_the_pool_stops_when_the_caller_stops_reading(tmp_path: Path, blank: bytes,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The same path as Ctrl-C inside the process: closing the run mid-way drops the files not yet
    checked (it waited for all of them), and no worker is left."""
    import multiprocessing

    from workbook_builder.batch import run as batch_run

    log = tmp_path / "checked.log"
    real = batch_run._one

    def logged(path: str) -> Any:  # forked workers inherit the patched module
        result = real(path)
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(path + "\n")
        time.sleep(0.05)
        return result

    logged.__qualname__ = "_one"  # pickled by name: the workers look it up in the (patched) module
    logged.__module__ = batch_run.__name__
    monkeypatch.setattr(batch_run, "_one", logged)
    paths = []
    for i in range(800):  # chunks of 32 files
        (tmp_path / f"u{i}.xlsx").write_bytes(blank)
        paths.append(str(tmp_path / f"u{i}.xlsx"))
    batch_run._init(None, None)
    results = batch_run._iterate(paths, None, None, 2)
    next(results)  # the first chunk is done (and, running beside it, most of the second)
    results.close()
    # the two first chunks and a file or two: not the chunks already queued to the workers (224 before)
    assert len(log.read_text(encoding="utf-8").splitlines()) < 3 * 32
    assert multiprocessing.active_children() == []
