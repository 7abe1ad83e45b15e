"""Passwords, second factors, the first admin and the user commands that set them."""

from __future__ import annotations

import stat
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from civwatch.accounts import add_user, passwords
from civwatch.accounts.audit import list_audit
from civwatch.accounts.auth import authenticate
from civwatch.accounts.bootstrap import DEMO_CREDENTIALS_FILE, ensure_demo_admin
from civwatch.accounts.browser_sessions import resolve_session, start_session
from civwatch.accounts.credentials import reset_totp, set_password
from civwatch.accounts.models import User
from civwatch.accounts.passwords import hash_password, verify_password
from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import create_token, resolve_token
from civwatch.accounts.totp import matching_step
from civwatch.db import utcnow
from civwatch.errors import NotAuthenticatedError, PermissionDeniedError, RejectedInputError
from civwatch.workspace import Workspace


@pytest.mark.real_password_hashing
def test_passwords_are_argon2id_and_short_ones_refused() -> None:
    stored = hash_password("a long enough secret")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a long enough secret")
    assert not verify_password(stored, "a long enough secreT")
    assert not verify_password(None, "anything at all")
    with pytest.raises(RejectedInputError, match="at least 12"):
        hash_password("short")


@pytest.mark.real_password_hashing
def test_the_unknown_user_hash_costs_what_a_real_one_does() -> None:
    """An unknown user is checked against a stored constant: it must have the hasher's own
    parameters, or a sign-in as nobody would be faster (or slower) than as someone."""
    assert not passwords.needs_rehash(passwords._DUMMY_HASH)
    assert passwords._HASHER.verify(passwords._DUMMY_HASH, "civwatch-no-such-user")


def test_a_totp_code_is_accepted_once_and_only_near_its_time() -> None:
    secret = pyotp.random_base32()
    now = time.time()
    code = pyotp.TOTP(secret).at(now)
    step = matching_step(secret, code, None, at=now)
    assert step == int(now) // 30
    assert matching_step(secret, code, step, at=now) == -1  # replay
    assert matching_step(secret, code, None, at=now + 600) == -1  # too late
    assert matching_step(secret, "12345x", None, at=now) == -1


def test_protection_officers_cannot_sign_in_without_a_second_factor(
    workspace: Workspace,
) -> None:
    add_user(workspace, "ada", "Ada", ["admin"], actor=None)
    add_user(workspace, "olena", "Olena", ["protection_officer"], actor="ada")
    set_password(workspace, "olena", "olena's long password", actor="ada")
    with pytest.raises(PermissionDeniedError, match="second factor"):
        authenticate(workspace, "olena", "olena's long password", None, client=None)
    secret = reset_totp(workspace, "olena", actor="ada")["secret"]
    code = pyotp.TOTP(secret).now()
    who = authenticate(workspace, "olena", "olena's long password", code, client=None)
    assert who.roles == {"protection_officer"}
    with pytest.raises(NotAuthenticatedError):
        authenticate(workspace, "olena", "olena's long password", "000000", client=None)
    with pytest.raises(PermissionDeniedError, match="admin role"):
        reset_totp(workspace, "ada", actor="olena")


def test_demo_admin_is_created_once_and_its_credentials_kept_private(
    workspace: Workspace,
) -> None:
    creds = ensure_demo_admin(workspace)
    assert creds and creds["username"] == "demo-admin" and len(creds["password"]) >= 16
    path = workspace.data_dir / DEMO_CREDENTIALS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "for the demo only" in path.read_text()
    assert ensure_demo_admin(workspace) == creds  # shown again, not made again
    code = pyotp.TOTP(creds["totp_secret"]).now()
    who = authenticate(workspace, "demo-admin", creds["password"], code, client=None)
    assert "admin" in who.roles
    who = authenticate(
        workspace, "demo-investigator", creds["investigator_password"], None, client=None
    )
    assert who.roles == {"investigator"}


def _ivan(workspace: Workspace) -> None:
    add_user(workspace, "ada", "Ada", ["admin"], actor=None)
    add_user(workspace, "ivan", "Ivan", ["investigator"], actor="ada")
    set_password(workspace, "ivan", "ivan's long password", actor="ada")


