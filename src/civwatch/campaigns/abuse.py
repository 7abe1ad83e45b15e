"""Holding back abuse of the public forms without any third party: a rate limit per client
that stores no address, a honeypot field, and a small proof of work asked only in bursts.

- :class:`RateLimiter` counts actions per client in a sliding window, in memory, keyed by
  a keyed HMAC of the address (the address is never kept, and the counts are forgotten
  when the window passes), and all actions together, to see a burst.
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

from civwatch.errors import TooManyAttemptsError
from civwatch.protection.help_limits import AddressLimiter

#: The hidden form field people never fill.
HONEYPOT = "website"
#: Leading zero bits a proof of work needs.
POW_BITS = 16
#: How long a challenge may be answered, seconds.
CHALLENGE_S = 300


class RateLimiter:
    """The public forms' limits: at most ``per_client`` actions a window from one client
    address (:class:`~civwatch.protection.help_limits.AddressLimiter`: a keyed HMAC of the
    address, in memory, forgotten with the window), and a count of every action in the
    window, which says when a burst is on (more than ``burst``: proofs of work asked)."""

    def __init__(self, per_client: int = 30, burst: int = 600, window_s: float = 60.0) -> None:
        self.clients = AddressLimiter(limit=per_client, window=window_s)
        self.burst = burst
        self.window_s = window_s
        self._all: deque[float] = deque()
        self._lock = threading.Lock()

    def _trim(self, moment: float) -> None:
        while self._all and self._all[0] <= moment - self.window_s:
            self._all.popleft()

    def check(self, address: str | None, *, now: float | None = None) -> None:
        """Count one action from ``address``, or refuse it (TooManyAttemptsError, 429,
        saying how long to wait)."""
        moment = time.monotonic() if now is None else now
        self.clients.check(address, moment)
        with self._lock:
            self._all.append(moment)
            self._trim(moment)

    def allow(self, address: str | None, *, now: float | None = None) -> bool:
        """:meth:`check` as a yes or no."""
        try:
            self.check(address, now=now)
        except TooManyAttemptsError:
            return False
        return True

    def in_burst(self, *, now: float | None = None) -> bool:
        """Whether actions in the window exceed ``burst`` (a proof of work is asked)."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            self._trim(moment)
            return len(self._all) > self.burst


_SECRET = os.urandom(32)
#: Challenges answered (each serves once), with when, forgotten once expired.
_USED: dict[str, float] = {}
_USED_LOCK = threading.Lock()


def new_challenge(*, now: float | None = None) -> str:
    """A challenge: its time, a random part and a MAC over both (nothing is kept on the
    server until it is answered; each serves once)."""
    stamp = f"{int(time.time() if now is None else now)}-{os.urandom(6).hex()}"
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
    seconds, _dash, _random = stamp.partition("-")
    if not seconds.isdigit() or len(nonce) > 64 or len(challenge) > 100:
        return False
    good = hmac.new(_SECRET, stamp.encode(), hashlib.sha256).hexdigest()[:24]
    if not hmac.compare_digest(good, mac):
        return False
    moment = time.time() if now is None else now
    if not 0 <= moment - int(seconds) <= CHALLENGE_S:
        return False
    digest = hashlib.sha256(f"{challenge}{nonce}".encode()).digest()
    if leading_zero_bits(digest) < POW_BITS:
        return False
    with _USED_LOCK:
        for old in [c for c, at in _USED.items() if at < moment - CHALLENGE_S]:
            del _USED[old]
        if challenge in _USED:
            return False
        _USED[challenge] = moment
    return True


def solve(challenge: str) -> str:
    """A nonce solving ``challenge`` (what the page's script does; tests and the bench)."""
    counter = 0
    while True:
        nonce = str(counter)
        digest = hashlib.sha256(f"{challenge}{nonce}".encode()).digest()
        if leading_zero_bits(digest) >= POW_BITS:
            return nonce
        counter += 1
