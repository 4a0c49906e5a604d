"""The hostile corpus through the whole checker: one finding per file, the batch goes on.

tests/hostile.py builds every file (zip bombs, entity bombs, macros, DDE, encrypted and legacy
files…) with the verdict preflight must give. Here the corpus goes through `api.check_files`
together with a valid workbook, and through the command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import hostile
from tests.make_filled import build_to, honest_data
from workbook_builder import api
from workbook_builder.check.preflight import PASSIVE_REASONS

TIME_LIMIT = 30.0  # seconds for the whole corpus; it takes a few when all is well
# Cases preflight lets through for the reader to refuse (malformed XML): the reader's reason.
READER_CASES: dict[str, str] = getattr(hostile, "READER_CASES", {})


def expected(name: str, corpus: dict[str, hostile.Case]) -> tuple[str, str]:
    _, code, reason = corpus[name]
    return code, READER_CASES.get(name, reason)


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, hostile.Case]]:
    folder = tmp_path_factory.mktemp("hostile")
    return folder, hostile.build_corpus(folder)


def expected_findings(name: str, corpus: dict[str, hostile.Case]) -> list[tuple[str, str | None]]:
    """One refusal per file; linked content (external links, data connections) is refused but safe
    to read, so the corpus's foreign base file is also identified as not ours."""
    refusal = expected(name, corpus)
    if refusal[1] in PASSIVE_REASONS:
        return sorted([("unknown-template", None), refusal], key=lambda x: x[0])
    return [refusal]


def test_every_hostile_file_gives_one_finding_and_the_batch_goes_on(
        corpus_dir: tuple[Path, dict[str, hostile.Case]], tmp_path: Path) -> None:
    _, corpus = corpus_dir
    good = build_to(tmp_path, honest_data("hatubuhu-town-2023"), "valid.xlsx")
    names = list(corpus)
    # the valid file in the middle: whatever comes before it must not stop the batch
    paths = [corpus[n][0] for n in names[: len(names) // 2]] + [good] + [corpus[n][0] for n in names[len(names) // 2:]]
    start = time.perf_counter()
    reports = api.check(paths).files
    elapsed = time.perf_counter() - start
    assert elapsed < TIME_LIMIT, f"the corpus took {elapsed:.1f} s"
    assert [r.path for r in reports] == [str(p) for p in paths]
    by_path = {r.path: r for r in reports}

    wrong = {}
    for name in names:
        report = by_path[str(corpus[name][0])]
        got = [(f.code, f.actual) for f in report.findings]
        if got != expected_findings(name, corpus):
            wrong[name] = got
        assert not report.valid
    assert wrong == {}

    valid = by_path[str(good)]
    assert [f.code for f in valid.findings if f.severity != "info"] == []
    assert valid.valid and valid.template.as_dict() == {"id": "gov_info_disclosure_2021", "version": "1.1.0"}
    assert valid.unit and valid.year == 2023


def test_no_hostile_file_is_a_checker_error(corpus_dir: tuple[Path, dict[str, hostile.Case]]) -> None:
    _, corpus = corpus_dir
    for report in api.check([p for p, _, _ in corpus.values()]).files:
        refusals = [f for f in report.findings if f.code in (hostile.UNREADABLE, hostile.UNSAFE)]
        assert len(refusals) == 1, report
        # linked content is safe to read, so its (foreign) file is identified too; nothing else is
        assert all(f.code == "unknown-template" for f in report.findings if f not in refusals), report
        assert all(f.severity == "error" for f in report.findings)
        assert all(f.message("zh") and f.message("en") for f in report.findings)


def test_cli_over_the_corpus_folder(corpus_dir: tuple[Path, dict[str, hostile.Case]]) -> None:
    folder, corpus = corpus_dir
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "workbook_builder", "check", str(folder), "--format", "json"],
                          capture_output=True, timeout=120)
    elapsed = time.perf_counter() - start
    assert done.returncode == 1, done.stderr.decode("utf-8", "replace")
    assert elapsed < TIME_LIMIT + 10
    doc = json.loads(done.stdout.decode("utf-8"))
    assert doc["schema"] == "workbook-builder/check/1"
    files = {Path(f["path"]).name: f for f in doc["files"]}
    assert set(files) == {p.name for p, _, _ in corpus.values()}
    for name, (path, _, _) in corpus.items():
        entry = files[path.name]
        assert entry["valid"] is False
        assert [(f["code"], f["actual"]) for f in entry["findings"]] == expected_findings(name, corpus)
        assert entry["counts"] == {"error": len(expected_findings(name, corpus)), "warning": 0, "info": 0}
    assert b"Traceback" not in done.stderr
