"""The reference pages stay in step with the code: docs/findings.md with the catalogue, docs/cli.md with the CLI.

Fast: reads two Markdown files and introspects the click group; nothing is built or checked.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path

import click
import pytest

from workbook_builder.cli import main
from workbook_builder.findings import CATALOGUE, Code

DOCS = Path(__file__).resolve().parents[1] / "docs"
CODE_HEADING = re.compile(r"^### `([a-z0-9-]+)`\s*$")
SEVERITY_LINE = re.compile(r"^严重程度 / severity: (error|warning|info|rule's own)\b")
COMMAND_HEADING = re.compile(r"^## `([a-z][a-z0-9-]*)`")
LONG_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
REASONS_BLOCK = re.compile(r"<!-- reasons: ([a-z0-9-]+) -->\n.*?<!-- /reasons -->\n", re.DOTALL)
SEVERITY_WORDING = {"error": "error", "warning": "warning", "info": "info", "rule": "rule's own"}


def _sections(path: Path, heading: re.Pattern[str], level: str) -> dict[str, list[str]]:
    """Heading name → the lines under it, up to the next heading of the same or a higher level."""
    out: dict[str, list[str]] = {}
    current: str | None = None
    higher = tuple("#" * n + " " for n in range(1, len(level) + 1))
    in_fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        m = None if in_fence else heading.match(line)
        if m:
            current = m.group(1)
            assert current not in out, f"{path.name}: two sections for {current}"
            out[current] = []
        elif not in_fence and line.startswith(higher):
            current = None
        elif current is not None:
            out[current].append(line)
    return out


@cache
def finding_sections() -> dict[str, list[str]]:
    return _sections(DOCS / "findings.md", CODE_HEADING, "###")


@cache
def command_sections() -> dict[str, list[str]]:
    return _sections(DOCS / "cli.md", COMMAND_HEADING, "##")


def _options(command: click.Command) -> dict[str, click.Parameter]:
    """Every long option name of a command (secondary names such as --no-progress too), with --help."""
    ctx = click.Context(command, info_name=command.name, parent=click.Context(main, info_name="workbook-builder"))
    out: dict[str, click.Parameter] = {}
    for param in command.get_params(ctx):
        if isinstance(param, click.Option):
            for name in (*param.opts, *param.secondary_opts):
                if name.startswith("--"):
                    out[name] = param
    return out


def _squash(text: str) -> str:
    """Text without whitespace: --help wraps long help lines anywhere, Chinese has no spaces to keep."""
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------ docs/findings.md


def test_every_catalogue_code_has_exactly_one_section() -> None:
    documented = set(finding_sections())
    assert documented == set(CATALOGUE), (
        f"no section: {sorted(set(CATALOGUE) - documented)}; not in the catalogue: {sorted(documented - set(CATALOGUE))}")


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_finding_section_states_the_catalogue_severity(code: str) -> None:
    lines = finding_sections().get(code, [])
    stated = [m.group(1) for m in map(SEVERITY_LINE.match, lines) if m]
    assert stated == [SEVERITY_WORDING[CATALOGUE[code].severity]], f"{code}: severity line {stated}"


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_finding_section_gives_the_catalogue_meaning_and_fix(code: str) -> None:
    text = "\n".join(finding_sections().get(code, []))
    entry = CATALOGUE[code]
    for wording in (entry.zh, entry.en, entry.fix_zh, entry.fix_en):
        assert _squash(wording) in _squash(text), f"{code}: “{wording}” is not in its section"


def reasons_block(code: str) -> str:
    """The generated reasons table of a code's section (run this file to rewrite docs/findings.md)."""
    entry = CATALOGUE[code]
    lines = [f"<!-- reasons: {code} -->", "| reason | 中文 | English |", "|---|---|---|"]
    lines += [f"| `{name}` | `{r.zh}` | `{r.en}` |" for name, r in entry.reasons.items()]
    if entry.frame is not None:
        lines += ["", f"Each detail is framed as `{entry.frame.zh}` / `{entry.frame.en}`."]
    return "\n".join([*lines, "<!-- /reasons -->", ""])


def test_every_reason_is_documented_from_the_catalogue() -> None:
    text = (DOCS / "findings.md").read_text(encoding="utf-8")
    blocks = {m.group(1): m.group(0) for m in REASONS_BLOCK.finditer(text)}
    assert sorted(blocks) == sorted(CATALOGUE), "a code's section lacks its reasons block"
    stale = [code for code in CATALOGUE if blocks.get(code) != reasons_block(code)]
    assert not stale, f"reasons out of date for {stale}: run `python tests/test_docs.py` to regenerate"
    for code, block in blocks.items():
        assert block in "\n".join(finding_sections()[code]) + "\n", f"{code}: reasons block outside its section"


def _regenerate() -> None:
    """Rewrite every reasons block of docs/findings.md; a section without one gets it before its example."""
    path = DOCS / "findings.md"
    text = REASONS_BLOCK.sub(lambda m: reasons_block(m.group(1)), path.read_text(encoding="utf-8"))
    for code in Code:
        if f"<!-- reasons: {code} -->" not in text:
            heading = f"### `{code}`\n"
            start = text.index(heading)
            at = text.index("\n- 示例 / example", start) + 1
            text = text[:at] + "- 原因 / reasons (generated from the catalogue):\n\n" + reasons_block(code) + "\n" + text[at:]
    path.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------ docs/cli.md


def test_every_command_has_a_section_in_help_order() -> None:
    ctx = click.Context(main, info_name="workbook-builder")
    assert list(command_sections()) == main.list_commands(ctx)


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_option_of_a_command_is_in_its_section(name: str) -> None:
    text = "\n".join(command_sections().get(name, []))
    documented = set(LONG_OPTION.findall(text))
    missing = set(_options(main.commands[name])) - documented
    assert not missing, f"{name}: options missing from docs/cli.md: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_option_in_a_section_exists(name: str) -> None:
    text = "\n".join(command_sections().get(name, []))
    unknown = set(LONG_OPTION.findall(text)) - set(_options(main.commands[name]))
    assert not unknown, f"{name}: docs/cli.md names options the command does not have: {sorted(unknown)}"


@pytest.mark.parametrize("name", sorted(main.commands))
def test_section_shows_usage_line_and_option_help(name: str) -> None:
    command = main.commands[name]
    ctx = click.Context(command, info_name=name, parent=click.Context(main, info_name="workbook-builder"))
    text = _squash("\n".join(command_sections().get(name, [])))
    assert _squash(command.get_usage(ctx)) in text, f"{name}: usage line missing"
    for param in command.params:
        if isinstance(param, click.Option) and param.help:
            assert _squash(param.help) in text, f"{name}: help of {param.opts} missing or outdated"


if __name__ == "__main__":
    sys.exit(_regenerate())
