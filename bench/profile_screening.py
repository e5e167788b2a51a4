"""Where screening time goes, stage by stage, on the bench corpus against the full bundled lists.

Run: python bench/profile_screening.py [--passes 2] [--build-profile 15] [--json out.json]

The index is built over the bundled lists (what ``exportguard screen`` loads by default), as
``default_screener()`` builds it (the garbage collector paused), its build split into reading back the
names normalised ahead of time (matching/normal_forms.py), loading the lists, the native-name gazetteer (which
asks for every listed name and alias's normal form, remembered for the index), the index itself and
learning its vocabulary; then what the build cache (exportguard.buildcache) adds: writing the built screener to a
temporary cache directory, and reading it back (in this process; bench/build_speed.py measures a fresh
one). ``--build-profile N`` prints each build stage's N costliest functions by own time (cProfile, which
slows everything it watches about twofold: the shares, not the seconds, are what it tells). Then the bench corpus
(bench/corpus.py, as bench/screening_speed.py uses it) is screened ``--passes`` times after one warm-up
pass, with each stage's function wrapped in a wall-clock timer: normalise, candidate retrieval, upper
bounds (where the code has them), alignment, features (a candidate scored into a hit) and result
building (the rest of a screen: ranking, sorting, cutting). Batch transport is what LocalRunner adds to
the same screens: partitioning and result rows in one process, and the worker pool on two.

The timers cost a little themselves (about a microsecond a call): the total is also measured without
them, and the shares are of the timed total.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import json
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compat import bundled_normal_forms, native_names_for
from corpus import load_all

from exportguard.batch.runner import Customer, LocalRunner
from exportguard.buildcache import CACHE_DIR_ENV, build_key, cached_build
from exportguard.heap import collector_paused
from exportguard.lists.bundled import default_inputs, default_snapshot
from exportguard.matching import alignment, index, screener
from exportguard.matching.model import DEFAULT_THRESHOLD
from exportguard.matching.normalize import normalized_ahead, normalizer_fingerprint
from exportguard.matching.screener import Screener

#: (stage, module or class, function name): each stage's entry points, skipped where the code has none.
STAGES: tuple[tuple[str, Any, str], ...] = (
    ("normalise", screener, "normalize"),
    ("candidate retrieval", index.NameIndex, "candidates"),
    ("upper bounds", screener.Screener, "_reachable"),
    ("alignment", alignment.Aligner, "__init__"),
    ("alignment", alignment.Aligner, "align"),
    ("features", screener.Screener, "_score"),
)
SCREEN = "result building"


def timed(stage: str, function: Callable[..., Any], totals: dict[str, float]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[stage] += time.perf_counter() - started

    return wrapper


def instrument(totals: dict[str, float]) -> Callable[[], None]:
    """Wrap every stage's functions (and the whole screen) in timers; returns what undoes it."""
    originals = []
    for stage, owner, name in (*STAGES, (SCREEN, screener.Screener, "screen")):
        function = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name, None)
        if function is None:
            continue
        originals.append((owner, name, function))
        setattr(owner, name, timed(stage, function, totals))

    def restore() -> None:
        for owner, name, function in originals:
            setattr(owner, name, function)

    return restore


def build(profile_top: int = 0) -> tuple[Screener, dict[str, float]]:
    """The screener over the bundled lists and each build stage's seconds (and, with ``profile_top``, its
    costliest functions printed)."""
    seconds: dict[str, float] = {}

    def stage(name: str, step: Callable[[], Any]) -> Any:
        profiler = cProfile.Profile() if profile_top else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        made = step()
        if profiler:
            profiler.disable()
        seconds[name] = time.perf_counter() - started
        if profiler:
            print(f"build stage {name!r}, by own time (cProfile):")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(profile_top)
        return made

    saved = os.environ.get(CACHE_DIR_ENV)
    with collector_paused(), tempfile.TemporaryDirectory() as cache:
        forms = stage("normal forms read back", bundled_normal_forms)
        with normalized_ahead(forms):
            snapshot = stage("load the bundled lists", default_snapshot)
            natives = stage("native-name gazetteer", lambda: native_names_for(snapshot))
            built = stage("index build", lambda: Screener(snapshot, natives))
        stage("vocabulary learnt", built.learn_vocabulary)
        os.environ[CACHE_DIR_ENV] = cache
        key = build_key(default_inputs(), normalizer_fingerprint())
        stage("build cache: write", lambda: cached_build("profile", key, lambda: built))
        stage("build cache: read back", lambda: cached_build("profile", key, _not_built))
    if saved is None:
        os.environ.pop(CACHE_DIR_ENV)
    else:
        os.environ[CACHE_DIR_ENV] = saved
    return built, seconds


