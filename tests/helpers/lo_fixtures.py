"""pytest fixture: one real LibreOffice for the whole test session.

Use it from a test module with::

    from tests.helpers.lo_fixtures import libreoffice  # noqa: F401

and ask for ``libreoffice`` (a started :class:`~.libreoffice.LibreOffice`).
Without LibreOffice the tests are skipped locally, but FAIL when the ``CI``
environment variable is set: real-client tests must never skip in CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .libreoffice import SOFFICE, UNO_PYTHON, LibreOffice, available, shared, stop_shared


def require_libreoffice() -> None:
    """Skip (locally) or fail (CI) unless soffice and a uno-capable python exist."""
    if available():
        return
    message = (
        f"LibreOffice is not available: need {SOFFICE} and {UNO_PYTHON} with `import uno` "
        "(Debian: apt-get install libreoffice-calc-nogui python3-uno)"
    )
    if "CI" in os.environ:
        pytest.fail(message + " -- real-client tests must not be skipped in CI", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def libreoffice() -> Iterator[LibreOffice]:
    require_libreoffice()
    office = shared()
    try:
        yield office
    finally:
        stop_shared()
