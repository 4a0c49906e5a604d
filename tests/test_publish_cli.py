"""`workbook-builder publish`: a thin skin over api.publish with check's endings (0 all published, 1 not
published because of findings, 2 usage or write errors and LibreOffice absent for PDF, 3 internal, 130
interrupted), its report as check prints it, JSON, and file names that are not UTF-8."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.batch_helpers import ROOT, run_cli, run_cli_tty_stderr, unit_data
from tests.make_filled import build_to, honest_data
from tests.test_publish_pdf import require_soffice
from workbook_builder import cli
from workbook_builder.publish import readback

TITLE = "淮安市人民政府2024年政府信息公开工作年度报告"
GBK_NAME = b"\xb2\xe2\xca\xd4.xlsx"  # "测试.xlsx" in GBK: not valid UTF-8
SHOWN = "\\xb2\\xe2\\xca\\xd4.xlsx"


@pytest.mark.libreoffice
def test_every_format_written_and_read_back_equal(honest: Path, tmp_path: Path) -> None:
    require_soffice()
    done = run_cli("publish", honest, "-o", tmp_path / "报告.docx", "--format", "docx,html,fragment,pdf")
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["报告.docx", "报告.fragment.html", "报告.html", "报告.pdf"]
    assert done.stdout.splitlines()[-2:] == [
        f"已生成 {tmp_path / '报告'}（.docx、.html、.fragment.html、.pdf） ← {honest}", "生成 1 份，未生成 0 份。"]
    assert (tmp_path / "报告.pdf").read_bytes().startswith(b"%PDF-")
    pdf_text = subprocess.run(["pdftotext", str(tmp_path / "报告.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
    assert "政府信息公开工作年度报告" in pdf_text.replace("\n", "")
    assert readback.read_docx_tables((tmp_path / "报告.docx").read_bytes()) is not None


def test_errors_no_document_and_the_findings_as_check_prints_them(broken: Path, tmp_path: Path) -> None:
    done = run_cli("publish", broken, "-o", tmp_path / "out")
    assert done.returncode == 1 and not (tmp_path / "out").exists()
    checked = run_cli("check", broken)
    assert done.stdout.startswith(checked.stdout.rstrip("\n"))  # the check's report, word for word, first
    assert "[错误] rule-failed" in done.stdout
    assert done.stdout.splitlines()[-1] == "生成 0 份，未生成 1 份。"


def test_draft_is_written(broken: Path, tmp_path: Path) -> None:
    done = run_cli("publish", broken, "-o", tmp_path / "d.html", "--draft")
    assert done.returncode == 1  # the errors stand
    assert "草稿（未通过检查）" in (tmp_path / "d.html").read_text("utf-8")
    assert f"已生成（草稿） {tmp_path / 'd.html'} ← {broken}" in done.stdout


def test_a_folder_names_numbers_and_goes_on(broken: Path, tmp_path: Path) -> None:
    returns = tmp_path / "returns"
    build_to(returns, unit_data(0, "甲局", year=2024), "a.xlsx")
    build_to(returns, unit_data(1, "甲局", year=2024), "b.xlsx")
    (returns / "c.xlsx").write_bytes(broken.read_bytes())
    (returns / "d.xlsx").write_bytes(b"junk")
    done = run_cli("publish", returns, "-o", tmp_path / "out", "--jobs", "2")
    assert done.returncode == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "甲局2024年政府信息公开工作年度报告.docx", "甲局2024年政府信息公开工作年度报告（2）.docx"]
    assert done.stdout.splitlines()[-1] == "生成 2 份，未生成 2 份。"
    assert f"未生成 {returns / 'c.xlsx'}：检查发现错误（见上），不生成报告；改正后重新生成，或用 --draft 生成草稿" in done.stdout
    assert f"未生成 {returns / 'd.xlsx'}：文件无法读取，或不是本工具模板生成的工作簿（见上），不能生成报告" in done.stdout


def test_a_file_output_for_a_folder_is_exit_2(honest: Path, tmp_path: Path) -> None:
    done = run_cli("publish", honest.parent, "-o", tmp_path / "one.docx")
    assert done.returncode == 2 and "-o 应为一个文件夹" in done.stderr and done.stdout == ""


def test_an_output_that_cannot_be_written_is_exit_2(honest: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    done = run_cli("publish", honest, "-o", tmp_path / "a-file" / "r.docx")
    assert done.returncode == 2
    assert f"未生成 {honest}：无法写出 {tmp_path / 'a-file' / 'r.docx'}：路径中有一段是文件" in done.stdout
    assert "Traceback" not in done.stderr


def test_pdf_without_libreoffice_is_exit_2(honest: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env.pop("WORKBOOK_BUILDER_SOFFICE", None)
    command = [sys.executable, "-m", "workbook_builder", "publish", str(honest), "-o", str(tmp_path / "r.pdf")]
    done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", env=env, timeout=120, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("未找到 LibreOffice，无法生成 PDF：请安装 LibreOffice，或只生成 docx/html")
    env["WORKBOOK_BUILDER_SOFFICE"] = str(tmp_path / "nowhere" / "soffice")
    done = subprocess.run(command[:-2] + ["-o", str(tmp_path / "r.docx"), "--format", "docx,pdf"], capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=120, check=False)
    assert done.returncode == 2 and "WORKBOOK_BUILDER_SOFFICE" in done.stderr and not (tmp_path / "r.docx").exists()


def test_json_report(honest: Path, broken: Path, tmp_path: Path) -> None:
    done = run_cli("publish", honest, broken, "-o", tmp_path / "out", "--format", "docx,html", "--report-format", "json")
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    assert doc["schema"] == "workbook-builder/publish/1" and doc["formats"] == ["docx", "html"]
    assert doc["check"]["schema"] == "workbook-builder/check/1" and len(doc["check"]["files"]) == 2
    by_status = {d["status"]: d for d in doc["documents"]}
    assert set(by_status) == {"published", "refused"} and (doc["written"], doc["not_written"]) == (1, 1)
    assert by_status["published"]["outputs"] == {"docx": str(tmp_path / "out" / f"{TITLE}.docx"),
                                                  "html": str(tmp_path / "out" / f"{TITLE}.html")}
    assert by_status["published"]["unit"] == "淮安市人民政府" and by_status["published"]["year"] == 2024


def test_non_utf8_file_names(tmp_path: Path) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), GBK_NAME), "wb") as fh:
        fh.write(build_to(tmp_path, honest_data(), "x.xlsx").read_bytes())
    out = os.path.join(os.fsencode(tmp_path), b"\xb3\xf6")  # an output folder named in GBK too
    for report in ("text", "json"):
        done = subprocess.run([sys.executable, "-m", "workbook_builder", "publish", os.fsencode(folder), "-o", out,
                               "--report-format", report], capture_output=True, timeout=120, check=False,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
        text = done.stdout.decode("utf-8")  # strict: valid UTF-8 whatever the names
        if report == "json":
            doc = json.loads(text)
            assert doc["documents"][0]["path"].endswith(SHOWN) and doc["check"]["files"][0]["path"].endswith(SHOWN)
            assert doc["documents"][0]["outputs"]["docx"].endswith(f"\\xb3\\xf6/{TITLE}.docx")
        else:
            assert f"{SHOWN}（淮安市人民政府 2024）：通过" in text and f"\\xb3\\xf6/{TITLE}.docx" in text
    assert [n.decode("utf-8") for n in os.listdir(out)] == [f"{TITLE}.docx"]


def test_progress_on_a_terminal(honest: Path, tmp_path: Path) -> None:
    code, out, terminal = run_cli_tty_stderr("publish", honest.parent, "-o", tmp_path / "out", "--progress")
    assert code == 0 and "生成 1/1" in terminal and out.splitlines()[-1] == "生成 1 份，未生成 0 份。"


def test_options_are_documented_in_chinese() -> None:
    from click.testing import CliRunner

    shown = CliRunner().invoke(cli.main, ["publish", "--help"]).output
    for option in ("-o, --output", "-f, --format, --formats", "--draft", "--report-format", "--jobs", "--template"):
        assert option in shown
    assert "退出码" in shown


def test_ctrl_c_during_a_folder_is_130(tmp_path: Path) -> None:
    import signal
    import time

    returns = tmp_path / "returns"
    data = build_to(tmp_path, honest_data(), "x.xlsx").read_bytes()
    returns.mkdir()
    for i in range(60):
        (returns / f"u{i:02d}.xlsx").write_bytes(data)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # SIGINT at its default in the child, whatever this pytest inherited (a shell's `&` ignores it)
    proc = subprocess.Popen([sys.executable, "-m", "workbook_builder", "publish", str(returns), "-o", str(tmp_path / "out"),
                             "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not (tmp_path / "out").exists() and time.monotonic() < deadline:  # the first documents are written
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.decode("utf-8").strip().endswith("已中断。")
    assert b"Traceback" not in err
    time.sleep(0.5)
    left = subprocess.run(["ps", "-o", "pid=", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert left == []
    assert len(list((tmp_path / "out").iterdir())) < 60  # stopped, not run to the end


def test_prior_mismatch_is_exit_1_and_no_document(honest: Path, tmp_path: Path) -> None:
    last = honest_data()
    last["meta.year"] = 2023  # last year's 结转 103, this year's 上年结转 34: X-1 fails
    prior = build_to(tmp_path / "last", last, "淮安-2023.xlsx")
    done = run_cli("publish", honest, "-o", tmp_path / "r.docx", "--prior", prior)
    assert done.returncode == 1 and not (tmp_path / "r.docx").exists()
    assert "上年结转" in done.stdout and f"未生成 {honest}：检查发现错误" in done.stdout
    done = run_cli("publish", honest, "-o", tmp_path / "r.docx")  # without --prior the rule cannot be checked
    assert done.returncode == 0 and (tmp_path / "r.docx").is_file()


def test_a_file_output_suffix_is_always_written(honest: Path, tmp_path: Path) -> None:
    done = run_cli("publish", honest, "-o", tmp_path / "y.html", "--format", "docx")
    assert done.returncode == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["y.docx", "y.html"]
    assert f"已生成 {tmp_path / 'y'}（.docx、.html） ← {honest}" in done.stdout


def test_pdf_without_chinese_fonts_is_exit_2(honest: Path, tmp_path: Path) -> None:
    latin = Path("/usr/share/fonts/truetype/liberation")
    if shutil.which("fc-list") is None or not latin.is_dir():
        pytest.skip("needs fontconfig and fonts-liberation")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FONTCONFIG_FILE": str(_latin_only(tmp_path, latin))}
    done = subprocess.run([sys.executable, "-m", "workbook_builder", "publish", str(honest), "-o", str(tmp_path / "r.pdf")],
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=120, check=False)
    assert done.returncode == 2 and done.stdout == "" and not (tmp_path / "r.pdf").exists()
    assert done.stderr.startswith("未找到中文字体，生成的 PDF 中文会显示为方框：请安装中文字体（如 Debian/Ubuntu 的 fonts-noto-cjk")


def _latin_only(tmp_path: Path, fonts: Path) -> Path:
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'''<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{fonts}</dir><cachedir>{tmp_path / "fc-cache"}</cachedir></fontconfig>
''', encoding="utf-8")
    return conf
