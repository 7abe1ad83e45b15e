"""Administering a data folder from its own machine, and acting there as a user by token.

Whoever holds the data folder can read and change its database, so they administer it
without signing in: they add the first admin, add users, issue API tokens, reset passwords
and second factors, and disable users. Each such act is recorded in the audit log with the
client ``local`` and no actor (and, for acts in the custody log, with ``"local": true``).

Everything else the command line does as a user needs that user's API token, resolved
exactly as the API resolves it (:func:`civwatch.accounts.tokens.resolve_token`); when it is
refused, :func:`token_principal` says why in one sentence.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from civwatch.accounts import audit
from civwatch.accounts.credentials import reset_totp, set_password
from civwatch.accounts.models import ApiToken, User
from civwatch.accounts.passwords import generate_password, secret_digest
from civwatch.accounts.permissions import PERMISSIONS, Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.accounts.roles import ADMIN
from civwatch.accounts.service import LOCAL_CLIENT, add_user, record_local
from civwatch.accounts.tokens import TOKEN_PREFIX, resolve_token, token_json
from civwatch.db import utcnow
from civwatch.errors import (
    NotAuthenticatedError,
    NotFoundError,
    PermissionDeniedError,
    RejectedInputError,
)
from civwatch.i18n import _, localise
from civwatch.workspace import Workspace

#: The name of a token issued on the command line when none is given.
DEFAULT_TOKEN_NAME = "command line"  # noqa: S105 - a label, not a secret


def _user(ws: Workspace, username: str) -> User:
    with ws.sessions() as session:
        user = session.scalars(select(User).where(User.username == username.strip())).first()
        if user is None:
            raise NotFoundError(_("No user %(username)s.", username=repr(username)))
        session.expunge(user)
        return user


def _token_role(user: User, role: str | None) -> str:
    if role is not None:
        if role not in user.roles:
            raise RejectedInputError(
                _(
                    "User %(username)s does not hold the %(role)s role (holds: %(roles)s): "
                    "a token acts with one of its owner's roles.",
                    username=repr(user.username),
                    role=repr(role),
                    roles=", ".join(user.roles),
                )
            )
        return role
    if len(user.roles) != 1:
        raise RejectedInputError(
            _(
                "User %(username)s holds the roles %(roles)s: say which one the token "
                "acts with (--role ROLE).",
                username=repr(user.username),
                roles=", ".join(user.roles),
            )
        )
    return str(user.roles[0])


def issue_token(
    ws: Workspace, username: str, *, role: str | None = None, name: str | None = None
) -> dict[str, Any]:
    """A new API token of ``username`` for ``role`` (default: their only role), issued by
    whoever holds the data folder. The secret is in the answer once and never again."""
    label = (name if name is not None else DEFAULT_TOKEN_NAME).strip()
    if not 1 <= len(label) <= 255:
        raise RejectedInputError(_("Give the token a name of 1-255 characters (what it is for)."))
    user = _user(ws, username)
    if not user.active:
        raise RejectedInputError(
            _(
                "User %(username)s is disabled: their tokens would not work.",
                username=repr(user.username),
            )
        )
    scope = _token_role(user, role)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with ws.sessions() as session, session.begin():
        token = ApiToken(
            user_id=user.id,
            name=label,
            token_sha256=secret_digest(secret),
            role=scope,
            created_at=utcnow(),
        )
        session.add(token)
        session.flush()
        record_local(session, "token-create", user.username, token=token.id, role=scope, name=label)
        return {**token_json(token), "username": user.username, "token": secret}


def revoke_token_locally(ws: Workspace, username: str, token_id: int) -> dict[str, Any]:
    """Revoke one of ``username``'s API tokens (a lost laptop, a leaked script)."""
    user = _user(ws, username)
    with ws.sessions() as session, session.begin():
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != user.id:
            raise NotFoundError(
                _(
                    "User %(username)s has no API token %(token_id)s.",
                    username=repr(user.username),
                    token_id=token_id,
                )
            )
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            record_local(session, "token-revoke", user.username, token=token.id)
        return token_json(token)


def list_tokens_of(ws: Workspace, username: str) -> list[dict[str, Any]]:
    """``username``'s API tokens, oldest first (never their secrets)."""
    user = _user(ws, username)
    with ws.sessions() as session:
        rows = session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
        )
        return [token_json(t) for t in rows]


