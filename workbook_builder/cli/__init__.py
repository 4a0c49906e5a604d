"""Command line: a thin skin over `api` (docs/cli.md). `main` is the `workbook-builder` command group;
importing this package registers its commands.

- `shell`: exit codes, failing, printing and progress, shared by every command;
- `words`: click's own words (usage errors) in the user's language; `help`: help wrapped by display width;
- `group`: the group and its endings; `check_cmd`: `check`; `commands`: the other commands.
"""

from . import check_cmd, commands  # noqa: F401  (each registers its commands on `main`)
from .group import main
from .shell import DEBUG_ENV
from .words import ui_language

__all__ = ["DEBUG_ENV", "main", "ui_language"]
