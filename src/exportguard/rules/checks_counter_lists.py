"""China's counter-lists in a determination: a finding of its own kind that never changes the US license status."""

from __future__ import annotations

from collections.abc import Iterator

from exportguard.lists.cn_sanctions import BY_CODE, LIST_CODES
from exportguard.rules.model import Finding, Kind
from exportguard.rules.registry import Context, check

CHINA = "CN"


@check("R11-CN-COUNTER", step=11)
def chinese_counter_list(ctx: Context) -> Iterator[Finding]:
    """A party of a transaction touching China is on a Chinese counter-list (Unreliable Entity List, export control lists, counter-measures): what the listing restricts and the announcement that made it; it does not change the US license status [Provisions on the Unreliable Entity List (MOFCOM Order 2020 No. 4); Anti-Foreign Sanctions Law art. 6; PRC Export Control Law art. 18; no effect under 15 CFR parts 730-774]."""
    if not _touches_china(ctx):
        return
    best: dict[tuple[int, str], object] = {}
    for match in ctx.matches:
        code = match.entry.list_code
        if code not in LIST_CODES or not match.in_force or (id(match.party), code) in best:
            continue
        best[(id(match.party), code)] = match
        confirm = "" if match.strong else "; a fuzzy match: confirm it is the same party"
        yield Finding(
            Kind.COUNTER_MEASURE,
            f"{match.describe()}; {BY_CODE[code].restricts}{confirm}",
            party=f"{match.party.name} ({match.party.role})", entry=match.entry.key,
            sources=(match.entry.federal_register_notice,), uncertain=not match.strong,
            uncertain_reason="" if match.strong else "Fuzzy match below the strong band.",
        )  # fmt: skip


def _touches_china(ctx: Context) -> bool:
    """Goods bound for China, or a party located there."""
    transaction = ctx.transaction
    return transaction.destination == CHINA or any(party.country == CHINA for party in transaction.parties)
