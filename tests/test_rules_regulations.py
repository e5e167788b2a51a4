"""Scenario table for the regulatory-fidelity findings of issue 13: every case names the FR notice or CFR
section it comes from, and each rule is tested before and after its effective date, in both directions
(docs/regulations.md explains each rule)."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import pytest
from rules_support import BUYER, HUAWEI, HUAWEI_CERT, NETWORK_SUPPORT, ListsAsOf, item, party, shipment, small_matcher

from exportguard.rules import Kind, Policy, Status, TransactionError, determine

LR, NLR, AG = Status.LICENSE_REQUIRED, Status.NLR, Status.AUTHORIZED_GENERAL
INDET, NOT_SUBJECT = Status.INDETERMINATE, Status.NOT_SUBJECT
POD, CBC = Policy.PRESUMPTION_OF_DENIAL, Policy.CASE_BY_CASE
#: Lists as if updated today, for dates after the bundled 2022 snapshot.
CURRENT = date(2026, 12, 1)


class Case(NamedTuple):
    name: str
    source: str
    transaction: dict[str, Any]
    status: Status
    must_fire: tuple[tuple[str, Kind], ...] = ()
    must_not_fire: tuple[tuple[str, Kind], ...] = ()
    policy: Policy | None = None
    current_lists: bool = False


def to(country: str, day: str, eccn: str = "EAR99", **fields: Any) -> dict[str, Any]:
    """An unlisted buyer in ``country`` receiving one item."""
    buyer = party(f"Example Trading Company of {country}", country=country)
    return shipment(day, buyer, items=[item(eccn, **fields.pop("item_fields", {}))], destination=country, **fields)


def foreign(
    day: str, *parties: dict[str, Any], pct: float = 10, kind: str = "reexport", **facts: Any
) -> dict[str, Any]:
    """A foreign-made 3A991 item with ``pct``% controlled U.S. content, moved from abroad by default."""
    made = item("3A991", foreign_made=True, us_content_pct=pct, **facts)
    location = {"item_location": "TW"} if kind == "reexport" else {}
    return shipment(day, *(parties or (BUYER,)), items=[made], type=kind, **location)


def fdp(day: str, *parties: dict[str, Any], **facts: Any) -> dict[str, Any]:
    """A foreign-made chip below de minimis, with the foreign direct product facts given."""
    return foreign(day, *(parties or (HUAWEI,)), pct=5, **facts)


HK_HUAWEI = party("Huawei Device (Hong Kong) Co., Limited, Tsim Sha Tsui", country="HK")  # the entry name as published
HIKVISION = party("Hangzhou Hikvision Digital Technology Co., Ltd.", role="end_user")
DAHUA = party("Dahua Technology", role="end_user")
SMIC = party("Semiconductor Manufacturing International Corporation")
PHOTONICS = party("Centre for Integrated Photonics Ltd.", country="GB")
IRANIAN = party("Example Tehran Trading Co", role="forwarder", country="IR")
MEU = party("Example Aviation Institute", country="CN")
MEU_FLAG = {**MEU, "military_end_user": True}
AFFILIATE = {**party("Example Majority-Owned Subsidiary Ltd", country="CN"), "owned_by_listed": True}
NOT_AFFILIATE = {**AFFILIATE, "owned_by_listed": False}
SUPP2 = {"item_fields": {"tags": ["744-supp2"]}}
TECH = [item(item_type="technology")]
CYBER = {"activity": "cybersecurity_research"}
STANDARDS = {"activity": "standards_development"}
TSMC_CHIP = {"direct_product_of": ["3E001"], "huawei_technology": True}

CHART_REQ, CHART_CLEAR, CHART_OPEN = (
    ("R4-CHART", Kind.REQUIREMENT),
    ("R4-CHART", Kind.CLEAR),
    ("R4-CHART", Kind.UNRESOLVED),
)
SD_REQ, RS_REQ = ("R4-AT-SD", Kind.REQUIREMENT), ("R4-RS", Kind.REQUIREMENT)
DM_NOT, DM_CLEAR = ("R1-SCOPE-DM", Kind.NOT_SUBJECT), ("R1-SCOPE-DM", Kind.CLEAR)
FDP_REQ, FDP_OPEN, FDP_CLEAR = (
    ("R1-SCOPE-FDP", Kind.REQUIREMENT),
    ("R1-SCOPE-FDP", Kind.UNRESOLVED),
    ("R1-SCOPE-FDP", Kind.CLEAR),
)
EL_REQ, TGL_AUTH, TGL_FLAG, TGL_OPEN = (
    ("R6-EL", Kind.REQUIREMENT),
    ("R8-TGL", Kind.AUTHORIZATION),
    ("R8-TGL", Kind.FLAG),
    ("R8-TGL", Kind.UNRESOLVED),
)
CYBER_AUTH, MIL_REQ, MIL_OPEN, MIL_CLEAR = (
    ("R8-CYBER", Kind.AUTHORIZATION),
    ("R6-MIL", Kind.REQUIREMENT),
    ("R6-MIL", Kind.UNRESOLVED),
    ("R6-MIL", Kind.CLEAR),
)
LATER, REVIEW_FLAG, REVIEW_OPEN = (
    ("R0-LATER", Kind.UNRESOLVED),
    ("R6-REVIEW", Kind.FLAG),
    ("R6-REVIEW", Kind.UNRESOLVED),
)
COVERAGE_OPEN, COVERAGE_FLAG = ("R0-COVERAGE", Kind.UNRESOLVED), ("R0-COVERAGE", Kind.FLAG)

AUKUS, HK_RULE, RU_YE = (
    "89 FR 28594 (eff. 2024-04-19); Supp. No. 1 to part 738",
    "85 FR 83765 (eff. 2020-12-23)",
    "85 FR 10274 (eff. 2020-02-24)",
)
SUDAN, RS_983 = "15 CFR 742.10; FR Doc 2020-29037 (eff. 2021-01-14)", "15 CFR 742.6(a)(3), (c)(1)"
SCOPE, DM = "15 CFR 734.3(a)(1)", "15 CFR 734.4(c)-(d)"
TGL, TGL_2, CYBER_RULE = "84 FR 23468 (Supp. No. 7 to part 744)", "84 FR 43487", "85 FR 51596"
MIL_RULE, GP1, SMIC_RULE, XINJIANG = (
    "15 CFR 744.21; 85 FR 23459 (eff. 2020-06-29)",
    "15 CFR 736.2(b)(1)",
    "85 FR 83416 (eff. 2020-12-18)",
    "84 FR 54002",
)
FDP_1, FDP_2 = "85 FR 29849 (eff. 2020-05-15); 736.2(b)(3)(vi)", "85 FR 51596 (eff. 2020-08-17); 736.2(b)(3)(vi)"
RUSSIA, COMPUTING, OTHER_FDP, AFFILIATES = (
    "87 FR 12226 (eff. 2022-02-24)",
    "87 FR 62186 (eff. 2022-10-07)",
    "87 FR 6024; 15 CFR 734.9",
    "90 FR 47201 (eff. 2025-09-29); suspension 2025-11-10..2026-11-09",
)
DECIDED = "15 CFR 744.11(a); Supp. No. 4 to part 744 (an all-items requirement decides)"

CASES: list[Case] = []
# Finding 1: the Country Chart in force on the date.
for country in ("GB", "AU"):
    for day, status in (
        ("2019-11-10", LR),
        ("2022-03-01", LR),
        ("2024-04-18", LR),
        ("2024-04-19", NLR),
        ("2026-06-01", NLR),
    ):
        fired = (CHART_REQ,) if status is LR else (CHART_CLEAR,)
        CASES.append(
            Case(f"aukus-3a001-{country}-{day}", AUKUS, to(country, day, "3A001"), status, fired, current_lists=True)
        )
    CASES.append(Case(f"aukus-ear99-{country}-2019", AUKUS, to(country, "2019-11-10"), NLR, (CHART_CLEAR,)))
for day, eccn, status, fired in (
    ("2020-12-22", "3A991", INDET, CHART_OPEN), ("2020-12-23", "3A991", NLR, CHART_CLEAR),
    ("2020-12-22", "3A001", INDET, CHART_OPEN), ("2020-12-23", "3A001", LR, CHART_REQ),
    ("2019-11-10", "EAR99", NLR, CHART_CLEAR), ("2021-06-01", "3A001", LR, CHART_REQ),
):  # fmt: skip
    CASES.append(Case(f"hong-kong-{eccn}-{day}", HK_RULE, to("HK", day, eccn), status, (fired,)))
for country in ("RU", "YE"):
    for day in ("2020-02-23", "2020-02-24"):
        CASES.append(Case(f"country-groups-{country}-3a001-{day}", RU_YE, to(country, day, "3A001"), LR, (CHART_REQ,)))
    CASES.append(Case(f"country-groups-{country}-ear99-2020", RU_YE, to(country, "2020-03-01"), NLR))

# Finding 2: anti-terrorism controls on Sudan until the 2021-01-14 amendment.
for eccn in ("5A992", "3A991", "4A994"):
    for day, status in (("2019-06-01", LR), ("2020-12-14", LR), ("2021-01-13", LR), ("2021-01-14", NLR)):
        fired = (SD_REQ,) if status is LR else ()
        not_fired = () if status is LR else (SD_REQ,)
        CASES.append(Case(f"sudan-at-{eccn}-{day}", SUDAN, to("SD", day, eccn), status, fired, not_fired))
CASES += [
    Case("sudan-at-ear99-2019", SUDAN, to("SD", "2019-06-01"), NLR, (), (SD_REQ,)),
    Case("sudan-at-1a999-2019", SUDAN, to("SD", "2019-06-01", "1A999"), NLR, (), (SD_REQ,)),
    Case("sudan-at-reexport-2019", SUDAN, to("SD", "2019-06-01", "5A992", type="reexport"), LR, (SD_REQ,)),
    Case("sudan-at-transfer-2019", SUDAN, to("SD", "2019-06-01", "5A992", type="transfer"), NLR, (), (SD_REQ,)),
    Case("sudan-de-minimis-12pct-2019", f"{DM}; {SUDAN}",
         {**foreign("2019-06-01", party("Example Khartoum Co", country="SD"), pct=12), "destination": "SD"}, LR, (DM_CLEAR, SD_REQ)),
    Case("sudan-de-minimis-12pct-2021", f"{DM}; {SUDAN}",
         {**foreign("2021-06-01", party("Example Khartoum Co", country="SD"), pct=12), "destination": "SD"}, NOT_SUBJECT, (DM_NOT,)),
]  # fmt: skip

# Finding 3: 2A983/2D983/2E983 carry regional-stability controls outside the chart.
for eccn in ("2A983", "2D983", "2E983"):
    CASES.append(Case(f"rs-{eccn}-to-china", RS_983, to("CN", "2019-11-10", eccn), LR, (RS_REQ,)))
    CASES.append(Case(f"rs-{eccn}-to-germany", RS_983, to("DE", "2019-11-10", eccn), LR, (RS_REQ,)))
    CASES.append(Case(f"rs-{eccn}-to-canada", RS_983, to("CA", "2019-11-10", eccn), NLR, (), (RS_REQ,)))
CASES += [
    Case("rs-2a983-hikvision-case-by-case", f"{RS_983}; {XINJIANG}", shipment("2019-10-15", HIKVISION, items=[item("2A983")]), LR, (RS_REQ, EL_REQ)),
    Case("rs-2a983-transfer", RS_983, to("CN", "2019-11-10", "2A983", type="transfer"), NLR, (), (RS_REQ,)),
]  # fmt: skip

# Finding 4 and 13: an item in the United States is subject whatever its origin; de minimis only abroad.
for pct in (5, 10, 20):
    CASES.append(
        Case(
            f"us-located-foreign-{pct}pct-to-huawei",
            SCOPE,
            foreign("2019-11-10", HUAWEI, pct=pct, kind="export"),
            LR,
            (DM_CLEAR, EL_REQ),
        )
    )
    CASES.append(
        Case(f"abroad-foreign-{pct}pct-to-huawei", DM, foreign("2019-11-10", HUAWEI, pct=pct), NOT_SUBJECT, (DM_NOT,))
    )
    CASES.append(
        Case(
            f"us-located-foreign-{pct}pct-to-buyer",
            SCOPE,
            foreign("2019-11-10", pct=pct, kind="export"),
            NLR,
            (DM_CLEAR,),
        )
    )
    CASES.append(
        Case(
            f"transfer-foreign-{pct}pct-huawei",
            DM,
            foreign("2019-11-10", HUAWEI, pct=pct, kind="transfer"),
            NOT_SUBJECT,
            (DM_NOT,),
        )
    )
CASES += [
    Case("abroad-foreign-30pct-to-huawei", DM, foreign("2019-11-10", HUAWEI, pct=30), LR, (DM_CLEAR, EL_REQ)),
    Case("us-made-reexport-to-huawei", "15 CFR 734.3(a)(2)", shipment("2019-11-10", HUAWEI, type="reexport"), LR, (EL_REQ,)),
    Case("us-located-unknown-content-to-buyer", SCOPE, shipment("2019-11-10", BUYER, items=[item("3A991", foreign_made=True)]), NLR),
]  # fmt: skip

# Finding 5: the TGL cybersecurity and standards categories and the 2020 authorization cover information only.
for day, evidence in (
    ("2019-06-01", {"tgl_certification": {"source": "exporter_statement"}}),
    ("2019-10-01", HUAWEI_CERT),
    ("2020-03-01", HUAWEI_CERT),
):
    CASES.append(
        Case(
            f"tgl-cyber-commodity-{day}",
            TGL,
            shipment(day, HUAWEI, end_use=CYBER, evidence=evidence),
            LR,
            (TGL_FLAG,),
            policy=POD,
        )
    )
    CASES.append(
        Case(
            f"tgl-cyber-technology-{day}",
            TGL,
            shipment(day, HUAWEI, items=TECH, end_use=CYBER, evidence=evidence),
            AG,
            (TGL_AUTH,),
        )
    )
    CASES.append(
        Case(
            f"tgl-cyber-software-{day}",
            TGL,
            shipment(day, HUAWEI, items=[item(item_type="software")], end_use=CYBER, evidence=evidence),
            LR,
        )
    )
for day, status in (("2020-08-16", LR), ("2020-08-17", AG), ("2020-09-01", AG), ("2021-06-01", AG)):
    CASES.append(
        Case(f"cyber-auth-technology-{day}", CYBER_RULE, shipment(day, HUAWEI, items=TECH, end_use=CYBER), status)
    )
    CASES.append(
        Case(
            f"cyber-auth-servers-{day}",
            CYBER_RULE,
            shipment(day, HUAWEI, items=[item(description="servers")], end_use=CYBER),
            LR,
            policy=POD,
        )
    )
CASES += [
    Case("tgl1-5g-standards-commodity", TGL, shipment("2019-06-15", HUAWEI, end_use=STANDARDS, evidence={"tgl_certification": {"source": "exporter_statement"}}), LR, (TGL_FLAG,)),
    Case("tgl1-5g-standards-technology", TGL, shipment("2019-06-15", HUAWEI, items=TECH, end_use=STANDARDS, evidence={"tgl_certification": {"source": "exporter_statement"}}), AG, (TGL_AUTH,)),
    Case("tgl-cyber-mixed-lifts-only-technology", TGL, shipment("2019-10-01", HUAWEI, items=[*TECH, item()], end_use=CYBER, evidence=HUAWEI_CERT), LR, (TGL_AUTH,)),
]  # fmt: skip

# Finding 6: no TGL for Country Group E; the strict reading of the August 2019 affiliates' cut-off.
for day in ("2019-06-01", "2019-09-10", "2020-07-01"):
    net = shipment(
        day,
        HUAWEI,
        end_use=NETWORK_SUPPORT,
        evidence=HUAWEI_CERT if day > "2019-08-19" else {"tgl_certification": {"source": "exporter_statement"}},
    )
    CASES.append(Case(f"tgl-network-{day}", TGL, net, AG, (TGL_AUTH,)))
    CASES.append(
        Case(
            f"tgl-network-iranian-forwarder-{day}", TGL, {**net, "parties": [*net["parties"], IRANIAN]}, LR, (TGL_FLAG,)
        )
    )
for contract, status, fired in (
    ("2019-05-16", AG, TGL_AUTH),
    ("2019-05-17", INDET, TGL_OPEN),
    ("2019-08-19", INDET, TGL_OPEN),
    ("2019-08-20", LR, TGL_FLAG),
):
    network = shipment(
        "2019-09-10",
        PHOTONICS,
        end_use={**NETWORK_SUPPORT, "contract_date": contract},
        evidence=HUAWEI_CERT,
        destination="GB",
    )
    CASES.append(Case(f"tgl-aug-2019-affiliate-contract-{contract}", TGL_2, network, status, (fired,)))
for contract, status in (("2019-05-16", AG), ("2019-05-17", LR)):
    CASES.append(
        Case(
            f"tgl-original-entity-contract-{contract}",
            TGL,
            shipment(
                "2019-09-10", HUAWEI, end_use={**NETWORK_SUPPORT, "contract_date": contract}, evidence=HUAWEI_CERT
            ),
            status,
        )
    )

# Finding 7: 744.21 by destination, date and Supp. No. 2 item.
for day, status, fired in (("2020-06-28", NLR, MIL_CLEAR), ("2020-06-29", LR, MIL_REQ), ("2020-12-01", LR, MIL_REQ)):
    CASES.append(
        Case(
            f"meu-end-user-china-{day}",
            MIL_RULE,
            shipment(day, MEU_FLAG, items=[item("3A991", tags=["744-supp2"])]),
            status,
            (fired,),
        )
    )
CASES += [
    Case("meu-end-use-china-2019-supp2", MIL_RULE, to("CN", "2019-11-10", "3A991", knowledge=["military_end_use"], **SUPP2), LR, (MIL_REQ,), policy=POD),
    Case("meu-end-use-china-2019-ear99", MIL_RULE, to("CN", "2019-11-10", knowledge=["military_end_use"]), NLR, (MIL_CLEAR,)),
    Case("meu-end-use-china-2019-untagged", MIL_RULE, to("CN", "2019-11-10", "3A991", knowledge=["military_end_use"]), INDET, (MIL_OPEN,)),
    Case("meu-end-use-germany-2019", MIL_RULE, to("DE", "2019-11-10", "3A991", knowledge=["military_end_use"], **SUPP2), NLR, (MIL_CLEAR,)),
    Case("meu-end-use-germany-2020", MIL_RULE, to("DE", "2020-07-01", "3A991", knowledge=["military_end_use"], **SUPP2), NLR, (MIL_CLEAR,)),
    Case("meu-end-use-russia-2019", MIL_RULE, to("RU", "2019-11-10", "3A991", knowledge=["military_end_use"], **SUPP2), LR, (MIL_REQ,)),
    Case("meu-end-use-venezuela-2019", MIL_RULE, to("VE", "2019-11-10", "3A991", knowledge=["military_end_use"], **SUPP2), LR, (MIL_REQ,)),
    Case("meu-end-user-russia-2019", MIL_RULE, shipment("2019-11-10", {**MEU_FLAG, "country": "RU"}, items=[item("3A991", tags=["744-supp2"])], destination="RU"), LR, (MIL_REQ,)),
    Case("meu-end-use-burma-2021", MIL_RULE, to("MM", "2021-06-01", "3A991", knowledge=["military_end_use"], **SUPP2), INDET, (MIL_OPEN,)),
    Case("meu-end-user-as-forwarder", MIL_RULE, shipment("2020-07-01", BUYER, {**MEU_FLAG, "role": "forwarder"}, items=[item("3A991", tags=["744-supp2"])]), NLR),
    Case("meu-end-user-false", MIL_RULE, shipment("2020-07-01", {**MEU, "military_end_user": False}, items=[item("3A991", tags=["744-supp2"])]), NLR),
]  # fmt: skip

# Finding 8: the Country Chart covers exports and reexports, not transfers (in-country).
for kind, status in (("export", LR), ("reexport", LR), ("transfer", NLR)):
    CASES.append(Case(f"gp1-3a001-{kind}", GP1, to("CN", "2019-11-10", "3A001", type=kind), status))
    CASES.append(
        Case(
            f"gp1-huawei-ear99-{kind}",
            f"{GP1}; 15 CFR 744.11",
            shipment("2019-11-10", HUAWEI, type=kind),
            LR,
            (EL_REQ,),
        )
    )

# Finding 9: SMIC's split policy, from its effective date.
for day, status in (("2020-12-17", NLR), ("2020-12-18", LR), ("2021-03-01", LR)):
    policy = CBC if status is LR else None
    CASES.append(Case(f"smic-ear99-{day}", SMIC_RULE, shipment(day, SMIC), status, policy=policy))
CASES += [
    Case("smic-advanced-node-item", SMIC_RULE, shipment("2021-03-01", SMIC, items=[item(tags=["advanced-node"])]), LR, policy=POD),
    Case("smic-mixed-items-most-restrictive", SMIC_RULE, shipment("2021-03-01", SMIC, items=[item(), item(tags=["advanced-node"])]), LR, policy=POD),
]  # fmt: skip

# Finding 10: the Xinjiang case-by-case list names 1A999.a, not the whole of 1A999.
for who, entity in (("hikvision", HIKVISION), ("dahua", DAHUA)):
    for eccn, policy in (
        ("1A999.a", CBC),
        ("1A999.a.1", CBC),
        ("1A999", POD),
        ("1A999.b", POD),
        ("1A995", CBC),
        ("1A995.b", CBC),
    ):
        CASES.append(
            Case(
                f"{who}-{eccn}",
                XINJIANG,
                shipment("2019-10-15", entity, items=[item(eccn)]),
                LR,
                (EL_REQ,),
                policy=policy,
            )
        )

# Finding 11: an answer the law decides is not held open by a question that cannot change it.
CASES += [
    Case("dahua-unrelated-dpl-review-band", DECIDED, shipment("2019-11-10", DAHUA), LR, (EL_REQ, REVIEW_FLAG), (REVIEW_OPEN,), policy=POD),
    Case("dahua-before-listing-review-band-open", DECIDED, shipment("2019-10-01", DAHUA), INDET, (REVIEW_OPEN,)),
    Case("hk-huawei-affiliate-before-hk-removal", f"{DECIDED}; {HK_RULE}", shipment("2020-12-01", HK_HUAWEI, items=[item("3A991")], destination="HK"), LR, (EL_REQ, CHART_OPEN)),
    Case("hk-huawei-affiliate-ear99-2019", DECIDED, shipment("2019-11-10", HK_HUAWEI, destination="HK"), LR, (EL_REQ,)),
    Case("hk-huawei-affiliate-after-hk-removal", DECIDED, shipment("2020-12-23", HK_HUAWEI, items=[item("3A991")], destination="HK"), LR, (EL_REQ, CHART_CLEAR)),
    Case("huawei-unknown-eccn-decided", DECIDED, shipment("2019-11-10", HUAWEI, items=[item("3A090")]), LR, (EL_REQ, ("R3-CLASS", Kind.UNRESOLVED))),
    Case("buyer-unknown-eccn-open", "15 CFR 738.2", shipment("2019-11-10", BUYER, items=[item("3A090")]), INDET),
    Case("huawei-unknown-content-open", DM, shipment("2019-11-10", HUAWEI, items=[item("3A991", foreign_made=True)], type="reexport"), INDET),
    Case("huawei-unknown-supp2-decided", DECIDED, shipment("2020-07-01", {**HUAWEI, "military_end_user": True}, items=[item("3A991")]), LR, (EL_REQ, MIL_OPEN)),
    Case("huawei-with-denied-forwarder-prohibited", "15 CFR 736.2(b)(4)", shipment("2019-11-10", HUAWEI, party("ALEX CABY", "forwarder", "BG")), Status.PROHIBITED),
]  # fmt: skip

# Finding 12: the Huawei foreign direct product rules.
CASES += [
    Case("fdp1-day-before", FDP_1, fdp("2020-05-14", **TSMC_CHIP), NOT_SUBJECT, (DM_NOT,), (FDP_REQ,)),
    Case("fdp1-effective-day", FDP_1, fdp("2020-05-15", **TSMC_CHIP), LR, (FDP_REQ, EL_REQ)),
    Case("fdp1-plant-direct-product", FDP_1, fdp("2020-06-01", plant_direct_product_of=["3B001", "3D001"], huawei_technology=True), LR, (FDP_REQ,)),
    Case("fdp1-not-huawei-technology", FDP_1, fdp("2020-06-01", direct_product_of=["3E001"], huawei_technology=False), NOT_SUBJECT, (FDP_CLEAR,)),
    Case("fdp1-unlisted-eccn", FDP_1, fdp("2020-06-01", direct_product_of=["2E001"], huawei_technology=True), NOT_SUBJECT, (FDP_CLEAR,)),
    Case("fdp1-wind-down", FDP_1, fdp("2020-07-01", production_started="2020-05-01", **TSMC_CHIP), NOT_SUBJECT, (FDP_CLEAR,)),
    Case("fdp1-production-after-rule", FDP_1, fdp("2020-07-01", production_started="2020-05-20", **TSMC_CHIP), LR, (FDP_REQ,)),
    Case("fdp1-facts-not-stated", FDP_1, fdp("2020-06-01"), INDET, (FDP_OPEN,)),
    Case("fdp1-huawei-technology-not-stated", FDP_1, fdp("2020-06-01", direct_product_of=["3E001"]), INDET, (FDP_OPEN,)),
    Case("fdp1-incorporation-knowledge-not-enough", FDP_1, {**fdp("2020-08-16", BUYER, direct_product_of=["5E001"], huawei_technology=False), "knowledge": ["huawei_incorporation"]}, NOT_SUBJECT, (DM_NOT,), (FDP_REQ,)),
    Case("fdp2-any-direct-product", FDP_2, fdp("2020-08-17", direct_product_of=["5E001"], huawei_technology=False), LR, (FDP_REQ,)),
    Case("fdp2-wind-down-over", FDP_2, fdp("2020-09-01", production_started="2020-05-01", **TSMC_CHIP), LR, (FDP_REQ,)),
    Case("fdp2-incorporation-knowledge", FDP_2, {**fdp("2020-08-17", BUYER, direct_product_of=["5E001"]), "knowledge": ["huawei_incorporation"]}, LR, (FDP_REQ,), policy=POD),
    Case("fdp2-no-huawei-involvement", FDP_2, fdp("2020-09-01", BUYER, direct_product_of=["5E001"]), NOT_SUBJECT, (DM_NOT,), (FDP_REQ,)),
    Case("fdp2-unlisted-eccn", FDP_2, fdp("2020-09-01", direct_product_of=["2E001"]), NOT_SUBJECT, (FDP_CLEAR,)),
    Case("fdp2-plant", FDP_2, fdp("2020-09-01", plant_direct_product_of=["3D001"]), LR, (FDP_REQ,)),
    Case("fdp2-facts-not-stated", FDP_2, fdp("2020-09-01"), INDET, (FDP_OPEN,)),
    Case("fdp2-huawei-as-forwarder-only", FDP_2, fdp("2020-09-01", BUYER, party("Huawei Technologies Co., Ltd.", "forwarder"), direct_product_of=["5E001"]), NOT_SUBJECT, (DM_NOT,), (FDP_REQ,)),
    Case("fdp-export-from-us-not-needed", f"{FDP_2}; {SCOPE}", foreign("2020-09-01", HUAWEI, pct=5, kind="export"), LR, (EL_REQ,), (FDP_REQ,)),
]  # fmt: skip

# Finding 14: any date up to today, from dated data; later regimes only when the facts bring them in.
CASES += [
    Case("hikvision-2021", XINJIANG, shipment("2021-06-01", HIKVISION), LR, (EL_REQ, COVERAGE_FLAG), policy=POD),
    Case("huawei-2022-01", "84 FR 22961", shipment("2022-01-10", HUAWEI), LR, (EL_REQ,), policy=POD),
    Case("buyer-2022-03-lists-in-force", "dated lists", shipment("2022-03-01", BUYER), NLR, (COVERAGE_FLAG,)),
    Case("buyer-past-list-snapshot", "dated lists", shipment("2022-06-01", BUYER), INDET, (COVERAGE_OPEN,)),
    Case("before-rule-data", "dated rules", shipment("2018-12-31", BUYER), INDET, (COVERAGE_OPEN,)),
    Case("after-today", "dated rules", shipment("2099-01-01", BUYER), INDET, (COVERAGE_OPEN,), current_lists=True),
    Case("buyer-2025-current-lists", "dated lists", shipment("2025-06-01", BUYER), NLR, (COVERAGE_FLAG,), (LATER,), current_lists=True),
    Case("huawei-2026-current-lists", "84 FR 22961", shipment("2026-06-01", HUAWEI), LR, (EL_REQ,), current_lists=True),
]  # fmt: skip
for country in ("RU", "BY"):
    CASES.append(
        Case(f"part-746-{country}-2022-02-23", RUSSIA, to(country, "2022-02-23"), NLR, (), (LATER,), current_lists=True)
    )
    CASES.append(
        Case(f"part-746-{country}-2022-02-24", RUSSIA, to(country, "2022-02-24"), INDET, (LATER,), current_lists=True)
    )
    CASES.append(
        Case(
            f"part-746-{country}-party-2023",
            RUSSIA,
            shipment("2023-01-10", BUYER, party("Example Moscow LLC", "end_user", country)),
            INDET,
            (LATER,),
            current_lists=True,
        )
    )
for day, status in (("2022-10-06", NLR), ("2022-10-07", INDET), ("2024-12-02", INDET)):
    CASES.append(
        Case(
            f"advanced-computing-4a994-china-{day}",
            COMPUTING,
            to("CN", day, "4A994"),
            status,
            (LATER,) if status is INDET else (),
            (LATER,) if status is NLR else (),
            current_lists=True,
        )
    )
CASES += [
    Case("advanced-computing-4a994-germany-2023", COMPUTING, to("DE", "2023-01-10", "4A994"), NLR, (), (LATER,), current_lists=True),
    Case("advanced-computing-ear99-china-2023", COMPUTING, to("CN", "2023-01-10"), NLR, (), (LATER,), current_lists=True),
    Case("other-fdp-2022-02-23", OTHER_FDP, {**fdp("2022-02-23", BUYER, direct_product_of=["5E001"]), "destination": "DE"}, NOT_SUBJECT, (), (LATER,), current_lists=True),
    Case("other-fdp-2022-02-24", OTHER_FDP, {**fdp("2022-02-24", BUYER, direct_product_of=["5E001"]), "destination": "DE"}, INDET, (LATER,), current_lists=True),
    Case("other-fdp-no-facts-2023", OTHER_FDP, {**fdp("2023-01-10", BUYER), "destination": "DE"}, NOT_SUBJECT, (), (LATER,), current_lists=True),
]  # fmt: skip
for day, status in (
    ("2025-09-28", NLR),
    ("2025-09-29", INDET),
    ("2025-11-09", INDET),
    ("2025-11-10", NLR),
    ("2026-11-09", NLR),
    ("2026-11-10", INDET),
):
    fired, not_fired = ((LATER,), ()) if status is INDET else ((), (LATER,))
    CASES.append(
        Case(
            f"affiliates-rule-{day}", AFFILIATES, shipment(day, AFFILIATE), status, fired, not_fired, current_lists=True
        )
    )
    CASES.append(
        Case(
            f"affiliates-rule-not-owned-{day}",
            AFFILIATES,
            shipment(day, NOT_AFFILIATE),
            NLR,
            (),
            (LATER,),
            current_lists=True,
        )
    )
CASES.append(
    Case(
        "affiliates-rule-suspended-flag",
        AFFILIATES,
        shipment("2026-01-10", AFFILIATE),
        NLR,
        (("R0-LATER", Kind.FLAG),),
        current_lists=True,
    )
)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_regulation(case: Case) -> None:
    matcher = ListsAsOf(CURRENT) if case.current_lists else small_matcher()
    result = determine(case.transaction, matcher=matcher)
    summary = [(f.rule, f.kind.value, f.reason) for f in result.findings]
    assert result.status is case.status, summary
    if case.policy is not None:
        assert result.review_policy is case.policy, summary
    fired = {(f.rule, f.kind) for f in result.findings}
    assert set(case.must_fire) <= fired, summary
    assert not set(case.must_not_fire) & fired, summary


def test_scenario_table_size_and_sources() -> None:
    assert len(CASES) >= 150 and len({case.name for case in CASES}) == len(CASES)
    assert all(case.source for case in CASES)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "export", "item_location": "CN"}, "item_location"),
        ({"type": "transfer", "item_location": "DE"}, "item_location"),
        ({"type": "reexport", "item_location": "US"}, "item_location"),
        ({"type": "reexport", "item_location": "CN"}, "item_location"),
        ({"parties": [{**BUYER, "military_end_user": "yes"}]}, "parties[0].military_end_user"),
        ({"items": [item(direct_product_of=["not-an-eccn"])]}, "items[0].direct_product_of"),
        ({"knowledge": ["huawei_design"]}, "knowledge"),
    ],
)
def test_movement_and_fact_errors_name_the_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(TransactionError, match=field.replace("[", r"\[").replace("]", r"\]")):
        determine({**shipment("2019-11-10", BUYER), **fields}, matcher=small_matcher())


def test_item_location_follows_the_movement() -> None:
    exported = determine(shipment("2019-11-10", BUYER), matcher=small_matcher())
    transferred = determine(shipment("2019-11-10", BUYER, type="transfer"), matcher=small_matcher())
    assert exported.inputs["item_location"] == "US" and transferred.inputs["item_location"] == "CN"
