"""The build cache (exportguard.buildcache): a cached index is served only when built from the same inputs by
the same code, anything else is rebuilt with identical results, and the cache lives in a private directory."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exportguard import buildcache
from exportguard.buildcache import CACHE_DIR_ENV, CACHE_SWITCH_ENV, build_key, cached_build, finish_writing
from exportguard.lists import csl
from exportguard.lists.bundled import matching_reference, reference_inputs
from exportguard.lists.model import ListSnapshot
from exportguard.matching import screener as screener_module
from exportguard.matching.gazetteer import native_names_for
from exportguard.matching.normalize import normalizer_fingerprint
from exportguard.matching.screener import Screener
from tests.structure import structural_digest

GOLDEN_QUERIES = [case["query"] for case in json.loads(
    (Path(__file__).parent / "golden" / "screening_scores.json").read_text(encoding="utf-8"))]
EXCERPT_QUERIES = ["Huawei Technologies", "Huawai Technolgies Co Ltd", "Rosoboronexport", "Mahan Air", "Acme Widgets"]


class Builds:
    """A build of the screener over a list file that counts how often it ran."""

    def __init__(self, list_file: Path):
        self.list_file = list_file
        self.count = 0

    def __call__(self) -> Screener:
        self.count += 1
        return Screener(csl.load(self.list_file))


def _answers(built: Screener, queries: list[str]) -> list[list[object]]:
    return [[(hit.party, hit.score, hit.features, hit.matched_name) for hit in built.screen(query, threshold=0.7)]
            for query in queries]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    monkeypatch.delenv(CACHE_SWITCH_ENV, raising=False)
    return folder


@pytest.fixture
def list_file(tmp_path: Path, fixtures: Path) -> Path:
    copied = tmp_path / "list.csv"
    shutil.copy(fixtures / "csl_excerpt.csv", copied)
    return copied


def test_a_second_build_from_the_same_inputs_is_read_back_and_answers_identically(cache: Path, list_file: Path) -> None:
    builds = Builds(list_file)
    key = build_key([list_file], "fingerprint")
    first = cached_build("excerpt", key, builds)
    again = cached_build("excerpt", key, builds)
    assert builds.count == 1
    assert again is not first
    assert _answers(again, EXCERPT_QUERIES) == _answers(first, EXCERPT_QUERIES)
    assert any(_answers(first, EXCERPT_QUERIES))


def test_the_bundled_reference_screener_read_back_answers_the_golden_queries_as_built(screener: Screener) -> None:
    """The session's reference screener wrote the cache (or read it); read back, every answer is the same."""
    key = build_key(reference_inputs(), normalizer_fingerprint())
    finish_writing()  # the session's build may have left the file to a background writer
    before = (Path(os.environ[CACHE_DIR_ENV]) / "reference-screener.pickle").read_bytes()

    def unexpected() -> Screener:
        raise AssertionError("the cache written by this session's build was not served")

    read_back = cached_build("reference-screener", key, unexpected)
    assert read_back is not screener
    assert _answers(read_back, GOLDEN_QUERIES) == _answers(screener, GOLDEN_QUERIES)
    assert before.startswith(b"exportguard build cache")


def test_a_screener_read_back_holds_exactly_what_the_cold_build_made(cache: Path) -> None:
    """Every attribute of the snapshot, the index and its learnt vocabulary, in order (tests/structure.py)."""
    snapshot = matching_reference()
    cold = Screener(snapshot, native_names_for(snapshot)).learn_vocabulary()
    key = build_key(reference_inputs(), "fingerprint")
    cached_build("reference", key, lambda: cold)

    def unexpected() -> Screener:
        raise AssertionError("the cache just written was not served")

    read_back = cached_build("reference", key, unexpected)
    assert read_back is not cold
    assert structural_digest(read_back) == structural_digest(cold)
    read_back.index.word_facts.popitem()
    assert structural_digest(read_back) != structural_digest(cold)


needs_fork = pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="no safe fork here")


