"""Values and findings as JSON text that reads back into exactly what was written.

JSON alone would blur what the checker keeps apart: a tuple and a list, 3 and 3.0 are kept by JSON,
but a date, a `Decimal`, a rule's `Side`, a finding's `Code` are not JSON at all. So every value
that is not a JSON scalar or list is written as a tagged object `{"$": tag, "v": …}`, and a
dictionary is always tagged (so a value that happens to hold a `"$"` key is never mistaken for a
tag). Undecodable text (a lone surrogate from a file name) survives: the text is written with ASCII
escapes. Reading a store never runs code from it (no pickle): only the tags below are known.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ..findings import Code, Finding
from ..findings.catalogue import Side, Term, Text

_FINDING_FIELDS = ("severity", "cell", "datapoint", "label", "rule", "expected", "actual", "reason", "params", "cells")


def _enc(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value.value if isinstance(value, Code) else value  # a Code is a str: kept as its slug
    if isinstance(value, list):
        return [_enc(v) for v in value]
    if isinstance(value, tuple):
        return {"$": "tuple", "v": [_enc(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"$": "frozenset" if isinstance(value, frozenset) else "set",
                "v": sorted((_enc(v) for v in value), key=repr)}
    if isinstance(value, dict):
        return {"$": "dict", "v": [[_enc(k), _enc(v)] for k, v in value.items()]}
    if isinstance(value, dt.datetime):  # before date: a datetime is a date too
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$": "time", "v": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$": "decimal", "v": str(value)}
    if isinstance(value, bytes):
        return {"$": "bytes", "v": base64.b64encode(value).decode("ascii")}
    if isinstance(value, Term):
        return {"$": "term", "v": [value.cell, value.label, value.last_label, value.prior]}
    if isinstance(value, Side):
        return {"$": "side", "v": [value.formula, _enc(value.parts), _enc(value.value)]}
    if isinstance(value, Text):
        return {"$": "text", "v": [value.zh, value.en]}
    # never lose a submission over a type we did not foresee: its text is kept, and a test walks the
    # findings of every kind of file to keep this line unused
    return {"$": "repr", "v": repr(value)}


def _dec(data: Any) -> Any:
    if isinstance(data, list):
        return [_dec(v) for v in data]
    if not isinstance(data, dict):
        return data
    tag, v = data["$"], data["v"]
    if tag == "tuple":
        return tuple(_dec(x) for x in v)
    if tag in ("frozenset", "set"):
        items = (_dec(x) for x in v)
        return frozenset(items) if tag == "frozenset" else set(items)
    if tag == "dict":
        return {_dec(k): _dec(x) for k, x in v}
    if tag == "datetime":
        return dt.datetime.fromisoformat(v)
    if tag == "date":
        return dt.date.fromisoformat(v)
    if tag == "time":
        return dt.time.fromisoformat(v)
    if tag == "decimal":
        return Decimal(v)
    if tag == "bytes":
        return base64.b64decode(v)
    if tag == "term":
        return Term(v[0], v[1], v[2], bool(v[3]))
    if tag == "side":
        return Side(v[0], _dec(v[1]), _dec(v[2]))
    if tag == "text":
        return Text(v[0], v[1])
    if tag == "repr":
        return v
    raise ValueError(f"unknown tag {tag!r} in the store")


def dumps(value: Any) -> str:
    """`value` as JSON text (ASCII: a lone surrogate survives SQLite's UTF-8)."""
    return json.dumps(_enc(value), ensure_ascii=True, separators=(",", ":"))


def loads(text: str) -> Any:
    return _dec(json.loads(text))


def dump_values(values: Mapping[str, Any]) -> str:
    return dumps(dict(values))


def load_values(text: str) -> dict[str, Any]:
    out = loads(text)
    assert isinstance(out, dict)
    return out


def dump_findings(findings: Iterable[Finding]) -> str:
    """Each finding as its code and fields (the sentence is made again from the catalogue when read)."""
    return dumps([[f.code.value, *(getattr(f, name) for name in _FINDING_FIELDS)] for f in findings])


def load_findings(text: str) -> tuple[Finding, ...]:
    out = []
    for row in loads(text):
        code, *fields = row
        kw = dict(zip(_FINDING_FIELDS, fields, strict=True))
        out.append(Finding(Code(code), **kw))
    return tuple(out)
