"""Honest, completely filled workbooks from the real-report fixtures (tests/fixtures/real/*.yaml).

A fixture holds the published figures of one real report (inputs and the published totals). A
complete pre-fill also needs the cover's contact fields, the date and the three text sections,
which published reports do not carry; `honest_data` adds short ones.

    from tests.make_filled import honest_data, build_to

    data = honest_data("suqian-city-2024")          # inputs only: safe to change one and rebuild
    path = build_to(tmp_path, data, "suqian.xlsx")
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from workbook_builder import api
from workbook_builder.template import registry

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"
# the fixtures of the default (2021) template; a fixture of another template says so (`template:`),
# and its own helpers read it (tests/make_filled_2019.py)
FIXTURE_NAMES = tuple(sorted(p.stem for p in FIXTURES.glob("*.yaml")
                             if "\ntemplate:" not in p.read_text(encoding="utf-8")))

EXTRA_FIELDS: dict[str, Any] = {
    "meta.contact_person": "张晓明",
    "meta.contact_phone": "0527-84356789",
    "meta.date": "2025-01-20",
    "text.overview": "本年度，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开、依申请公开工作有序开展。",
    "text.problems": "政府信息公开工作仍存在公开内容不够全面等问题，下一步将加强培训、完善制度。",
    "text.other": "本年度未收取信息处理费。",
}


@cache
def _fixture_values(fixture_name: str) -> dict[str, Any]:
    raw = yaml.safe_load((FIXTURES / f"{fixture_name}.yaml").read_text(encoding="utf-8"))
    return dict(raw["values"])


def honest_data(fixture_name: str = "huaian-city-2024", totals: bool = False) -> dict[str, Any]:
    """Every input of the template filled from a real report (a fresh dict each call).

    With `totals=False` (the default) the published values of formula cells are left out, so a
    test may change one input and rebuild; with `totals=True` they are kept, and `api.build`
    refuses the data unless our formulas give exactly the published totals.
    """
    layout = registry.resolve().layout
    values = dict(_fixture_values(fixture_name))
    if not totals:
        values = {k: v for k, v in values.items() if layout.by_id[k].kind == "input"}
    values.update(EXTRA_FIELDS)
    missing = [c.datapoint for c in layout.inputs if c.datapoint not in values]
    assert not missing, f"{fixture_name} lacks inputs {missing}"
    return values


def build_to(tmp_path: Path, data: dict[str, Any], name: str, strict: bool = True) -> Path:
    """Build a workbook pre-filled with `data` and write it to `tmp_path / name`."""
    path = Path(tmp_path) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(api.build(data=data, strict=strict))
    return path


def cell(datapoint: str):  # type: ignore[no-untyped-def]
    """The layout cell of a data point (`.sheet .row .col .ref .kind .formula`)."""
    return registry.resolve().layout.by_id[datapoint]


def ref(datapoint: str) -> str:
    """The cell reference a finding names for a data point: `'依申请公开'!D5`."""
    return cell(datapoint).ref


def a1(datapoint: str) -> str:
    """The bare A1 address of a data point's cell (`D5`), for XML edits."""
    return ref(datapoint).split("!")[1]
