"""Where the API server's slowest queries come from: the server's own time per request, and its collections.

Run: python bench/server_tail.py [--queries 3000] [--baseline d08885a]

bench/latency.py's http section measures the slowest of every 100 requests at the client. This runs the
same load (one keep-alive client, ``POST /screen`` on SQLite, each request authenticated and audited) against
``served_app`` under uvicorn in a fresh interpreter that also records, per request, the server's wall time and
the CPU time of its event-loop thread (where the screening runs), and every garbage collection with its
generation, the thread it ran in and its length (``gc.callbacks``); and, after the first request and at the
end, what a full collection walks (objects the collector tracks and the references it follows).
``--baseline COMMIT`` measures the previous code (extracted from git) first, in the same run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline
from latency import _free_port, analyst_database, figures, queries, timed_posts


def collector_walk() -> dict[str, int]:
    walked = gc.get_objects()
    return {"objects": len(walked), "references": sum(len(gc.get_referents(thing)) for thing in walked)}


def serve(port: int, report: Path) -> None:
    """``served_app`` under uvicorn, recording requests and collections into ``report`` when interrupted."""
    import uvicorn

    from exportguard.api.app import served_app

    collections: list[dict[str, Any]] = []
    requests: list[tuple[float, float]] = []
    walks: dict[str, dict[str, int]] = {}
    started = [0.0, 0.0]

    def on_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter(), time.thread_time()]
            return
        collections.append({"generation": info["generation"], "during_request": len(requests),
                            "thread": threading.current_thread().name,
                            "ms": (time.perf_counter() - started[0]) * 1000,
                            "cpu_ms": (time.thread_time() - started[1]) * 1000})

    app = served_app()

    async def timed_app(scope: Any, receive: Any, send: Any) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        await app(scope, receive, send)
        if scope["type"] == "http":
            requests.append(((time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000))
            if len(requests) == 1:
                walks["after the first request"] = collector_walk()

    gc.callbacks.append(on_collection)
    try:
        uvicorn.run(timed_app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    finally:
        gc.callbacks.remove(on_collection)
        walks["at the end"] = collector_walk()
        report.write_text(json.dumps({"requests": requests, "collections": collections, "walks": walks,
                                      "frozen_objects": gc.get_freeze_count()}))


def measured(src: Path | None, count: int) -> dict[str, Any]:
    """The load against a server importing exportguard from ``src`` (None: this checkout)."""
    names = queries(count)
    directory = Path(tempfile.mkdtemp(prefix="server-tail-"))
    url, key = analyst_database(directory, "server-tail")
    port, report = _free_port(), directory / "server.json"
    env = {**baseline.environment(src), "EXPORTGUARD_DATABASE_URL": url}
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(report)], env=env)
    try:
        at_client = figures(timed_posts(port, key, names))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(60)
    found = json.loads(report.read_text())
    shutil.rmtree(directory, ignore_errors=True)
    during = found["requests"][2:]  # the health check and the warm-up before the timed requests
    in_requests = [entry for entry in found["collections"] if entry["during_request"] >= 2]
    return {"client": at_client, "server_wall": figures([wall for wall, _cpu in during]),
            "server_cpu": figures([cpu for _wall, cpu in during]), "walks": found["walks"],
            "frozen_objects": found["frozen_objects"],
            "collections": {str(generation): _collection_figures([c for c in in_requests if c["generation"] == generation])
                            for generation in (0, 1, 2)}}


def _collection_figures(collections: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": len(collections), "longest_ms": round(max((c["ms"] for c in collections), default=0.0), 2),
            "longest_cpu_ms": round(max((c["cpu_ms"] for c in collections), default=0.0), 2),
            "in_audit_writer": sum(c["thread"] != "MainThread" for c in collections)}


def print_figures(label: str, result: dict[str, Any]) -> None:
    print(f"{label}:")
    for part in ("client", "server_wall", "server_cpu"):
        row = result[part]
        print(f"  {part:12} max-of-100 p50 {row['max_of_100_p50_ms']:6} ms  p99 {row['max_of_100_p99_ms']:6} ms   "
              f"single request p50 {row['query_p50_ms']:6} ms  p99 {row['query_p99_ms']:6} ms  slowest {row['slowest_ms']} ms")
    for generation, row in result["collections"].items():
        print(f"  generation {generation} collections during the requests: {row['count']}, longest {row['longest_ms']} ms "
              f"({row['longest_cpu_ms']} ms CPU), {row['in_audit_writer']} in the audit writer's thread")
    for moment, walk in result["walks"].items():
        print(f"  a full collection {moment} walks {walk['objects']:,} objects, {walk['references']:,} references")
    print(f"  {result['frozen_objects']:,} objects frozen at the end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--baseline", help="git commit of the previous code, measured first")
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)  # port and report file, in the server process
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), Path(args.serve[1]))
        return
    print(f"machine load (1/5/15 min) before {os.getloadavg()}")
    if args.baseline:
        previous = baseline.checkout(args.baseline)
        try:
            old = measured(previous, args.queries)
        finally:
            shutil.rmtree(previous.parent)
        print_figures(args.baseline, old)
    new = measured(None, args.queries)
    print_figures("this checkout", new)
    if args.baseline:
        for part in ("client", "server_wall", "server_cpu"):
            print(f"ratio {part}: max-of-100 p99 baseline/current "
                  f"x{old[part]['max_of_100_p99_ms'] / new[part]['max_of_100_p99_ms']:.2f}")
        print(f"ratio of the references a full collection walks at the end: "
              f"x{old['walks']['at the end']['references'] / new['walks']['at the end']['references']:.1f}")
    print(f"machine load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
