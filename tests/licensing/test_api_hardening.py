"""The request shapes the hardening review answered with a 5xx, four-eyes by proxy, sessions and lockouts.

Each failing shape from the review is a case here, on both databases.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from licensing_support import Api
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from test_api_licensing import DRAFT, _license, _move, _ship, _to_initial_review

from exportguard.api.throttle import FREE_FAILURES
from exportguard.store.audit import AuditRecord
from exportguard.store.tables import ConsoleSession
from exportguard.store.tables import Determination as StoredDetermination

PARTY = {"role": "end_user", "name": "Acme Plumbing", "country": "CN"}
ITEM = {"eccn": "EAR99", "description": "pipes", "quantity": 1, "value": 1}


def _transaction(**party: Any) -> dict[str, Any]:
    return {"transaction": {"date": "2019-11-10", "destination": "CN", "parties": [{**PARTY, **party}],
                            "items": [ITEM]}}


def _raw(api: Api, user: str, path: str, body: str) -> Any:
    return api.client.post(path, content=body.encode("utf-8", "surrogatepass"),
                           headers={**api.keys[user], "content-type": "application/json"})


def _assert_refused(response: Any, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "details"}
    return body


def test_a_lone_surrogate_is_refused_and_listings_keep_working(api: Api) -> None:
    refused = _assert_refused(_raw(api, "ann", "/determinations", json.dumps(_transaction(name="Acme \ud800"))))
    assert refused["details"][0]["location"][-1] == "name"
    assert api.post("ann", "/determinations", _transaction()).status_code == 201
    assert api.get("rita", "/determinations").status_code == 200


def test_a_stored_unencodable_record_does_not_break_the_listing(
    api: Api, sessions: sessionmaker[Session], database_url: str
) -> None:
    """A record written past the API (an older version, a script) with a lone surrogate and NaN."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL cannot store a lone surrogate or NaN in JSON in the first place")
    made = api.post("ann", "/determinations", _transaction()).json()
    with sessions.begin() as session:
        stored = session.get(StoredDetermination, made["id"])
        assert stored is not None
        stored.outputs = {**stored.outputs, "reference": "PO \ud800", "score": float("nan")}
    listed = api.get("rita", "/determinations")
    assert listed.status_code == 200
    assert listed.json()[0]["reference"] == "PO \ufffd"
    assert listed.json()[0]["score"] is None


def test_a_party_name_over_500_characters_is_an_invalid_transaction(api: Api) -> None:
    body = _assert_refused(api.post("ann", "/determinations", _transaction(name="x" * 501)))
    assert body["code"] == "invalid_transaction"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "1e999999", str(10**30)])
@pytest.mark.parametrize("route", ["/determinations", "/screen", "/applications"])
def test_non_finite_and_huge_numbers_are_refused(api: Api, literal: str, route: str) -> None:
    bodies = {
        "/determinations": json.dumps(_transaction()).replace('"value": 1', f'"value": {literal}'),
        "/screen": f'{{"name": "Acme", "threshold": {literal}}}',
        "/applications": json.dumps({**DRAFT, "items": [{**DRAFT["items"][0], "value": "@"}]}).replace('"@"', literal),
    }
    _assert_refused(_raw(api, "ann", route, bodies[route]))


@pytest.mark.parametrize("value", ["0.001", "10.005", "-1"])
def test_amounts_below_a_cent_or_negative_are_refused(api: Api, value: str) -> None:
    license_id = _license(api)
    _assert_refused(_ship(api, license_id, 1, value))


def _console(api: Api, user: str = "ann") -> tuple[TestClient, str]:
    client = TestClient(api.client.app, raise_server_exceptions=False)
    page = client.post("/console/login", data={"name": user, "api_key": api.keys[user]["X-API-Key"]})
    assert page.status_code == 200, page.text
    return client, re.findall(r'name="csrf" value="([^"]+)"', page.text)[0]


@pytest.mark.parametrize(("value", "error"), [("Infinity", "not an amount"), ("1e999999", "not an amount"),
                                              ("NaN", "not an amount"), ("0.001", "fractions of a cent")])
