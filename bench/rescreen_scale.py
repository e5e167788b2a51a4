"""Screening a customer master at scale, and delta re-screening after a real list change.

Run: python bench/rescreen_scale.py [--names 200000] [--store-names 200000] [--delta-names 200000]
                                    [--processes 0] [--baseline 7aa91e2 | --no-baseline] [--json out.json]
(the issue's figure: ``--names 1000000 --store-names 1000000``; each size takes minutes per code version).

Every section runs in a fresh interpreter, first against the previous code (``--baseline``, extracted
from git into a temporary directory), then against this checkout's, on the same machine in the same run;
the report gives both and their ratio.

Customers: real list names and perturbed variants of them (bench/corpus.py) at ``--positive-rate``,
the rest recombined from real organisation names that are not on the CSL (China's counter-sanction
targets, UFLPA and WRO entities, well-known firms: bench/corpus.py negatives), e.g. the head of one
name with the tail of another, so a million distinct, company-like names come from a few hundred.
Customers carry their names normalised, as the customer store keeps them from import on.

1. runner: ``--names`` customers against the bundled 2022 CSL with the local runner (all cores), the
   customer list in memory; one thread in process (``Screener.screen``) for scale.
2. store: the real ``exportguard rescreen`` path (``rescreen_in_chunks``) over ``--store-names`` customers
   stored in SQLite, the 2022 CSL loaded as the list in force (the other lists bundled): a first, full
   re-screen, hits written back, checkpoints and audit included.
3. delta: a real list change, OFAC SDN of 2021-07-07 -> 2021-08-20 (113 added, 3 removed, 4 modified):
   ``--delta-names`` customers are screened against the old version (setup), then re-screened against
   the new one in full and by delta; the ratio of the two times on the clock and in CPU time (the parent's and its
   workers': other work on a shared machine inflates the first, not the second), and a check that the hits agree.
   Both are given the new version's index as a server holds its lists in force (gazetteer names, vocabulary learnt),
   which its scheduled re-screen screens with (``store.refresh``): its build is timed apart, not counted.
   The delta is given the customers as a monitoring service keeps them across list changes (``CustomerFile``: the
   words of their names worked out once, when the file is loaded; timed apart, not counted; the previous code,
   without one, is given the list). A second run gives the plain list (the words read in the run), a third also
   builds its own index, as a fresh process does.
4. store_delta: the same change through the product's own path, `exportguard rescreen` over ``--store-delta-names``
   customers stored in SQLite (the 2022 CSL, the SDN of 2021-07-07 on top, screened in full as setup): after the
   SDN of 2021-08-20 is loaded, the delta re-screen, against `rescreen --full` of a copy of the same state, and
   whether the stored hits and near misses agree.

5. spark: ``--spark-names`` customers (names only, as read from a table) through the local runner with 2
   processes and through the Spark runner in local mode (``local[2]``, 8 partitions): names/s per
   process against names/s per executor core, each including its index builds; and that the results agree.

Memory: the peak, sampled every half second, of the proportional set size (PSS: pages shared by the
forked workers counted once) and of the plain RSS summed over the parent and its workers; and the
kernel's own high-water marks (largest RSS of the parent plus of its largest worker).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).parent))

from baseline import RECENT, measure_sections
from compat import native_names_for
from corpus import negatives, positives

from exportguard.batch.delta import rescreen
from exportguard.batch.runner import Customer, LocalRunner, ScreeningResult
from exportguard.heap import collector_paused
from exportguard.lists import ofac_sdn
from exportguard.lists.bundled import bundled_csl
from exportguard.lists.versions import diff
from exportguard.matching.normalize import normalize, normalizer_fingerprint
from exportguard.matching.screener import Screener

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
OLD_SDN = FIXTURES / "ofac_sdn_2021-07" / "sdn.csv.gz"
NEW_SDN = FIXTURES / "ofac_sdn_2021-08-20"
BASELINE_NAMES = 3000
SECTIONS = ("runner", "store", "delta", "store_delta", "spark")


def customers(count: int, positive_rate: float, seed: int = 1) -> list[Customer]:
    """``count`` customers, ``positive_rate`` of them list names or variants, the rest recombined negatives."""
    rng = random.Random(seed)
    snapshot = bundled_csl()
    listed = [case.query for case in positives(snapshot, 400, seed)] + [p.name for p in snapshot.parties]
    pool = [case.query.split() for case in negatives(snapshot)]
    names = []
    for _ in range(count):
        if rng.random() < positive_rate:
            names.append(rng.choice(listed))
        else:
            head, tail = rng.choice(pool), rng.choice(pool)
            names.append(" ".join(head[: rng.randint(1, len(head))] + tail[rng.randint(0, len(tail) - 1):]))
    # As `customers import` stores them: each with its name normalised once (exportguard.store.customer_store).
    return [Customer(f"C{number}", name, normalized=normalize(name)) for number, name in enumerate(names)]


def load_sdn_alone(path: Path):  # type: ignore[no-untyped-def]
    """sdn.csv without the alt/add files beside it, as the 2021-08-20 snapshot has none."""
    with tempfile.TemporaryDirectory() as directory:
        shutil.copy(path, Path(directory) / path.name)
        return ofac_sdn.load(Path(directory), allow_partial=True)


def sdn_change():  # type: ignore[no-untyped-def]
    """The real weekly change the delta benches use: OFAC's SDN of 2021-07-07 and of 2021-08-20, and their diff."""
    old, new = load_sdn_alone(OLD_SDN), ofac_sdn.load(NEW_SDN, allow_partial=True)
    return old, new, diff(old, new)


