"""Rotating the desk's key: a new passphrase or key file replaces the old one.

A protection lead, the desk unlocked with the old key, gives a new passphrase or a new key
file. In one transaction every person's data key is unwrapped with the old desk key and
wrapped with the new one, the values sealed with the desk's records key (the age identity
requests for help are encrypted to, the reasons people were deleted) are sealed again,
the blind indexes are made again from the opened names, phones and document numbers
(their key hangs on the desk key), the desk's verifier and key derivation are replaced,
its lock epoch moves on (every process drops the old key it holds) and the rotation is
recorded in the protection audit log (``desk-key-rotate``, no id).

One transaction: a rotation killed half-way (power cut, ``kill -9``) is rolled back by the
database, and the desk opens with its old key as before. Writers that wrap a data key or
write blind indexes hold the desk's row shared (:func:`~.desk.desk_key` ``for_writing``),
so none of them slips a row wrapped with the old key in behind the rotation.

What rotation does not do (docs/protection-crypto.md): the data keys stay the same (a
holder of the old key and of an older copy of the database knows them), and backups made
before it still open with the old key: they must be destroyed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.crypto.blind import BlindIndexer
from civwatch.crypto.desk_key import KdfParams, derive
from civwatch.crypto.envelope import DeskKey
from civwatch.db import utcnow
from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.protection import audit
from civwatch.protection.access import authorise
from civwatch.protection.crypto_fields import open_value
from civwatch.protection.desk import (
    AGE_FIELD,
    AGE_RECORD,
    KDF_PASSPHRASE,
    desk_key,
    desk_row,
    desk_state,
    hold_key,
    new_desk_key,
)
from civwatch.protection.held_keys import rewrap_held_keys
from civwatch.protection.models import (
    ProtectionBlindIndex,
    ProtectionDesk,
    ProtectionPerson,
    ProtectionPersonField,
    ProtectionTokenSet,
)
from civwatch.protection.persons import (
    INDEXED_FIELDS,
    blind_indexer,
    checkpoint_wal,
    index_entries,
    token_sets,
)
from civwatch.workspace import Workspace

#: People re-wrapped and re-indexed per step (one query of each kind per step).
BATCH = 500
#: Told after each step: people done, people in all.
Progress = Callable[[int, int], None]
#: The act recorded in the protection audit log.
ROTATE_ACT = "desk-key-rotate"


def _same_passphrase(desk: ProtectionDesk, passphrase: str) -> bool:
    if desk.kdf != KDF_PASSPHRASE or desk.salt is None or desk.kdf_params is None:
        return False
    key = derive(passphrase, desk.salt, KdfParams.from_json(desk.kdf_params))
    return key.matches_verifier(desk.key_verifier)


def _unchanged() -> RejectedInputError:
    return RejectedInputError(
        _("The new key is the desk's present key: give another passphrase or key file."),
    )


#: A person's id, wrapped data key and sealed reason for deletion.
PersonKeys = tuple[str, bytes | None, bytes | None]


def _rotate_people(
    session: Session,
    rows: Sequence[PersonKeys],
    old: DeskKey,
    new: DeskKey,
    indexer: BlindIndexer,
) -> None:
    """Re-wrap, re-seal and re-index the people of one step."""
    data_keys: dict[str, bytes] = {}
    changes: list[dict[str, Any]] = []
    for person_id, wrapped, reason in rows:
        change: dict[str, Any] = {"id": person_id}
        if wrapped is not None:
            data_keys[person_id] = old.unwrap(wrapped, owner=person_id)
            change["wrapped_key"] = new.wrap(data_keys[person_id], owner=person_id)
        if reason is not None:
            opened = old.open_desk(reason, record=person_id, field="deleted_reason")
            change["deleted_reason"] = new.seal_desk(
                opened, record=person_id, field="deleted_reason"
            )
        if len(change) > 1:
            changes.append(change)
    if changes:
        session.execute(update(ProtectionPerson), changes)
    if not data_keys:
        return
    values: dict[str, dict[str, Any]] = defaultdict(dict)
    fields = session.execute(
        select(
            ProtectionPersonField.person_id,
            ProtectionPersonField.field,
            ProtectionPersonField.value,
        ).where(
            ProtectionPersonField.person_id.in_(list(data_keys)),
            ProtectionPersonField.field.in_(INDEXED_FIELDS),
        )
    )
    for person_id, field, sealed in fields:
        values[person_id][field] = open_value(
            data_keys[person_id], sealed, record=person_id, field=field
        )
    session.execute(
        delete(ProtectionBlindIndex).where(ProtectionBlindIndex.person_id.in_(list(data_keys))),
        execution_options={"synchronize_session": False},
    )
    entries = [
        {"person_id": person_id, "kind": kind, "token": token}
        for person_id in sorted(data_keys)
        for kind, token in sorted(index_entries(indexer, values.get(person_id, {})))
    ]
    session.execute(
        delete(ProtectionTokenSet).where(ProtectionTokenSet.person_id.in_(list(data_keys))),
        execution_options={"synchronize_session": False},
    )
    if entries:
        session.execute(insert(ProtectionBlindIndex), entries)
        session.execute(insert(ProtectionTokenSet), token_sets(entries))


def rotate_key(
    ws: Workspace,
    actor: Principal,
    *,
    new_passphrase: str | None = None,
    new_key_file: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Replace the desk's key (a protection lead, the desk unlocked) with one derived from
    ``new_passphrase`` or held in ``new_key_file`` (created if it does not exist): every
    person stays readable and findable, the old passphrase or key file opens nothing in
    the database any more. ``progress(done, total)`` is told after each step. Returns the
    desk's state (:func:`~.desk.desk_state`)."""
    if (new_passphrase is None) == (new_key_file is None):
        raise RejectedInputError(
            _("Give the desk's new key: either a new passphrase or a new key file."),
        )
    with ws.sessions() as session, session.begin():
        authorise(session, actor, Permission.PROTECTION_LEAD)
        desk = desk_row(session, for_update=True)
        old = desk_key(ws, session)
        if new_passphrase is not None and _same_passphrase(desk, new_passphrase):
            raise _unchanged()
        made = new_desk_key(ws, passphrase=new_passphrase, key_file=new_key_file)
        new = made.key
        if new == old:
            raise _unchanged()
        indexer = blind_indexer(new)
        total = session.scalar(select(func.count()).select_from(ProtectionPerson)) or 0
        done, after = 0, ""
        while True:
            person = ProtectionPerson
            rows: list[PersonKeys] = [
                (r[0], r[1], r[2])
                for r in session.execute(
                    select(person.id, person.wrapped_key, person.deleted_reason)
                    .where(person.id > after)
                    .order_by(person.id)
                    .limit(BATCH)
                )
            ]
            if not rows:
                break
            _rotate_people(session, rows, old, new, indexer)
            done, after = done + len(rows), rows[-1][0]
            if progress is not None:
                progress(done, total)
        rewrap_held_keys(session, old, new)  # witnesses' keys (civwatch.intake)
        identity = old.open_desk(desk.age_identity, record=AGE_RECORD, field=AGE_FIELD)
        desk.age_identity = new.seal_desk(identity, record=AGE_RECORD, field=AGE_FIELD)
        desk.kdf, desk.salt, desk.kdf_params = made.kdf, made.salt, made.params
        desk.key_verifier = new.verifier()
        desk.lock_epoch += 1
        desk.changed_at = utcnow()
        desk.changed_by = actor.user_id
        epoch = desk.lock_epoch
        audit.record_desk(session, actor, ROTATE_ACT)
    hold_key(ws, epoch, new)
    checkpoint_wal(ws)
    return desk_state(ws)
