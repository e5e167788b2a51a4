"""Shared helpers for the determination tests: a screener over a small real-data snapshot and
builders for transactions as they appear in shipment files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from functools import lru_cache
from typing import Any

from exportguard.lists.bundled import bundled_csl
from exportguard.lists.model import ListSnapshot
from exportguard.matching.model import Hit
from exportguard.matching.screener import Screener
from exportguard.rules.parties import ScreenerMatcher

#: Real entries of the bundled 2022 CSL the scenarios need (names as published, any alias).
SNAPSHOT_NAMES = ("huawei", "hikvision", "sugon", "higon", "dahua", "centre for integrated photonics",
                  "alex caby", "7th of tir", "aecc aviation power", "aw industrial",
                  "semiconductor manufacturing international")  # fmt: skip


@lru_cache(maxsize=1)
def small_matcher() -> ScreenerMatcher:
    """A matcher over the bundled-list entries whose names mention a scenario party."""
    full = bundled_csl()
    parties = tuple(p for p in full.parties if any(n in " ".join(p.all_names).lower() for n in SNAPSHOT_NAMES))
    version = replace(full.version, party_count=len(parties))
    return ScreenerMatcher(Screener(ListSnapshot(version, parties)))


class ListsAsOf:
    """The small matcher with its lists taken as in force on ``day``: for dates past the bundled snapshot,
    as if the lists had been updated with no change to the scenario's entries (none is removed or added
    after 2022), so the later-dated rules can be exercised."""

    def __init__(self, day: date) -> None:
        self.inner, self.day = small_matcher(), day

    @property
    def list_versions(self) -> tuple[str, ...]:
        return self.inner.list_versions

    @property
    def lists_as_of(self) -> date | None:
        return self.day

    def freshness(self) -> dict[str, Any]:
        return self.inner.freshness()

    def hits(self, name: str, country: str | None, address: str | None) -> Sequence[Hit]:
        return self.inner.hits(name, country, address)


def party(name: str, role: str = "ultimate_consignee", country: str | None = "CN") -> dict[str, Any]:
    return {"name": name, "role": role, "country": country}


def item(eccn: str = "EAR99", **fields: Any) -> dict[str, Any]:
    return {"eccn": eccn, "description": fields.pop("description", "test item"), "value": 1000, **fields}


def shipment(
    day: str, *parties: dict[str, Any], items: list[dict[str, Any]] | None = None, **fields: Any
) -> dict[str, Any]:
    return {
        "type": fields.pop("type", "export"),
        "date": day,
        "destination": fields.pop("destination", "CN"),
        "parties": list(parties),
        "items": items or [item()],
        **fields,
    }


HUAWEI = party("Huawei Technologies Co., Ltd.")
HIKVISION = party("Hangzhou Hikvision Digital Technology Co., Ltd.", role="end_user")
BUYER = party("Shanghai Example Electronics Trading Co., Ltd.")
HUAWEI_CERT = {"tgl_certification": {"source": "huawei_entity", "document_id": "HW-CERT-1"}}
EXPORTER_CERT = {"tgl_certification": {"source": "exporter_statement", "document_id": "EXP-1"}}
HANDSET_PATCH = {"activity": "device_support", "device_kind": "handset", "product_available_date": "2019-03-01",
                 "enhances_capability": False}  # fmt: skip
NETWORK_SUPPORT = {"activity": "network_maintenance", "contract_date": "2019-04-01", "network_operational": True,
                   "serves_third_party_customers": True, "enhances_capability": False}  # fmt: skip
