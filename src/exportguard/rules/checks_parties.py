"""Party checks: denial orders, the Entity List, other end-user lists, unresolved fuzzy matches,
knowledge of prohibited end uses and red flags."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from exportguard.lists.model import POLICY_NOT_IN_SOURCE
from exportguard.rules import policy
from exportguard.rules.model import Finding, Kind, Policy, ReviewPolicy
from exportguard.rules.parties import ListMatch
from exportguard.rules.registry import Context, check
from exportguard.rules.transaction import LICENSING_ROLES

#: Before this date 744.11 said "to a listed entity"; the four-role reading is BIS's (85 FR 51335).
FOUR_ROLE_TEXT_FROM = date(2020, 8, 17)
_ALL_ITEMS = ("for all items subject to the ear", "for any item subject to the ear")
_CONSEQUENTIAL = ("DPL", "EL", "MEU", "SDN")
_END_USE_SECTIONS = {
    "nuclear_end_use": ("15 CFR 744.2", Policy.SEE_SECTION),
    "missile_end_use": ("15 CFR 744.3", Policy.SEE_SECTION),
    "cbw_end_use": ("15 CFR 744.4", Policy.SEE_SECTION),
}
SUPP_2_TAG = "744-supp2"


@check("R2-GP4", step=2)
def denied_party(ctx: Context) -> Iterator[Finding]:
    """No one may take part in an export with a person under a BIS denial order in force; no license exception applies [15 CFR 736.2(b)(4); 764.3(a)(2)]."""
    for match in ctx.in_force("DPL"):
        reason = f"{match.describe()}; order in force until {match.entry.end_date or 'further notice'}"
        yield _party_finding(Kind.PROHIBITION, reason, match, license_exceptions_allowed=False)
    for match in _out_of_force(ctx, "DPL"):
        yield _party_finding(Kind.CLEAR, f"{match.describe()}; the order is not in force on {ctx.as_of}", match)


@check("R6-EL", step=6)
def entity_list(ctx: Context) -> Iterator[Finding]:
    """A license is required, to the extent of the entry, when a listed entity is purchaser, intermediate consignee, ultimate consignee or end user; no license exceptions [15 CFR 744.11(a); 744.16; Supp. No. 4 to part 744]."""
    for match in _best_per_party(ctx.in_force("EL")):
        if match.party.role not in LICENSING_ROLES:
            reason = f"{match.describe()}; as {match.party.role} it triggers no 744.11 requirement but is a red flag"
            yield _party_finding(Kind.FLAG, reason, match)
            continue
        yield from _entity_list_requirements(ctx, match)
    for match in _best_per_party(_out_of_force(ctx, "EL")):
        yield _party_finding(Kind.CLEAR, f"{match.describe()}: not yet listed on {ctx.as_of}", match)


@check("R6-MEU", step=6.2)
def military_end_user(ctx: Context) -> Iterator[Finding]:
    """A listed military end user needs a license for items in Supp. No. 2 to part 744; presumption of denial [15 CFR 744.21(b), (e)]."""
    for match in _best_per_party(ctx.in_force("MEU")):
        if match.party.role not in LICENSING_ROLES:
            continue
        for index, item in ctx.subject_items():
            if item.eccn == "EAR99":
                continue
            kind = Kind.REQUIREMENT if SUPP_2_TAG in item.tags else Kind.UNRESOLVED
            reason = f"{match.describe()}; decide whether {item.eccn} is listed in Supp. No. 2 to part 744"
            if kind is Kind.REQUIREMENT:
                reason = f"{match.describe()}; {item.eccn} is listed in Supp. No. 2 to part 744"
            yield _party_finding(
                kind, reason, match, item=item.label, item_index=index, applied_policy=Policy.PRESUMPTION_OF_DENIAL,
                license_exceptions_allowed=False, only_adds_requirements=kind is Kind.UNRESOLVED,
            )  # fmt: skip


@check("R6-MIL", step=6.1)
def military_end_use_or_user(ctx: Context) -> Iterator[Finding]:
    """Knowledge of a military end use, or of a military end user, needs a license for items in Supp. No. 2 to part 744 only in the destinations 744.21 names on the date; end users in China only from 2020-06-29 [15 CFR 744.21(a); 85 FR 23459]."""
    rule = ctx.data.dated["military_end_use"]
    end_use = "military_end_use" in ctx.transaction.knowledge
    end_users = [p for p in ctx.transaction.parties if p.military_end_user and p.role in LICENSING_ROLES]
    if not end_use and not end_users:
        return
    destination = ctx.transaction.destination
    covered = rule["destinations"].get(destination)
    if covered is None:
        if ctx.as_of > rule["destinations_known_through"]:
            yield Finding(Kind.UNRESOLVED, f"744.21 on {ctx.as_of} for {destination}: {rule['later_reason'].strip()}",
                          only_adds_requirements=True)  # fmt: skip
        else:
            yield Finding(Kind.CLEAR, f"744.21 does not name {destination} on {ctx.as_of} (China, Russia, Venezuela)")
        return
    grounds = (["military end use"] if end_use and ctx.as_of >= covered["end_use_from"] else []) + [
        f"military end user {p.name!r}" for p in end_users if ctx.as_of >= covered["end_user_from"]
    ]
    if not grounds:
        reason = f"744.21 reaches military end users in {destination} only from {covered['end_user_from']} ({rule['expansion_rule']})"
        yield Finding(Kind.CLEAR, reason)
        return
    yield from _supp_2_items(ctx, rule, " and ".join(grounds))


@check("R6-SDN", step=6.3)
def specially_designated_national(ctx: Context) -> Iterator[Finding]:
    """Dealings with an OFAC Specially Designated National are blocked; tagged SDNs also need a BIS license for all items [31 CFR chapter V; 15 CFR 744.8, 744.12-744.14]."""
    ear_programs = ctx.data.dated["sdn_ear_programs"]
    for match in _best_per_party(ctx.in_force("SDN")):
        tagged = [f"{program} ({ear_programs[program]})" for program in match.entry.programs if program in ear_programs]
        reason = f"{match.describe()}; programs {', '.join(match.entry.programs) or 'n/a'}"
        if tagged:
            reason += f"; EAR license requirement for all items: {', '.join(tagged)}"
        undated = "The CSL gives no listing date for this SDN entry; it may postdate the transaction."
        yield _party_finding(
            Kind.PROHIBITION, reason, match, license_exceptions_allowed=False,
            uncertain=match.effective is None, uncertain_reason=undated if match.effective is None else "",
        )  # fmt: skip


@check("R6-UVL", step=6.5)
def unverified_party(ctx: Context) -> Iterator[Finding]:
    """A party on the Unverified List bars license exceptions and needs a UVL statement before any NLR shipment [15 CFR 744.15; 740.2(a)(17)]."""
    for match in _best_per_party(ctx.in_force("UVL")):
        reason = f"{match.describe()}; obtain a signed UVL statement; license exceptions unavailable"
        yield _party_finding(Kind.FLAG, reason, match, license_exceptions_allowed=False)


@check("R6-REVIEW", step=6.8)
def unresolved_matches(ctx: Context) -> Iterator[Finding]:
    """A fuzzy list match below the strong band must be resolved by an analyst before the party is cleared; a party already identified as another listed entity is flagged instead [Supp. No. 3 to 15 CFR part 732 (Know Your Customer)]."""
    decided = {(id(m.party), m.entry.list_code) for m in ctx.matches if m.in_force and m.strong}
    identified = _identities(ctx)
    for match in _best_per_party([m for m in ctx.matches if m.in_force and not m.strong]):
        list_code = match.entry.list_code
        if (id(match.party), list_code) in decided or list_code not in _CONSEQUENTIAL:
            continue
        if list_code in ("EL", "MEU") and match.party.role not in LICENSING_ROLES:
            continue
        identity = identified.get(id(match.party))
        if identity is not None and not (identity & _names(match)):
            reason = f"{match.describe()}: a different entity from the one this party is identified as; review it"
            yield _party_finding(Kind.FLAG, reason, match)
            continue
        yield _party_finding(Kind.UNRESOLVED, f"{match.describe()}: confirm or clear this match", match,
                             only_adds_requirements=list_code in ("EL", "MEU"))  # fmt: skip


@check("R6-END-USE", step=6.6)
def prohibited_end_use(ctx: Context) -> Iterator[Finding]:
    """Knowledge of a nuclear, missile or chemical/biological weapons end use creates a license requirement [15 CFR 736.2(b)(5); 744.2-744.4]."""
    for flag in ctx.transaction.knowledge:
        if flag not in _END_USE_SECTIONS:
            continue
        section, review = _END_USE_SECTIONS[flag]
        yield Finding(
            Kind.REQUIREMENT, f"the exporter knows of a {flag.replace('_', ' ')} ({section})",
            review_policy=ReviewPolicy(review, refers_to=(section,)), applied_policy=review,
            license_exceptions_allowed=False,
        )  # fmt: skip


@check("R10-GP10", step=10)
def red_flags(ctx: Context) -> Iterator[Finding]:
    """Do not proceed while red flags about the transaction are unresolved [15 CFR 736.2(b)(10); Supp. No. 3 to part 732]."""
    for flag in ctx.transaction.red_flags:
        yield Finding(Kind.PROHIBITION, f"unresolved red flag: {flag}", license_exceptions_allowed=False)


def _supp_2_items(ctx: Context, rule: dict, grounds: str) -> Iterator[Finding]:
    """744.21's requirement, item by item: EAR99 is never in Supp. No. 2; other items as the exporter tags them."""
    caveat = rule["uncertain_reason"].strip() if ctx.transaction.destination != "CN" else ""
    for index, item in ctx.subject_items():
        if item.eccn == "EAR99":
            yield Finding(Kind.CLEAR, f"{grounds}: EAR99 items are not in Supp. No. 2 to part 744", item=item.label,
                          item_index=index)  # fmt: skip
        elif SUPP_2_TAG in item.tags:
            review = ReviewPolicy(Policy.PRESUMPTION_OF_DENIAL, refers_to=(rule["section"],))
            yield Finding(
                Kind.REQUIREMENT, f"{grounds}: {item.eccn} is listed in Supp. No. 2 to part 744", item=item.label,
                item_index=index, review_policy=review, applied_policy=Policy.PRESUMPTION_OF_DENIAL,
                license_exceptions_allowed=False, uncertain=bool(caveat), uncertain_reason=caveat,
            )  # fmt: skip
        else:
            reason = (
                f"{grounds}: decide whether {item.eccn} is listed in Supp. No. 2 to part 744 (tag it {SUPP_2_TAG!r})"
            )
            yield Finding(Kind.UNRESOLVED, reason, item=item.label, item_index=index, only_adds_requirements=True)


