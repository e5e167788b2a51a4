"""Applications and licenses through the API: lifecycle, four eyes, balances, audit."""

from __future__ import annotations

from typing import Any

from licensing_support import Api

PARTIES = [{"role": "end_user", "name": "Huawei Technologies Co., Ltd.", "country": "CN"}]
ITEMS = [{"eccn": "5A992.c", "description": "mass-market routers", "quantity": 100, "value": "10000.00"}]
DRAFT = {"title": "Routers for Huawei", "applicant": "Acme Networks Inc.", "destination": "CN",
         "parties": PARTIES, "items": ITEMS, "drafted_on": "2019-07-25"}


def _draft(api: Api) -> int:
    response = api.post("ann", "/applications", DRAFT)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _move(api: Api, user: str, application_id: int, to: str, **extra: Any) -> Any:
    return api.post(user, f"/applications/{application_id}/transitions", {"to": to, **extra})


def _to_initial_review(api: Api, application_id: int) -> None:
    for state, extra in [("submitted", {"on": "2019-07-30"}), ("registered", {"acn": "Z123456", "on": "2019-08-01"}),
                         ("initial_review", {"on": "2019-08-01"})]:
        assert _move(api, "ann", application_id, state, **extra).status_code == 200


def test_draft_to_approval_with_riders(api: Api) -> None:
    application_id = _draft(api)
    _to_initial_review(api, application_id)
    approved = _move(api, "rita", application_id, "approved", on="2019-08-06", riders=["no reexport"]).json()
    assert approved["state"] == "approved"
    assert approved["riders"] == ["no reexport"]
    assert approved["acn"] == "Z123456"
    assert [step["state"] for step in approved["history"]][-1] == "approved"


def test_illegal_transition_is_409_naming_allowed_states(api: Api) -> None:
    application_id = _draft(api)
    response = _move(api, "rita", application_id, "approved")
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert response.json()["details"]["allowed"] == ["submitted"]


def test_analyst_cannot_record_a_decision(api: Api) -> None:
    application_id = _draft(api)
    _to_initial_review(api, application_id)
    assert _move(api, "ann", application_id, "approved").status_code == 403


def test_drafter_cannot_approve_own_application(api: Api) -> None:
    response = api.post("rita", "/applications", DRAFT)
    application_id = response.json()["id"]
    _to_initial_review(api, application_id)
    refused = _move(api, "rita", application_id, "approved")
    assert refused.status_code == 403
    assert refused.json()["code"] == "four_eyes"
    assert _move(api, "rob", application_id, "approved").status_code == 200


def test_overdue_query_lists_silent_referrals(api: Api) -> None:
    application_id = _draft(api)
    _to_initial_review(api, application_id)
    _move(api, "ann", application_id, "referred", on="2019-08-08")
    _move(api, "ann", application_id, "agency_review", on="2019-08-08")
    on_time = api.get("ann", "/applications/overdue?today=2019-09-07").json()
    late = api.get("ann", "/applications/overdue?today=2019-09-08").json()
    assert on_time == []
    assert [d["name"] for d in late[0]["overdue"]] == ["agency_recommendation"]


