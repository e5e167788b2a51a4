"""A day's console work over HTTP (no browser, run by default): batches that survive a restart, safe bulk
dispositions, undo and party history, the check form's traps, list diffs, applications and licenses,
exports, the trade.gov-style search and the offline API docs."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from console_support import FIXTURES, users
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exportguard.api.app import create_app
from exportguard.lists import ecfr_entity_list
from exportguard.lists.bundled import data_path
from exportguard.lists.csl import load as load_csl
from exportguard.store.base import make_engine, session_factory
from exportguard.store.list_store import record_version
from exportguard.store.migrate import upgrade
from exportguard.web import dispositions
from exportguard.web.batch_pages import JOBS
from exportguard.web.exports import csv_text

CUSTOMERS = Path(__file__).parents[2] / "examples" / "customers.csv"


@pytest.fixture(scope="module")
def client(database: tuple[str, dict[str, str]]) -> Iterator[TestClient]:
    with TestClient(create_app(database[0])) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def reviewer(client: TestClient, database: tuple[str, dict[str, str]]) -> str:
    """Signs the module's client in as the reviewer; returns the CSRF token."""
    return sign_in(client, database[1], "reviewer")


@pytest.fixture(scope="module")
def batch(client: TestClient, reviewer: str) -> str:
    """examples/customers.csv uploaded and screened; returns the queue's path."""
    response = client.post("/console/batch", data={"csrf": reviewer}, follow_redirects=False,
                           files={"customers": ("customers.csv", CUSTOMERS.read_bytes(), "text/csv")})
    assert response.status_code == 303
    path = response.headers["location"]
    for _ in range(300):
        if client.get(f"{path}/progress").json()["finished"]:
            break
        time.sleep(0.05)
    for _ in range(100):  # the finished batch is saved by the screening thread
        if "open hit" in client.get(path).text:
            return str(path)
        time.sleep(0.05)
    raise AssertionError("the batch did not finish")


def sign_in(client: TestClient, keys: dict[str, str], role: str) -> str:
    response = client.post("/console/login", data={"name": f"{role}1", "api_key": keys[role]})
    assert response.status_code == 200
    return re.findall(r'name="csrf" value="([^"]+)"', response.text)[0]


def selectable(html: str) -> list[str]:
    return re.findall(r'name="selected" value="([^"]+)"', html)


# Runs before the bulk disposition below decides most of the EL hits.
def test_the_open_queue_shows_one_group_per_customer_and_listed_entity(client: TestClient, batch: str) -> None:
    page = client.get(f"{batch}?min_score=0.5").text
    lines = re.findall(r'name="selected" value="[^"]+" id="sel-\d+000"', page)  # a group's own box
    counted = re.search(r"Showing 1–(\d+) of (\d+) groups \((\d+) hits\)", page)
    assert counted and 'data-group="' in page, "the open queue names its groups and counts them"
    shown, groups, hits = map(int, counted.groups())
    assert shown == groups == len(lines) and hits == len(selectable(page)) > groups
    huawei = re.search(r"<summary>(HUAWEI TECHNOLOGIES CO\., LTD\.[^<]*)</summary>", page, re.IGNORECASE)
    assert huawei and re.search(r"\(\d+ listed rows\)", huawei.group(1))  # one entity listed at several addresses
    assert "Zhejiang Dahua Technology" in page  # not pushed off the page by one customer's Huawei rows


def test_bulk_disposition_is_counted_leaves_exact_matches_out_and_needs_confirmation(client: TestClient, reviewer: str,
                                                                                   batch: str) -> None:
    queue = client.get(f"{batch}?list_code=EL").text
    chosen = selectable(queue)
    exact = set(re.findall(r'name="selected" value="([^"]+)" id="sel-\d+" data-exact="1"', queue))
    assert exact and len(chosen) > len(exact)
    form = {"csrf": reviewer, "decision": "false_positive", "reason": "not the listed parties", "selected": chosen,
            "back": "min_score=0.8&list_code=EL"}
    preview = client.post(f"{batch}/dispositions", data=form)
    count = len(chosen) - len(exact)
    assert f"Confirm: False positive for {count} hits" in preview.text
    assert f"{len(exact)} exact (1.00) match" in preview.text
    assert set(selectable(preview.text)) == set(chosen) - exact
    assert "Decided hits (0)" in client.get(batch).text  # nothing recorded by the preview
    stale = client.post(f"{batch}/dispositions", data={**form, "confirmed": str(count + 1)})
    assert "The selection changed" in stale.text and "Decided hits (0)" in client.get(batch).text
    done = client.post(f"{batch}/dispositions", data={**form, "confirmed": str(count)}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, f"{batch}?min_score=0.8&list_code=EL")
    after = client.get(f"{batch}?list_code=EL").text
    assert set(selectable(after)) == exact
    assert f"Decided hits ({count})" in after
    decided = client.get(f"{batch}?view=decided&list_code=EL").text
    assert decided.count(">Undo</button>") == count


