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
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from itertools import chain
from operator import attrgetter

from exportguard.batch.runner import (
    RECORD_FLOOR,
    Customer,
    FullScreen,
    LocalRunner,
    ScreeningResult,
    screen_customer,
    unscreenable_reason,
)
from exportguard.heap import collector_paused
from exportguard.lists.model import ListSnapshot
from exportguard.lists.versions import ListDiff
from exportguard.matching.normalize import NormalizedName, normalize
from exportguard.matching.reach_columns import QueryWords, query_words
from exportguard.matching.screener import Screener, ScreeningInputError, checked_name, with_native_names

#: Customers that may score on a changed entry up to which a delta re-screen screens them in process, after its
#: selection, without a pool of its own (those with results before are due whatever the selection finds: a worker
#: started at once screens them meanwhile, and the caller takes up what it has not begun). A pool forked from the
#: full index costs its start and copy-on-write faults: worth it only for many (1,263 of 200,000 in the bench's
#: weekly change, 10 ms in process, as 99 distinct names).
IN_PROCESS_UP_TO = 1500


@dataclass(frozen=True)
class RescreenOutcome:
    """The results for the new version and what changed relative to the previous ones."""

    results: list[ScreeningResult]
    #: Customer-entry pairs that were not hits before.
    new: list[ScreeningResult]
    #: Previous hits that no longer hold (entry removed, changed, or now below the threshold).
    retired: list[ScreeningResult]
    #: The largest move of a previous score on an entry the change left alone (:func:`largest_move`). A delta does
    #: not score a customer on such an entry it had no result on, counting on the near-miss margin, which every
    #: change's re-weighting eats into: a caller chaining deltas sums these and screens in full past a budget, as
    #: the customer store does (``store.customer_store.DRIFT_BUDGET``).
    drift: float = 0.0


def largest_move(results: Iterable[ScreeningResult], before: Mapping[tuple[str, str], float],
                 gone: Collection[str]) -> float:
    """How far ``results`` moved the scores recorded ``before`` ((customer id, entry key) -> score) on entries
    not ``gone`` (changed or removed: their scores are another entry's): the largest move, 0 if none."""
    return max((abs(result.score - before[pair]) for result in results
                if (pair := (result.customer_id, result.entry_key)) in before and result.entry_key not in gone),
               default=0.0)


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
    #: Each distinct question's results (see :class:`DueScreen`), kept across the screens of a caller that screens a
    #: customer file chunk by chunk with screens over the same lists and changes (the customer store).
    answered: dict[tuple[object, ...], list[ScreeningResult]] = field(default_factory=dict, compare=False, repr=False)

    def __call__(self, customers: list[Customer]) -> list[ScreeningResult]:
        due, screen = self.due(customers)
        return screen(due)

    @cached_property
    def changed_keys(self) -> frozenset[str]:
        """The keys of the changed entries (added or modified)."""
        return frozenset(party.key for party in self.changed.parties)

    def due(self, customers: Sequence[Customer] | CustomerFile,
            recorded_at: Sequence[int] | None = None) -> tuple[list[Customer], DueScreen]:
        """The customers to screen again, in order, and the screen for them: those with results before, and those
        that may score on a changed entry (``Screener.may_hit_many``: the word-by-word test for all of them at
        once, then the score bound for the few it admits). ``recorded_at``: the positions of those with results
        before, if the caller has looked them up already (after a fork, every look-up copies pages)."""
        file = customers if isinstance(customers, CustomerFile) else CustomerFile(tuple(customers))
        customers, words = file.customers, file.words
        reaching = [words.positions[at] for at in self.changed.may_hit_many(words.queries, self.threshold, words.words)]
        # Names the screener refuses are due too, so that their screen reports why (never a silent "no change").
        reaching += words.refused
        due = sorted({*reaching, *(file.positions_of(self.recorded) if recorded_at is None else recorded_at)})
        return [customers[at] for at in due], DueScreen(self, frozenset(customers[at].id for at in reaching))


