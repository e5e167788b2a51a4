"""Console sessions, CSRF, roles and dispositions over HTTP (no browser): fast and run by default."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from exportguard.matching.screener import default_screener
from exportguard.store.base import make_engine, session_factory
from exportguard.store.users import deactivate_user
from exportguard.web import dispositions, session
from exportguard.web.batch_jobs import Customer, Job
from exportguard.web.batch_pages import JOBS
from exportguard.web.templating import highlight_match
from exportguard.web.timeline import tgl_timeline

HUAWEI = {"name": "Huawei Technologies", "country": "CN"}


def sign_in(client: TestClient, keys: dict[str, str], role: str) -> str:
    """Sign in and return the session's CSRF token."""
    response = client.post("/console/login", data={"name": f"{role}1", "api_key": keys[role]})
    assert response.status_code == 200
    return re.findall(r'name="csrf" value="([^"]+)"', response.text)[0]


def disposition_form(csrf: str) -> dict[str, str]:
    entry = default_screener().screen(HUAWEI["name"], HUAWEI["country"])[0].party.key
    return {**HUAWEI, "csrf": csrf, "entry_key": entry, "decision": "false_positive", "reason": "different party"}


def test_lists_page_dates_the_lists_in_force(client: TestClient, database: tuple[str, dict[str, str]]) -> None:
    sign_in(client, database[1], "analyst")
    page = client.get("/console/lists")
    assert page.status_code == 200
    assert "Lists in force" in page.text and "2026-07-09" in page.text and "bundled" in page.text
    assert "Scheduled refresh: off" in page.text
    screened = client.get("/console/screen", params={"name": "Yangtze Memory Technologies"})
    assert "Lists as of 2022-04-21 to 2026-08-20" in screened.text and "older than 7 days" in screened.text


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/console/screen", "/console/check", "/console/licenses", "/console"):
        response = client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/console/login")


def test_session_cookie_is_httponly_strict_and_cannot_be_made_up(client: TestClient, database: tuple) -> None:
    response = client.post("/console/login", data={"name": "analyst1", "api_key": database[1]["analyst"]},
                           follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    token = client.cookies[session.COOKIE]
    forged = token[:-1] + ("A" if token.endswith("B") else "B")
    client.cookies.clear()
    client.cookies.set(session.COOKIE, forged)
    assert client.get("/console/screen", follow_redirects=False).status_code == 303
    client.cookies.set(session.COOKIE, token)
    assert client.get("/console/screen", follow_redirects=False).status_code == 200


def test_wrong_user_for_key_is_refused(client: TestClient, database: tuple) -> None:
    response = client.post("/console/login", data={"name": "admin1", "api_key": database[1]["analyst"]})
    assert response.status_code == 401
    assert "Unknown user name or API key." in response.text


def test_form_posts_need_the_session_csrf_token(client: TestClient, database: tuple) -> None:
    csrf = sign_in(client, database[1], "reviewer")
    form = disposition_form(csrf)
    assert client.post("/console/screen/disposition", data={**form, "csrf": "forged"}).status_code == 403
    assert client.post("/console/licenses/1/shipments", data={"csrf": "forged", "reference": "R", "quantity": "1",
                                                              "value": "1", "ship_date": "2024-01-01"}).status_code == 403
    assert client.post("/console/screen/disposition", data=form, follow_redirects=False).status_code == 303


def test_analyst_may_not_record_a_disposition(client: TestClient, database: tuple) -> None:
    csrf = sign_in(client, database[1], "analyst")
    response = client.post("/console/screen/disposition", data=disposition_form(csrf))
    assert response.status_code == 403
    assert "reviewer" in response.json()["message"]


def test_deactivated_user_loses_the_session(client: TestClient, database: tuple) -> None:
    url, keys = database
    sign_in(client, keys, "admin")
    sessions = session_factory(make_engine(url))
    with sessions() as db, db.begin():
        deactivate_user(db, "admin1", "test")
    assert client.get("/console/screen", follow_redirects=False).status_code == 303


def test_disposition_lapses_when_the_listed_entry_changes(database: tuple) -> None:
    hits = default_screener().screen(HUAWEI["name"], HUAWEI["country"])
    screened = dispositions.party_key(" HUAWEI  technologies", "cn")
    sessions = session_factory(make_engine(database[0]))
    with sessions() as db, db.begin():
        dispositions.record(db, "rev", hits[0].party, screened, "true_match", "same entity")
    with sessions() as db:
        assert set(dispositions.current(db, screened, hits)) == {hits[0].party.key}
        amended = replace(hits[0], party=replace(hits[0].party, addresses=("New address, Shenzhen, CN",)))
        assert dispositions.current(db, screened, [amended]) == {}
        assert dispositions.current(db, dispositions.party_key("Huawei Device", "CN"), hits) == {}


@given(st.lists(st.text(max_size=30), min_size=1, max_size=4), st.text(min_size=1, max_size=10))
def test_highlight_escapes_every_name(names: list[str], matched: str) -> None:
    html = str(highlight_match(tuple(names), matched))
    assert "<" not in html.replace("<mark>", "").replace("</mark>", "")
    assert html.count("<mark>") <= 1


@pytest.mark.parametrize(("as_of", "inside"), [
    (date(2019, 9, 10), True), (date(2019, 8, 19), True), (date(2019, 11, 19), False), (date(2019, 5, 1), False),
])
def test_timeline_places_the_date_against_the_window(as_of: date, inside: bool) -> None:
    line = tgl_timeline(date(2019, 8, 19), date(2019, 11, 18), as_of)
    assert line["inside"] is inside
    assert 0 <= line["x_start"] < line["x_end"] <= line["width"]
    assert (line["x_start"] <= line["x_as_of"] <= line["x_end"]) is inside


def test_static_files_are_whitelisted(client: TestClient) -> None:
    assert client.get("/console/static/console.css").status_code == 200
    assert client.get("/console/static/..%2Fsession.py").status_code == 404



@dataclass
class _JobFinishingWhileRendered(Job):
    """A batch whose screening thread finishes just after the page has asked whether it has."""

    asked: int = 0

    @property
    def finished(self) -> bool:
        self.asked += 1
        return self.asked > 1


def test_a_batch_finishing_during_the_page_shows_progress_not_an_empty_queue(client: TestClient,
                                                                            database: tuple) -> None:
    """The page shows what it decided on: progress (which then reloads), never the queue built from no rows."""
    sign_in(client, database[1], "reviewer")
    job = _JobFinishingWhileRendered("racing-job", "reviewer1", "customers.csv", [Customer(2, "Huawei Device", "CN")])
    JOBS._jobs[job.id] = job  # registered directly: JOBS.start would screen it in a thread
    page = client.get(f"/console/batch/{job.id}")
    assert page.status_code == 200
    assert 'data-progress-url="/console/batch/racing-job/progress"' in page.text
    assert "open hits match the filters" not in page.text
