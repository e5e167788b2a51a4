"""Helpers shared by the licensing and API tests."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from fastapi.testclient import TestClient


@dataclass
class Api:
    """A test client and the X-API-Key headers of one user per role (two reviewers, for four eyes)."""

    client: TestClient
    keys: dict[str, dict[str, str]]

    def post(self, user: str, path: str, body: object) -> httpx.Response:
        return self.client.post(path, json=body, headers=self.keys[user])

    def get(self, user: str, path: str) -> httpx.Response:
        return self.client.get(path, headers=self.keys[user])


USERS = {"admin": "admin", "ann": "analyst", "rita": "reviewer", "rob": "reviewer"}
