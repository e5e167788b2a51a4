"""API load: screening requests per second and latency through the REST API, next to the library.

Run: python bench/api_load.py [--requests 3000] [--concurrency 8] [--postgres-url URL] [--json out.json]

Starts ``exportguard serve`` as a subprocess on loopback (SQLite in a temporary directory, and
PostgreSQL in a throw-away schema when a URL is given), creates an analyst, and posts ``/screen``
requests from an asyncio httpx client with a bounded number in flight. Every request is
authenticated and writes its audit record, as in production.

Baseline, measured in the same run: the in-process library (``Screener.screen`` on the same
queries, one thread), i.e. the ceiling the API could reach with zero HTTP, auth and audit cost.
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


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "exportguard", "serve", "--port", str(port), "--database-url", url,
               "--workers", str(workers)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


def run_backend(label: str, url: str, names: list[str], args: argparse.Namespace, ceiling: float) -> dict[str, Any]:
    key = prepare(url)
    port = 18000 + os.getpid() % 1000
    server = start_server(url, port, args.workers)
    try:
        seconds, timings, failures = asyncio.run(load(port, key, names, args.concurrency))
    finally:
        server.terminate()
        server.wait()
    rps = len(names) / seconds
    return {"backend": label, "requests": len(names), "concurrency": args.concurrency, "workers": args.workers,
            "failures": failures,
            "rps": rps, "p50_ms": percentile(timings, 0.50), "p99_ms": percentile(timings, 0.99),
            "library_per_s": ceiling, "ratio_to_library": rps / ceiling}


def postgres_schema(base_url: str) -> tuple[str, str]:
    schema = f"eg_bench_{uuid.uuid4().hex[:8]}"
    with make_engine(base_url).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"
    return schema, f"{base_url}{separator}options=-csearch_path%3D{schema}"


def report(result: dict[str, Any]) -> None:
    verdict = "meets" if result["rps"] >= TARGET_RPS and result["p99_ms"] < TARGET_P99_MS else "MISSES"
    print(f"[{result['backend']}] {result['requests']} screening requests, {result['concurrency']} in flight, "
          f"{result['workers']} server processes, "
          f"{result['failures']} failures")
    print(f"  API throughput     {result['rps']:7.0f} req/s   library ceiling {result['library_per_s']:6.0f}/s   "
          f"ratio {result['ratio_to_library']:.2f}")
    print(f"  latency p50 {result['p50_ms']:6.1f} ms   p99 {result['p99_ms']:6.1f} ms   "
          f"({verdict} target >= {TARGET_RPS} req/s with p99 < {TARGET_P99_MS:.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=6, help="requests in flight")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--postgres-url", default=os.environ.get("EXPORTGUARD_TEST_POSTGRES_URL"))
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
