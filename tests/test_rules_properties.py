"""Invariants of the determination engine over generated transactions."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rules_support import item, party, shipment, small_matcher

from exportguard.rules import Status, determine, replay
from exportguard.rules.model import RESTRICTIVENESS

UNLISTED = ("Shanghai Example Electronics Trading Co., Ltd.", "Example GmbH", "Acme Components Pte Ltd")
LISTED = (
    party("Huawei Technologies Co., Ltd.", "end_user"),
    party("Hangzhou Hikvision Digital Technology Co., Ltd.", "ultimate_consignee"),
    party("Sugon", "purchaser"),
)
ECCNS = ("EAR99", "5A002", "5A992", "3A001", "1A995", "4A994", "3A991", "5D002")
ACTIVITIES = ("network_maintenance", "device_support", "cybersecurity_research", "standards_development", "other")

days = st.integers(0, (date(2020, 12, 31) - date(2019, 1, 1)).days).map(lambda n: date(2019, 1, 1) + timedelta(n))
items = st.builds(
    lambda eccn, kind, pct: item(
        eccn, item_type=kind, **({"foreign_made": True, "us_content_pct": pct} if pct is not None else {})
    ),
    st.sampled_from(ECCNS),
    st.sampled_from(("commodity", "software", "technology")),
    st.one_of(st.none(), st.floats(0, 100)),
)
end_uses = st.fixed_dictionaries(
    {"activity": st.sampled_from(ACTIVITIES)},
    optional={
        "contract_date": days.map(str),
        "product_available_date": days.map(str),
        "network_operational": st.booleans(),
        "serves_third_party_customers": st.booleans(),
        "enhances_capability": st.booleans(),
    },
)
evidence = st.fixed_dictionaries(
    {},
    optional={
        "tgl_certification": st.sampled_from(({"source": "huawei_entity"}, {"source": "exporter_statement"})),
        "en_route_since": days.map(str),
        "license_exception": st.just("ENC"),
    },
)
transactions = st.builds(
    lambda day, buyer, goods, use, proof, destination: shipment(
        str(day), party(buyer), items=goods, end_use=use, evidence=proof, destination=destination
    ),
    days,
    st.sampled_from(UNLISTED),
    st.lists(items, min_size=1, max_size=3),
    end_uses,
    evidence,
    st.sampled_from(("CN", "GB", "DE", "CU", "SY", "HK")),
)


@settings(max_examples=60, deadline=None)
@given(transactions, st.sampled_from(LISTED))
def test_adding_a_listed_party_never_makes_the_result_less_restrictive(
    base: dict[str, Any], listed: dict[str, Any]
) -> None:
    without = determine(base, matcher=small_matcher())
    with_listed = determine({**base, "parties": [*base["parties"], listed]}, matcher=small_matcher())
    if without.status is Status.INDETERMINATE:
        # A listed party can decide an open question (finding 11): the answer may become LICENSE_REQUIRED.
        assert with_listed.status in (Status.PROHIBITED, Status.INDETERMINATE, Status.LICENSE_REQUIRED)
    else:
        assert RESTRICTIVENESS[with_listed.status] >= RESTRICTIVENESS[without.status]


@settings(max_examples=40, deadline=None)
@given(transactions, st.sampled_from(LISTED))
def test_a_determination_replays_identically(base: dict[str, Any], listed: dict[str, Any]) -> None:
    result = determine({**base, "parties": [*base["parties"], listed]}, matcher=small_matcher())
    record = json.loads(json.dumps(result.to_dict()))
    assert replay(record, matcher=small_matcher()).to_dict() == record


@settings(max_examples=40, deadline=None)
@given(transactions)
def test_every_finding_carries_a_citation(base: dict[str, Any]) -> None:
    for finding in determine(base, matcher=small_matcher()).findings:
        assert (
            finding.citation
            and finding.rule
            and finding.explanation.endswith((finding.citation + "]", finding.citation + "]."))
        )
