"""The local runner: worker processes give what one process gives, whatever form the customers come in."""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from exportguard.batch import runner as runner_module
from exportguard.batch.runner import Customer, FullScreen, LocalRunner, ScreeningResult
from exportguard.lists import ofac_sdn
from exportguard.lists.model import ListSnapshot
from exportguard.matching.gazetteer import native_names_for
from exportguard.matching.normalize import normalize
from exportguard.matching.screener import with_native_names


@pytest.fixture(scope="module")
def sdn(fixtures: Path) -> ListSnapshot:
    return ofac_sdn.load(fixtures / "ofac_sdn_2021-07")


def _customers(snapshot: ListSnapshot) -> list[Customer]:
    names = [party.name for party in snapshot.parties[::40]] + ["Volvo Cars AB", "Banco Nacional Cuba", "Micron"]
    return [Customer(f"C{number}", name, "CU" if number % 4 == 0 else None) for number, name in enumerate(names)]


def _rows(runner: LocalRunner, snapshot: ListSnapshot, customers: object) -> list[tuple[str, str, float]]:
    results: list[ScreeningResult] = [row for rows in runner.run(snapshot, customers) for row in rows]  # type: ignore[arg-type]
    return [(r.customer_id, r.entry_key, r.score) for r in results]


def test_two_processes_equal_one_for_lists_generators_and_stored_normal_forms(sdn: ListSnapshot) -> None:
    customers = _customers(sdn)
    one = _rows(LocalRunner(processes=1, chunk_size=7), sdn, customers)
    assert len({customer for customer, _, _ in one}) > 100  # most names find their own entry
    two = LocalRunner(processes=2, chunk_size=7)
    assert _rows(two, sdn, customers) == one  # a list: ranges of the inherited list
    assert _rows(two, sdn, iter(customers)) == one  # a generator: partitions sent to the workers
    stored = [replace(customer, normalized=normalize(customer.name)) for customer in customers]
    assert _rows(two, sdn, stored) == one


#: Customers the screener refuses, each with the end of the reason its result must give.
REFUSED = [Customer("R-1", "Banco Nacional de Cuba", "USA"), Customer("R-2", "Banco Nacional de Cuba", "Cuba"),
           Customer("R-3", "Banco " * 90), Customer("R-4", " ")]
REASONS = {"R-1": "(US for USA, CN for CHN)", "R-2": "got 'Cuba': write CU for Cuba",
           "R-3": "name is longer than 500 characters", "R-4": "name must be a non-empty string"}


def test_a_customer_the_screener_refuses_gives_a_result_saying_why_in_every_runner(sdn: ListSnapshot) -> None:
    """Never no rows, which reads as "screened, no hit": one result per refused customer, in process and in workers,
    from a list or a generator, and with the name's stored normal form (an oversized name is refused all the same)."""
    customers = [*_customers(sdn)[:30], *REFUSED]
    stored = [replace(customer, normalized=normalize(customer.name)) for customer in customers]
    for runner, given in ((LocalRunner(processes=1, chunk_size=7), customers), (LocalRunner(processes=2), stored),
                          (LocalRunner(processes=2, chunk_size=7), iter(customers))):
        results = [result for rows in runner.run(sdn, given) for result in rows]
        refused = {r.customer_id: r for r in results if not r.screened}
        assert refused.keys() == REASONS.keys()
        assert all(refused[key].features.endswith(reason) for key, reason in REASONS.items())
        assert {(r.entry_key, r.score, r.is_hit(), r.list_version) for r in refused.values()} == {
            ("", 0.0, False, sdn.version.id)}
        assert {r.customer_id for r in results if r.screened} & REASONS.keys() == set()


def _heap_state(customers: list[Customer]) -> list[ScreeningResult]:
    """One row per partition saying whether the collector skipped the heap while it was screened."""
    return [ScreeningResult(customers[0].id, "frozen" if gc.get_freeze_count() > 0 else "walked", 0.0, "", "", "")]


@pytest.mark.parametrize("processes", [1, 2])
@pytest.mark.parametrize("frozen_before", [False, True])
def test_a_run_freezes_the_heap_while_it_screens_and_leaves_it_as_it_found_it(
    sdn: ListSnapshot, processes: int, frozen_before: bool
) -> None:
    """In process as in the workers the collector skips the index while names are screened (it would walk it
    again and again); afterwards an index frozen before (a server's) stays frozen, and nothing else does."""
    gc.unfreeze()
    if frozen_before:
        gc.freeze()
    try:
        states = [row.entry_key for rows in LocalRunner(processes, chunk_size=50).map(_heap_state, _customers(sdn))
                  for row in rows]
        assert (gc.get_freeze_count() > 0) == frozen_before
    finally:
        gc.unfreeze()
    assert len(states) > 1 and set(states) == {"frozen"}


