"""Signing in: passwords and second factors, browser sessions and API tokens, and what a
password or second-factor change ends.

Session ids and API tokens are random 256-bit values handed to the client once; the
database keeps only their SHA-256, so a copy of the database signs nobody in. Guessing is
slowed by :mod:`civwatch.accounts.throttle` wherever a password is asked.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from civwatch.accounts import audit, passwords, throttle, totp
from civwatch.accounts.devices import forget_devices, trusted_device
from civwatch.accounts.models import ApiToken, SignInDevice, User, WebSession
from civwatch.accounts.permissions import TOTP_REQUIRED_ROLES, Permission
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import require
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

#: A session ends after this long without a request, and in any case after MAX_AGE.
IDLE_TIMEOUT = timedelta(minutes=30)
MAX_AGE = timedelta(hours=12)
#: last_seen_at is written at most this often (saves a write per request).
TOUCH_EVERY = timedelta(seconds=60)
TOKEN_PREFIX = "cw_"  # noqa: S105 - a marker, not a secret
#: The one answer to every refused sign-in: wrong password or code, unknown or disabled
#: user, or an account pausing after failed attempts (which must not be told apart).
BAD_SIGN_IN = (
    "Wrong username, password or code. After repeated failures an account also pauses "
    "sign-ins for a while: try again later, or from a browser you signed in from before."
)
_sha = passwords.secret_digest


def _user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username.strip())).first()


def needs_totp(roles: list[str] | frozenset[str]) -> bool:
    return bool(TOTP_REQUIRED_ROLES & set(roles))


# -- passwords and second factors -----------------------------------------------------------
def _end_sign_ins(
    session: Session,
    user_id: int,
    *,
    keep_session: str | None = None,
    keep_device: str | None = None,
    revoke_tokens: bool = False,
) -> dict[str, int]:
    """End the user's sessions and forget their remembered browsers (all but the ones
    given to keep), and revoke their API tokens when asked; what ended, for the audit."""
    sessions = delete(WebSession).where(WebSession.user_id == user_id)
    if keep_session:
        sessions = sessions.where(WebSession.id_sha256 != _sha(keep_session))
    ended = session.execute(sessions, execution_options={"synchronize_session": False})
    forget_devices(session, user_id, keep=keep_device)
    done = {"sessions_ended": int(ended.rowcount)}  # type: ignore[attr-defined]
    if revoke_tokens:
        revoked = session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        done["tokens_revoked"] = int(revoked.rowcount)  # type: ignore[attr-defined]
    return done


def set_password(
    ws: Workspace,
    username: str,
    password: str,
    *,
    actor: str | None,
    keep_session: str | None = None,
) -> dict[str, int]:
    """Set a user's password (an admin for anyone, a user for themselves) and clear any
    pause. Replacing a password is a reset: every session of the user ends (but
    ``keep_session``, the one the user resetting their own password does it from) and
    every API token of theirs is revoked. A first password ends nothing. Returns what ended.
    """
    hashed = passwords.hash_password(password)
    with ws.sessions() as session, session.begin():
        user = _user(session, username)
        if user is None:
            raise NotFoundError(f"No user {username!r}.")
        if actor is not None and actor != user.username:
            require(session, actor, Permission.USERS_MANAGE)
        reset = user.password_hash is not None
        user.password_hash = hashed
        throttle.clear(user)
        ended = {"sessions_ended": 0, "tokens_revoked": 0}
        if reset:
            ended = _end_sign_ins(session, user.id, keep_session=keep_session, revoke_tokens=True)
        audit.record(
            session, "password-set", actor=actor, target=f"user:{user.username}", detail=ended
        )
        return ended


def reset_totp(
    ws: Workspace, username: str, *, actor: str | None, keep_session: str | None = None
) -> dict[str, Any]:
    """Give the user a new TOTP secret (the old one stops working) and end every session
    of theirs (but ``keep_session``): a lost or stolen phone. Returns the secret (once),
    its ``otpauth://`` URI and ``sessions_ended``."""
    secret = totp.new_secret()
    with ws.sessions() as session, session.begin():
        user = _user(session, username)
        if user is None:
            raise NotFoundError(f"No user {username!r}.")
        if actor is not None:
            require(session, actor, Permission.USERS_MANAGE)
        user.totp_secret = secret
        user.totp_last_step = None
        ended = _end_sign_ins(session, user.id, keep_session=keep_session)
        audit.record(
            session, "totp-reset", actor=actor, target=f"user:{user.username}", detail=ended
        )
    return {
        "secret": secret,
        "uri": totp.provisioning_uri(secret, username),
        "sessions_ended": ended["sessions_ended"],
    }


def ended_note(username: str, ended: dict[str, int], *, own: bool = False) -> str | None:
    """A sentence for whoever reset ``username``'s password or second factor: what ended."""
    sessions, tokens = ended.get("sessions_ended", 0), ended.get("tokens_revoked")
    if own and tokens is not None:
        return (
            f"Your other sessions ended ({sessions}) and your API tokens were revoked ({tokens})."
        )
    if own:
        return f"Your other sessions ended ({sessions})."
    if tokens is not None:
        return (
            f"Every session of {username} ended ({sessions}) and every API token of theirs "
            f"was revoked ({tokens})."
        )
    return f"Every session of {username} ended ({sessions})."


