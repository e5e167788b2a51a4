"""The bundled lists' names normalised ahead of time: a derived data file, so a fresh process need not normalise them.

Normalising every spelling the index of the bundled lists holds (each name and alias, their bracketed and
affiliate parts, the gazetteer's Chinese names: about 57,000) was a quarter of a cold build.
``normal_forms.json.gz`` holds what the normaliser makes of each, under its fingerprint
(``normalizer_fingerprint``): reading it back takes a fraction of that, and ``normalize`` answers from it
while the index is built (``normalized_ahead``). Under any other fingerprint (an edited normaliser, another
pypinyin, english-words or Unicode version) the file is not used, and a name it lacks (a list file changed
since) is normalised as before: the file changes how fast a build is, never what it holds.

Rewritten by ``python scripts/derive_normal_forms.py``; a test checks that it equals a fresh derivation.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from exportguard.lists.bundled import data_path, default_snapshot
from exportguard.lists.model import ListSnapshot
from exportguard.matching.gazetteer import native_names_for
from exportguard.matching.index import name_variants
from exportguard.matching.normalize import NormalizedName, normalize, normalizer_fingerprint

FILE_NAME = "normal_forms.json.gz"
#: A row: name, tokens, legal forms, the tokens as written ("" when the same as the tokens), and only where
#: either is not the default, whether the name was in another script and what was undone to clean it.
Row = list[Any]


def spellings(snapshot: ListSnapshot, native_names: Mapping[str, Sequence[str]]) -> list[str]:
    """Every name an index of the snapshot (with these native names) normalises, each once, in index order."""
    names: dict[str, None] = {}
    for party in snapshot.parties:
        names.update((spelling, None) for spelling, _kind in name_variants(party))
        names.update((native, None) for native in native_names.get(party.key, ()))
    return list(names)


def derived(names: Sequence[str]) -> dict[str, Any]:
    """The file's content: the normaliser's fingerprint and each name's normal form as a row."""
    afresh = normalize.__wrapped__  # past normalize's memo, which may hold forms read from this very file
    return {"fingerprint": normalizer_fingerprint(), "names": [_row(afresh(name)) for name in names]}


def encoded(document: dict[str, Any]) -> bytes:
    """The file's bytes: the same for the same content (no timestamp in the gzip header)."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


def read(path: Path) -> dict[str, NormalizedName]:
    """The normal forms in the file, by name; none when it was derived under another fingerprint or is missing."""
    try:
        document = json.loads(gzip.decompress(path.read_bytes()))
    except FileNotFoundError:
        return {}
    if document["fingerprint"] != normalizer_fingerprint():
        return {}
    return {row[0]: _form(row) for row in document["names"]}


def _row(form: NormalizedName) -> Row:
    for word in (*form.tokens, *form.legal_forms, *form.raw_tokens):
        if not word or word != "".join(word.split()):
            raise ValueError(f"{form.original!r}: the word {word!r} cannot be stored space-separated")
    raw = "" if form.raw_tokens == form.tokens else " ".join(form.raw_tokens)
    row: Row = [form.original, " ".join(form.tokens), " ".join(form.legal_forms), raw]
    if form.cross_script or form.cleaned:
        row += [form.cross_script, list(form.cleaned)]
    return row


def _form(row: Row) -> NormalizedName:
    words = tuple(row[1].split())
    legal_forms = tuple(row[2].split()) if row[2] else ()
    raw = tuple(row[3].split()) if row[3] else words
    if len(row) == 4:  # most names: in Latin script, nothing undone
        return NormalizedName(row[0], words, legal_forms, False, raw)
    return NormalizedName(row[0], words, legal_forms, row[4], raw, tuple(row[5]))


def bundled_normal_forms() -> dict[str, NormalizedName]:
    """The bundled lists' names as normalised ahead of time, for building their index; none when the file was
    derived by another normaliser."""
    return read(data_path(FILE_NAME))


def default_spellings() -> list[str]:
    """Every name the index of the bundled lists normalises: what the normal-forms file is derived from."""
    snapshot = default_snapshot()
    return spellings(snapshot, native_names_for(snapshot))
