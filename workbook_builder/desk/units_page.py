"""单位: every unit the store knows, and per unit this year against last year and its submissions."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import api
from ..errors import UsageError
from ..textsafe import clean_text
from .results import Page, Redirect, Result, problem
from .stored import pick_year, whole_number

NO_STORE = ("没有打开数据库", "工作台启动时没有数据库，无法查看各单位的记录。")


def unit_link(name: str, year: int | None = None) -> str:
    return f"/units/{quote(name, safe='')}" + (f"?year={year}" if year else "")


def units_page(store_path: Path | None) -> Result:
    if store_path is None:
        return problem(*NO_STORE, 200, back="/check")
    with api.open_store(store_path) as store:  # closed after the request (a connection per thread)
        subs = store.submissions(current_only=True)
    latest: dict[str, Any] = {}
    years: dict[str, set[int]] = {}
    for s in subs:
        if s.unit is None or s.year is None:  # a current submission always has both: the store groups by them
            continue
        years.setdefault(s.unit, set()).add(s.year)
        if s.unit not in latest or (s.year or 0, s.received_at) > (latest[s.unit].year or 0, latest[s.unit].received_at):
            latest[s.unit] = s
    rows = [{"name": clean_text(u), "link": unit_link(u, latest[u].year), "years": "、".join(str(y) for y in sorted(years[u])),
             "year": latest[u].year, "valid": latest[u].valid, "errors": latest[u].errors, "warnings": latest[u].warnings,
             "received": when(latest[u].received_at)} for u in sorted(latest)]
    return Page("units.j2", {"rows": rows})


def when(iso: str) -> str:
    """ISO time (UTC) as a person reads it: 2025-03-01 14:05 (the desk's own clock, local time)."""
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)


def compare_rows(template: str | None, this: Any, last: Any) -> list[dict[str, Any]]:
    """Each data point of the template: this year's value, last year's, and the change."""
    try:
        labels = api.datapoint_labels(template)
    except UsageError:
        return []
    rows = []
    for dp in labels:
        if dp["kind"] not in ("input", "formula") or dp.get("type") == "date" or dp.get("identity"):
            # a date is kept as Excel's day number (45677), and the report year always differs by one:
            # neither is a figure to set against last year's
            continue
        now = this.values.get(dp["id"]) if this is not None else None
        before = last.values.get(dp["id"]) if last is not None else None
        a, b = _number(now), _number(before)
        if a is None and b is None:
            continue  # names, contacts, dates as text: not figures to compare
        change = "" if a is None or b is None else _show(a - b) if a != b else "—"
        if change and change != "—" and a is not None and b is not None and a > b:
            change = "+" + change
        rows.append({"label": clean_text(dp["label"]), "cell": dp["cell"], "now": _show(now), "before": _show(before),
                     "change": change, "changed": change not in ("", "—")})
    return rows


def unit_page(store_path: Path | None, name: str, year_text: str) -> Result:
    if store_path is None:
        return problem(*NO_STORE, 200, back="/check")
    with api.open_store(store_path) as store:  # closed after the request (a connection per thread)
        years = sorted({s.year for s in store.submissions(unit=name) if s.year is not None}, reverse=True)
        if not years:
            return problem("没有这个单位", f"数据库里没有“{clean_text(name)}”的记录。", 404, back="/units")
        year = pick_year(years, year_text) or years[0]
        history = store.history(name, year)
        current = next((s for s in history if s.current), None)
        before = [s for s in store.history(name, year - 1) if s.current]
    last = before[0] if before else None
    template = current.template_id if current is not None else None
    rows = compare_rows(template, current, last)
    return Page("unit.j2", {"name": clean_text(name), "link": unit_link(name), "year": year, "years": years,
                            "current": current, "last": last, "rows": rows,
                            "history": [_history_row(s) for s in history]})


def _history_row(s: Any) -> dict[str, Any]:
    return {"id": s.id, "name": clean_text(s.name), "received": when(s.received_at), "valid": s.valid,
            "unreadable": s.unreadable, "errors": s.errors, "warnings": s.warnings, "current": s.current,
            "sha": (s.sha256 or "")[:12]}


def make_current(store_path: Path | None, name: str, sub_id: str, year: str) -> Result:
    if store_path is None:
        return problem(*NO_STORE, 200, back="/check")
    chosen_id = whole_number(sub_id)
    if chosen_id is None:
        return problem("没有选中记录", "请在记录列表里选一条，再点“设为当前”。", back=unit_link(name))
    with api.open_store(store_path) as store:  # closed after the request (a connection per thread)
        try:
            chosen = store.get(chosen_id)
        except (KeyError, LookupError, UsageError):
            return problem("找不到这条记录", "这条记录已不在数据库里。", 404, back=unit_link(name))
        if chosen.unit != name:
            return problem("记录不属于这个单位", "请在这个单位的记录列表里选择。", 400, back=unit_link(name))
        store.make_current(chosen.id)
    return Redirect(unit_link(name, chosen.year or whole_number(year, 9999)))
