"""Determination speed: full license determinations per second, next to screening the same parties alone.

Run: python bench/determination_speed.py [--count 2000] [--repeat 3] [--compare-with DIR]

Baseline, measured in the same run on the same bundled screener: screening every party of every
transaction against the EL/DPL/UVL/MEU/SDN lists and nothing else. The ratio shows what the ordered
rules (dated ledger, policies, Country Chart, TGL) cost on top of the screening they need anyway.

``--compare-with DIR`` also runs this bench, in the same run, on another checkout of the project (e.g. an
earlier commit exported to DIR) and prints both ratios and how much the determination/screening ratio
changed: the rules may not cost more than 20% more, relative to screening, than before.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from typing import Any

from exportguard.rules import determine
from exportguard.rules.parties import SCREENED_LISTS, default_matcher

PARTIES = (
    ("Huawei Technologies Co., Ltd.", "CN"), ("Hikvision", "CN"), ("Dawning Information Industry", "CN"),
    ("Huawei Device Co., Ltd.", "CN"), ("Shanghai Example Electronics Trading Co., Ltd.", "CN"),
    ("Robert Bosch GmbH", "DE"), ("Acme Components Pte Ltd", "SG"), ("Centre for Integrated Photonics Ltd.", "GB"),
)  # fmt: skip
ECCNS = ("EAR99", "5A002", "5A992", "3A001", "1A995", "4A994", "3A991", "5D002")
ACTIVITIES = ("network_maintenance", "device_support", "cybersecurity_research", "other")


def transactions(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Reproducible transactions over 2019-2020 with one to three parties and one to four items."""
    rng = random.Random(seed)
    start = date(2019, 1, 1)
    made = []
    for _ in range(count):
        parties = rng.sample(PARTIES, rng.randint(1, 3))
        made.append({
            "date": str(start + timedelta(rng.randint(0, 730))),
            "destination": parties[0][1],
            "parties": [{"name": name, "country": country, "role": "ultimate_consignee"} for name, country in parties],
            "items": [{"eccn": rng.choice(ECCNS), "value": 100} for _ in range(rng.randint(1, 4))],
            "end_use": {"activity": rng.choice(ACTIVITIES), "product_available_date": "2019-01-01"},
            "evidence": {"tgl_certification": {"source": "huawei_entity"}},
        })  # fmt: skip
    return made


def time_it(work: Any, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare-with", metavar="DIR", help="another checkout whose src/ to bench in the same run")
    options = parser.parse_args()
    if options.compare_with:
        compare(options)
        return
    matcher = default_matcher()
    batch = transactions(options.count)
    queries = [(p["name"], p["country"]) for t in batch for p in t["parties"]]

    def screen_only() -> None:
        for name, country in queries:
            matcher.screener.screen(name, country, lists=SCREENED_LISTS, limit=25)

    def full() -> None:
        for transaction in batch:
            determine(transaction, matcher=matcher)

    screening = time_it(screen_only, options.repeat)
    determining = time_it(full, options.repeat)
    print(f"transactions: {len(batch)}, parties screened: {len(queries)}, median of {options.repeat} runs")
    print(f"baseline  screening only : {screening:7.3f} s  ({len(batch) / screening:8.0f} transactions/s)")
    print(f"exportguard determination: {determining:7.3f} s  ({len(batch) / determining:8.0f} transactions/s)")
    print(f"determination / screening-only time ratio: {determining / screening:.2f}x")


def compare(options: argparse.Namespace) -> None:
    """Run this bench on the other checkout and on this one, one after the other, and compare the ratios."""
    ratios = {}
    for label, src in (("baseline", os.path.join(options.compare_with, "src")), ("current", None)):
        env = {**os.environ, "PYTHONPATH": src} if src else dict(os.environ)
        args = [sys.executable, __file__, "--count", str(options.count), "--repeat", str(options.repeat)]
        output = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
        print(f"--- {label} ({src or 'this checkout'})\n{output.rstrip()}")
        ratios[label] = float(re.findall(r"time ratio: ([\d.]+)x", output)[0])
    change = ratios["current"] / ratios["baseline"] - 1
    print(f"ratio baseline {ratios['baseline']:.2f}x -> current {ratios['current']:.2f}x: {change:+.1%} (limit +20%)")


if __name__ == "__main__":
    main()
