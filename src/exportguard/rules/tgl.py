"""The conditions of each Huawei TGL version (docs/regulations.md, "Huawei TGL"), one small predicate per
condition. A condition returns ``None`` when met, else why not; an :class:`Unknown` reason means the data
cannot tell (the strict reading leaves the question open)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from exportguard.rules.data import LedgerAction, RuleData, TglVersion
from exportguard.rules.transaction import EndUse, Transaction


class Unknown(str):
    """A condition whose outcome the rule data cannot decide."""


Condition = Callable[[EndUse, LedgerAction], str | None]


def contract_before_cutoff(end_use: EndUse, action: LedgerAction) -> str | None:
    """Network support must rest on a contract executed on or before the cut-off date."""
    return _before_cutoff(end_use.contract_date, "contract", action)


def available_before_cutoff(end_use: EndUse, action: LedgerAction) -> str | None:
    """Device support covers only devices available to the public on or before the cut-off date."""
    return _before_cutoff(end_use.product_available_date, "device availability", action)


def _before_cutoff(day: date | None, what: str, action: LedgerAction) -> str | None:
    cutoff, unknown_through = action.tgl_cutoff, action.tgl_cutoff_unknown_through
    if day is None:
        return f"no {what} date given (needed on or before the cut-off)"
    if cutoff is None or day <= cutoff:
        return None
    if unknown_through is not None and day <= unknown_through:
        return Unknown(
            f"{what} date {day} is after {cutoff} but not after {unknown_through}: {action.tgl_cutoff_uncertain.strip()}"
        )
    return f"{what} date {day} is after the cut-off {unknown_through or cutoff}"


def network_operational(end_use: EndUse, action: LedgerAction) -> str | None:
    """Only existing, currently fully operational networks and equipment are covered."""
    return None if end_use.network_operational else "the network is not stated to be existing and fully operational"


def serves_third_party_customers(end_use: EndUse, action: LedgerAction) -> str | None:
    """From TGL-2 network support must serve a network providing services to third parties' customers."""
    return (
        None if end_use.serves_third_party_customers else "the network is not stated to serve third parties' customers"
    )


def no_capability_enhancement(end_use: EndUse, action: LedgerAction) -> str | None:
    """Updates may not enhance the functional capacities of the original software or equipment."""
    return (
        None
        if end_use.enhances_capability is False
        else "updates are not stated to leave functional capacity unchanged"
    )


CONDITIONS: dict[str, Condition] = {
    "contract_before_cutoff": contract_before_cutoff,
    "available_before_cutoff": available_before_cutoff,
    "network_operational": network_operational,
    "serves_third_party_customers": serves_third_party_customers,
    "no_capability_enhancement": no_capability_enhancement,
}


def unmet_conditions(
    version: TglVersion, data: RuleData, transaction: Transaction, action: LedgerAction, day: date
) -> list[str]:
    """Why ``version`` does not cover the transaction; empty when it does."""
    category = _category(version, data, transaction.end_use)
    if category is None:
        offered = ", ".join(version.categories)
        return [f"activity {transaction.end_use.activity!r} is not among its categories ({offered})"]
    spec = data.tgl["categories"][category]
    names = list(spec["requires"])
    if version.id != "TGL-1":
        names += spec.get("narrowed_from_tgl_2", [])
    problems = [CONDITIONS[name](transaction.end_use, action) for name in names]
    problems.append(_certification_problem(version, transaction))
    problems.append(_country_group_e(data, transaction, day))
    return [problem for problem in problems if problem]


def item_types(version: TglVersion, data: RuleData, transaction: Transaction) -> tuple[str, ...] | None:
    """The item types the matching category covers (``None``: any)."""
    category = _category(version, data, transaction.end_use)
    types = data.tgl["categories"][category].get("item_types") if category else None
    return None if types is None else tuple(types)


def _country_group_e(data: RuleData, transaction: Transaction, day: date) -> str | None:
    """The TGL authorised nothing involving Country Group E destinations or nationals."""
    countries = {transaction.destination} | {p.country for p in transaction.parties if p.country}
    excluded = sorted(
        c for c in countries for group in data.tgl["excluded_country_groups"]
        if data.in_country_group(c, group, day)
    )  # fmt: skip
    return f"Country Group E destination or national involved ({', '.join(excluded)})" if excluded else None


def caveats(version: TglVersion, data: RuleData, action: LedgerAction | None) -> str:
    """Why a TGL finding is uncertain: the TGL text itself, the version and the cut-off were not all verified."""
    parts = [data.tgl["uncertain_reason"], version.uncertain_reason]
    return " ".join(part.strip() for part in parts if part)


def _category(version: TglVersion, data: RuleData, end_use: EndUse) -> str | None:
    for code in version.categories:
        spec = data.tgl["categories"][code]
        kinds = spec.get("device_kinds")
        if spec["activity"] == end_use.activity and (kinds is None or (end_use.device_kind or "handset") in kinds):
            return str(code)
    return None


def _certification_problem(version: TglVersion, transaction: Transaction) -> str | None:
    certification = transaction.evidence.tgl_certification
    if version.certification == "huawei_entity":
        if certification is None or certification.source != "huawei_entity":
            return f"{version.id} requires a written certification from the Huawei entity on file"
        return None
    if certification is None:
        return f"{version.id} requires the exporter's certification statement on file"
    return None