def test_a_customer_written_in_chinese_script_meets_the_entry_by_its_gazetteer_name(sdn: ListSnapshot) -> None:
    """The runner indexes the gazetteer's native-script names, as the API and a stored re-screen do, so a
    customer master written in Chinese script meets the entries those names belong to."""
    natives = native_names_for(sdn)
    customers = [Customer(f"N{number}", names[0]) for number, names in enumerate(natives.values())]
    found = {(customer, key) for customer, key, score in _rows(LocalRunner(processes=1), sdn, customers) if score >= 0.9}
    assert natives and found >= {(f"N{number}", key) for number, key in enumerate(natives)}


@pytest.mark.parametrize("per_helper", [1, 10**9])
def test_a_screening_aside_gives_what_one_process_gives_in_order_while_the_caller_works(
        sdn: ListSnapshot, monkeypatch: pytest.MonkeyPatch, per_helper: int) -> None:
    """Workers claim chunks while the caller goes on; the caller takes up what they have not begun. However the
    chunks fall, every customer's results come back once, in customer order (and with too few customers to be worth
    a worker, the caller screens them all)."""
    monkeypatch.setattr(runner_module, "ASIDE_PER_HELPER", per_helper)
    monkeypatch.setattr(runner_module, "ASIDE_CHUNK", 3)
    customers = [*_customers(sdn), *REFUSED]
    screen = FullScreen(with_native_names(sdn))
    alone = screen(customers)
    with LocalRunner(processes=3).screening_aside(screen, customers) as gathered:
        meanwhile = screen(customers[:20])
        results = gathered()
    assert [result.row() for result in results] == [result.row() for result in alone]
    assert meanwhile == screen(customers[:20]) and len({r.customer_id for r in results}) > 100


def test_the_workers_of_a_finished_screening_aside_end_on_their_own_and_those_of_a_failed_one_at_once(
        sdn: ListSnapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The caller does not wait for its workers to end once it has their results (a worker forked from a large
    process takes a while to); they end and are reaped meanwhile, and workers_reaped() waits for them. A screening
    aside left by an error ends its workers before the error goes on."""
    monkeypatch.setattr(runner_module, "ASIDE_PER_HELPER", 1)
    customers = _customers(sdn)
    screen = FullScreen(with_native_names(sdn))
    with LocalRunner(processes=2).screening_aside(screen, customers) as gathered:
        results = gathered()
    runner_module.workers_reaped()
    assert results and multiprocessing.active_children() == []
    with pytest.raises(KeyError), LocalRunner(processes=2).screening_aside(screen, customers):
        raise KeyError("the caller failed")
    assert multiprocessing.active_children() == []


class _InWorker:
    """A screen that, in a forked worker only, fails as ``failure`` does (raises, or ends the process)."""

    def __init__(self, screen: FullScreen, failure: object) -> None:
        self.screen, self.failure, self.caller = screen, failure, os.getpid()

    def __call__(self, customers: list[Customer]) -> list[ScreeningResult]:
        if os.getpid() != self.caller:
            if isinstance(self.failure, BaseException):
                raise self.failure
            os._exit(3)
        return self.screen(customers)


@pytest.mark.parametrize(("failure", "raised"), [
    (ValueError("bad customer row"), pytest.raises(ValueError, match="bad customer row")),
    ("killed", pytest.raises(RuntimeError, match=r"ended without its results \(exit code 3\)")),
])
def test_what_goes_wrong_in_a_worker_of_a_screening_aside_is_raised_in_the_caller(
        sdn: ListSnapshot, monkeypatch: pytest.MonkeyPatch, failure: object, raised: Any) -> None:
    """A screening aside never hands back results with a worker's share missing: an error in the worker is raised
    again when the caller gathers, and a worker that ended without sending its results is an error too."""
    monkeypatch.setattr(runner_module, "ASIDE_PER_HELPER", 1)
    screen = _InWorker(FullScreen(with_native_names(sdn)), failure)
    with raised, LocalRunner(processes=2).screening_aside(screen, _customers(sdn)) as gathered:
        # The caller takes up no chunk before the worker has met its end (failing on the first it claims).
        deadline = time.monotonic() + 60
        while multiprocessing.active_children() and time.monotonic() < deadline:
            time.sleep(0.01)
        gathered()
    assert multiprocessing.active_children() == []


def test_a_screening_aside_left_without_gathering_ends_its_workers(sdn: ListSnapshot,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A caller that leaves without gathering (more rows than a pipe holds) does not leave a worker blocked on
    sending them, nor a reaper waiting for it."""
    monkeypatch.setattr(runner_module, "ASIDE_PER_HELPER", 1)
    customers = _customers(sdn) * 8
    screen = FullScreen(with_native_names(sdn))
    assert len(repr([row.row() for row in screen(customers)])) > 2**17  # more than a pipe's buffer
    with LocalRunner(processes=2).screening_aside(screen, customers):
        pass
    reaped = threading.Thread(target=runner_module.workers_reaped, daemon=True)
    reaped.start()
    reaped.join(timeout=60)
    assert not reaped.is_alive() and multiprocessing.active_children() == []
