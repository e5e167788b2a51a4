"""Delta re-screening: after a list change, screen customers only against the entries that changed.

The added and modified entries are indexed on their own, and that small index tells, cheaply, which
customers a change can reach with a score at the record floor (an upper bound, before any alignment);
only those, and the customers with results before, are screened again, keeping only hits on the
changed entries and on the entries they had results on. Results on removed or modified entries are
dropped. The screening itself is the full new version's, word rarities and candidate choice included,
so a delta hit scores exactly as a full re-screen would.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import compress, count
from operator import attrgetter
from typing import cast

from exportguard.batch.runner import RECORD_FLOOR, Customer, FullScreen, LocalRunner, ScreeningResult, screen_customer
from exportguard.heap import collector_paused
from exportguard.lists.model import ListSnapshot
from exportguard.lists.versions import ListDiff
from exportguard.matching.normalize import NormalizedName, normalize
from exportguard.matching.screener import Screener, ScreeningInputError, checked_name, with_native_names

#: Customers due for screening up to which a delta re-screen screens them in process, without starting a pool. Two
#: workers forked from the full index spend about 40% more CPU on the same screens (start, copy-on-write faults) but
#: still gain on the clock on two idle cores: 3,991 due of 200,000, the whole rescreen() 0.70 s with the pool against
#: 0.75 s in process; on cores busy with other work (load 2-3) the pool lost (0.82-0.91 s against 0.77-0.83 s).
IN_PROCESS_UP_TO = 1500


@dataclass(frozen=True)
class RescreenOutcome:
    """The results for the new version and what changed relative to the previous ones."""

    results: list[ScreeningResult]
    #: Customer-entry pairs that were not hits before.
    new: list[ScreeningResult]
    #: Previous hits that no longer hold (entry removed, changed, or now below the threshold).
    retired: list[ScreeningResult]


def delta_screener(new: ListSnapshot, changes: ListDiff, full: Screener | None = None) -> Screener:
    """A screener over only the added and modified entries, weighted like the full new version and with its
    spellings (native-script names included, when it has them)."""
    with collector_paused():
        return (full or with_native_names(new)).over_part(changes.changed)


_NONE: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DeltaScreen:
    """A customer is screened in full only when it scores on a changed entry or had results before;
    it is scored on the changed entries only when an upper bound of its score there reaches the threshold.

    The full screen then keeps only hits on those entries, so every score, and which candidates are
    considered at all, is what a full re-screen gives.
    """

    full: Screener
    changed: Screener
    #: Customer id -> keys of unchanged entries with a previous result for that customer.
    recorded: Mapping[str, frozenset[str]]
    threshold: float = RECORD_FLOOR

    def __call__(self, customers: list[Customer]) -> list[ScreeningResult]:
        due, screen = self.due(customers)
        return screen(due)

    def due(self, customers: Sequence[Customer]) -> tuple[list[Customer], DueScreen]:
        """The customers to screen again, in order, and the screen for them: those with results before, and those
        that may score on a changed entry (``Screener.may_hit_many``: the word-by-word test for all of them at
        once, then the score bound for the few it admits)."""
        positions, queries = _screenable(customers)
        reaching = [positions[at] for at in self.changed.may_hit_many(queries, self.threshold)]
        recorded = compress(count(), map(self.recorded.__contains__, map(attrgetter("id"), customers)))
        due = sorted({*reaching, *recorded})
        return [customers[at] for at in due], DueScreen(self, frozenset(customers[at].id for at in reaching))


@dataclass(frozen=True)
class DueScreen:
    """Screens the customers a :class:`DeltaScreen` found due: on the changed entries those that may score there
    (``reaching``), then with the full screener on the entries they scored on and those they had results on."""

    delta: DeltaScreen
    #: Ids of the customers that may score on a changed entry.
    reaching: frozenset[str]

    def __call__(self, customers: list[Customer]) -> list[ScreeningResult]:
        delta, results = self.delta, list[ScreeningResult]()
        for customer in customers:
            try:
                entries = delta.recorded.get(customer.id, _NONE)
                if customer.id in self.reaching:
                    entries |= {hit.party.key for hit in screen_customer(delta.changed, customer, delta.threshold)}
                hits = screen_customer(delta.full, customer, delta.threshold, entries) if entries else []
            except ScreeningInputError:
                continue
            results.extend(ScreeningResult.of(customer, hit) for hit in hits)
        return results


def _screenable(customers: Sequence[Customer]) -> tuple[list[int], list[NormalizedName]]:
    """The positions of the customers whose names can be screened, and those names as normalised (stored with
    the customer, else now)."""
    forms = list(map(attrgetter("normalized"), customers))
    if not all(forms):
        for at in [at for at, form in enumerate(forms) if form is None]:
            try:
                forms[at] = normalize(checked_name(customers[at].name))
            except ScreeningInputError:
                continue
        positions = [at for at, form in enumerate(forms) if form is not None]
        return positions, [form for form in forms if form is not None]
    return list(range(len(forms))), cast(list[NormalizedName], forms)


@dataclass(frozen=True)
class ChangedOrFresh:
    """Customers added or changed since the last re-screen meet every entry; the others, only the changes."""

    full: FullScreen
    delta: DeltaScreen
    fresh: frozenset[str]

    def __call__(self, customers: list[Customer]) -> list[ScreeningResult]:
        fresh = [customer for customer in customers if customer.id in self.fresh]
        return self.full(fresh) + self.delta([customer for customer in customers if customer.id not in self.fresh])


def recorded_pairs(previous: Iterable[ScreeningResult], changes: ListDiff) -> dict[str, frozenset[str]]:
    """Customer id -> keys of unchanged entries it had a result on: what a delta screen looks at again."""
    gone = {party.key for party in (*changes.changed, *changes.removed)}
    recorded: dict[str, set[str]] = defaultdict(set)
    for result in previous:
        if result.entry_key not in gone:
            recorded[result.customer_id].add(result.entry_key)
    return {customer: frozenset(keys) for customer, keys in recorded.items()}


def rescreen(
    new: ListSnapshot,
    changes: ListDiff,
    customers: Iterable[Customer],
    previous: Iterable[ScreeningResult],
    runner: LocalRunner | None = None,
    progress: Callable[[int], None] | None = None,
    full: Screener | None = None,
) -> RescreenOutcome:
    """Results against ``new`` given the results against the version ``changes`` was computed from.

    ``previous`` must include the near misses (a :class:`LocalRunner` records down to ``RECORD_FLOOR``).
    A customer is screened again when it scores on a changed entry (the small index, weighted like the
    whole version, finds every such pair a full screen would), or when it had results before, whose
    scores the new version's word weights can move across the threshold. An unchanged entry that scored
    below the floor for a customer is taken to stay below the threshold: that is what the margin between
    the two is for. ``full`` is a screener over ``new`` already built, if the caller has one.
    """
    previous, customers = list(previous), list(customers)
    runner = runner or LocalRunner()
    with collector_paused():
        full = full or with_native_names(new)
        screen = DeltaScreen(full, delta_screener(new, changes, full), recorded_pairs(previous, changes),
                             runner.threshold)
        due, due_screen = screen.due(customers)
    if progress:
        progress(len(customers) - len(due))
    # A pool is worth its start only for many customers: a list change usually leaves few due.
    screening = runner if len(due) > IN_PROCESS_UP_TO else replace(runner, processes=1)
    results = [row for rows in screening.map(due_screen, due, progress) for row in rows]
    before = {(result.customer_id, result.entry_key) for result in previous}
    after = {(result.customer_id, result.entry_key) for result in results}
    return RescreenOutcome(
        results,
        new=[result for result in results if (result.customer_id, result.entry_key) not in before],
        retired=[result for result in previous if (result.customer_id, result.entry_key) not in after],
    )
