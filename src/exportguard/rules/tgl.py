"""The conditions of each Huawei TGL version (ear-spec.md section 4.3), one small predicate per condition."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from exportguard.rules.data import LedgerAction, RuleData, TglVersion
from exportguard.rules.transaction import EndUse, Transaction

Condition = Callable[[EndUse, date | None], str | None]


def contract_before_cutoff(end_use: EndUse, cutoff: date | None) -> str | None:
    """Network support must rest on a contract executed on or before the cut-off date."""
    if end_use.contract_date is None:
        return "no contract date given (needed on or before the cut-off)"
    if cutoff is not None and end_use.contract_date > cutoff:
        return f"contract of {end_use.contract_date} is after the cut-off {cutoff}"
    return None


def available_before_cutoff(end_use: EndUse, cutoff: date | None) -> str | None:
    """Device support covers only devices available to the public on or before the cut-off date."""
    if end_use.product_available_date is None:
        return "no date the device became available to the public (needed on or before the cut-off)"
    if cutoff is not None and end_use.product_available_date > cutoff:
        return f"device available from {end_use.product_available_date}, after the cut-off {cutoff}"
    return None


def network_operational(end_use: EndUse, cutoff: date | None) -> str | None:
    """Only existing, currently fully operational networks and equipment are covered."""
    return None if end_use.network_operational else "the network is not stated to be existing and fully operational"


def serves_third_party_customers(end_use: EndUse, cutoff: date | None) -> str | None:
    """From TGL-2 network support must serve a network providing services to third parties' customers."""
    return (
        None if end_use.serves_third_party_customers else "the network is not stated to serve third parties' customers"
    )


def no_capability_enhancement(end_use: EndUse, cutoff: date | None) -> str | None:
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


def unmet_conditions(version: TglVersion, data: RuleData, transaction: Transaction, action: LedgerAction) -> list[str]:
    """Why ``version`` does not cover the transaction; empty when it does."""
    category = _category(version, data, transaction.end_use)
    if category is None:
        offered = ", ".join(version.categories)
        return [f"activity {transaction.end_use.activity!r} is not among its categories ({offered})"]
    spec = data.tgl["categories"][category]
    names = list(spec["requires"])
    if version.id != "TGL-1":
        names += spec.get("narrowed_from_tgl_2", [])
    problems = [CONDITIONS[name](transaction.end_use, action.tgl_cutoff) for name in names]
    problems.append(_certification_problem(version, transaction))
    return [problem for problem in problems if problem]


def caveats(version: TglVersion, data: RuleData, action: LedgerAction | None) -> str:
    """Why a TGL finding is uncertain: the TGL text itself, the version and the cut-off were not all verified."""
    parts = [data.tgl["uncertain_reason"], version.uncertain_reason, action.tgl_cutoff_uncertain if action else ""]
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