def test_stored_customers_hits_are_grouped_per_customer_and_listed_entity(database: tuple, client: TestClient,
                                                                         reviewer: str) -> None:
    from typer.testing import CliRunner

    from exportguard.cli.app import load_commands

    # The Entity List alone in the store (Huawei's affiliates, Dahua): recording all the bundled lists, as a
    # first re-screen does, took most of this test's time and is tested in the CLI monitor tests.
    with session_factory(make_engine(database[0]))() as db, db.begin():
        record_version(db, ecfr_entity_list.load(data_path("ecfr_entity_list_2026-07.json.gz")), "test")
    cli, target = load_commands(), ["--database-url", database[0]]
    assert CliRunner().invoke(cli, ["customers", "import", str(CUSTOMERS), *target]).exit_code == 0
    assert CliRunner().invoke(cli, ["rescreen", "--processes", "1", *target]).exit_code == 0
    page = client.get("/console/hits").text
    counted = re.search(r"Showing 1–(\d+) of (\d+) groups \((\d+) hits\)", page)
    assert counted, "the queue counts its groups and hits"
    shown, groups, hits = map(int, counted.groups())
    assert shown == groups == page.count('<tbody class="hit-group">') < hits == page.count('name="verdict"')
    labels = re.findall(r'<strong class="group-label">([^<]+)</strong>', page)
    assert len(labels) == groups and any("listed rows" in label or "listed affiliate" in label for label in labels)
    assert "Zhejiang Dahua Technology" in page  # its own group, not pushed off the page by Huawei's rows


def test_the_hits_page_names_the_stored_customers_the_last_rescreen_could_not_screen(
    database: tuple, client: TestClient, reviewer: str
) -> None:
    from typer.testing import CliRunner

    from exportguard.cli.app import load_commands
    from exportguard.store.monitoring import CustomerRecord

    with session_factory(make_engine(database[0]))() as db, db.begin():  # past the import's checks
        db.add(CustomerRecord(external_ref="C-BAD", name="Acme Trading", country="XX"))
    rescreened = CliRunner().invoke(load_commands(), ["rescreen", "--processes", "1", "--database-url", database[0]])
    assert rescreened.exit_code == 1 and "C-BAD" in rescreened.stdout
    section = client.get("/console/hits").text.split('<section id="unscreenable"')[1].split("</section>")[0]
    assert "INDETERMINATE</span> 1 customer could not be screened" in section
    assert "<td>C-BAD</td><td>country must be an ISO 3166 alpha-2 code" in section and "got &#39;XX&#39;" in section


def test_the_queue_dates_the_lists_its_batch_was_screened_on(client: TestClient, batch: str) -> None:
    page = client.get(batch).text
    assert 'class="freshness card"' in page and "Lists as of" in page


def test_exact_matches_are_decided_in_bulk_only_when_included(client: TestClient, reviewer: str, batch: str) -> None:
    rows = selectable(client.get(f"{batch}?country=PK").text)
    form = {"csrf": reviewer, "decision": "true_match", "reason": "same name and address", "selected": rows,
            "include_exact": "true"}
    preview = client.post(f"{batch}/dispositions", data=form)
    assert f"for {len(rows)} hit" in preview.text and "left out" not in preview.text
    client.post(f"{batch}/dispositions", data={**form, "confirmed": str(len(rows))})
    assert selectable(client.get(f"{batch}?country=PK").text) == []


def test_a_batch_survives_a_restart_with_its_customer_ids(database: tuple, client: TestClient, batch: str) -> None:
    JOBS._jobs.clear()  # what a restart does to the jobs held in the process
    with TestClient(create_app(database[0])) as restarted:
        restarted.cookies = client.cookies
        queue = restarted.get(batch)
        assert queue.status_code == 200 and queue.headers["content-type"].startswith("text/html")
        assert "Review queue: customers.csv" in queue.text and "C-1002" in queue.text
        exported = list(csv.DictReader(io.StringIO(restarted.get(f"{batch}/export.csv").text)))
        assert {row["customer_id"] for row in exported if row["customer"] == "Huawei Device Co Ltd"} == {"C-1002"}
        assert any(row["decision"] == "false_positive" for row in exported)
        listing = restarted.get("/console/batch").text
        assert batch in listing and "customers.csv" in listing
        missing = restarted.get("/console/batch/no-such-batch")
        assert missing.status_code == 404 and "<h1>No such batch</h1>" in missing.text


