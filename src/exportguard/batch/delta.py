"""Delta re-screening: after a list change, screen customers only against the entries that changed.

Hits on unchanged entries cannot change, so they are carried over; hits on removed or modified
entries are dropped; the added and modified entries are indexed on their own and every customer is
screened against that small index. Scores use the *whole* new version's word rarities (a word's weight
depends on how many list names contain it), so a delta hit scores exactly as a full re-screen would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from exportguard.batch.runner import Customer, LocalRunner, ScreeningResult
from exportguard.lists.model import ListSnapshot
from exportguard.lists.versions import ListDiff
from exportguard.matching.screener import Screener


@dataclass(frozen=True)
class RescreenOutcome:
    """The results for the new version and what changed relative to the previous ones."""

    results: list[ScreeningResult]
    #: Customer-entry pairs that were not hits before.
    new: list[ScreeningResult]
    #: Previous hits that no longer hold (entry removed, changed, or now below the threshold).
    retired: list[ScreeningResult]


def delta_screener(new: ListSnapshot, changes: ListDiff, full: Screener | None = None) -> Screener:
    """A screener over only the added and modified entries, weighted like the full new version."""
    full = full or Screener(new)
    delta = Screener(ListSnapshot(new.version, changes.changed))
    delta.index._weights = full.index._weights
    delta.index._max_postings = full.index._max_postings
    delta.index.damped_weights = {}
    return delta


def rescreen(new: ListSnapshot, changes: ListDiff, customers: Iterable[Customer],
             previous: Iterable[ScreeningResult], runner: LocalRunner | None = None,
             progress: Callable[[int], None] | None = None) -> RescreenOutcome:
    """Results against ``new`` given the results against the version ``changes`` was computed from.

    ``previous`` must include the near misses (a :class:`LocalRunner` records down to ``RECORD_FLOOR``).
    Customers with any previous result are screened in full again, since the new version's word weights
    can move their scores on unchanged entries across the threshold; everyone else, whose best score on
    any entry was below the floor, meets only the changed entries.
    """
    previous = list(previous)
    runner = runner or LocalRunner()
    full = Screener(new)
    with_hits = {result.customer_id for result in previous}
    customers = list(customers)
    again = [customer for customer in customers if customer.id in with_hits]
    rest = [customer for customer in customers if customer.id not in with_hits]
    results = _run(replace(runner, screener=full), again, progress)
    results += _run(replace(runner, screener=delta_screener(new, changes, full)), rest, progress)
    before = {(result.customer_id, result.entry_key) for result in previous}
    after = {(result.customer_id, result.entry_key) for result in results}
    return RescreenOutcome(
        results,
        new=[result for result in results if (result.customer_id, result.entry_key) not in before],
        retired=[result for result in previous if (result.customer_id, result.entry_key) not in after],
    )


def _run(runner: LocalRunner, customers: list[Customer],
         progress: Callable[[int], None] | None) -> list[ScreeningResult]:
    assert runner.screener is not None
    return [row for rows in runner.run(runner.screener.snapshot, customers, progress) for row in rows]