# -- checking a password: held, verified, counted ----------------------------------------
@dataclass(frozen=True)
class _Check:
    """A password check under way, between the transaction that held its lane and the one
    that settles it (the argon2 verification runs in neither)."""

    user_id: int | None
    password_hash: str | None
    #: ("account", user id) or ("device", cookie digest); None for unknown users.
    lane: tuple[Literal["account", "device"], int | str] | None
    #: Whether the lane was free and is now held by this check.
    held: bool
    #: When the lane's pause ends, if it was not free.
    paused_until: datetime | None


def _begin_check(ws: Workspace, username: str, device: str | None) -> _Check:
    now = utcnow()
    with ws.sessions() as session, session.begin():
        user = _user(session, username)
        if user is None or not user.active:
            return _Check(user.id if user else None, None, None, False, None)
        remembered = trusted_device(session, user.id, device, now)
        lane: throttle.Lane = remembered or user
        key: tuple[Literal["account", "device"], int | str] = (
            ("device", remembered.id_sha256) if remembered else ("account", user.id)
        )
        paused_until = lane.locked_until
        held = throttle.hold(session, lane, now)
        return _Check(user.id, user.password_hash, key, held, None if held else paused_until)


def _lane(session: Session, check: _Check) -> throttle.Lane | None:
    if check.lane is None:
        return None
    kind, key = check.lane
    if kind == "account":
        return session.get(User, key)
    return session.get(SignInDevice, key)


def _settle(session: Session, check: _Check, outcome: Literal["ok", "failed", "void"]) -> None:
    """End a held check: a right password clears its lane, a failure pauses it, a void
    check (no guess) only releases it."""
    lane = _lane(session, check) if check.held else None
    if lane is None:
        return
    if outcome == "ok":
        throttle.clear(lane)
    elif outcome == "failed":
        throttle.count_failure(lane, utcnow())
    else:
        throttle.release(lane)


# -- signing in -----------------------------------------------------------------------------
def authenticate(
    ws: Workspace,
    username: str,
    password: str,
    code: str | None,
    *,
    client: str | None,
    device: str | None = None,
) -> Principal:
    """The user if ``password`` (and ``code``, when needed) are right.

    Each failure pauses the account (or, from a browser that sent the user's device cookie
    ``device``, that browser only) for a growing time, see :mod:`civwatch.accounts.throttle`.
    Attempts during a pause are refused unchecked, with the same answer, after the same
    argon2 work, as a wrong password or an unknown user. Every attempt is audited (refusals
    are committed before the error is raised).
    """
    check = _begin_check(ws, username, device)
    ok = passwords.verify_password(check.password_hash, password)
    with ws.sessions() as session, session.begin():
        outcome = _conclude_sign_in(
            session, username, check, password if ok else None, code, client
        )
    if isinstance(outcome, Principal):
        return outcome
    raise outcome


def _conclude_sign_in(
    session: Session,
    username: str,
    check: _Check,
    verified: str | None,
    code: str | None,
    client: str | None,
) -> Principal | CivwatchError:
    """Settle a sign-in whose password was checked (``verified``: the password if right)."""
    user = session.get(User, check.user_id) if check.user_id is not None else None

    def refuse(
        error: CivwatchError,
        outcome: audit.Outcome,
        reason: str,
        settle: Literal["failed", "void"] = "void",
    ) -> CivwatchError:
        _settle(session, check, settle)
        audit.record(
            session,
            "sign-in",
            actor=user.username if user else None,
            target=f"user:{username.strip()[:64]}",
            outcome=outcome,
            client=client,
            detail={"reason": reason},
        )
        return error

    if user is None or not user.active:
        return refuse(NotAuthenticatedError(BAD_SIGN_IN), "failed", "unknown or disabled")
    if not check.held:
        return refuse(NotAuthenticatedError(BAD_SIGN_IN), "failed", "paused after failed attempts")
    # (and the password did not change while it was checked)
    ok = verified is not None and user.password_hash == check.password_hash
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
        return refuse(
            NotAuthenticatedError(BAD_SIGN_IN), "failed", "wrong password or code", "failed"
        )
    _settle(session, check, "ok")
    if step >= 0:
        user.totp_last_step = step
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(verified or "")
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
    """Per username: whether a password and a second factor are set, and any running pause
    of sign-ins from browsers the user never signed in from."""
    now = utcnow()
    with ws.sessions() as session:
        return {
            u.username: {
                "has_password": u.password_hash is not None,
                "second_factor": u.totp_secret is not None,
                "needs_second_factor": needs_totp(u.roles),
                "paused_until": None
                if u.locked_until is None or u.locked_until <= now
                else u.locked_until.isoformat(timespec="seconds"),
                "failed_sign_ins": u.failed_logins,
            }
            for u in session.scalars(select(User))
        }