def test_undo_raises_the_hit_again_and_the_history_keeps_both(client: TestClient, reviewer: str) -> None:
    party = {"name": "Sugon Information Industry", "country": "CN"}
    page = client.get("/console/screen", params=party).text
    entry = re.findall(r'name="entry_key" value="([^"]+)"', page)[0]
    recorded = client.post("/console/screen/disposition", headers={"Accept": "application/json"},
                           data={**party, "csrf": reviewer, "entry_key": entry, "decision": "true_match",
                                 "reason": "same company, same address"})
    assert recorded.json()["label"] == "True match"
    assert f'name="entry_key" value="{entry}"' in client.get("/console/screen", params=party).text  # undo form
    assert client.post("/console/screen/undo", data={**party, "csrf": reviewer, "entry_key": entry}).status_code == 200
    reopened = client.get("/console/screen", params=party).text
    assert 'id="decided"' not in reopened and f'data-entry="{entry}"' in reopened
    again = client.post("/console/screen/undo", data={**party, "csrf": reviewer, "entry_key": entry})
    assert again.status_code == 409
    history = client.get("/console/history", params=party)
    assert "True match" in history.text and "Undone (hit raised again)" in history.text
    assert history.text.count("<td>screening") >= 2
    rows = list(csv.DictReader(io.StringIO(client.get("/console/history", params={**party, "format": "csv"}).text)))
    assert [r["decision"] for r in rows if r["event"] == "disposition"] == ["True match", "Undone (hit raised again)"]


@pytest.mark.parametrize(("parties", "expected"), [
    ("Hangzhou Hikvision Digital Technology Co., Ltd.; end_user; CN", "LICENSE REQUIRED"),
    ("Hangzhou Hikvision Digital Technology Co., Ltd., end_user, CN", "LICENSE REQUIRED"),
    ("Hangzhou Hikvision Digital Technology Co., Ltd., end_user", "LICENSE REQUIRED"),
    ("Hangzhou Hikvision Digital Technology Co., Ltd., CN", "refused"),
])
def test_a_comma_separated_party_line_is_parsed_or_refused_never_cleared(client: TestClient, reviewer: str,
                                                                        parties: str, expected: str) -> None:
    """84 FR 54002 added Hikvision to the Entity List on 2019-10-09 (15 CFR 744.11)."""
    response = client.post("/console/check", data={"csrf": reviewer, "type": "export", "day": "2019-10-15",
                                                   "destination": "CN", "parties": parties,
                                                   "items": "1A995; dosimeters; 50; 12000"})
    if expected == "refused":
        assert response.status_code == 422 and "separate name, role and country with" in response.text
    else:
        assert re.search(r'class="status-banner[^"]*" role="status">.*? ' + expected, response.text)


def test_a_new_check_form_is_empty(client: TestClient, reviewer: str) -> None:
    form = client.get("/console/check").text
    assert "built-in method" not in form
    assert re.search(r'<textarea id="items" name="items"[^>]*></textarea>', form)


def test_the_handset_patch_is_authorized_by_tgl1_as_in_the_cli(client: TestClient, reviewer: str) -> None:
    """examples/huawei_handset_patch_2019-06-01.yaml: TGL-1 (84 FR 23468) lifts the Entity List requirement."""
    response = client.post("/console/check", data={
        "csrf": reviewer, "type": "export", "day": "2019-06-01", "destination": "CN",
        "parties": "Huawei Device Co., Ltd.; end_user; CN",
        "items": "5D992.c; Mass-market handset security patch; 1; 0; software", "activity": "device_support",
        "device_kind": "handset", "product_available_date": "2018-10-16",
        "certification_source": "exporter_statement", "certification_id": "TGL-CERT-2019-0042"})
    assert re.search(r'class="status-banner[^"]*" role="status">.*? AUTHORIZED GENERAL', response.text)
    assert re.search(r'kind-requirement lifted"><td>requirement<br><strong class="lifted-by">lifted by TGL-1 \(F\d\)',
                     response.text)
    stored = re.findall(r'href="/console/determinations/(\d+)"', response.text)[0]
    record = client.get(f"/console/determinations/{stored}")
    assert "AUTHORIZED GENERAL" in record.text and "lifted by TGL-1" in record.text
    findings = list(csv.DictReader(io.StringIO(client.get(f"/console/determinations/{stored}?format=csv").text)))
    assert [f["lifted_by"] for f in findings if f["rule"] == "R6-EL"] == [re.findall(r"TGL-1 \(F\d\)", record.text)[0]]
    listing = list(csv.DictReader(io.StringIO(client.get("/console/determinations?format=csv").text)))
    assert listing[0]["id"] == stored and listing[0]["status"] == "AUTHORIZED_GENERAL"


