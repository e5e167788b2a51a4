"""Regenerate tests/golden/screening_scores.json after a deliberate change to scoring.

Usage: python scripts/update_golden.py   (then review the diff: every changed score is a behaviour change,
and each changed case needs a `note` saying why; the notes already in the file are kept)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from exportguard.matching.screener import Screener, reference_screener

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden" / "screening_scores.json"


def regenerated(cases: list[dict[str, Any]], screener: Screener) -> list[dict[str, Any]]:
    """Each case with its top three hits screened again; its other fields (query, country, note) kept as written."""
    return [{**case, "top": _top(screener, case)} for case in cases]


def _top(screener: Screener, case: dict[str, Any]) -> list[dict[str, Any]]:
    hits = screener.screen(case["query"], case.get("country"), limit=3)
    return [{"entry_key": h.party.key, "name": h.party.name, "score": round(h.score, 4)} for h in hits]


def golden_text(cases: list[dict[str, Any]]) -> str:
    """The file's text: non-ASCII escaped, as it is stored, so a re-run changes only what scoring changed."""
    return json.dumps(cases, indent=2) + "\n"


def main() -> None:
    cases = json.loads(GOLDEN.read_text(encoding="utf-8"))
    updated = regenerated(cases, reference_screener())
    GOLDEN.write_text(golden_text(updated), encoding="utf-8")
    changed = [new["query"] for old, new in zip(cases, updated, strict=True) if old["top"] != new["top"]]
    print(f"updated {len(cases)} cases in {GOLDEN}; {len(changed)} changed (give each a note saying why):")
    for query in changed:
        print(f"  {query}")


if __name__ == "__main__":
    main()
