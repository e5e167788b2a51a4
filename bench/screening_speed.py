"""Screening speed: index build, single-query latency and batch throughput, next to a brute-force scan.

Run: python bench/screening_speed.py [--repeat 3] [--workers 2] [--json out.json]

Baseline, measured in the same run: a brute-force rapidfuzz scan (``process.extract`` with
``token_set_ratio``, C-implemented) over every name and alias of the same list, which is what a
screener without an index does. Queries are the accuracy benchmark's real-data corpus (perturbed
list names and real non-listed organisation names). Multi-process throughput goes through the batch
runner (``LocalRunner``), as `rescreen` does, over the corpus repeated.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import load_all
from rapidfuzz import fuzz, process, utils

from exportguard.batch.runner import Customer, LocalRunner
from exportguard.lists import csl
from exportguard.lists.bundled import BUNDLED_CSL, data_path, native_names_for
from exportguard.matching.model import DEFAULT_THRESHOLD
from exportguard.matching.screener import Screener


def build_index() -> tuple[Screener, float, float]:
    """Load the bundled CSV and build the screener, cold; seconds and resident memory it added (MiB)."""
    rss_before = psutil.Process().memory_info().rss
    started = time.perf_counter()
    snapshot = csl.load(data_path(BUNDLED_CSL))
    screener = Screener(snapshot, native_names_for(snapshot))
    seconds = time.perf_counter() - started
    return screener, seconds, (psutil.Process().memory_info().rss - rss_before) / 2**20


def latencies(screen, queries: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    timings = []
    for query in queries:
        started = time.perf_counter()
        screen(query)
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def parallel_throughput(screener: Screener, queries: list[str], workers: int) -> float:
    """Names per second through the batch runner (``LocalRunner``) over ``workers`` processes sharing the index."""
    customers = [Customer(str(number), query) for number, query in enumerate(queries)]
    runner = LocalRunner(workers, threshold=DEFAULT_THRESHOLD, screener=screener)
    started = time.perf_counter()
    for _ in runner.run(screener.snapshot, customers):
        pass
    return len(queries) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the query corpus for throughput")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    screener, build_seconds, build_mib = build_index()
    _, positives, negatives = load_all()
    queries = [case.query for case in positives + negatives]
    names = [name for party in screener.parties for name in party.all_names]
    brute = lambda q: process.extract(q, names, scorer=fuzz.token_set_ratio, processor=utils.default_process, limit=10)  # noqa: E731

    ours = latencies(screener.screen, queries)
    baseline_queries = queries[:: max(1, len(queries) // 300)]
    theirs = latencies(brute, baseline_queries)
    started = time.perf_counter()
    for _ in range(args.repeat):
        for query in queries:
            screener.screen(query)
    single = args.repeat * len(queries) / (time.perf_counter() - started)
    parallel = parallel_throughput(screener, queries * args.repeat * 3, args.workers)
    brute_throughput = 1000 / statistics.mean(theirs)
    report = {
        "queries": len(queries), "names_indexed": len(screener.index.variants),
        "index_build_seconds": build_seconds, "index_memory_mib": build_mib,
        "latency_ms": {"p50": percentile(ours, 0.5), "p99": percentile(ours, 0.99), "max": ours[-1]},
        "brute_force_latency_ms": {"p50": percentile(theirs, 0.5), "p99": percentile(theirs, 0.99)},
        "throughput_single_process": single, f"throughput_{args.workers}_processes": parallel,
        "brute_force_throughput_single_process": brute_throughput,
    }  # fmt: skip
    print_report(report, args.workers)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def print_report(report: dict, workers: int) -> None:  # type: ignore[type-arg]
    ours, theirs = report["latency_ms"], report["brute_force_latency_ms"]
    print(f"corpus: {report['queries']} queries; index: {report['names_indexed']} names and aliases")
    print(f"load + index build {report['index_build_seconds']:8.2f} s     (target < 5 s)")
    print(f"index memory       {report['index_memory_mib']:8.0f} MiB   (target < 500 MB; RSS added by load + build)")
    print(
        f"latency p50        {ours['p50']:8.2f} ms    brute force {theirs['p50']:8.2f} ms   ratio x{theirs['p50'] / ours['p50']:.0f}"
    )
    print(
        f"latency p99        {ours['p99']:8.2f} ms    brute force {theirs['p99']:8.2f} ms   ratio x{theirs['p99'] / ours['p99']:.0f} (target p99 < 10 ms)"
    )
    single, brute = report["throughput_single_process"], report["brute_force_throughput_single_process"]
    parallel = report[f"throughput_{workers}_processes"]
    print(f"throughput 1 proc  {single:8.0f} names/s  brute force {brute:8.0f} names/s  ratio x{single / brute:.0f}")
    print(
        f"throughput {workers} proc  {parallel:8.0f} names/s  (target >= 2,000/s on 2 cores; scaling x{parallel / single:.2f})"
    )


if __name__ == "__main__":
    main()
