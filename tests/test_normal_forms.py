"""The bundled lists' names normalised ahead of time (matching/normal_forms.py): the file is what the normaliser makes
of them today, it is read back exactly, ignored under another fingerprint, and an index built from it is the same."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from exportguard.lists.bundled import counter_lists_snapshot, data_path
from exportguard.matching import normal_forms
from exportguard.matching.gazetteer import native_names_for
from exportguard.matching.normal_forms import default_spellings
from exportguard.matching.normalize import normalize, normalized_ahead
from exportguard.matching.screener import Screener
from tests.structure import structural_digest

#: Names whose normal forms use every column: a legal form, an abbreviation (written otherwise), Chinese script,
#: a disguise (Cyrillic "а", a zero-width space), no content word at all.
AWKWARD = ["Huawei Technologies Co., Ltd.", "Acme Intl Trading", "华为技术有限公司", "Huаwei Tech\u200bnologies",
           "Co., Ltd.", "S.R.L. Rosoboronexport"]


def test_bundled_file_is_a_fresh_derivation() -> None:
    """Fails when the normaliser, a list file or a dependency changed since: run scripts/derive_normal_forms.py."""
    bundled = json.loads(gzip.decompress(data_path(normal_forms.FILE_NAME).read_bytes()))
    assert bundled == normal_forms.derived(default_spellings())


def test_forms_read_back_equal_the_normaliser(tmp_path: Path) -> None:
    path = tmp_path / "forms.json.gz"
    path.write_bytes(normal_forms.encoded(normal_forms.derived(AWKWARD)))
    read = normal_forms.read(path)
    assert list(read) == AWKWARD
    assert all(read[name] == normalize(name) for name in AWKWARD)
    assert read["华为技术有限公司"].cross_script and read["Huаwei Tech\u200bnologies"].cleaned
    assert read["Acme Intl Trading"].raw_tokens != read["Acme Intl Trading"].tokens


def test_forms_of_another_normaliser_are_not_used(tmp_path: Path) -> None:
    document = normal_forms.derived(AWKWARD)
    path = tmp_path / "forms.json.gz"
    path.write_bytes(normal_forms.encoded({**document, "fingerprint": "another normaliser"}))
    assert normal_forms.read(path) == {}
    assert normal_forms.read(tmp_path / "missing.json.gz") == {}


def test_normalize_answers_from_forms_ahead_only_inside_the_block(tmp_path: Path) -> None:
    inside, after = "Zyxwvut Ahead Inside Trading", "Zyxwvut Ahead After Trading"  # asked nowhere else
    path = tmp_path / "forms.json.gz"
    path.write_bytes(normal_forms.encoded(normal_forms.derived([inside, after])))
    ahead = normal_forms.read(path)
    with normalized_ahead(ahead):
        assert normalize(inside) is ahead[inside]
    assert normalize(after) is not ahead[after]
    assert normalize(after) == ahead[after]


def test_an_index_built_from_forms_ahead_is_the_same(tmp_path: Path) -> None:
    snapshot = counter_lists_snapshot()
    natives = native_names_for(snapshot)
    path = tmp_path / "forms.json.gz"
    path.write_bytes(normal_forms.encoded(normal_forms.derived(normal_forms.spellings(snapshot, natives))))
    normalize.cache_clear()  # every name normalised again, or read from the forms
    with normalized_ahead(normal_forms.read(path)):
        ahead = Screener(snapshot, natives).learn_vocabulary()
    normalize.cache_clear()
    assert structural_digest(ahead) == structural_digest(Screener(snapshot, natives).learn_vocabulary())
