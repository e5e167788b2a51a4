"""A short-lived cache of verified API keys, so a busy client is not re-verified on every request.

Entries live ``TTL_SECONDS``; a revoked or deactivated key therefore stops working within
that time. Keys are held by their SHA-256, never in clear.
"""

from __future__ import annotations

import hashlib
import threading
import time

from exportguard.store.users import Principal

TTL_SECONDS = 30.0
MAX_ENTRIES = 10_000


class KeyCache:
    """Principal by key digest, with expiry."""

    def __init__(self, ttl: float = TTL_SECONDS):
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Principal | None:
        """The cached principal for ``key`` if verified less than ``ttl`` seconds ago."""
        entry = self._entries.get(_digest(key))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, principal: Principal) -> None:
        """Remember a successful verification."""
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[_digest(key)] = (time.monotonic() + self.ttl, principal)


    def clear(self) -> None:
        """Forget every verified key (after a key change, so the old key stops at once in this process)."""
        with self._lock:
            self._entries.clear()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
