"""OFAC's SDN list as re-published in one CSV by ``kindrat86/ofac-sdn-json`` (derived, not OFAC's own format).

Columns ``uid,name,type,programs,alternate_names``: ``uid`` is OFAC's ``ent_num`` (so entry keys equal
those of :mod:`exportguard.lists.ofac_sdn`), programs and aliases are ``; ``-separated. The file has **no
addresses and no remarks**; loading OFAC's raw files afterwards shows those as modified fields. The
publication date is in ``metadata.json`` beside the file (``published``) when present.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from exportguard.lists.csvsource import decode, dict_rows, read_bytes, sha256, split_list
from exportguard.lists.errors import ListFormatError
from exportguard.lists.model import ListSnapshot, ListVersion, Party
from exportguard.lists.ofac_sdn import LIST_CODE, LIST_NAME, SOURCE

REQUIRED_COLUMNS = ("uid", "name", "type", "programs", "alternate_names")


def load(path: str | Path, as_of: date | None = None) -> ListSnapshot:
    """Load the parsed SDN CSV (optionally gzipped); a malformed file loads nothing."""
    path = Path(path)
    data = read_bytes(path)
    rows = dict_rows(decode(data, path.name), path.name, REQUIRED_COLUMNS)
    parties = tuple(_party(row, line, path.name) for line, row in rows)
    if not parties:
        raise ListFormatError(path.name, "file has a header but no entries")
    version = ListVersion(SOURCE, as_of or _published(path), sha256(data), len(parties), path.name)
    return ListSnapshot(version, parties)


def _party(row: dict[str, str], line: int, file: str) -> Party:
    name = " ".join(row["name"].split())
    if not name:
        raise ListFormatError(file, "entry has no name", row=line, field="name")
    if not row["uid"].strip().isdigit():
        raise ListFormatError(file, f"uid is not a number: {row['uid']!r}", row=line, field="uid")
    return Party(
        list_code=LIST_CODE,
        source_id=row["uid"].strip(),
        name=name,
        list_name=LIST_NAME,
        entity_type=row["type"] or "entity",
        aliases=tuple(dict.fromkeys(" ".join(alias.split()) for alias in split_list(row["alternate_names"]))),
        programs=split_list(row["programs"]),
        raw=row,
    )


def _published(path: Path) -> date | None:
    stem = path.name.split(".")[0]
    metadata = path.with_name(f"{stem}.metadata.json")
    if not metadata.is_file():
        return None
    try:
        return date.fromisoformat(str(json.loads(metadata.read_text(encoding="utf-8"))["published"])[:10])
    except (ValueError, KeyError, TypeError):
        return None
