"""Item-and-destination checks: the Commerce Country Chart, controls outside the chart, and embargoes."""

from __future__ import annotations

from collections.abc import Iterator

from exportguard.rules.model import Finding, Kind, Policy, ReviewPolicy
from exportguard.rules.registry import Context, check
from exportguard.rules.transaction import Item


@check("R4-CHART", step=4)
def country_chart(ctx: Context) -> Iterator[Finding]:
    """A license is required when an item's reason for control has an X in the destination's Country Chart column [15 CFR 736.2(b)(1)-(2); 738.4; Supp. No. 1 to part 738]."""
    destination = ctx.transaction.destination
    if destination in ctx.data.dated["embargoes"]:
        return
    row = ctx.data.chart_row(destination)
    if row is None:
        yield Finding(Kind.UNRESOLVED, f"no Country Chart row for {destination} in the rule data (country_chart.yaml)")
        return
    for index, item in ctx.subject_items():
        if not _classified(ctx, item):
            continue
        yield _chart_finding(ctx, item, index, row)


@check("R4-EI", step=4.1)
def encryption_items(ctx: Context) -> Iterator[Finding]:
    """Encryption items (EI) need a license to every destination except Canada, outside the Country Chart [15 CFR 742.15]."""
    other = ctx.data.eccns["other_controls"]["EI"]
    if ctx.transaction.destination in other["all_destinations_except"]:
        return
    for index, item in ctx.subject_items():
        row = ctx.data.eccns["eccns"].get(item.eccn[:5], {})
        if "EI" not in row.get("other", ()):
            continue
        policy = ReviewPolicy(Policy.SEE_SECTION, refers_to=(other["section"],))
        reason = (
            f"{item.eccn} is controlled for EI (encryption items); license required to {ctx.transaction.destination}"
        )
        yield Finding(
            Kind.REQUIREMENT, reason, item=item.label, item_index=index, review_policy=policy,
            applied_policy=Policy.SEE_SECTION, uncertain=True, uncertain_reason=_unverified(ctx, item),
        )  # fmt: skip


@check("R5-GP6", step=5)
def embargoed_destination(ctx: Context) -> Iterator[Finding]:
    """Exports to an embargoed destination need a license under part 746 for all items subject to the EAR, EAR99 included [15 CFR 736.2(b)(6); part 746]."""
    embargo = ctx.data.dated["embargoes"].get(ctx.transaction.destination)
    if embargo is None:
        return
    policy = Policy(embargo["policy"])
    for index, item in ctx.subject_items():
        reason = f"{ctx.transaction.destination} is embargoed ({embargo['section']}); only part 746 exceptions apply"
        yield Finding(
            Kind.REQUIREMENT, reason, item=item.label, item_index=index,
            review_policy=ReviewPolicy(policy, refers_to=(embargo["section"],)), applied_policy=policy,
            license_exceptions_allowed=False, uncertain=True,
            uncertain_reason=ctx.data.dated["embargo_uncertain_reason"].strip(),
        )  # fmt: skip


def _classified(ctx: Context, item: Item) -> bool:
    return item.eccn == "EAR99" or item.eccn[:5] in ctx.data.eccns["eccns"]


def _chart_finding(ctx: Context, item: Item, index: int, row: frozenset[str]) -> Finding:
    destination = ctx.transaction.destination
    if item.eccn == "EAR99":
        return Finding(Kind.CLEAR, "EAR99: no Country Chart requirement", item=item.label, item_index=index)
    columns = tuple(ctx.data.eccns["eccns"][item.eccn[:5]]["columns"])
    marked = [column for column in columns if column in row]
    uncertain = " ".join(filter(None, (ctx.data.chart["uncertain_reason"].strip(), _unverified(ctx, item))))
    if not marked:
        reason = f"{item.eccn} controls {', '.join(columns) or 'none on the chart'}: no X for {destination}"
        return Finding(
            Kind.CLEAR, reason, item=item.label, item_index=index, uncertain=True, uncertain_reason=uncertain
        )
    sections = tuple(dict.fromkeys(ctx.data.dated["reason_sections"][column[:2]] for column in marked))
    reason = f"{item.eccn} is controlled for {', '.join(marked)}, marked X for {destination}"
    return Finding(
        Kind.REQUIREMENT, reason, item=item.label, item_index=index,
        review_policy=ReviewPolicy(Policy.SEE_SECTION, refers_to=sections), applied_policy=Policy.SEE_SECTION,
        uncertain=True, uncertain_reason=uncertain,
    )  # fmt: skip


def _unverified(ctx: Context, item: Item) -> str:
    if ctx.data.eccns["eccns"].get(item.eccn[:5], {}).get("verified"):
        return ""
    return f"Reasons for control of {item.eccn[:5]} not verified against the CCL text (eccn_controls.yaml)."
