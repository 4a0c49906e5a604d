"""Shared test setup: the repository root on sys.path, the session-wide LibreOffice fixture, and the
publish tests' workbooks (`honest`: every rule holds; `broken`: one rule fails).

Every test asks for the `libreoffice` fixture by name; it is defined once here so one soffice
serves the whole session (it skips locally without LibreOffice, and fails in CI).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

# click's own words (Usage, errors) follow the user's language (cli.ui_language): the tests expect the
# Chinese ones whatever the locale of the machine running them (an English Windows, LANG=en_US)
os.environ["WORKBOOK_BUILDER_LANG"] = "zh"

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference" / "report-format-2021.md"  # the official table text and rules
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.helpers.lo_fixtures import libreoffice  # noqa: E402,F401  (session fixture)


@pytest.fixture(scope="module")
def reference() -> str:
    """The official reference's text (skips where ../shared is absent)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent: the official reference is not available here")
    return REFERENCE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A returned workbook every rule holds for (淮安市人民政府, 2024)."""
    from tests.make_filled import build_to, honest_data

    return build_to(tmp_path_factory.mktemp("honest"), honest_data(), "淮安.xlsx")


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same workbook with one error: a request counted in the total but never answered (T3-A)."""
    from tests.make_filled import build_to, honest_data

    data = honest_data()
    data["requests.new.person"] += 5  # T3-A no longer holds
    return build_to(tmp_path_factory.mktemp("broken"), data, "broken.xlsx", strict=False)


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temp folder (tempfile.gettempdir) moved into the test's own, to see what private
    folders (a zip's members, a desk's uploads) are left behind."""
    tmp = tmp_path / "system-tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp
