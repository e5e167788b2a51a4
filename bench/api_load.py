"""API load: screening requests per second and latency through the REST API, idle and during a re-screen.

Run: python bench/api_load.py [--requests 3000] [--concurrency 6] [--postgres-url URL]
                              [--rescreen-customers 200000] [--json out.json]

Starts ``exportguard serve`` as a subprocess on loopback (SQLite in a temporary directory, and
PostgreSQL in a throw-away schema when a URL is given), creates an analyst, and posts ``/screen``
requests from an asyncio httpx client with a bounded number in flight. Every request is
authenticated and writes its audit record, as in production.

Phases per database, in one run: the API idle; then (with ``--rescreen-customers N``) the same load
while ``exportguard rescreen`` screens N stored customers in another process, committing chunk by
chunk; on SQLite also the API idle with ``synchronous=NORMAL``, the cost of the default ``FULL``.

Baselines, measured in the same run: the in-process library (``Screener.screen`` on the same
queries, one thread), i.e. the ceiling the API could reach with zero HTTP, auth and audit cost; and
for the re-screen phase, the same API idle.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import load_all

from exportguard.matching.screener import default_screener
from exportguard.store.base import make_engine, session_factory
from exportguard.store.migrate import upgrade
from exportguard.store.users import create_user
from exportguard.store.writes import write_transaction

TARGET_RPS, TARGET_P99_MS = 300, 50.0


def queries(count: int) -> list[str]:
    """Real-data queries (perturbed list names and real non-listed names), repeated to ``count``."""
    _snapshot, positive, negative = load_all()
    pool = [case.query for case in positive + negative]
    return [pool[i % len(pool)] for i in range(count)]


def library_ceiling(names: list[str]) -> float:
    """Screenings per second of the in-process library on one thread."""
    screener = default_screener()
    screener.screen(names[0])
    started = time.perf_counter()
    for name in names:
        screener.screen(name)
    return len(names) / (time.perf_counter() - started)


def prepare(url: str) -> str:
    """Migrate the database and return a fresh analyst's API key."""
    upgrade(url)
    engine = make_engine(url)
    with write_transaction(session_factory(engine)) as session:
        key = create_user(session, f"bench-{uuid.uuid4().hex[:6]}", "analyst", actor="bench")[1]
    engine.dispose()
    return key


def start_server(url: str, port: int, workers: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "exportguard", "serve", "--port", str(port), "--database-url", url,
               "--workers", str(workers)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, **(env or {})})
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


async def load(port: int, key: str, names: list[str], concurrency: int) -> tuple[float, list[float], int]:
    """Wall seconds, sorted latencies (ms) and the count of non-200 answers."""
    gate = asyncio.Semaphore(concurrency)
    timings: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": key},
                                 limits=limits, timeout=30) as client:

        async def one(name: str) -> None:
            nonlocal failures
            async with gate:
                started = time.perf_counter()
                response = await client.post("/screen", json={"name": name})
                timings.append((time.perf_counter() - started) * 1000)
                failures += response.status_code != 200

        await asyncio.gather(*(one(name) for name in names[:50]))
        timings.clear()
        started = time.perf_counter()
        await asyncio.gather(*(one(name) for name in names))
        return time.perf_counter() - started, sorted(timings), failures


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))]


def measure(label: str, url: str, key: str, names: list[str], args: argparse.Namespace,
            env: dict[str, str] | None = None) -> dict[str, Any]:
    """One load against a freshly started server."""
    port = 18000 + os.getpid() % 1000
    server = start_server(url, port, args.workers, env)
    try:
        seconds, timings, failures = asyncio.run(load(port, key, names, args.concurrency))
    finally:
        server.terminate()
        server.wait()
    return {"phase": label, "requests": len(names), "failures": failures, "rps": len(names) / seconds,
            "p50_ms": percentile(timings, 0.50), "p99_ms": percentile(timings, 0.99)}


def stored_customers(url: str, count: int, names: list[str]) -> None:
    """``count`` customers with real names (the bench corpus, repeated under distinct references)."""
    from exportguard.batch.runner import Customer
    from exportguard.store.customer_store import import_customers

    engine = make_engine(url)
    rows = [Customer(f"B-{n}", names[n % len(names)]) for n in range(count)]
    with write_transaction(session_factory(engine)) as session:
        import_customers(session, rows, "bench")
    engine.dispose()


def rescreen_started(url: str, processes: int) -> subprocess.Popen[bytes]:
    """``exportguard rescreen`` in its own process, returned once it is screening (its run is recorded)."""
    from exportguard.store.monitoring import RescreenRun

    command = [sys.executable, "-m", "exportguard", "rescreen", "--full", "--processes", str(processes),
               "--format", "json", "--database-url", url]
    rescreen = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = make_engine(url)
    try:
        while rescreen.poll() is None:
            with engine.connect() as connection:
                if connection.execute(text(f"SELECT count(*) FROM {RescreenRun.__tablename__} "
                                           "WHERE finished_at IS NULL")).scalar_one():
                    return rescreen
            time.sleep(0.5)
    finally:
        engine.dispose()
    raise SystemExit("the re-screen ended before the load started")


def rescreen_progress(url: str) -> int:
    """The checkpoint of the running re-screen: the last customer id committed."""
    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT max(last_customer_id) FROM rescreen_runs")).scalar_one()
    engine.dispose()
    return int(found or 0)


def run_backend(label: str, url: str, names: list[str], args: argparse.Namespace, ceiling: float) -> dict[str, Any]:
    key = prepare(url)
    phases = [measure("idle", url, key, names, args)]
    if label == "sqlite":
        phases.append(measure("idle, synchronous=NORMAL", url, key, names, args,
                              {"EXPORTGUARD_SQLITE_SYNCHRONOUS": "NORMAL"}))
    if args.rescreen_customers:
        started = time.perf_counter()
        stored_customers(url, args.rescreen_customers, names)
        print(f"  ({label}: {args.rescreen_customers:,} customers stored in {time.perf_counter() - started:.0f} s)")
        rescreen = rescreen_started(url, args.rescreen_processes)
        try:
            before, started = rescreen_progress(url), time.perf_counter()
            phases.append(measure(f"during a {args.rescreen_customers:,}-customer re-screen", url, key, names, args))
            committed = rescreen_progress(url) - before
            phases[-1]["rescreen_customers_committed"] = committed
            phases[-1]["rescreen_customers_per_s"] = committed / (time.perf_counter() - started)
        finally:
            rescreen.kill()
            rescreen.wait()
    idle = phases[0]
    for phase in phases:
        phase["ratio_to_idle"] = phase["rps"] / idle["rps"]
    return {"backend": label, "requests": len(names), "concurrency": args.concurrency, "workers": args.workers,
            "library_per_s": ceiling, "ratio_to_library": idle["rps"] / ceiling, "phases": phases,
            "failures": sum(phase["failures"] for phase in phases), "rps": idle["rps"], "p50_ms": idle["p50_ms"],
            "p99_ms": idle["p99_ms"]}


def postgres_schema(base_url: str) -> tuple[str, str]:
    schema = f"eg_bench_{uuid.uuid4().hex[:8]}"
    with make_engine(base_url).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"
    return schema, f"{base_url}{separator}options=-csearch_path%3D{schema}"


def report(result: dict[str, Any]) -> None:
    verdict = "meets" if result["rps"] >= TARGET_RPS and result["p99_ms"] < TARGET_P99_MS else "MISSES"
    print(f"[{result['backend']}] {result['requests']} screening requests per phase, {result['concurrency']} in "
          f"flight, {result['workers']} server processes, {result['failures']} failures")
    print(f"  idle: library ceiling {result['library_per_s']:6.0f}/s, API/library ratio "
          f"{result['ratio_to_library']:.2f} ({verdict} target >= {TARGET_RPS} req/s with p99 < "
          f"{TARGET_P99_MS:.0f} ms)")
    for phase in result["phases"]:
        extra = (f"   re-screen committed {phase['rescreen_customers_committed']:,} customers "
                 f"({phase['rescreen_customers_per_s']:.0f}/s)" if "rescreen_customers_committed" in phase else "")
        print(f"  {phase['phase']:<40} {phase['rps']:6.0f} req/s  p50 {phase['p50_ms']:6.1f} ms  "
              f"p99 {phase['p99_ms']:6.1f} ms  {phase['failures']} failures  x{phase['ratio_to_idle']:.2f} of idle"
              f"{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=6, help="requests in flight")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--postgres-url", default=os.environ.get("EXPORTGUARD_TEST_POSTGRES_URL"))
    parser.add_argument("--rescreen-customers", type=int, default=0,
                        help="also measure during a re-screen of this many stored customers (e.g. 200000)")
    parser.add_argument("--rescreen-processes", type=int, default=1, help="worker processes of that re-screen")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    names = queries(args.requests)
    ceiling = library_ceiling(names)
    print(f"cores: {os.cpu_count()}; server and client share them")
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        results.append(run_backend("sqlite", f"sqlite:///{scratch}/bench.db", names, args, ceiling))
        report(results[-1])
    if args.postgres_url:
        schema, url = postgres_schema(args.postgres_url)
        try:
            results.append(run_backend("postgresql", url, names, args, ceiling))
            report(results[-1])
        finally:
            with make_engine(args.postgres_url).begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
