"""Passwords, second factors, the first admin and the user commands that set them."""

from __future__ import annotations

import stat
import time

import pyotp
import pytest

from civwatch.accounts import add_user
from civwatch.accounts.auth import authenticate, reset_totp, set_password
from civwatch.accounts.bootstrap import DEMO_CREDENTIALS_FILE, ensure_demo_admin
from civwatch.accounts.passwords import hash_password, verify_password
from civwatch.accounts.totp import matching_step
from civwatch.errors import NotAuthenticatedError, PermissionDeniedError, RejectedInputError
from civwatch.workspace import Workspace


def test_passwords_are_argon2id_and_short_ones_refused() -> None:
    stored = hash_password("a long enough secret")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a long enough secret")
    assert not verify_password(stored, "a long enough secreT")
    assert not verify_password(None, "anything at all")
    with pytest.raises(RejectedInputError, match="at least 12"):
        hash_password("short")


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
