"""Index build of the full bundled lists: what a fresh process pays before its first answer, next to the previous code.

Run: python bench/build_speed.py [--rounds 3] [--commit 623333b] [--identical-to COMMIT] [--json out.json]

Each figure is measured in a fresh interpreter calling ``default_screener()``, the screener the library,
``exportguard screen`` (with no database) and the rules engine use: the build is parsing the bundled lists,
the native-name gazetteer and the index (with, in this code, the collector paused and the index frozen);
the import of the package and the first query are shown apart. This code is measured three ways:

- cold, cache off (``EXPORTGUARD_BUILD_CACHE=off``): building from the list files, writing nothing;
- cold, writing the cache: an empty cache directory, so the build is followed by writing it (a first run,
  or the first run after the lists, the package or Python changed);
- cached: the same directory again, the index read back from the file the previous run wrote.

The previous code (``--commit``, default 623333b, the main branch before issue 17; extracted to a temporary
directory) has no cache: its one figure is its cold build. Rounds alternate which code goes first; the
medians are printed with the ratios. Each run also screens the bench corpus (bench/corpus.py) after the
timings, and its hits (entry, matched name, score to 1e-9) must be the same in every run of this code (the
previous code predates issue 11's matching changes, so its hits differ; that the cold build's hits equal those of
the code before this change is bench/hits_identity.py's job). Each run also digests everything the built
screener holds (tests/structure.py: the snapshot, the index, its learnt vocabulary, in order; every run with
``PYTHONHASHSEED=0``, as the order of a posting list follows a set's): it must be the same in every run of this
code, and, with ``--identical-to COMMIT``, the same as that code's cold build (measured in every round too, with
the cache off, so this code is also timed against it). Besides the wall clock, each build's CPU time (this
process's: not a cache writer's, nor other processes') is shown: the machine's load (``uptime``) is printed at
the start and the end, and on a shared machine the wall clock is noisy, the CPU time less so.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline

ROOT = Path(__file__).resolve().parents[1]

#: (run, label): this code's three ways and the previous code's cold build.
RUNS = (
    ("previous", "previous code, cold build"),
    ("cold", "this code, cold, cache off"),
    ("cold_writing", "this code, cold, writing the cache"),
    ("cached", "this code, read back from the cache"),
)
#: The run of ``--identical-to``'s code (cold, cache off), when given.
IDENTICAL_TO = ("identical_to", "--identical-to code, cold, cache off")
FIGURES = ("import_seconds", "build_seconds", "build_cpu_seconds", "first_query_seconds")
CACHE_DIR_ENV = "EXPORTGUARD_CACHE_DIR"
CACHE_SWITCH_ENV = "EXPORTGUARD_BUILD_CACHE"


def measure() -> dict[str, Any]:
    """One fresh process's figures (uses only what every version has: ``default_screener``)."""
    started = time.perf_counter()
    from exportguard.matching import screener

    imported = time.perf_counter()
    cpu = time.process_time()
    built = screener.default_screener()
    done = time.perf_counter()
    build_cpu = time.process_time() - cpu
    built.screen("Huawei Technologies")
    answered = time.perf_counter()
    figures: dict[str, Any] = {
        "import_seconds": imported - started, "build_seconds": done - imported, "build_cpu_seconds": build_cpu,
        "first_query_seconds": answered - done, "names_indexed": len(built.index.variants),
    }  # fmt: skip
    figures["index_digest"] = index_digest(built)  # before the corpus fills the query memos
    figures["hits_digest"] = hits_digest(built)
    return figures


def index_digest(built: Any) -> str:
    """tests/structure.py's digest of everything the screener holds."""
    sys.path.insert(0, str(ROOT / "tests"))
    from structure import structural_digest

    return structural_digest(built)[:16]


def hits_digest(built: Any) -> str:
    """A hash of every hit on the bench corpus (entry key, matched name, score to 1e-9)."""
    from corpus import load_all

    _, positives, negatives = load_all()
    digest = hashlib.sha256()
    for case in positives + negatives:
        for hit in built.screen(case.query):
            digest.update(f"{case.query}\0{hit.party.key}\0{hit.matched_name}\0{hit.score:.9f}\n".encode())
    return digest.hexdigest()[:16]