@dataclass(frozen=True)
class DueScreen:
    """Screens the customers a :class:`DeltaScreen` found due with the full screener: those that may score on a
    changed entry (``reaching``) on the changed entries, and every one on the entries it had results on."""

    delta: DeltaScreen
    #: Ids of the customers that may score on a changed entry.
    reaching: frozenset[str]

    def __call__(self, customers: list[Customer]) -> list[ScreeningResult]:
        results = list[ScreeningResult]()
        # Customer files repeat parties (a company under several customer numbers, ship-to and bill-to records):
        # a screen is a function of what it is asked, so each distinct question is screened once.
        answered = self.delta.answered
        for customer in customers:
            entries, reaching = self.delta.recorded.get(customer.id, _NONE), customer.id in self.reaching
            question = (_name_as_asked(customer), customer.country, customer.address, entries, reaching)
            if question not in answered:
                answered[question] = self._screened(customer, entries, reaching)
            results += [row if row.customer_id == customer.id else ScreeningResult(customer.id, *row.row()[1:])
                        for row in answered[question]]
        return results

    def _screened(self, customer: Customer, entries: frozenset[str], reaching: bool) -> list[ScreeningResult]:
        """The customer's results on the changed entries it scores on (when ``reaching``) and on ``entries``; when
        its name or country cannot be screened, the result saying why."""
        delta = self.delta
        try:
            # Its hits on the changed entries are the full screen's on them: asked of the full screener at once, not of
            # the changed entries' index first (and what that found re-scored), its words are retrieved once.
            entries = entries | delta.changed_keys if reaching else entries
            hits = screen_customer(delta.full, customer, delta.threshold, entries) if entries else []
        except ScreeningInputError as error:
            return [ScreeningResult.unscreenable(customer, error, delta.full.list_version)]
        return [ScreeningResult.of(customer, hit) for hit in hits]


def _name_as_asked(customer: Customer) -> object:
    """What a screen reads of a customer's name: its stored normal form, whatever text it was read from ("Huafu Co.,
    Ltd" and "Huafu Co. Ltd" ask the same), but for a name read across scripts (an explanation quotes it as
    written), a name the screener refuses (the reason depends on it), and a name without a stored form."""
    form = customer.normalized
    if form is None or form.cross_script or _refused(customer.name):
        return customer.name, form
    return _FORM_BUT_TEXT(form)


#: The fields of a normal form but the text it was read from.
_FORM_BUT_TEXT = attrgetter(*(field.name for field in fields(NormalizedName) if field.name != "original"))


def _refused(name: str) -> bool:
    """Whether the screener refuses the name (``checked_name``)."""
    try:
        checked_name(name)
    except ScreeningInputError:
        return True
    return False


@dataclass(frozen=True, eq=False)
class CustomerFile:
    """A customer master held across list changes (a monitoring service's, in memory): the customers, and what a
    delta re-screen's selection reads of every one of them, worked out on first use and kept for the next change
    (the files never change: a changed master is another file)."""

    customers: tuple[Customer, ...]

    @cached_property
    def words(self) -> ScreenableWords:
        """The customers whose names can be screened, and their names' words as columns."""
        positions, queries, refused = _screenable(self.customers)
        return ScreenableWords(positions, queries, query_words(queries), refused)

    def positions_of(self, ids: Iterable[str]) -> list[int]:
        """The positions of the customers with these ids, in order (the map of ids worked out on first use, even
        when none is asked for: a caller asks for none to work it out when the file is loaded)."""
        positions = self._positions
        return sorted(chain.from_iterable(positions.get(key, ()) for key in ids))

    @cached_property
    def _positions(self) -> dict[str, list[int]]:
        positions: defaultdict[str, list[int]] = defaultdict(list)
        # 200,000 small lists: the collector would walk the caller's heap several times while they are made.
        with collector_paused():
            for at, key in enumerate(map(attrgetter("id"), self.customers)):
                positions[key].append(at)
        return positions


@dataclass(frozen=True)
class ScreenableWords:
    """The positions of a file's customers whose names can be screened, those names, and their words as ids."""

    positions: list[int]
    queries: list[NormalizedName]
    words: QueryWords
    #: The positions of the customers whose names the screener refuses.
    refused: list[int]


