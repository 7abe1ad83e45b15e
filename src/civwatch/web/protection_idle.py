"""The protection desk's own idle timeout, and the gate every protection route passes.

A browser session may stay open for 30 minutes without a request (see
:mod:`civwatch.accounts.browser_sessions`); the protection desk asks for less: after
``Settings.protection_idle_minutes`` (15) without a *protection* request, the next
protection request ends the whole session and sends the person to sign in again. Reading
evidence meanwhile does not keep the desk open.

When the session last made a protection request is kept in a cookie the server signs
(HMAC-SHA256 with a key of the data folder, ``keys/web-protection-hmac.key``, shared by every
server process), bound to the session: the browser cannot make it newer, cannot move it to
another session, and sending an older one or none only brings the timeout nearer (with no
cookie the session's start counts). No schema change, and every process agrees.

API tokens (scripts, the command line) have no idle timeout: the desk's lock revokes them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.responses import Response

from civwatch.accounts.browser_sessions import end_session, session_started_at
from civwatch.accounts.passwords import secret_digest
from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.db import utcnow
from civwatch.errors import NotAuthenticatedError, RecordNotFoundError
from civwatch.files import write_new
from civwatch.i18n import _
from civwatch.web.auth import (
    SAFE_METHODS,
    current_principal,
    may,
    refuse_role,
    require,
    session_cookie_name,
)
from civwatch.workspace import Workspace

KEY_FILE = Path("keys") / "web-protection-hmac.key"
#: Where the response learns the cookie to set (see :func:`finish`).
_STATE_COOKIE = "protection_seen"

Clock = Callable[[], datetime]


def cookie_name(request: Request) -> str:
    """The signed cookie holding the time of the session's last protection request."""
    secure: bool = request.app.state.secure_cookies
    return "__Host-civwatch-protection" if secure else "civwatch_protection"


def _key(ws: Workspace) -> bytes:
    """The data folder's key for these cookies (made once, mode 0600, never overwritten)."""
    path = ws.data_dir / KEY_FILE
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another server process made it first
            write_new(path, base64.b64encode(secrets.token_bytes(32)) + b"\n")
    return base64.b64decode(path.read_bytes().strip())


def _mac(key: bytes, session_digest: str, stamp: int) -> str:
    message = f"protection-seen\0{session_digest}\0{stamp}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _seal(key: bytes, session_digest: str, when: datetime) -> str:
    stamp = int(when.timestamp())
    return f"{stamp}.{_mac(key, session_digest, stamp)}"


def _opened(key: bytes, session_digest: str, value: str | None) -> datetime | None:
    """The time a cookie value vouches for, or None when it is missing or not ours."""
    if not value or len(value) > 100:
        return None
    stamp_text, _dot, mac = value.partition(".")
    if not stamp_text.isdigit():
        return None
    stamp = int(stamp_text)
    if not hmac.compare_digest(mac.encode(), _mac(key, session_digest, stamp).encode()):
        return None
    return datetime.fromtimestamp(stamp, UTC)


def clock_of(request: Request) -> datetime:
    """Now, by the app's clock (tests move it: ``app.state.clock``)."""
    clock: Clock = getattr(request.app.state, "clock", utcnow)
    return clock()


def check_idle(request: Request, principal: Principal) -> None:
    """End the session and refuse when its last protection request is too long ago;
    otherwise note this request as the last one (the cookie is set by :func:`finish`)."""
    if principal.via != "session":
        return
    session_id = request.cookies.get(session_cookie_name(request), "")
    ws: Workspace = request.app.state.workspace
    digest = secret_digest(session_id)
    key = _key(ws)
    now = clock_of(request)
    minutes = ws.settings.protection_idle_minutes
    last = _opened(key, digest, request.cookies.get(cookie_name(request)))
    if last is None:
        last = session_started_at(ws, session_id)
    if last is None or now - last > timedelta(minutes=minutes):
        end_session(ws, session_id)
        request.state.principal = None
        raise NotAuthenticatedError(
            _(
                "You were away from the protection desk for more than %(minutes)s minutes: "
                "sign in again.",
                minutes=minutes,
            )
        )
    setattr(request.state, _STATE_COOKIE, _seal(key, digest, now))


def finish(request: Request, headers: MutableHeaders) -> None:
    """Give the browser the renewed cookie of a protection request that passed (in the
    ``headers`` of its answer)."""
    value: str | None = getattr(request.state, _STATE_COOKIE, None)
    if value is None:
        return
    secure: bool = request.app.state.secure_cookies
    holder = Response()
    holder.set_cookie(
        cookie_name(request), value, httponly=True, secure=secure, samesite="strict", path="/"
    )
    for name, cookie in holder.raw_headers:
        if name == b"set-cookie":
            headers.append("set-cookie", cookie.decode("latin-1"))


def desk_gate(permission: Permission, *, hide: bool = False) -> Callable[..., Awaitable[Principal]]:
    """The dependency of every protection route: ``require(permission)`` (the route-level
    gate the permission walk reads), then the desk's idle timeout.

    ``hide`` (the routes that read one record): a signed-in caller whose roles lack the
    permission gets "not found", as a caller outside the record's team does, never
    "forbidden" (the refusal is still in the audit log)."""
    gate = require(permission)

    async def check(request: Request) -> Principal:
        if hide and request.method in SAFE_METHODS:
            principal = await run_in_threadpool(current_principal, request)
            if principal is not None and not may(principal, permission):
                await run_in_threadpool(refuse_role, request, principal, permission)
                raise RecordNotFoundError(_("No such record."))
        found = await gate(request)
        assert found is not None  # require() lets nobody through without a principal
        await run_in_threadpool(check_idle, request, found)
        return found

    check.permission = permission  # type: ignore[attr-defined]
    return check
