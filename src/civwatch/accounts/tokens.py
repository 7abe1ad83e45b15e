"""API tokens: made by a user for one of their roles, listed, revoked, and resolved on each
request.

A token is a random 256-bit value with the prefix :data:`TOKEN_PREFIX`, shown once; the
database keeps only its SHA-256, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from civwatch.accounts import audit
from civwatch.accounts.browser_sessions import TOUCH_EVERY
from civwatch.accounts.models import ApiToken, User
from civwatch.accounts.passwords import secret_digest
from civwatch.accounts.principal import Principal
from civwatch.db import utcnow
from civwatch.errors import NotFoundError, PermissionDeniedError, RejectedInputError
from civwatch.i18n import _
from civwatch.workspace import Workspace

TOKEN_PREFIX = "cw_"  # noqa: S105 - a marker, not a secret


def token_json(t: ApiToken) -> dict[str, Any]:
    """A token as its owner sees it (never its secret)."""
    return {
        "id": t.id,
        "name": t.name,
        "role": t.role,
        "created_at": t.created_at.isoformat(),
        "last_used_at": _iso(t.last_used_at),
        "revoked_at": _iso(t.revoked_at),
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def create_token(ws: Workspace, principal: Principal, name: str, role: str) -> dict[str, Any]:
    """A new API token of ``principal`` scoped to one of their roles; the secret is in
    the answer once and never again."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 255:
        raise RejectedInputError(_("Give the token a name of 1-255 characters (what it is for)."))
    if role not in principal.roles:
        raise PermissionDeniedError(
            _(
                "You cannot make a token with the %(role)s role: you hold %(roles)s.",
                role=repr(role),
                roles=", ".join(sorted(principal.roles)),
            )
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with ws.sessions() as session, session.begin():
        token = ApiToken(
            user_id=principal.user_id,
            name=name,
            token_sha256=secret_digest(secret),
            role=role,
            created_at=utcnow(),
        )
        session.add(token)
        session.flush()
        audit.record(
            session,
            "token-create",
            actor=principal.username,
            target=f"token:{token.id}",
            detail={"role": role, "name": name},
        )
        return {**token_json(token), "token": secret}


def list_tokens(ws: Workspace, principal: Principal) -> list[dict[str, Any]]:
    """The principal's own tokens (never anyone else's)."""
    with ws.sessions() as session:
        rows = session.scalars(
            select(ApiToken).where(ApiToken.user_id == principal.user_id).order_by(ApiToken.id)
        )
        return [token_json(t) for t in rows]


def revoke_token(ws: Workspace, principal: Principal, token_id: int) -> dict[str, Any]:
    """Revoke one of the principal's own tokens (another user's is 'not found')."""
    with ws.sessions() as session, session.begin():
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != principal.user_id:
            raise NotFoundError(_("You have no API token %(token_id)s.", token_id=token_id))
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            audit.record(
                session, "token-revoke", actor=principal.username, target=f"token:{token.id}"
            )
        return token_json(token)


def resolve_token(ws: Workspace, secret: str) -> Principal | None:
    """The principal of a live token: its role, while the user is active and holds it.

    One read per request (token and owner together); the token's ``last_used_at`` is
    written at most every :data:`TOUCH_EVERY`, and only by the request that finds it due.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 128:
        return None
    digest = secret_digest(secret)
    with ws.sessions() as session:
        row = session.execute(
            select(
                ApiToken.id,
                ApiToken.role,
                ApiToken.last_used_at,
                User.id,
                User.username,
                User.display_name,
                User.roles,
            )
            .join(User, User.id == ApiToken.user_id)
            .where(
                ApiToken.token_sha256 == digest,
                ApiToken.revoked_at.is_(None),
                User.active.is_(True),
            )
        ).first()
        if row is None:
            return None
        token_id, role, last_used_at, user_id, username, display_name, roles = row
        if role not in roles:
            return None
        now = utcnow()
        if last_used_at is None or now - last_used_at > TOUCH_EVERY:
            session.execute(
                update(ApiToken)
                .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
                .values(last_used_at=now)
            )
            session.commit()
        return Principal(user_id, username, display_name, frozenset({role}), "token")