class MemoryPeak:
    """Samples this process and its children every ``interval`` seconds: the peaks of their summed PSS
    and summed RSS, in MiB."""

    def __init__(self, interval: float = 0.5):
        self.interval = interval
        self.pss = self.rss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemoryPeak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(self.interval):
            pss = rss = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    info = process.memory_full_info()
                except psutil.Error:
                    continue
                pss, rss = pss + info.pss, rss + info.rss
            self.pss, self.rss = max(self.pss, pss / 2**20), max(self.rss, rss / 2**20)

    def figures(self) -> dict[str, int]:
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        largest_worker = ended_children().ru_maxrss
        return {"peak_pss_mib": round(self.pss), "peak_rss_sum_mib": round(self.rss),
                "maxrss_parent_plus_worker_mib": round((own + largest_worker) / 1024)}


def single_thread(screener: Screener, names: list[Customer]) -> float:
    start = time.perf_counter()
    for customer in names:
        screener.screen(customer.name, limit=50, threshold=0.75, normalized=customer.normalized)
    return len(names) / (time.perf_counter() - start)


def run_all(runner: LocalRunner, snapshot, names: list[Customer]) -> tuple[list[ScreeningResult], float]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    results = [row for rows in runner.run(snapshot, names) for row in rows]
    return results, time.perf_counter() - start


def hit_set(results: list[ScreeningResult]) -> set[tuple[str, str, float]]:
    return {(r.customer_id, r.entry_key, r.score) for r in results if r.is_hit()}


def runner_section(args: argparse.Namespace) -> dict[str, Any]:
    names = customers(args.names, args.positive_rate)
    csl = bundled_csl()
    # Built with the collector paused, then frozen, as the library, the server and the runner's workers hold it.
    gc.disable()
    screener = Screener(csl)
    gc.enable()
    gc.freeze()
    figures: dict[str, Any] = {"single_thread_names_per_s": round(single_thread(screener, names[:BASELINE_NAMES]))}
    with MemoryPeak() as memory:
        results, seconds = run_all(LocalRunner(args.processes, screener=screener), csl, names)
    figures.update(names=len(names), seconds=round(seconds, 1), names_per_s=round(len(names) / seconds),
                   hits=sum(r.is_hit() for r in results), **memory.figures())
    return figures


