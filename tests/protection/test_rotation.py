"""Rotating the desk's key: every live person's data key re-wrapped, the blind indexes
rebuilt, the old passphrase or key file retired. Attacks: the old key (a leaked passphrase,
a copied key file) opens nothing in the database after rotation; a rotation killed half-way
leaves every person openable with the key the desk had; an officer cannot rotate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from civwatch.crypto.blind import BlindIndexer
from civwatch.crypto.desk_key import KdfParams, derive, read_key_file
from civwatch.crypto.envelope import DeskKey
from civwatch.errors import (
    DecryptionError,
    DeskKeyMismatchError,
    DeskLockedError,
    PermissionDeniedError,
    RejectedInputError,
)
from civwatch.protection.desk import desk_state, forget_key, lock_desk, unlock_desk
from civwatch.protection.help_limits import AddressLimiter
from civwatch.protection.help_requests import (
    HelpRequestInput,
    help_request_id,
    open_help_request,
    submit_help_request,
)
from civwatch.protection.models import ProtectionBlindIndex, ProtectionDesk, ProtectionPerson
from civwatch.protection.person_input import person_input
from civwatch.protection.persons import add_person, delete_person, find_persons, show_person
from civwatch.protection.rotation import rotate_key
from civwatch.workspace import Workspace
from tests.protection.conftest import PASSPHRASE, PrincipalOf
from tests.protection.helpers import MARKER_PHONE, marker_person

NEW_PASSPHRASE = "seven amber lanterns over the bay"


def _old_key(ws: Workspace) -> DeskKey:
    """The desk's key now, derived from :data:`PASSPHRASE` as an attacker holding it would."""
    with ws.sessions() as session:
        desk = session.get(ProtectionDesk, 1)
        assert desk is not None and desk.salt is not None and desk.kdf_params is not None
        return derive(PASSPHRASE, desk.salt, KdfParams.from_json(desk.kdf_params))


def _opens_nothing(ws: Workspace, key: DeskKey) -> None:
    """``key`` unwraps no person's data key and matches no blind index token."""
    indexer = BlindIndexer(key.subkey("blind-index"))
    with ws.sessions() as session:
        people = session.execute(
            select(ProtectionPerson.id, ProtectionPerson.wrapped_key).where(
                ProtectionPerson.wrapped_key.is_not(None)
            )
        ).all()
        assert people
        for person_id, wrapped in people:
            with pytest.raises(DecryptionError):
                key.unwrap(wrapped, owner=person_id)
        tokens = set(session.scalars(select(ProtectionBlindIndex.token)))
    _kind, phone_token = indexer.phone("+380671234567")
    assert phone_token not in tokens


def _people(ws: Workspace, principal: PrincipalOf) -> tuple[str, str, str]:
    officer, lead = principal("officer1"), principal("lead1")
    marked = add_person(ws, officer, marker_person())
    other = add_person(
        ws, officer, person_input({"names": [{"name": "Олена Коваленко", "kind": "legal"}]})
    )
    gone = add_person(
        ws, officer, person_input({"names": [{"name": "Тарас Бойко", "kind": "legal"}]})
    )
    delete_person(ws, lead, gone, "asked to be forgotten")
    return marked, other, gone


