"""`lists fetch` against a local server serving the real list files, with the faults real servers have.

Nothing here reaches the internet: every source URL is pointed at the local server by its setting.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from list_server import ListServer, start
from sqlalchemy import select
from typer.testing import CliRunner

from exportguard.lists.bundled import data_path
from exportguard.lists.fetch import FetchSettings
from exportguard.lists.sources import SOURCES
from exportguard.store import audit
from exportguard.store.base import Base, make_engine, session_factory
from exportguard.store.list_fetch import FetchOutcome, fetch_lists
from exportguard.store.list_store import versions
from exportguard.store.migrate import import_table_modules
from exportguard.store.monitoring import ListFetchRecord

FIXTURES = Path(__file__).parent / "fixtures"
FAST = FetchSettings(timeout=0.5, retries=2, backoff=0.01)
UN_XML = gzip.decompress(data_path("un_consolidated_2026-02.xml.gz").read_bytes())
UN_PATH = "/un/consolidated.xml"


def _ungzip(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes())


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ListServer]:
    state = ListServer(files={
        UN_PATH: UN_XML,
        "/csl/consolidated.csv": (FIXTURES / "csl_excerpt.csv").read_bytes(),
        **{f"/ofac/{name.upper()}.CSV": _ungzip(data_path("ofac_cons_2025-12") / f"{name}.csv.gz")
           for name in ("cons_prim", "cons_alt", "cons_add", "cons_comments")},
        **{f"/ofac/{name.upper()}.CSV": _ungzip(FIXTURES / "ofac_sdn_2021-07" / f"{name}.csv.gz")
           for name in ("sdn", "alt", "add")},
        "/ofac/SDN_COMMENTS.CSV": _ungzip(FIXTURES / "ofac_sdn_2021-07_comments" / "sdn_comments.csv.gz"),
    })
    httpd = start(state)
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    for code, folder in (("UN", "un"), ("CSL", "csl"), ("SDN", "ofac"), ("CONS", "ofac")):
        monkeypatch.setenv(f"EXPORTGUARD_FETCH_URL_{code}", f"{state.url}/{folder}/")
    yield state
    httpd.shutdown()


@pytest.fixture
def factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    import_table_modules()
    engine = make_engine(f"sqlite:///{tmp_path / 'fetch.db'}")
    Base.metadata.create_all(engine)
    return session_factory(engine)


def _fetch(factory, tmp_path: Path, code: str, **options) -> FetchOutcome:  # type: ignore[no-untyped-def]
    options.setdefault("settings", FAST)
    return fetch_lists(factory, [SOURCES[code]], "tester", tmp_path / "cache", **options)[0]


def _attempt(factory, url: str) -> ListFetchRecord:  # type: ignore[no-untyped-def]
    with factory() as session:
        record = session.get(ListFetchRecord, url)
        assert record is not None
        return record


def test_fetch_loads_records_the_hash_and_a_304_changes_nothing(server, factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = _fetch(factory, tmp_path, "un")
    assert (first.outcome, first.version_id) == ("loaded", "un@66b392a40908")
    attempt = _attempt(factory, server.url + UN_PATH)
    assert attempt.sha256 == hashlib.sha256(UN_XML).hexdigest() and attempt.etag == server.etag(UN_PATH)
    with factory() as session:
        [version] = versions(session)
        assert version.as_of == date(2026, 5, 28)  # the server's Last-Modified
        assert version.origin == server.url + UN_PATH
    second = _fetch(factory, tmp_path, "un")
    assert second.outcome == "unchanged" and "304" in second.message
    assert server.requests[-1][1].get("If-None-Match") == server.etag(UN_PATH)
    with factory() as session:
        assert len(versions(session)) == 1
        loads = session.scalars(select(audit.AuditRecord).where(audit.AuditRecord.action == "list.version_loaded"))
        assert len(list(loads)) == 1


@pytest.mark.parametrize("fault", ["500", "timeout", "reset", "truncated"])
def test_a_transient_fault_is_retried(server, factory, tmp_path, fault: str) -> None:  # type: ignore[no-untyped-def]
    server.fail(UN_PATH, fault)
    outcome = _fetch(factory, tmp_path, "un")
    assert outcome.outcome == "loaded", outcome.message
    assert [path for path, _ in server.requests].count(UN_PATH) == 2


@pytest.mark.parametrize(("fault", "message"), [
    ("500", "HTTP 500 (gave up after 3 attempts)"),
    ("truncated", "gave up after 3 attempts"),
    ("html", "an HTML page, not a list file"),
    ("no_length_cut", "cut short"),
])
def test_a_bad_download_leaves_the_version_in_force(server, factory, tmp_path, fault: str, message: str) -> None:  # type: ignore[no-untyped-def]
    assert _fetch(factory, tmp_path, "un").outcome == "loaded"
    server.files[UN_PATH] = UN_XML.replace(b"ERIC", b"ERIK", 1)  # a new edition is out
    server.fail(UN_PATH, fault, fault, fault)
    outcome = _fetch(factory, tmp_path, "un")
    assert outcome.outcome in ("failed", "refused") and message in outcome.message
    assert _attempt(factory, server.url + UN_PATH).outcome == outcome.outcome
    with factory() as session:
        assert [v.id for v in versions(session) if v.current] == ["un@66b392a40908"]
    server.faults[UN_PATH].clear()  # the server recovers
    assert _fetch(factory, tmp_path, "un").outcome == "loaded"  # the next attempt fetches the new edition


def test_wrong_encoding_is_refused_by_the_loader(server, factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server.files["/csl/consolidated.csv"] = (FIXTURES / "csl_excerpt.csv").read_text(encoding="utf-8").encode("utf-16")
    outcome = _fetch(factory, tmp_path, "csl")
    assert outcome.outcome == "refused" and "not valid utf-8-sig text" in outcome.message
    prim = "/ofac/CONS_PRIM.CSV"
    server.files[prim] = server.files[prim].decode("cp1252").encode("utf-16")
    outcome = _fetch(factory, tmp_path, "cons")
    assert outcome.outcome == "refused" and "NUL bytes" in outcome.message


def test_a_fetched_file_goes_through_the_guard(server, factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A 23-row CSL served as the whole list: refused against the bundled lists, unless an admin forces it."""
    outcome = _fetch(factory, tmp_path, "csl")
    assert outcome.outcome == "refused" and "list_shrank [EL]: 5 entries where there were 3,409" in outcome.message
    with factory() as session:
        assert versions(session) == []
        refusal = session.scalars(select(audit.AuditRecord)).one()
        assert refusal.action == "list.version_refused" and refusal.details["failed_checks"]
    forced = _fetch(factory, tmp_path, "csl", force_reason="a test excerpt")
    assert forced.outcome == "loaded"
    assert "If-None-Match" not in server.requests[-1][1]  # the refused copy was not kept as the last good one