def stored_customers(count: int, positive_rate: float, directory: str):  # type: ignore[no-untyped-def]
    """A SQLite store in ``directory`` holding the 2022 CSL as the list in force (the other lists bundled) and
    ``count`` of :func:`customers`, as `customers import` stores them (inserted in bulk: not measured); its
    session factory."""
    from sqlalchemy import insert

    from exportguard.store.base import Base, make_engine, session_factory
    from exportguard.store.list_store import record_version
    from exportguard.store.migrate import import_table_modules
    from exportguard.store.monitoring import CustomerRecord
    from exportguard.store.writes import write_transaction

    names = customers(count, positive_rate)
    import_table_modules()
    engine = make_engine(f"sqlite:///{directory}/bench.db")
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    fingerprint = normalizer_fingerprint()
    with write_transaction(sessions) as session:
        record_version(session, bundled_csl(), "bench", force_reason="benchmark: the 2022 CSL as the list in force")
    for start in range(0, len(names), 20_000):
        rows = [{"external_ref": c.id, "name": c.name, "country": None, "address": None, "needs_screening": True,
                 "normalized_name": {"fingerprint": fingerprint, "original": c.name,
                                     "tokens": list(c.normalized.tokens), "legal_forms": list(c.normalized.legal_forms),
                                     "cross_script": c.normalized.cross_script,
                                     "raw_tokens": list(c.normalized.raw_tokens), "cleaned": list(c.normalized.cleaned)}}
                for c in names[start:start + 20_000] if c.normalized is not None]
        with write_transaction(sessions) as session:
            session.execute(insert(CustomerRecord), rows)
    return sessions


