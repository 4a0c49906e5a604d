"""Real files last saved by WPS, Excel and LibreOffice (shared/reference/client-files).

They are not made from our template: the checker must say so (`unknown-template`) without a crash,
and when told to read them as our template anyway it must report the structure, never fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from workbook_builder import api
from workbook_builder.check.preflight import preflight_path

CLIENT_FILES = Path(__file__).resolve().parents[2] / "shared" / "reference" / "client-files"
FILES = sorted(CLIENT_FILES.glob("*.xlsx")) if CLIENT_FILES.is_dir() else []
TEMPLATE = "gov_info_disclosure_2021"

pytestmark = pytest.mark.skipif(not CLIENT_FILES.is_dir(), reason=f"{CLIENT_FILES} is absent")

# wps_easypoi_manyfe.xlsx links two other workbooks ([1]基表!…). Preflight refuses the links as
# unsafe-content but they are safe to read, so the file is still identified as not ours.
LINKED = {"wps_easypoi_manyfe.xlsx"}


def _params() -> list[object]:
    return [pytest.param(p, id=p.name) for p in FILES]


def test_the_corpus_is_there() -> None:
    assert len(FILES) == 26


@pytest.fixture(scope="module")
def reports() -> dict[str, object]:
    return {Path(r.path).name: r for r in api.check(FILES).files}


@pytest.fixture(scope="module")
def forced_reports() -> dict[str, object]:
    return {Path(r.path).name: r for r in api.check(FILES, template=TEMPLATE).files}


@pytest.mark.parametrize("path", _params())
def test_foreign_file_is_unknown_template(reports: dict, path: Path) -> None:  # type: ignore[type-arg]
    report = reports[path.name]
    codes = [(f.code, f.severity) for f in report.findings]
    if path.name in LINKED:
        assert codes == [("unknown-template", "error"), ("unsafe-content", "error")]
    else:
        assert codes == [("unknown-template", "error")]
    assert report.template is None and not report.valid


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_foreign_file_is_never_a_checker_error(reports: dict, path: Path) -> None:  # type: ignore[type-arg]
    report = reports[path.name]
    assert report.findings and not report.valid
    assert all(f.code != "checker-error" for f in report.findings)
    assert all(f.message("zh") and f.message("en") for f in report.findings)
    if path.name in LINKED:
        assert ("unsafe-content", "external-link") in [(f.code, f.actual) for f in report.findings]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_forced_template_reports_structure(forced_reports: dict, path: Path) -> None:  # type: ignore[type-arg]
    report = forced_reports[path.name]
    codes = [f.code for f in report.findings]
    assert "checker-error" not in codes
    refused = preflight_path(path).problem
    if refused is not None:  # linked content: refused, then checked against the forced template anyway
        assert refused.code in codes and "structure-changed" in codes
        return
    # issue 7: the foreign file's own sheets are extra sheets (warnings), the template's missing ones errors
    assert codes and set(codes) <= {"structure-changed", "extra-sheet", "sheet-hidden"} and "structure-changed" in codes
    # every sheet of the template is missing from a foreign file, each reported by name
    missing = {f.cell for f in report.findings if "缺少" in f.detail("zh")}
    assert missing == {"'封面'", "'主动公开'", "'依申请公开'", "'复议诉讼'", "'文字说明'"}
    assert report.template.as_dict() == {"id": TEMPLATE, "version": "1.1.0"}


@pytest.mark.parametrize("forced", [False, True])
def test_cli_over_the_client_files(forced: bool) -> None:
    args = [sys.executable, "-m", "workbook_builder", "check", str(CLIENT_FILES), "--format", "json"]
    if forced:
        args += ["--template", TEMPLATE]
    done = subprocess.run(args, capture_output=True, timeout=120)
    assert done.returncode == 1, done.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in done.stderr
    doc = json.loads(done.stdout.decode("utf-8"))
    assert len(doc["files"]) == len(FILES)
    assert not any(f["code"] == "checker-error" for entry in doc["files"] for f in entry["findings"])
