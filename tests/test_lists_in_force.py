"""Screening follows the lists loaded into the database: the bundled lists until one is loaded, then the new one."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import weakref
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import exportguard
from exportguard.api.app import served_app
from exportguard.cli.app import load_commands
from exportguard.lists import ecfr_entity_list
from exportguard.lists.bundled import bundled_parts, default_snapshot
from exportguard.lists.model import ListSnapshot
from exportguard.matching.screener import default_screener
from exportguard.store.base import DATABASE_URL_ENV, Base, make_engine, session_factory, transaction
from exportguard.store.list_store import record_version
from exportguard.store.migrate import import_table_modules
from exportguard.store.screeners import ListsInForce, screener_for


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'lists.db'}"


def _load(url: str, path: Path) -> str:
    import_table_modules()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with transaction(session_factory(engine)) as session:
        # A 12-entry excerpt is far below the bundled Entity List: only an override puts it in force.
        return record_version(session, ecfr_entity_list.load(path), "test",
                              force_reason="12-entry test excerpt").version_id


def _with_bundle(version: str) -> str:
    """The layered id: the loaded EL and every bundled part but the bundled EL."""
    others = [part.version.id for part in bundled_parts() if part.version.source != "el"]
    return "combined@" + "+".join(sorted([version, *others]))


def test_bundled_list_until_one_is_loaded_then_the_loaded_one(database: str, fixtures: Path) -> None:
    clock = Clock()
    lists = ListsInForce(session_factory(make_engine(database)), refresh_seconds=30, clock=clock)
    assert lists.screener().list_version == default_snapshot().version.id  # no schema yet
    version = _load(database, fixtures / "bis_entity_list_excerpt.json")
    assert lists.screener().list_version == default_snapshot().version.id  # not looked again yet
    screener = lists.screener(fresh=True)  # looked now, as after loading a list
    assert screener.list_version == _with_bundle(version)
    clock.now = 31
    assert lists.screener() is screener
    assert screener.screen("Fazal Rahim Farid")[0].party.list_code == "EL"
    # The loaded Entity List replaces the bundled one; the other bundled lists stay.
    excerpt = {party.key for party in ecfr_entity_list.load(fixtures / "bis_entity_list_excerpt.json").parties}
    huawei = screener.screen("Huawei Technologies Co., Ltd.", lists={"EL"})
    assert huawei and {hit.party.key for hit in huawei} <= excerpt
    assert screener.screen("Bank Melli Iran", lists={"SDN"})
    clock.now = 62
    assert lists.screener() is screener  # same versions in force: no rebuild


def test_a_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    assert screener_for(f"sqlite:///{missing}").list_version == default_snapshot().version.id
    assert not missing.exists()


def test_cli_screen_and_check_use_the_loaded_list(database: str, fixtures: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    version = _load(database, fixtures / "bis_entity_list_excerpt.json")
    monkeypatch.setenv("EXPORTGUARD_DATABASE_URL", database)
    result = CliRunner().invoke(load_commands(), ["screen", "Fazal Rahim Farid", "--format", "json"])
    assert result.exit_code == 1, result.output  # 1: at least one hit
    document = json.loads(result.stdout)
    combined = _with_bundle(version)
    assert document["list_version"] == combined and document["hits"]
    assert {hit["list_version"] for hit in document["hits"]} == {combined}
    checked = CliRunner().invoke(load_commands(), ["check", str(Path(__file__).parents[1] / "examples" /
                                                                "huawei_memory_2019-11-10.yaml"), "--format", "json"])
    assert json.loads(checked.stdout)["list_versions"] == [combined]


def _collectable(thing: object) -> bool:
    """True when the garbage collector still walks the object (it is in no frozen, permanent generation)."""
    return any(candidate is thing for candidate in gc.get_objects())


def test_the_library_screener_is_frozen_out_of_the_collectors_reach() -> None:
    """A full collection over the index lands on some query otherwise (bench/latency.py measures it)."""
    exportguard.screen("Huawei Technologies")
    assert gc.get_freeze_count() > 0
    assert not _collectable(default_screener().index.variants)


_FIRST_BUILD = """
import gc, json
from exportguard.heap import built_frozen
started = []
gc.callbacks.append(lambda phase, info: phase == "start" and started.append(info["generation"]))
def build():
    made = [[number] for number in range(200_000)]
    started.clear()
    return made
built = built_frozen(build)
[[number] for number in range(100)]  # a few allocations after the build (fewer than start a collection)
print(json.dumps({"collections_after_the_build": started, "frozen": gc.get_freeze_count()}))
"""


def test_a_first_build_is_frozen_with_no_collection_walking_it() -> None:
    """The build's allocations count against the youngest generation while the collector is paused: frozen only
    after it is back, the next allocation collected that generation, the whole new index (about half a second
    for the bundled lists). A fresh process, as this one's heap is frozen already."""
    done = subprocess.run([sys.executable, "-c", _FIRST_BUILD], capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout)
    assert figures["collections_after_the_build"] == []
    assert figures["frozen"] >= 200_000


def test_a_swapped_index_is_frozen_and_the_one_it_replaced_is_freed(database: str, fixtures: Path) -> None:
    _load(database, fixtures / "bis_entity_list_excerpt.json")
    clock = Clock()
    lists = ListsInForce(session_factory(make_engine(database)), refresh_seconds=30, clock=clock)
    first = weakref.ref(lists.screener())
    first_version = lists.screener().list_version
    assert not _collectable(lists.screener().index.variants)
    excerpt = ecfr_entity_list.load(fixtures / "bis_entity_list_excerpt.json")
    with transaction(session_factory(make_engine(database))) as session:
        record_version(session, ListSnapshot(replace(excerpt.version, content_hash="1" * 64), excerpt.parties[1:]),
                       "test", force_reason="the excerpt less one entry")
    clock.now += 31
    swapped = lists.screener()
    assert swapped.list_version != first_version
    assert excerpt.parties[0].key not in {party.key for party in swapped.parties}
    assert not _collectable(swapped.index.variants)
    assert first() is None  # unfrozen, collected: a server refreshing daily does not keep every old index


def test_the_served_app_builds_and_freezes_its_index_at_start_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`exportguard serve` runs served_app: no query waits for the index, or for a walk over it."""
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'served.db'}")
    app = served_app()
    assert app.state.lists._screener is None
    with TestClient(app):
        built = app.state.lists._screener
        assert built is not None
        assert not _collectable(built.index.variants)
    app.state.engine.dispose()


def test_the_served_app_freezes_what_its_first_request_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The framework builds its routing on the first request, after the start-up froze the index (about 19,000
    objects): left to the collector, every full collection of the server would walk them."""
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'served.db'}")
    app = served_app()
    built_on_first_use: list[list[str]] = []

    @app.get("/lazily-built")
    def lazily_built() -> dict[str, int]:
        built_on_first_use.append(["routing", "validators"])  # what a first request leaves alive
        return {"built": len(built_on_first_use)}

    with TestClient(app) as client:
        assert client.get("/lazily-built").json() == {"built": 1}
        assert not _collectable(built_on_first_use[0])
        assert client.get("/lazily-built").json() == {"built": 2}
        assert _collectable(built_on_first_use[1])  # frozen once, not after every request
    app.state.engine.dispose()
