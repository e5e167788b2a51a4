"""List versions: what changed between two versions of a list, and which screened customers a change affects.

Versions come from a directory, ``EXPORTGUARD_LIST_ARCHIVE``: one entry per version, each an OFAC SDN
directory (``sdn.csv`` with ``alt.csv``/``add.csv``), a CSL file (``*.csv``, ``*.csv.gz``) or an eCFR Entity
List document (``*.json``). The customers are those of the batch files uploaded to this console.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from exportguard.batch.delta import delta_screener
from exportguard.lists import csl, ecfr_entity_list, ofac_sdn, versions
from exportguard.lists.errors import ListFormatError
from exportguard.lists.model import ListSnapshot
from exportguard.web import session
from exportguard.web.batch_pages import JOBS
from exportguard.web.templating import render

router = APIRouter()
ARCHIVE_ENV = "EXPORTGUARD_LIST_ARCHIVE"
SHOWN = 100
Version = Annotated[str, Query(max_length=200)]


def loader_for(path: Path) -> Callable[[Path], ListSnapshot] | None:
    """The loader that reads ``path``, or None when it is not a list version."""
    if path.is_dir():
        return ofac_sdn.load if any((path / name).is_file() for name in ("sdn.csv", "sdn.csv.gz")) else None
    if path.name.endswith((".csv", ".csv.gz")):
        return csl.load
    return ecfr_entity_list.load if path.suffix == ".json" else None


def archive() -> dict[str, Path]:
    """The list versions in the archive directory, by name, oldest name first."""
    root = os.environ.get(ARCHIVE_ENV)
    if not root or not Path(root).is_dir():
        return {}
    return {path.name: path for path in sorted(Path(root).iterdir()) if loader_for(path)}


@lru_cache(maxsize=4)
def snapshot(path: Path, modified: float) -> ListSnapshot:
    """The loaded version (cached while the file is unchanged)."""
    load = loader_for(path)
    assert load is not None
    return load(path)


@router.get("/lists")
def list_versions(request: Request, old: Version = "", new: Version = "") -> Response:
    """Pick two versions; see added, removed and modified entries and the customers each change affects."""
    user = session.require(request)
    found = archive()
    context: dict[str, Any] = {"versions": list(found), "old": old, "new": new, "shown": SHOWN,
                               "archive_env": ARCHIVE_ENV}
    if not (old and new):
        return render(request, "lists.html", user, **context)
    if old not in found or new not in found:
        raise HTTPException(404, "pick two versions from the archive")
    try:
        before, after = (snapshot(found[name], found[name].stat().st_mtime) for name in (old, new))
    except ListFormatError as error:
        return render(request, "lists.html", user, status=422, error=str(error), **context)
    changes = versions.diff(before, after)
    return render(request, "lists.html", user, changes=changes, before=before, after=after,
                  affected=_affected(after, changes), **context)


def _affected(after: ListSnapshot, changes: versions.ListDiff) -> list[dict[str, Any]]:
    """Customers of this console's batch files who match an added or modified entry of the new version."""
    if not changes.changed:
        return []
    screener = delta_screener(after, changes)
    modified = {change.new.key: change.fields for change in changes.modified}
    customers = {(c.name, c.country) for job in JOBS.all() for c in job.customers if c.name}
    rows = []
    for name, country in sorted(customers):
        for hit in screener.screen(name, country or None):
            rows.append({"name": name, "country": country, "hit": hit,
                         "change": "modified: " + ", ".join(modified[hit.party.key]) if hit.party.key in modified
                         else "added"})
    return rows
