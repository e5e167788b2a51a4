"""``/lists``, ``/customers``, ``/hits`` and dispositions over a store loaded with the Entity List excerpt."""

from __future__ import annotations

from pathlib import Path

from licensing_support import Api
from sqlalchemy.orm import Session, sessionmaker

from exportguard.batch.runner import Customer, LocalRunner
from exportguard.lists import ecfr_entity_list
from exportguard.store.customer_store import import_customers, rescreen_customers
from exportguard.store.list_store import record_version
from exportguard.store.writes import write_transaction

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _loaded(sessions: sessionmaker[Session]) -> str:
    snapshot = ecfr_entity_list.load(FIXTURES / "bis_entity_list_excerpt.json")
    with write_transaction(sessions) as session:
        record_version(session, snapshot, "test")
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
    # The loaded Entity List excerpt, and the bundled CSL's SDN (lists the excerpt does not replace).
    assert {(hit["entry_key"].split(":")[0], hit["matched_name"]) for hit in new_hits} == {
        ("EL", "Fazal Rahim Farid"), ("SDN", "RAHIM, Fazal")}
    listed_hit = next(hit for hit in new_hits if hit["entry_key"].startswith("EL:"))
    # Each hit carries its entry, from the loaded version or, for the SDN, the bundled CSL standing in.
    assert {(hit["entry"]["list"], hit["entry"]["name"]) for hit in new_hits} == {
        ("EL", "Fazal Rahim Farid"), ("SDN", "RAHIM, Fazal")}
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


def test_diff_of_unknown_version_is_404(api: Api, sessions: sessionmaker[Session]) -> None:
    version = _loaded(sessions)
    response = api.client.get(f"/lists/{version}/diff/el@000000000000", headers=api.keys["ann"])
    assert response.status_code == 404
    assert api.client.get(f"/lists/{version}/diff/..%2Fetc", headers=api.keys["ann"]).status_code in (404, 422)
    same = api.client.get(f"/lists/{version}/diff/{version}", headers=api.keys["ann"]).json()
    assert (same["added"], same["removed"], same["modified"]) == (0, 0, 0)
