"""Users: the first admin, roles, disabling, and the checks every act goes through."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civwatch.accounts import add_user, disable_user, get_user, list_users, require
from civwatch.accounts.audit import list_audit
from civwatch.accounts.permissions import Permission
from civwatch.custody.models import CustodyLeaf
from civwatch.errors import PermissionDeniedError, RejectedInputError
from civwatch.workspace import Workspace


def test_first_user_must_be_an_admin_and_later_users_need_one(workspace: Workspace) -> None:
    with pytest.raises(RejectedInputError, match="first user must be an admin"):
        add_user(workspace, "ivan", "Ivan", ["investigator"], actor=None)
    with pytest.raises(RejectedInputError, match="first user must be an admin"):
        add_user(workspace, "ivan", "Ivan", ["investigator"], actor=None, local=True)
    add_user(workspace, "ada", "Ada", ["admin"], actor=None)
    with pytest.raises(PermissionDeniedError, match="give that user's API token"):
        add_user(workspace, "ivan", "Ivan", ["investigator"], actor=None)
    add_user(workspace, "ivan", "Ivan", ["investigator"], actor="ada")
    with pytest.raises(PermissionDeniedError, match="admin role"):
        add_user(workspace, "eve", "Eve", ["admin"], actor="ivan")
    # Whoever holds the data folder adds users on its machine: recorded as done locally.
    add_user(workspace, "olga", "Olga", ["viewer"], actor=None, local=True)
    assert [u["username"] for u in list_users(workspace)] == ["ada", "ivan", "olga"]
    with workspace.sessions() as session:
        acts = [row for row in session.scalars(select(CustodyLeaf.entry))]
    assert sum(b'"act":"user-add"' in e for e in acts) == 3
    assert sum(b'"local":true' in e for e in acts) == 1
    (local,) = list_audit(workspace, action="user-add")
    assert (local["actor"], local["target"], local["client"]) == (None, "user:olga", "local")


def test_bad_usernames_roles_and_duplicates_are_refused(team: Workspace) -> None:
    with pytest.raises(RejectedInputError, match="not a valid username"):
        add_user(team, "Bad Name!", "x", ["viewer"], actor="ada")
    with pytest.raises(RejectedInputError, match="Unknown role 'wizard'"):
        add_user(team, "newbie", "x", ["wizard"], actor="ada")
    with pytest.raises(RejectedInputError, match="already a user"):
        add_user(team, "ivan", "x", ["viewer"], actor="ada")


def test_disabled_users_cannot_act(team: Workspace) -> None:
    disable_user(team, "ivan", actor="ada")
    assert get_user(team, "ivan")["active"] is False
    with team.sessions() as session:
        with pytest.raises(PermissionDeniedError, match="disabled"):
            require(session, "ivan", Permission.INCIDENTS_WRITE)
        with pytest.raises(PermissionDeniedError, match="No user 'ghost'"):
            require(session, "ghost", Permission.SIGNED_IN)
        with pytest.raises(PermissionDeniedError, match="verifier role"):
            require(session, "pat", Permission.REVIEW)
    with pytest.raises(RejectedInputError, match="cannot disable yourself"):
        disable_user(team, "ada", actor="ada")


def test_a_principal_acts_only_with_the_roles_in_force(team: Workspace) -> None:
    """``authorise``, the check the protection desk and shelters share: the roles in force
    (a token's one role) must allow the act, and the user must still hold such a role."""
    from civwatch.accounts.principal import Principal
    from civwatch.accounts.service import active_user_id, authorise

    with team.sessions() as session:
        viktor = active_user_id(session, "viktor")  # verifier and investigator
        as_verifier = Principal(viktor, "viktor", "Viktor", frozenset({"verifier"}), "token")
        assert authorise(session, as_verifier, Permission.REVIEW).username == "viktor"
        with pytest.raises(PermissionDeniedError, match="verifier role, which does not allow"):
            authorise(session, as_verifier, Permission.EVIDENCE_UPLOAD)
        # a role claimed by the principal but not held by the user counts for nothing
        claimed = Principal(viktor, "viktor", "Viktor", frozenset({"admin"}), "session")
        with pytest.raises(PermissionDeniedError):
            authorise(session, claimed, Permission.USERS_MANAGE)
    disable_user(team, "viktor", actor="ada")
    with team.sessions() as session, pytest.raises(PermissionDeniedError, match="disabled"):
        authorise(session, as_verifier, Permission.REVIEW)
