"""Which single queries are slow, and why: the tail that bench/latency.py measures, query by query.

Run: python bench/slow_queries.py [--queries 5000] [--show 20] [--profile 3] [--baseline COMMIT]

The library's screener over the bundled lists answers bench/latency.py's queries twice in one process,
timing each in the querying thread's CPU time (what other processes on a shared machine do not add):
the first pass pays for every first meeting (a query word's neighbours, a listed word's weight, a
structure built on first use), the second shows what is heavy every time. It prints both passes' p50 /
p99 of single queries and of the slowest of each 100, how many windows of 100 exceed the 3 ms target,
the full collections during each pass and what a full collection walks after it (objects the collector
tracks, references it follows: what grows with the screener's memos), the slowest queries with their first
and second times, and a cProfile (by own time) of the ``--profile``
slowest, asked again in a fresh process after the same queries before them, so their first time is
profiled as it happened (docs/screening.md, "Performance", lists the causes found this way).

``--baseline COMMIT`` (e.g. fb36b77) runs the previous code (extracted from git) and this checkout at the
same time, each in its own process, and prints both passes of each: on a machine shared with other work,
two runs side by side meet the same load, where runs one after the other do not.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from latency import TARGET_MS, WINDOW, FullCollections, percentile, queries


def cpu_times(names: list[str], profiled: set[str] | None = None) -> list[float]:
    """CPU milliseconds of ``exportguard.screen`` per name, in order; names in ``profiled`` print a profile."""
    from exportguard import screen

    times = []
    for name in names:
        profile = cProfile.Profile() if profiled and name in profiled else None
        started = time.thread_time()
        if profile:
            profile.enable()
        screen(name)
        if profile:
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(12)
            print(f"--- first time, profiled: {name!r}\n{out.getvalue().strip()}\n")
        times.append((time.thread_time() - started) * 1000)
    return times


def collector_walk() -> str:
    """What a full collection would walk now: the objects the collector tracks (none of the frozen ones) and
    the references it follows from them."""
    import gc

    walked = gc.get_objects()
    return f"{len(walked):,} objects, {sum(len(gc.get_referents(thing)) for thing in walked):,} references"


def timed_pass(names: list[str]) -> tuple[list[float], str]:
    """CPU milliseconds per query, and the full collections that ran during them with what one walks after."""
    import gc

    collections = FullCollections()
    gc.callbacks.append(collections)
    try:
        times = cpu_times(names)
    finally:
        gc.callbacks.remove(collections)
    ran = collections.figures()
    return times, (f"{ran['full_collections']} full collections during the pass (longest "
                   f"{ran['longest_full_collection_ms']} ms wall); the collector's walk after it: {collector_walk()}")


def full_collection_cpu_ms() -> float:
    """The querying thread's CPU time of one full collection, forced now."""
    import gc

    started = time.thread_time()
    gc.collect()
    return (time.thread_time() - started) * 1000


def summary(label: str, times: list[float]) -> str:
    maxima = [max(times[start:start + WINDOW]) for start in range(0, len(times) - WINDOW + 1, WINDOW)]
    return (f"{label}: single query p50 {percentile(times, 0.5):.2f} ms, p99 {percentile(times, 0.99):.2f} ms; "
            f"slowest of each {WINDOW}: p50 {percentile(maxima, 0.5):.2f} ms, p99 {percentile(maxima, 0.99):.2f} ms; "
            f"{sum(m > TARGET_MS for m in maxima)} of {len(maxima)} windows over {TARGET_MS} ms")


def side_by_side(commit: str, count: int) -> None:
    """Both passes of the previous code and of this checkout, run at the same time."""
    import shutil
    import subprocess

    import baseline

    previous = baseline.checkout(commit)
    try:
        runs = {label: subprocess.Popen([sys.executable, __file__, f"--queries={count}", "--show=0", "--profile=0"],
                                        env=baseline.environment(src), stdout=subprocess.PIPE, text=True)
                for label, src in ((commit, previous), ("this checkout", None))}
        for label, run in runs.items():
            output, _ = run.communicate()
            if run.returncode:
                raise SystemExit(f"the run of {label} failed")
            print(f"{label}:\n{output.strip()}\n")
    finally:
        shutil.rmtree(previous.parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--show", type=int, default=20)
    parser.add_argument("--profile", type=int, default=3)
    parser.add_argument("--profiled", nargs="*", help=argparse.SUPPRESS)  # in the fresh process
    parser.add_argument("--baseline", help="git commit of the previous code, measured side by side")
    args = parser.parse_args()
    if args.baseline:
        side_by_side(args.baseline, args.queries)
        return
    from exportguard import screen

    names = queries(args.queries)
    screen("warm-up: the index is built by the first call")
    if args.profiled is not None:
        cpu_times(names[: max(names.index(name) for name in args.profiled) + 1], set(args.profiled))
        return
    print(f"the collector's walk after the warm-up: {collector_walk()}")
    (first, first_walk), (again, again_walk) = timed_pass(names), timed_pass(names)
    print(summary("first pass ", first))
    print(f"  {first_walk}")
    print(summary("second pass", again))
    print(f"  {again_walk}; a full collection forced then: {full_collection_cpu_ms():.2f} ms CPU, "
          f"another: {full_collection_cpu_ms():.2f} ms (what every later one costs until the memos grow)")
    slowest = sorted(range(len(names)), key=lambda position: -first[position])[: args.show]
    if slowest:
        print(f"\nthe {args.show} slowest on the first pass (CPU ms, first / again):")
    for position in slowest:
        print(f"{first[position]:7.2f} {again[position]:7.2f}  {names[position]!r}")
    if args.profile:
        import subprocess

        chosen = [names[position] for position in slowest[: args.profile]]
        subprocess.run([sys.executable, __file__, f"--queries={args.queries}", "--profiled", *chosen], check=True)


if __name__ == "__main__":
    main()
