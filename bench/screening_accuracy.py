"""Screening accuracy on the real list: recall and false-positive rate, side by side with nomenklatura logic-v2.

Run: python bench/screening_accuracy.py [--sample 300] [--seed 2019] [--json out.json]

Positives are perturbed spellings of real CSL entries (typo, dropped legal form, reordered words,
abbreviations, case/punctuation) plus Chinese-script names of listed parties; negatives are real
organisation names not on the CSL. exportguard is run as users run it: a full search of all
14,160 entries. logic-v2 (yente's default scorer) has no index, so it scores pairs: each positive
against its true entry, each negative against its 3 nearest list entries by rapidfuzz token_set_ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import Case, load_all
from rapidfuzz import fuzz, process, utils

from exportguard.lists.bundled import native_names_for
from exportguard.lists.model import ListSnapshot, Party
from exportguard.matching.model import DEFAULT_THRESHOLD
from exportguard.matching.screener import Screener

LOGIC_V2_THRESHOLD = 0.70


def exportguard_results(screener: Screener, cases: list[Case]) -> list[bool]:
    """For each case: did screening raise (positives: the expected entry; negatives: anything)?"""
    raised = []
    for case in cases:
        keys = {hit.party.key for hit in screener.screen(case.query, limit=50)}
        raised.append(bool(keys & case.expected) if case.expected else bool(keys))
    return raised


class LogicV2:
    """nomenklatura's logic-v2 scorer on followthemoney entities, offline."""

    def __init__(self) -> None:
        from followthemoney import model
        from nomenklatura.matching import ScoringConfig, get_algorithm

        self.model = model
        self.algorithm = get_algorithm("logic-v2")
        self.config = ScoringConfig.defaults()

    def entity(self, names: list[str], entity_id: str):  # type: ignore[no-untyped-def]
        entity = self.model.make_entity("Organization")
        entity.id = entity_id
        entity.add("name", names)
        return entity

    def score(self, query: str, party: Party) -> float:
        left = self.entity([query], f"q-{abs(hash(query))}")
        right = self.entity(list(party.all_names), f"p-{party.key}")
        return float(self.algorithm.compare(left, right, self.config).score)


def logic_v2_results(snapshot: ListSnapshot, cases: list[Case]) -> list[bool]:
    scorer = LogicV2()
    by_key = snapshot.by_key()
    names = [(name, party) for party in snapshot.parties for name in party.all_names]
    choices = [name for name, _ in names]
    raised = []
    for case in cases:
        if case.expected:
            parties = [by_key[key] for key in case.expected]
        else:
            top = process.extract(
                case.query, choices, scorer=fuzz.token_set_ratio, processor=utils.default_process, limit=3
            )
            parties = [names[index][1] for _, _, index in top]
        raised.append(max(scorer.score(case.query, party) for party in parties) >= LOGIC_V2_THRESHOLD)
    return raised


def rates(cases: list[Case], raised: list[bool]) -> dict[str, dict[str, float]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case, hit in zip(cases, raised, strict=True):
        counts[case.category][0] += int(hit)
        counts[case.category][1] += 1
    return {category: {"rate": found / total, "n": total} for category, (found, total) in sorted(counts.items())}


def summary(cases: list[Case], raised: list[bool]) -> dict[str, float]:
    positives = [hit for case, hit in zip(cases, raised, strict=True) if case.expected]
    negatives = [hit for case, hit in zip(cases, raised, strict=True) if not case.expected]
    return {"recall": sum(positives) / len(positives), "false_positive_rate": sum(negatives) / len(negatives)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=300, help="list entries to perturb (default 300)")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--skip-logic-v2", action="store_true", help="only run exportguard")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    snapshot, positive, negative = load_all(args.sample, args.seed)
    cases = positive + negative
    print(f"{len(positive)} positive and {len(negative)} negative queries; threshold {DEFAULT_THRESHOLD}")
    report: dict[str, object] = {}
    screeners = {
        "exportguard": Screener(snapshot, native_names_for(snapshot)),
        "exportguard without gazetteer": Screener(snapshot),
    }
    for label, screener in screeners.items():
        started = time.perf_counter()
        raised = exportguard_results(screener, cases)
        report[label] = {
            **summary(cases, raised),
            "by_category": rates(cases, raised),
            "seconds": time.perf_counter() - started,
        }
    if not args.skip_logic_v2:
        started = time.perf_counter()
        raised = logic_v2_results(snapshot, cases)
        report["nomenklatura logic-v2 (pairwise, 0.70)"] = {
            **summary(cases, raised),
            "by_category": rates(cases, raised),
            "seconds": time.perf_counter() - started,
        }
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def print_report(report: dict[str, object]) -> None:
    engines = list(report)
    categories = sorted({c for figures in report.values() for c in figures["by_category"]})  # type: ignore[index]
    print(f"{'category':24}" + "".join(f"{name[:30]:>32}" for name in engines))
    for category in categories:
        row = [report[e]["by_category"].get(category, {}) for e in engines]  # type: ignore[index]
        print(f"{category:24}" + "".join(f"{cell.get('rate', 0):>26.3f} n={cell.get('n', 0):<4}" for cell in row))
    for metric in ("recall", "false_positive_rate", "seconds"):
        print(f"{metric:24}" + "".join(f"{report[e][metric]:>32.3f}" for e in engines))  # type: ignore[index]


if __name__ == "__main__":
    main()
