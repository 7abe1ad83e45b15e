"""Slowing down guessing: failed sign-ins counted per client address, in memory."""

from __future__ import annotations

import threading
import time
from collections import deque

from civwatch.errors import TooManyAttemptsError


class ClientThrottle:
    """Refuses a client after ``limit`` failures within ``window_s`` seconds."""

    def __init__(self, limit: int = 20, window_s: float = 600.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.setdefault(client, deque())
        while times and now - times[0] > self.window_s:
            times.popleft()
        return times

    def check(self, client: str) -> None:
        """Raise :class:`TooManyAttemptsError` when ``client`` must wait."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            if len(times) >= self.limit:
                wait = int(self.window_s - (now - times[0])) + 1
                raise TooManyAttemptsError(
                    f"Too many failed sign-ins from this address: try again in {wait} seconds."
                )

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(client, now).append(now)
            if len(self._failures) > 100_000:  # bound memory under a spray of addresses
                self._failures.clear()