def store_section(args: argparse.Namespace) -> dict[str, Any]:
    from exportguard.store.customer_store import rescreen_in_chunks

    directory = tempfile.mkdtemp(prefix="rescreen-scale-")
    sessions = stored_customers(args.store_names, args.positive_rate, directory)
    before = resource.getrusage(resource.RUSAGE_SELF)
    with MemoryPeak() as memory:
        start = time.perf_counter()
        summary = rescreen_in_chunks(sessions, "bench", LocalRunner(args.processes))
        seconds = time.perf_counter() - start
    after, workers = resource.getrusage(resource.RUSAGE_SELF), ended_children()
    shutil.rmtree(directory)
    return {"names": args.store_names, "seconds": round(seconds, 1), "names_per_s": round(args.store_names / seconds),
            "new_hits": summary.counts()["new"], "mode": summary.mode,
            "parent_cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "workers_cpu_s": round(workers.ru_utime + workers.ru_stime, 1), **memory.figures()}


def ended_children() -> resource.struct_rusage:
    """The resource use of this process's children that have ended, the runner's workers of pools closed so far
    included (waited for where the code reaps them in the background; the previous code measured in the same run
    joins them itself)."""
    try:
        from exportguard.batch.runner import workers_reaped
    except ImportError:
        pass
    else:
        workers_reaped()
    return resource.getrusage(resource.RUSAGE_CHILDREN)


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the runner's workers, once its pool closes):
    what other work on a shared machine does not inflate, unlike the time on the clock."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), ended_children()
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def product_screener(snapshot):  # type: ignore[no-untyped-def]
    """The screener a stored re-screen builds over the lists in force (the gazetteer's native names indexed), with
    the collector paused; written out, not imported, so the previous code measured in the same run builds the same."""
    with collector_paused():
        return Screener(snapshot, native_names_for(snapshot))


def delta_section(args: argparse.Namespace) -> dict[str, Any]:
    subset = customers(args.delta_names, args.positive_rate)
    old, new, changes = sdn_change()
    previous, _ = run_all(LocalRunner(args.processes, screener=product_screener(old)), old, subset)
    # The new version indexed as a server holds its lists in force (vocabulary learnt), when it loads them: its
    # scheduled re-screen screens with that index (store.refresh), so neither the full nor the delta re-screen below
    # builds one. Not frozen as the server's is: a frozen heap makes every run end with a full collection, here over
    # the customer list and results held in memory, which a server streams from its database instead.
    start = time.perf_counter()
    with collector_paused():
        in_force = product_screener(new).learn_vocabulary()
    index_s, cpu = time.perf_counter() - start, cpu_seconds()
    full, full_s = run_all(LocalRunner(args.processes, screener=in_force), new, subset)
    full_cpu, cpu = cpu_seconds() - cpu, cpu_seconds()
    file_s, held = kept_customer_file(subset)
    cpu, start = cpu_seconds(), time.perf_counter()
    outcome = rescreen(new, changes, held, previous, LocalRunner(args.processes), full=in_force)
    delta_s, delta_cpu = time.perf_counter() - start, cpu_seconds() - cpu
    # The customers as a plain list: their words are read again in the run (what a caller that keeps no file pays).
    cpu, start = cpu_seconds(), time.perf_counter()
    listed = rescreen(new, changes, subset, previous, LocalRunner(args.processes), full=in_force)
    list_s, list_cpu = time.perf_counter() - start, cpu_seconds() - cpu
    # `exportguard rescreen` in a fresh process has no index at hand: the re-screen builds its own (as the store's
    # plan does), counted in its time.
    cpu, start = cpu_seconds(), time.perf_counter()
    own = rescreen(new, changes, subset, previous, LocalRunner(args.processes), full=product_screener(new))
    own_s, own_cpu = time.perf_counter() - start, cpu_seconds() - cpu
    return {"names": len(subset), "change": changes.summary(), "index_s": round(index_s, 2),
            "file_s": None if file_s is None else round(file_s, 3),
            "full_s": round(full_s, 2), "delta_s": round(delta_s, 3), "speedup": round(full_s / delta_s, 1),
            "full_cpu_s": round(full_cpu, 2), "delta_cpu_s": round(delta_cpu, 3),
            "cpu_speedup": round(full_cpu / delta_cpu, 1), "list_delta_s": round(list_s, 3),
            "list_delta_cpu_s": round(list_cpu, 3), "own_index_delta_s": round(own_s, 3),
            "own_index_delta_cpu_s": round(own_cpu, 3),
            "delta_equals_full": hit_set(outcome.results) == hit_set(full) == hit_set(listed.results)
            == hit_set(own.results)}


def kept_customer_file(subset: list[Customer]) -> tuple[float | None, Any]:
    """The customers as a monitoring service keeps them across list changes (``CustomerFile``, its words worked out
    when the file is loaded), with the seconds that took; the plain list and None for code without one."""
    try:
        from exportguard.batch.delta import CustomerFile
    except ImportError:
        return None, subset
    start = time.perf_counter()
    held = CustomerFile(tuple(subset))
    held.positions_of(())
    held.words  # noqa: B018  (worked out now, at load)
    return time.perf_counter() - start, held


def stored_sdn_change(count: int, positive_rate: float, directory: str, processes: int = 0) -> None:
    """A SQLite store in ``directory`` as the store_delta section starts from: :func:`stored_customers`, the SDN of
    2021-07-07 loaded on top and every customer screened against it in full, then the SDN of 2021-08-20 loaded."""
    from exportguard.store.customer_store import rescreen_in_chunks
    from exportguard.store.list_store import record_version
    from exportguard.store.writes import write_transaction

    sessions = stored_customers(count, positive_rate, directory)
    with write_transaction(sessions) as session:
        record_version(session, load_sdn_alone(OLD_SDN), "bench", force_reason="benchmark: the SDN of 2021-07-07")
    rescreen_in_chunks(sessions, "bench", LocalRunner(processes))
    with write_transaction(sessions) as session:
        record_version(session, ofac_sdn.load(NEW_SDN, allow_partial=True), "bench",
                       force_reason="benchmark: the SDN of 2021-08-20")
    sessions.kw["bind"].dispose()


def store_delta_section(args: argparse.Namespace) -> dict[str, Any]:
    """The product's path for the weekly change: `exportguard rescreen` (``rescreen_in_chunks``) over stored
    customers after the SDN of 2021-08-20 replaced that of 2021-07-07, as a delta, against `rescreen --full` of a
    copy of the same state."""
    from exportguard.store.base import make_engine, session_factory
    from exportguard.store.customer_store import rescreen_in_chunks

    directory = tempfile.mkdtemp(prefix="rescreen-scale-")
    stored_sdn_change(args.store_delta_names, args.positive_rate, directory, args.processes)
    copy = tempfile.mkdtemp(prefix="rescreen-scale-")
    shutil.copytree(directory, copy, dirs_exist_ok=True)
    timed, drift = {}, None
    for mode, where in (("delta", directory), ("full", copy)):
        factory = session_factory(make_engine(f"sqlite:///{where}/bench.db"))
        cpu, start = cpu_seconds(), time.perf_counter()
        summary = rescreen_in_chunks(factory, "bench", LocalRunner(args.processes), full=mode == "full")
        timed[mode] = (time.perf_counter() - start, cpu_seconds() - cpu, summary.mode, stored_hits(factory))
        drift = summary.counts().get("drift", drift) if mode == "delta" else drift
        factory.kw["bind"].dispose()
    for where in (directory, copy):
        shutil.rmtree(where)
    (delta_s, delta_cpu, delta_mode, delta_hits), (full_s, full_cpu, full_mode, full_hits) = timed["delta"], timed["full"]
    return {"names": args.store_delta_names, "delta_s": round(delta_s, 2), "full_s": round(full_s, 2),
            "speedup": round(full_s / delta_s, 1), "delta_cpu_s": round(delta_cpu, 2), "full_cpu_s": round(full_cpu, 2),
            "modes": [delta_mode, full_mode], "hits": len(_reviewed(full_hits)),
            "hits_identical": _reviewed(delta_hits) == _reviewed(full_hits),
            "near_misses_differing": [tuple(hit) for hit in sorted(delta_hits ^ full_hits)[:10]], "drift": drift}


def _reviewed(stored: set[tuple[int, str, float, str]]) -> set[tuple[int, str, float, str]]:
    """The hits, without the near misses (status watch) kept for the next re-screen."""
    return {hit for hit in stored if hit[3] != "watch"}


def stored_hits(factory: Any) -> set[tuple[int, str, float, str]]:
    """Every stored hit and near miss that is not retired: (customer, entry, score, status)."""
    from sqlalchemy import select

    from exportguard.store.monitoring import ScreeningHitRecord

    with factory() as session:
        return set(session.execute(select(ScreeningHitRecord.customer_id, ScreeningHitRecord.entry_key,
                                          ScreeningHitRecord.score, ScreeningHitRecord.status)
                                   .where(ScreeningHitRecord.status != "retired")).all())


def spark_section(args: argparse.Namespace) -> dict[str, Any]:
    import os

    from pyspark.sql import SparkSession

    from exportguard.batch.spark import SparkRunner

    cores = 2
    # Both runners get the names as Spark reads them from a table: not normalised beforehand.
    names = [Customer(c.id, c.name) for c in customers(args.spark_names, args.positive_rate)]
    csl = bundled_csl()
    start = time.perf_counter()
    local = [row for rows in LocalRunner(cores).run(csl, names) for row in rows]
    local_s = time.perf_counter() - start
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (SparkSession.builder.master(f"local[{cores}]").appName("rescreen-scale")
             .config("spark.ui.enabled", "false").getOrCreate())
    try:
        frame = spark.createDataFrame([(c.id, c.name, "", "") for c in names], ["id", "name", "country", "address"])
        frame = frame.repartition(cores * 4).cache()
        frame.count()
        start = time.perf_counter()
        rows = SparkRunner(spark).screen_frame(csl, frame).collect()
        spark_s = time.perf_counter() - start
    finally:
        spark.stop()
    same = {(r.customer_id, r.entry_key, r.score) for r in local} == {
        (row["customer_id"], row["entry_key"], row["score"]) for row in rows}
    return {"names": len(names), "cores": cores, "local_s": round(local_s, 1), "spark_s": round(spark_s, 1),
            "local_names_per_s_per_process": round(len(names) / local_s / cores),
            "spark_names_per_s_per_core": round(len(names) / spark_s / cores), "identical": same}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, default=200_000)
    parser.add_argument("--store-names", type=int, default=200_000)
    parser.add_argument("--delta-names", type=int, default=200_000)
    parser.add_argument("--store-delta-names", type=int, default=200_000)
    parser.add_argument("--spark-names", type=int, default=40_000)
    parser.add_argument("--positive-rate", type=float, default=0.01)
    parser.add_argument("--processes", type=int, default=0, help="0 = all cores")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated, of " + ", ".join(SECTIONS))
    parser.add_argument("--baseline", default=RECENT, help="git commit of the previous code")
    parser.add_argument("--no-baseline", action="store_true", help="measure this checkout only")
    parser.add_argument("--section", choices=SECTIONS, help=argparse.SUPPRESS)  # one section, in a subprocess
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.section:
        import exportguard

        figures = globals()[f"{args.section}_section"](args)
        print(json.dumps({**figures, "code": str(Path(exportguard.__file__).parents[1])}))
        return

    import os
    figures: dict[str, Any] = {"positive_rate": args.positive_rate, "load_before": os.getloadavg()}
    passed = [f"--{name.replace('_', '-')}={getattr(args, name)}"
              for name in ("names", "store_names", "delta_names", "store_delta_names", "spark_names", "positive_rate",
                           "processes")]
    commit = None if args.no_baseline else args.baseline
    figures.update(measure_sections(Path(__file__), args.sections.split(","), passed, commit))
    figures["load_after"] = os.getloadavg()
    figures["baseline_commit"] = commit
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    report(figures)