@pytest.fixture
def idle_threads_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads earlier tests left idle (a test client's) would make these writes fall back to the foreground."""
    monkeypatch.setattr(buildcache.threading, "active_count", lambda: 1)


@needs_fork
@pytest.mark.usefixtures("idle_threads_ignored")
def test_a_background_write_is_finished_by_a_child_and_then_read_back(cache: Path, list_file: Path) -> None:
    builds = Builds(list_file)
    key = build_key([list_file], "fingerprint")
    built = cached_build("excerpt", key, builds, in_background=True)
    assert set(buildcache._WRITERS) == {cache / "excerpt.pickle"}
    again = cached_build("excerpt", key, builds, in_background=True)  # waits for the write, then reads it
    assert builds.count == 1
    assert not buildcache._WRITERS
    assert _answers(again, EXCERPT_QUERIES) == _answers(built, EXCERPT_QUERIES)
    assert stat.S_IMODE((cache / "excerpt.pickle").stat().st_mode) == 0o600
    assert not list(cache.glob(".excerpt.pickle.*"))  # no temporary file left behind


@needs_fork
@pytest.mark.usefixtures("idle_threads_ignored")
def test_finish_writing_waits_until_the_writer_has_exited(cache: Path, list_file: Path) -> None:
    cached_build("excerpt", build_key([list_file]), Builds(list_file), in_background=True)
    pipe = buildcache._WRITERS[cache / "excerpt.pickle"]
    finish_writing()
    assert not buildcache._WRITERS
    with pytest.raises(OSError):
        os.fstat(pipe)  # closed: its write end, held by the writer alone, had ended
    assert (cache / "excerpt.pickle").stat().st_size > 0


def test_where_no_child_can_write_the_file_is_written_before_returning(
        cache: Path, list_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(buildcache, "writes_in_background", lambda: False)
    builds = Builds(list_file)
    key = build_key([list_file])
    cached_build("excerpt", key, builds, in_background=True)
    assert not buildcache._WRITERS
    assert (cache / "excerpt.pickle").stat().st_size > 0
    cached_build("excerpt", key, builds)
    assert builds.count == 1


def test_no_background_write_while_other_threads_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(buildcache.threading, "active_count", lambda: 2)
    assert not buildcache.writes_in_background()


def _append_to_list(list_file: Path) -> None:
    with list_file.open("a", encoding="utf-8") as out:
        out.write("\n")


def _corrupt_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


def _delete(path: Path) -> None:
    path.unlink()


def _valid_checksum_but_not_a_pickle(path: Path) -> None:
    data = path.read_bytes()
    header = data[: data.index(b"\n", len(buildcache._MAGIC)) + 1]
    payload = b"not a pickle"
    path.write_bytes(header + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


CACHE_DAMAGE: list[tuple[str, Callable[[Path], None]]] = [
    ("a byte flipped", _corrupt_a_byte),
    ("cut to half", _truncate),
    ("emptied", _empty),
    ("random bytes", _garbage),
    ("deleted", _delete),
    ("checksum right, payload not a pickle", _valid_checksum_but_not_a_pickle),
]


@pytest.mark.parametrize("damage", [damage for _name, damage in CACHE_DAMAGE], ids=[name for name, _ in CACHE_DAMAGE])
def test_a_damaged_cache_file_is_rebuilt_with_identical_answers_and_written_again(
        cache: Path, list_file: Path, damage: Callable[[Path], None]) -> None:
    builds = Builds(list_file)
    key = build_key([list_file], "fingerprint")
    built = cached_build("excerpt", key, builds)
    damage(cache / "excerpt.pickle")
    rebuilt = cached_build("excerpt", key, builds)
    assert builds.count == 2
    assert _answers(rebuilt, EXCERPT_QUERIES) == _answers(built, EXCERPT_QUERIES)
    cached_build("excerpt", key, builds)
    assert builds.count == 2  # the rebuilt one was written back whole


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.floats(0, 1, exclude_max=True), flip=st.integers(1, 255), cut=st.booleans())
def test_any_single_corruption_or_truncation_is_never_served(
        list_file: Path, monkeypatch: pytest.MonkeyPatch, position: float, flip: int, cut: bool) -> None:
    builds = Builds(list_file)
    with tempfile.TemporaryDirectory() as folder:
        monkeypatch.setenv(CACHE_DIR_ENV, folder)
        key = build_key([list_file], "fingerprint")
        cached_build("excerpt", key, builds)
        path = Path(folder) / "excerpt.pickle"
        data = bytearray(path.read_bytes())
        at = int(position * len(data))
        path.write_bytes(bytes(data[:at]) if cut else bytes(data[:at]) + bytes([data[at] ^ flip]) + bytes(data[at + 1:]))
        cached_build("excerpt", key, builds)
    assert builds.count == 2


def test_a_changed_list_file_changes_the_key_and_is_rebuilt_from_the_new_bytes(cache: Path, list_file: Path) -> None:
    builds = Builds(list_file)
    before = cached_build("excerpt", build_key([list_file], "fingerprint"), builds)
    lines = list_file.read_text(encoding="utf-8").splitlines(keepends=True)
    list_file.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")  # one entry fewer
    after = cached_build("excerpt", build_key([list_file], "fingerprint"), builds)
    assert builds.count == 2
    assert len(after.parties) == len(before.parties) - 1
    assert _answers(after, EXCERPT_QUERIES) == _answers(Screener(csl.load(list_file)), EXCERPT_QUERIES)


@pytest.mark.parametrize("change", ["list file", "fingerprint", "code"])
def test_the_key_changes_with_every_input(list_file: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    before = build_key([list_file], "fingerprint")
    assert build_key([list_file], "fingerprint") == before
    if change == "list file":
        _append_to_list(list_file)
    elif change == "code":
        monkeypatch.setattr(buildcache, "code_hash", lambda: "another version of the package")
    after = build_key([list_file], "another fingerprint" if change == "fingerprint" else "fingerprint")
    assert after != before


def test_a_changed_normaliser_fingerprint_rebuilds_the_bundled_screener(
        cache: Path, list_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[Path] = []

    def snapshot_of() -> ListSnapshot:
        loads.append(list_file)
        return csl.load(list_file)

    first = screener_module._bundled_screener("bundled", snapshot_of, [list_file])
    screener_module._bundled_screener("bundled", snapshot_of, [list_file])
    assert len(loads) == 1
    monkeypatch.setattr(screener_module, "normalizer_fingerprint", lambda: "normalisation changed")
    rebuilt = screener_module._bundled_screener("bundled", snapshot_of, [list_file])
    assert len(loads) == 2
    assert _answers(rebuilt, EXCERPT_QUERIES) == _answers(first, EXCERPT_QUERIES)


def test_the_cache_directory_is_created_private(cache: Path, list_file: Path) -> None:
    cached_build("excerpt", build_key([list_file]), Builds(list_file))
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE((cache / "excerpt.pickle").stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o777, 0o755, 0o770, 0o701])
def test_a_directory_others_can_reach_is_neither_read_nor_written(
        cache: Path, list_file: Path, mode: int) -> None:
    cache.mkdir(mode=0o700)
    builds = Builds(list_file)
    key = build_key([list_file])
    cached_build("excerpt", key, builds)
    cache.chmod(mode)
    cached_build("excerpt", key, builds)
    (cache / "excerpt.pickle").unlink()
    cached_build("excerpt", key, builds)
    assert builds.count == 3
    assert not (cache / "excerpt.pickle").exists()


def test_a_cache_file_others_can_write_is_not_read(cache: Path, list_file: Path) -> None:
    builds = Builds(list_file)
    key = build_key([list_file])
    cached_build("excerpt", key, builds)
    (cache / "excerpt.pickle").chmod(0o666)
    cached_build("excerpt", key, builds)
    assert builds.count == 2


def test_the_cache_can_be_switched_off(cache: Path, list_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_SWITCH_ENV, "off")
    builds = Builds(list_file)
    key = build_key([list_file])
    cached_build("excerpt", key, builds)
    cached_build("excerpt", key, builds)
    assert builds.count == 2
    assert not cache.exists()


def test_the_default_directory_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    monkeypatch.delenv(CACHE_SWITCH_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert buildcache.cache_dir() == tmp_path / "exportguard"


def test_without_a_home_directory_the_index_is_built_and_nothing_written(
        list_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (CACHE_DIR_ENV, CACHE_SWITCH_ENV, "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    builds = Builds(list_file)
    cached_build("excerpt", build_key([list_file]), builds)
    assert builds.count == 1
