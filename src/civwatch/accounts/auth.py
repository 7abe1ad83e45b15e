"""Signing in: a password (and a second factor, when the role needs one or the user set one
up) checked, slowed and audited.

Guessing is slowed by :mod:`civwatch.accounts.throttle` wherever a password is asked: a
check holds its lane (the account, or a browser the user signed in from before) in one
transaction, runs argon2 outside any, and settles the lane in the next. Browser sessions are
in :mod:`civwatch.accounts.browser_sessions`, API tokens in :mod:`civwatch.accounts.tokens`,
setting and changing passwords and second factors in :mod:`civwatch.accounts.credentials`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts import audit, passwords, throttle, totp
from civwatch.accounts.devices import trusted_device
from civwatch.accounts.models import SignInDevice, User
from civwatch.accounts.permissions import TOTP_REQUIRED_ROLES
from civwatch.accounts.principal import Principal
from civwatch.db import utcnow
from civwatch.errors import (
    CivwatchError,
    NotAuthenticatedError,
    PermissionDeniedError,
)
from civwatch.i18n import N_, _
from civwatch.workspace import Workspace

#: The one answer to every refused sign-in: wrong password or code, unknown or disabled
#: user, or an account pausing after failed attempts (which must not be told apart).
BAD_SIGN_IN = N_(
    "Wrong username, password or code. After repeated failures an account also pauses "
    "sign-ins for a while: try again later, or from a browser you signed in from before."
)


def user_named(session: Session, username: str) -> User | None:
    """The user ``username`` (surrounding space ignored), or None."""
    return session.scalars(select(User).where(User.username == username.strip())).first()


def needs_totp(roles: list[str] | frozenset[str]) -> bool:
    """Whether one of ``roles`` signs in only with a second factor."""
    return bool(TOTP_REQUIRED_ROLES & set(roles))


# -- checking a password: held, verified, counted ----------------------------------------
@dataclass(frozen=True)
class PasswordCheck:
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


def begin_check(ws: Workspace, username: str, device: str | None) -> PasswordCheck:
    """Hold the lane of a password check on ``username`` (from the browser ``device``), or
    find it paused; an unknown or disabled user holds no lane."""
    now = utcnow()
    with ws.sessions() as session, session.begin():
        user = user_named(session, username)
        if user is None or not user.active:
            return PasswordCheck(user.id if user else None, None, None, False, None)
        remembered = trusted_device(session, user.id, device, now)
        lane: throttle.Lane = remembered or user
        key: tuple[Literal["account", "device"], int | str] = (
            ("device", remembered.id_sha256) if remembered else ("account", user.id)
        )
        paused_until = lane.locked_until
        held = throttle.hold(session, lane, now)
        return PasswordCheck(user.id, user.password_hash, key, held, None if held else paused_until)


def _lane(session: Session, check: PasswordCheck) -> throttle.Lane | None:
    if check.lane is None:
        return None
    kind, key = check.lane
    if kind == "account":
        return session.get(User, key)
    return session.get(SignInDevice, key)


def settle(
    session: Session, check: PasswordCheck, outcome: Literal["ok", "failed", "void"]
) -> None:
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
    check = begin_check(ws, username, device)
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
    check: PasswordCheck,
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
        ending: Literal["failed", "void"] = "void",
    ) -> CivwatchError:
        settle(session, check, ending)
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
        return refuse(NotAuthenticatedError(_(BAD_SIGN_IN)), "failed", "unknown or disabled")
    if not check.held:
        return refuse(
            NotAuthenticatedError(_(BAD_SIGN_IN)), "failed", "paused after failed attempts"
        )
    # (and the password did not change while it was checked)
    ok = verified is not None and user.password_hash == check.password_hash
    step = -1
    if ok and user.totp_secret:
        step = totp.matching_step(user.totp_secret, code or "", user.totp_last_step)
        ok = step >= 0
    elif ok and needs_totp(user.roles):
        return refuse(
            PermissionDeniedError(
                _(
                    "Your role needs a second factor and none is set up: ask an admin to "
                    "run `civwatch user reset-totp %(username)s`.",
                    username=user.username,
                )
            ),
            "denied",
            "no second factor enrolled",
        )
    if not ok:
        return refuse(
            NotAuthenticatedError(_(BAD_SIGN_IN)), "failed", "wrong password or code", "failed"
        )
    settle(session, check, "ok")
    if step >= 0:
        user.totp_last_step = step
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(verified or "")
    audit.record(session, "sign-in", actor=user.username, client=client)
    return Principal(user.id, user.username, user.display_name, frozenset(user.roles), "session")
