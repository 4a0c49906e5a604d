"""One finding as a line of text, the same in `check`'s and `import`'s output (and a severity's name,
the same in the summary): `  [错误] rule-failed: …`."""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Finding
from ..textsafe import clean_text

SEVERITY_NAMES = {"zh": {"error": "错误", "warning": "警告", "info": "提示"},
                  "en": {"error": "error", "warning": "warning", "info": "info"}}


def finding_lines(findings: Iterable[Finding], lang: str = "zh") -> list[str]:
    """Each finding indented under its file, with its severity and code; `clean_text` keeps a value's
    line breaks or control characters from forging a line."""
    names = SEVERITY_NAMES[lang]
    return [clean_text(f"  [{names[f.severity]}] {f.code}: {f.message(lang)}") for f in findings]
