"""Tail latency of single screening queries in a long-lived process: the library's and the API server's.

Run: python bench/latency.py [--queries 5000] [--brute-queries 1000] [--sections library,http,http_thin]
                             [--baseline 7aa91e2 | --no-baseline] [--json out.json]

The figure is the issue's: of every 100 consecutive queries, the slowest; then the median (p50) and
p99 of those maxima. A full garbage collection over a screening index's hundreds of thousands of
objects lands on some query every so often; a p99 of single queries hides it, the slowest of 100 does not.

Measured in one run, each in a fresh interpreter:
- library: ``exportguard.screen(name)`` on the bundled lists, the index built by a first call;
- http: ``POST /screen`` to ``exportguard serve`` (SQLite, one worker) from one keep-alive httpx client, every
  request authenticated and audited;
- http_thin: the same from the standard library's http.client, whose own work per round trip is about a third
  of a millisecond less than httpx's: what the server and the loopback take, with less of the client in it;
both for the previous code (``--baseline``, extracted from git into a temporary directory) and for
this checkout's; and a brute-force rapidfuzz scan (``process.extract``, token_set_ratio, over every
name and alias of the same lists) on ``--brute-queries`` of the queries (0: none).
Queries: the accuracy benchmark's real-data corpus (perturbed list names, real non-listed names), then
distinct names recombined from real ones, as a customer master's are (bench/rescreen_scale.py); the
library section also counts the full garbage collections that ran during its queries, and their length,
and gives the same figures in the querying thread's CPU time: on a shared machine the wall-clock maxima
are mostly other processes' time slices, the CPU-time ones are the query's own cost (first meetings with
words, large candidate sets; docs/screening.md, "Performance").
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline import RECENT, measure_sections
from corpus import load_all

WINDOW = 100
TARGET_MS = 3.0
SECTIONS = ("library", "http", "http_thin")


def queries(count: int) -> list[str]:
    """The real-data corpus once, then distinct company-like names recombined from real ones (as a customer
    master's are, bench/rescreen_scale.py), to ``count``: a server's memos grow as with real traffic."""
    from rescreen_scale import customers

    _snapshot, positive, negative = load_all()
    pool = [case.query for case in positive + negative]
    return (pool + [customer.name for customer in customers(max(0, count - len(pool)), 0.01, seed=17)])[:count]


class FullCollections:
    """Full (generation 2) garbage collections while it is installed: how many, and their durations in ms."""

    def __init__(self) -> None:
        self.durations: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.durations.append((time.perf_counter() - self._started) * 1000)

    def figures(self) -> dict[str, Any]:
        return {"full_collections": len(self.durations),
                "longest_full_collection_ms": round(max(self.durations, default=0.0), 1)}


def timed(call: Callable[[str], object], names: list[str], cpu: list[float] | None = None) -> list[float]:
    """Milliseconds per call, in order (and, into ``cpu`` if given, the calling thread's CPU milliseconds:
    what a query costs whatever else the machine runs)."""
    timings = []
    for name in names:
        started, started_cpu = time.perf_counter(), time.thread_time()
        call(name)
        timings.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.thread_time() - started_cpu) * 1000)
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def figures(timings: list[float]) -> dict[str, Any]:
    """p50/p99 of the slowest of each WINDOW consecutive queries, and of single queries."""
    maxima = [max(timings[start:start + WINDOW]) for start in range(0, len(timings) - WINDOW + 1, WINDOW)]
    return {"queries": len(timings), "windows": len(maxima),
            "max_of_100_p50_ms": round(percentile(maxima, 0.5), 2),
            "max_of_100_p99_ms": round(percentile(maxima, 0.99), 2),
            "query_p50_ms": round(statistics.median(timings), 3), "query_p99_ms": round(percentile(timings, 0.99), 2),
            "slowest_ms": round(max(timings), 1)}


def library_section(count: int) -> dict[str, Any]:
    import gc

    from exportguard import screen

    names = queries(count)
    screen("warm-up: the index is built by the first call")
    collections = FullCollections()
    gc.callbacks.append(collections)
    cpu: list[float] = []
    result = figures(timed(screen, names, cpu))
    gc.callbacks.remove(collections)
    on_cpu = {f"cpu_{key}": value for key, value in figures(cpu).items() if key != "queries"}
    return {**result, **on_cpu, **collections.figures(), "frozen_objects": gc.get_freeze_count()}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def timed_posts(port: int, key: str, names: list[str], thin: bool = False) -> list[float]:
    """Once the server on ``port`` answers its health check and a warm-up screening, each name's
    ``POST /screen`` round trip, in milliseconds: from httpx, or (``thin``) from the standard library's
    http.client, which adds about a third of a millisecond less of its own to each round trip."""
    import httpx

    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": key}, timeout=60) as client:
        for _ in range(600):
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        client.post("/screen", json={"name": "warm-up"}).raise_for_status()

        def post(name: str) -> None:
            client.post("/screen", json={"name": name}).raise_for_status()

        return timed(_thin_post(port, key) if thin else post, names)


def _thin_post(port: int, key: str) -> Callable[[str], None]:
    """``POST /screen`` over one keep-alive connection of the standard library's http.client."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"X-API-Key": key, "Content-Type": "application/json"}

    def post(name: str) -> None:
        connection.request("POST", "/screen", body=json.dumps({"name": name}), headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"POST /screen answered {response.status}")

    post("warm-up")
    return post


def analyst_database(directory: str | Path, user: str) -> tuple[str, str]:
    """A new SQLite database in ``directory`` with one analyst: its URL and the analyst's API key."""
    from exportguard.store.base import make_engine, session_factory
    from exportguard.store.migrate import upgrade
    from exportguard.store.users import create_user
    from exportguard.store.writes import write_transaction

    url = f"sqlite:///{directory}/bench.db"
    upgrade(url)
    engine = make_engine(url)
    with write_transaction(session_factory(engine)) as session:
        key = create_user(session, user, "analyst", actor="bench")[1]
    engine.dispose()
    return url, key


def http_section(count: int) -> dict[str, Any]:
    return _served(count, thin=False)


def http_thin_section(count: int) -> dict[str, Any]:
    return _served(count, thin=True)


def _served(count: int, thin: bool) -> dict[str, Any]:
    """The figures of ``count`` requests to a new ``exportguard serve`` (SQLite, one worker, one analyst)."""
    names = queries(count)
    directory = tempfile.mkdtemp(prefix="latency-")
    url, key = analyst_database(directory, "latency-bench")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "exportguard", "serve", "--port", str(port), "--database-url",
                               url, "--workers", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return figures(timed_posts(port, key, names, thin))
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(directory, ignore_errors=True)


def brute_force(count: int) -> dict[str, Any]:
    from rapidfuzz import fuzz, process, utils

    from exportguard.lists.bundled import default_snapshot

    names = [name for party in default_snapshot().parties for name in party.all_names]

    def scan(query: str) -> None:
        process.extract(query, names, scorer=fuzz.token_set_ratio, processor=utils.default_process, limit=10)

    return figures(timed(scan, queries(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--brute-queries", type=int, default=1000, help="0: no brute-force scan")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated, of " + ", ".join(SECTIONS))
    parser.add_argument("--baseline", default=RECENT, help="git commit of the previous code")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--section", choices=SECTIONS, help=argparse.SUPPRESS)  # one section, in a subprocess
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.section:
        print(json.dumps(globals()[f"{args.section}_section"](args.queries)))
        return
    report: dict[str, Any] = {"load_before": os.getloadavg()}
    commit = None if args.no_baseline else args.baseline
    sections = [section for section in args.sections.split(",") if section]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))} (of {', '.join(SECTIONS)})")
    report.update(measure_sections(Path(__file__), sections, [f"--queries={args.queries}"], commit))
    report["brute_force"] = brute_force(args.brute_queries) if args.brute_queries else None
    report["load_after"] = os.getloadavg()
    report["baseline_commit"] = commit
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def print_report(report: dict[str, Any]) -> None:
    print(f"machine load (1/5/15 min) before {report['load_before']}, after {report['load_after']}")
    print(f"slowest of each {WINDOW} consecutive queries: p50 and p99 of those maxima (target p99 < {TARGET_MS} ms)")
    measured = [section for section in SECTIONS if section in report]
    rows = [(f"{section} {label}", report[section][label]) for section in measured for label in ("baseline", "current")
            if label in report[section]]
    if report["brute_force"]:
        rows.append((f"brute-force rapidfuzz scan ({report['brute_force']['queries']} queries)", report["brute_force"]))
    for label, row in rows:
        print(f"{label:48} max-of-100 p50 {row['max_of_100_p50_ms']:>8} ms  p99 {row['max_of_100_p99_ms']:>8} ms   "
              f"single query p50 {row['query_p50_ms']:>6} ms  p99 {row['query_p99_ms']:>7} ms  slowest {row['slowest_ms']} ms")
    for label in ("baseline", "current"):
        library = report.get("library", {}).get(label)
        if library and "cpu_max_of_100_p99_ms" in library:
            print(f"library {label}, the querying thread's CPU time (what the machine's other load does not add): "
                  f"max-of-100 p50 {library['cpu_max_of_100_p50_ms']} ms  p99 {library['cpu_max_of_100_p99_ms']} ms   "
                  f"single query p50 {library['cpu_query_p50_ms']} ms  p99 {library['cpu_query_p99_ms']} ms")
    for label in ("baseline", "current"):
        library = report.get("library", {}).get(label)
        if library:
            print(f"library {label}: {library['full_collections']} full garbage collections during the queries, "
                  f"longest {library['longest_full_collection_ms']} ms; {library['frozen_objects']:,} objects frozen")
    for section in measured:
        if "baseline" in report[section]:
            old, new = report[section]["baseline"], report[section]["current"]
            print(f"ratio {section}: max-of-100 p99 baseline/current x{old['max_of_100_p99_ms'] / new['max_of_100_p99_ms']:.1f}")
            if "cpu_max_of_100_p99_ms" in old:
                print(f"ratio {section} in CPU time: max-of-100 p99 baseline/current "
                      f"x{old['cpu_max_of_100_p99_ms'] / new['cpu_max_of_100_p99_ms']:.1f}")


if __name__ == "__main__":
    main()