def set_password_locally(ws: Workspace, username: str, password: str) -> dict[str, int]:
    """Set ``username``'s password, as whoever holds the data folder; returns what ended
    (replacing a password ends every session and token of the user)."""
    ended = set_password(ws, username, password, actor=None)
    with ws.sessions() as session, session.begin():
        record_local(session, "password-set", username)
    return ended


def reset_totp_locally(ws: Workspace, username: str) -> dict[str, Any]:
    """Give ``username`` a new TOTP secret, as whoever holds the data folder; returns it once."""
    second = reset_totp(ws, username, actor=None)
    with ws.sessions() as session, session.begin():
        record_local(session, "totp-reset", username)
    return second


def add_first_admin(ws: Workspace, username: str, display_name: str) -> dict[str, Any]:
    """The first admin of an empty data folder, with a generated password, a TOTP secret
    and an API token for the admin role: all in the answer, to be shown once."""
    with ws.sessions() as session:
        if session.scalars(select(User.id).limit(1)).first() is not None:
            raise RejectedInputError(
                _("This data folder already has users: add more with `civwatch user add`.")
            )
    password = generate_password()
    user = add_user(ws, username, display_name, [ADMIN], actor=None, local=True)
    set_password(ws, user["username"], password, actor=None)
    second = reset_totp(ws, user["username"], actor=None)
    token = issue_token(ws, user["username"], role=ADMIN, name=DEFAULT_TOKEN_NAME)
    return {
        **user,
        "password": password,
        "totp_secret": second["secret"],
        "totp_uri": second["uri"],
        "token": token["token"],
    }


def _why_refused(ws: Workspace, secret: str) -> str:
    """Why :func:`resolve_token` refused ``secret``, in one sentence for its holder."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 128:
        return _(
            "This is not a civwatch API token (they start with %(prefix)s): give the "
            "token that `civwatch user token NAME` printed.",
            prefix=TOKEN_PREFIX,
        )
    with ws.sessions() as session:
        row = session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_sha256 == secret_digest(secret))
        ).first()
    if row is None:
        return _(
            "This API token is unknown here: it belongs to another data folder, or was mistyped."
        )
    token, user = row
    if token.revoked_at is not None:
        return _(
            "This API token of user %(username)s was revoked on %(revoked)s: ask for a new one.",
            username=repr(user.username),
            revoked=token.revoked_at.isoformat(timespec="minutes"),
        )
    if not user.active:
        return _(
            "This API token's user %(username)s is disabled and cannot act.",
            username=repr(user.username),
        )
    return _(
        "This API token is for the %(role)s role, which user %(username)s no longer holds: "
        "ask for a token of a role they hold.",
        role=repr(token.role),
        username=repr(user.username),
    )


def token_principal(
    ws: Workspace, secret: str, permission: Permission, *, target: str
) -> Principal:
    """Who acts with API token ``secret``, once the token is live and its role allows
    ``permission`` (the token's role scope applies, as on the API).

    A refusal is audited (client ``local``) and raised with a one-sentence reason.
    """
    principal = resolve_token(ws, secret)
    if principal is None:
        reason = _why_refused(ws, secret)
        audit.record_now(
            ws,
            "token-use",
            actor=None,
            target=target,
            outcome="failed",
            client=LOCAL_CLIENT,
            detail={"reason": localise(reason, "en")},
        )
        raise NotAuthenticatedError(reason)
    if permission is not Permission.SIGNED_IN and not allows(principal.roles, permission):
        (role,) = principal.roles
        audit.record_now(
            ws,
            "authorise",
            actor=principal.username,
            target=target,
            outcome="denied",
            client=LOCAL_CLIENT,
            detail={"permission": permission.value},
        )
        raise PermissionDeniedError(
            _(
                "This API token of user %(username)s acts with the %(role)s role, "
                "which does not allow %(permission)s: that needs a token for the %(roles)s "
                "role.",
                username=repr(principal.username),
                role=repr(role),
                permission=permission.value,
                roles=" or ".join(sorted(PERMISSIONS[permission])),
            )
        )
    return principal