def _ratio(new: float, old: float | None) -> str:
    return f"x{new / old:.2f}" if old else "-"


def _runner_line(r: dict[str, Any]) -> str:
    return (f"{r['names']:>9,} customers {r['seconds']:>7} s {r['names_per_s']:>6,} names/s (one thread "
            f"{r['single_thread_names_per_s']:,}/s), {r['hits']:,} hits, peak PSS {r['peak_pss_mib']} MiB, RSS sum "
            f"{r['peak_rss_sum_mib']} MiB, maxrss parent+worker {r['maxrss_parent_plus_worker_mib']} MiB")


def _store_line(s: dict[str, Any]) -> str:
    return (f"{s['names']:>8,} stored (SQLite) {s['seconds']:>7} s {s['names_per_s']:>6,} names/s, {s['new_hits']:,} "
            f"new hits, peak PSS {s['peak_pss_mib']} MiB, RSS sum {s['peak_rss_sum_mib']} MiB, maxrss parent+worker "
            f"{s['maxrss_parent_plus_worker_mib']} MiB, CPU parent {s.get('parent_cpu_s', '-')} s / workers "
            f"{s.get('workers_cpu_s', '-')} s   (target 1M: < 300 s, < 2 GB)")


def _delta_line(d: dict[str, Any]) -> str:
    listed = own = ""
    if "list_delta_s" in d:
        listed = (f"; the customers as a plain list (their words read in the run) {d['list_delta_s']} s, "
                  f"x{d['full_s'] / d['list_delta_s']:.1f}, CPU {d['list_delta_cpu_s']} s")
    if "own_index_delta_s" in d:
        own = (f"; a plain list and the delta building its own index (a fresh process) {d['own_index_delta_s']} s, "
               f"x{d['full_s'] / d['own_index_delta_s']:.1f} against the full above, CPU {d['own_index_delta_cpu_s']} s")
    index = (f"both with the new version's index at hand, as the server's lists in force hold it ({d['index_s']} s to "
             "build at list load, not counted)" if "index_s" in d else "")
    if d.get("file_s") is not None:
        index += (f", the delta with the customer file kept as a monitoring service holds it ({d['file_s']} s to work "
                  "out its words at load, not counted)")
    return (f"SDN 2021-07-07 -> 2021-08-20 {d['change']}, {d['names']:,} customers, {index}: full {d['full_s']} s, "
            f"delta {d['delta_s']} s, x{d['speedup']} (target >= 50); CPU (parent and workers) full {d['full_cpu_s']} "
            f"s, delta {d['delta_cpu_s']} s, x{d['cpu_speedup']}{listed}{own}; hits identical: {d['delta_equals_full']}")


