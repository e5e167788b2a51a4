"""General authorizations and license exceptions that lift requirements found by earlier checks:
the Huawei TGL, the savings clause, the standards carve-out, the cybersecurity authorization, part 740."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from exportguard.rules import tgl
from exportguard.rules.model import Finding, Kind
from exportguard.rules.parties import ListMatch
from exportguard.rules.registry import Context, check

TGL_END = date(2020, 8, 13)


@check("R8-TGL", step=8)
def huawei_temporary_general_license(ctx: Context) -> Iterator[Finding]:
    """The Huawei Temporary General License lifts only the Entity List requirement, for covered Huawei entities and activities of the version in force [Supp. No. 7 to 15 CFR part 744; 84 FR 23468; 84 FR 43487]."""
    version = ctx.data.tgl_in_force(ctx.as_of)
    covered = set(ctx.data.tgl["covers"])
    for entry, requirements in _entity_list_requirements(ctx).items():
        match = _match_for(ctx, entry)
        if match is None or match.action is None or match.action.id not in covered:
            continue
        if version is None:
            when = "expired on 2020-08-13" if ctx.as_of > TGL_END else "was not yet in force"
            yield _about(match, f"the Huawei TGL {when}; it does not cover {ctx.as_of}")
            continue
        problems = tgl.unmet_conditions(version, ctx.data, ctx.transaction, match.action, ctx.as_of)
        failed = [problem for problem in problems if not isinstance(problem, tgl.Unknown)]
        if failed:
            yield _about(match, f"{version.id} ({version.rule}) does not cover this transaction: {'; '.join(failed)}")
            continue
        if problems:
            reason = f"whether {version.id} ({version.rule}) covers this transaction is open: {'; '.join(problems)}"
            yield Finding(Kind.UNRESOLVED, reason, party=_who(match), entry=match.entry.key, uncertain=True,
                          uncertain_reason=problems[0])  # fmt: skip
            continue
        eligible = _of_item_types(ctx, requirements, tgl.item_types(version, ctx.data, ctx.transaction))
        if not eligible:
            yield _about(
                match,
                f"{version.id} ({version.rule}): this category covers only technology (information), not these items",
            )
            continue
        window = (version.valid_from, version.valid_through)
        caveats = tgl.caveats(version, ctx.data, match.action)
        covered_by = f"{version.id} ({version.rule}) covers the activity, valid {window[0]} through {window[1]}"
        yield _lift(match, eligible, covered_by, window=window, uncertain_reason=caveats)


@check("R8-SAVINGS", step=8.1)
def savings_clause(ctx: Context) -> Iterator[Finding]:
    """Shipments en route aboard a carrier on an Entity List rule's effective date may proceed under their previous eligibility [savings clause of 84 FR 22961 and later Entity List rules]."""
    departed = ctx.transaction.evidence.en_route_since
    if departed is None:
        return
    for entry, requirements in _entity_list_requirements(ctx).items():
        match = _match_for(ctx, entry)
        if match is None or match.effective is None or departed > match.effective:
            continue
        reason = f"en route since {departed}, before the listing took effect on {match.effective}"
        note = ctx.data.dated["savings_clause"]["uncertain_reason"]
        yield _lift(match, requirements, reason, uncertain_reason=note)


@check("R8-STANDARDS", step=8.2)
def standards_carve_out(ctx: Context) -> Iterator[Finding]:
    """From 2020-06-18 EAR99 or AT-only technology released to standards-organization members for standards development needs no license for Huawei entities [85 FR 36719]."""
    rule = ctx.data.dated["standards_carve_out"]
    if ctx.as_of < rule["effective"] or ctx.transaction.end_use.activity != rule["activity"]:
        return
    for entry, requirements in _entity_list_requirements(ctx).items():
        match = _match_for(ctx, entry)
        if match is None or match.action is None or match.action.id not in rule["covers"]:
            continue
        eligible = [f for f in requirements if _at_only_technology(ctx, f.item_index)]
        if eligible:
            yield _lift(match, eligible, f"standards-development release of EAR99/AT-only technology ({rule['rule']})")


