"""The demo team: a first admin, an investigator, a verifier and a publisher, each with a
password and an API token, and a protection lead and a protection officer (each with a
second factor too) with the demo desk's passphrase, and two relief approvers and two
relief finance people (with a second factor each) for the demo relief fund (for the demo
only; the first admin of a real data folder comes from ``civwatch init --admin NAME``, see
:mod:`civwatch.accounts.local`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from civwatch.accounts.credentials import reset_totp, set_password
from civwatch.accounts.local import add_first_admin, issue_token
from civwatch.accounts.models import User
from civwatch.accounts.passwords import generate_password
from civwatch.accounts.roles import (
    ADMIN,
    INVESTIGATOR,
    PROTECTION_LEAD,
    PROTECTION_OFFICER,
    PUBLISHER,
    RELIEF_APPROVER,
    RELIEF_FINANCE,
    VERIFIER,
)
from civwatch.accounts.service import add_user, list_users
from civwatch.errors import CivwatchError
from civwatch.files import write_atomic
from civwatch.workspace import Workspace

DEMO_ADMIN = "demo-admin"
DEMO_INVESTIGATOR = "demo-investigator"
DEMO_VERIFIER = "demo-verifier"
DEMO_PUBLISHER = "demo-publisher"
#: The demo team besides the admin: (username, display name, role), none needs a code.
DEMO_TEAM = (
    (DEMO_INVESTIGATOR, "Demo investigator (for the demo only)", INVESTIGATOR),
    (DEMO_VERIFIER, "Demo verifier (for the demo only)", VERIFIER),
    (DEMO_PUBLISHER, "Demo publisher (for the demo only)", PUBLISHER),
)
DEMO_PROTECTION_LEAD = "demo-protection-lead"
DEMO_PROTECTION_OFFICER = "demo-protection-officer"
#: The demo protection desk's team: (username, display name, role), each signs in with a code.
DEMO_PROTECTION_TEAM = (
    (DEMO_PROTECTION_LEAD, "Demo protection lead (for the demo only)", PROTECTION_LEAD),
    (DEMO_PROTECTION_OFFICER, "Demo protection officer (for the demo only)", PROTECTION_OFFICER),
)
DEMO_RELIEF_APPROVERS = ("demo-relief-approver", "demo-relief-approver-2")
DEMO_RELIEF_FINANCE = ("demo-relief-finance", "demo-relief-finance-2")
#: The demo relief fund's team: (username, display name, role, key in the credentials), two
#: approvers (grants from EUR 1,000 need two) and two finance people (a release and the
#: payment are two people's acts); each signs in with a code.
DEMO_RELIEF_TEAM = (
    (
        DEMO_RELIEF_APPROVERS[0],
        "Demo relief approver (for the demo only)",
        RELIEF_APPROVER,
        RELIEF_APPROVER,
    ),
    (
        DEMO_RELIEF_APPROVERS[1],
        "Second demo relief approver (for the demo only)",
        RELIEF_APPROVER,
        f"{RELIEF_APPROVER}_2",
    ),
    (
        DEMO_RELIEF_FINANCE[0],
        "Demo relief finance (for the demo only)",
        RELIEF_FINANCE,
        RELIEF_FINANCE,
    ),
    (
        DEMO_RELIEF_FINANCE[1],
        "Second demo relief finance (for the demo only)",
        RELIEF_FINANCE,
        f"{RELIEF_FINANCE}_2",
    ),
)
#: The demo desk's passphrase in the credentials file: synthetic, for the demo data only.
DEMO_PASSPHRASE_KEY = "protection_passphrase"  # noqa: S105 - a label, not a secret
DEMO_PASSPHRASE_PREFIX = "synthetic-demo-only-"  # noqa: S105 - the random part follows
DEMO_CREDENTIALS_FILE = "demo-credentials.txt"


DEMO_TOKEN_NAME = "demo"  # noqa: S105 - a label, not a secret
_KEYS = (
    "username",
    "password",
    "totp_secret",
    "totp_uri",
    "token",
    *(f"{role}{suffix}" for _, _, role in DEMO_TEAM for suffix in ("", "_password", "_token")),
    *(
        f"{role}{suffix}"
        for _, _, role in DEMO_PROTECTION_TEAM
        for suffix in ("", "_password", "_totp_secret", "_token")
    ),
    *(
        f"{key}{suffix}"
        for *_, key in DEMO_RELIEF_TEAM
        for suffix in ("", "_password", "_totp_secret", "_token")
    ),
    DEMO_PASSPHRASE_KEY,
)


def read_demo_credentials(data_dir: Path) -> dict[str, str] | None:
    """The demo credentials kept in ``data_dir`` (``username``, ``password``,
    ``investigator``...), or None when the folder holds no demo data."""
    path = data_dir / DEMO_CREDENTIALS_FILE
    if not path.is_file():
        return None
    lines = dict(line.split(": ", 1) for line in path.read_text().splitlines() if ": " in line)
    return {k: lines[k] for k in _KEYS if k in lines}


def ensure_demo_admin(ws: Workspace) -> dict[str, Any] | None:
    """For the demo only: a first admin, and an investigator, a verifier and a publisher
    (so one person can walk the whole workflow), when the database has no users yet; each
    with a password and an API token for their role (``token``, ``investigator_token``...).
    A protection lead and a protection officer (with a TOTP secret each) and a synthetic
    passphrase for the demo desk join them, and the relief fund's two approvers and two
    finance people (a TOTP secret each, keys ``relief_approver``, ``relief_approver_2``,
    ``relief_finance``, ``relief_finance_2``), also in a demo folder made before them.

    The credentials are also kept in ``DEMO_CREDENTIALS_FILE`` (mode 0600) in the data
    folder so a later ``make run`` can show them again (a file from before tokens, the
    desk or the relief fund existed gets them); returns them, or None when the database
    already had users and no demo credentials file.
    """
    path = ws.data_dir / DEMO_CREDENTIALS_FILE
    with ws.sessions() as session:
        count = session.scalar(select(func.count()).select_from(User)) or 0
    if count:
        kept = read_demo_credentials(ws.data_dir)
        if kept is None:
            return None
        creds = {k: kept.get(k) for k in _KEYS}
    else:
        made = add_first_admin(ws, DEMO_ADMIN, "Demo admin (for the demo only)")
        creds = {k: made.get(k) for k in _KEYS}
        for username, display_name, role in DEMO_TEAM:
            password = generate_password()
            add_user(ws, username, display_name, [role], actor=DEMO_ADMIN)
            set_password(ws, username, password, actor=DEMO_ADMIN)
            creds.update({role: username, f"{role}_password": password})
    before = dict(creds)
    _ensure_protection_team(ws, creds)
    for key, username, role in _tokens(creds):
        if not creds[key]:
            try:
                creds[key] = issue_token(ws, username, role=role, name=DEMO_TOKEN_NAME)["token"]
            except CivwatchError:  # the account was disabled or changed since: no token
                continue
    if creds != before or not count:
        write_atomic(
            path,
            (
                "# civwatch demo credentials: for the demo only, never for real evidence\n"
                + "".join(f"{k}: {creds[k]}\n" for k in _KEYS)
            ).encode(),
        )
    return creds


def _ensure_protection_team(ws: Workspace, creds: dict[str, Any]) -> None:
    """The demo desk's lead and officer and the relief fund's demo team (password and
    second factor each) and the desk's synthetic passphrase, added to ``creds`` where
    missing (accounts someone made by hand under these names are left alone)."""
    existing = {u["username"] for u in list_users(ws, include_disabled=True)}
    for username, display_name, role, key in (
        *((*member, member[2]) for member in DEMO_PROTECTION_TEAM),
        *DEMO_RELIEF_TEAM,
    ):
        if creds.get(key) or username in existing:
            continue
        password = generate_password()
        add_user(ws, username, display_name, [role], actor=DEMO_ADMIN)
        set_password(ws, username, password, actor=DEMO_ADMIN)
        second = reset_totp(ws, username, actor=DEMO_ADMIN)
        creds.update(
            {key: username, f"{key}_password": password, f"{key}_totp_secret": second["secret"]}
        )
    if not creds.get(DEMO_PASSPHRASE_KEY):
        creds[DEMO_PASSPHRASE_KEY] = DEMO_PASSPHRASE_PREFIX + generate_password()


def _tokens(creds: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The demo tokens ``creds`` should hold: (key, whose token, for which role)."""
    return [("token", str(creds["username"]), ADMIN)] + [
        (f"{key}_token", str(creds[key]), role)
        for _, _, role, key in (
            *((*member, member[2]) for member in (*DEMO_TEAM, *DEMO_PROTECTION_TEAM)),
            *DEMO_RELIEF_TEAM,
        )
        if creds.get(key)
    ]
