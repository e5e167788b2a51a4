"""GET /tariffs/{hts} (API key, like the other reads) and the console's Section 301 page, over HTTP."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


def test_api_answers_with_list_heading_rate_notice_and_duty(client: TestClient, database: tuple) -> None:
    response = client.get("/tariffs/6403.99.90", params={"as_of": "2020-02-14", "value": "2000"},
                          headers={"X-API-Key": database[1]["analyst"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["list"], body["heading"], body["rate_pct"], body["notice"], body["duty"]) == (
        "4A", "9903.88.15", 7.5, "85 FR 3741", 150.0)
    assert any("exclusions are not modelled" in caveat for caveat in body["caveats"])


def test_api_needs_a_key(client: TestClient) -> None:
    assert client.get("/tariffs/85171200").status_code == 401


@pytest.mark.parametrize(("hts", "status", "code"), [("0101.99.99", 404, "unknown_hts"), ("8517.12.000", 422, "invalid_hts"),
                                                     ("8517.12", 422, "invalid_request")])
def test_api_refuses_bad_and_unknown_codes(client: TestClient, database: tuple, hts: str, status: int,
                                           code: str) -> None:
    response = client.get(f"/tariffs/{hts}", headers={"X-API-Key": database[1]["analyst"]})
    assert response.status_code == status and response.json()["code"] == code


def _sign_in(client: TestClient, keys: dict[str, str]) -> None:
    response = client.post("/console/login", data={"name": "analyst1", "api_key": keys["analyst"]})
    assert response.status_code == 200


def test_console_page_shows_the_answer_and_the_rates_over_time(client: TestClient, database: tuple) -> None:
    _sign_in(client, database[1])
    page = client.get("/console/tariffs", params={"hts": "8517.12.00", "as_of": "2019-12-15", "value": "100"})
    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "NO DUTY: HTS 8517.12.00" in text and "84 FR 69447" in text and "suspended" in text
    assert 'href="/console/tariffs" aria-current="page"' in page.text


def test_console_page_names_the_error(client: TestClient, database: tuple) -> None:
    _sign_in(client, database[1])
    page = client.get("/console/tariffs", params={"hts": "0101.99.99", "as_of": "2019-12-15"})
    assert page.status_code == 422 and "cannot tell" in page.text
    page = client.get("/console/tariffs", params={"hts": "8517.12.00", "as_of": "15/12/2019"})
    assert page.status_code == 422 and "not an ISO date" in page.text


def test_console_page_needs_a_session(client: TestClient) -> None:
    response = client.get("/console/tariffs", follow_redirects=False)
    assert response.status_code in (303, 401)
