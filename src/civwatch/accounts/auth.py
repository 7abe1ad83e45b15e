"""Signing in: passwords and second factors, lockout, browser sessions and API tokens.

Session ids and API tokens are random 256-bit values handed to the client once; the
database keeps only their SHA-256, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from civwatch.accounts import audit, passwords, totp
from civwatch.accounts.models import ApiToken, User, WebSession
from civwatch.accounts.permissions import TOTP_REQUIRED_ROLES
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import require_role
from civwatch.db import utcnow
from civwatch.errors import (
    CivwatchError,
    NotAuthenticatedError,
    NotFoundError,
    PermissionDeniedError,
    RejectedInputError,
    TooManyAttemptsError,
)
from civwatch.workspace import Workspace

#: Failed sign-ins in a row that lock an account, and for how long.
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
#: A session ends after this long without a request, and in any case after MAX_AGE.
IDLE_TIMEOUT = timedelta(minutes=30)
MAX_AGE = timedelta(hours=12)
#: last_seen_at is written at most this often (saves a write per request).
TOUCH_EVERY = timedelta(seconds=60)
TOKEN_PREFIX = "cw_"  # noqa: S105 - a marker, not a secret
BAD_SIGN_IN = "Wrong username, password or code."


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username.strip())).first()


def needs_totp(roles: list[str] | frozenset[str]) -> bool:
    return bool(TOTP_REQUIRED_ROLES & set(roles))


# -- passwords and second factors -----------------------------------------------------------
def set_password(ws: Workspace, username: str, password: str, *, actor: str | None) -> None:
    """Set a user's password (an admin for anyone, a user for themselves)."""
    hashed = passwords.hash_password(password)
    with ws.sessions() as session, session.begin():
        user = _user(session, username)
        if user is None:
            raise NotFoundError(f"No user {username!r}.")
        if actor is not None and actor != user.username:
            require_role(session, actor, "admin")
        user.password_hash = hashed
        user.failed_logins = 0
        user.locked_until = None
        audit.record(session, "password-set", actor=actor, target=f"user:{user.username}")


def reset_totp(ws: Workspace, username: str, *, actor: str | None) -> dict[str, str]:
    """Give the user a new TOTP secret (the old one stops working); returns it once."""
    secret = totp.new_secret()
    with ws.sessions() as session, session.begin():
        user = _user(session, username)
        if user is None:
            raise NotFoundError(f"No user {username!r}.")
        if actor is not None:
            require_role(session, actor, "admin")
        user.totp_secret = secret
        user.totp_last_step = None
        audit.record(session, "totp-reset", actor=actor, target=f"user:{user.username}")
    return {"secret": secret, "uri": totp.provisioning_uri(secret, username)}


def authenticate(
    ws: Workspace, username: str, password: str, code: str | None, *, client: str | None
) -> Principal:
    """The user if ``password`` (and ``code``, when needed) are right.

    Five failures in a row lock the account for 15 minutes; every attempt is audited
    (failures are committed before the error is raised).
    """
    with ws.sessions() as session, session.begin():
        outcome = _check_sign_in(session, username, password, code, client)
    if isinstance(outcome, Principal):
        return outcome
    raise outcome


def _check_sign_in(
    session: Session, username: str, password: str, code: str | None, client: str | None
) -> Principal | CivwatchError:
    now = utcnow()
    user = _user(session, username)
    ok = passwords.verify_password(user.password_hash if user else None, password)

    def refuse(error: CivwatchError, outcome: audit.Outcome, reason: str) -> CivwatchError:
        actor = user.username if user else None
        audit.record(
            session,
            "sign-in",
            actor=actor,
            target=f"user:{username.strip()[:64]}",
            outcome=outcome,
            client=client,
            detail={"reason": reason},
        )
        return error

    if user is None or not user.active:
        return refuse(NotAuthenticatedError(BAD_SIGN_IN), "failed", "unknown or disabled")
    if user.locked_until is not None and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        return refuse(
            TooManyAttemptsError(
                f"This account is locked after repeated failed sign-ins: try again in "
                f"{minutes} minutes, or ask an admin to reset the password."
            ),
            "denied",
            "locked",
        )
    step = -1
    if ok and user.totp_secret:
        step = totp.matching_step(user.totp_secret, code or "", user.totp_last_step)
        ok = step >= 0
    elif ok and needs_totp(user.roles):
        return refuse(
            PermissionDeniedError(
                "Your role needs a second factor and none is set up: ask an admin to run "
                f"`civwatch user reset-totp {user.username}`."
            ),
            "denied",
            "no second factor enrolled",
        )
    if not ok:
        user.failed_logins += 1
        if user.failed_logins >= LOCK_AFTER:
            user.locked_until = now + LOCK_FOR
            user.failed_logins = 0
        return refuse(NotAuthenticatedError(BAD_SIGN_IN), "failed", "wrong password or code")
    user.failed_logins = 0
    user.locked_until = None
    if step >= 0:
        user.totp_last_step = step
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    audit.record(session, "sign-in", actor=user.username, client=client)
    return Principal(user.id, user.username, user.display_name, frozenset(user.roles), "session")


