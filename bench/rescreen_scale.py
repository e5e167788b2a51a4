"""Screening a customer master at scale, and delta re-screening after a real list change.

Run: python bench/rescreen_scale.py [--names 1000000] [--delta-names 200000] [--processes 0] [--json out.json]

Customers: real list names and perturbed variants of them (bench/corpus.py) at ``--positive-rate``,
the rest recombined from real organisation names that are not on the CSL (China's counter-sanction
targets, UFLPA and WRO entities, well-known firms: bench/corpus.py negatives), e.g. the head of one
name with the tail of another, so a million distinct, company-like names come from a few hundred.

1. Full screen of ``--names`` customers against the bundled 2022 CSL with the local runner (all cores):
   names/s and peak memory. Baseline in the same run: one thread, in process, ``Screener.screen``.
Customers carry their names normalised, as the customer store keeps them from import on.

2. A real list change, OFAC SDN of 2021-07-07 -> 2021-08-20 (113 added, 3 removed, 4 modified):
   ``--delta-names`` customers are screened against the old version (setup), then re-screened against
   the new one in full and by delta; the ratio of the two times, and a check that the hits agree.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import SHARED, negatives, positives

from exportguard.batch.delta import rescreen
from exportguard.batch.runner import Customer, LocalRunner, ScreeningResult
from exportguard.lists import ofac_sdn
from exportguard.lists.bundled import bundled_csl
from exportguard.lists.versions import diff
from exportguard.matching.normalize import normalize
from exportguard.matching.screener import Screener

OLD_SDN = SHARED / "ofac_sdn" / "raw_2021-07" / "sdn.csv"
NEW_SDN = SHARED / "ofac_sdn" / "sdn_2021-08-20.csv"
BASELINE_NAMES = 3000


def customers(count: int, positive_rate: float, seed: int = 1) -> list[Customer]:
    """``count`` customers, ``positive_rate`` of them list names or variants, the rest recombined negatives."""
    rng = random.Random(seed)
    snapshot = bundled_csl()
    listed = [case.query for case in positives(snapshot, 400, seed)] + [p.name for p in snapshot.parties]
    pool = [case.query.split() for case in negatives(snapshot)]
    names = []
    for _ in range(count):
        if rng.random() < positive_rate:
            names.append(rng.choice(listed))
        else:
            head, tail = rng.choice(pool), rng.choice(pool)
            names.append(" ".join(head[: rng.randint(1, len(head))] + tail[rng.randint(0, len(tail) - 1):]))
    # As `customers import` stores them: each with its name normalised once (exportguard.store.customer_store).
    return [Customer(f"C{number}", name, normalized=normalize(name)) for number, name in enumerate(names)]


def load_sdn_alone(path: Path):  # type: ignore[no-untyped-def]
    """sdn.csv without the alt/add files beside it, as the 2021-08-20 snapshot has none."""
    with tempfile.TemporaryDirectory() as directory:
        alone = Path(directory) / "sdn.csv"
        shutil.copy(path, alone)
        return ofac_sdn.load(alone, allow_partial=True)


def peak_rss_mib() -> float:
    """Largest resident set of this process and of its largest worker, in MiB (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + workers) / 1024


def single_thread(screener: Screener, names: list[Customer]) -> float:
    start = time.perf_counter()
    for customer in names:
        screener.screen(customer.name, limit=50, threshold=0.75, normalized=customer.normalized)
    return len(names) / (time.perf_counter() - start)


def run_all(runner: LocalRunner, snapshot, names: list[Customer]) -> tuple[list[ScreeningResult], float]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    results = [row for rows in runner.run(snapshot, names) for row in rows]
    return results, time.perf_counter() - start


def hit_set(results: list[ScreeningResult]) -> set[tuple[str, str, float]]:
    return {(r.customer_id, r.entry_key, r.score) for r in results if r.is_hit()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, default=1_000_000)
    parser.add_argument("--delta-names", type=int, default=200_000)
    parser.add_argument("--positive-rate", type=float, default=0.01)
    parser.add_argument("--processes", type=int, default=0, help="0 = all cores")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures: dict[str, object] = {"names": args.names, "positive_rate": args.positive_rate}

    start = time.perf_counter()
    names = customers(args.names, args.positive_rate)
    figures["corpus_s"] = round(time.perf_counter() - start, 1)
    csl = bundled_csl()
    screener = Screener(csl)
    figures["single_thread_names_per_s"] = round(single_thread(screener, names[:BASELINE_NAMES]))
    runner = LocalRunner(args.processes, screener=screener)
    results, seconds = run_all(runner, csl, names)
    figures.update(full_s=round(seconds, 1), names_per_s=round(len(names) / seconds),
                   hits=sum(r.is_hit() for r in results), peak_rss_mib=round(peak_rss_mib()))
    figures["scaling"] = round(figures["names_per_s"] / figures["single_thread_names_per_s"], 2)  # type: ignore[operator]
    del results

    old, new = load_sdn_alone(OLD_SDN), ofac_sdn.load(NEW_SDN, allow_partial=True)
    changes = diff(old, new)
    subset = names[: args.delta_names] if args.delta_names <= len(names) else customers(args.delta_names, args.positive_rate)
    previous, _ = run_all(LocalRunner(args.processes), old, subset)
    full, full_s = run_all(LocalRunner(args.processes), new, subset)
    start = time.perf_counter()
    outcome = rescreen(new, changes, subset, previous, LocalRunner(args.processes))
    delta_s = time.perf_counter() - start
    figures.update(delta_names=len(subset), change=changes.summary(), rescreen_full_s=round(full_s, 2),
                   rescreen_delta_s=round(delta_s, 2), delta_speedup=round(full_s / delta_s, 1),
                   delta_equals_full=hit_set(outcome.results) == hit_set(full))
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


def report(f: dict) -> None:  # type: ignore[type-arg]
    print(f"customers {f['names']:,} ({f['positive_rate']:.0%} list names/variants), corpus built in {f['corpus_s']} s")
    print(f"single thread, in process  {f['single_thread_names_per_s']:>8,} names/s   (baseline)")
    print(f"local runner, all cores    {f['names_per_s']:>8,} names/s   ratio x{f['scaling']}   "
          f"{f['full_s']} s for all, {f['hits']:,} hits, peak RSS {f['peak_rss_mib']} MiB (target: 1M < 600 s)")
    print(f"list change SDN 2021-07-07 -> 2021-08-20: {f['change']}, {f['delta_names']:,} customers")
    print(f"full re-screen  {f['rescreen_full_s']:>8} s   delta re-screen {f['rescreen_delta_s']:>8} s   "
          f"ratio x{f['delta_speedup']} (target >= 20)   hits identical: {f['delta_equals_full']}")


if __name__ == "__main__":
    main()