def _store_delta_line(d: dict[str, Any]) -> str:
    return (f"SDN 2021-07-07 -> 2021-08-20, {d['names']:,} stored customers (SQLite), `exportguard rescreen`: "
            f"{d['modes'][0]} {d['delta_s']} s against {d['modes'][1]} {d['full_s']} s (x{d['speedup']}); CPU (parent "
            f"and workers) {d['delta_cpu_s']} s against {d['full_cpu_s']} s; stored hits identical: "
            f"{d['hits_identical']} ({d['hits']:,}); near misses differing: {d.get('near_misses_differing')}; the "
            f"largest move of a recorded score on an unchanged entry: {d.get('drift')}")


def _spark_line(s: dict[str, Any]) -> str:
    per_core, per_process = s["spark_names_per_s_per_core"], s["local_names_per_s_per_process"]
    return (f"{s['names']:,} customers on {s['cores']} cores: local runner {per_process:,} names/s per process "
            f"({s['local_s']} s), Spark local[{s['cores']}] {per_core:,} names/s per executor core ({s['spark_s']} s), "
            f"ratio x{per_core / per_process:.2f}, results identical: {s['identical']}")


#: Each section's report line, with the label it is printed under.
_LINES = (("runner  ", "runner", _runner_line), ("rescreen", "store", _store_line),
          ("delta   ", "delta", _delta_line), ("stored delta", "store_delta", _store_delta_line),
          ("spark   ", "spark", _spark_line))