def test_a_missing_file_of_an_ofac_set_fails_the_set(server, factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    del server.files["/ofac/ADD.CSV"]
    outcome = _fetch(factory, tmp_path, "sdn")
    assert outcome.outcome == "failed" and "ADD.CSV: HTTP 404" in outcome.message


def test_the_size_limit(server, factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    outcome = _fetch(factory, tmp_path, "un", settings=FetchSettings(max_bytes=100_000, retries=0))
    assert outcome.outcome == "failed" and "more than the limit of 100,000" in outcome.message


def test_the_whole_ofac_non_sdn_set_is_fetched_and_loaded(server, factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    outcome = _fetch(factory, tmp_path, "cons")
    assert outcome.outcome == "loaded" and outcome.version_id == "cons@8c11b5ad7560"


def test_cli_fetch_then_rescreen_and_status(server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from exportguard.cli.app import load_commands

    monkeypatch.setenv("EXPORTGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("EXPORTGUARD_FETCH_DIR", str(tmp_path / "cache"))
    app, runner = load_commands(), CliRunner()
    customers = tmp_path / "customers.csv"
    customers.write_text("id,name\nK-1,Eric Badege\nK-2,Volvo Cars AB\n", encoding="utf-8")
    assert runner.invoke(app, ["customers", "import", str(customers)]).exit_code == 0
    fetched = runner.invoke(app, ["lists", "fetch", "--source", "un", "--then-rescreen", "--format", "json"])
    assert fetched.exit_code == 0, fetched.output
    document = json.loads(fetched.stdout)
    assert document["sources"][0]["outcome"] == "loaded" and document["rescreen"]["new"] >= 1
    status = json.loads(runner.invoke(app, ["lists", "status", "--format", "json"]).stdout)
    un = next(row for row in status["lists"] if row["list"] == "UN")
    assert (un["as_of"], un["entries"], un["provenance"]) == ("2026-05-28", 1003, server.url + UN_PATH)
    assert status["fetches"][0]["outcome"] == "loaded"
    bad = runner.invoke(app, ["lists", "fetch", "--source", "nowhere"])
    assert bad.exit_code == 2


def test_cli_fetch_then_rescreen_fails_while_a_stored_customer_cannot_be_screened(  # type: ignore[no-untyped-def]
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cron job's command: a customer the re-screen could not screen is listed INDETERMINATE and fails the run."""
    from exportguard.cli.app import load_commands
    from exportguard.store.monitoring import CustomerRecord
    from exportguard.store.writes import write_transaction

    database = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("EXPORTGUARD_DATABASE_URL", database)
    monkeypatch.setenv("EXPORTGUARD_FETCH_DIR", str(tmp_path / "cache"))
    app, runner = load_commands(), CliRunner()
    customers = tmp_path / "customers.csv"
    customers.write_text("id,name\nK-1,Eric Badege\n", encoding="utf-8")
    assert runner.invoke(app, ["customers", "import", str(customers)]).exit_code == 0
    with write_transaction(session_factory(make_engine(database))) as session:  # past the import's checks
        session.add(CustomerRecord(external_ref="K-2", name="Acme Trading", country="XX"))
    fetched = runner.invoke(app, ["lists", "fetch", "--source", "un", "--then-rescreen", "--format", "json"])
    assert fetched.exit_code == 1, fetched.output
    document = json.loads(fetched.stdout)
    assert document["sources"][0]["outcome"] == "loaded" and document["rescreen"]["new"] >= 1
    assert [(c["customer"], c["reason"][-8:]) for c in document["rescreen"]["unscreenable_customers"]] == [
        ("K-2", "got 'XX'")]


def test_a_scheduled_refresh_fetches_every_source_and_reports_its_outcome(server, factory, tmp_path,  # type: ignore[no-untyped-def]
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from exportguard.store.refresh import refresh_once, schedule_status
    from exportguard.store.screeners import ListsInForce

    monkeypatch.setenv("EXPORTGUARD_FETCH_DIR", str(tmp_path / "cache"))
    with factory() as session:
        assert schedule_status(session) == {"enabled": False, "every_hours": None,
                                            "setting": "EXPORTGUARD_REFRESH_HOURS", "last": None}

    def built_again(snapshot: object) -> None:
        raise AssertionError("the re-screen indexed the lists in force again")

    # The re-screen screens with the server's screener, brought up to the lists just loaded.
    monkeypatch.setattr("exportguard.store.customer_store.with_native_names", built_again)
    record = refresh_once(factory, ListsInForce(factory))
    outcomes = {row["source"]: row["outcome"] for row in record["sources"]}
    # The 23-row CSL excerpt and the 2021 SDN are refused against the bundled lists; UN and non-SDN load.
    assert outcomes == {"csl": "refused", "sdn": "refused", "cons": "loaded", "un": "loaded"}
    assert record["outcome"] == "attention" and record["rescreen"]["customers"] == 0
    monkeypatch.setenv("EXPORTGUARD_REFRESH_HOURS", "24")
    with factory() as session:
        status = schedule_status(session)
    assert status["enabled"] and status["every_hours"] == 24.0
    assert status["last"]["outcome"] == "attention" and len(status["last"]["sources"]) == 4
