"""A list refresh end to end: fetch + guard + load of the full CSL and OFAC files from a local server,
then the delta re-screen of the customer master, against a full re-screen of the same state in the same run.

Run: python bench/list_refresh.py [--customers 200000] [--processes 0] [--json out.json]

Setup (not timed): a SQLite store holding the previous editions -- the 2022 CSL with 2% of its entries
dropped and 2% renamed, OFAC's SDN set of 2019-01 (sdn, alt, add, comments) and the non-SDN set of
2025-12 -- and ``--customers`` customers (bench/rescreen_scale.py's corpus) screened against them.

Timed:
1. ``lists fetch`` of csl, sdn and cons from a local HTTP server serving the real files (the full 2022
   CSL, 14,160 rows; OFAC's SDN set of 2021-07, 8,976 entries; the unchanged non-SDN set): download,
   format check, load, guard, store. Per source seconds.
2. The re-screen that `lists fetch --then-rescreen` runs: a delta re-screen of every customer.
3. Baseline: a full re-screen (`rescreen --full`) of the same state, and whether its hits are the delta's.
Also the load + index time of the bundled lists against the 2022 CSL alone (what `screen` pays first).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import sys
import tempfile
import threading
import time
from dataclasses import replace
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from compat import native_names_for
from rescreen_scale import customers
from sqlalchemy import select

from exportguard.batch.runner import Customer, LocalRunner
from exportguard.lists import ofac_consolidated, ofac_sdn
from exportguard.lists.bundled import bundled_csl, bundled_parts, data_path, default_snapshot
from exportguard.lists.model import ListSnapshot
from exportguard.lists.sources import SOURCES
from exportguard.matching.screener import Screener
from exportguard.store.base import make_engine, session_factory, transaction
from exportguard.store.customer_store import import_customers, rescreen_customers
from exportguard.store.list_fetch import fetch_lists
from exportguard.store.list_store import record_version
from exportguard.store.migrate import upgrade
from exportguard.store.monitoring import ScreeningHitRecord

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
OLD_SDN = FIXTURES / "ofac_sdn_2019-01"
NEW_SDN = FIXTURES / "ofac_sdn_2021-07"
NEW_SDN_COMMENTS = FIXTURES / "ofac_sdn_2021-07_comments"
SETUP = "benchmark: previous editions"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def published(root: Path) -> None:
    """The files as the sources publish them: consolidated.csv; SDN.CSV, ALT.CSV, ...; CONS_PRIM.CSV, ..."""
    (root / "csl").mkdir()
    (root / "csl" / "consolidated.csv").write_bytes(gzip.decompress(data_path("csl_2022-05.csv.gz").read_bytes()))
    (root / "ofac").mkdir()
    for name in ("sdn", "alt", "add", "sdn_comments"):
        edition = NEW_SDN_COMMENTS if name == "sdn_comments" else NEW_SDN
        (root / "ofac" / f"{name.upper()}.CSV").write_bytes(gzip.decompress((edition / f"{name}.csv.gz").read_bytes()))
    for name in ("cons_prim", "cons_alt", "cons_add", "cons_comments"):
        gz = data_path("ofac_cons_2025-12") / f"{name}.csv.gz"
        (root / "ofac" / f"{name.upper()}.CSV").write_bytes(gzip.decompress(gz.read_bytes()))


def previous_csl() -> ListSnapshot:
    """The 2022 CSL as an earlier edition: 2% of entries not yet listed, 2% under earlier names."""
    csl = bundled_csl()
    rng = random.Random(7)
    parties = [party for party in csl.parties if rng.random() > 0.02]
    parties = [replace(p, name=p.name + " Trading") if rng.random() < 0.02 else p for p in parties]
    digest = hashlib.sha256(b"previous " + csl.version.content_hash.encode()).hexdigest()
    return ListSnapshot(replace(csl.version, content_hash=digest, party_count=len(parties)), tuple(parties))


def hits(sessions) -> set[tuple[int, str, float]]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        query = select(ScreeningHitRecord).where(ScreeningHitRecord.status.in_(("new", "open", "cleared")))
        return {(h.customer_id, h.entry_key, round(h.score, 6)) for h in session.scalars(query)}


def load_and_index() -> dict[str, float]:
    """Cold load + index of the bundled lists, and of the 2022 CSL alone (the previous bundle), in seconds."""
    timings = {}
    for label, snapshot_of in (("csl_2022", bundled_csl), ("bundle", default_snapshot)):
        for cached in (bundled_csl, bundled_parts, default_snapshot):
            cached.cache_clear()
        start = time.perf_counter()
        snapshot = snapshot_of()
        Screener(snapshot, native_names_for(snapshot))
        timings[f"{label}_s"] = round(time.perf_counter() - start, 2)
        timings[f"{label}_entries"] = len(snapshot.parties)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--positive-rate", type=float, default=0.01)
    parser.add_argument("--processes", type=int, default=0, help="0 = all cores")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures: dict[str, object] = {"customers": args.customers, "load_and_index": load_and_index()}
    runner = LocalRunner(args.processes)
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        url = f"sqlite:///{root / 'bench.db'}"
        upgrade(url)
        sessions = session_factory(make_engine(url))
        start = time.perf_counter()
        with transaction(sessions) as session:
            record_version(session, previous_csl(), "bench", force_reason=SETUP)
            record_version(session, ofac_sdn.load(OLD_SDN), "bench", force_reason=SETUP)
            record_version(session, ofac_consolidated.load(data_path("ofac_cons_2025-12")), "bench")
            rows = [Customer(c.id, c.name) for c in customers(args.customers, args.positive_rate)]
            import_customers(session, rows, "bench")
            rescreen_customers(session, "bench", runner)
        figures["setup_s"] = round(time.perf_counter() - start, 1)

        (root / "www").mkdir()
        published(root / "www")
        httpd, base = serve(root / "www")
        os.environ["EXPORTGUARD_FETCH_URL_CSL"] = f"{base}/csl/"
        os.environ["EXPORTGUARD_FETCH_URL_SDN"] = os.environ["EXPORTGUARD_FETCH_URL_CONS"] = f"{base}/ofac/"
        per_source = {}
        for code in ("csl", "sdn", "cons"):
            start = time.perf_counter()
            [outcome] = fetch_lists(sessions, [SOURCES[code]], "bench", root / "cache")
            per_source[code] = {"s": round(time.perf_counter() - start, 2), "outcome": outcome.outcome,
                                "changes": outcome.changes, "message": outcome.message}
        httpd.shutdown()
        figures["fetch"] = per_source
        figures["fetch_total_s"] = round(sum(s["s"] for s in per_source.values()), 2)  # type: ignore[misc]

        start = time.perf_counter()
        with transaction(sessions) as session:
            delta = rescreen_customers(session, "bench", runner)
        figures["delta_s"] = round(time.perf_counter() - start, 1)
        figures["delta_mode"] = delta.mode
        after_delta = hits(sessions)
        start = time.perf_counter()
        with transaction(sessions) as session:
            rescreen_customers(session, "bench", runner, full=True)
        figures["full_s"] = round(time.perf_counter() - start, 1)
        figures["hits"] = len(after_delta)
        figures["delta_equals_full"] = after_delta == hits(sessions)
        figures["speedup"] = round(figures["full_s"] / figures["delta_s"], 1)  # type: ignore[operator]
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


def report(f: dict) -> None:  # type: ignore[type-arg]
    index = f["load_and_index"]
    print(f"load + index: bundled lists {index['bundle_s']} s ({index['bundle_entries']:,} entries) vs the 2022 CSL "
          f"alone {index['csl_2022_s']} s ({index['csl_2022_entries']:,}): x{index['bundle_s'] / index['csl_2022_s']:.1f}")
    print(f"setup (previous editions, {f['customers']:,} customers screened): {f['setup_s']} s")
    for code, row in f["fetch"].items():
        print(f"fetch + guard + load {code:<5} {row['s']:>7} s  {row['outcome']:<9} {row['changes'] or row['message']}")
    print(f"re-screen of {f['customers']:,} customers after the fetch: delta ({f['delta_mode']}) {f['delta_s']} s, "
          f"full {f['full_s']} s (baseline): x{f['speedup']}; {f['hits']:,} hits, identical: {f['delta_equals_full']}")
    print(f"fetch + guard + load + delta re-screen: {f['fetch_total_s'] + f['delta_s']:.1f} s "
          f"against fetch + full re-screen {f['fetch_total_s'] + f['full_s']:.1f} s")


if __name__ == "__main__":
    main()
