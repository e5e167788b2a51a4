"""Table-driven determinations from the regulations and the 2019-2020 timeline (docs/regulations.md)."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from rules_support import (
    BUYER,
    EXPORTER_CERT,
    HANDSET_PATCH,
    HIKVISION,
    HUAWEI,
    HUAWEI_CERT,
    NETWORK_SUPPORT,
    item,
    party,
    shipment,
    small_matcher,
)  # fmt: skip

from exportguard.rules import Kind, Policy, Status, determine

LR, NLR, AG, LE = Status.LICENSE_REQUIRED, Status.NLR, Status.AUTHORIZED_GENERAL, Status.LICENSE_EXCEPTION
PROHIBITED, INDETERMINATE, NOT_SUBJECT = Status.PROHIBITED, Status.INDETERMINATE, Status.NOT_SUBJECT
POD, CBC, PolD = Policy.PRESUMPTION_OF_DENIAL, Policy.CASE_BY_CASE, Policy.POLICY_OF_DENIAL


class Case(NamedTuple):
    name: str
    transaction: dict[str, Any]
    status: Status
    policy: Policy | None = None
    must_fire: tuple[tuple[str, Kind], ...] = ()
    as_of: str | None = None


def handset(day: str, **end_use: Any) -> dict[str, Any]:
    evidence = EXPORTER_CERT if day < "2019-08-19" else HUAWEI_CERT
    return shipment(day, HUAWEI, end_use={**HANDSET_PATCH, **end_use}, evidence=evidence)


def network(day: str, evidence: dict[str, Any] = HUAWEI_CERT, **end_use: Any) -> dict[str, Any]:
    return shipment(day, HUAWEI, end_use={**NETWORK_SUPPORT, **end_use}, evidence=evidence)


def foreign(pct: float, destination: str = "CN", *parties: dict[str, Any], day: str = "2019-11-10") -> dict[str, Any]:
    made_abroad = item("3A991", foreign_made=True, us_content_pct=pct)
    return shipment(day, *(parties or (BUYER,)), items=[made_abroad], destination=destination, type="reexport")


EL_REQ = ("R6-EL", Kind.REQUIREMENT)
TGL_AUTH = ("R8-TGL", Kind.AUTHORIZATION)
TGL_FLAG = ("R8-TGL", Kind.FLAG)
CHART_REQ = ("R4-CHART", Kind.REQUIREMENT)

CASES = [
    # Huawei listing, effective 2019-05-16 though published 2019-05-21 (84 FR 22961)
    Case("huawei-ear99-memory-2019-11-10", shipment("2019-11-10", HUAWEI), LR, POD, (EL_REQ,)),
    Case("huawei-ear99-memory-2019-05-01", shipment("2019-05-01", HUAWEI), NLR, None, (("R6-EL", Kind.CLEAR),)),
    Case("huawei-listed-on-effective-day", shipment("2019-05-16", HUAWEI), LR, POD, (EL_REQ,)),
    Case("huawei-day-before-listing", shipment("2019-05-15", HUAWEI), NLR),
    Case("huawei-as-of-overrides-date", shipment("2019-11-10", HUAWEI), NLR, as_of="2019-05-10"),
    # TGL-1 (2019-05-20 .. 2019-08-19)
    Case("tgl1-handset-patch", handset("2019-06-01"), AG, None, (TGL_AUTH,)),
    Case("tgl-expired-handset-patch", handset("2020-09-01"), LR, POD, (TGL_FLAG,)),
    Case("tgl1-not-yet-in-force", handset("2019-05-18"), LR, POD, (TGL_FLAG,)),
    Case("tgl1-without-certification", shipment("2019-06-01", HUAWEI, end_use=HANDSET_PATCH), LR, POD, (TGL_FLAG,)),
    Case("tgl1-handset-sold-after-cutoff", handset("2019-06-01", product_available_date="2019-06-10"), LR, POD),
    Case("tgl1-consumer-device-not-handset", handset("2019-06-01", device_kind="consumer_device"), LR, POD),
    Case(
        "tgl1-5g-standards",
        shipment(
            "2019-06-15",
            HUAWEI,
            items=[item(item_type="technology")],
            end_use={"activity": "standards_development"},
            evidence=EXPORTER_CERT,
        ),
        AG,
    ),
    Case(
        "tgl1-network-no-third-party-needed",
        network("2019-06-01", EXPORTER_CERT, serves_third_party_customers=None),
        AG,
    ),
    # TGL-2 onward narrowed (84 FR 43487)
    Case(
        "tgl2-5g-standards-removed",
        shipment("2019-09-15", HUAWEI, end_use={"activity": "standards_development"}, evidence=HUAWEI_CERT),
        LR,
        POD,
        (TGL_FLAG,),
    ),
    Case("tgl2-network-maintenance", network("2019-09-10"), AG, None, (TGL_AUTH,)),
    Case("tgl2-new-network", network("2019-09-10", activity="new_network"), LR, POD, (TGL_FLAG,)),
    Case("tgl2-exporter-statement-only", network("2019-09-10", EXPORTER_CERT), LR, POD, (TGL_FLAG,)),
    Case("tgl2-contract-after-cutoff", network("2019-09-10", contract_date="2019-06-01"), LR, POD),
    Case("tgl2-capability-upgrade", network("2019-09-10", enhances_capability=True), LR, POD),
    Case("tgl2-network-no-third-party", network("2019-09-10", serves_third_party_customers=False), LR, POD),
    Case("tgl3-consumer-device", handset("2019-12-01", device_kind="consumer_device"), AG, None, (TGL_AUTH,)),
    Case("tgl3-cpe", handset("2020-01-15", device_kind="cpe"), AG),
    Case("tgl6-last-day", handset("2020-08-13"), AG, None, (TGL_AUTH,)),
    Case("tgl-day-after-expiry", handset("2020-08-14"), LR, POD, (TGL_FLAG,)),
    Case(
        "tgl-cybersecurity-research",
        shipment(
            "2019-10-01",
            HUAWEI,
            items=[item(item_type="technology")],
            end_use={"activity": "cybersecurity_research"},
            evidence=HUAWEI_CERT,
        ),
        AG,
    ),
    # Country Chart (738.4) for a non-listed Chinese buyer
    Case(
        "ns1-to-unlisted-buyer",
        shipment("2019-11-10", BUYER, items=[item("5A002.a.1")]),
        LR,
        Policy.SEE_SECTION,
        (CHART_REQ, ("R4-EI", Kind.REQUIREMENT)),
    ),
    Case(
        "at-only-to-unlisted-buyer",
        shipment("2019-11-10", BUYER, items=[item("5A992.c")]),
        NLR,
        None,
        (("R4-CHART", Kind.CLEAR),),
    ),
    Case("ear99-to-unlisted-buyer", shipment("2019-11-10", BUYER), NLR),
    Case("4a994-to-unlisted-buyer", shipment("2019-11-10", BUYER, items=[item("4A994")]), NLR),
    Case(
        "ns1-with-claimed-enc",
        shipment("2019-11-10", BUYER, items=[item("5A002")], evidence={"license_exception": "ENC"}),
        LE,
        None,
        (("R9-LE", Kind.EXCEPTION),),
    ),
    Case(
        "ns1-to-huawei-under-tgl",
        shipment("2019-06-01", HUAWEI, items=[item("5A002")], end_use=HANDSET_PATCH, evidence=EXPORTER_CERT),
        LR,
        Policy.SEE_SECTION,
        (TGL_AUTH, CHART_REQ),
    ),
    Case(
        "at-only-to-huawei-under-tgl",
        shipment("2019-06-01", HUAWEI, items=[item("5A992")], end_use=HANDSET_PATCH, evidence=EXPORTER_CERT),
        AG,
    ),
    Case(
        "exception-cannot-overcome-el", shipment("2019-11-10", HUAWEI, evidence={"license_exception": "ENC"}), LR, POD
    ),
    Case(
        "hong-kong-has-no-chart-row",
        shipment("2019-11-10", party("Example HK Ltd", country="HK"), items=[item("3A991")], destination="HK"),
        INDETERMINATE,
    ),
    Case(
        "cuba-embargo-ear99",
        shipment("2019-11-10", party("Example Havana SA", country="CU"), destination="CU"),
        LR,
        PolD,
        (("R5-GP6", Kind.REQUIREMENT),),
    ),
    # Xinjiang additions, 84 FR 54002, case-by-case ECCN overrides
    Case("hikvision-1a995-2019-10-15", shipment("2019-10-15", HIKVISION, items=[item("1A995")]), LR, CBC, (EL_REQ,)),
    Case("hikvision-ear99-2019-10-15", shipment("2019-10-15", HIKVISION), LR, POD),
    Case("hikvision-ear99-2019-10-01", shipment("2019-10-01", HIKVISION), NLR),
    Case("hikvision-1a995-note-ear99", shipment("2019-10-15", HIKVISION, items=[item(tags=["1a995-note"])]), LR, CBC),
    Case(
        "hikvision-infectious-disease-before-clause",
        shipment("2019-10-15", HIKVISION, items=[item(tags=["infectious-disease"])]),
        LR,
        POD,
    ),
    Case(
        "hikvision-infectious-disease-after-clause",
        shipment("2020-08-01", HIKVISION, items=[item(tags=["infectious-disease"])]),
        LR,
        CBC,
    ),
    Case("hikvision-alias", shipment("2019-10-15", party("Hikvision", role="end_user")), LR, POD),
    # Sugon / Higon, 84 FR 29371, matched by alias
    Case("sugon-by-alias-dawning", shipment("2019-06-25", party("Dawning Information Industry")), LR, POD, (EL_REQ,)),
    Case(
        "higon-by-alias-tianjing-haiguang",
        shipment("2019-06-25", party("Tianjing Haiguang Advanced Technology Investment")),
        LR,
        POD,
    ),
    Case(
        "higon-before-listing", shipment("2019-06-20", party("Tianjing Haiguang Advanced Technology Investment")), NLR
    ),
    # Later Huawei affiliates: 2019-08-19 (84 FR 43495) and 2020-08-17 (85 FR 51603)
    Case(
        "aug-2019-affiliate-on-effective-date",
        shipment("2019-08-19", party("Centre for Integrated Photonics Ltd.", country="GB"), destination="GB"),
        LR,
        POD,
    ),
    Case(
        "aug-2019-affiliate-before",
        shipment("2019-08-18", party("Centre for Integrated Photonics Ltd.", country="GB"), destination="GB"),
        NLR,
    ),
    Case(
        "aug-2020-affiliate-not-tgl-covered",
        shipment("2020-08-18", party("Huawei Cloud Beijing"), end_use=HANDSET_PATCH, evidence=HUAWEI_CERT),
        LR,
        POD,
    ),
    Case("aug-2020-affiliate-before", shipment("2020-08-16", party("Huawei Cloud Beijing")), NLR),
    # Savings clause, standards carve-out, cybersecurity authorization
    Case(
        "savings-clause-en-route",
        shipment("2019-05-22", HUAWEI, evidence={"en_route_since": "2019-05-15"}),
        AG,
        None,
        (("R8-SAVINGS", Kind.AUTHORIZATION),),
    ),
    Case(
        "savings-clause-departed-late",
        shipment("2019-05-22", HUAWEI, evidence={"en_route_since": "2019-05-17"}),
        LR,
        POD,
    ),
    Case(
        "standards-carve-out-technology",
        shipment(
            "2020-07-01", HUAWEI, items=[item(item_type="technology")], end_use={"activity": "standards_development"}
        ),
        AG,
        None,
        (("R8-STANDARDS", Kind.AUTHORIZATION),),
    ),
    Case(
        "standards-carve-out-not-commodities",
        shipment("2020-07-01", HUAWEI, end_use={"activity": "standards_development"}),
        LR,
        POD,
    ),
    Case(
        "cyber-authorization-after-tgl",
        shipment(
            "2020-09-01", HUAWEI, items=[item(item_type="technology")], end_use={"activity": "cybersecurity_research"}
        ),
        AG,
        None,
        (("R8-CYBER", Kind.AUTHORIZATION),),
    ),
    Case(
        "gap-between-tgl-and-cyber",
        shipment("2020-08-16", HUAWEI, end_use={"activity": "cybersecurity_research"}),
        LR,
        POD,
    ),
    # De minimis (734.4): 25% to China, 10% to E:1/E:2
    Case("de-minimis-at-25-percent", foreign(25), NOT_SUBJECT, None, (("R1-SCOPE-DM", Kind.NOT_SUBJECT),)),
    Case("de-minimis-above-25-percent", foreign(25.5), NLR),
    Case("de-minimis-to-huawei-below", foreign(20, "CN", HUAWEI), NOT_SUBJECT),
    Case("de-minimis-to-huawei-above", foreign(30, "CN", HUAWEI), LR, POD),
    Case("de-minimis-syria-above-10", foreign(12, "SY", party("Example Damascus Co", country="SY")), LR, PolD),
    Case("de-minimis-syria-below-10", foreign(8, "SY", party("Example Damascus Co", country="SY")), NOT_SUBJECT),
    Case(
        "de-minimis-unknown-content",
        shipment("2019-11-10", BUYER, items=[item("3A991", foreign_made=True)], type="reexport"),
        INDETERMINATE,
    ),
    Case(
        "huawei-fdp-not-evaluated",
        foreign(20, "CN", HUAWEI, day="2020-06-01"),
        INDETERMINATE,
        None,
        (("R1-SCOPE-FDP", Kind.UNRESOLVED),),
    ),
    # Other lists and prohibitions
    Case(
        "denied-person-forwarder",
        shipment("2019-11-10", BUYER, party("ALEX CABY", "forwarder", "BG")),
        PROHIBITED,
        None,
        (("R2-GP4", Kind.PROHIBITION),),
    ),
    Case(
        "denied-person-before-order",
        shipment("2019-10-01", BUYER, party("ALEX CABY", "forwarder", "BG")),
        NLR,
        None,
        (("R2-GP4", Kind.CLEAR),),
    ),
    Case("sdn-npwmd", shipment("2019-11-10", party("7TH OF TIR", country="IR"), destination="AE"), PROHIBITED),
    Case(
        "uvl-bars-exception",
        shipment(
            "2019-11-10", party("AW Industrial Ltd"), items=[item("5A002")], evidence={"license_exception": "ENC"}
        ),
        LR,
        None,
        (("R6-UVL", Kind.FLAG),),
    ),
    Case("meu-before-list", shipment("2020-12-01", party("AECC Aviation Power Co. Ltd."), items=[item("3A991")]), NLR),
    Case(
        "meu-supp2-undecided",
        shipment("2020-12-28", party("AECC Aviation Power Co. Ltd."), items=[item("3A991")]),
        INDETERMINATE,
    ),
    Case(
        "meu-supp2-item",
        shipment("2020-12-28", party("AECC Aviation Power Co. Ltd."), items=[item("3A991", tags=["744-supp2"])]),
        LR,
        POD,
    ),
    Case("red-flag", shipment("2019-11-10", BUYER, red_flags=["buyer declined to state end use"]), PROHIBITED),
    Case(
        "military-end-use-knowledge",
        shipment("2019-11-10", BUYER, items=[item("3A991", tags=["744-supp2"])], knowledge=["military_end_use"]),
        LR,
        POD,
    ),
    Case(
        "huawei-as-forwarder-is-a-flag",
        shipment("2019-11-10", BUYER, party("Huawei Technologies Co., Ltd.", "forwarder")),
        NLR,
        None,
        (("R6-EL", Kind.FLAG),),
    ),
    Case(
        "review-band-match-is-unresolved",
        shipment("2019-11-10", party("Hikvison Digital Technologies")),
        INDETERMINATE,
        None,
        (("R6-REVIEW", Kind.UNRESOLVED),),
    ),
    Case(
        "dpl-outranks-unresolved",
        shipment("2019-11-10", party("Hikvison Digital Technologies"), party("ALEX CABY", "forwarder", "BG")),
        PROHIBITED,
    ),
    # Coverage and classification gaps are never a silent NLR
    Case(
        "date-before-rule-data", shipment("2018-06-01", BUYER), INDETERMINATE, None, (("R0-COVERAGE", Kind.UNRESOLVED),)
    ),
    Case("date-after-lists", shipment("2022-06-01", BUYER), INDETERMINATE, None, (("R0-COVERAGE", Kind.UNRESOLVED),)),
    Case(
        "eccn-not-in-rule-data",
        shipment("2019-11-10", BUYER, items=[item("3A090")]),
        INDETERMINATE,
        None,
        (("R3-CLASS", Kind.UNRESOLVED),),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_scenario(case: Case) -> None:
    result = determine(case.transaction, case.as_of, matcher=small_matcher())
    summary = [(f.rule, f.kind.value, f.reason) for f in result.findings]
    assert result.status is case.status, summary
    if case.policy is not None or case.status in (NLR, AG, NOT_SUBJECT):
        assert result.review_policy is case.policy, summary
    fired = {(f.rule, f.kind) for f in result.findings}
    for expected in case.must_fire:
        assert expected in fired, summary


def test_at_least_forty_scenarios() -> None:
    assert len(CASES) >= 40 and len({case.name for case in CASES}) == len(CASES)