def test_console_shipment_values_that_are_not_amounts_are_refused(api: Api, value: str, error: str) -> None:
    license_id = _license(api)
    client, csrf = _console(api)
    form = {"csrf": csrf, "reference": "R-1", "quantity": "1", "value": value, "ship_date": "2020-01-15"}
    response = client.post(f"/console/licenses/{license_id}/shipments", data=form)
    assert response.status_code == 409
    assert error in response.text
    assert api.get("ann", f"/licenses/{license_id}/shipments").json() == []


def test_console_license_id_beyond_any_integer_is_a_4xx(api: Api) -> None:
    client, _csrf = _console(api)
    response = client.get("/console/licenses/1180591620717411303424")
    _assert_refused(response)


def test_non_ascii_csrf_token_and_session_cookie_are_refused_not_failed(api: Api) -> None:
    license_id = _license(api)
    client, _csrf = _console(api)
    form = {"csrf": "jeton-é-\u2603", "reference": "R-1", "quantity": "1", "value": "1", "ship_date": "2020-01-15"}
    assert client.post(f"/console/licenses/{license_id}/shipments", data=form).status_code == 403
    stranger = TestClient(api.client.app, raise_server_exceptions=False)
    response = stranger.get("/console/screen", headers={"cookie": "eg_session=s\u00e9ance.\u00e9".encode()},
                            follow_redirects=False)
    assert response.status_code == 303


