"""One interface for screening many customers: the same per-partition function, run locally or on Spark.

A *partition* is a list of :class:`Customer`; :func:`screen_partition` turns it into
:class:`ScreeningResult` rows with a screener built from a snapshot. The local runner gives each worker
process its own screener, built once, and feeds it partitions of ``chunk_size`` customers.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.pool
import os
import threading
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from multiprocessing.pool import AsyncResult
from operator import itemgetter
from typing import Any, Protocol

from exportguard.heap import collector_paused, freeze_long_lived, is_frozen
from exportguard.lists.model import ListSnapshot
from exportguard.matching.model import DEFAULT_THRESHOLD, Hit
from exportguard.matching.normalize import NormalizedName
from exportguard.matching.screener import (
    Screener,
    ScreeningInputError,
    checked_country,
    checked_name,
    with_native_names,
)

#: Hits kept per customer: enough that a long list of near-namesakes is not cut short.
RESULT_LIMIT = 50
#: Batch runs record near misses this far below the hit threshold: a list change re-weights words
#: (rarity is counted over the whole list), which can lift a near miss on an unchanged entry into a hit.
WATCH_MARGIN = 0.05
#: The lowest score a batch run records.
RECORD_FLOOR = DEFAULT_THRESHOLD - WATCH_MARGIN
#: The entry key of the result saying that a customer could not be screened (:meth:`ScreeningResult.unscreenable`).
UNSCREENABLE = ""


@dataclass(frozen=True)
class Customer:
    """A stored party to screen: the company's own id and what it knows about the party."""

    id: str
    name: str
    country: str | None = None
    address: str | None = None
    #: The name as normalised when the customer was stored, if it was (see ``normalizer_fingerprint``).
    normalized: NormalizedName | None = None


def unscreenable_reason(customer: Customer) -> str | None:
    """Why the screener would refuse the customer (its name or its country), or None: the screener's own checks,
    run before a customer is stored so that none is stored that a re-screen cannot answer for."""
    try:
        checked_name(customer.name)
        checked_country(customer.country)
    except ScreeningInputError as error:
        return str(error)
    return None


@dataclass(frozen=True)
class ScreeningResult:
    """One customer-to-entry hit, flat enough for a table, a Parquet file or a Spark row; or, with the entry key
    :data:`UNSCREENABLE`, that the customer could not be screened and why (``features``): INDETERMINATE, which
    no one may read as "no hit"."""

    customer_id: str
    entry_key: str
    score: float
    matched_name: str
    list_version: str
    features: str

    def is_hit(self, threshold: float = DEFAULT_THRESHOLD) -> bool:
        """A hit to review, as opposed to a near miss recorded for the next re-screen."""
        return self.score >= threshold

    @property
    def screened(self) -> bool:
        """False for the result saying that the customer could not be screened."""
        return self.entry_key != UNSCREENABLE

    def row(self) -> ResultRow:
        """The fields as a plain tuple, in order: how a worker process sends the result back."""
        return self.customer_id, self.entry_key, self.score, self.matched_name, self.list_version, self.features

    @classmethod
    def of(cls, customer: Customer, hit: Hit) -> ScreeningResult:
        features = "\n".join(f"{f.name}={f.value:.4f}: {f.explanation}" for f in hit.features)
        return cls(customer.id, hit.party.key, round(hit.score, 4), hit.matched_name, hit.list_version, features)

    @classmethod
    def unscreenable(cls, customer: Customer, error: ScreeningInputError, list_version: str) -> ScreeningResult:
        """The result saying that the screener refused the customer's name or country, with its reason."""
        return cls(customer.id, UNSCREENABLE, 0.0, "", list_version, str(error))


def screen_customer(screener: Screener, customer: Customer, threshold: float,
                    entries: Collection[str] | None = None) -> list[Hit]:
    """One customer's hits at or above ``threshold`` (on ``entries`` only, if given), as a batch keeps them."""
    return screener.screen(customer.name, customer.country, address=customer.address, limit=RESULT_LIMIT,
                           threshold=threshold, entries=entries, normalized=customer.normalized)


def screen_partition(screener: Screener, customers: Iterable[Customer],
                     threshold: float = DEFAULT_THRESHOLD) -> list[ScreeningResult]:
    """Every hit at or above ``threshold`` for each customer; a customer the screener refuses (name, country)
    yields its :meth:`ScreeningResult.unscreenable` row instead."""
    results: list[ScreeningResult] = []
    for customer in customers:
        try:
            hits = screen_customer(screener, customer, threshold)
        except ScreeningInputError as error:
            results.append(ScreeningResult.unscreenable(customer, error, screener.list_version))
            continue
        results.extend(ScreeningResult.of(customer, hit) for hit in hits)
    return results


