"""Browser sessions: started at sign-in, ended by signing out, by idling or by age.

The session id is a random 256-bit value handed to the browser once (its cookie); the
database keeps only its SHA-256, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete

from civwatch.accounts.models import User, WebSession
from civwatch.accounts.passwords import secret_digest
from civwatch.accounts.principal import Principal
from civwatch.db import utcnow
from civwatch.workspace import Workspace

#: A session ends after this long without a request, and in any case after MAX_AGE.
IDLE_TIMEOUT = timedelta(minutes=30)
MAX_AGE = timedelta(hours=12)
#: last_seen_at is written at most this often (saves a write per request).
TOUCH_EVERY = timedelta(seconds=60)


def start_session(ws: Workspace, principal: Principal, *, client: str | None) -> tuple[str, str]:
    """A new session for ``principal``: (session id for the cookie, CSRF token)."""
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    with ws.sessions() as session, session.begin():
        session.execute(  # sweep sessions that can no longer be used
            delete(WebSession).where(WebSession.last_seen_at < now - IDLE_TIMEOUT)
        )
        session.add(
            WebSession(
                id_sha256=secret_digest(session_id),
                user_id=principal.user_id,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
                client=client,
            )
        )
    return session_id, csrf


def resolve_session(ws: Workspace, session_id: str) -> Principal | None:
    """The principal of a live session, or None (unknown, idle too long, user disabled)."""
    if not session_id or len(session_id) > 128:
        return None
    now = utcnow()
    with ws.sessions() as session, session.begin():
        row = session.get(WebSession, secret_digest(session_id))
        if row is None:
            return None
        user = session.get(User, row.user_id)
        expired = now - row.last_seen_at > IDLE_TIMEOUT or now - row.created_at > MAX_AGE
        if expired or user is None or not user.active:
            session.delete(row)
            return None
        if now - row.last_seen_at > TOUCH_EVERY:
            row.last_seen_at = now
        return Principal(
            user.id,
            user.username,
            user.display_name,
            frozenset(user.roles),
            "session",
            csrf_token=row.csrf_token,
        )


def end_session(ws: Workspace, session_id: str) -> None:
    """End the session ``session_id`` (signing out)."""
    with ws.sessions() as session, session.begin():
        session.execute(delete(WebSession).where(WebSession.id_sha256 == secret_digest(session_id)))


def session_started_at(ws: Workspace, session_id: str) -> datetime | None:
    """When the session ``session_id`` began (signing in), or None if it is not live."""
    with ws.sessions() as session:
        row = session.get(WebSession, secret_digest(session_id))
        return row.created_at if row is not None else None
