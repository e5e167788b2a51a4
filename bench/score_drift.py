"""How far one real list change moves scores on the entries it leaves unchanged: the measurement behind the
delta re-screen's drift budget (``store.customer_store.DRIFT_BUDGET``).

Run: python bench/score_drift.py [--names 200000] [--floor 0.55]

The customers and the change are bench/rescreen_scale.py's (OFAC SDN of 2021-07-07 -> 2021-08-20: 113 added,
3 removed, 4 modified). Every customer is screened in full against both versions down to ``--floor``; for each
customer-entry pair scored in both on an entry the change left alone, the move of its score is taken, and the
largest move is printed per band of the old score. A delta re-screen re-scores only the recorded pairs (from
the record floor, 0.75, up) and counts on the near-miss margin (0.05) for the others: the band just under the
floor is the one that matters, and the recorded bands are what a run can see. This is a property of the lists
and the scoring, not a speed: there is no baseline to compare with.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rescreen_scale import customers, product_screener, run_all, sdn_change

from exportguard.batch.runner import LocalRunner

BANDS = ((0.55, 0.65), (0.65, 0.70), (0.70, 0.75), (0.75, 0.80), (0.80, 1.01))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, default=200_000)
    parser.add_argument("--floor", type=float, default=0.55)
    parser.add_argument("--positive-rate", type=float, default=0.01)
    args = parser.parse_args()
    print(f"machine load (1/5/15 min) before {os.getloadavg()}; {args.names:,} customers, scores from {args.floor}")
    subset = customers(args.names, args.positive_rate)
    old, new, changes = sdn_change()
    left_alone = {party.key for party in new.parties} - {party.key for party in changes.changed}
    scores = []
    for snapshot in (old, new):
        results, _seconds = run_all(LocalRunner(threshold=args.floor, screener=product_screener(snapshot)), snapshot,
                                    subset)
        scores.append({(r.customer_id, r.entry_key): r.score for r in results if r.entry_key in left_alone})
    before, after = scores
    both = before.keys() & after.keys()
    print(f"SDN 2021-07-07 -> 2021-08-20 {changes.summary()}: {len(both):,} pairs scored in both on unchanged entries")
    for low, high in BANDS:
        moves = [abs(after[pair] - before[pair]) for pair in both if low <= before[pair] < high]
        print(f"old score in [{low:.2f}, {min(high, 1.0):.2f}): {len(moves):>6,} pairs, largest move "
              f"{max(moves, default=0.0):.4f}")
    print(f"machine load (1/5/15 min) after {os.getloadavg()}")


if __name__ == "__main__":
    main()