def _license(api: Api, number: str = "D1234567", **extra: Any) -> int:
    body = {"license_number": number, "issued_on": "2019-11-20", "parties": PARTIES, "items": ITEMS, **extra}
    response = api.post("rita", "/licenses", body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _ship(api: Api, license_id: int, quantity: int, value: str, on: str = "2020-01-15", user: str = "ann") -> Any:
    body = {"reference": f"INV-{quantity}-{value}", "quantity": quantity, "value": value, "ship_date": on}
    return api.post(user, f"/licenses/{license_id}/shipments", body)


def test_license_defaults_to_four_years_and_item_totals(api: Api) -> None:
    body = api.get("ann", f"/licenses/{_license(api)}").json()
    assert body["valid_until"] == "2023-11-20"
    assert (body["quantity"], body["value"]) == (100, 10000.0)


def test_shipments_decrement_quantity_and_value(api: Api) -> None:
    license_id = _license(api)
    assert _ship(api, license_id, 40, "4000.00").status_code == 201
    body = api.get("ann", f"/licenses/{license_id}").json()
    assert (body["remaining_quantity"], body["shipped_value"], body["status"]) == (60, 4000.0, "partially_shipped")


def test_value_tolerance_allows_ten_percent_over_and_no_more(api: Api) -> None:
    license_id = _license(api)
    assert _ship(api, license_id, 50, "6000.00").status_code == 201
    over = _ship(api, license_id, 10, "5000.01")
    assert (over.status_code, over.json()["code"]) == (409, "value_exceeded")
    assert _ship(api, license_id, 10, "5000.00").status_code == 201


def test_no_shipment_beyond_quantity_or_after_expiry(api: Api) -> None:
    license_id = _license(api)
    assert _ship(api, license_id, 101, "1.00").json()["code"] == "quantity_exceeded"
    assert _ship(api, license_id, 1, "1.00", on="2023-11-21").json()["code"] == "outside_validity"


def test_shipment_needs_a_second_person_to_approve(api: Api) -> None:
    license_id = _license(api)
    shipment = _ship(api, license_id, 10, "100.00", user="rita").json()
    path = f"/licenses/{license_id}/shipments/{shipment['id']}/decision"
    assert api.post("rita", path, {"decision": "approved"}).json()["code"] == "four_eyes"
    assert api.post("rob", path, {"decision": "approved"}).json()["status"] == "approved"


def test_rejected_shipment_gives_its_balance_back(api: Api) -> None:
    license_id = _license(api)
    shipment = _ship(api, license_id, 100, "100.00").json()
    assert api.get("ann", f"/licenses/{license_id}").json()["status"] == "exhausted"
    api.post("rob", f"/licenses/{license_id}/shipments/{shipment['id']}/decision", {"decision": "rejected"})
    body = api.get("ann", f"/licenses/{license_id}").json()
    assert (body["status"], body["remaining_quantity"]) == ("active", 100)


def test_license_for_unapproved_application_is_refused(api: Api) -> None:
    application_id = _draft(api)
    body = {"license_number": "D7654321", "application_id": application_id, "issued_on": "2019-11-20",
            "parties": PARTIES, "items": ITEMS}
    assert api.post("rita", "/licenses", body).json()["code"] == "conflict"


def test_every_write_is_audited_with_who_and_what(api: Api) -> None:
    license_id = _license(api)
    _ship(api, license_id, 5, "50.00")
    records = api.get("rita", f"/audit?subject=license:{license_id}").json()
    assert [(r["actor"], r["action"]) for r in records] == [("rita", "license.issue"), ("ann", "shipment.record")]
    assert records[1]["details"]["quantity"] == 5


def test_revoked_license_refuses_shipments_and_is_audited(api: Api) -> None:
    license_id = _license(api)
    revoked = api.post("rob", f"/licenses/{license_id}/status", {"change": "revoked", "note": "BIS letter"})
    assert revoked.json()["status"] == "revoked"
    assert _ship(api, license_id, 1, "1.00").json()["code"] == "license_not_usable"
    again = api.post("rob", f"/licenses/{license_id}/status", {"change": "reinstated"})
    assert (again.status_code, again.json()["code"]) == (409, "status_change_refused")
    actions = [r["action"] for r in api.get("rita", f"/audit?subject=license:{license_id}").json()]
    assert actions == ["license.issue", "license.revoked"]


def test_extension_lets_a_later_shipment_through(api: Api) -> None:
    license_id = _license(api)
    assert _ship(api, license_id, 1, "1.00", on="2024-03-01").json()["code"] == "outside_validity"
    api.post("rob", f"/licenses/{license_id}/status", {"change": "extended", "valid_until": "2024-05-20"})
    assert _ship(api, license_id, 1, "1.00", on="2024-03-01").status_code == 201


def test_state_dated_before_the_previous_one_is_refused(api: Api) -> None:
    application_id = _draft(api)
    _to_initial_review(api, application_id)
    response = _move(api, "ann", application_id, "referred", on="2019-07-31")
    assert (response.status_code, response.json()["code"]) == (422, "date_out_of_order")
