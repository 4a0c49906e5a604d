"""The offline-install instructions (README, docs/zh/安装.md) stay true to pyproject.toml.

They name our wheel's file (its version), and list by hand the pure-Python packages that a
loongarch wheelhouse holds; both go stale silently when pyproject.toml changes. The install
itself is proved by .ci/offline-install (run by .ci/run), which these tests keep wired in.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "docs" / "zh" / "安装.md"]
# runtime dependencies that need compiling: on loongarch they come from the distribution, not the wheelhouse
COMPILED = {"lxml", "pyyaml"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _project() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _requirement_name(req: str) -> str:
    return _norm(re.match(r"[A-Za-z0-9_.\-]+", req).group(0))  # type: ignore[union-attr]


def _pure_download_lists(text: str) -> list[set[str]]:
    """The package names of every `pip download … --no-deps …` command in `text`."""
    lists = []
    for cmd in re.findall(r"pip download[^\n]*--no-deps(?:[^\n]*\\\n)*[^\n]*", text):
        words = cmd.replace("\\\n", " ").split()
        lists.append({_norm(w) for w in words if re.fullmatch(r"[a-z][a-z0-9\-_]*", w) and w not in ("pip", "download")})
    return lists


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_wheel_file_names_carry_the_project_version(doc: Path) -> None:
    named = set(re.findall(r"workbook_builder-([0-9][^-\s]*)-py3-none-any\.whl", doc.read_text(encoding="utf-8")))
    assert named == {_project()["version"]}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_loongarch_wheelhouse_lists_every_pure_runtime_dependency(doc: Path) -> None:
    lists = _pure_download_lists(doc.read_text(encoding="utf-8"))
    assert len(lists) == 1, "one `pip download --no-deps` command (the loongarch wheelhouse) expected"
    direct = {_requirement_name(r) for r in _project()["dependencies"]}
    assert direct - COMPILED <= lists[0], f"missing from the list: {sorted(direct - COMPILED - lists[0])}"
    assert not lists[0] & COMPILED, "compiled packages come from the distribution on loongarch"


def test_ci_runs_the_offline_install() -> None:
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^bash \.ci/offline-install$", run, re.M)
    script = (ROOT / ".ci" / "offline-install").read_text(encoding="utf-8")
    assert "--no-index --find-links" in script and "unshare --net" in script
