"""SIGKILL the server mid-stream: every acknowledged write survives, nothing is half-written."""

from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from licensing_support import free_port, start_server
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from exportguard.store.audit import AuditRecord, verify_chain
from exportguard.store.licensing import Application, ApplicationEvent
from exportguard.store.users import create_user
from exportguard.store.writes import write_transaction

WRITERS = 4
KILL_AFTER = 60
DRAFT = {"title": "Routers", "applicant": "Acme Networks Inc.", "destination": "CN",
         "parties": [{"role": "end_user", "name": "Huawei Technologies Co., Ltd.", "country": "CN"}],
         "items": [{"eccn": "5A992.c", "description": "routers", "quantity": 1, "value": "1.00"}]}


def _write_until_refused(base: str, key: str, acknowledged: list[int], stop: threading.Event) -> None:
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=5) as client:
        while not stop.is_set():
            try:
                response = client.post("/applications", json=DRAFT)
            except httpx.TransportError:
                return
            if response.status_code == 201:
                acknowledged.append(response.json()["id"])


@pytest.mark.slow
def test_sigkill_loses_no_acknowledged_write(database_url: str, sessions: sessionmaker[Session]) -> None:
    with write_transaction(sessions) as session:
        key = create_user(session, "ann", "analyst", actor="test")[1]
    port = free_port()
    server = start_server(database_url, port)
    acknowledged: list[int] = []
    stop = threading.Event()
    with ThreadPoolExecutor(WRITERS) as pool:
        for _ in range(WRITERS):
            pool.submit(_write_until_refused, f"http://127.0.0.1:{port}", key, acknowledged, stop)
        while len(acknowledged) < KILL_AFTER:
            stop.wait(0.01)
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        stop.set()
    restarted = start_server(database_url, port)
    try:
        _assert_complete_and_verified(sessions, set(acknowledged))
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    finally:
        restarted.terminate()
        restarted.wait()


def _assert_complete_and_verified(sessions: sessionmaker[Session], acknowledged: set[int]) -> None:
    with sessions() as session:
        stored = set(session.scalars(select(Application.id)))
        with_events = set(session.scalars(select(ApplicationEvent.application_id)))
        audited = session.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "application.draft")
        )
        assert acknowledged <= stored
        assert with_events == stored  # no application without its history
        assert audited == len(stored)  # and none without its audit record
        assert verify_chain(session).ok
