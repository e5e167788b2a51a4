"""Where the real `exportguard rescreen` path spends its time, stage by stage, outside and inside screening.

Run: python bench/profile_rescreen.py [--store-names 30000] [--json out.json]

The store is bench/rescreen_scale.py's (the 2022 CSL in force beside the other bundled lists, customers
stored with their normal forms). Two runs of ``rescreen_in_chunks`` over a fresh copy each:

1. in process (``LocalRunner(processes=1)``) under cProfile, so every stage is on one thread: the plan
   (lists read back from the store, index build, content hashes), reading chunks (SQL and the JSON of the
   stored normal forms), screening (the worker's function), writing hits, statuses and checkpoints, and
   the commits. Shares are of the profiled total; cProfile slows Python code more than C code.
2. on all cores, unprofiled: wall time, and CPU time of the parent (reads, writes, task pickling) and of
   the workers (screening), which is what competes for the cores.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rescreen_scale import ended_children, stored_customers

from exportguard.batch.runner import LocalRunner
from exportguard.store.customer_store import rescreen_in_chunks

#: (stage, function as cProfile names it: file suffix, function name); cumulative time of each.
STAGES = (
    ("plan: lists, index, hashes", "customer_store.py", "_plan"),
    ("read chunks (SQL, JSON)", "customer_store.py", "_stored_chunks"),
    ("JSON decode (stored forms; list entries in the plan)", "__init__.py", "loads"),
    ("screen (worker function)", "customer_store.py", "__call__"),
    ("write hits, statuses, checkpoint", "customer_store.py", "_apply_chunk"),
    ("commits (fsync)", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    ("finish (audit record)", "customer_store.py", "_finish"),
)


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    return sum(entry[3] for (path, _line, function), entry in table.items()
               if function == name and path.endswith(suffix))


def in_process(count: int) -> dict[str, Any]:
    directory = tempfile.mkdtemp(prefix="profile-rescreen-")
    sessions = stored_customers(count, 0.01, directory)
    profile = cProfile.Profile()
    profile.enable()
    rescreen_in_chunks(sessions, "bench", LocalRunner(processes=1))
    profile.disable()
    shutil.rmtree(directory)
    stats = pstats.Stats(profile)
    total: float = stats.total_tt  # type: ignore[attr-defined]
    stages = {stage: round(_cumulative(stats, suffix, name), 3) for stage, suffix, name in STAGES}
    return {"customers": count, "profiled_total_s": round(total, 2), "stages_s": stages}


def on_all_cores(count: int) -> dict[str, Any]:
    directory = tempfile.mkdtemp(prefix="profile-rescreen-")
    sessions = stored_customers(count, 0.01, directory)
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    rescreen_in_chunks(sessions, "bench", LocalRunner())
    seconds = time.perf_counter() - start
    after, workers = resource.getrusage(resource.RUSAGE_SELF), ended_children()
    shutil.rmtree(directory)
    parent = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"customers": count, "seconds": round(seconds, 1), "names_per_s": round(count / seconds),
            "parent_cpu_s": round(parent, 1), "workers_cpu_s": round(workers.ru_utime + workers.ru_stime, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store-names", type=int, default=30_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    profiled, cores = in_process(args.store_names), on_all_cores(args.store_names)
    total = profiled["profiled_total_s"]
    print(f"in process, profiled: {args.store_names:,} stored customers, {total} s")
    for stage, seconds in profiled["stages_s"].items():
        print(f"  {stage:52} {seconds:8.2f} s  {100 * seconds / total:5.1f}%  "
              f"{1e6 * seconds / args.store_names:7.1f} us/customer")
    per_customer = 1e6 / args.store_names
    print(f"all cores, unprofiled: {cores['seconds']} s, {cores['names_per_s']:,} names/s; CPU parent "
          f"{cores['parent_cpu_s']} s ({cores['parent_cpu_s'] * per_customer:.0f} us/customer, plan included), "
          f"workers {cores['workers_cpu_s']} s ({cores['workers_cpu_s'] * per_customer:.0f} us/customer)")
    if args.json:
        args.json.write_text(json.dumps({"in_process": profiled, "all_cores": cores}, indent=2))


if __name__ == "__main__":
    main()
