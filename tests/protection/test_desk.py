"""The desk's key: set up, locked, unlocked. Attacks: a wrong passphrase unlocks nothing,
a locked desk answers no read, locking ends every protection session and token."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from civwatch.accounts.browser_sessions import resolve_session, start_session
from civwatch.accounts.tokens import create_token, resolve_token
from civwatch.errors import (
    ConflictError,
    DeskKeyMismatchError,
    DeskLockedError,
    DeskNotInitialisedError,
    PermissionDeniedError,
    WeakPassphraseError,
)
from civwatch.protection.desk import (
    desk_key,
    desk_state,
    forget_key,
    init_desk,
    lock_desk,
    unlock_desk,
)
from civwatch.protection.persons import add_person, duplicate_candidates, find_persons, show_person
from civwatch.workspace import Workspace
from tests.protection.conftest import PASSPHRASE, PrincipalOf
from tests.protection.helpers import MARKER_PHONE, marker_person


def test_a_desk_not_set_up_says_so(team: Workspace, principal: PrincipalOf) -> None:
    with pytest.raises(DeskNotInitialisedError, match="civwatch protect init"):
        add_person(team, principal("officer1"), marker_person())


def test_only_a_lead_sets_up_the_desk_once_with_a_strong_passphrase(
    team: Workspace, principal: PrincipalOf
) -> None:
    with pytest.raises(PermissionDeniedError):
        init_desk(team, passphrase=PASSPHRASE, actor=principal("officer1"))
    with pytest.raises(PermissionDeniedError):
        init_desk(team, passphrase=PASSPHRASE, actor=principal("admin"))
    with pytest.raises(WeakPassphraseError):
        init_desk(team, passphrase="short", actor=principal("lead1"))
    state = init_desk(team, passphrase=PASSPHRASE, actor=principal("lead1"))
    assert state["initialised"] and not state["locked"] and state["kdf"] == "argon2id"
    with pytest.raises(ConflictError):
        init_desk(team, passphrase=PASSPHRASE, actor=principal("lead1"))


def list_audit_records(ws: Workspace) -> list[dict[str, object]]:
    from sqlalchemy import select

    from civwatch.accounts.audit import audit_json
    from civwatch.accounts.models import AuditRecord

    with ws.sessions() as session:
        return [audit_json(r) for r in session.scalars(select(AuditRecord))]


def test_wrong_passphrase_does_not_unlock(desk: Workspace, principal: PrincipalOf) -> None:
    lead = principal("lead1")
    lock_desk(desk, lead)
    with pytest.raises(DeskKeyMismatchError):
        unlock_desk(desk, lead, "the loud river sleeps at dusk")
    assert desk_state(desk)["locked"] is True
    with pytest.raises(DeskLockedError):
        desk_key(desk)
    failed = [a for a in list_audit_records(desk) if a["action"] == "desk-unlock"]
    assert [(a["actor"], a["outcome"]) for a in failed] == [("lead1", "failed")]
    unlock_desk(desk, lead, PASSPHRASE)
    assert desk_state(desk)["locked"] is False


def test_a_process_configured_with_a_wrong_passphrase_opens_nothing(
    desk: Workspace, principal: PrincipalOf
) -> None:
    person_id = add_person(desk, principal("officer1"), marker_person())
    forget_key(desk)
    desk.settings = desk.settings.model_copy(
        update={"protection_passphrase": SecretStr("not the desk passphrase at all")}
    )
    with pytest.raises(DeskKeyMismatchError):
        show_person(desk, principal("officer1"), person_id)


def test_a_locked_desk_refuses_every_read(desk: Workspace, principal: PrincipalOf) -> None:
    officer, lead = principal("officer1"), principal("lead1")
    person_id = add_person(desk, officer, marker_person())
    lock_desk(desk, principal("admin"))
    # The passphrase is still in this process's settings: locked means locked.
    for read in (
        lambda: show_person(desk, lead, person_id),
        lambda: find_persons(desk, lead, phone=MARKER_PHONE),
        lambda: duplicate_candidates(desk, lead, person_id),
        lambda: add_person(desk, lead, marker_person()),
    ):
        with pytest.raises(DeskLockedError, match="locked"):
            read()
    assert desk_state(desk)["key_held"] is False


def test_admins_lock_but_never_unlock(desk: Workspace, principal: PrincipalOf) -> None:
    lock_desk(desk, principal("admin"))
    with pytest.raises(PermissionDeniedError):
        unlock_desk(desk, principal("admin"), PASSPHRASE)
    with pytest.raises(PermissionDeniedError):
        unlock_desk(desk, principal("officer1"), PASSPHRASE)
    with pytest.raises(PermissionDeniedError):
        lock_desk(desk, principal("officer1"))


def test_locking_ends_every_protection_session_and_token(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer, lead, admin = principal("officer1"), principal("lead1"), principal("admin")
    officer_token = create_token(desk, officer, "laptop", "protection_officer")["token"]
    lead_token = create_token(desk, lead, "laptop", "protection_lead")["token"]
    admin_token = create_token(desk, admin, "laptop", "admin")["token"]
    officer_cookie, _csrf = start_session(desk, officer, client="test")
    lead_cookie, _csrf = start_session(desk, lead, client="test")
    admin_cookie, _csrf = start_session(desk, admin, client="test")

    state = lock_desk(desk, admin)

    assert state["sessions_ended"] == 2 and state["tokens_revoked"] == 2
    assert resolve_token(desk, officer_token) is None
    assert resolve_token(desk, lead_token) is None
    assert resolve_session(desk, officer_cookie) is None
    assert resolve_session(desk, lead_cookie) is None
    # The admin who locked keeps working on the rest of civwatch.
    assert resolve_token(desk, admin_token) is not None
    assert resolve_session(desk, admin_cookie) is not None


def test_a_key_held_from_before_a_lock_is_dropped(desk: Workspace) -> None:
    """Another process locked and unlocked the desk meanwhile: the key this process held
    belongs to an older epoch and is not used again (without a passphrase configured
    here, the desk cannot be opened in this process)."""
    from sqlalchemy import update

    from civwatch.protection.models import ProtectionDesk

    desk_key(desk)
    with desk.sessions() as session, session.begin():
        session.execute(update(ProtectionDesk).values(lock_epoch=ProtectionDesk.lock_epoch + 1))
    desk.settings = desk.settings.model_copy(update={"protection_passphrase": None})
    with pytest.raises(DeskLockedError, match="passphrase"):
        desk_key(desk)