def test_an_unexpected_error_answers_the_error_shape_with_a_logged_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from exportguard.api.routes import licenses

    def broken(*_args: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(licenses.store, "get_license", broken)
    client = TestClient(api.client.app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="exportguard.api"):
        response = client.get("/licenses/1", headers=api.keys["ann"])
    body = _assert_refused(response, 500)
    request_id = body["details"]["request_id"]
    assert body["code"] == "internal_error"
    assert response.headers["x-request-id"] == request_id
    assert any(request_id in record.getMessage() and record.exc_info for record in caplog.records)


def test_an_admin_cannot_approve_through_an_account_they_created(api: Api) -> None:
    proxy = api.post("admin", "/users", {"name": "proxy", "role": "reviewer"}).json()
    api.keys["proxy"] = {"X-API-Key": proxy["api_key"]}
    application_id = api.post("admin", "/applications", DRAFT).json()["id"]
    _to_initial_review(api, application_id)
    refused = _move(api, "proxy", application_id, "approved")
    assert (refused.status_code, refused.json()["code"]) == (403, "four_eyes")
    assert _move(api, "rita", application_id, "approved").status_code == 200


def test_an_account_made_to_draft_cannot_be_approved_by_its_creator(api: Api) -> None:
    puppet = api.post("admin", "/users", {"name": "puppet", "role": "analyst"}).json()
    api.keys["puppet"] = {"X-API-Key": puppet["api_key"]}
    license_id = _license(api)
    shipment = _ship(api, license_id, 1, "1.00", user="puppet").json()
    path = f"/licenses/{license_id}/shipments/{shipment['id']}/decision"
    assert api.post("admin", path, {"decision": "approved"}).json()["code"] == "four_eyes"
    assert api.post("rob", path, {"decision": "approved"}).json()["status"] == "approved"


def test_failed_keys_lock_the_address_out_even_for_the_right_key_and_are_audited(api: Api) -> None:
    bad = {"X-API-Key": "eg_0123456789abcdef_guess"}
    for _ in range(FREE_FAILURES):
        assert api.client.post("/screen", json={"name": "Acme"}, headers=bad).status_code == 401
    assert api.client.post("/screen", json={"name": "Acme"}, headers=bad).status_code == 401  # starts the lockout
    locked = api.client.post("/screen", json={"name": "Acme"}, headers=api.keys["ann"])
    body = _assert_refused(locked, 429)
    assert body["code"] == "too_many_attempts"
    assert int(locked.headers["retry-after"]) >= 1
    api.client.app.state.throttle.succeeded("api:testclient")  # as once Retry-After has passed
    refusals = [r for r in api.get("rita", "/audit?limit=1000").json() if r["action"] == "auth.key_refused"]
    assert len(refusals) == FREE_FAILURES + 1
    assert refusals[0]["details"]["key_id"] == "0123456789abcdef"
    assert "guess" not in json.dumps(refusals)


def test_failed_sign_ins_lock_out_the_name_and_are_audited(api: Api) -> None:
    client = TestClient(api.client.app, raise_server_exceptions=False)
    for _ in range(FREE_FAILURES + 1):
        assert client.post("/console/login", data={"name": "ann", "api_key": "wrong"}).status_code == 401
    right = client.post("/console/login", data={"name": "ann", "api_key": api.keys["ann"]["X-API-Key"]})
    assert right.status_code == 429
    assert int(right.headers["retry-after"]) >= 1
    failures = [r for r in api.get("rita", "/audit?limit=1000").json() if r["action"] == "console.login_failed"]
    assert [r["details"]["name"] for r in failures] == ["ann"] * (FREE_FAILURES + 1)


def test_sign_out_ends_the_session_on_the_server(api: Api) -> None:
    client, csrf = _console(api)
    token = client.cookies["eg_session"]
    client.post("/console/logout", data={"csrf": csrf})
    replay = TestClient(api.client.app)
    replay.cookies.set("eg_session", token)
    assert replay.get("/console/screen", follow_redirects=False).status_code == 303


def test_a_key_rotation_ends_sessions_and_the_old_key(api: Api) -> None:
    client, _csrf = _console(api)
    rotated = api.post("admin", "/users/ann/rotate-key", {})
    assert rotated.status_code == 200, rotated.text
    assert client.get("/console/screen", follow_redirects=False).status_code == 303
    assert api.post("ann", "/screen", {"name": "Acme"}).status_code == 401
    fresh = {"X-API-Key": rotated.json()["api_key"]}
    assert api.client.post("/screen", json={"name": "Acme"}, headers=fresh).status_code == 200


@pytest.mark.parametrize(("idle", "age"), [(timedelta(minutes=31), timedelta(minutes=40)),
                                           (timedelta(minutes=1), timedelta(hours=8, minutes=1))])
def test_sessions_end_after_idle_and_absolute_timeouts(
    api: Api, sessions: sessionmaker[Session], idle: timedelta, age: timedelta
) -> None:
    client, _csrf = _console(api)
    assert client.get("/console/screen", follow_redirects=False).status_code == 200
    now = datetime.now(UTC)
    with sessions.begin() as session:
        session.execute(update(ConsoleSession).values(last_seen_at=now - idle, created_at=now - age))
    assert client.get("/console/screen", follow_redirects=False).status_code == 303


def test_sign_in_and_out_are_audited(api: Api, sessions: sessionmaker[Session]) -> None:
    client, csrf = _console(api)
    client.post("/console/logout", data={"csrf": csrf})
    with sessions() as session:
        actions = list(session.scalars(select(AuditRecord.action).where(AuditRecord.actor == "ann")))
    assert actions[-2:] == ["console.login", "console.logout"]


def test_a_batch_audit_record_keeps_every_query_with_its_country_and_list_version(api: Api) -> None:
    queries = [{"name": "Hikvision", "country": "CN"}, {"name": "Hikvision", "country": "US"}, {"name": "Acme"}]
    answer = api.post("ann", "/screen/batch", {"queries": queries}).json()
    record = next(r for r in reversed(api.get("rita", "/audit?limit=1000").json()) if r["action"] == "screen.batch")
    assert record["details"]["list_version"] == answer["list_version"]
    assert [(r["query"], r["country"], r["list_version"]) for r in record["details"]["results"]] == [
        ("Hikvision", "CN", answer["list_version"]), ("Hikvision", "US", answer["list_version"]),
        ("Acme", None, answer["list_version"])]
    assert record["details"]["results"][0]["hits"]


@pytest.mark.parametrize("path", ["/console/screen?name=a%00b", "/audit?subject=a%00b", "/console/screen%00"])
def test_nul_in_a_query_or_path_is_refused_before_it_reaches_the_database(api: Api, path: str) -> None:
    """PostgreSQL cannot store NUL: a console screening of such a name once failed writing its audit record."""
    client, _csrf = _console(api, "rita")
    body = _assert_refused(client.get(path, headers=api.keys["rita"]))
    assert body["details"][0]["problem"] == "text contains NUL"


def test_nul_in_a_console_form_is_refused(api: Api) -> None:
    license_id = _license(api)
    client, csrf = _console(api)
    form = {"csrf": csrf, "reference": "R\x001", "quantity": "1", "value": "1", "ship_date": "2020-01-15"}
    _assert_refused(client.post(f"/console/licenses/{license_id}/shipments", data=form))
