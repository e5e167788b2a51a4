"""Lockout with backoff after failed sign-ins and API keys: guessing a key or a login gets slower and slower.

After ``FREE_FAILURES`` failures in a row from one source (a client address, or a user name at the
console sign-in) the source is locked out for ``FIRST_LOCKOUT_SECONDS``, doubling with each further
failure up to ``MAX_LOCKOUT_SECONDS``. While locked out every attempt — a correct key included — is
answered 429 with ``Retry-After``, without being checked. A success clears the source; failures are
forgotten ``FORGET_AFTER_SECONDS`` after the last one. The counts live in the server process (each
worker counts on its own, so ``--workers N`` allows up to N times as many guesses).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

FREE_FAILURES = 5
FIRST_LOCKOUT_SECONDS = 1.0
MAX_LOCKOUT_SECONDS = 900.0
FORGET_AFTER_SECONDS = 3600.0
MAX_SOURCES = 100_000


@dataclass
class _Failures:
    count: int
    last: float
    locked_until: float


class Throttle:
    """Failure counts and lockouts by source."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._sources: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def retry_after(self, source: str) -> int:
        """Whole seconds until ``source`` may try again; 0 when it may now."""
        found = self._sources.get(source)
        if found is None:
            return 0
        return max(0, math.ceil(found.locked_until - self._clock()))

    def failed(self, source: str) -> int:
        """Count a failure; returns the lockout it starts, in whole seconds (0 while still free)."""
        now = self._clock()
        with self._lock:
            found = self._sources.get(source)
            if found is None or now - found.last > FORGET_AFTER_SECONDS:
                if len(self._sources) >= MAX_SOURCES:
                    self._forget_stale(now)
                found = self._sources[source] = _Failures(0, now, now)
            found.count += 1
            found.last = now
            over = found.count - FREE_FAILURES
            if over <= 0:
                return 0
            lockout = min(FIRST_LOCKOUT_SECONDS * 2 ** (over - 1), MAX_LOCKOUT_SECONDS)
            found.locked_until = now + lockout
            return math.ceil(lockout)

    def succeeded(self, source: str) -> None:
        """A correct key or sign-in: the source starts afresh."""
        with self._lock:
            self._sources.pop(source, None)

    def _forget_stale(self, now: float) -> None:
        stale = [source for source, found in self._sources.items() if now - found.last > FORGET_AFTER_SECONDS]
        for source in stale or list(self._sources)[: MAX_SOURCES // 10]:
            del self._sources[source]
