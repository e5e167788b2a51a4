"""The API end to end: authentication, roles, screening, errors with codes, audit."""

from __future__ import annotations

import pytest
from licensing_support import Api

from exportguard.api.keycache import KeyCache


def test_health_needs_no_key(api: Api) -> None:
    response = api.client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "eg_0000_nope"}, {"X-API-Key": "garbage"}])
def test_missing_or_unknown_key_is_401(api: Api, headers: dict[str, str]) -> None:
    response = api.client.post("/screen", json={"name": "Huawei"}, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_analyst_cannot_add_users(api: Api) -> None:
    response = api.post("ann", "/users", {"name": "mallory", "role": "admin"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_admin_adds_user_whose_key_works_once_shown(api: Api) -> None:
    created = api.post("admin", "/users", {"name": "erp", "role": "analyst"}).json()
    response = api.client.post("/screen", json={"name": "Huawei"}, headers={"X-API-Key": created["api_key"]})
    assert response.status_code == 200
    listed = api.get("admin", "/users").json()
    assert "api_key" not in next(user for user in listed if user["name"] == "erp")


def test_screen_finds_huawei_on_the_entity_list(api: Api) -> None:
    body = api.post("ann", "/screen", {"name": "Huawei Technologies Co., Ltd.", "country": "CN"}).json()
    assert any(hit["list"] == "EL" and hit["band"] == "strong" for hit in body["hits"])


def test_screen_groups_hits_and_undoes_a_zero_width_space(api: Api) -> None:
    body = api.post("ann", "/screen", {"name": "Hua\u200bwei Technologies Co., Ltd."}).json()
    assert body["summary"].startswith(f"{body['groups_shown']} of {body['groups_total']} listed entities")
    assert body["groups"][0]["rows"] > 1
    assert "red flag" in " ".join(f["explanation"] for f in body["hits"][0]["features"])


@pytest.mark.parametrize(("lists", "status"), [(["el"], 200), (["Sdn", "EL"], 200), (["FOO"], 422)])
def test_list_codes_are_case_insensitive_and_unknown_ones_refused(api: Api, lists: list[str], status: int) -> None:
    response = api.post("ann", "/screen", {"name": "Hikvision", "lists": lists})
    assert response.status_code == status
    if status == 200:
        assert response.json()["hits"]
    else:
        assert "valid: " in response.json()["message"] and "EL" in response.json()["message"]


def test_batch_screens_in_order(api: Api) -> None:
    queries = [{"name": "Hikvision"}, {"name": "Acme Plumbing of Ohio"}]
    results = api.post("ann", "/screen/batch", {"queries": queries}).json()["results"]
    assert [result["query"] for result in results] == ["Hikvision", "Acme Plumbing of Ohio"]
    assert results[0]["hits"]
    assert not results[1]["hits"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": ""}, "invalid_request"),
        ({"name": "x" * 501}, "invalid_request"),
        ({"name": "Huawei", "country": "China"}, "invalid_request"),
        ({"name": "   "}, "invalid_screening_input"),
        ({"name": "Huawei", "unexpected": 1}, "invalid_request"),
    ],
)
def test_bad_screening_input_is_4xx_with_code(api: Api, body: dict[str, object], code: str) -> None:
    response = api.post("ann", "/screen", body)
    assert response.status_code == 422
    assert response.json()["code"] == code


def test_batch_over_1000_is_rejected(api: Api) -> None:
    response = api.post("ann", "/screen/batch", {"queries": [{"name": "a"}] * 1001})
    assert response.status_code == 422


def test_oversized_body_is_413(api: Api) -> None:
    response = api.client.post(
        "/screen", content=b"{" + b" " * 2_100_000 + b"}", headers={**api.keys["ann"], "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_every_screening_is_audited_and_chain_verifies(api: Api) -> None:
    api.post("ann", "/screen", {"name": "Huawei"})
    records = api.get("rita", "/audit").json()
    assert records[-1]["action"] == "screen"
    assert records[-1]["actor"] == "ann"
    assert api.get("rita", "/audit/verify").json()["ok"] is True


def test_openapi_document_lists_the_routes(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in ("/screen", "/screen/batch", "/applications", "/licenses/{license_id}/shipments", "/audit"):
        assert path in paths


def test_deactivated_user_is_locked_out(api: Api) -> None:
    created = api.post("admin", "/users", {"name": "leaver", "role": "analyst"}).json()
    assert api.post("admin", "/users/leaver/deactivate", {}).json()["active"] is False
    api.client.app.state.key_cache = KeyCache()  # as after the 30-second cache lifetime
    response = api.client.post("/screen", json={"name": "Huawei"}, headers={"X-API-Key": created["api_key"]})
    assert response.status_code == 401
