"""Identical hits: this code's hits against another checkout's, on the golden and accuracy query sets.

Run: python bench/hits_identity.py --baseline DIR   (DIR: a checkout of the code to compare with, e.g.
``git archive 623333b | tar -x -C /tmp/eg-prev``)

A speed change must not move a single hit. The queries (tests/golden, and both sets of
bench/screening_accuracy.py: perturbations and disguises, with their negatives) are screened by each
code in its own subprocess, against the 2022 CSL the accuracy bench uses, the reference lists the golden
file pins and the full bundled lists users screen against, at the review floor (0.70, so the "possible
matches below" band is covered) and at the default threshold, up to 50 hits each. Every hit's entry,
matched name and features must be equal and its score within 1e-9; the first differences are printed
and the exit status is 1 if there are any.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline
from corpus import disguised, load_all, real_companies

SCORE_TOLERANCE = 1e-9
#: Per "set / lists / threshold": per query, its hits as [entry key, score, matched name, features].
Dump = dict[str, list[list[Any]]]
ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "screening_scores.json"
#: Run in each checkout's interpreter: only the public screening API, so any version of the code can run it.
_DUMP = """
import json, sys
from compat import native_names_for

from exportguard.lists.bundled import bundled_csl
from exportguard.matching.screener import Screener, default_screener, reference_screener
sets = json.load(open(sys.argv[1]))
csl = bundled_csl()
screeners = {"csl_2022": Screener(csl, native_names_for(csl)), "reference": reference_screener(),
             "bundled": default_screener()}
out = {}
for set_name, queries in sets.items():
    for screener_name, screener in screeners.items():
        for threshold in (0.70, 0.80):
            rows = []
            for name, country in queries:
                hits = screener.screen(name, country, limit=50, threshold=threshold)
                rows.append([[h.party.key, h.score, h.matched_name,
                              [[f.name, f.value, f.explanation] for f in h.features]] for h in hits])
            out[f"{set_name} / {screener_name} / {threshold:.2f}"] = rows
json.dump(out, open(sys.argv[2], "w"))
"""


def query_sets() -> dict[str, list[tuple[str, str | None]]]:
    """The golden queries (with their countries) and the accuracy bench's two sets."""
    snapshot, positive, negative = load_all()
    golden = [(case["query"], case.get("country")) for case in json.loads(GOLDEN.read_text(encoding="utf-8"))]
    disguise_set = disguised(snapshot, 300, 2019) + negative + real_companies(snapshot)
    return {
        "golden": golden,
        "perturbations": [(case.query, None) for case in positive + negative],
        "disguises": [(case.query, None) for case in disguise_set],
    }


def dump(source: Path, queries_file: Path, output: Path) -> Dump:
    """Every hit of every query, as the code under ``source`` (its ``src`` directory) finds them."""
    environment = baseline.environment(source / "src")
    # The dump imports the benches' compat module, which lives beside this script.
    environment["PYTHONPATH"] = os.pathsep.join([environment["PYTHONPATH"], str(Path(__file__).resolve().parent)])
    subprocess.run([sys.executable, "-c", _DUMP, str(queries_file), str(output)], env=environment, check=True)
    return json.loads(output.read_text())  # type: ignore[no-any-return]


def differences(sets: dict[str, list[tuple[str, str | None]]], ours: Dump, theirs: Dump) -> list[str]:
    """One line per query whose hits differ in entry, order, matched name, features or score (beyond 1e-9)."""
    found = []
    for key, our_rows in ours.items():
        queries = sets[key.split(" / ")[0]]
        for (name, _country), our_hits, their_hits in zip(queries, our_rows, theirs[key], strict=True):
            if not _same_hits(our_hits, their_hits):
                found.append(f"{key}: {name!r}\n  ours:     {_brief(our_hits)}\n  baseline: {_brief(their_hits)}")
    return found


def _same_hits(ours: list[Any], theirs: list[Any]) -> bool:
    if len(ours) != len(theirs):
        return False
    for (key, score, matched, features), (their_key, their_score, their_matched, their_features) in zip(
        ours, theirs, strict=True
    ):
        if key != their_key or matched != their_matched or abs(score - their_score) > SCORE_TOLERANCE:
            return False
        if len(features) != len(their_features):
            return False
        for (name, value, text), (their_name, their_value, their_text) in zip(features, their_features, strict=True):
            if name != their_name or text != their_text or abs(value - their_value) > SCORE_TOLERANCE:
                return False
    return True


def _brief(hits: list[Any]) -> str:
    return ", ".join(f"{key} {score:.4f}" for key, score, *_ in hits[:5]) or "no hits"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="checkout of the code to compare with")
    args = parser.parse_args()
    sets = query_sets()
    with tempfile.TemporaryDirectory() as folder:
        queries_file = Path(folder) / "queries.json"
        queries_file.write_text(json.dumps(sets))
        ours = dump(ROOT, queries_file, Path(folder) / "ours.json")
        theirs = dump(args.baseline, queries_file, Path(folder) / "baseline.json")
    found = differences(sets, ours, theirs)
    hits = sum(len(row) for rows in ours.values() for row in rows)
    queries = sum(len(rows) for rows in ours.values())
    print(f"{queries} screenings ({', '.join(f'{name}: {len(q)}' for name, q in sets.items())} queries; 3 list sets; "
          f"thresholds 0.70 and 0.80), {hits} hits compared with {args.baseline}")  # fmt: skip
    for line in found[:20]:
        print(line)
    print(f"{len(found)} screenings differ" if found else "identical: every hit, matched name, feature and score")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
