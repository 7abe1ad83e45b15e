"""A sliding-window rate limit per client address that never keeps the address.

Each address is kept only as an HMAC under a random key made when the process starts (and
never written anywhere), so the counts in memory cannot be turned back into addresses, and
they are gone when the process ends. Used by the public request-for-help form, where the
people writing may be the ones at risk: their address must not be stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable


class RateWindow:
    """At most ``limit`` events per ``window_s`` seconds for each client (in this process)."""

    def __init__(
        self, limit: int, window_s: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def _tag(self, client: str) -> str:
        return hmac.new(self._key, client.encode(), hashlib.sha256).hexdigest()

    def allow(self, client: str) -> bool:
        """Count one event of ``client``; False (and nothing counted) when over the limit."""
        now = self._clock()
        tag = self._tag(client)
        with self._lock:
            self._calls += 1
            if self._calls % 256 == 0:
                self._sweep(now)
            events = self._events.setdefault(tag, deque())
            while events and now - events[0] >= self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True

    def _sweep(self, now: float) -> None:
        """Forget events older than the window (and clients left without any)."""
        for tag in list(self._events):
            events = self._events[tag]
            while events and now - events[0] >= self.window_s:
                events.popleft()
            if not events:
                del self._events[tag]

    def tags(self) -> list[str]:
        """The keys held now (for tests: never an address)."""
        with self._lock:
            return list(self._events)