#: Whatever screens one partition: the runners call it once per partition, in the workers.
PartitionScreen = Callable[[list[Customer]], list[ScreeningResult]]


@dataclass(frozen=True)
class FullScreen:
    """Every customer against every entry of the screener's snapshot."""

    screener: Screener
    threshold: float = RECORD_FLOOR

    def __call__(self, customers: list[Customer]) -> list[ScreeningResult]:
        return screen_partition(self.screener, customers, self.threshold)


class Runner(Protocol):
    """Screens customers against a snapshot and yields result rows, one partition at a time."""

    def run(self, snapshot: ListSnapshot, customers: Iterable[Customer],
            progress: Callable[[int], None] | None = None) -> Iterator[list[ScreeningResult]]: ...


def partitions(customers: Iterable[Customer], size: int) -> Iterator[list[Customer]]:
    """Consecutive chunks of at most ``size`` customers."""
    chunk: list[Customer] = []
    for customer in customers:
        chunk.append(customer)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


#: A result row as a worker sends it back: the :class:`ScreeningResult` fields in order. Plain tuples
#: pickle in a fraction of a dataclass's time, and the repeated list version is pickled once per partition.
ResultRow = tuple[str, str, float, str, str, str]

_worker_screen: Callable[[Any], list[ScreeningResult]] | None = None
_worker_customers: Sequence[Customer] = ()


def _init_worker(screen: Callable[[Any], list[ScreeningResult]], customers: Sequence[Customer] = ()) -> None:
    global _worker_screen, _worker_customers
    _worker_screen, _worker_customers = screen, customers


def _screen_part(part: Sequence[Any] | range) -> tuple[int, list[ScreeningResult]]:
    """Screen a partition: its items, or a range of the customer list the worker inherited."""
    assert _worker_screen is not None
    chunk = _worker_customers[part.start : part.stop] if isinstance(part, range) else part
    return len(chunk), _worker_screen(chunk)


def _screen_in_worker(part: Sequence[Any] | range) -> tuple[int, list[ResultRow]]:
    """As :func:`_screen_part`, sending back plain rows: customers without a result cost nothing on the way back."""
    count, results = _screen_part(part)
    return count, [result.row() for result in results]


#: Customers a screening aside starts a worker process for, at least: about 40 ms of screening, against about 10 ms to
#: fork one from a large heap and tear it down (fewer are screened by the caller when it gathers them).
ASIDE_PER_HELPER = 500
#: Customers per chunk of a screening aside: small enough that the caller, once done with its own work, takes
#: up a fair share of what the workers have not begun, and waits for little more than the last chunk a worker
#: began (about 1 ms at a delta re-screen's rate); large enough that claiming one costs nothing.
ASIDE_CHUNK = 20


class SharedChunks:
    """Consecutive chunks of a customer list, each claimed by whichever process asks first (the counter lives in
    shared memory: forked workers inherit it)."""

    def __init__(self, customers: int, size: int) -> None:
        self.customers, self.size = customers, size
        self._next = multiprocessing.get_context("fork").Value("q", 0)

    def claim(self) -> range | None:
        """The next chunk no process has claimed yet, if any."""
        with self._next.get_lock():
            start = self._next.value * self.size
            self._next.value += 1
        return range(start, min(start + self.size, self.customers)) if start < self.customers else None

    def screen(self, screen: Callable[[Any], list[ScreeningResult]],
               customers: Sequence[Customer]) -> list[tuple[int, list[ScreeningResult]]]:
        """Screen chunks as long as there are unclaimed ones: each chunk's first position and its results."""
        done = []
        while (chunk := self.claim()) is not None:
            done.append((chunk.start, screen(customers[chunk.start : chunk.stop])))
        return done


#: What a worker of a screening aside sends back: each chunk it screened, as its first position and plain rows.
ClaimedRows = list[tuple[int, list[ResultRow]]]


def _screen_claimed(screen: PartitionScreen, customers: Sequence[Customer], chunks: SharedChunks,
                    sent: Connection, unread: Sequence[Connection]) -> None:
    """In a worker forked for a screening aside: the chunks it claims, screened, sent back as plain rows (or what
    went wrong, so that the caller raises it). ``unread``: the receiving ends this worker inherited, closed at once
    so that the caller's are the only ones (should it leave without reading, a send fails instead of waiting)."""
    for inherited in unread:
        inherited.close()
    try:
        claimed: ClaimedRows | BaseException = [(start, [result.row() for result in results])
                                                for start, results in chunks.screen(screen, customers)]
    except Exception as error:  # raised again by the caller
        claimed = error
    with sent:
        try:
            sent.send(claimed)
        except OSError:  # the caller has left without gathering: nobody reads any more
            return
        except Exception:  # an error that does not pickle: its text
            sent.send(RuntimeError(f"screening worker failed: {claimed!r}"))


