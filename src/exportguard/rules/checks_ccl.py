"""Item-and-destination checks: the dated Commerce Country Chart, controls outside the chart, anti-terrorism
controls on Sudan, and embargoes."""

from __future__ import annotations

from collections.abc import Iterator

from exportguard.rules.data import ChartRow
from exportguard.rules.model import Finding, Kind, Policy, ReviewPolicy
from exportguard.rules.registry import Context, check
from exportguard.rules.transaction import Item

TRANSFER = "transfer"


@check("R4-CHART", step=4)
def country_chart(ctx: Context) -> Iterator[Finding]:
    """An export or reexport needs a license when an item's reason for control has an X in the destination's Country Chart column, in the chart in force on the date [15 CFR 736.2(b)(1)-(2); 738.4; Supp. No. 1 to part 738]."""
    destination = ctx.transaction.destination
    if destination in ctx.data.dated["embargoes"]:
        return
    if ctx.transaction.type == TRANSFER:
        yield Finding(
            Kind.CLEAR,
            "General Prohibition 1 covers exports and reexports; a transfer (in-country) is not read against the Country Chart",
        )
        return
    row = ctx.data.chart_row(destination, ctx.as_of)
    for index, item in ctx.subject_items():
        if _classified(ctx, item):
            yield _chart_finding(ctx, item, index, row)


@check("R4-EI", step=4.1)
def encryption_items(ctx: Context) -> Iterator[Finding]:
    """Encryption items (EI) need a license for export or reexport to every destination except Canada, outside the Country Chart [15 CFR 742.15]."""
    yield from _outside_chart(ctx, "EI")


@check("R4-RS", step=4.2)
def explosives_detection_items(ctx: Context) -> Iterator[Finding]:
    """Explosives detection equipment, software and technology (2A983, 2D983, 2E983) need a license for export or reexport to every destination except Canada for regional stability [15 CFR 742.6(a)(3), (c)(1)]."""
    yield from _outside_chart(ctx, "RS-EDS")


@check("R4-AT-SD", step=4.3)
def sudan_anti_terrorism(ctx: Context) -> Iterator[Finding]:
    """Items with AT1 in their reasons for control need a license for export or reexport to Sudan while it was designated a state sponsor of terrorism, until the EAR amendment effective 2021-01-14 [15 CFR 742.10; FR Doc 2020-29037]."""
    rule = ctx.data.dated["sudan_at"]
    if (
        ctx.transaction.destination != rule["destination"]
        or ctx.as_of > rule["until"]
        or ctx.transaction.type == TRANSFER
    ):
        return
    policy = ReviewPolicy(Policy.SEE_SECTION, refers_to=(rule["section"],))
    for index, item in ctx.subject_items():
        if "AT1" not in ctx.data.eccns["eccns"].get(item.eccn[:5], {}).get("columns", ()):
            continue
        reason = f"{item.eccn} is controlled for AT; Sudan is under {rule['section']} anti-terrorism controls until {rule['until']}"
        yield Finding(
            Kind.REQUIREMENT, reason, item=item.label, item_index=index, review_policy=policy,
            applied_policy=Policy.SEE_SECTION, sources=(rule["rule"],), uncertain=True,
            uncertain_reason=" ".join(filter(None, (rule["uncertain_reason"].strip(), _unverified(ctx, item)))),
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


def _outside_chart(ctx: Context, code: str) -> Iterator[Finding]:
    """Requirements of a control read from its ECCN entry, not from the Country Chart."""
    other = ctx.data.eccns["other_controls"][code]
    if ctx.transaction.destination in other["all_destinations_except"] or ctx.transaction.type == TRANSFER:
        return
    for index, item in ctx.subject_items():
        row = ctx.data.eccns["eccns"].get(item.eccn[:5], {})
        if code not in row.get("other", ()):
            continue
        policy = ReviewPolicy(Policy.SEE_SECTION, refers_to=(other["section"],))
        reason = (
            f"{item.eccn} is controlled for {code} ({other['name']}); license required to {ctx.transaction.destination}"
        )
        caveats = " ".join(filter(None, (other.get("uncertain_reason", "").strip(), _unverified(ctx, item))))
        yield Finding(
            Kind.REQUIREMENT, reason, item=item.label, item_index=index, review_policy=policy,
            applied_policy=Policy.SEE_SECTION, uncertain=bool(caveats), uncertain_reason=caveats,
        )  # fmt: skip


def _classified(ctx: Context, item: Item) -> bool:
    return item.eccn == "EAR99" or item.eccn[:5] in ctx.data.eccns["eccns"]


def _chart_finding(ctx: Context, item: Item, index: int, row: ChartRow) -> Finding:
    destination = ctx.transaction.destination
    if item.eccn == "EAR99":
        return Finding(Kind.CLEAR, "EAR99: no Country Chart requirement", item=item.label, item_index=index)
    columns = tuple(ctx.data.eccns["eccns"][item.eccn[:5]]["columns"])
    if row.marks is None:
        reason = f"the Country Chart row in force for {destination} on {ctx.as_of} is not in the rule data ({row.source or 'no row'})"
        return Finding(Kind.UNRESOLVED, reason, item=item.label, item_index=index, only_adds_requirements=True)
    marked = [column for column in columns if column in row.marks]
    caveats = (ctx.data.chart["uncertain_reason"].strip(), row.uncertain_reason, _unverified(ctx, item))
    uncertain = " ".join(filter(None, caveats))
    which = f" ({row.source})" if row.source else ""
    if not marked:
        reason = f"{item.eccn} controls {', '.join(columns) or 'none on the chart'}: no X for {destination}{which}"
        return Finding(
            Kind.CLEAR, reason, item=item.label, item_index=index, uncertain=True, uncertain_reason=uncertain
        )
    sections = tuple(dict.fromkeys(ctx.data.dated["reason_sections"][column[:2]] for column in marked))
    reason = f"{item.eccn} is controlled for {', '.join(marked)}, marked X for {destination}{which}"
    return Finding(
        Kind.REQUIREMENT, reason, item=item.label, item_index=index,
        review_policy=ReviewPolicy(Policy.SEE_SECTION, refers_to=sections), applied_policy=Policy.SEE_SECTION,
        uncertain=True, uncertain_reason=uncertain,
    )  # fmt: skip


def _unverified(ctx: Context, item: Item) -> str:
    if ctx.data.eccns["eccns"].get(item.eccn[:5], {}).get("verified"):
        return ""
    return f"Reasons for control of {item.eccn[:5]} not verified against the CCL text (eccn_controls.yaml)."
