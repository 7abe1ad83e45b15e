"""Answers of the public API kept in memory until anything public changes.

The public map is read far more often than incidents change: every visitor's browser asks
for the markers of its viewport, and most ask for the same few viewports. An answer is
kept with the *public version* it was made at (:func:`civwatch.publish.public.
public_version`, one index lookup) and served again only while that version holds, so a
withdrawal or correction shows on the very next request. Browsers get an ETag and
``Cache-Control: no-cache``: they may keep a copy but must ask again each time, and are
answered 304 when nothing changed.

Each server process has its own cache, bounded in bytes (least recently used first out).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

#: Bytes of answers one process keeps at most.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: An answer larger than this is made each time, never kept.
MAX_ENTRY_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Cached:
    body: bytes
    etag: str


class PublicCache:
    """A byte-bounded LRU map from (request key, public version) to an answer body."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[str, Cached]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str, version: str, make: Callable[[], bytes]) -> Cached:
        """The answer for ``key`` at ``version``, made by ``make()`` when not kept."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] == version:
                self._entries.move_to_end(key)
                self.hits += 1
                return found[1]
            self.misses += 1
        # Made outside the lock: a slow answer must not hold up the others.
        body = make()
        digest = hashlib.sha256(version.encode() + b"\0" + key.encode() + b"\0" + body)
        answer = Cached(body, f'"{digest.hexdigest()[:32]}"')
        if len(body) <= MAX_ENTRY_BYTES:
            with self._lock:
                old = self._entries.pop(key, None)
                if old is not None:
                    self._bytes -= len(old[1].body)
                self._entries[key] = (version, answer)
                self._bytes += len(body)
                while self._bytes > self.max_bytes and self._entries:
                    _, (_, dropped) = self._entries.popitem(last=False)
                    self._bytes -= len(dropped.body)
        return answer

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (RFC 9110 weak comparison)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))
