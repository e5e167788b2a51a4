"""Schemathesis drives every operation of the OpenAPI document: bad input must never cause a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from exportguard.api.app import create_app
from exportguard.store.base import make_engine, session_factory
from exportguard.store.users import create_user
from exportguard.store.writes import write_transaction

ADMIN_KEY: dict[str, str] = {}
#: No 500s; only documented status codes; bodies (errors included) match their documented schema.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(database_url: str) -> Iterator[Any]:
    engine = make_engine(database_url)
    with write_transaction(session_factory(engine)) as session:
        ADMIN_KEY["X-API-Key"] = create_user(session, "fuzz-admin", "admin", actor="test")[1]
    engine.dispose()
    app = create_app(database_url)
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
