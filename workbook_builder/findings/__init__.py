"""Findings: the catalogue of codes (`catalogue`) and the findings and reports built from it (`model`)."""

from .catalogue import CATALOGUE, SEVERITY_ORDER, Code, Entry, Reason, Text, reason_text, sentence, show
from .model import Finding, Issue, issue, make, select, sort_findings

__all__ = [
    "CATALOGUE", "SEVERITY_ORDER", "Code", "Entry", "Finding", "Issue", "Reason", "Text",
    "issue", "make", "reason_text", "select", "sentence", "show", "sort_findings",
]
