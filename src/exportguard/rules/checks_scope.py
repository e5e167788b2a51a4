"""Checks of what the determination can speak for: the date's data coverage and the later regimes the facts
bring in, EAR scope (where the item is, de minimis, the Huawei foreign direct product rules) and whether
each ECCN's reasons for control are known."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

from exportguard.rules.model import Finding, Kind, Policy, ReviewPolicy
from exportguard.rules.registry import Context, check
from exportguard.rules.transaction import LICENSING_ROLES, Item, Transaction

NO_DE_MINIMIS = "no-de-minimis"
HUAWEI_INCORPORATION = "huawei_incorporation"


@check("R0-COVERAGE", step=0)
def data_covers_date(ctx: Context) -> Iterator[Finding]:
    """A determination is only as good as the dated rules and list versions in force on its date; rules can still change for a future date [effective date of each Federal Register rule, e.g. 84 FR 22961 effective 2019-05-16]."""
    coverage = ctx.data.dated["coverage"]
    if ctx.as_of < ctx.data.coverage_from:
        yield Finding(Kind.UNRESOLVED, f"{ctx.as_of} is before the rule data begin ({ctx.data.coverage_from}): "
                      f"{coverage['reason'].strip()}")  # fmt: skip
    if ctx.as_of > ctx.today:
        yield Finding(Kind.UNRESOLVED, f"{ctx.as_of} is after today ({ctx.today}): rules and lists may change first")
    elif ctx.as_of > ctx.data.exact_through:
        yield Finding(Kind.FLAG, coverage["later_reason"].strip(), uncertain=True,
                      uncertain_reason="Dated data after 2020 cover only the changes docs/regulations.md lists.")  # fmt: skip
    if ctx.lists_as_of is not None and ctx.as_of > ctx.lists_as_of:
        yield Finding(
            Kind.UNRESOLVED, f"the list snapshot is as of {ctx.lists_as_of}; entries added after it are unknown"
        )


@check("R0-LATER", step=0.5)
def later_regimes(ctx: Context) -> Iterator[Finding]:
    """Regimes after 2020 this engine does not evaluate are named, with why they may apply, when the facts bring them in [87 FR 12226; 87 FR 62186; 87 FR 6024; 90 FR 47201]."""
    for regime in ctx.data.dated["later_regimes"]:
        if ctx.as_of < regime["effective"]:
            continue
        why = _triggered_by(regime["triggers"], ctx.transaction)
        if why is None:
            continue
        suspension = regime.get("suspended")
        if suspension and suspension["from"] <= ctx.as_of <= suspension["through"]:
            reason = f"{regime['name']} ({regime['rule']}) is suspended on {ctx.as_of} ({suspension['rule']}); {why}"
            yield Finding(Kind.FLAG, reason, sources=(regime["rule"],))
            continue
        reason = f"{regime['name']} ({regime['rule']}, from {regime['effective']}) may apply: {why}; not evaluated"
        yield Finding(Kind.UNRESOLVED, reason, sources=(regime["rule"],), uncertain=bool(regime.get("uncertain_reason")),
                      uncertain_reason=regime.get("uncertain_reason", "").strip())  # fmt: skip


@check("R1-SCOPE-DM", step=1)
def de_minimis(ctx: Context) -> Iterator[Finding]:
    """An item in the United States is subject to the EAR whatever its origin; a foreign-made item abroad only above the de minimis share of controlled U.S. content: 10% for Country Group E:1/E:2, 25% elsewhere [15 CFR 734.3(a)(1); 734.4(c)-(d)]."""
    rules = ctx.data.dated["de_minimis"]
    threshold = _threshold(ctx)
    for index, item in enumerate(ctx.transaction.items):
        if not item.foreign_made:
            continue
        if not ctx.transaction.items_abroad:
            reason = "foreign-made item located in the United States: subject to the EAR (734.3(a)(1)); de minimis does not apply"
            yield Finding(Kind.CLEAR, reason, item=item.label, item_index=index)
            continue
        finding = _de_minimis_finding(item, threshold, rules["uncertain_reason"])
        if finding.kind is Kind.NOT_SUBJECT:
            ctx.not_subject.add(index)
        yield _for_item(finding, item, index)


@check("R1-SCOPE-FDP", step=1.5)
def huawei_foreign_direct_product(ctx: Context) -> Iterator[Finding]:
    """A foreign-produced direct product of listed U.S. technology or software (or of a plant that is one) is subject to the EAR and needs a license when a footnote-1 Huawei entity is involved as the rule in force on the date says [15 CFR 736.2(b)(3)(vi); footnote 1 to Supp. No. 4 to part 744; 85 FR 29849; 85 FR 51596]."""
    rules = ctx.data.dated["huawei_fdp"]
    version = _fdp_version(rules, ctx.as_of)
    if version is None or not ctx.transaction.items_abroad:
        return
    involvement = _huawei_involvement(ctx, version)
    if involvement is None:
        return
    for index, item in enumerate(ctx.transaction.items):
        if item.foreign_made:
            yield from _fdp_item(ctx, rules, version, involvement, index, item)


@check("R3-CLASS", step=3)
def classification_known(ctx: Context) -> Iterator[Finding]:
    """Each item's reasons for control come from its ECCN's License Requirements table on the Commerce Control List [15 CFR 738.2; Supp. No. 1 to part 774]."""
    for index, item in ctx.subject_items():
        if item.eccn == "EAR99" or item.eccn[:5] in ctx.data.eccns["eccns"]:
            continue
        reason = f"reasons for control of {item.eccn[:5]} are not in the rule data (eccn_controls.yaml)"
        yield Finding(Kind.UNRESOLVED, reason, item=item.label, item_index=index, only_adds_requirements=True)


def _triggered_by(triggers: dict[str, Any], transaction: Transaction) -> str | None:
    """Why the facts bring a regime in, or ``None``."""
    countries = {transaction.destination, transaction.item_location} | {p.country for p in transaction.parties}
    named = sorted(c for c in countries if c is not None and c in triggers.get("countries", ()))
    if named:
        return f"the transaction involves {', '.join(named)}"
    for item in transaction.items:
        if _eccn_triggers(item, triggers, transaction.destination):
            return f"item {item.eccn} is of the kind it controls"
        if (
            triggers.get("foreign_direct_product")
            and item.foreign_made
            and transaction.items_abroad
            and (item.direct_product_of or item.plant_direct_product_of)
        ):
            return f"item {item.eccn} is a foreign direct product of U.S. technology or software"
    if triggers.get("owned_by_listed") and any(p.owned_by_listed for p in transaction.parties):
        return "a party is stated to be 50% or more owned by listed parties"
    return None


def _eccn_triggers(item: Item, triggers: dict[str, Any], destination: str) -> bool:
    if any(item.eccn.startswith(prefix) for prefix in triggers.get("eccn_prefixes", ())):
        return True
    if triggers.get("eccn_suffix") and triggers["eccn_suffix"] in item.eccn:
        return True
    grouped = triggers.get("countries_with_eccn_groups") or {}
    return destination in grouped.get("countries", ()) and item.eccn[:2] in grouped.get("groups", ())


def _threshold(ctx: Context) -> float:
    rules, day, destination = ctx.data.dated["de_minimis"], ctx.as_of, ctx.transaction.destination
    strict = any(ctx.data.in_country_group(destination, group, day) for group in ("E1", "E2"))
    return float(rules["strict_threshold_pct"] if strict else rules["default_threshold_pct"])


def _de_minimis_finding(item: Item, threshold: float, uncertain_reason: str) -> Finding:
    if NO_DE_MINIMIS in item.tags:
        return Finding(Kind.CLEAR, "no de minimis level applies to this item (15 CFR 734.4(a)): subject to the EAR")
    if item.us_content_pct is None:
        return Finding(Kind.UNRESOLVED, "foreign-made item without its controlled U.S. content percentage")
    pct = item.us_content_pct
    if pct <= threshold:
        reason = (
            f"controlled U.S. content {pct:g}% is not above the {threshold:g}% de minimis level: not subject to the EAR"
        )
        return Finding(Kind.NOT_SUBJECT, reason, uncertain=True, uncertain_reason=uncertain_reason)
    reason = f"controlled U.S. content {pct:g}% exceeds the {threshold:g}% de minimis level: subject to the EAR"
    return Finding(Kind.CLEAR, reason, uncertain=True, uncertain_reason=uncertain_reason)


def _fdp_version(rules: dict[str, Any], day: date) -> dict[str, Any] | None:
    return next((v for v in rules["versions"] if v["effective"] <= day <= v.get("until", date.max)), None)


def _huawei_involvement(ctx: Context, version: dict[str, Any]) -> str | None:
    """How a footnote-1 entity is involved, as the version in force reads it, or ``None``."""
    for match in ctx.matches:
        huawei = match.in_force and match.strong and match.action is not None and match.action.huawei
        if huawei and match.party.role in LICENSING_ROLES:
            return f"footnote-1 entity {match.entry.name!r} is {match.party.role.replace('_', ' ')}"
    if version.get("incorporation_knowledge") and HUAWEI_INCORPORATION in ctx.transaction.knowledge:
        return "the item will be incorporated into, or used to produce, items of a footnote-1 entity"
    return None


def _fdp_item(
    ctx: Context, rules: dict[str, Any], version: dict[str, Any], involvement: str, index: int, item: Item
) -> Iterator[Finding]:
    listed = set(rules["eccns"])
    technology, plant = item.direct_product_of, item.plant_direct_product_of
    tag = f"{version['id']} ({version['rule']})"
    if (technology is None and plant is None) or (
        version["needs_huawei_technology"] and item.huawei_technology is None
    ):
        reason = f"{involvement}; {tag} applies to direct products of U.S. technology or software, which is not stated"
        yield _for_item(Finding(Kind.UNRESOLVED, reason), item, index)
        return
    sources = sorted(listed & set((technology or ()) + (plant or ())))
    if not sources or (version["needs_huawei_technology"] and not item.huawei_technology):
        reason = f"{involvement}, but the item is not a foreign direct product covered by {tag}"
        yield _for_item(
            Finding(Kind.CLEAR, reason, uncertain=True, uncertain_reason=rules["eccns_uncertain"]), item, index
        )
        return
    wind_down = version.get("wind_down")
    if wind_down and _in_wind_down(item, ctx.as_of, wind_down):
        reason = (
            f"{tag}: production began {item.production_started}, shipped by {wind_down['shipped_through']}: wind-down"
        )
        yield _for_item(
            Finding(Kind.CLEAR, reason, uncertain=True, uncertain_reason=wind_down["uncertain_reason"]), item, index
        )
        return
    ctx.not_subject.discard(index)
    policy = Policy(rules["policy"])
    reason = f"{involvement}; direct product of U.S. {', '.join(sources)}: subject to the EAR and a license is required under {tag}"
    yield _for_item(
        Finding(
            Kind.REQUIREMENT, reason, review_policy=ReviewPolicy(policy, refers_to=("744.11",)), applied_policy=policy,
            license_exceptions_allowed=False, sources=(version["rule"],), uncertain=True,
            uncertain_reason=f"{rules['eccns_uncertain']} {rules['policy_uncertain'].strip()}",
        ),
        item, index,
    )  # fmt: skip


def _in_wind_down(item: Item, day: date, wind_down: dict[str, Any]) -> bool:
    started = item.production_started
    return (
        started is not None and started < wind_down["production_started_before"] and day <= wind_down["shipped_through"]
    )


def _for_item(finding: Finding, item: Item, index: int) -> Finding:
    return replace(finding, item=item.label, item_index=index)