def run(run_name: str, checkouts: dict[str, Path], cache: Path) -> dict[str, Any]:
    """One fresh process's figures for a run (``checkouts``: the extracted code of the runs of other commits)."""
    saved = dict(os.environ)
    try:
        os.environ["PYTHONHASHSEED"] = "0"
        os.environ[CACHE_DIR_ENV] = str(cache)
        if run_name in ("cold", IDENTICAL_TO[0]):
            os.environ[CACHE_SWITCH_ENV] = "off"
        if run_name == "cold_writing":
            shutil.rmtree(cache, ignore_errors=True)
        return baseline.run_section(checkouts.get(run_name), Path(__file__), ["--measure"])
    finally:
        os.environ.clear()
        os.environ.update(saved)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--commit", default=baseline.PREVIOUS, help="the previous code to measure in the same run")
    parser.add_argument("--identical-to", metavar="COMMIT",
                        help="a commit whose cold build must hold the same index as this code's, also timed (e.g. main)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure()))
        return
    load_before = uptime()
    checkouts = {"previous": baseline.checkout(args.commit)}
    if args.identical_to:
        checkouts[IDENTICAL_TO[0]] = baseline.checkout(args.identical_to)
    cache = Path(tempfile.mkdtemp(prefix="exportguard-build-cache-")) / "cache"
    results: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in runs_of(args.identical_to)}
    try:
        for number in range(args.rounds):
            for name in round_order(number, args.identical_to):
                results[name].append(run(name, checkouts, cache))
                print(f"round {number + 1} {name}: {results[name][-1]}", file=sys.stderr)
    finally:
        for checkout in checkouts.values():
            shutil.rmtree(checkout.parent)
        shutil.rmtree(cache.parent, ignore_errors=True)
    report = summary(results, args.commit, load_before, uptime())
    if args.identical_to:
        other = results[IDENTICAL_TO[0]]
        report["identical_to"] = {"commit": args.identical_to,
                                  "same_index": {run["index_digest"] for run in other} == set(report["index_digests"]["cold"]),
                                  "same_hits": {run["hits_digest"] for run in other} == set(report["hits_digests"]["cold"])}
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def runs_of(identical_to: str | None) -> tuple[tuple[str, str], ...]:
    """The runs measured in each round, with their labels."""
    return (*RUNS, IDENTICAL_TO) if identical_to else RUNS


def round_order(number: int, identical_to: str | None) -> list[str]:
    """The previous code (and ``--identical-to``'s) first in even rounds, last in odd ones; cached follows
    cold_writing, whose cache it reads."""
    others = ["previous", IDENTICAL_TO[0]] if identical_to else ["previous"]
    this = ["cold", "cold_writing", "cached"]
    return others + this if number % 2 == 0 else this + others[::-1]


def summary(results: dict[str, list[dict[str, Any]]], commit: str, load_before: str, load_after: str) -> dict[str, Any]:
    medians = {name: {figure: statistics.median(run[figure] for run in runs) for figure in FIGURES}
               for name, runs in results.items()}
    digests = {name: sorted({run["hits_digest"] for run in runs}) for name, runs in results.items()}
    index_digests = {name: sorted({run["index_digest"] for run in runs}) for name, runs in results.items()}
    return {
        "commit": commit, "rounds": len(results["cold"]), "load_before": load_before, "load_after": load_after,
        "names_indexed": {name: runs[0]["names_indexed"] for name, runs in results.items()},
        "medians": medians, "runs": results, "hits_digests": digests,
        "hits_identical_across_this_codes_runs": len({d for name in ("cold", "cold_writing", "cached")
                                                      for d in digests[name]}) == 1,
        "index_digests": index_digests,
        "index_identical_across_this_codes_runs": len({d for name in ("cold", "cold_writing", "cached")
                                                       for d in index_digests[name]}) == 1,
    }  # fmt: skip


def print_report(report: dict[str, Any]) -> None:
    medians = report["medians"]
    other = report.get("identical_to")
    print(f"index build of the full bundled lists, median of {report['rounds']} rounds, each in a fresh process")
    print(f"previous code: {report['commit']}" + (f"; --identical-to: {other['commit']}" if other else "")
          + f"; load at start: {report['load_before']}")
    print(f"  {'':42} {'import':>8} {'build':>8} {'CPU':>7} {'1st query':>10}  previous build / this build "
          "(wall, CPU)" + (f"; {other['commit']}'s / this" if other else ""))
    for name, label in runs_of(other and other["commit"]):
        figures = medians[name]
        ratios = f"x{ratio(medians, 'previous', name, 'build_seconds'):.2f}, x{ratio(medians, 'previous', name, 'build_cpu_seconds'):.2f}"
        if other:
            ratios += (f"; x{ratio(medians, IDENTICAL_TO[0], name, 'build_seconds'):.2f}, "
                       f"x{ratio(medians, IDENTICAL_TO[0], name, 'build_cpu_seconds'):.2f}")
        print(f"  {label:42} {figures['import_seconds']:7.2f}s {figures['build_seconds']:7.2f}s "
              f"{figures['build_cpu_seconds']:6.2f}s {figures['first_query_seconds']:9.3f}s  {ratios}")
    print(f"names indexed: {report['names_indexed']}")
    print(f"hits on the bench corpus identical in every run of this code: {report['hits_identical_across_this_codes_runs']}")
    print(f"index (structural digest) identical in every run of this code: "
          f"{report['index_identical_across_this_codes_runs']}")
    if other:
        print(f"cold build of {other['commit']}: same index as this code's: {other['same_index']}, "
              f"same hits: {other['same_hits']}")
    print(f"load at end: {report['load_after']}")


def ratio(medians: dict[str, dict[str, float]], baseline_run: str, run_name: str, figure: str) -> float:
    """The baseline run's median over this run's: how many times faster this run is."""
    return medians[baseline_run][figure] / medians[run_name][figure]


if __name__ == "__main__":
    main()
