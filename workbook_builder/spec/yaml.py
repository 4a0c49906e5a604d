"""The project's one door to pyyaml: parse text with the safe loader, errors as `ValueError`.

Templates and pre-fill data are both YAML; whatever is specific to the YAML format (the safe
loader, its error type) stays here so no other module learns pyyaml's API.
"""

from __future__ import annotations

from typing import Any

import yaml


def parse_yaml(text: str) -> Any:
    """Parse YAML text with `safe_load` (no arbitrary Python objects). Raises `ValueError`."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from None
