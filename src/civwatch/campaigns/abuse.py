"""Holding back abuse of the public forms without any third party: a rate limit per client
that stores no address, a honeypot field, and a small proof of work asked only in bursts.

- :class:`RateLimiter` counts actions per client in a sliding window, in memory, keyed by
  ``keys.client_key`` (16 hex characters of a keyed HMAC of the address: the address is
  never kept, and the counts are forgotten when the window passes).
- :data:`HONEYPOT` is a form field hidden from people (``website``); a request that fills
  it is answered as if accepted and dropped.
- In a burst (more than ``burst`` actions in the window, all clients together) a client
  must solve a proof of work: find ``nonce`` so that SHA-256(``challenge`` + nonce) starts
  with :data:`POW_BITS` zero bits (a second of a phone's JavaScript). A client without
  JavaScript is told to try again in a minute (HTTP 429 with ``Retry-After``), and its
  form keeps what was typed; outside bursts the forms need no JavaScript at all.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field

#: The hidden form field people never fill.
HONEYPOT = "website"
#: Leading zero bits a proof of work needs.
POW_BITS = 16
#: How long a challenge may be answered, seconds.
CHALLENGE_S = 300


@dataclass
class RateLimiter:
    """At most ``per_client`` actions per client, and ``burst`` actions in all, in
    ``window_s`` seconds before proofs of work are asked (in memory, per process)."""

    per_client: int = 10
    burst: int = 300
    window_s: float = 60.0
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _all: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _trim(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window_s:
            times.popleft()

    def allow(self, client: str, *, now: float | None = None) -> bool:
        """Whether ``client`` (a :func:`keys.client_key`) may act now; counts it if so."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.setdefault(client, deque())
            self._trim(times, moment)
            if len(times) >= self.per_client:
                return False
            times.append(moment)
            self._all.append(moment)
            self._trim(self._all, moment)
            if len(self._seen) > 10_000:
                for key in [k for k, v in self._seen.items() if not v]:
                    del self._seen[key]
            return True

    def in_burst(self, *, now: float | None = None) -> bool:
        """Whether actions in the window exceed ``burst`` (a proof of work is asked)."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            self._trim(self._all, moment)
            return len(self._all) > self.burst


_SECRET = os.urandom(32)


def new_challenge(*, now: float | None = None) -> str:
    """A challenge: its time and a MAC over it (nothing kept on the server)."""
    stamp = str(int(time.time() if now is None else now))
    mac = hmac.new(_SECRET, stamp.encode(), hashlib.sha256).hexdigest()[:24]
    return f"{stamp}.{mac}"


def leading_zero_bits(digest: bytes) -> int:
    """How many zero bits ``digest`` starts with."""
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def check_work(challenge: str, nonce: str, *, now: float | None = None) -> bool:
    """Whether ``nonce`` solves ``challenge`` (made here, not expired)."""
    stamp, _sep, mac = challenge.partition(".")
    if not stamp.isdigit() or len(nonce) > 64:
        return False
    good = hmac.new(_SECRET, stamp.encode(), hashlib.sha256).hexdigest()[:24]
    if not hmac.compare_digest(good, mac):
        return False
    moment = time.time() if now is None else now
    if not 0 <= moment - int(stamp) <= CHALLENGE_S:
        return False
    digest = hashlib.sha256(f"{challenge}{nonce}".encode()).digest()
    return leading_zero_bits(digest) >= POW_BITS


def solve(challenge: str) -> str:
    """A nonce solving ``challenge`` (what the page's script does; tests and the bench)."""
    counter = 0
    while True:
        nonce = str(counter)
        digest = hashlib.sha256(f"{challenge}{nonce}".encode()).digest()
        if leading_zero_bits(digest) >= POW_BITS:
            return nonce
        counter += 1
