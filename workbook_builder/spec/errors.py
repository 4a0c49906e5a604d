"""Template problems: each with the `$.path` of the YAML an author must fix."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UsageError


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class TemplateError(UsageError):
    """An invalid template. `problems` lists every problem found, each with its path."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"模板无效（{source}），共 {len(problems)} 处问题：\n{lines}")
