"""Golden scores: the top hits of 40 real-world queries, stable within a stated tolerance.

A change to scoring that moves any of these scores by more than TOLERANCE, or changes which
entries rank on top, fails here; if the change is deliberate, run scripts/update_golden.py and
review the diff of tests/golden/screening_scores.json.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from exportguard.matching.screener import Screener

TOLERANCE = 0.02
GOLDEN_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "update_golden.py"
GOLDEN_FILE = Path(__file__).parent / "golden" / "screening_scores.json"
CASES = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))


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


def test_regenerating_the_golden_file_keeps_its_notes_and_escaping(screener: Screener) -> None:
    spec = importlib.util.spec_from_file_location("update_golden", GOLDEN_SCRIPT)
    assert spec is not None and spec.loader is not None
    update_golden = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(update_golden)
    noted = [case for case in CASES if "note" in case]
    assert noted, "the golden file has notes to keep"
    updated = update_golden.regenerated(noted, screener)
    assert [case["note"] for case in updated] == [case["note"] for case in noted]
    assert [list(case) for case in updated] == [list(case) for case in noted]
    assert update_golden.golden_text(CASES) == GOLDEN_FILE.read_text(encoding="utf-8")
