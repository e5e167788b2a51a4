"""Rebuild src/exportguard/data/native_names.csv from the casslab restricted-parties file.

Usage: python scripts/build_native_names.py restricted_parties.json.gz

where the file is `public/data/restricted_parties.json` of casslab-kaist/restricted-parties-db at
30bb29e1812e89824bf5dc73f422ea3e5580416d (ingested 2026-08-18), gzipped; see
src/exportguard/data/PROVENANCE.md.

Keeps records of U.S. lists whose native name has Chinese characters, with the English name
they were published under, so the bundled screener can match Chinese-script queries.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "exportguard" / "data" / "native_names.csv"


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def main(source: str) -> None:
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        records = json.load(handle)
    rows = []
    for record in records:
        native = (record["name"].get("native") or "").strip()
        english = (record["name"].get("english") or "").strip()
        list_id = record["source"]["list_id"]
        if english and has_cjk(native) and list_id.startswith("us-"):
            rows.append((english, native, list_id, record["source"].get("source_row", "")))
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["english", "native", "source_list", "source_row"])
        writer.writerows(sorted(set(rows)))
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