def _not_built() -> Screener:
    raise RuntimeError("the build cache written a moment ago was not read back")


def screen_all(built: Screener, queries: list[str], passes: int) -> float:
    started = time.perf_counter()
    for _ in range(passes):
        for query in queries:
            built.screen(query)
    return time.perf_counter() - started


def runner_seconds(built: Screener, queries: list[str], passes: int, processes: int) -> float:
    customers = [Customer(str(number), query) for number, query in enumerate(queries * passes)]
    runner = LocalRunner(processes, threshold=DEFAULT_THRESHOLD, screener=built)
    started = time.perf_counter()
    for _ in runner.run(built.snapshot, customers):
        pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=2, help="timed passes over the corpus (after one warm-up)")
    parser.add_argument("--build-profile", type=int, default=0, metavar="N",
                        help="print each build stage's N costliest functions by own time (cProfile)")
    parser.add_argument("--build-only", action="store_true", help="stop after the build")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    built, build_seconds = build(args.build_profile)
    if args.build_only:
        for step, seconds in build_seconds.items():
            print(f"  build: {step:40} {seconds:8.3f} s")
        return
    _, positives, negatives = load_all()
    queries = [case.query for case in positives + negatives]
    names = len(queries) * args.passes
    screen_all(built, queries, 1)
    plain = screen_all(built, queries, args.passes)
    totals: dict[str, float] = defaultdict(float)
    restore = instrument(totals)
    try:
        timed_total = screen_all(built, queries, args.passes)
    finally:
        restore()
    stages = {stage: totals[stage] for stage, *_ in STAGES if stage in totals}
    stages[SCREEN] = totals[SCREEN] - sum(stages.values())
    one_process = runner_seconds(built, queries, args.passes, 1)
    two_processes = runner_seconds(built, queries, args.passes * 2, 2)
    transport = {
        "LocalRunner, 1 process (partitions, result rows)": one_process - plain,
        "LocalRunner, 2 processes (pool), wall clock": two_processes,
    }
    report = {
        "corpus_queries": len(queries), "passes": args.passes, "names_indexed": len(built.index.variants),
        "entries": len(built.parties), "build_seconds": build_seconds, "screen_seconds_untimed": plain,
        "screen_seconds_timed": timed_total, "stages_seconds": stages, "transport_seconds": transport,
        "names_per_second_untimed": names / plain, "names_per_second_1_process_runner": names / one_process,
        "names_per_second_2_process_runner": 2 * names / two_processes,
    }  # fmt: skip
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def print_report(report: dict[str, Any]) -> None:
    print(f"index: {report['entries']} entries, {report['names_indexed']} names and aliases (full bundled lists)")
    for step, seconds in report["build_seconds"].items():
        print(f"  build: {step:40} {seconds:8.3f} s")
    names = report["corpus_queries"] * report["passes"]
    stages, total = report["stages_seconds"], report["screen_seconds_timed"]
    print(f"screening {names} names ({report['corpus_queries']} bench-corpus queries x {report['passes']} passes, warm):")
    for stage, seconds in stages.items():
        print(f"  {stage:40} {seconds:8.3f} s  {100 * seconds / total:5.1f} %  {1e6 * seconds / names:8.1f} us/name")
    print(f"  {'total (timed)':40} {total:8.3f} s  100.0 %  {1e6 * total / names:8.1f} us/name")
    plain = report["screen_seconds_untimed"]
    print(f"  {'total without timers':40} {plain:8.3f} s           {1e6 * plain / names:8.1f} us/name")
    print("batch transport:")
    for step, seconds in report["transport_seconds"].items():
        print(f"  {step:52} {seconds:8.3f} s")
    print(
        f"names/s: {report['names_per_second_untimed']:.0f} screen() loop, "
        f"{report['names_per_second_1_process_runner']:.0f} LocalRunner 1 process, "
        f"{report['names_per_second_2_process_runner']:.0f} LocalRunner 2 processes"
    )


if __name__ == "__main__":
    main()