def _identities(ctx: Context) -> dict[int, set[str]]:
    """The names of the entries each party is strongly identified with, by party."""
    found: dict[int, set[str]] = {}
    for match in ctx.matches:
        if match.in_force and match.strong:
            found.setdefault(id(match.party), set()).update(_names(match))
    return found


def _names(match: ListMatch) -> set[str]:
    return {" ".join(name.lower().split()) for name in match.entry.all_names}


def _entity_list_requirements(ctx: Context, match: ListMatch) -> Iterator[Finding]:
    clauses = ctx.data.dated["policy_clauses"]
    review = policy.parse(match.entry.license_policy, ctx.as_of, clauses)
    caveats = _caveats(ctx, match)
    if match.entry.license_policy == POLICY_NOT_IN_SOURCE:
        caveats.append("The license review policy is not in this list source (the eCFR extract keeps none, and "
                       "the entry was not on the 2022 CSL): read it in Supp. No. 4 to part 744.")
    elif not review.complete:
        caveats.append("Review policy text not fully structured; the most restrictive policy it names is the default.")
    all_items = match.entry.license_requirement.lower().startswith(_ALL_ITEMS)
    if not all_items:
        caveats.append(f"License requirement scope not evaluated: {match.entry.license_requirement!r}.")
    for index, item in ctx.subject_items():
        applied = policy.apply(review, item)
        reason = f"{match.describe()}; {item.label}: {applied.policy.value} ({applied.because})"
        yield _party_finding(
            Kind.REQUIREMENT, reason, match, item=item.label, item_index=index, review_policy=review,
            applied_policy=applied.policy, license_exceptions_allowed=False,
            uncertain=bool(caveats), uncertain_reason=" ".join(caveats),
        )  # fmt: skip


