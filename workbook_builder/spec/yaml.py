"""The project's one door to pyyaml: parse text with the safe loader, errors as `ValueError`.

Templates and pre-fill data are both YAML; whatever is specific to the YAML format (the safe
loader, its error type) stays here so no other module learns pyyaml's API.
"""

from __future__ import annotations

from typing import Any

import yaml

# libyaml's safe loader when pyyaml was built with it: the same data ten times faster (a template is
# 0.1–0.2 s in pure Python, paid by every command). Its error messages are terser, so a text it refuses
# is parsed again by the pure loader, whose message (with the line quoted) is the one users see.
_FAST = getattr(yaml, "CSafeLoader", None)


def parse_yaml(text: str) -> Any:
    """Parse YAML text with the safe loader (no arbitrary Python objects). Raises `ValueError`."""
    try:
        if _FAST is not None:
            try:
                return yaml.load(text, Loader=_FAST)  # CSafeLoader: the safe loader, in C
            except yaml.YAMLError:
                pass  # told again below, in the pure loader's words
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from None
