"""Schemathesis drives every operation of the OpenAPI document, and hypothesis plants hostile values in
every request body and console form: bad input must never cause a 5xx, and errors keep their shape."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from exportguard.api.app import create_app
from exportguard.store.base import make_engine, session_factory
from exportguard.store.users import create_user
from exportguard.store.writes import write_transaction

ADMIN_KEY: dict[str, str] = {}
#: The application under test, for the requests the fuzzers send themselves.
APP: dict[str, Any] = {}
#: No 500s; only documented status codes; bodies (errors included) match their documented schema.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(database_url: str) -> Iterator[Any]:
    engine = make_engine(database_url)
    with write_transaction(session_factory(engine)) as session:
        ADMIN_KEY["X-API-Key"] = create_user(session, "fuzz-admin", "admin", actor="test")[1]
    engine.dispose()
    app = create_app(database_url)
    APP["app"] = app
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    app.state.engine.dispose()


def test_no_input_causes_a_server_error(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE))
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def no_server_error(case: Any) -> None:
            case.call_and_validate(headers=ADMIN_KEY, checks=CHECKS)

        no_server_error()


# Values that once reached the database or a response encoder and failed there: lone surrogates, NUL,
# very long text, non-finite and huge numbers, amounts below a cent.
HOSTILE_TEXT = st.sampled_from(["\ud800", "a\udfffb", "a\x00b", "x" * 20_000, "é" * 600, "\U0010ffff", " ", "",
                                "1180591620717411303424", "-1", "NaN", "Infinity", "1e999999", "0.001"])
HOSTILE_LITERAL = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e999999", "0.001",
                                   str(10**30), str(-(10**30)), "1e-400", "1" + "0" * 5000])
HOSTILE = st.one_of(HOSTILE_TEXT.map(json.dumps), HOSTILE_LITERAL, st.text(max_size=30).map(json.dumps))


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict) and value:
        return [path] + [p for key, item in value.items() for p in _leaf_paths(item, (*path, key))]
    if isinstance(value, list) and value:
        return [path] + [p for index, item in enumerate(value) for p in _leaf_paths(item, (*path, index))]
    return [path]


def _with_marker(value: Any, path: tuple[Any, ...], marker: str) -> Any:
    if not path:
        return marker
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _with_marker(value[path[0]], path[1:], marker)  # type: ignore[index]
    return copy


def assert_error_shape(response: Any) -> None:
    """Never a 5xx; an error answers in the documented shape."""
    assert response.status_code < 500, (response.status_code, response.text[:500])
    if response.status_code >= 400 and response.headers.get("content-type", "").startswith("application/json"):
        assert set(response.json()) == {"code", "message", "details"}, response.text[:500]


def hostile_bodies_test(api_schema: Any, max_examples: int) -> None:
    client = TestClient(APP["app"], raise_server_exceptions=False)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    with_bodies = [operation for operation in operations if operation.body]
    assert len(with_bodies) >= 8
    for operation in with_bodies:

        @given(case=operation.as_strategy(GenerationMode.POSITIVE), hostile=HOSTILE, data=st.data())
        @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def refused_in_shape(case: Any, hostile: str, data: st.DataObject) -> None:
            body = case.body if isinstance(case.body, dict | list) else {}
            path = data.draw(st.sampled_from(_leaf_paths(body)))
            raw = json.dumps(_with_marker(body, path, "@@HOSTILE@@")).replace('"@@HOSTILE@@"', hostile)
            response = client.request(case.method, case.formatted_path, content=raw.encode("utf-8", "surrogatepass"),
                                      headers={**ADMIN_KEY, "content-type": "application/json"})
            assert_error_shape(response)

        refused_in_shape()


def test_hostile_values_anywhere_in_a_body_never_cause_a_server_error(api_schema: Any) -> None:
    hostile_bodies_test(api_schema, max_examples=12)


#: The long fuzz runs (200 and 150 examples a route, about 2.5 minutes on both databases) are for a
#: hardening pass, not every CI run: the bounded versions above run by default.
LONG_FUZZ = pytest.mark.skipif(not os.environ.get("EXPORTGUARD_SCALE_TESTS"),
                               reason="set EXPORTGUARD_SCALE_TESTS=1 for the long fuzz runs")


@pytest.mark.slow
@LONG_FUZZ
def test_hostile_values_anywhere_in_a_body_never_cause_a_server_error_long(api_schema: Any) -> None:
    hostile_bodies_test(api_schema, max_examples=200)


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every route with its full path, through included routers (which recent FastAPI keeps unflattened)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes, prefix + route.include_context.prefix)


def _console_routes(app: Any) -> list[tuple[str, APIRoute]]:
    return [(path, route) for path, route in _routes(app.routes)
            if path.startswith("/console") and path != "/console/login"]


def console_fuzz_test(api_schema: Any, max_examples: int) -> None:
    app = APP["app"]
    client = TestClient(app, raise_server_exceptions=False)
    signed_in = client.post("/console/login", data={"name": "fuzz-admin", "api_key": ADMIN_KEY["X-API-Key"]})
    csrf = re.findall(r'name="csrf" value="([^"]+)"', signed_in.text)[0]
    routes = _console_routes(app)
    assert len(routes) >= 10
    for full_path, route in routes:
        _fuzz_console_route(client, csrf, full_path, route, max_examples)


def _fuzz_console_route(client: TestClient, csrf: str, full_path: str, route: APIRoute, max_examples: int) -> None:
    method = sorted(route.methods)[0]
    fields = [param.name for param in route.dependant.body_params]
    queries = [param.name for param in route.dependant.query_params]
    paths = [param.name for param in route.dependant.path_params]

    @given(values=st.lists(HOSTILE_TEXT | st.text(max_size=20), min_size=12, max_size=12), real_csrf=st.booleans())
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def console_answers(values: list[str], real_csrf: bool) -> None:
        safe = [value.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for value in values]
        path = full_path
        for name, value in zip(paths, safe, strict=False):
            path = path.replace("{" + name + "}", quote(value or "0", safe=""))
        form = dict(zip(fields, safe[3:], strict=False))
        if "csrf" in form and real_csrf:
            form["csrf"] = csrf
        params = dict(zip(queries, safe[8:], strict=False))
        response = client.request(method, path, params=params, data=form or None, follow_redirects=False)
        assert_error_shape(response)

    console_answers()


def test_no_console_input_causes_a_server_error(api_schema: Any) -> None:
    console_fuzz_test(api_schema, max_examples=10)


@pytest.mark.slow
@LONG_FUZZ
def test_no_console_input_causes_a_server_error_long(api_schema: Any) -> None:
    console_fuzz_test(api_schema, max_examples=150)
