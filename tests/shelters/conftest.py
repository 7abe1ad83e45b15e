"""Fixtures for the shelter tests: a workspace with an admin (ada), a shelter coordinator
(sofia) and a viewer (val), and ``principal(username)``: that user acting through a
browser session."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from civwatch.accounts import add_user
from civwatch.accounts.principal import Principal
from civwatch.accounts.roles import ADMIN, SHELTER_COORDINATOR, VIEWER
from civwatch.workspace import Workspace

PrincipalOf = Callable[[str], Principal]


def principal_of(ws: Workspace, username: str) -> Principal:
    """``username`` acting through a browser session (all their roles in force)."""
    from civwatch.accounts.service import active_user_id, get_user

    user = get_user(ws, username)
    with ws.sessions() as session:
        user_id = active_user_id(session, username)
    return Principal(user_id, username, user["display_name"], frozenset(user["roles"]), "session")


@pytest.fixture
def crew(workspace: Workspace) -> Workspace:
    """The workspace with ada (admin), sofia (shelter coordinator) and val (viewer)."""
    add_user(workspace, "ada", "Ada", [ADMIN], actor=None)
    add_user(workspace, "sofia", "Sofia", [SHELTER_COORDINATOR], actor="ada")
    add_user(workspace, "val", "Val", [VIEWER], actor="ada")
    return workspace


@pytest.fixture
def principal(crew: Workspace) -> PrincipalOf:
    """``principal("sofia")``: that user acting through a browser session."""
    return lambda username: principal_of(crew, username)
