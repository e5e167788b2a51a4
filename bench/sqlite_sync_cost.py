"""The cost of SQLite's ``synchronous=FULL`` (the default) against ``NORMAL``, per committed write.

Run: python bench/sqlite_sync_cost.py [--commits 300] [--rounds 5]

Each commit is what an API write does: one transaction that takes the write lock and appends one
audit record. Rounds alternate FULL and NORMAL on the same file so that the machine's background load
falls on both alike; the baseline is NORMAL measured in the same run, and the ratio is FULL / NORMAL.
With FULL a commit is on disk before it is acknowledged; with NORMAL in WAL mode a power cut can lose
the last acknowledged commits.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from exportguard.store import audit
from exportguard.store.base import SYNCHRONOUS_ENV, make_engine, session_factory
from exportguard.store.migrate import upgrade
from exportguard.store.writes import write_transaction


def commit_ms(url: str, mode: str, commits: int) -> float:
    """Median milliseconds per committed single-record write with ``synchronous=mode``."""
    os.environ[SYNCHRONOUS_ENV] = mode
    engine = make_engine(url)
    sessions = session_factory(engine)
    timings = []
    for number in range(commits):
        started = time.perf_counter()
        with write_transaction(sessions) as session:
            audit.append(session, "bench", "screen", f"party:{number}", {"query": number})
        timings.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        os.environ.setdefault("EXPORTGUARD_AUDIT_KEY", "bench-only key")
        os.environ.setdefault("EXPORTGUARD_AUDIT_CHECKPOINTS", f"{scratch}/checkpoints")
        url = f"sqlite:///{scratch}/sync.db"
        upgrade(url)
        results: dict[str, list[float]] = {"FULL": [], "NORMAL": []}
        for _ in range(args.rounds):
            for mode in ("NORMAL", "FULL"):
                results[mode].append(commit_ms(url, mode, args.commits))
    full, normal = statistics.median(results["FULL"]), statistics.median(results["NORMAL"])
    print(f"{args.rounds} alternating rounds of {args.commits} single-record write transactions (median per round)")
    print(f"  synchronous=NORMAL  {normal:6.2f} ms per commit   (baseline)   rounds: "
          + " ".join(f"{value:.2f}" for value in results["NORMAL"]))
    print(f"  synchronous=FULL    {full:6.2f} ms per commit   x{full / normal:.2f}   rounds: "
          + " ".join(f"{value:.2f}" for value in results["FULL"]))


if __name__ == "__main__":
    main()
