"""Where the real `exportguard rescreen` path spends its time, stage by stage, outside and inside screening.

Run: python bench/profile_rescreen.py [--store-names 30000] [--delta] [--json out.json]

The store is bench/rescreen_scale.py's (the 2022 CSL in force beside the other bundled lists, customers
stored with their normal forms); with ``--delta``, its store_delta section's: the SDN of 2021-07-07 on top,
every customer screened against it in full, then the SDN of 2021-08-20 loaded, and the re-screen is the delta
`exportguard rescreen` runs after that change (its stages split further: the plan's lists, index and list
changes, the selection of the customers due and their screen). Two runs of ``rescreen_in_chunks`` over a fresh
copy each:

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

from rescreen_scale import ended_children, stored_customers, stored_sdn_change

from exportguard.batch.runner import LocalRunner
from exportguard.store.base import make_engine, session_factory
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
#: A delta re-screen's stages: the plan's parts, and inside the worker's function the selection and the screen of
#: the customers it finds due.
DELTA_STAGES = (
    ("plan: all", "customer_store.py", "_plan"),
    ("plan: lists read back from the store (entries' JSON, bundled lists)", "customer_store.py", "combined"),
    ("plan: index of the lists in force", "screener.py", "with_native_names"),
    ("plan: list changes from the stored hashes", "list_changes.py", "changes_since"),
    ("plan: list changes by diff() of the old and new snapshots", "versions.py", "diff"),
    ("read chunks (SQL)", "customer_store.py", "_stored_chunks"),
    ("screen (worker function)", "customer_store.py", "__call__"),
    ("  selection of the customers due (words, reach test)", "delta.py", "due"),
    ("  screen of the customers due", "delta.py", "_screened"),
    ("write hits, statuses, checkpoint", "customer_store.py", "_apply_chunk"),
    ("commits (fsync)", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    ("finish (audit record)", "customer_store.py", "_finish"),
)


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    return sum(entry[3] for (path, _line, function), entry in table.items()
               if function == name and path.endswith(suffix))


def store(count: int, delta: bool, directory: str) -> Any:
    """The session factory of a store in ``directory`` as the profiled re-screen starts from."""
    if not delta:
        return stored_customers(count, 0.01, directory)
    stored_sdn_change(count, 0.01, directory)
    return session_factory(make_engine(f"sqlite:///{directory}/bench.db"))


def in_process(count: int, delta: bool) -> dict[str, Any]:
    directory = tempfile.mkdtemp(prefix="profile-rescreen-")
    sessions = store(count, delta, directory)
    profile = cProfile.Profile()
    profile.enable()
    rescreen_in_chunks(sessions, "bench", LocalRunner(processes=1))
    profile.disable()
    shutil.rmtree(directory)
    stats = pstats.Stats(profile)
    total: float = stats.total_tt  # type: ignore[attr-defined]
    stages = {stage: round(_cumulative(stats, suffix, name), 3) for stage, suffix, name in
              (DELTA_STAGES if delta else STAGES)}
    return {"customers": count, "profiled_total_s": round(total, 2), "stages_s": stages}


def on_all_cores(count: int, delta: bool) -> dict[str, Any]:
    directory = tempfile.mkdtemp(prefix="profile-rescreen-")
    sessions = store(count, delta, directory)
    # The set-up's own workers (the delta's first, full re-screen) have ended: only this run's are counted.
    before, earlier = _cpu(resource.getrusage(resource.RUSAGE_SELF)), _cpu(ended_children())
    start = time.perf_counter()
    rescreen_in_chunks(sessions, "bench", LocalRunner())
    seconds = time.perf_counter() - start
    parent, workers = _cpu(resource.getrusage(resource.RUSAGE_SELF)) - before, _cpu(ended_children()) - earlier
    shutil.rmtree(directory)
    return {"customers": count, "seconds": round(seconds, 2), "names_per_s": round(count / seconds),
            "parent_cpu_s": round(parent, 2), "workers_cpu_s": round(workers, 2)}


def _cpu(used: resource.struct_rusage) -> float:
    return used.ru_utime + used.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store-names", type=int, default=30_000)
    parser.add_argument("--delta", action="store_true", help="the delta re-screen after the weekly SDN change")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    profiled, cores = in_process(args.store_names, args.delta), on_all_cores(args.store_names, args.delta)
    total = profiled["profiled_total_s"]
    kind = "delta re-screen after the SDN change of 2021-08-20" if args.delta else "first, full re-screen"
    print(f"in process, profiled: {args.store_names:,} stored customers, {kind}, {total} s")
    for stage, seconds in profiled["stages_s"].items():
        print(f"  {stage:68} {seconds:8.2f} s  {100 * seconds / total:5.1f}%  "
              f"{1e6 * seconds / args.store_names:7.1f} us/customer")
    per_customer = 1e6 / args.store_names
    print(f"all cores, unprofiled: {cores['seconds']} s, {cores['names_per_s']:,} names/s; CPU parent "
          f"{cores['parent_cpu_s']} s ({cores['parent_cpu_s'] * per_customer:.0f} us/customer, plan included), "
          f"workers {cores['workers_cpu_s']} s ({cores['workers_cpu_s'] * per_customer:.0f} us/customer)")
    if args.json:
        args.json.write_text(json.dumps({"in_process": profiled, "all_cores": cores}, indent=2))


if __name__ == "__main__":
    main()
