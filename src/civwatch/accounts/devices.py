"""Browsers a user signed in from before: OWASP's "device cookie" defence.

A successful sign-in gives the browser a random 256-bit cookie (the database keeps its
SHA-256 and the user it belongs to). When that browser signs in as the same user again, it
is its own lane in :mod:`civwatch.accounts.throttle`: an attacker's failures from anywhere
else pause the account for everyone but the owner's browsers, so nobody can lock an
account out by guessing at it; the browser's own failures pause it alone. The cookie
proves only "this browser signed in as this user before": it never signs anyone in.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from civwatch.accounts.models import SignInDevice
from civwatch.accounts.passwords import secret_digest
from civwatch.accounts.principal import Principal
from civwatch.db import utcnow
from civwatch.workspace import Workspace

#: A browser not used to sign in for this long is forgotten.
DEVICE_LIFETIME = timedelta(days=180)
#: Browsers remembered per user (the least recently used beyond this are forgotten).
DEVICES_PER_USER = 20


def trusted_device(
    session: Session, user_id: int, cookie: str | None, now: datetime
) -> SignInDevice | None:
    """The remembered browser that sent ``cookie``, if it is ``user_id``'s and not too old."""
    if not cookie or len(cookie) > 128:
        return None
    row = session.get(SignInDevice, secret_digest(cookie))
    if row is None or row.user_id != user_id or now - row.last_used_at > DEVICE_LIFETIME:
        return None
    return row


def remember_device(ws: Workspace, principal: Principal, cookie: str | None) -> str:
    """The device cookie for a browser that just signed in as ``principal``: the one it sent
    if it is still that user's, else a new one (the value is in this answer only)."""
    now = utcnow()
    with ws.sessions() as session, session.begin():
        known = trusted_device(session, principal.user_id, cookie, now)
        if known is not None and cookie:
            known.last_used_at = now
            return cookie
        value = secrets.token_urlsafe(32)
        session.add(
            SignInDevice(
                id_sha256=secret_digest(value),
                user_id=principal.user_id,
                created_at=now,
                last_used_at=now,
                failed_logins=0,
            )
        )
        session.flush()
        beyond = (
            select(SignInDevice.id_sha256)
            .where(SignInDevice.user_id == principal.user_id)
            .order_by(SignInDevice.last_used_at.desc())
            .offset(DEVICES_PER_USER)
        )
        session.execute(
            delete(SignInDevice).where(
                or_(
                    SignInDevice.id_sha256.in_(list(session.scalars(beyond))),
                    SignInDevice.last_used_at < now - DEVICE_LIFETIME,
                )
            )
        )
        return value


def forget_devices(session: Session, user_id: int, *, keep: str | None = None) -> int:
    """Forget the user's remembered browsers (all but the one that sent ``keep``)."""
    statement = delete(SignInDevice).where(SignInDevice.user_id == user_id)
    if keep:
        statement = statement.where(SignInDevice.id_sha256 != secret_digest(keep))
    forgotten = session.execute(statement, execution_options={"synchronize_session": False})
    return int(forgotten.rowcount)  # type: ignore[attr-defined]