def _screenable(customers: Sequence[Customer]) -> tuple[list[int], list[NormalizedName], list[int]]:
    """The positions of the customers the screener accepts (their names and countries, as
    :func:`unscreenable_reason` checks them), their names as normalised (stored with the customer, else now), and
    the positions of those it refuses."""
    positions, forms, refused = [], [], []
    for at, customer in enumerate(customers):
        if unscreenable_reason(customer) is None:
            positions.append(at)
            forms.append(customer.normalized or normalize(customer.name))
        else:
            refused.append(at)
    return positions, forms, refused


@dataclass(frozen=True)
class ChangedOrFresh:
    """Customers added or changed since the last re-screen meet every entry; the others, only the changes."""

    full: FullScreen
    delta: DeltaScreen
    fresh: frozenset[str]

    def __call__(self, customers: list[Customer]) -> list[ScreeningResult]:
        fresh = [customer for customer in customers if customer.id in self.fresh]
        return self.full(fresh) + self.delta([customer for customer in customers if customer.id not in self.fresh])


def _screened_reaching(runner: LocalRunner, due_screen: DueScreen, due: list[Customer],
                       progress: Callable[[int], None] | None) -> list[ScreeningResult]:
    """The results of the due customers that may score on a changed entry, in process unless they are many."""
    reaching = [customer for customer in due if customer.id in due_screen.reaching]
    # A pool is worth its start only for many customers: a list change usually leaves few due.
    if len(reaching) > IN_PROCESS_UP_TO:
        return [row for rows in runner.map(due_screen, reaching, progress) for row in rows]
    results = due_screen(reaching)
    if progress:
        progress(len(reaching))
    return results


def recorded_pairs(previous: Iterable[ScreeningResult], changes: ListDiff) -> dict[str, frozenset[str]]:
    """Customer id -> keys of unchanged entries it had a result on: what a delta screen looks at again."""
    gone = changes.gone
    recorded: dict[str, set[str]] = defaultdict(set)
    for result in previous:
        if result.entry_key not in gone:
            recorded[result.customer_id].add(result.entry_key)
    return {customer: frozenset(keys) for customer, keys in recorded.items()}


def rescreen(
    new: ListSnapshot,
    changes: ListDiff,
    customers: Iterable[Customer] | CustomerFile,
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
    the two is for. ``full`` is a screener over ``new`` already built, if the caller has one; ``customers`` as a
    :class:`CustomerFile` kept across list changes saves reading every customer's words again (about 0.2 s for
    200,000 customers).
    """
    previous = list(previous)
    file = customers if isinstance(customers, CustomerFile) else CustomerFile(tuple(customers))
    runner = runner or LocalRunner()
    with collector_paused():
        full = full or with_native_names(new)
        screen = DeltaScreen(full, delta_screener(new, changes, full), recorded_pairs(previous, changes),
                             runner.threshold)
        # Customers with results before are due whatever the selection finds: a worker screens them meanwhile (each
        # process screens a question once, whichever chunks it meets it in: DeltaScreen.answered).
        recorded_at = file.positions_of(screen.recorded)
        recorded = [file.customers[at] for at in recorded_at]
        with runner.screening_aside(DueScreen(screen, _NONE), recorded) as recorded_results:
            due, due_screen = screen.due(file, recorded_at)
            if progress:
                progress(len(file.customers) - len(due))
            results = _screened_reaching(runner, due_screen, due, progress)
            # One that may also score on a changed entry was screened again above, on those entries too.
            results += [row for row in recorded_results() if row.customer_id not in due_screen.reaching]
        if progress:
            progress(len(recorded) - len(due_screen.reaching & screen.recorded.keys()))
        order = {customer.id: at for at, customer in enumerate(due)}
        results.sort(key=lambda row: order[row.customer_id])
        # Still with the collector paused: after the many objects this run made, it would walk the caller's heap.
        before = {(result.customer_id, result.entry_key): result.score for result in previous}
        after = {(result.customer_id, result.entry_key) for result in results}
        return RescreenOutcome(
            results,
            new=[result for result in results if (result.customer_id, result.entry_key) not in before],
            retired=[result for result in previous if (result.customer_id, result.entry_key) not in after],
            drift=largest_move(results, before, changes.gone),
        )