def _caveats(ctx: Context, match: ListMatch) -> list[str]:
    caveats = [match.action.uncertain_reason.strip()] if match.action and match.action.uncertain_reason else []
    if match.action is None:
        caveats.append(
            f"Effective date from the CSL start date ({match.effective}); the ledger does not know this rule."
        )
    if match.party.role in ("purchaser", "intermediate_consignee") and ctx.as_of < FOUR_ROLE_TEXT_FROM:
        caveats.append("Interpretive: before 2020-08-17 744.11 read 'to a listed entity' (85 FR 51335).")
    for clause in policy.clause_in_text_not_in_force(
        match.entry.license_policy, ctx.as_of, ctx.data.dated["policy_clauses"]
    ):
        caveats.append(f"Policy clause of {clause['rule']} (from {clause['effective']}) left out: not yet in force.")
    return caveats


def _best_per_party(matches: list[ListMatch]) -> list[ListMatch]:
    """One match per transaction party and list: the highest score, then the earliest listing."""
    best: dict[tuple[int, str], ListMatch] = {}
    for match in matches:
        key = (id(match.party), match.entry.list_code)
        kept = best.get(key)
        if kept is None or (match.hit.score, _earliness(kept)) > (kept.hit.score, _earliness(match)):
            best[key] = match
    return list(best.values())


def _earliness(match: ListMatch) -> date:
    return match.effective or date.min


def _out_of_force(ctx: Context, list_code: str) -> list[ListMatch]:
    """Strong matches not in force, for parties with no in-force strong match on the same list."""
    listed = {id(m.party) for m in ctx.in_force(list_code)}
    return [
        m
        for m in ctx.matches
        if m.entry.list_code == list_code and m.strong and not m.in_force and id(m.party) not in listed
    ]


def _party_finding(kind: Kind, reason: str, match: ListMatch, **fields: object) -> Finding:
    return Finding(
        kind, reason, party=f"{match.party.name} ({match.party.role})", entry=match.entry.key,
        sources=match.sources, **fields,  # type: ignore[arg-type]
    )  # fmt: skip