# -- browser sessions --------------------------------------------------------------------------
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
                id_sha256=_sha(session_id),
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
        row = session.get(WebSession, _sha(session_id))
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
    with ws.sessions() as session, session.begin():
        session.execute(delete(WebSession).where(WebSession.id_sha256 == _sha(session_id)))


# -- API tokens ---------------------------------------------------------------------------------
def token_json(t: ApiToken) -> dict[str, Any]:
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
        raise RejectedInputError("Give the token a name of 1-255 characters (what it is for).")
    if role not in principal.roles:
        raise PermissionDeniedError(
            f"You cannot make a token with the {role!r} role: you hold "
            f"{', '.join(sorted(principal.roles))}."
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with ws.sessions() as session, session.begin():
        token = ApiToken(
            user_id=principal.user_id,
            name=name,
            token_sha256=_sha(secret),
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
            raise NotFoundError(f"You have no API token {token_id}.")
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
    digest = _sha(secret)
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


# -- account management from the web pages (admin and own account) ---------------------------
def enrol_user(
    ws: Workspace,
    username: str,
    display_name: str,
    roles: list[str],
    password: str | None,
    *,
    actor: str | None,
) -> dict[str, Any]:
    """Add a user with a password (generated when None) and, for roles that need one, a
    TOTP secret. The answer holds the generated password and the secret: show them once."""
    from civwatch.accounts.service import add_user

    chosen = passwords.check_policy(password) if password else passwords.generate_password()
    user = add_user(ws, username, display_name, roles, actor=actor)
    set_password(ws, user["username"], chosen, actor=actor)
    shown: dict[str, Any] = dict(user)
    if password is None:
        shown["password"] = chosen
    if needs_totp(user["roles"]):
        enrolled = reset_totp(ws, user["username"], actor=actor)
        shown["totp_secret"], shown["totp_uri"] = enrolled["secret"], enrolled["uri"]
    return shown


def user_security(ws: Workspace) -> dict[str, dict[str, Any]]:
    """Per username: whether a password and a second factor are set, and any lock."""
    now = utcnow()
    with ws.sessions() as session:
        return {
            u.username: {
                "has_password": u.password_hash is not None,
                "second_factor": u.totp_secret is not None,
                "needs_second_factor": needs_totp(u.roles),
                "locked_until": None
                if u.locked_until is None or u.locked_until <= now
                else u.locked_until.isoformat(timespec="minutes"),
            }
            for u in session.scalars(select(User))
        }


def _check_own_password(session: Session, username: str, password: str) -> User:
    user = _user(session, username)
    if user is None or not passwords.verify_password(user.password_hash, password):
        raise RejectedInputError("Your current password is not right.")
    return user


def change_own_password(
    ws: Workspace, username: str, current: str, new: str, *, client: str | None
) -> None:
    """A user changes their own password, proving they know the current one."""
    hashed = passwords.hash_password(new)
    with ws.sessions() as session, session.begin():
        try:
            user = _check_own_password(session, username, current)
        except RejectedInputError as exc:
            failure = exc
        else:
            user.password_hash = hashed
            audit.record(
                session, "password-change", actor=username, target=f"user:{username}", client=client
            )
            return
        audit.record(
            session,
            "password-change",
            actor=username,
            target=f"user:{username}",
            outcome="failed",
            client=client,
            detail={"reason": "wrong current password"},
        )
    raise failure


def new_totp_enrolment(username: str) -> dict[str, str]:
    """A fresh secret (not yet in force) and the otpauth:// URI an authenticator reads."""
    secret = totp.new_secret()
    return {"secret": secret, "uri": totp.provisioning_uri(secret, username)}


def valid_totp_secret(secret: str) -> bool:
    """Whether ``secret`` looks like a TOTP secret this module makes (base32, 16-64)."""
    value = secret.strip().upper()
    return 16 <= len(value) <= 64 and all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in value)


def confirm_totp(
    ws: Workspace, username: str, password: str, secret: str, code: str, *, client: str | None
) -> None:
    """Put ``secret`` in force for the user once they prove they hold it (a current code)
    and know their password; the old secret stops working."""
    secret = secret.strip().upper()
    if not valid_totp_secret(secret):
        raise RejectedInputError("The setup form expired or was changed: start the setup again.")
    step = totp.matching_step(secret, code, None)
    with ws.sessions() as session, session.begin():
        try:
            user = _check_own_password(session, username, password)
            if step < 0:
                raise RejectedInputError(
                    "That code does not match the new secret: check the authenticator app's "
                    "clock and enter the code it shows now."
                )
        except CivwatchError as exc:
            failure = exc
        else:
            user.totp_secret = secret
            user.totp_last_step = step
            audit.record(
                session, "totp-enrol", actor=username, target=f"user:{username}", client=client
            )
            return
        audit.record(
            session,
            "totp-enrol",
            actor=username,
            target=f"user:{username}",
            outcome="failed",
            client=client,
            detail={"reason": failure.message},
        )
    raise failure