def test_rotation_to_a_key_file_and_back_retires_each_old_key(
    desk: Workspace, principal: PrincipalOf, tmp_path: Path
) -> None:
    officer, lead = principal("officer1"), principal("lead1")
    marked, other, _gone = _people(desk, principal)
    reference = submit_help_request(
        desk, HelpRequestInput(about="a journalist in danger"), "en", limiter=AddressLimiter()
    )
    old_key = _old_key(desk)
    key_path = tmp_path / "secrets" / "desk.key"
    key_path.parent.mkdir()

    state = rotate_key(desk, lead, new_key_file=key_path)

    assert state["kdf"] == "key-file" and state["locked"] is False and state["key_held"]
    _opens_nothing(desk, old_key)
    # Everyone opens, search still finds them, the request for help still opens.
    assert show_person(desk, officer, marked, ["names"])["names"][0]["name"].startswith("MARKER")
    assert show_person(desk, officer, other, ["names"])["names"][0]["name"] == "Олена Коваленко"
    assert find_persons(desk, officer, phone=MARKER_PHONE) == [marked]
    assert find_persons(desk, officer, name="Olena Kovalenko") == [other]
    opened = open_help_request(desk, officer, help_request_id(desk, officer, reference))
    assert opened["about"] == "a journalist in danger"

    # The old passphrase is refused from now on; the new key file unlocks.
    lock_desk(desk, lead)
    with pytest.raises((DeskKeyMismatchError, DeskLockedError)):
        unlock_desk(desk, lead, PASSPHRASE)
    unlock_desk(desk, lead, key_file=key_path)
    assert find_persons(desk, officer, name="Коваленко") == [other]

    # And back to a passphrase: the key file is retired in its turn.
    file_key = read_key_file(key_path)
    rotate_key(desk, lead, new_passphrase=NEW_PASSPHRASE)
    assert desk_state(desk)["kdf"] == "argon2id"
    _opens_nothing(desk, file_key)
    lock_desk(desk, lead)
    with pytest.raises(DeskKeyMismatchError):
        unlock_desk(desk, lead, key_file=key_path)
    with pytest.raises(DeskKeyMismatchError):
        unlock_desk(desk, lead, PASSPHRASE)
    unlock_desk(desk, lead, NEW_PASSPHRASE)
    assert show_person(desk, officer, marked, ["contacts"])["contacts"][0]["value"] == (
        "+380671234567"
    )
    assert find_persons(desk, officer, name="Aleksandr") == [marked]


def test_rotation_is_recorded_and_bumps_the_epoch(desk: Workspace, principal: PrincipalOf) -> None:
    from civwatch.protection.models import ProtectionAuditEvent

    lead = principal("lead1")
    _people(desk, principal)
    with desk.sessions() as session:
        before = session.get(ProtectionDesk, 1)
        assert before is not None
        epoch = before.lock_epoch
    rotate_key(desk, lead, new_passphrase=NEW_PASSPHRASE)
    with desk.sessions() as session:
        after = session.get(ProtectionDesk, 1)
        assert after is not None and after.lock_epoch == epoch + 1
        last = session.scalars(
            select(ProtectionAuditEvent).order_by(ProtectionAuditEvent.leaf_idx.desc()).limit(1)
        ).one()
        assert (last.act, last.actor_id, last.person_id, last.fields) == (
            "desk-key-rotate",
            lead.user_id,
            None,
            [],
        )


def test_a_process_holding_the_old_key_forgets_it(desk: Workspace, principal: PrincipalOf) -> None:
    """Another process rotated the key: the one this process holds is of an older epoch,
    and the passphrase configured here is the old one: it opens nothing."""
    officer = principal("officer1")
    marked = add_person(desk, officer, marker_person())
    rotate_key(desk, principal("lead1"), new_passphrase=NEW_PASSPHRASE)
    forget_key(desk)  # as another process, which never held the new key
    with pytest.raises(DeskKeyMismatchError):
        show_person(desk, officer, marked)
    desk.settings = desk.settings.model_copy(
        update={"protection_passphrase": SecretStr(NEW_PASSPHRASE)}
    )
    assert show_person(desk, officer, marked, ["names"])["names"]


def test_only_a_lead_rotates_an_unlocked_desk_to_a_strong_new_key(
    desk: Workspace, principal: PrincipalOf, tmp_path: Path
) -> None:
    lead = principal("lead1")
    with pytest.raises(PermissionDeniedError):
        rotate_key(desk, principal("officer1"), new_passphrase=NEW_PASSPHRASE)
    with pytest.raises(PermissionDeniedError):
        rotate_key(desk, principal("admin"), new_passphrase=NEW_PASSPHRASE)
    with pytest.raises(RejectedInputError):
        rotate_key(desk, lead, new_passphrase="short")
    with pytest.raises(RejectedInputError):
        rotate_key(desk, lead, new_passphrase=PASSPHRASE)  # the same passphrase is no rotation
    with pytest.raises(RejectedInputError):
        rotate_key(desk, lead)
    lock_desk(desk, lead)
    with pytest.raises(DeskLockedError):
        rotate_key(desk, lead, new_key_file=tmp_path / "new.key")
    assert not (tmp_path / "new.key").exists()


