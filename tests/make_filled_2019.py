"""Honest, completely filled workbooks of the 2019 trial format (`gov_info_disclosure_2019`).

Two sources of figures:

* `honest_data()` — a real published 2019 report typed into tests/fixtures/real (the fixture names its
  template: `template: gov_info_disclosure_2019`), plus the cover's contact fields and the prose;
* `generic_fill()` — every input of the 2019 layout from a seeded generator, consistent so that every
  rule holds (T3-A, T3-B, T3-C, T3-D, T4-A, T2-3, T2-4); given last year's values it also keeps the
  year-on-year rules (X-1: 上年结转 = last year's 结转下年度; X-4: 上一年项目数量 carries over).

    from tests.make_filled_2019 import generic_fill, build_to

    data = generic_fill(year=2020, prior=honest_data())
    path = build_to(tmp_path, data, "2020.xlsx")
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from workbook_builder import api
from workbook_builder.template import registry

TEMPLATE = "gov_info_disclosure_2019"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"
REAL_2019 = "shanghai-gov-office-2019"

PEOPLE = ("person", "business", "research", "nonprofit", "legal_services", "other_org")
ITEM_ROWS = ("licensing", "other_services", "penalty", "coercion", "fees")

EXTRA_FIELDS: dict[str, Any] = {
    "meta.contact_person": "王晓红",
    "meta.contact_phone": "021-23456789",
    "meta.date": "2020-01-20",
    "text.overview": "本年度，本机关认真贯彻落实新修订的《中华人民共和国政府信息公开条例》，主动公开、依申请公开工作有序开展。",
    "text.problems": "政府信息公开工作仍存在政策解读形式不够多样等问题，下一步将加强培训、完善制度。",
    "text.other": "本年度未收取信息处理费。",
}


def layout():  # type: ignore[no-untyped-def]
    """The 2019 template's layout (cached by the registry)."""
    return registry.resolve(TEMPLATE).layout


@cache
def _fixture(name: str) -> dict[str, Any]:
    raw = yaml.safe_load((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"))
    assert raw.get("template") == TEMPLATE, f"{name} is not a fixture of {TEMPLATE}"
    return dict(raw["values"])


def fixture_values(name: str = REAL_2019) -> dict[str, Any]:
    """Every table data point of a real 2019-format report as published (totals included)."""
    return dict(_fixture(name))


def honest_data(name: str = REAL_2019, totals: bool = False) -> dict[str, Any]:
    """Every input of the 2019 template filled from a real report (a fresh dict each call); with
    `totals=True` the published totals are kept (the build then refuses them unless they agree)."""
    by_id = layout().by_id
    values = fixture_values(name)
    if not totals:
        values = {k: v for k, v in values.items() if by_id[k].kind == "input"}
    values.update(EXTRA_FIELDS)
    missing = [c.datapoint for c in layout().inputs if c.datapoint not in values]
    assert not missing, f"{name} lacks inputs {missing}"
    return values


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` split into `parts` whole numbers ≥ 0 (many of them 0, as in real reports)."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def generic_fill(unit: str = "示例区人民政府办公室", year: int = 2020, seed: int = 0,
                 prior: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every input of the 2019 layout, from `seed`, so that every rule holds; with `prior` (last year's
    values) 上年结转 equals last year's 结转下年度 and 上一年项目数量 last year's count plus its change."""
    rng = random.Random(seed)
    out: dict[str, Any] = {"meta.unit_name": unit, "meta.year": year, **EXTRA_FIELDS,
                           "meta.date": f"{year + 1}-01-20"}
    for kind in ("rules", "normative"):
        made = rng.randint(0, 40)
        published = rng.randint(0, made)
        out[f"disclosure.{kind}.made"] = made
        out[f"disclosure.{kind}.published"] = published
        out[f"disclosure.{kind}.total"] = published + rng.randint(0, 400)
    for kind in ITEM_ROWS:
        if prior is not None:
            items = int(prior[f"disclosure.{kind}.prior_items"]) + int(prior[f"disclosure.{kind}.change"])
        else:
            items = rng.randint(0, 300)
        out[f"disclosure.{kind}.prior_items"] = items
        out[f"disclosure.{kind}.change"] = rng.randint(-items, 30)  # a decrease is negative
        if kind != "fees":
            out[f"disclosure.{kind}.decisions"] = rng.randint(0, 5000)
    out["disclosure.procurement.items"] = rng.randint(0, 60)
    out["disclosure.procurement.amount"] = round(rng.randint(0, 10**9) / 100, 2)  # yuan, to the fen
    # the 19 input rows of 三、本年度办理结果 (its 20th row, （七）总计, is a formula)
    result_rows = [c.datapoint.split(".")[1] for c in layout().inputs
                   if c.datapoint.startswith("requests.") and c.datapoint.endswith(".person")][2:-1]
    assert len(result_rows) == 19 and result_rows[-1] == "other_handling", result_rows
    for col in PEOPLE:
        carried = int(prior[f"requests.carried_forward.{col}"]) if prior is not None else rng.randint(0, 20)
        new = rng.randint(0, 900 if col == "person" else 40)
        forward = rng.randint(0, (new + carried) // 5)
        out[f"requests.new.{col}"] = new
        out[f"requests.carried_over.{col}"] = carried
        out[f"requests.carried_forward.{col}"] = forward
        for row, n in zip(result_rows, _split(rng, new + carried - forward, len(result_rows)), strict=True):
            out[f"requests.{row}.{col}"] = n
    for block in ("review", "suit_direct", "suit_after_review"):
        for col in ("upheld", "corrected", "other", "pending"):
            out[f"appeals.{block}.{col}"] = rng.randint(0, 12)
    missing = [c.datapoint for c in layout().inputs if c.datapoint not in out]
    assert not missing, missing
    return out


def computed(data: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs plus every formula value, as our engine computes them (to compare with a checked file)."""
    from workbook_builder.build.prefill import prepare_inputs

    t = registry.resolve(TEMPLATE)
    return dict(t.recompute.compute(prepare_inputs(t.layout, dict(data), strict=True)))


def build_to(tmp_path: Path, data: Mapping[str, Any], name: str, strict: bool = True) -> Path:
    """Build a 2019-format workbook pre-filled with `data` and write it to `tmp_path / name`
    (`strict=False` writes invalid values too, as a person might type them)."""
    path = Path(tmp_path) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(api.build(TEMPLATE, dict(data), strict=strict))
    return path


def ref(datapoint: str) -> str:
    """The cell reference a finding names for a data point of the 2019 template."""
    return str(layout().by_id[datapoint].ref)
