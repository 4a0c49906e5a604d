"""Finding templates: the built-in ones shipped with the package, or a YAML file given by path.

Loading, laying out and compiling a template is done once per process and cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..spec import TemplateError, TemplateSpec, load_template
from ..spec.errors import Problem
from .arrange import build_layout
from .layout import Layout
from .recompute import Recompute

DEFAULT_TEMPLATE = "gov_info_disclosure_2021"


@dataclass(frozen=True)
class Template:
    """A loaded template with its layout and compiled formulas."""

    spec: TemplateSpec
    layout: Layout

    @property
    def recompute(self) -> Recompute:
        return _recompute(self)


def templates_dir() -> Path:
    """Where the built-in templates are: installed as package data beside this module
    (`workbook_builder/builtin_templates/`), or `templates/` in a source checkout."""
    here = Path(__file__).resolve().parents[1]  # the package folder
    for candidate in (here / "builtin_templates", here.parent / "templates"):
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    return here.parent / "templates"


@lru_cache(maxsize=1)
def builtin_template_paths() -> dict[str, Path]:
    """Built-in template id → file (looked up once per process: the package does not change)."""
    return {p.stem: p for p in sorted(templates_dir().glob("*.yaml"))}


def resolve(name_or_path: str | None = None) -> Template:
    """A built-in template by id, or a template file by path; raises `TemplateError` if invalid."""
    name = name_or_path or DEFAULT_TEMPLATE
    builtin = builtin_template_paths()
    if name in builtin:
        path = builtin[name]
    else:
        path = Path(name)
        if not path.is_file():
            known = "、".join(builtin) or "（无）"
            raise TemplateError(name, [Problem("$", f"找不到模板“{name}”：既不是内置模板（{known}），也不是文件")])
    return _load(str(path.resolve()), path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _load(path: str, mtime: int) -> Template:
    spec = load_template(path)
    return Template(spec, build_layout(spec))


_RECOMPUTE: dict[str, Recompute] = {}


def _recompute(template: Template) -> Recompute:
    key = template.spec.fingerprint + template.spec.source
    if key not in _RECOMPUTE:
        _RECOMPUTE[key] = Recompute(template.layout)
    return _RECOMPUTE[key]


@lru_cache(maxsize=16)
def find_by_id(template_id: str) -> Template | None:
    """The built-in template with this id, or None (cached: called once per checked file)."""
    path = builtin_template_paths().get(template_id)
    return resolve(str(path)) if path else None
