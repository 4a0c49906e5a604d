"""Tamper tests: every kind of tampering gives its code at its cell, and nothing else above info.

An honest, completely filled workbook (淮安市人民政府 2024) is built once; each test changes one part
of its XML (tests/tamper_xml.py) and checks the copy. Reports are compared in the flattened form
`[(code, cell), …]` of every finding above info, so an extra finding fails the test as surely as a
missing one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests import tamper_xml as tx
from tests.make_filled import a1, build_to, honest_data, ref
from workbook_builder import api

REQ, ACTIVE, COVER, APPEALS = "依申请公开", "主动公开", "封面", "复议诉讼"
REQ_PART, ACTIVE_PART, COVER_PART = tx.SHEET_PART[REQ], tx.SHEET_PART[ACTIVE], tx.SHEET_PART[COVER]


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_to(tmp_path_factory.mktemp("honest"), honest_data(), "huaian-2024.xlsx")


def flat(report) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    """Every finding above info as (code, cell), sorted."""
    return sorted((f.code, f.cell) for f in report.findings if f.severity != "info")


def only(report, code: str):  # type: ignore[no-untyped-def]
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, found
    return found[0]


def check_edited(honest: Path, tmp_path: Path, part: str, change, name: str = "tampered.xlsx"):  # type: ignore[no-untyped-def]
    return api.check_file(tx.tamper(honest, tmp_path / name, part, change))


def check_parts(parts: dict[str, bytes], tmp_path: Path, name: str = "tampered.xlsx"):  # type: ignore[no-untyped-def]
    return api.check_file(tx.save(parts, tmp_path / name))


def test_honest_file_has_no_findings(honest: Path) -> None:
    report = api.check_file(honest)
    assert [(f.code, f.cell) for f in report.findings] == []
    assert report.valid


# ------------------------------------------------------------------ formulas


def test_formula_replaced_by_constant(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, REQ_PART, lambda x: tx.set_cell(x, "J5", '<c r="J5" s="10"><v>3119</v></c>'))
    assert flat(report) == [("formula-overwritten", "'依申请公开'!J5")]
    f = only(report, "formula-overwritten")
    assert f.severity == "error" and f.datapoint == "requests.new.total"
    assert f.expected == "=SUM(D5:I5)" and f.actual == 3119


def test_formula_replaced_by_a_wrong_constant_gives_no_stale_or_rule_cascade(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, REQ_PART, lambda x: tx.set_cell(x, "D28", '<c r="D28" s="10"><v>1</v></c>'))
    assert flat(report) == [("formula-overwritten", "'依申请公开'!D28")]


def test_formula_changed_to_another(honest: Path, tmp_path: Path) -> None:
    # SUM(D5:H5) leaves out 其他 (I5 = 4); its cached value is what that formula gives, so only
    # the formula text betrays it.
    report = check_edited(
        honest, tmp_path, REQ_PART,
        lambda x: tx.set_cell(x, "J5", '<c r="J5" s="10"><f>SUM(D5:H5)</f><v>3115</v></c>'))
    assert flat(report) == [("formula-changed", "'依申请公开'!J5")]
    f = only(report, "formula-changed")
    assert (f.expected, f.actual) == ("=SUM(D5:I5)", "=SUM(D5:H5)")


@pytest.mark.parametrize(("j5", "code"), [
    ('<c r="J5" s="10"><v>9999</v></c>', "formula-overwritten"),
    ('<c r="J5" s="10"><f>SUM(D5:H5)</f><v>3115</v></c>', "formula-changed"),
], ids=["constant", "other-formula"])
def test_formula_tampered_and_recalculated_gives_no_stale_cascade(honest: Path, tmp_path: Path, j5: str, code: str) -> None:
    parts = tx.load(honest)
    tx.edit(parts, REQ_PART, lambda x: tx.set_cell(x, "J5", j5))
    # what Excel shows after recalculating: 一 + 二 of 总计 no longer equals 三（七） + 四
    tx.edit(parts, REQ_PART, lambda x: tx.set_cached(x, "J30", "不平衡"))
    tx.edit(parts, COVER_PART, lambda x: tx.set_cached(x, "B8", "存在不平衡，请核对各表的勾稽校验行"))
    report = check_parts(parts, tmp_path)
    assert flat(report) == [(code, "'依申请公开'!J5")]


def test_formula_cached_value_forged(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, REQ_PART, lambda x: tx.set_cached(x, "J5", "9999"))
    assert flat(report) == [("stale-value", "'依申请公开'!J5")]
    f = only(report, "stale-value")
    assert (f.expected, f.actual) == (3119, 9999)


def test_check_cell_cached_text_forged(honest: Path, tmp_path: Path) -> None:
    # The live check cell shows 平衡 whatever the figures are: a forged 'balanced' is stale.
    report = check_edited(honest, tmp_path, REQ_PART, lambda x: tx.set_cached(x, "D30", "不平衡"))
    assert flat(report) == [("stale-value", "'依申请公开'!D30")]
    assert only(report, "stale-value").expected == "平衡"


def test_no_cached_values_at_all_is_only_info(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    for part in tx.SHEET_PART.values():
        if "<f>" in tx.text(parts, part):
            tx.edit(parts, part, tx.strip_cached_values)
    assert not any(b"</f><v>" in parts[p] for p in tx.SHEET_PART.values())
    report = check_parts(parts, tmp_path)
    assert [(f.code, f.severity) for f in report.findings] == [("no-cached-values", "info")]
    assert report.valid


# ------------------------------------------------------------------ protection, validation, locks


def test_protection_removed(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, REQ_PART, tx.remove_protection)
    assert flat(report) == [("protection-removed", "'依申请公开'")]
    assert only(report, "protection-removed").severity == "warning"
    assert report.valid  # a warning, not an error


def test_protection_element_without_sheet_attribute_is_not_protection(honest: Path, tmp_path: Path) -> None:
    # <sheetProtection> without sheet="1" means the sheet is NOT protected (Excel and WPS alike).
    report = check_edited(honest, tmp_path, ACTIVE_PART, lambda x: tx.replace(x, ' sheet="1"', ""))
    assert flat(report) == [("protection-removed", "'主动公开'")]


def test_protection_with_sheet_zero_is_not_protection(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, ACTIVE_PART, lambda x: tx.replace(x, ' sheet="1"', ' sheet="0"'))
    assert flat(report) == [("protection-removed", "'主动公开'")]


def test_validation_removed_from_one_input(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, REQ_PART, lambda x: tx.remove_validation(x, "E7"))
    assert flat(report) == [("validation-removed", "'依申请公开'!E7")]
    f = only(report, "validation-removed")
    assert f.severity == "warning" and f.datapoint == "requests.granted.business"


def test_validation_removed_from_the_only_input_of_its_kind(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, ACTIVE_PART, lambda x: tx.remove_validation(x, "B18"))
    assert flat(report) == [("validation-removed", "'主动公开'!B18")]


def test_validation_replaced_by_another_type(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, REQ_PART, lambda x: tx.change_validation_type(x, "F7", "decimal"))
    assert flat(report) == [("validation-removed", "'依申请公开'!F7")]
    assert only(report, "validation-removed").actual == "decimal"


def test_validation_replaced_by_any_value(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, REQ_PART, lambda x: tx.change_validation_type(x, "F7", "any"))
    assert flat(report) == [("validation-removed", "'依申请公开'!F7")]


def test_input_style_locked(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    base = int(tx.style_of(tx.text(parts, REQ_PART), "D7"))
    locked = tx.add_cell_xf(parts, base, locked=True)
    tx.edit(parts, REQ_PART, lambda x: tx.set_style(x, "D7", locked))
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("lock-changed", "'依申请公开'!D7")]
    assert (only(report, "lock-changed").expected, only(report, "lock-changed").actual) == ("unlocked", "locked")


def test_formula_style_unlocked(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    base = int(tx.style_of(tx.text(parts, REQ_PART), "J7"))
    unlocked = tx.add_cell_xf(parts, base, locked=False)
    tx.edit(parts, REQ_PART, lambda x: tx.set_style(x, "J7", unlocked))
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("lock-changed", "'依申请公开'!J7")]
    assert (only(report, "lock-changed").expected, only(report, "lock-changed").actual) == ("locked", "unlocked")


def test_label_style_unlocked(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    base = int(tx.style_of(tx.text(parts, ACTIVE_PART), "A9"))
    unlocked = tx.add_cell_xf(parts, base, locked=False)
    tx.edit(parts, ACTIVE_PART, lambda x: tx.set_style(x, "A9", unlocked))
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("lock-changed", "'主动公开'!A9")]


# ------------------------------------------------------------------ labels and structure


def test_label_changed_in_shared_strings(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.change_shared_string(parts, "行政许可", "行政许可（含备案）")
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("label-changed", "'主动公开'!A9")]
    f = only(report, "label-changed")
    assert (f.expected, f.actual) == ("行政许可", "行政许可（含备案）")


def test_label_changed_in_table_three(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.change_shared_string(parts, "2.重复申请", "2.重复申请（含多次申请）")
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("label-changed", "'依申请公开'!C21")]


@pytest.mark.parametrize(("sheet", "cell", "label"), [("主动公开", "A8", "信息内容"), ("复议诉讼", "F4", "结果维持")],
                         ids=["active-A8", "appeals-F4"])
def test_repeated_label_changed_is_a_label_change(honest: Path, tmp_path: Path, sheet: str, cell: str, label: str) -> None:
    parts = tx.load(honest)
    tx.set_shared_string(parts, sheet, cell, label[:2])
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("label-changed", f"'{sheet}'!{cell}")]


def test_sheet_renamed(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.rename_sheet(parts, APPEALS, "复议诉讼情况")
    report = check_parts(parts, tmp_path)
    # issue 7: the missing template sheet is an error, the sheet under its new name an extra-sheet warning
    assert flat(report) == [("extra-sheet", "'复议诉讼情况'"), ("structure-changed", "'复议诉讼'")]


def test_sheet_deleted(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.delete_sheet(parts, APPEALS)
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("structure-changed", "'复议诉讼'")]


def test_main_table_sheet_deleted_gives_no_cascade(honest: Path, tmp_path: Path) -> None:
    # The cover's summary reads table 三; with that sheet gone, its cached value proves nothing.
    parts = tx.load(honest)
    tx.delete_sheet(parts, REQ)
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("structure-changed", "'依申请公开'")]


def test_sheet_added(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.add_sheet(parts, "Sheet1")
    report = check_parts(parts, tmp_path)
    # issue 7: an extra sheet is a warning that names it (it was a structure-changed error)
    assert flat(report) == [("extra-sheet", "'Sheet1'")]
    assert report.valid


def _insert_row_in_table_three(parts: dict[str, bytes], at: int) -> None:
    tx.edit(parts, REQ_PART, lambda x: tx.insert_row(x, at))


def test_row_inserted_in_table_three(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    _insert_row_in_table_three(parts, 15)
    xml = tx.text(parts, REQ_PART)
    assert '<row r="16"' in xml and '<row r="15"' not in xml and 'ref="A7:A29"' in xml and "SUM(D7:D28)" in xml
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("structure-changed", "'依申请公开'")]
    assert "15" in only(report, "structure-changed").detail("zh")


def test_row_inserted_in_table_three_as_excel_does(honest: Path, tmp_path: Path) -> None:
    """Excel also moves every reference to the moved rows: defined names, and the cover's summary
    formula (`'依申请公开'!D30:J30` becomes `D31:J31`). That formula change is the insertion's doing,
    not a second tampering: the sheet is already reported as restructured."""
    parts = tx.load(honest)
    _insert_row_in_table_three(parts, 15)
    tx.edit(parts, COVER_PART, lambda x: tx.sub(r"<f>(.*?)</f>", lambda m: f"<f>{tx.shift_refs(m.group(1), 15, sheet=REQ)}</f>", x))
    tx.edit(parts, tx.WORKBOOK, lambda x: tx.shift_refs(x, 15, sheet=REQ))
    assert "'依申请公开'!D31:J31" in tx.text(parts, COVER_PART)
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("structure-changed", "'依申请公开'")]


def test_row_deleted_in_table_three(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    # Delete row 22 (3.要求提供公开出版物, all zeros): move every later row up by one.
    tx.edit(parts, REQ_PART, lambda x: tx.sub(r'<row r="22".*?</row>', "", x, count=1))
    tx.edit(parts, REQ_PART, lambda x: _shift_up_after(x, 22))
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("structure-changed", "'依申请公开'")]


def _shift_up_after(xml: str, deleted: int) -> str:
    xml = re.sub(r'<row r="(\d+)"', lambda m: f'<row r="{int(m.group(1)) - (int(m.group(1)) > deleted)}"', xml)
    xml = re.sub(r'<c r="([A-Z]+)(\d+)"', lambda m: f'<c r="{m.group(1)}{int(m.group(2)) - (int(m.group(2)) > deleted)}"', xml)
    return re.sub(r'(\s(?:ref|sqref)=")([^"]*)(")', lambda m: m.group(1) + tx.shift_refs(m.group(2), deleted + 1, -1) + m.group(3), xml)


# ------------------------------------------------------------------ identity


def test_template_id_removed(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, tx.CUSTOM, lambda x: tx.remove_custom_property(x, "template_id"))
    assert [(f.code, f.cell) for f in report.findings] == [("unknown-template", None)]


def test_template_version_changed(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, tx.CUSTOM, lambda x: tx.set_custom_property(x, "template_version", "0.9.0"))
    assert [(f.code, f.cell) for f in report.findings] == [("template-version-mismatch", None)]
    f = only(report, "template-version-mismatch")
    assert (f.expected, f.actual) == ("1.1.0", "0.9.0")


def test_template_fingerprint_changed(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, tx.CUSTOM,
                          lambda x: tx.set_custom_property(x, "template_fingerprint", "sha256:00000000000000000000000000000000"))
    assert [(f.code, f.cell) for f in report.findings] == [("template-version-mismatch", None)]


# ------------------------------------------------------------------ inputs


@pytest.mark.parametrize("typed", ["/", "-", "无", "—", "N/A"], ids=["slash", "hyphen", "wu", "dash", "na"])
def test_placeholder_text_in_a_count(honest: Path, tmp_path: Path, typed: str) -> None:
    parts = tx.load(honest)
    tx.set_shared_string(parts, REQ, "E8", typed)  # requests.partially_granted.business
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("invalid-input", "'依申请公开'!E8")]
    f = only(report, "invalid-input")
    assert f.actual == typed and f.datapoint == "requests.partially_granted.business"
    assert "0" in f.detail("zh")  # tells the user to write 0


@pytest.mark.parametrize("how", ["shared-string", "str", "inline"])
def test_number_stored_as_text(honest: Path, tmp_path: Path, how: str) -> None:
    parts = tx.load(honest)
    if how == "shared-string":
        tx.set_shared_string(parts, REQ, "D7", "1288")
    elif how == "str":
        tx.edit(parts, REQ_PART, lambda x: tx.set_str(x, "D7", "1288"))
    else:
        tx.edit(parts, REQ_PART, lambda x: tx.set_inline_string(x, "D7", "1288"))
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("invalid-input", "'依申请公开'!D7")]
    assert only(report, "invalid-input").actual == "1288"


@pytest.mark.parametrize(("datapoint", "value"), [
    ("requests.granted.person", "-1"),
    ("requests.granted.person", "1288.5"),
    ("disclosure.rules.issued", "0.5"),
    ("meta.year", "2020"),
    ("disclosure.fees.amount", "0.1234567"),  # 7 decimals in 万元
    ("disclosure.fees.amount", "-0.5"),
])
def test_number_out_of_range_or_shape(honest: Path, tmp_path: Path, datapoint: str, value: str) -> None:
    cell = ref(datapoint)
    sheet = cell.split("!")[0].strip("'")
    report = check_edited(honest, tmp_path, tx.SHEET_PART[sheet], lambda x: tx.set_number(x, a1(datapoint), value))
    assert flat(report) == [("invalid-input", cell)]
    assert only(report, "invalid-input").actual == float(value)


def test_seven_decimals_in_a_large_fee(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, ACTIVE_PART, lambda x: tx.set_number(x, "B18", "96171.6000001"))
    assert flat(report) == [("invalid-input", "'主动公开'!B18")]


def test_six_decimals_in_the_fee_are_fine(honest: Path, tmp_path: Path) -> None:
    report = check_edited(honest, tmp_path, ACTIVE_PART, lambda x: tx.set_number(x, "B18", "96171.123456"))
    assert flat(report) == []


def test_over_long_text(honest: Path, tmp_path: Path) -> None:
    parts = tx.load(honest)
    tx.set_shared_string(parts, COVER, "B5", "张" * 31)  # contact person: at most 30 characters
    report = check_parts(parts, tmp_path)
    assert flat(report) == [("invalid-input", "'封面'!B5")]


@pytest.mark.parametrize("datapoint", ["requests.new.person", "meta.unit_name", "meta.date", "text.overview",
                                       "disclosure.fees.amount", "appeals.review.pending"])
def test_blank_required_input(honest: Path, tmp_path: Path, datapoint: str) -> None:
    cell = ref(datapoint)
    sheet = cell.split("!")[0].strip("'")
    report = check_edited(honest, tmp_path, tx.SHEET_PART[sheet], lambda x: tx.set_blank(x, a1(datapoint)))
    assert flat(report) == [("missing-input", cell)]


def test_bad_inputs_built_with_strict_false(tmp_path: Path) -> None:
    """The same, made by the builder itself (cached totals consistent with what Excel shows)."""
    data = honest_data()
    data.update({"requests.new.person": "/", "requests.carried_over.business": -1, "appeals.review.upheld": 1.5,
                 "disclosure.fees.amount": 1.1234567, "meta.contact_phone": "1" * 31})
    report = api.check_file(build_to(tmp_path, data, "bad.xlsx", strict=False))
    assert flat(report) == sorted([
        ("invalid-input", ref("requests.new.person")),
        ("invalid-input", ref("requests.carried_over.business")),
        ("invalid-input", ref("appeals.review.upheld")),
        ("invalid-input", ref("disclosure.fees.amount")),
        ("invalid-input", ref("meta.contact_phone")),
    ])


# ------------------------------------------------------------------ rules with consistent formulas


def test_t3a_broken_in_one_column(tmp_path: Path) -> None:
    data = honest_data()
    data["requests.carried_forward.person"] += 1  # 103 → 104
    report = api.check_file(build_to(tmp_path, data, "t3a.xlsx"))
    # The total column is the sum of the others, so it cannot balance either.
    assert flat(report) == [("rule-failed", "'依申请公开'!D30"), ("rule-failed", "'依申请公开'!J30")]
    person = next(f for f in report.findings if f.cell == "'依申请公开'!D30")
    assert (person.rule, person.severity, person.datapoint) == ("T3-A", "error", "checks.t3_a.person")
    # left: 一 + 二 = 3001 + 34; right: 三（七） + 四 = 2932 + 104
    assert (person.actual, person.expected) == (3035, 3036)
    assert person.cells == ("'依申请公开'!D5", "'依申请公开'!D6", "'依申请公开'!D28", "'依申请公开'!D29")
    total = next(f for f in report.findings if f.cell == "'依申请公开'!J30")
    assert (total.rule, total.actual, total.expected) == ("T3-A", 3153, 3154)


def test_t3d_broken(tmp_path: Path) -> None:
    data = honest_data()
    data["requests.carried_forward.research"] = 2  # nothing received (0 + 0) but 2 carried forward
    report = api.check_file(build_to(tmp_path, data, "t3d.xlsx"))
    assert flat(report) == [
        ("rule-failed", "'依申请公开'!F30"),  # T3-A research: 0 + 0 ≠ 0 + 2
        ("rule-failed", "'依申请公开'!F31"),  # T3-D research: 2 > 0 + 0
        ("rule-failed", "'依申请公开'!J30"),  # T3-A total
    ]
    t3d = next(f for f in report.findings if f.rule == "T3-D")
    assert (t3d.cell, t3d.severity, t3d.actual, t3d.expected) == ("'依申请公开'!F31", "error", 2, 0)
    assert t3d.cells == ("'依申请公开'!F29", "'依申请公开'!F5", "'依申请公开'!F6")


def test_t21_broken_is_a_warning(tmp_path: Path) -> None:
    data = honest_data()
    data["disclosure.rules.issued"] = 20  # more issued than in force (11) + repealed (0)
    report = api.check_file(build_to(tmp_path, data, "t21.xlsx"))
    assert flat(report) == [("rule-failed", "'主动公开'!B4")]
    f = only(report, "rule-failed")
    assert (f.rule, f.severity, f.actual, f.expected) == ("T2-1", "warning", 20, 11)
    assert set(f.cells) == {"'主动公开'!B4", "'主动公开'!C4", "'主动公开'!D4"}
    assert report.valid


def test_rule_broken_by_xml_edit_of_an_input(honest: Path, tmp_path: Path) -> None:
    """An input typed over by hand with stale totals: the rule fails and the totals are stale."""
    report = check_edited(honest, tmp_path, REQ_PART, lambda x: tx.set_number(x, "D29", "104"))
    assert flat(report) == sorted([
        ("rule-failed", "'依申请公开'!D30"), ("rule-failed", "'依申请公开'!J30"),
        ("stale-value", "'依申请公开'!J29"),  # 四 总计 103 → 104
        ("stale-value", "'依申请公开'!D30"), ("stale-value", "'依申请公开'!J30"),  # 平衡 → 不平衡
        ("stale-value", "'封面'!B8"),  # 全部平衡 → 存在不平衡
    ])


# ------------------------------------------------------------------ the checker leaves the file alone


def test_input_file_unchanged_and_nothing_written_next_to_it(honest: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    path = folder / "淮安市 2024.xlsx"
    path.write_bytes(honest.read_bytes())
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = (path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(folder)))
    api.check_file(path)
    api.check([path, path])
    after = (path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(folder)))
    assert after == before
