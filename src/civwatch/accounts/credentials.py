"""Setting and changing passwords and second factors, and what such a change ends.

An admin sets or resets a user's password or second factor; a user changes their own,
proving they know their password (a wrong one counts as a failed sign-in, see
:mod:`civwatch.accounts.auth`). A reset ends the user's sessions, forgets their remembered
browsers and (for a password) revokes their API tokens; the answer says what ended.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from civwatch.accounts import audit, passwords, throttle, totp
from civwatch.accounts.auth import PasswordCheck, begin_check, needs_totp, settle, user_named
from civwatch.accounts.devices import forget_devices
from civwatch.accounts.models import ApiToken, User, WebSession
from civwatch.accounts.passwords import secret_digest
from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import add_user, require
from civwatch.db import utcnow
from civwatch.errors import (
    NotFoundError,
    RejectedInputError,
    TooManyAttemptsError,
)
from civwatch.i18n import N_, _, localise, ngettext
from civwatch.workspace import Workspace


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
        sessions = sessions.where(WebSession.id_sha256 != secret_digest(keep_session))
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


def end_sign_ins_of_roles(
    session: Session, roles: Iterable[str], *, actor: str | None
) -> dict[str, int]:
    """End every browser session of the users holding any of ``roles`` and revoke every
    live API token acting with one of them (locking the protection desk), in the caller's
    transaction; audited. Returns how many sessions ended and tokens were revoked."""
    wanted = set(roles)
    holders_ = [u.id for u in session.scalars(select(User)) if wanted & set(u.roles)]
    ended = 0
    if holders_:
        result = session.execute(
            delete(WebSession).where(WebSession.user_id.in_(holders_)),
            execution_options={"synchronize_session": False},
        )
        ended = int(result.rowcount)  # type: ignore[attr-defined]
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.role.in_(sorted(wanted)), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    done = {"sessions_ended": ended, "tokens_revoked": int(revoked.rowcount)}  # type: ignore[attr-defined]
    audit.record(
        session,
        "sign-ins-end",
        actor=actor,
        target="roles:" + ",".join(sorted(wanted)),
        detail=done,
    )
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
        user = user_named(session, username)
        if user is None:
            raise NotFoundError(_("No user %(username)s.", username=repr(username)))
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
        user = user_named(session, username)
        if user is None:
            raise NotFoundError(_("No user %(username)s.", username=repr(username)))
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
) -> tuple[PasswordCheck, bool]:
    """Check a signed-in user's own password as a sign-in is checked (held, verified, the
    failure counted by the caller's :func:`settle`); while their lane is paused, refuse
    with how long to wait (they are signed in: nothing to hide)."""
    check = begin_check(ws, username, device)
    if check.user_id is None:
        raise NotFoundError(_("No user %(username)s.", username=repr(username)))
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
            ngettext(
                "Too many wrong passwords were tried on this account: try again in %(num)s second.",
                "Too many wrong passwords were tried on this account: try again in "
                "%(num)s seconds.",
                wait,
            )
        )
    return check, passwords.verify_password(check.password_hash, password)


WRONG_CURRENT_PASSWORD = N_("Your current password is not right.")


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
        settle(session, check, "ok" if ok else "failed")
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
    raise RejectedInputError(_(WRONG_CURRENT_PASSWORD))


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
        raise RejectedInputError(_("The setup form expired or was changed: start the setup again."))
    step = totp.matching_step(secret, code, None)
    check, ok = _own_check(ws, username, password, device, "totp-enrol", client)
    with ws.sessions() as session, session.begin():
        user = session.get(User, check.user_id)
        ok = ok and user is not None and user.password_hash == check.password_hash
        settle(session, check, "ok" if ok else "failed")
        failure = None
        if not ok:
            failure = RejectedInputError(_(WRONG_CURRENT_PASSWORD))
        elif step < 0:
            failure = RejectedInputError(
                _(
                    "That code does not match the new secret: check the authenticator app's "
                    "clock and enter the code it shows now."
                )
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
            detail={"reason": localise(failure.message, "en") if failure else "no such user"},
        )
    raise failure or NotFoundError(_("No user %(username)s.", username=repr(username)))
