"""Structural checks of raw YAML: each node's shape and type, every problem kept with its `$.path`.

The template loader and the `for_each` expansion both read through one `RawReader`, so a template
with many mistakes is reported in one pass instead of failing at the first.
"""

from __future__ import annotations

from typing import Any

from .errors import Problem
from .model import Text


class RawReader:
    """Walks raw YAML, recording problems instead of raising."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def bad(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def mapping(self, node: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict:
        """The node as a mapping (empty if it is not one); missing required and unknown keys are problems."""
        if not isinstance(node, dict):
            self.bad(path, "应为映射（key: value）")
            return {}
        for key in required:
            if key not in node:
                self.bad(f"{path}.{key}", "缺少必填项")
        for key in node:
            if key not in required and key not in optional:
                self.bad(f"{path}.{key}", f"未知的键；允许的键：{', '.join(required + optional)}")
        return node

    def string(self, node: dict, key: str, path: str, default: str = "") -> str:
        value = node.get(key, default)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key == "version":
            value = str(value)
        if not isinstance(value, str):
            self.bad(f"{path}.{key}", "应为字符串")
            return default
        return value

    def number(self, node: dict, key: str, path: str) -> float | None:
        value = node.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.bad(f"{path}.{key}", "应为数字")
            return None
        return float(value)

    def integer(self, node: dict, key: str, path: str, default: int = 0) -> int:
        value = node.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.bad(f"{path}.{key}", "应为整数")
            return default
        return value

    def boolean(self, node: dict, key: str, path: str, default: bool = False) -> bool:
        value = node.get(key, default)
        if not isinstance(value, bool):
            self.bad(f"{path}.{key}", "应为 true 或 false")
            return default
        return value

    def seq(self, node: dict, key: str, path: str) -> list:
        value = node.get(key, [])
        if not isinstance(value, list):
            self.bad(f"{path}.{key}", "应为列表")
            return []
        return value

    def text(self, node: Any, path: str) -> Text:
        """A bilingual text: a plain string (Chinese only) or a mapping with `zh` and optional `en`."""
        if isinstance(node, str):
            return Text(node)
        node = self.mapping(node, path, ("zh",), ("en",))
        return Text(self.string(node, "zh", path), self.string(node, "en", path))