def _ivan_row(workspace: Workspace) -> User:
    with workspace.sessions() as session:
        user = session.scalars(select(User).where(User.username == "ivan")).one()
        session.expunge(user)
        return user


def _guess(workspace: Workspace, password: str = "a wrong guess!") -> None:
    with pytest.raises(NotAuthenticatedError, match="Wrong username, password or code"):
        authenticate(workspace, "ivan", password, None, client="192.0.2.1")


def _time_passes(workspace: Workspace) -> None:
    """The running pause is over (the failures counted stay)."""
    with workspace.sessions() as session, session.begin():
        session.execute(update(User).where(User.username == "ivan").values(locked_until=utcnow()))


def test_from_the_third_failure_each_doubles_the_pause_up_to_15_minutes(
    workspace: Workspace,
) -> None:
    _ivan(workspace)
    pauses = []
    for _ in range(6):
        _guess(workspace)
        ivan = _ivan_row(workspace)
        assert ivan.locked_until is not None and ivan.last_failed_at is not None
        pauses.append((ivan.locked_until - ivan.last_failed_at).total_seconds())
        if pauses[-1]:
            _guess(workspace, "ivan's long password")  # during the pause: not even checked
            _time_passes(workspace)
    assert pauses == [0, 0, 1, 2, 4, 8]
    with workspace.sessions() as session, session.begin():
        session.execute(update(User).where(User.username == "ivan").values(failed_logins=40))
    _guess(workspace)
    ivan = _ivan_row(workspace)
    assert ivan.locked_until and ivan.last_failed_at
    assert ivan.locked_until - ivan.last_failed_at == timedelta(minutes=15)
    # failures a day old are forgotten: the count starts again
    with workspace.sessions() as session, session.begin():
        session.execute(
            update(User)
            .where(User.username == "ivan")
            .values(last_failed_at=utcnow() - timedelta(days=1, seconds=1), locked_until=None)
        )
    _guess(workspace)
    assert _ivan_row(workspace).failed_logins == 1
    assert authenticate(workspace, "ivan", "ivan's long password", None, client=None)
    assert _ivan_row(workspace).failed_logins == 0  # a right password clears them


# The four guesses overlap only while each takes real argon2 time.
@pytest.mark.real_password_hashing
def test_guesses_sent_at_the_same_moment_are_not_all_checked(workspace: Workspace) -> None:
    """Parallel requests must not each slip through before the first failure is written."""
    _ivan(workspace)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: _guess(workspace), range(4)))
    reasons = [a["detail"]["reason"] for a in list_audit(workspace, action="sign-in")]
    assert reasons.count("wrong password or code") == 1, reasons
    assert reasons.count("paused after failed attempts") == 3
    assert _ivan_row(workspace).failed_logins == 1


def test_a_password_reset_ends_every_session_and_token_a_first_password_nothing(
    workspace: Workspace,
) -> None:
    """What `civwatch user set-password` and the admin page do."""
    _ivan(workspace)
    ivan = authenticate(workspace, "ivan", "ivan's long password", None, client=None)
    session_id, _ = start_session(workspace, ivan, client=None)
    token = create_token(workspace, ivan, "sync", "investigator")["token"]
    add_user(workspace, "cli-only", "Scripts", ["viewer"], actor="ada")
    with workspace.sessions() as session:
        cli_only = session.scalars(select(User).where(User.username == "cli-only")).one()
        script = Principal(cli_only.id, "cli-only", "Scripts", frozenset({"viewer"}), "session")
    script_token = create_token(workspace, script, "nightly", "viewer")["token"]
    done = set_password(workspace, "ivan", "a new password for ivan", actor="ada")
    assert done == {"sessions_ended": 1, "tokens_revoked": 1}
    assert resolve_session(workspace, session_id) is None
    assert resolve_token(workspace, token) is None
    # a first password is no reset: the scripts of a command-line user keep running
    assert set_password(workspace, "cli-only", "a first password", actor="ada") == {
        "sessions_ended": 0,
        "tokens_revoked": 0,
    }
    assert resolve_token(workspace, script_token) is not None
    reset = list_audit(workspace, action="password-set")
    assert [a["detail"] for a in reset[:2]] == [
        {"sessions_ended": 0, "tokens_revoked": 0},
        {"sessions_ended": 1, "tokens_revoked": 1},
    ]
