"""Shared test setup: the repository root on sys.path, and the session-wide LibreOffice fixture.

Every test asks for the `libreoffice` fixture by name; it is defined once here so one soffice
serves the whole session (it skips locally without LibreOffice, and fails in CI).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.helpers.lo_fixtures import libreoffice  # noqa: E402,F401  (session fixture)
