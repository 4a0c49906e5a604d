"""The one door to Jinja2: every page this tool renders (the check report, the desk's pages) comes from
templates shipped inside the package, with every expression escaped."""

from __future__ import annotations

import functools
from typing import Any

import jinja2


@functools.cache
def environment(package: str, folder: str = "templates") -> jinja2.Environment:
    """The template environment of `package` (its `folder` ships inside the package, so an installed
    wheel finds it). Autoescaping is on for every template, and a misspelt key is an error, not an
    empty cell."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, folder),
        autoescape=True,  # every expression, for every template (.j2, .css, .js alike)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, auto_reload=False,
    )


def render(package: str, name: str, **context: Any) -> str:
    """Template `name` of `package`'s templates, filled with `context`."""
    return environment(package).get_template(name).render(**context)
