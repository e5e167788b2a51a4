"""Screening speed: index build, single-query latency and batch throughput, next to the previous code's.

Run: python bench/screening_speed.py --baseline DIR [--rounds 3] [--repeat 3] [--workers 2] [--json out.json]

DIR is a checkout of the previous code (``git archive 623333b | tar -x -C /tmp/eg-prev``): every figure
is measured for this code and for that one in the same run, each in a fresh subprocess (its ``src`` on
PYTHONPATH), alternating which goes first, ``--rounds`` times; the medians and their ratios are printed.
The machine is shared, so the load (``uptime``) is recorded at the start and the end.

Lists: the full bundled lists, what ``exportguard screen`` loads by default (the build figure is the cold
load of the lists, the native-name gazetteer and the index, in a fresh process), and the 2022 CSL the
earlier figures of this bench were measured on. Queries: the bench corpus (bench/corpus.py: perturbed
list names, Chinese-script names and real non-listed organisation names). Throughput on one process is
``--repeat`` passes over the corpus after one pass that measures latency (the first pass, with nothing
remembered yet from earlier names, is also shown as a throughput); on ``--workers`` processes it goes
through the batch runner (``LocalRunner``), as `rescreen` does, over the corpus repeated ``3 x --repeat``
times. A brute-force rapidfuzz scan (``process.extract`` with ``token_set_ratio`` over every name and alias
of the full lists) is shown for scale, as before.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline

HERE = Path(__file__).resolve().parents[1]
LIST_SETS = ("bundled", "csl_2022")
#: (figure, unit, list set, True when higher is better)
FIGURES = (
    ("build_seconds", "s", "bundled", False),
    ("throughput_first_pass", "names/s", "bundled", True),
    ("throughput_1_process", "names/s", "bundled", True),
    ("throughput_workers", "names/s", "bundled", True),
    ("latency_p50_ms", "ms", "bundled", False),
    ("latency_p99_ms", "ms", "bundled", False),
    ("index_memory_mib", "MiB", "bundled", False),
    ("build_seconds", "s", "csl_2022", False),
    ("throughput_1_process", "names/s", "csl_2022", True),
    ("latency_p50_ms", "ms", "csl_2022", False),
)


def measure(lists: str, queries: list[str], repeat: int, workers: int) -> dict[str, Any]:
    """One code's figures, in this (fresh) process: uses only the screening API every version has."""
    import psutil
    from compat import native_names_for

    import exportguard
    from exportguard.batch.runner import Customer, LocalRunner
    from exportguard.lists import csl
    from exportguard.lists.bundled import BUNDLED_CSL, data_path, default_snapshot
    from exportguard.matching.model import DEFAULT_THRESHOLD
    from exportguard.matching.screener import Screener

    rss_before = psutil.Process().memory_info().rss
    started = time.perf_counter()
    snapshot = default_snapshot() if lists == "bundled" else csl.load(data_path(BUNDLED_CSL))
    screener = Screener(snapshot, native_names_for(snapshot))
    figures: dict[str, Any] = {
        "code": str(Path(exportguard.__file__).resolve().parents[1]),
        "build_seconds": time.perf_counter() - started,
        "index_memory_mib": (psutil.Process().memory_info().rss - rss_before) / 2**20,
        "names_indexed": len(screener.index.variants),
    }
    timings = []
    for query in queries:
        started = time.perf_counter()
        screener.screen(query)
        timings.append((time.perf_counter() - started) * 1000)
    figures["throughput_first_pass"] = 1000 * len(timings) / sum(timings)
    timings.sort()
    figures["latency_p50_ms"] = timings[len(timings) // 2]
    figures["latency_p99_ms"] = timings[min(len(timings) - 1, int(0.99 * len(timings)))]
    started = time.perf_counter()
    for _ in range(repeat):
        for query in queries:
            screener.screen(query)
    figures["throughput_1_process"] = repeat * len(queries) / (time.perf_counter() - started)
    if lists == "bundled":
        customers = [Customer(str(number), query) for number, query in enumerate(queries * repeat * 3)]
        runner = LocalRunner(workers, threshold=DEFAULT_THRESHOLD, screener=screener)
        started = time.perf_counter()
        for _ in runner.run(screener.snapshot, customers):
            pass
        figures["throughput_workers"] = len(customers) / (time.perf_counter() - started)
    return figures


def measured(source: Path, lists: str, queries_file: Path, repeat: int, workers: int) -> dict[str, Any]:
    """The figures of the code under ``source`` (its ``src`` directory), from a fresh subprocess."""
    environment = baseline.environment(source / "src")
    command = [sys.executable, __file__, "--measure", lists, "--queries", str(queries_file),
               "--repeat", str(repeat), "--workers", str(workers)]  # fmt: skip
    run = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    figures: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    if Path(figures["code"]) != (source / "src").resolve():
        raise SystemExit(f"measured {figures['code']}, not {source}/src: is PYTHONPATH overridden?")
    return figures


def brute_force(queries: list[str]) -> dict[str, float]:
    """Latency and throughput of a rapidfuzz scan of every name and alias of the full bundled lists."""
    from rapidfuzz import fuzz, process, utils

    from exportguard.lists.bundled import default_snapshot

    names = [name for party in default_snapshot().parties for name in party.all_names]
    timings = []
    for query in queries:
        started = time.perf_counter()
        process.extract(query, names, scorer=fuzz.token_set_ratio, processor=utils.default_process, limit=10)
        timings.append((time.perf_counter() - started) * 1000)
    return {"latency_p50_ms": statistics.median(timings), "throughput_1_process": 1000 / statistics.mean(timings)}


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="checkout of the previous code (required unless --measure)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each code (median reported)")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the query corpus for throughput")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--measure", choices=LIST_SETS, help=argparse.SUPPRESS)
    parser.add_argument("--queries", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        queries = json.loads(args.queries.read_text(encoding="utf-8"))
        print(json.dumps(measure(args.measure, queries, args.repeat, args.workers)))
        return
    if args.baseline is None:
        parser.error("--baseline DIR is required (a checkout of the previous code)")
    from corpus import load_all

    _, positives, negatives = load_all()
    queries = [case.query for case in positives + negatives]
    report: dict[str, Any] = {"load_at_start": load(), "queries": len(queries), "rounds": args.rounds,
                              "baseline": str(args.baseline), "workers": args.workers}  # fmt: skip
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {side: {lists: [] for lists in LIST_SETS} for side in ("ours", "previous")}
    with tempfile.TemporaryDirectory() as folder:
        queries_file = Path(folder) / "queries.json"
        queries_file.write_text(json.dumps(queries), encoding="utf-8")
        for round_number in range(args.rounds):
            sides = [("previous", args.baseline), ("ours", HERE)]
            for side, source in sides if round_number % 2 == 0 else sides[::-1]:
                for lists in LIST_SETS:
                    runs[side][lists].append(measured(source, lists, queries_file, args.repeat, args.workers))
    report["brute_force_bundled"] = brute_force(queries[:: max(1, len(queries) // 100)])
    report["load_at_end"] = load()
    report["names_indexed"] = {lists: runs["ours"][lists][0]["names_indexed"] for lists in LIST_SETS}
    report["medians"] = {
        side: {lists: {figure: statistics.median(run[figure] for run in runs[side][lists])
                       for figure, _unit, figure_lists, _higher in FIGURES if figure_lists == lists}
               for lists in LIST_SETS}
        for side in runs
    }  # fmt: skip
    report["runs"] = runs
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def print_report(report: dict[str, Any]) -> None:
    ours, previous = report["medians"]["ours"], report["medians"]["previous"]
    print(f"load at start: {report['load_at_start']}")
    print(f"corpus: {report['queries']} queries; full bundled lists: {report['names_indexed']['bundled']} names "
          f"and aliases; 2022 CSL: {report['names_indexed']['csl_2022']}; medians of {report['rounds']} "
          f"alternating runs per code; previous code: {report['baseline']}")  # fmt: skip
    print(f"{'figure':44}{'this code':>14}{'previous':>14}{'ratio':>10}")
    for figure, unit, lists, higher in FIGURES:
        new, old = ours[lists][figure], previous[lists][figure]
        ratio = new / old if higher else old / new
        label = f"{figure.replace('_', ' ')} ({lists}, {unit})".replace("workers", f"{report['workers']} processes")
        print(f"{label:44}{new:14.2f}{old:14.2f}{'x' + format(ratio, '.2f'):>10}")
    print("(ratio: how many times better this code is, for times and memory the previous figure over this one)")
    brute = report["brute_force_bundled"]
    print(f"brute-force rapidfuzz scan of the full lists: p50 {brute['latency_p50_ms']:.1f} ms, "
          f"{brute['throughput_1_process']:.0f} names/s (this code x"
          f"{ours['bundled']['throughput_1_process'] / brute['throughput_1_process']:.0f})")  # fmt: skip
    print("targets (issue 17): >= 2,500 names/s on 1 process, >= 5,000 on 2, full-list build < 2 s")
    print(f"load at end: {report['load_at_end']}")


if __name__ == "__main__":
    main()
