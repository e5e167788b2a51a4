"""Golden scores: the top hits of 40 real-world queries, stable within a stated tolerance.

A change to scoring that moves any of these scores by more than TOLERANCE, or changes which
entries rank on top, fails here; if the change is deliberate, run scripts/update_golden.py and
review the diff of tests/golden/screening_scores.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exportguard.matching.screener import Screener

TOLERANCE = 0.02
CASES = json.loads((Path(__file__).parent / "golden" / "screening_scores.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[case["query"] for case in CASES])
def test_top_hits_match_golden_scores(screener: Screener, case: dict) -> None:  # type: ignore[type-arg]
    hits = screener.screen(case["query"], case.get("country"), limit=3)
    expected = case["top"]
    assert len(hits) == len(expected), [h.party.name for h in hits]
    for hit, golden in zip(hits, expected, strict=True):
        assert hit.score == pytest.approx(golden["score"], abs=TOLERANCE), golden["name"]
    if expected:
        assert hits[0].score == pytest.approx(expected[0]["score"], abs=TOLERANCE)
        top_keys = {g["entry_key"] for g in expected if g["score"] == expected[0]["score"]}
        assert hits[0].party.key in top_keys | {h.party.key for h in hits if h.score == hits[0].score}
