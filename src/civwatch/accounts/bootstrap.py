"""The first admin: created with a generated password and a TOTP secret."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from civwatch.accounts.auth import reset_totp, set_password
from civwatch.accounts.models import User
from civwatch.accounts.passwords import generate_password
from civwatch.accounts.service import add_user
from civwatch.workspace import Workspace

DEMO_ADMIN = "demo-admin"
DEMO_INVESTIGATOR = "demo-investigator"
DEMO_VERIFIER = "demo-verifier"
DEMO_PUBLISHER = "demo-publisher"
#: The demo team besides the admin: (username, display name, role), none needs a code.
DEMO_TEAM = (
    (DEMO_INVESTIGATOR, "Demo investigator (for the demo only)", "investigator"),
    (DEMO_VERIFIER, "Demo verifier (for the demo only)", "verifier"),
    (DEMO_PUBLISHER, "Demo publisher (for the demo only)", "publisher"),
)
DEMO_CREDENTIALS_FILE = "demo-credentials.txt"


def create_first_admin(
    ws: Workspace, username: str, display_name: str, password: str | None = None
) -> dict[str, Any]:
    """Add the first user of an empty database as an admin who can sign in on the web.

    Returns the user with ``password`` (generated when not given) and the TOTP secret,
    to be shown once.
    """
    password = password or generate_password()
    user = add_user(ws, username, display_name, ["admin"], actor=None)
    set_password(ws, username, password, actor=None)
    second = reset_totp(ws, username, actor=None)
    return {
        **user,
        "password": password,
        "totp_secret": second["secret"],
        "totp_uri": second["uri"],
    }


_KEYS = (
    "username",
    "password",
    "totp_secret",
    "totp_uri",
    *(f"{role}{suffix}" for _, _, role in DEMO_TEAM for suffix in ("", "_password")),
)


def ensure_demo_admin(ws: Workspace) -> dict[str, Any] | None:
    """For the demo only: a first admin, and an investigator, a verifier and a publisher
    (so one person can walk the whole workflow), when the database has no users yet.

    The credentials are also kept in ``DEMO_CREDENTIALS_FILE`` (mode 0600) in the data
    folder so a later ``make run`` can show them again; returns them, or None when the
    database already had users and no demo credentials file.
    """
    path = ws.data_dir / DEMO_CREDENTIALS_FILE
    with ws.sessions() as session:
        count = session.scalar(select(func.count()).select_from(User)) or 0
    if count:
        if path.is_file():
            lines = dict(
                line.split(": ", 1) for line in path.read_text().splitlines() if ": " in line
            )
            return {k: lines.get(k) for k in _KEYS}
        return None
    made = create_first_admin(ws, DEMO_ADMIN, "Demo admin (for the demo only)")
    creds = {k: made.get(k) for k in _KEYS}
    for username, display_name, role in DEMO_TEAM:
        password = generate_password()
        add_user(ws, username, display_name, [role], actor=DEMO_ADMIN)
        set_password(ws, username, password, actor=DEMO_ADMIN)
        creds.update({role: username, f"{role}_password": password})
    tmp = path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(
        "# civwatch demo credentials: for the demo only, never for real evidence\n"
        + "".join(f"{k}: {creds[k]}\n" for k in _KEYS)
    )
    tmp.replace(path)
    return creds
