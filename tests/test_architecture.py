"""The architecture, kept true by a test (DESIGN.md §2): each third-party library sits behind one
module, and modules import one way — the stages never reach back up into the API or the CLI.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workbook_builder"

# third-party library → the one module allowed to import it
OWNERS = {
    "xlsxwriter": {"writer.py"},
    "openpyxl": {"reader.py"},
    "formulas": {"recompute.py"},
    "numpy": {"recompute.py"},
    "schedula": {"recompute.py"},
    "defusedxml": {"reader.py"},
    "yaml": {"spec/load.py"},
    "click": {"cli.py"},
}
# modules the library stages must never import (they sit above every stage)
TOP = {"cli", "api", "batch"}
STAGES = {"spec", "layout", "writer", "preflight", "reader", "recompute", "xlcalc", "checks", "findings",
          "render", "inputs", "formula_text", "formula_tokens", "refs", "extract", "annotate", "roster"}


def _imports(path: Path) -> list[tuple[str, int]]:
    """(absolute-or-relative module name, level) of every import in the file, lazy ones included."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append((node.module or "", node.level))
    return out


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_each_library_sits_behind_one_module() -> None:
    found: dict[str, set[str]] = {lib: set() for lib in OWNERS}
    for path in _modules():
        rel = path.relative_to(PACKAGE).as_posix()
        for name, level in _imports(path):
            top = name.split(".")[0]
            if level == 0 and top in OWNERS:
                found[top].add(rel)
    assert {lib: users for lib, users in found.items() if users - OWNERS[lib]} == {}


def test_stages_never_import_the_api_or_the_cli() -> None:
    bad = []
    for path in _modules():
        rel = path.relative_to(PACKAGE)
        first = rel.parts[0].removesuffix(".py")
        if first not in STAGES:
            continue
        for name, level in _imports(path):
            target = name.split(".")[0] if level else (name.split(".")[1] if name.startswith("workbook_builder.") else "")
            if level and level > 1 and len(rel.parts) > 1:  # from .. import x inside spec/, checks/, render/
                target = name.split(".")[0]
            if target in TOP:
                bad.append((str(rel), name))
    assert bad == []


def test_the_checker_does_not_load_the_reference_engine() -> None:
    """The fast path must not import `formulas` (≈1 s): checking a file stays cheap to start."""
    import subprocess
    import sys

    code = (
        "import sys; from workbook_builder import api, templates;"
        "from workbook_builder.check import check_workbook; import tempfile, pathlib;"
        "p = pathlib.Path(tempfile.mkdtemp()) / 'a.xlsx'; p.write_bytes(api.build());"
        "check_workbook(p); print('formulas' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
