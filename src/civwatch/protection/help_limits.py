"""What the public request-for-help form needs before any storage: a reference the person
can quote, and a rate limit per client address that never stores the address.

The limit keeps, in this process's memory only, an HMAC of each address under a random key
drawn when the process starts (so nothing written anywhere, and nothing kept after a
restart, can be turned back into an address), with the times of its recent requests in a
sliding window.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from collections import deque
from typing import Final

from civwatch.errors import RejectedInputError, TooManyAttemptsError
from civwatch.i18n import _, ngettext

#: Letters and digits a person reads out without confusion: no 0/O, 1/I/L, U (V), 5/S kept.
REFERENCE_ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PREFIX: Final = "HR"
_GROUPS: Final = 2
_GROUP_LENGTH: Final = 4
_REFERENCE = re.compile(
    rf"^{REFERENCE_PREFIX}-[{REFERENCE_ALPHABET}]{{{_GROUP_LENGTH}}}-[{REFERENCE_ALPHABET}]{{{_GROUP_LENGTH}}}$"
)


def new_reference() -> str:
    """A fresh reference such as ``HR-7Q2K-9XPD`` (30^8, about 6.6e11, possibilities)."""
    groups = (
        "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(_GROUP_LENGTH))
        for _ in range(_GROUPS)
    )
    return "-".join((REFERENCE_PREFIX, *groups))


def normalise_reference(text: str) -> str:
    """A reference as a person may quote it (any case, spaces or no dashes, O for 0...)
    in its stored form, or a clear error."""
    raw = re.sub(r"[\s\-_.]", "", text).upper()
    raw = raw.removeprefix(REFERENCE_PREFIX)
    if len(raw) == _GROUPS * _GROUP_LENGTH:
        shaped = f"{REFERENCE_PREFIX}-{raw[:_GROUP_LENGTH]}-{raw[_GROUP_LENGTH:]}"
        if _REFERENCE.match(shaped):
            return shaped
    raise RejectedInputError(
        _(
            "%(reference)s is not a request reference; a reference looks like HR-7Q2K-9XPD.",
            reference=repr(text[:40]),
        )
    )


class AddressLimiter:
    """At most ``limit`` requests per ``window`` seconds from one client address."""

    def __init__(self, limit: int = 5, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._key = os.urandom(32)
        self._seen: dict[bytes, deque[float]] = {}
        self._lock = threading.Lock()

    def _tag(self, address: str) -> bytes:
        return hmac.new(self._key, address.encode("utf-8"), hashlib.sha256).digest()

    def check(self, address: str | None, now: float | None = None) -> None:
        """Count one request from ``address`` (None: unknown, not limited here) or refuse
        it with how long to wait."""
        if address is None:
            return
        at = time.monotonic() if now is None else now
        tag = self._tag(address)
        with self._lock:
            self._forget(at)
            times = self._seen.setdefault(tag, deque())
            if len(times) >= self.limit:
                wait = max(1, int(times[0] + self.window - at + 0.999))
                raise TooManyAttemptsError(
                    ngettext(
                        "Too many requests were sent from here: please try again in %(num)s "
                        "second.",
                        "Too many requests were sent from here: please try again in %(num)s "
                        "seconds.",
                        wait,
                    )
                )
            times.append(at)

    def _forget(self, at: float) -> None:
        """Drop times older than the window, and addresses left without any."""
        cutoff = at - self.window
        for tag in list(self._seen):
            times = self._seen[tag]
            while times and times[0] <= cutoff:
                times.popleft()
            if not times:
                del self._seen[tag]


#: The limit of the public form in this process.
HELP_FORM_LIMITER: Final = AddressLimiter()