def report(f: dict[str, Any]) -> None:
    base = f["baseline_commit"]
    print(f"machine load (1/5/15 min) before {f['load_before']}, after {f['load_after']}; 2 cores shared")
    print(f"baseline: the previous code ({base}) measured in the same run" if base else "no baseline measured")
    for title, section, line in _LINES:
        for label in ("baseline", "current"):
            figures = f.get(section, {}).get(label)
            if figures:
                print(f"{title} {label:8} {line(figures)}")
    both = {s: f[s] for s in SECTIONS if "baseline" in f.get(s, {}) and "current" in f.get(s, {})}
    for section, pair in both.items():
        if section == "delta":
            print(f"ratio   delta speed-up, current/baseline: {_ratio(pair['current']['speedup'], pair['baseline']['speedup'])}"
                  f"; in CPU time {_ratio(pair['current']['cpu_speedup'], pair['baseline']['cpu_speedup'])}; delta CPU "
                  f"time, baseline/current: {_ratio(pair['baseline']['delta_cpu_s'], pair['current']['delta_cpu_s'])}")
        elif section == "store_delta":
            print(f"ratio   stored delta speed-up, current/baseline: "
                  f"{_ratio(pair['current']['speedup'], pair['baseline']['speedup'])}; delta seconds, baseline/current: "
                  f"{_ratio(pair['baseline']['delta_s'], pair['current']['delta_s'])}")
        elif section == "spark":
            print(f"ratio   spark names/s per core, current/baseline: "
                  f"{_ratio(pair['current']['spark_names_per_s_per_core'], pair['baseline']['spark_names_per_s_per_core'])}")
        else:
            print(f"ratio   {section} names/s, current/baseline: "
                  f"{_ratio(pair['current']['names_per_s'], pair['baseline']['names_per_s'])}; peak PSS "
                  f"{_ratio(pair['current']['peak_pss_mib'], pair['baseline']['peak_pss_mib'])}")


if __name__ == "__main__":
    main()
