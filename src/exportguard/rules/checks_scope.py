"""Checks of what the determination can speak for: the date's data coverage, EAR scope (de minimis,
Huawei foreign direct product) and whether each ECCN's reasons for control are known."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from exportguard.rules.model import Finding, Kind
from exportguard.rules.registry import Context, check
from exportguard.rules.transaction import Item

NO_DE_MINIMIS = "no-de-minimis"
HUAWEI_FDP_FROM = date(2020, 5, 15)


@check("R0-COVERAGE", step=0)
def data_covers_date(ctx: Context) -> Iterator[Finding]:
    """A determination is only as good as the dated rules and list versions in force on its date [effective dates of each Federal Register rule, e.g. 84 FR 22961 effective 2019-05-16]."""
    start, end = ctx.data.coverage
    if not start <= ctx.as_of <= end:
        reason = (
            f"{ctx.as_of} is outside the rule data's coverage {start}..{end}: {ctx.data.dated['coverage']['reason']}"
        )
        yield Finding(Kind.UNRESOLVED, reason.strip())
    if ctx.lists_as_of is not None and ctx.as_of > ctx.lists_as_of:
        yield Finding(
            Kind.UNRESOLVED, f"the list snapshot is as of {ctx.lists_as_of}; entries added after it are unknown"
        )


@check("R1-SCOPE-DM", step=1)
def de_minimis(ctx: Context) -> Iterator[Finding]:
    """A foreign-made item is subject to the EAR only above the de minimis share of controlled U.S. content: 10% for Country Group E:1/E:2, 25% elsewhere [15 CFR 734.4(c)-(d)]."""
    rules = ctx.data.dated["de_minimis"]
    threshold = _threshold(ctx.transaction.destination, rules)
    for index, item in enumerate(ctx.transaction.items):
        if not item.foreign_made:
            continue
        finding = _de_minimis_finding(item, threshold, rules["uncertain_reason"])
        if finding.kind is Kind.NOT_SUBJECT:
            ctx.not_subject.add(index)
        yield _for_item(finding, item, index)


@check("R1-SCOPE-FDP", step=1.5)
def huawei_foreign_direct_product(ctx: Context) -> Iterator[Finding]:
    """From 2020-05-15 foreign-produced direct products of listed U.S. technology are subject to the EAR when a footnote-1 Huawei entity is involved [85 FR 29849; 85 FR 51596]."""
    huawei = any(m.action is not None and m.action.huawei for m in ctx.matches if m.in_force and m.strong)
    if not huawei or ctx.as_of < HUAWEI_FDP_FROM:
        return
    for index in sorted(ctx.not_subject):
        item = ctx.transaction.items[index]
        reason = "below de minimis, but the Huawei foreign direct product rule is not evaluated by this engine"
        yield Finding(Kind.UNRESOLVED, reason, item=item.label, item_index=index)


@check("R3-CLASS", step=3)
def classification_known(ctx: Context) -> Iterator[Finding]:
    """Each item's reasons for control come from its ECCN's License Requirements table on the Commerce Control List [15 CFR 738.2; Supp. No. 1 to part 774]."""
    for index, item in ctx.subject_items():
        if item.eccn == "EAR99" or item.eccn[:5] in ctx.data.eccns["eccns"]:
            continue
        reason = f"reasons for control of {item.eccn[:5]} are not in the rule data (eccn_controls.yaml)"
        yield Finding(Kind.UNRESOLVED, reason, item=item.label, item_index=index)


def _threshold(destination: str, rules: dict) -> float:
    strict = {country for group in rules["strict_groups"].values() for country in group}
    return float(rules["strict_threshold_pct"] if destination in strict else rules["default_threshold_pct"])


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


def _for_item(finding: Finding, item: Item, index: int) -> Finding:
    return replace(finding, item=item.label, item_index=index)