def test_applications_and_licenses_are_drafted_moved_and_recorded_in_the_console(client: TestClient, reviewer: str,
                                                                                 database: tuple) -> None:
    created = client.post("/console/applications", follow_redirects=False, data={
        "csrf": reviewer, "title": "Spectrometers to Germany", "applicant": "Example Corp", "destination": "de",
        "parties": "Example GmbH; ultimate_consignee; DE", "items": "3A001; ADCs; 100; 10,000",
        "drafted_on": "2024-01-02"})
    assert created.status_code == 303
    page = client.get(created.headers["location"]).text
    assert "Spectrometers to Germany" in page and "3A001" in page and '<option value="submitted">' in page
    moved = client.post(f"{created.headers['location']}/transitions", follow_redirects=False,
                        data={"csrf": reviewer, "to": "submitted", "on": "2024-01-03"})
    assert moved.status_code == 303
    out_of_order = client.post(f"{created.headers['location']}/transitions",
                               data={"csrf": reviewer, "to": "registered", "on": "2023-12-01", "acn": "Z123456"})
    assert out_of_order.status_code == 409 and "before the current state" in out_of_order.text
    bad = client.post("/console/licenses", data={"csrf": reviewer, "license_number": "D777001", "issued_on": "2024-01-15",
                                                 "parties": "Example GmbH, DE", "items": "3A001; ADCs; 1; 10"})
    assert bad.status_code == 422 and "name; role; country" in bad.text
    issued = client.post("/console/licenses", follow_redirects=False, data={
        "csrf": reviewer, "license_number": "D777001", "issued_on": "2024-01-15",
        "parties": "Example GmbH; ultimate_consignee; DE", "items": "3A001; ADCs; 2; 1000"})
    license_page = issued.headers["location"]
    shown = client.get(license_page).text
    assert "Example GmbH" in shown and "3A001" in shown and "Record a shipment" in shown
    client.post(f"{license_page}/shipments", data={"csrf": reviewer, "reference": "S-1", "quantity": "2",
                                                   "value": "1000", "ship_date": "2024-02-01"})
    exhausted = client.get(license_page).text
    assert "this license is exhausted" in exhausted and "Record a shipment" not in exhausted
    assert "3A001" in client.get("/console/licenses").text


def test_csv_cells_a_spreadsheet_would_run_are_quoted() -> None:
    text = csv_text(("name", "score"), [{"name": "=HYPERLINK(\"x\")", "score": -0.5}, {"name": "@SUM", "score": 1}])
    assert list(csv.reader(io.StringIO(text)))[1:] == [["'=HYPERLINK(\"x\")", "-0.5"], ["'@SUM", "1"]]


def test_search_answers_in_the_trade_gov_shape(client: TestClient, database: tuple) -> None:
    headers = {"X-API-Key": database[1]["analyst"]}
    fuzzy = client.get("/search", params={"name": "Huawei Technologies", "fuzzy_name": "true", "sources": "EL",
                                          "size": 2}, headers=headers).json()
    assert fuzzy["total"] > 2 and len(fuzzy["results"]) == 2
    first = fuzzy["results"][0]
    assert first["source"] == "Entity List (EL) - Bureau of Industry and Security"
    assert {"id", "name", "alt_names", "addresses", "federal_register_notice", "license_requirement",
            "license_policy", "start_date", "source_list_url", "programs", "score"} <= set(first)
    assert fuzzy["sources"] == [{"value": first["source"], "count": fuzzy["total"]}]
    exact = client.get("/search", params={"name": "Huawei Technologies"}, headers=headers).json()
    assert all(result["score"] >= 0.995 for result in exact["results"])
    assert client.get("/search", params={"name": "Huawei"}).status_code == 401