@check("R8-CYBER", step=8.3)
def cybersecurity_authorization(ctx: Context) -> Iterator[Finding]:
    """From 2020-08-17 the disclosure to Huawei entities of information about security vulnerabilities, for ongoing security research, is authorized; goods and software are not [85 FR 51596]."""
    rule = ctx.data.dated["cybersecurity_authorization"]
    if ctx.as_of < rule["effective"] or ctx.transaction.end_use.activity != rule["activity"]:
        return
    for entry, requirements in _entity_list_requirements(ctx).items():
        match = _match_for(ctx, entry)
        if match is None or match.action is None or match.action.id not in rule["covers"]:
            continue
        eligible = _of_item_types(ctx, requirements, tuple(rule["item_types"]))
        if eligible:
            reason = f"disclosure of security-vulnerability information for cybersecurity research ({rule['rule']})"
            yield _lift(match, eligible, reason, uncertain_reason=rule["uncertain_reason"])
        else:
            yield _about(
                match, f"{rule['rule']} authorizes only the disclosure of information (technology), not these items"
            )


@check("R9-LE", step=9)
def license_exception(ctx: Context) -> Iterator[Finding]:
    """A claimed part 740 license exception can overcome only Country Chart requirements, and not when 740.2 bars it [15 CFR 740.2; 736.2(b)]."""
    code = ctx.transaction.evidence.license_exception
    if code is None:
        return
    barred = [f.reason for f in ctx.findings if f.kind is Kind.FLAG and not f.license_exceptions_allowed]
    if barred:
        yield Finding(
            Kind.FLAG, f"license exception {code} barred by 740.2: {barred[0]}", license_exceptions_allowed=False
        )
        return
    eligible = [f for f in ctx.open_requirements() if f.license_exceptions_allowed]
    if eligible:
        claim = f"the exporter's claim that the terms of {code} are met is not verified by this engine"
        yield Finding(
            Kind.EXCEPTION, f"license exception {code} claimed for {len(eligible)} Country Chart requirement(s)",
            lifts=tuple(f.id for f in eligible), uncertain=True, uncertain_reason=claim,
        )  # fmt: skip


def _entity_list_requirements(ctx: Context) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in ctx.open_requirements("R6-EL"):
        grouped[finding.entry or ""].append(finding)
    return grouped


def _match_for(ctx: Context, entry: str) -> ListMatch | None:
    return next((m for m in ctx.matches if m.entry.key == entry and m.in_force), None)


def _of_item_types(ctx: Context, requirements: list[Finding], types: tuple[str, ...] | None) -> list[Finding]:
    """The requirements whose item is of one of ``types`` (all of them when ``types`` is ``None``)."""
    if types is None:
        return requirements
    return [
        f for f in requirements if f.item_index is not None and ctx.transaction.items[f.item_index].item_type in types
    ]


def _at_only_technology(ctx: Context, index: int | None) -> bool:
    if index is None:
        return False
    item = ctx.transaction.items[index]
    if item.item_type != "technology":
        return False
    return item.eccn == "EAR99" or ctx.data.eccns["eccns"].get(item.eccn[:5], {}).get("columns") == ["AT1"]


def _who(match: ListMatch) -> str:
    return f"{match.party.name} ({match.party.role})"


def _about(match: ListMatch, reason: str) -> Finding:
    return Finding(Kind.FLAG, reason, party=_who(match), entry=match.entry.key)


def _lift(
    match: ListMatch, requirements: list[Finding], reason: str, *, window: tuple[date, date] | None = None,
    uncertain_reason: str = "",
) -> Finding:  # fmt: skip
    return Finding(
        Kind.AUTHORIZATION, reason, party=f"{match.party.name} ({match.party.role})", entry=match.entry.key,
        lifts=tuple(f.id for f in requirements), window=window,
        uncertain=bool(uncertain_reason), uncertain_reason=uncertain_reason.strip(),
    )  # fmt: skip
