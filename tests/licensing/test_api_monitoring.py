"""``/lists``, ``/customers``, ``/hits`` and dispositions over a store loaded with the Entity List excerpt."""

from __future__ import annotations

from pathlib import Path

from licensing_support import Api
from sqlalchemy.orm import Session, sessionmaker

from exportguard.batch.runner import Customer, LocalRunner
from exportguard.lists import ecfr_entity_list
from exportguard.store.customer_store import import_customers, rescreen_customers
from exportguard.store.list_store import record_version
from exportguard.store.monitoring import CustomerRecord
from exportguard.store.writes import write_transaction

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _loaded(sessions: sessionmaker[Session]) -> str:
    snapshot = ecfr_entity_list.load(FIXTURES / "bis_entity_list_excerpt.json")
    with write_transaction(sessions) as session:
        record_version(session, snapshot, "test", force_reason="12-entry test excerpt")  # far below the bundled EL
        import_customers(session, [Customer("K-1", "Fazal Rahim Farid", "AF"), Customer("K-2", "Volvo Cars AB")],
                         "test")
        rescreen_customers(session, "test", LocalRunner(processes=1))
    return snapshot.version.id


def test_versions_customers_hits_and_disposition(api: Api, sessions: sessionmaker[Session]) -> None:
    version = _loaded(sessions)
    listed = api.client.get("/lists", headers=api.keys["ann"]).json()
    assert [v["id"] for v in listed] == [version] and listed[0]["current"]
    assert len(api.client.get("/customers", headers=api.keys["ann"]).json()) == 2
    new_hits = api.client.get("/hits", headers=api.keys["ann"]).json()
    # The loaded Entity List excerpt, and the bundled UN list (a list the excerpt does not replace; the
    # bundled SDN of 2026 no longer lists him).
    assert {(hit["entry_key"].split(":")[0], hit["matched_name"]) for hit in new_hits} == {
        ("EL", "Fazal Rahim Farid"), ("UN", "FAZAL RAHIM")}
    listed_hit = next(hit for hit in new_hits if hit["entry_key"].startswith("EL:"))
    # Each hit carries its entry, from the loaded version or, for the UN list, the bundled part standing in.
    assert {(hit["entry"]["list"], hit["entry"]["name"]) for hit in new_hits} == {
        ("EL", "Fazal Rahim Farid"), ("UN", "FAZAL RAHIM")}
    assert all(hit["entry"]["countries"] == ["AF"] for hit in new_hits)
    assert "Kabul" in listed_hit["entry"]["addresses"][0]
    body = {"verdict": "false_positive", "reason": "Different person: date of birth differs"}
    path = f"/hits/{listed_hit['id']}/disposition"
    assert api.client.post(path, json=body, headers=api.keys["ann"]).status_code == 403
    assert api.client.post(path, json=body).status_code == 401
    decided = api.client.post(path, json=body, headers=api.keys["rita"])
    assert decided.status_code == 200 and decided.json()["status"] == "cleared"
    cleared = api.client.get("/hits", params={"status": "cleared"}, headers=api.keys["ann"]).json()
    assert [hit["id"] for hit in cleared] == [decided.json()["id"]]
    actions = [record["action"] for record in api.client.get("/audit", headers=api.keys["admin"]).json()]
    assert actions[-1] == "hit.disposed" and "customers.rescreened" in actions


def test_the_customer_listing_says_which_customers_cannot_be_screened(api: Api, sessions: sessionmaker[Session]) -> None:
    _loaded(sessions)
    with write_transaction(sessions) as session:  # past the import's checks, as an older version could store it
        session.add(CustomerRecord(external_ref="K-3", name="Acme Trading", country="XX"))
    listed = {c["external_ref"]: c["unscreenable"] for c in api.client.get("/customers", headers=api.keys["ann"]).json()}
    assert listed == {"K-1": None, "K-2": None, "K-3": "country must be an ISO 3166 alpha-2 code such as CN, RU or IR "
                      "(see ISO 3166-1), got 'XX'"}


def test_list_status_dates_every_list_in_force(api: Api, sessions: sessionmaker[Session]) -> None:
    version = _loaded(sessions)
    status = api.client.get("/lists/status", headers=api.keys["ann"]).json()
    by_list = {row["list"]: row for row in status["lists"]}
    assert by_list["EL"]["version"] == version and by_list["EL"]["forced_reason"] == "12-entry test excerpt"
    assert (by_list["EL"]["as_of"], by_list["EL"]["entries"]) == ("2026-07-09", 12)
    assert by_list["UVL"]["as_of"] == "2022-04-21" and by_list["UVL"]["loaded_by"] == "bundled"
    assert all(row["stale"] for row in status["lists"]) and len(status["warnings"]) == len(status["lists"])
    assert status["schedule"]["enabled"] is False and status["schedule"]["last"] is None
    assert api.client.get("/lists/status").status_code == 401
    screened = api.client.post("/screen", json={"name": "Yangtze Memory Technologies"}, headers=api.keys["ann"]).json()
    assert {row["list"] for row in screened["lists"]["lists"]} >= {"EL", "SDN", "UN"}


def test_diff_of_unknown_version_is_404(api: Api, sessions: sessionmaker[Session]) -> None:
    version = _loaded(sessions)
    response = api.client.get(f"/lists/{version}/diff/el@000000000000", headers=api.keys["ann"])
    assert response.status_code == 404
    assert api.client.get(f"/lists/{version}/diff/..%2Fetc", headers=api.keys["ann"]).status_code in (404, 422)
    same = api.client.get(f"/lists/{version}/diff/{version}", headers=api.keys["ann"]).json()
    assert (same["added"], same["removed"], same["modified"]) == (0, 0, 0)
