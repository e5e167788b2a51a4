"""Where a delta re-screen's time goes, phase by phase: the indexes, the selection of the customers due, and
screening them in process or in the runner's workers.

Run: python bench/profile_delta.py [--names 50000] [--repeat 3]

The change and the customers are bench/rescreen_scale.py's delta section's (OFAC SDN 2021-07-07 -> 2021-08-20,
real list names and recombined negatives, normalised as the customer store keeps them), held as a monitoring
service keeps them across list changes (``CustomerFile``: their words worked out once, timed apart; the last line
gives them as a plain list instead). The previous results are
a full screen against the old version (all cores, not measured). Each phase is timed on the clock ``--repeat``
times (the least and the most are printed: other work on a shared machine inflates single runs). The first selection
and the first screen of the due customers are printed apart: they are the product's case (a new list version is a
new changed-entries index, whose words are all met anew; the screens meet the full index's words for the first
time), the repeats run from warm memos. The figures are this checkout's only:
bench/rescreen_scale.py compares the whole delta re-screen with a full one and with a baseline commit.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rescreen_scale import customers, run_all, sdn_change

from exportguard.batch.delta import (
    IN_PROCESS_UP_TO,
    CustomerFile,
    DeltaScreen,
    DueScreen,
    delta_screener,
    recorded_pairs,
    rescreen,
)
from exportguard.batch.runner import Customer, LocalRunner
from exportguard.heap import collector_paused
from exportguard.matching.screener import Screener


def timed(label: str, repeat: int, work: Callable[[], Any]) -> Any:
    """Run ``work`` ``repeat`` times and print the least and most seconds it took; its last result."""
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - start)
    print(f"{label:52} {min(seconds):7.3f} s  (most {max(seconds):.3f} s of {repeat})")
    return result


def _worked_out(held: CustomerFile) -> CustomerFile:
    """The file with its words and ids worked out, as when it is loaded."""
    held.positions_of(())
    assert held.words
    return held


def _question(customer: Customer) -> tuple[object, ...]:
    return customer.name, customer.country, customer.address


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--positive-rate", type=float, default=0.01)
    args = parser.parse_args()
    print(f"machine load (1/5/15 min) before {os.getloadavg()}; {args.names:,} customers")
    subset = customers(args.names, args.positive_rate)
    old, new, changes = sdn_change()
    previous, _ = run_all(LocalRunner(), old, subset)
    with collector_paused():
        full = timed("full index of the new version", 1, lambda: Screener(new))
        changed = timed("changed entries' index", 1, lambda: delta_screener(new, changes, full))
        screen = DeltaScreen(full, changed, recorded_pairs(previous, changes))
        held = timed("the customer file's words and ids (once per file)", 1,
                     lambda: _worked_out(CustomerFile(tuple(subset))))
        # The product's case is the cold one: a new list version means a new changed-entries index, whose memo of
        # what each word reaches is empty; later selections meet every word from memory.
        timed("select the customers due, cold (the product's case)", 1, lambda: screen.due(held))
        due, due_screen = timed("select the customers due again (words remembered)", args.repeat,
                                lambda: screen.due(held))
        recorded = [customer for customer in due if customer.id in screen.recorded]
        reaching = [customer for customer in due if customer.id in due_screen.reaching]
        print(f"  due: {len(due):,} ({len(recorded):,} with results before, {len(reaching):,} that may score on a "
              f"changed entry, {len({_question(c) for c in due}):,} distinct names); rescreen() screens those with "
              f"results before in a worker while it selects, the others "
              f"{'in process' if len(reaching) <= IN_PROCESS_UP_TO else 'in the runner workers'} "
              f"(in process up to {IN_PROCESS_UP_TO:,})")
        timed("screen those with results before, cold", 1, lambda: DueScreen(screen, frozenset())(recorded))
        timed("screen those with results before again", args.repeat, lambda: DueScreen(screen, frozenset())(recorded))
        timed("screen those that may score on a change", args.repeat, lambda: due_screen(reaching))
    timed("rescreen() in all, the full index built", args.repeat,
          lambda: rescreen(new, changes, held, previous, LocalRunner()))
    timed("rescreen() in all, the full index given", args.repeat,
          lambda: rescreen(new, changes, held, previous, LocalRunner(), full=full))
    timed("rescreen() in all, index given, in process", args.repeat,
          lambda: rescreen(new, changes, held, previous, LocalRunner(1), full=full))
    timed("rescreen() in all, index given, a plain list", args.repeat,
          lambda: rescreen(new, changes, subset, previous, LocalRunner(), full=full))
    print(f"machine load (1/5/15 min) after {os.getloadavg()}")


if __name__ == "__main__":
    main()