KILLED_ROTATION = textwrap.dedent(
    """
    import os, signal, sys
    from pydantic import SecretStr
    from civwatch.accounts.principal import Principal
    from civwatch.config import Settings
    from civwatch.protection import rotation
    from civwatch.workspace import Workspace

    url, data, user_id = sys.argv[1], sys.argv[2], int(sys.argv[3])
    settings = Settings(
        data_dir=data, database_url=url, min_free_disk=0,
        protection_passphrase=SecretStr(sys.argv[4]),
        protection_kdf_memory_kib=1024, protection_kdf_time_cost=1,
    )
    ws = Workspace.open(settings)
    lead = Principal(user_id, "lead1", "Lead1", frozenset({"protection_lead"}), "session")
    rotation.BATCH = 2

    def killed(done: int, total: int) -> None:
        if done >= 2:
            print("killing", done, total, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    rotation.rotate_key(ws, lead, new_passphrase=sys.argv[5], progress=killed)
    """
)


def test_a_rotation_killed_half_way_leaves_every_person_openable(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer, lead = principal("officer1"), principal("lead1")
    surnames = ["Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Oliynyk", "Melnyk"]
    people = [
        add_person(desk, officer, person_input({"names": [{"name": f"Ivan {s}", "kind": "legal"}]}))
        for s in surnames
    ]
    desk.engine.dispose()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            KILLED_ROTATION,
            desk.settings.resolved_database_url,
            str(desk.settings.data_dir),
            str(lead.user_id),
            PASSPHRASE,
            NEW_PASSPHRASE,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert "killing 2 6" in proc.stdout

    # The desk is as it was: the old passphrase unlocks it, the new one does not.
    forget_key(desk)
    lock_desk(desk, lead)
    with pytest.raises(DeskKeyMismatchError):
        unlock_desk(desk, lead, NEW_PASSPHRASE)
    unlock_desk(desk, lead, PASSPHRASE)
    for surname, person_id in zip(surnames, people, strict=True):
        assert show_person(desk, officer, person_id, ["names"])["names"][0]["name"] == (
            f"Ivan {surname}"
        )
        assert find_persons(desk, officer, name=surname) == [person_id]
    # And the rotation can be run again to its end.
    rotate_key(desk, lead, new_passphrase=NEW_PASSPHRASE)
    assert find_persons(desk, officer, name="Melnyk") == [people[5]]


def test_the_rotate_key_command_moves_the_desk_to_a_key_file(
    team: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    import json

    from tests.conftest import run_cli
    from tests.support.tokens import as_user

    env = {
        **cli_env,
        "CIVWATCH_PROTECTION_KDF_MEMORY_KIB": "1024",
        "CIVWATCH_PROTECTION_KDF_TIME_COST": "1",
    }
    lead, officer = as_user(env, team, "lead1"), as_user(env, team, "officer1")
    run_cli(lead, "protect", "init", "--passphrase-stdin", input=PASSPHRASE + "\n", check=True)
    for e in (lead, officer):
        e["CIVWATCH_PROTECTION_PASSPHRASE"] = PASSPHRASE
    added = run_cli(
        officer, "protect", "person", "add", "--name", "Олена Коваленко", "--json", check=True
    )
    person_id = json.loads(added.stdout)["id"]
    refused = run_cli(
        officer, "protect", "rotate-key", "--new-passphrase-stdin", input=NEW_PASSPHRASE + "\n"
    )
    assert refused.returncode == 1 and "protection_lead role" in refused.stderr

    key_path = tmp_path / "new-desk.key"
    rotated = run_cli(lead, "protect", "rotate-key", "--new-key-file", str(key_path), check=True)
    assert "old passphrase or key file opens nothing" in rotated.stdout
    assert key_path.stat().st_mode & 0o077 == 0

    # A process still given the old passphrase opens nothing; the new key file opens all.
    old = run_cli(officer, "protect", "person", "show", person_id)
    assert old.returncode == 1 and person_id not in old.stdout
    del officer["CIVWATCH_PROTECTION_PASSPHRASE"]
    officer["CIVWATCH_PROTECTION_KEY_FILE"] = str(key_path)
    shown = run_cli(officer, "protect", "person", "show", person_id, "--json", check=True)
    assert json.loads(shown.stdout)["names"][0]["name"] == "Олена Коваленко"
    found = run_cli(officer, "protect", "person", "find", "--name", "Olena", "--json", check=True)
    assert json.loads(found.stdout) == {"ids": [person_id]}