#: Partitions handed to the pool ahead of the one whose results are awaited, per worker process: enough
#: that no worker waits while the parent reads or writes a chunk, few enough that a streamed customer
#: table is never held in memory whole.
PARTITIONS_AHEAD = 2


@dataclass
class LocalRunner:
    """All cores of this machine (``processes=1`` screens in-process, with no pool)."""

    processes: int = 0
    chunk_size: int = 500
    threshold: float = RECORD_FLOOR
    screener: Screener | None = None

    def run(self, snapshot: ListSnapshot, customers: Iterable[Customer],
            progress: Callable[[int], None] | None = None) -> Iterator[list[ScreeningResult]]:
        screener = self.screener
        if screener is None:
            with collector_paused():
                screener = with_native_names(snapshot)
        return self.map(FullScreen(screener, self.threshold), customers, progress)

    def map(self, screen: PartitionScreen, customers: Iterable[Customer],
            progress: Callable[[int], None] | None = None) -> Iterator[list[ScreeningResult]]:
        """``screen`` over consecutive partitions of ``customers``, in worker processes, results in order."""
        return _reported(self.map_partitions(screen, customers), progress)

    def map_partitions(self, screen: PartitionScreen,
                       customers: Iterable[Customer]) -> Iterator[tuple[int, list[ScreeningResult]]]:
        """As :meth:`map`, with how many customers each partition held: the n-th result covers the n-th
        consecutive ``chunk_size`` customers (a caller committing partition by partition needs to know).

        A list is inherited by the worker processes (forked after it was built), and only ranges of it are
        sent; other iterables (a database cursor) are sent a partition at a time.
        """
        size = self.chunk_size
        if isinstance(customers, list):
            inherited: Sequence[Customer] = customers
            ranges = (range(start, min(start + size, len(customers))) for start in range(0, len(customers), size))
            return self.stream(screen, ranges, inherited)
        return self.stream(screen, partitions(customers, size))

    def stream(self, screen: Callable[[Any], list[ScreeningResult]], parts: Iterable[Sequence[Any] | range],
               inherited: Sequence[Customer] = ()) -> Iterator[tuple[int, list[ScreeningResult]]]:
        """``screen`` over each of ``parts`` (items the screen understands, or ranges of ``inherited``), in
        order, with each part's size. Parts are drawn from ``parts`` only as workers free up, on the calling
        thread: a caller streaming them from a database reads, and writes results, between partitions."""
        processes = self.cores()
        with _pool(screen, inherited, processes if processes > 1 else 0) as pool:
            if pool is None:
                yield from map(_screen_part, parts)
                return
            pending: deque[AsyncResult[tuple[int, list[ResultRow]]]] = deque()
            for part in parts:
                pending.append(pool.apply_async(_screen_in_worker, (part,)))
                if len(pending) > PARTITIONS_AHEAD * processes:
                    yield _results(pending.popleft().get())
            while pending:
                yield _results(pending.popleft().get())

    def cores(self) -> int:
        """How many processes screen: ``processes``, or every core."""
        return self.processes or os.cpu_count() or 1

    @contextmanager
    def screening_aside(self, screen: PartitionScreen,
                        customers: list[Customer]) -> Iterator[Callable[[], list[ScreeningResult]]]:
        """Screens ``customers`` in worker processes, one core left to the caller, while the caller goes on; the
        function given back screens, in the caller's process, the chunks no worker has begun, then gathers every
        result (in order). With one process there is no one to hand the work to: it screens them all."""
        helpers = min(self.cores() - 1, len(customers) // ASIDE_PER_HELPER)
        if helpers < 1:
            yield lambda: screen(customers)
            return
        chunks = SharedChunks(len(customers), ASIDE_CHUNK)
        with _forked(screen, customers, chunks, helpers) as receivers:

            def gathered() -> list[ScreeningResult]:
                done = chunks.screen(screen, customers)
                done += [(start, [ScreeningResult(*row) for row in rows]) for receive in receivers
                         for start, rows in receive()]
                return [result for _start, results in sorted(done, key=itemgetter(0)) for result in results]

            yield gathered


@contextmanager
def _forked(screen: PartitionScreen, customers: Sequence[Customer], chunks: SharedChunks,
            count: int) -> Iterator[list[Callable[[], ClaimedRows]]]:
    """``count`` processes forked from this one, each screening the chunks of ``customers`` it claims; for each, the
    function that waits for what it sends back. Plain processes, not a pool: a pool also starts queues and three
    handler threads (12-13 ms against 3.5-4 ms for a bare fork, measured apart from a run), which a delta
    re-screen's caller waits for before it can begin."""
    frozen_before = is_frozen()
    # As for a pool (:func:`_pool`): the collector would walk, and so copy, every page of the heap in the workers.
    gc.freeze()
    context = multiprocessing.get_context("fork")
    started: list[tuple[multiprocessing.process.BaseProcess, Connection]] = []
    try:
        for _ in range(count):
            receiving, sending = context.Pipe(duplex=False)
            unread = [receiving, *(earlier for _worker, earlier in started)]
            worker: multiprocessing.process.BaseProcess = context.Process(
                target=_screen_claimed, args=(screen, customers, chunks, sending, unread), daemon=True)
            worker.start()
            sending.close()
            started.append((worker, receiving))
        yield [partial(_received, worker, receiving) for worker, receiving in started]
    except BaseException:
        for worker, _receiving in started:
            worker.terminate()
            worker.join()
        raise
    else:
        for worker, receiving in started:
            # Closed, should the caller have left without gathering: a worker blocked sending its rows then ends.
            receiving.close()
            _reaped_aside(worker)
    finally:
        freeze_long_lived() if frozen_before else gc.unfreeze()


def _received(worker: multiprocessing.process.BaseProcess, receiving: Connection) -> ClaimedRows:
    """What a worker of a screening aside sent back; what went wrong in it, raised here."""
    try:
        claimed: ClaimedRows | BaseException = receiving.recv()
    except EOFError:
        worker.join()
        raise RuntimeError(f"a screening worker ended without its results (exit code {worker.exitcode})") from None
    finally:
        receiving.close()
    if isinstance(claimed, BaseException):
        raise claimed
    return claimed


@contextmanager
def _pool(screen: Callable[[Any], list[ScreeningResult]], inherited: Sequence[Customer],
          workers: int) -> Iterator[multiprocessing.pool.Pool | None]:
    """``workers`` processes running ``screen``, forked from this one (none: None, and this process set up to
    screen in process)."""
    # Frozen objects are skipped by the garbage collector, which would otherwise walk the whole index over
    # and over while the screens allocate (in process), or, in forked workers, walk and so copy every page
    # of the parent's heap; fork shares the built screener with the workers copy-on-write.
    frozen_before = is_frozen()
    gc.freeze()
    try:
        if not workers:
            _init_worker(screen, inherited)
            yield None
            return
        context = multiprocessing.get_context("fork")
        pool = context.Pool(workers, initializer=_init_worker, initargs=(screen, inherited))
        try:
            yield pool
        except BaseException:
            pool.terminate()
            raise
        _closed_aside(pool)
    finally:
        # A long-lived index frozen before (the library's, a server's) stays frozen; what this run
        # froze besides is given back to the collector.
        freeze_long_lived() if frozen_before else gc.unfreeze()


_REAPER = "exportguard-worker-reaper"


def _closed_aside(pool: multiprocessing.pool.Pool) -> None:
    """Let the pool's workers end once their work is done, and reap them in a background thread: a worker forked
    from a large process takes about 10 ms to end (its copied pages freed), which the caller need not wait for."""
    pool.close()
    threading.Thread(target=pool.join, name=_REAPER, daemon=True).start()


def _reaped_aside(worker: multiprocessing.process.BaseProcess) -> None:
    """Reap a worker that has sent its results in a background thread, as :func:`_closed_aside` does a pool's."""
    threading.Thread(target=worker.join, name=_REAPER, daemon=True).start()


def workers_reaped() -> None:
    """Wait until the workers reaped in the background have ended (what reads their CPU time needs: a bench)."""
    for thread in threading.enumerate():
        if thread.name == _REAPER:
            thread.join()


def _results(done: tuple[int, list[ResultRow]]) -> tuple[int, list[ScreeningResult]]:
    count, rows = done
    return count, [ScreeningResult(*row) for row in rows]


def _reported(done: Iterator[tuple[int, list[ScreeningResult]]],
              progress: Callable[[int], None] | None) -> Iterator[list[ScreeningResult]]:
    for count, results in done:
        if progress:
            progress(count)
        yield results