def test_api_docs_work_offline(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "cdn." not in page and "https://" not in page
    assert '/docs/assets/swagger-ui-bundle.js' in page
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200
    assert client.get("/docs/assets/index.html").status_code == 404
    redoc = client.get("/redoc").text
    assert "/docs/assets/redoc.standalone.js" in redoc and "https://" not in redoc


def test_list_versions_are_dated_diffed_by_field_and_only_within_one_list(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lists.db'}"
    upgrade(url)
    keys = users(url)
    document = json.loads((FIXTURES / "bis_entity_list_excerpt.json").read_text(encoding="utf-8"))
    farid = next(e for e in document["entities"] if e["name"] == "Fazal Rahim Farid")
    farid["aliases"].append("Fazal Farid")
    (tmp_path / "el_next.json").write_text(json.dumps(document), encoding="utf-8")
    # Excerpts far below the bundled lists: the guard refuses them as first loads unless forced.
    excerpt = "test excerpt"
    with session_factory(make_engine(url))() as db, db.begin():
        old, new = (record_version(db, ecfr_entity_list.load(path), "test", force_reason=excerpt).version_id
                    for path in (FIXTURES / "bis_entity_list_excerpt.json", tmp_path / "el_next.json"))
        other = record_version(db, load_csl(FIXTURES / "csl_excerpt.csv"), "test", force_reason=excerpt).version_id
    with TestClient(create_app(url)) as lists_client:
        sign_in(lists_client, keys, "analyst")
        page = lists_client.get("/console/lists").text
        assert "in force" in page and "superseded" in page and re.search(r"EL · \d{4}-\d{2}-\d{2} · in force", page)
        diff = lists_client.get("/console/lists", params={"old": old, "new": new}).text
        assert re.search(r'<td class="old"><span class="visually-hidden">old: </span>Fazel Rahim Farid; Farid; '
                         r'Engineer Idris</td><td class="new"><span class="visually-hidden">new: </span>Fazel Rahim '
                         r'Farid; Farid; Engineer Idris; Fazal Farid</td>', diff)
        exported = list(csv.DictReader(io.StringIO(
            lists_client.get("/console/lists/diff.csv", params={"old": old, "new": new}).text)))
        assert [(row["change"], row["name"], row["field"]) for row in exported] == [
            ("modified", "Fazal Rahim Farid", "aliases")]
        assert exported[0]["new"].endswith("; Fazal Farid")
        refused = lists_client.get("/console/lists", params={"old": other, "new": new})
        assert refused.status_code == 422 and "choose two versions of the same list" in refused.text
        api = lists_client.get(f"/lists/{other}/diff/{new}", headers={"X-API-Key": keys["analyst"]})
        assert (api.status_code, api.json()["code"]) == (422, "not_comparable")


def test_a_browser_sees_a_refusal_as_a_page_and_an_api_client_as_json(database: tuple) -> None:
    with TestClient(create_app(database[0])) as analyst:
        csrf = sign_in(analyst, database[1], "analyst")
        form = {"csrf": csrf, "name": "Sugon", "entry_key": "EL:1", "decision": "true_match", "reason": "same"}
        page = analyst.post("/console/screen/disposition", data=form, headers={"Accept": "text/html"})
        assert page.status_code == 403 and "<h1>Not allowed</h1>" in page.text and "reviewer" in page.text
        machine = analyst.post("/console/screen/disposition", data=form, headers={"Accept": "application/json"})
        assert machine.status_code == 403 and machine.json()["code"] == "forbidden"


EXAMPLES = itertools.count()
DECISION_STEPS = st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["EL:1", "EL:2", "SDN:3"]),
                                    st.sampled_from(["true_match", "false_positive", "undone"]), st.booleans()),
                          max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=DECISION_STEPS)
def test_the_disposition_in_force_is_the_latest_for_the_entry_as_listed_undo_clearing_it(
        database: tuple, steps: list[tuple[str, str, str, bool]]) -> None:
    """Per party and entry: the last decision made on the entry's current content, unless undone since."""
    sessions = session_factory(make_engine(database[0]))
    run = next(EXAMPLES)  # each example decides on parties of its own in the shared log
    parties = {p: f"example {run} {p}|CN" for p in ("a", "b")}
    current_print = {key: f"print-{key}" for key in ("EL:1", "EL:2", "SDN:3")}
    expected: dict[str, dict[str, str]] = {}
    with sessions() as db, db.begin():
        for party, key, decision, as_listed in steps:
            entry_print = current_print[key] if as_listed else "an older content"
            dispositions.record_entry(db, "rev", key, entry_print, parties[party], decision, "why")
            if as_listed and decision == "undone":
                expected.get(parties[party], {}).pop(key, None)
            elif as_listed:
                expected.setdefault(parties[party], {})[key] = decision
    with sessions() as db:
        many = dispositions.current_for_many(db, {screened: current_print for screened in parties.values()})
        for screened in parties.values():
            one = dispositions.current_for(db, screened, current_print)
            assert {k: d.decision for k, d in one.items()} == expected.get(screened, {})
            assert {k: d.decision for k, d in many.get(screened, {}).items()} == expected.get(screened, {})
