"""Answers kept in memory until what they show changes.

The maps (the public one and the team's) and the public feeds are read far more often
than incidents change: every browser asks for the markers of its viewport, and most ask
for the same few. An answer is kept with the *version* it was made at and served again
only while that version holds, so an edit, a withdrawal or a correction shows on the very
next request, in every server process (each checks the version in the database, one
index lookup). Browsers and proxies get an ETag and ``Cache-Control: no-cache``: they may
keep a copy but must ask again each time, and are answered 304 when nothing changed.

There are two versions. Public answers are made at
:func:`civwatch.incidents.versions.public_version`, which moves only when something public
changes (a publication, a withdrawal, a correction...), so neither their ETags nor their
freshness reveal that the team is working on anything. The team's answers are made at
:func:`civwatch.incidents.versions.incidents_version`, which moves with every change.

Only answers that are the same for everyone allowed to ask are kept here; the route's
permission check runs before the cache is consulted. Each server process has its own
cache, bounded in bytes (least recently used first out).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from civwatch.i18n import current_language
from civwatch.incidents.map_grid import Grid
from civwatch.incidents.versions import incidents_version, public_version
from civwatch.workspace import Workspace

#: Bytes of answers one process keeps at most.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: An answer larger than this is made each time, never kept.
MAX_ENTRY_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Cached:
    body: bytes
    etag: str


class AnswerCache:
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


def cached_answer(
    request: Request,
    ws: Workspace,
    make: Callable[[], bytes],
    media_type: str,
    *,
    public: bool,
    query: str | None = None,
) -> Response:
    """The answer ``make()`` gives, kept in the app's :class:`AnswerCache` under the
    request's path and query until the version changes (``public``: the public version,
    else the team's); 304 when the client has it already. ``query`` replaces the request's
    query in the key when different queries have one answer (map cells: every viewport
    widened to the same whole cells)."""
    with ws.sessions() as session:
        version = public_version(session) if public else incidents_version(session)
    cache: AnswerCache = request.app.state.answer_cache
    # Keyed on the path, the query and the reader's language (labels and dates are in it),
    # never on the Host header, so a visitor varying it must not fill the cache with copies.
    asked = request.url.query if query is None else query
    key = f"{current_language()} {request.url.path}?{asked}"
    answer = cache.get(key, version, make)
    return revalidated(request, answer.body, answer.etag, media_type)


def revalidated(
    request: Request, body: bytes, etag: str, media_type: str, **headers: str
) -> Response:
    """``body`` with its ETag and ``Cache-Control: no-cache`` (a browser or proxy may keep
    it but asks again each time, so a withdrawal reaches it at once), or 304 when the
    client's ``If-None-Match`` names the ETag."""
    sent = {**headers, "ETag": etag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=sent)
    return Response(body, media_type=media_type, headers=sent)


#: Parameters a map's cells answer does not depend on (the box is replaced by its cells).
CELL_FREE = frozenset({"bbox", "limit", "cursor", "kind"})


def cells_query(request: Request, grid: Grid) -> str:
    """The cache key's query for a map's cells answer: the request's other parameters and
    the grid (cell size, box widened to whole cells), so every viewport widened to the same
    cells shares one answer."""
    same = [(k, v) for k, v in request.query_params.multi_items() if k not in CELL_FREE]
    same.append(("cells", ",".join(map(str, [grid.size, *grid.box.as_list()]))))
    return urlencode(sorted(same))
