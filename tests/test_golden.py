"""Golden snapshots of built workbooks: any change to what a built file contains shows up as a diff.

The snapshots are text renderings (see `tests/golden_snapshot.py`) of

* the default empty build          → `tests/golden/gov_info_disclosure_2021.txt`
* the huaian-city-2024 fixture     → `tests/golden/huaian-city-2024.txt`

When a change to the workbook is intended, regenerate them and review the diff before committing::

    UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

With `UPDATE_GOLDEN=1` the tests rewrite the files instead of comparing (and pass).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from workbook_builder import api

try:
    from tests.golden_snapshot import snapshot
except ImportError:  # tests/ itself on sys.path
    from golden_snapshot import snapshot  # type: ignore[no-redef]

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden"
CASES = {
    "gov_info_disclosure_2021": None,
    "huaian-city-2024": TESTS / "fixtures" / "real" / "huaian-city-2024.yaml",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_snapshot_matches_golden(name: str) -> None:
    data = CASES[name]
    actual = snapshot(api.build(data=data))
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 python -m pytest {Path(__file__).name}"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True),
            fromfile=f"golden/{path.name}", tofile="built now",
        ))
        pytest.fail(f"the built workbook differs from {path} "
                    f"(if intended: UPDATE_GOLDEN=1 python -m pytest {Path(__file__).name})\n{diff}", pytrace=False)


def test_snapshot_is_stable() -> None:
    content = api.build()
    assert snapshot(content) == snapshot(content)


def test_snapshot_shows_a_change() -> None:
    """A one-cell change of data is one changed line for the input, plus the totals and checks it moves."""
    before = snapshot(api.build()).splitlines()
    after = snapshot(api.build(data={"appeals.review.upheld": 3})).splitlines()
    changed = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert "+  A5 [number/unlocked] 3 {fmt=0 fill=FFFFF2CC}" in changed
    assert "+  E5 [formula/locked] =SUM(A5:D5) ⇒ 3 {fmt=0 fill=FFEDEDED}" in changed
    assert len(changed) == 4