def _own_check(
    ws: Workspace, username: str, password: str, device: str | None, action: str, client: str | None
) -> tuple[_Check, bool]:
    """Check a signed-in user's own password as a sign-in is checked (held, verified, the
    failure counted by the caller's :func:`_settle`); while their lane is paused, refuse
    with how long to wait (they are signed in: nothing to hide)."""
    check = _begin_check(ws, username, device)
    if check.user_id is None:
        raise NotFoundError(f"No user {username!r}.")
    if not check.held:
        wait = throttle.wait_seconds(check.paused_until, utcnow())
        audit.record_now(
            ws,
            action,
            actor=username,
            target=f"user:{username}",
            outcome="denied",
            client=client,
            detail={"reason": "paused after failed attempts"},
        )
        raise TooManyAttemptsError(
            f"Too many wrong passwords were tried on this account: try again in {wait} seconds."
        )
    return check, passwords.verify_password(check.password_hash, password)


WRONG_CURRENT_PASSWORD = "Your current password is not right."  # noqa: S105 - a message


def change_own_password(
    ws: Workspace,
    username: str,
    current: str,
    new: str,
    *,
    client: str | None,
    session_id: str | None = None,
    device: str | None = None,
    revoke_tokens: bool = False,
) -> dict[str, int]:
    """A user changes their own password, proving they know the current one (a wrong one
    counts as a failed sign-in). Every other session of theirs ends and their other
    remembered browsers are forgotten (``session_id`` and ``device`` are the ones they do
    it from); their API tokens are revoked when they ask. Returns what ended."""
    passwords.check_policy(new)  # before a guess is spent
    check, ok = _own_check(ws, username, current, device, "password-change", client)
    hashed = passwords.hash_password(new) if ok else None
    with ws.sessions() as session, session.begin():
        user = session.get(User, check.user_id)
        ok = ok and user is not None and user.password_hash == check.password_hash
        _settle(session, check, "ok" if ok else "failed")
        if ok and user is not None and hashed is not None:
            user.password_hash = hashed
            ended = _end_sign_ins(
                session,
                user.id,
                keep_session=session_id,
                keep_device=device,
                revoke_tokens=revoke_tokens,
            )
            ended.setdefault("tokens_revoked", 0)
            audit.record(
                session,
                "password-change",
                actor=username,
                target=f"user:{username}",
                client=client,
                detail=ended,
            )
            return ended
        audit.record(
            session,
            "password-change",
            actor=username,
            target=f"user:{username}",
            outcome="failed",
            client=client,
            detail={"reason": "wrong current password"},
        )
    raise RejectedInputError(WRONG_CURRENT_PASSWORD)


def new_totp_enrolment(username: str) -> dict[str, str]:
    """A fresh secret (not yet in force) and the otpauth:// URI an authenticator reads."""
    secret = totp.new_secret()
    return {"secret": secret, "uri": totp.provisioning_uri(secret, username)}


def valid_totp_secret(secret: str) -> bool:
    """Whether ``secret`` looks like a TOTP secret this module makes (base32, 16-64)."""
    value = secret.strip().upper()
    return 16 <= len(value) <= 64 and all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in value)


def confirm_totp(
    ws: Workspace,
    username: str,
    password: str,
    secret: str,
    code: str,
    *,
    client: str | None,
    session_id: str | None = None,
    device: str | None = None,
) -> dict[str, int]:
    """Put ``secret`` in force for the user once they prove they hold it (a current code)
    and know their password (a wrong one counts as a failed sign-in); the old secret stops
    working, and every other session of theirs ends (``session_id`` and ``device`` are the
    ones they do it from). Returns what ended."""
    secret = secret.strip().upper()
    if not valid_totp_secret(secret):
        raise RejectedInputError("The setup form expired or was changed: start the setup again.")
    step = totp.matching_step(secret, code, None)
    check, ok = _own_check(ws, username, password, device, "totp-enrol", client)
    with ws.sessions() as session, session.begin():
        user = session.get(User, check.user_id)
        ok = ok and user is not None and user.password_hash == check.password_hash
        _settle(session, check, "ok" if ok else "failed")
        failure = None
        if not ok:
            failure = RejectedInputError(WRONG_CURRENT_PASSWORD)
        elif step < 0:
            failure = RejectedInputError(
                "That code does not match the new secret: check the authenticator app's "
                "clock and enter the code it shows now."
            )
        elif user is not None:
            user.totp_secret = secret
            user.totp_last_step = step
            ended = _end_sign_ins(session, user.id, keep_session=session_id, keep_device=device)
            audit.record(
                session,
                "totp-enrol",
                actor=username,
                target=f"user:{username}",
                client=client,
                detail=ended,
            )
            return ended
        audit.record(
            session,
            "totp-enrol",
            actor=username,
            target=f"user:{username}",
            outcome="failed",
            client=client,
            detail={"reason": failure.message if failure else "no such user"},
        )
    raise failure or NotFoundError(f"No user {username!r}.")
