"""The registry, the rule data and the input model: every check cites its source, every finding carries
its check's citation, the data files are internally consistent, bad input is named."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from rules_support import HIKVISION, HUAWEI, item, shipment, small_matcher

from exportguard.lists.model import FRCitation
from exportguard.rules import Transaction, TransactionError, determine, replay
from exportguard.rules.data import load
from exportguard.rules.registry import CHECKS


def test_every_check_cites_cfr_or_fr_in_its_one_line_docstring() -> None:
    assert len(CHECKS) >= 15
    for registered in CHECKS:
        doc = registered.function.__doc__ or ""
        assert doc and "\n" not in doc.strip(), f"{registered.rule}: docstring must be one line"
        assert registered.citation, f"{registered.rule}: docstring lacks a [.. CFR ..] or [.. FR ..] citation"


def test_checks_run_in_step_order_with_unique_rule_ids() -> None:
    steps = [registered.step for registered in CHECKS]
    assert steps == sorted(steps)
    assert len({registered.rule for registered in CHECKS}) == len(CHECKS)


def test_findings_take_rule_citation_and_explanation_from_their_check() -> None:
    by_rule = {registered.rule: registered for registered in CHECKS}
    result = determine(shipment("2019-10-15", HIKVISION, items=[item("1A995"), item()]), matcher=small_matcher())
    assert result.findings
    for finding in result.findings:
        assert finding.citation == by_rule[finding.rule].citation
        assert finding.explanation == by_rule[finding.rule].explanation
    assert [f.id for f in result.findings] == [f"F{n}" for n in range(1, len(result.findings) + 1)]


def test_el_requirement_records_entry_fr_citations_and_structured_policy() -> None:
    result = determine(shipment("2019-10-15", HIKVISION, items=[item("1A995")]), matcher=small_matcher())
    (requirement,) = result.open_requirements
    assert requirement.sources[0] == "84 FR 54002"
    assert requirement.review_policy is not None
    overrides = requirement.review_policy.overrides
    assert "1A995" in overrides[0].eccns and "2E983" in overrides[0].eccns
    assert not requirement.license_exceptions_allowed
    assert requirement.uncertain and "85 FR 44159" in requirement.uncertain_reason


def test_tgl_window_is_reported() -> None:
    handset = {"activity": "device_support", "product_available_date": "2019-01-01", "enhances_capability": False}
    cert = {"tgl_certification": {"source": "huawei_entity"}}
    result = determine(shipment("2020-02-14", HUAWEI, end_use=handset, evidence=cert), matcher=small_matcher())
    assert result.tgl_windows == ((date(2020, 2, 13), date(2020, 4, 1)),)


def test_determination_is_json_serialisable_and_replays() -> None:
    result = determine(shipment("2019-11-10", HUAWEI), matcher=small_matcher())
    record = json.loads(json.dumps(result.to_dict()))
    assert record["list_versions"] and set(record["rule_versions"]) == set(load().versions)
    assert replay(record, matcher=small_matcher()).to_dict() == record


def test_transaction_round_trips() -> None:
    transaction = Transaction.from_dict(shipment("2019-11-10", HUAWEI, items=[item("5a002.A.1")]))
    assert transaction.items[0].eccn == "5A002.a.1"
    assert Transaction.from_dict(transaction.to_dict()) == transaction


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": [item("5X002")]}, "items[0].eccn"),
        ({"items": [item("EAR-99")]}, "items[0].eccn"),
        ({"items": [item(value=-5)]}, "items[0].value"),
        ({"items": [item(quantity="ten")]}, "items[0].quantity"),
        ({"items": [item(us_content_pct=140)]}, "items[0].us_content_pct"),
        ({"items": []}, "items"),
        ({"destination": "China"}, "destination"),
        ({"destination": None}, "destination"),
        ({"date": "10/11/2019"}, "date"),
        ({"type": "import"}, "type"),
        ({"parties": [{"name": "X", "role": "buyer"}]}, "parties[0].role"),
        ({"parties": [{"name": " ", "role": "end_user"}]}, "parties[0].name"),
        ({"parties": [{"name": "X", "role": "end_user", "country": "CHN"}]}, "parties[0].country"),
        ({"end_use": {"activity": "5g"}}, "end_use.activity"),
        ({"end_use": {"network_operational": "yes"}}, "end_use.network_operational"),
        ({"evidence": {"tgl_certification": {"source": "oral"}}}, "evidence.tgl_certification.source"),
        ({"knowledge": ["space_end_use"]}, "knowledge"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(TransactionError) as raised:
        Transaction.from_dict({**shipment("2019-11-10", HUAWEI), **change})
    assert str(raised.value).startswith(f"{field}:")


def test_ledger_maps_csl_first_citations_to_effective_dates() -> None:
    data = load()
    cases = {"84 FR 22961": "2019-05-16", "84 FR 22963": "2019-05-16", "84 FR 43495": "2019-08-19",
             "84 FR 29373": "2019-06-24", "84 FR 54002": "2019-10-09", "85 FR 51603": "2020-08-17"}  # fmt: skip
    for cite, effective in cases.items():
        action = data.action_for(FRCitation.parse_all(cite)[0])
        assert action is not None and action.effective.isoformat() == effective


def test_tgl_versions_cover_2019_05_20_through_2020_08_13_without_gaps() -> None:
    data = load()
    day, end = date(2019, 5, 20), date(2020, 8, 13)
    while day <= end:
        assert data.tgl_in_force(day) is not None, day
        day = date.fromordinal(day.toordinal() + 1)
    assert data.tgl_in_force(date(2019, 5, 19)) is None and data.tgl_in_force(date(2020, 8, 14)) is None
    assert [v.id for v in data.tgl_versions] == [f"TGL-{n}" for n in range(1, 7)]


def test_china_chart_row_and_hong_kong_by_date() -> None:
    expected = frozenset("CB1 CB2 CB3 NP1 NP2 NS1 NS2 MT1 RS1 RS2 CC1 CC3".split())
    assert load().chart_row("CN", date(2019, 11, 10)).marks == expected
    assert load().chart_row("HK", date(2020, 12, 22)).marks is None  # its own row, not in the data
    assert load().chart_row("HK", date(2020, 12, 23)).marks == expected  # China's row (85 FR 83765)


def test_aukus_rows_before_and_after_2024_04_19() -> None:
    for country in ("AU", "GB"):
        assert {"NS1", "MT1", "RS1"} <= load().chart_row(country, date(2024, 4, 18)).marks  # type: ignore[operator]
        assert load().chart_row(country, date(2024, 4, 19)).marks == frozenset({"CB1"})


def test_public_determine_uses_the_bundled_lists() -> None:
    import exportguard

    result = exportguard.determine(shipment("2019-11-10", HUAWEI), as_of="2019-11-10")
    assert result.status.value == "LICENSE_REQUIRED"
    # The bundled lists: the Entity List from the eCFR of July 2026, each list dated in the answer.
    assert "+el@2a8fc0755e06+" in result.list_versions[0]
    dated = {row["list"]: row for row in result.to_dict()["list_freshness"]["lists"]}
    assert dated["EL"]["as_of"] == "2026-07-09" and dated["UVL"]["as_of"] == "2022-04-21"
    with pytest.raises(TransactionError, match=r"^as_of:"):
        exportguard.determine(shipment("2019-11-10", HUAWEI), as_of="10 Nov 2019")


def test_purchaser_match_before_2020_08_17_is_flagged_interpretive() -> None:
    purchaser = {**HUAWEI, "role": "purchaser"}
    before = determine(shipment("2019-11-10", purchaser), matcher=small_matcher()).open_requirements[0]
    after = determine(shipment("2020-09-01", purchaser), matcher=small_matcher()).open_requirements[0]
    assert before.uncertain and "Interpretive" in before.uncertain_reason
    assert "Interpretive" not in after.uncertain_reason


def test_sugon_effective_date_is_flagged_uncertain() -> None:
    result = determine(shipment("2019-06-25", {**HUAWEI, "name": "Sugon"}), matcher=small_matcher())
    (requirement,) = result.open_requirements
    assert requirement.uncertain and "public-inspection" in requirement.uncertain_reason
