"""Where one ``POST /screen`` request's time goes on the server: its event-loop thread and the audit writer's.

Run: python bench/profile_request.py [--queries 1000] [--top 25] [--baseline 7aa91e2]

The load of bench/server_tail.py (one keep-alive client, SQLite, each request authenticated and audited)
against ``served_app`` under uvicorn in a fresh interpreter, which profiles (cProfile) its event-loop thread
from the moment a request reaches the app to the moment its answer is sent, and the audit writer's thread
for each batch it commits. Printed: per request, the event-loop thread's wall and CPU time, how much of its
wall time it spent waiting in the event loop's poll (the audit record's commit, mostly), the writer's time per
batch split into its phases (taking the write lock, appending, committing, advancing the checkpoint file,
waking the waiters), and both profiles' costliest functions by own time. cProfile about doubles what it
watches: the shares, not the milliseconds, are what it tells; the unprofiled figures are bench/server_tail.py's.
``--baseline COMMIT`` profiles the previous code first, in the same run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline
from latency import _free_port, analyst_database, figures, queries, timed_posts

#: The writer's phases: (name, module, function); each is timed where the code has it.
WRITER_PHASES = (
    ("append (chain, sign, flush)", "exportguard.store.audit", "append_many"),
    ("checkpoint file (in the writer's thread before 17l, in its own after)", "exportguard.store.anchor",
     "advance_checkpoint"),
)
#: Requests before the profiled ones: the health check and the warm-up screening.
WARM_UP = 2


class PhaseClock:
    """Milliseconds spent in wrapped functions, by phase, in whichever thread calls them."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.timing(name):
                return function(*args, **kwargs)

        return timed

    @contextmanager
    def timing(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.spent[name] += (time.perf_counter() - started) * 1000


def instrument_writer(clock: PhaseClock, writer_profile: cProfile.Profile) -> None:
    """Time the audit writer's batches and phases, and profile its thread while it commits."""
    import importlib

    from exportguard.store import groupcommit

    for name, module_name, function_name in WRITER_PHASES:
        module = importlib.import_module(module_name)
        if hasattr(module, function_name):
            setattr(module, function_name, clock.wrap(name, getattr(module, function_name)))
    commit = groupcommit.AuditWriter._commit

    def profiled_commit(self: Any, batch: list[Any]) -> Any:
        clock.spent["batches"] += 1
        clock.spent["records"] += len(batch)
        writer_profile.enable()
        try:
            with clock.timing("writer total per batch"):
                return commit(self, batch)
        finally:
            writer_profile.disable()

    groupcommit.AuditWriter._commit = profiled_commit  # type: ignore[method-assign]


def serve(port: int, report: Path, top: int) -> None:
    """``served_app`` under uvicorn, profiled; writes the figures into ``report`` when interrupted."""
    import uvicorn

    from exportguard.api.app import served_app

    # The event loop's profile counts its thread's CPU time (other processes' time slices are not its cost);
    # the writer's, wall time: its cost is mostly waiting for the disk.
    clock, loop_profile, writer_profile = PhaseClock(), cProfile.Profile(time.thread_time), cProfile.Profile()
    instrument_writer(clock, writer_profile)
    app = served_app()
    requests: list[tuple[float, float]] = []

    async def profiled_app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or len(requests) < WARM_UP:
            await app(scope, receive, send)
            if scope["type"] == "http":
                requests.append((0.0, 0.0))
            return
        wall, cpu = time.perf_counter(), time.thread_time()
        loop_profile.enable()
        try:
            await app(scope, receive, send)
        finally:
            loop_profile.disable()
            requests.append(((time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000))

    try:
        uvicorn.run(profiled_app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    finally:
        timed = requests[WARM_UP:]
        report.write_text(json.dumps({
            "requests": timed, "phases": dict(clock.spent),
            "event_loop": _top(loop_profile, "tottime", top), "event_loop_cumulative": _top(loop_profile, "cumtime", top),
            "writer": _top(writer_profile, "tottime", top)}))


def _top(profile: cProfile.Profile, order: str, count: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats(order).print_stats(count)
    return "\n".join(line.replace(str(Path(sys.prefix)), "<venv>") for line in out.getvalue().splitlines()[3:]
                     if line.strip())


def measured(src: Path | None, count: int, top: int) -> dict[str, Any]:
    """The profiled load against a server importing exportguard from ``src`` (None: this checkout)."""
    names = queries(count)
    directory = Path(tempfile.mkdtemp(prefix="profile-request-"))
    url, key = analyst_database(directory, "profile-request")
    port, report = _free_port(), directory / "server.json"
    env = {**baseline.environment(src), "EXPORTGUARD_DATABASE_URL": url}
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(report), str(top)], env=env)
    try:
        client = figures(timed_posts(port, key, names))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(60)
    found: dict[str, Any] = json.loads(report.read_text())
    shutil.rmtree(directory, ignore_errors=True)
    return {"client": client, **found}


def print_figures(label: str, result: dict[str, Any]) -> None:
    requests = result["requests"]
    count = len(requests)
    wall = sum(w for w, _c in requests) / count
    cpu = sum(c for _w, c in requests) / count
    print(f"{label}: {count} profiled requests (client, unprofiled clock: single request p50 "
          f"{result['client']['query_p50_ms']} ms)")
    print(f"  event-loop thread per request (profiled): wall {wall:.3f} ms, CPU {cpu:.3f} ms")
    phases = result["phases"]
    batches = phases.pop("batches", 0) or 1
    print(f"  audit writer: {batches:.0f} batches, {phases.pop('records', 0) / batches:.2f} records each")
    for name, spent in phases.items():
        print(f"    {name:72} {spent / batches:.3f} ms per batch")
    for title, part in (("event-loop thread's CPU, by own time", "event_loop"),
                        ("event-loop thread's CPU, by cumulative time", "event_loop_cumulative"),
                        ("audit writer's thread, wall time, by own time", "writer")):
        print(f"  {title} (profiled):")
        print("\n".join(f"    {line}" for line in result[part].splitlines()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--top", type=int, default=25, help="functions listed per profile")
    parser.add_argument("--baseline", help="git commit of the previous code, profiled first")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)  # port, report file, top, in the server
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), Path(args.serve[1]), int(args.serve[2]))
        return
    print(f"machine load (1/5/15 min) before {os.getloadavg()}")
    if args.baseline:
        previous = baseline.checkout(args.baseline)
        try:
            print_figures(args.baseline, measured(previous, args.queries, args.top))
        finally:
            shutil.rmtree(previous.parent)
    print_figures("this checkout", measured(None, args.queries, args.top))
    print(f"machine load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
