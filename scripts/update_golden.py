"""Regenerate tests/golden/screening_scores.json after a deliberate change to scoring.

Usage: python scripts/update_golden.py   (then review the diff: every changed score is a behaviour change)
"""

from __future__ import annotations

import json
from pathlib import Path

from exportguard.matching.screener import reference_screener

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden" / "screening_scores.json"


def main() -> None:
    cases = json.loads(GOLDEN.read_text(encoding="utf-8"))
    screener = reference_screener()
    for case in cases:
        hits = screener.screen(case["query"], case.get("country"), limit=3)
        case["top"] = [{"entry_key": h.party.key, "name": h.party.name, "score": round(h.score, 4)} for h in hits]
    GOLDEN.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"updated {len(cases)} cases in {GOLDEN}")


if __name__ == "__main__":
    main()
