"""One finding as a line of text, the same in `check`'s and `import`'s output (and a severity's name,
the same in the summary): `  [错误] rule-failed: …`."""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import CATALOGUE, Finding
from ..textsafe import clean_text

SEVERITY_NAMES = {"zh": {"error": "错误", "warning": "警告", "info": "提示"},
                  "en": {"error": "error", "warning": "warning", "info": "info"}}


def finding_lines(findings: Iterable[Finding], lang: str = "zh") -> list[str]:
    """Each finding indented under its file, with its severity and code; `clean_text` keeps a value's
    line breaks or control characters from forging a line."""
    names = SEVERITY_NAMES[lang]
    return [clean_text(f"  [{names[f.severity]}] {f.code}: {f.message(lang)}") for f in findings]


def finding_columns(finding: Finding, lang: str = "zh") -> dict[str, str]:
    """One finding as the columns of a table (the desk's findings page): where (the cell), the label
    path, the problem (the code's title and the detail) and how to fix it (empty when the detail
    already says so). The words are the catalogue's."""
    entry = CATALOGUE[finding.code]
    detail = finding.detail(lang)
    title = entry.zh if lang == "zh" else entry.en
    said = bool(finding.reason) and entry.reasons[finding.reason].says_fix
    fix = "" if said else (entry.fix_zh if lang == "zh" else entry.fix_en)
    sep = "：" if lang == "zh" else ": "
    return {"cell": clean_text(finding.cell or ""), "label": clean_text(finding.label or ""),
            "problem": clean_text(f"{title}{sep}{detail}" if detail else title), "fix": clean_text(fix),
            "severity": SEVERITY_NAMES[lang][finding.severity], "level": finding.severity, "code": str(finding.code)}
