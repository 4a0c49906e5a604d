"""The architecture, kept true by a test (DESIGN.md §2, docs/architecture.md).

Every module of the package belongs to a layer; a module imports only from lower layers or from its
own folder; there is no import circle, lazy imports included; each third-party library sits behind
one module; and the CLI is a thin skin that reaches the library only through the API.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workbook_builder"

# third-party library → the one module allowed to import it
OWNERS = {
    "xlsxwriter": {"build/writer.py"},
    "openpyxl": {"check/reader/formulas.py"},
    "formulas": {"template/recompute.py"},
    "numpy": {"template/recompute.py"},
    "schedula": {"template/recompute.py"},
    "defusedxml": {"ooxml/xml.py"},
    "yaml": {"spec/yaml.py"},
    "jinja2": {"render/jinja.py"},  # the check report's templates and the desk's pages
    "click": {"cli.py"},
    "docx": {"publish/docx.py"},
    "lxml": {"imports/html.py"},  # HTML pages of published reports; OOXML is read with defusedxml (ooxml/xml.py)
    "pdfplumber": {"imports/pdf.py"},  # the optional [pdf] extra
    "pdfminer": {"imports/pdf.py"},  # pdfplumber's engine: the page count, and its stream inflating bounded
    "pypdfium2": set(),
    "starlette": {"desk/app.py"},  # the desk's web framework: routes, requests, responses
    "uvicorn": {"desk/serve.py"},  # the desk's server
    "multipart": set(), "python_multipart": set(),  # Starlette's own upload parser, never ours
    "sqlite3": {"store/db.py"},  # the store's one file
}

# Top-level name (a folder or a module) → its layer. A module may import a lower layer, or its own
# folder; never a higher layer, and never a sibling folder of the same layer (build ↛ check).
LAYERS = {
    "__init__": 0, "errors": 0, "outfile": 0, "textsafe": 0,
    "progress": 0.5,  # the bar measures its line in display columns (textsafe.display_width)
    "ooxml": 1,
    "findings": 2, "spec": 2,
    "template": 3,
    "build": 4, "check": 4,
    "imports": 4.5,  # published reports: read into the template's data points, then checked (uses check)
    "batch": 5,
    "render": 6, "publish": 6, "store": 6,  # store: the SQLite store of checked submissions (stdlib sqlite3)
    "api": 7,
    "desk": 7.5,  # the local web page, a skin over the API like the CLI (whose `serve` command starts it)
    "cli": 8,
    "__main__": 9,
}
# what the command line may reach: the API, the renderers, the progress bar, the error base, and the
# helpers that put a path or an OS error into words
CLI_MAY_IMPORT = {"api", "render", "progress", "errors", "__init__", "textsafe", "outfile", "desk"}
# the desk is a skin as thin as the CLI: the API (which hands it the store), and the same helpers
DESK_MAY_IMPORT = CLI_MAY_IMPORT - {"desk"} | {"store"}


def _modules() -> dict[str, Path]:
    """Dotted name inside the package (`check.reader.cells`, `api`) → file."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, int, str]]:
    """(import text, level, internal target module or '') of every import in a module, lazy ones included."""
    is_pkg = path.name == "__init__.py"
    base = name.split(".") if name != "__init__" else []
    if not is_pkg:
        base = base[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                internal = alias.name.removeprefix("workbook_builder.") if alias.name.startswith("workbook_builder.") else ""
                out.append((alias.name, 0, internal))
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 0:
                internal = mod.removeprefix("workbook_builder").lstrip(".") if mod.startswith("workbook_builder") else ""
                if mod == "workbook_builder":
                    internal = "__init__"
                targets = [internal] if internal else []
            else:
                anchor = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                parent = ".".join([*anchor, *([mod] if mod else [])])
                # `from . import api` names a module; `from .findings import make` names a module's member
                targets = []
                for alias in node.names:
                    full = f"{parent}.{alias.name}" if parent else alias.name
                    targets.append(full if full in MODULES else (parent or "__init__"))
            out += [(mod, node.level, t) for t in targets] or [(mod, node.level, "")]
    return out


def _top(module: str) -> str:
    return module.split(".")[0]


def _graph() -> dict[str, set[str]]:
    return {name: {t for _, _, t in _imports(name, path) if t and t != name} for name, path in MODULES.items()}


def test_every_module_has_a_layer() -> None:
    assert sorted({_top(m) for m in MODULES} - set(LAYERS)) == []


def test_each_library_sits_behind_one_module() -> None:
    found: dict[str, set[str]] = {lib: set() for lib in OWNERS}
    for name, path in MODULES.items():
        rel = path.relative_to(PACKAGE).as_posix()
        for imported, level, _ in _imports(name, path):
            top = imported.split(".")[0]
            if level == 0 and top in OWNERS:
                found[top].add(rel)
    assert {lib: users for lib, users in found.items() if users - OWNERS[lib]} == {}


def test_imports_go_down_the_layers() -> None:
    bad = []
    for name, targets in _graph().items():
        here = _top(name)
        for target in targets:
            there = _top(target)
            if there == here:
                continue
            if LAYERS[there] >= LAYERS[here]:
                bad.append(f"{name} → {target}")
    assert bad == []


def test_no_import_circles() -> None:
    graph = _graph()
    cycles = []
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" → ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_cli_is_a_thin_skin() -> None:
    reached = {_top(t) for t in _graph()["cli"]}
    assert reached - CLI_MAY_IMPORT == set()


def test_the_desk_is_a_thin_skin() -> None:
    reached = {_top(t) for name, targets in _graph().items() if _top(name) == "desk" for t in targets}
    assert reached - DESK_MAY_IMPORT - {"desk"} == set()


def test_the_graph_sees_lazy_and_relative_imports() -> None:
    """The test above would pass vacuously if `_imports` missed imports: pin a few known edges."""
    graph = _graph()
    assert "api" in graph["cli"]
    assert "imports.report" in graph["batch.run"]  # check_file: a workbook or a published report
    assert "check.workbook" in graph["imports.report"]
    assert any(t.startswith("template") for t in graph["check.workbook"])


def test_the_checker_does_not_load_the_reference_engine() -> None:
    """The fast path must not import `formulas` (≈1 s): checking a file stays cheap to start."""
    import subprocess
    import sys

    code = (
        "import sys; from workbook_builder import api;"
        "import tempfile, pathlib;"
        "p = pathlib.Path(tempfile.mkdtemp()) / 'a.xlsx'; p.write_bytes(api.build());"
        "api.check([p], jobs=1); print('formulas' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# command → the API functions it calls; options that only choose how the result is shown are left out
COMMAND_API = {
    "build": ("build_file", "build_for_roster"),
    "export": ("export", "export_detail"),
    "check": ("check", "save_report", "annotate"),
    "aggregate": ("aggregate",),
    "publish": ("publish",),
    "import": ("import_reports", "import_to_workbook"),
    "templates": ("list_templates",),
    "serve": ("desk.serve.serve",),  # not the API's: the desk's server, over the API
}
PRESENTATION = {"format", "summary", "html", "annotate", "report_format", "as", "quiet",
                "no_browser"}  # serve's --no-browser is open_browser=False
PRESENTATION |= {"feedback"}  # check --feedback OUTDIR: api.feedback's out_dir


def _function(api: object, name: str) -> object:
    """An API function, or `module.function` of the package (the desk's `desk.serve.serve`)."""
    import importlib

    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(f"workbook_builder.{module}") if module else api, attr)


def test_option_names_are_the_api_keyword_names() -> None:
    """As in sqlite-utils: a command is a thin wrapper over library functions with the same option names."""
    import inspect

    import click

    from workbook_builder import api
    from workbook_builder.cli import main

    assert sorted(COMMAND_API) == sorted(main.commands)
    for name, functions in COMMAND_API.items():
        keywords = {p for f in functions for p in inspect.signature(_function(api, f)).parameters}
        options = {o.lstrip("-").replace("-", "_") for param in main.commands[name].params
                   if isinstance(param, click.Option) for o in param.opts if o.startswith("--")}
        assert options - PRESENTATION - keywords == set(), name


def test_every_package_folder_ships() -> None:
    """pyproject.toml lists packages by name: a new folder left out would be missing from an installed wheel."""
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
                 ["tool"]["setuptools"]["packages"])
    folders = {"workbook_builder" + "".join(f".{p}" for p in init.parent.relative_to(PACKAGE).parts)
               for init in PACKAGE.rglob("__init__.py")}
    assert folders - listed == set()
