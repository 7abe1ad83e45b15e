"""Fixtures for the protection desk's tests: a workspace whose desk is set up (from a
passphrase, with cheap argon2id parameters so tests stay fast; the shipped default stays
strong), the users officer1 and officer2 (protection officers), lead1 (protection lead)
and admin, and ``principal(username)``: that user acting through a browser session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import SecretStr

from civwatch.accounts import add_user
from civwatch.accounts.principal import Principal
from civwatch.accounts.roles import ADMIN, PROTECTION_LEAD, PROTECTION_OFFICER
from civwatch.config import Settings
from civwatch.workspace import Workspace

PASSPHRASE = "the quiet river runs at dawn"
#: The desk's users and their roles.
DESK_USERS = {
    "officer1": PROTECTION_OFFICER,
    "officer2": PROTECTION_OFFICER,
    "lead1": PROTECTION_LEAD,
}

PrincipalOf = Callable[[str], Principal]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings, with the desk's passphrase and cheap argon2id."""
    return settings.model_copy(
        update={
            "protection_passphrase": SecretStr(PASSPHRASE),
            "protection_kdf_memory_kib": 1024,
            "protection_kdf_time_cost": 1,
        }
    )


def principal_of(ws: Workspace, username: str) -> Principal:
    """``username`` acting through a browser session (all their roles in force)."""
    from civwatch.accounts.service import active_user_id, get_user

    user = get_user(ws, username)
    with ws.sessions() as session:
        user_id = active_user_id(session, username)
    return Principal(user_id, username, user["display_name"], frozenset(user["roles"]), "session")


@pytest.fixture
def team(workspace: Workspace) -> Workspace:
    """The workspace with the desk's users (no desk yet)."""
    add_user(workspace, "admin", "Admin", [ADMIN], actor=None)
    for name, role in DESK_USERS.items():
        add_user(workspace, name, name.title(), [role], actor="admin")
    return workspace


@pytest.fixture
def desk(team: Workspace) -> Workspace:
    """The workspace with its desk set up from :data:`PASSPHRASE` by lead1, unlocked."""
    from civwatch.protection.desk import init_desk

    init_desk(team, passphrase=PASSPHRASE, actor=principal_of(team, "lead1"))
    return team


@pytest.fixture
def principal(team: Workspace) -> PrincipalOf:
    """``principal("officer1")``: that user acting through a browser session."""
    return lambda username: principal_of(team, username)
