"""The protection desk's key: created once, held in this process's memory while the desk
is unlocked, dropped when it is locked.

The desk key is never stored beside the database. It is derived from a passphrase
(argon2id, the salt and parameters kept in ``protection_desk``) or read from a key file
whose path the settings give (a secrets mount on a server). The database keeps only a
verifier that tells the right key from a wrong one. Locking the desk (a lead or an admin:
a laptop seized, an account compromised) marks it locked, moves its lock epoch on (every
process drops a key of an older epoch), ends every browser session and revokes every API
token of the protection roles; a lead unlocks it with the passphrase or key file.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from civwatch.accounts.audit import record_now
from civwatch.accounts.credentials import end_sign_ins_of_roles
from civwatch.accounts.permissions import PROTECTION_ROLES, Permission
from civwatch.accounts.principal import Principal
from civwatch.crypto.age_packets import new_identity
from civwatch.crypto.desk_key import (
    KdfParams,
    check_passphrase,
    create_key_file,
    derive,
    new_salt,
    read_key_file,
)
from civwatch.crypto.envelope import DeskKey
from civwatch.db import utcnow
from civwatch.errors import (
    ConflictError,
    DeskKeyMismatchError,
    DeskLockedError,
    DeskNotInitialisedError,
    RejectedInputError,
)
from civwatch.i18n import _
from civwatch.protection import audit
from civwatch.protection.access import authorise
from civwatch.protection.models import ProtectionDesk
from civwatch.workspace import Workspace

DESK_ID = 1
KDF_PASSPHRASE = "argon2id"  # noqa: S105 (the derivation, not a secret)
KDF_KEY_FILE = "key-file"
#: Where the desk's age identity (requests for help are encrypted to it) is sealed.
AGE_RECORD = "desk"
AGE_FIELD = "age_identity"


@dataclass(frozen=True)
class _Held:
    epoch: int
    key: DeskKey


#: The desk key of each database this process opened, with the lock epoch it is valid at.
_held: dict[str, _Held] = {}
_held_lock = threading.Lock()


def _where(ws: Workspace) -> str:
    return ws.settings.resolved_database_url


def hold_key(ws: Workspace, epoch: int, key: DeskKey) -> None:
    """Hold ``key`` in this process's memory as the desk key of ``ws`` at lock ``epoch``."""
    with _held_lock:
        _held[_where(ws)] = _Held(epoch, key)


def forget_key(ws: Workspace) -> None:
    """Drop the desk key of ``ws`` from this process's memory."""
    with _held_lock:
        _held.pop(_where(ws), None)


def desk_row(
    session: Session, *, for_update: bool = False, for_share: bool = False
) -> ProtectionDesk:
    """The desk's row (locked for update, or shared, when asked: on PostgreSQL);
    DeskNotInitialisedError before it is set up."""
    lock: bool | dict[str, bool] | None = (
        True if for_update else {"read": True} if for_share else None
    )
    desk = session.get(ProtectionDesk, DESK_ID, with_for_update=lock)
    if desk is None:
        raise DeskNotInitialisedError(
            _(
                "The protection desk has not been set up: a protection lead runs "
                "`civwatch protect init` first.",
            )
        )
    return desk


def _locked() -> DeskLockedError:
    return DeskLockedError(
        _("The protection desk is locked. A protection lead must unlock it."),
    )


def _kdf_params(ws: Workspace) -> KdfParams:
    defaults = KdfParams()
    return KdfParams(
        time_cost=ws.settings.protection_kdf_time_cost or defaults.time_cost,
        memory_kib=ws.settings.protection_kdf_memory_kib or defaults.memory_kib,
        parallelism=defaults.parallelism,
    )


def _configured_passphrase(ws: Workspace) -> str | None:
    given = ws.settings.protection_passphrase
    return None if given is None else given.get_secret_value()


def _opens_here(ws: Workspace, desk: ProtectionDesk) -> bool:
    """Whether this process's settings name what opens the desk (its passphrase, or its
    key file), so that it can take the key itself without a lead unlocking it here."""
    if desk.kdf == KDF_KEY_FILE:
        return ws.settings.protection_key_file is not None
    return bool(_configured_passphrase(ws))


def _not_here() -> DeskLockedError:
    return DeskLockedError(
        _(
            "The protection desk is unlocked, but not in this process: civwatch may run "
            "several server processes, and the one that answered does not hold the desk's "
            "key. A protection lead unlocks it again on the desk's unlock page (each server "
            "process once), or the server is given the desk's key file or passphrase in "
            "its settings.",
        )
    )


def _key_from(desk: ProtectionDesk, passphrase: str | None, key_file: Path | None) -> DeskKey:
    """The key ``desk`` is opened with, from what was given; checked against its verifier."""
    if desk.kdf == KDF_KEY_FILE:
        if key_file is None:
            raise DeskLockedError(
                _(
                    "The protection desk opens with its key file: set "
                    "CIVWATCH_PROTECTION_KEY_FILE to its path.",
                )
            )
        key = read_key_file(key_file)
    else:
        if not passphrase:
            raise DeskLockedError(
                _(
                    "The protection desk opens with its passphrase: give it to unlock the "
                    "desk (or set CIVWATCH_PROTECTION_PASSPHRASE).",
                )
            )
        assert desk.salt is not None and desk.kdf_params is not None
        key = derive(passphrase, desk.salt, KdfParams.from_json(desk.kdf_params))
    if not hmac.compare_digest(key.verifier(), desk.key_verifier):
        raise DeskKeyMismatchError(
            _("That is not the protection desk's passphrase or key file: the desk stays locked.")
        )
    return key


@dataclass(frozen=True)
class NewKey:
    """A desk key just made, with what the desk stores to obtain it again."""

    kdf: str
    salt: bytes | None
    params: dict[str, Any] | None
    key: DeskKey


def new_desk_key(
    ws: Workspace, *, passphrase: str | None = None, key_file: Path | None = None
) -> NewKey:
    """A new desk key from ``passphrase`` (checked for strength; a fresh salt, the
    settings' argon2id cost) or in ``key_file`` (created, mode 0600; a file made beforehand,
    e.g. on a secrets mount, is used as it is). Exactly one of them is given."""
    if (passphrase is None) == (key_file is None):
        raise RejectedInputError(
            _("Give the desk either a passphrase or a key file (one of them, not both)."),
        )
    if passphrase is not None:
        check_passphrase(passphrase)
        salt = new_salt()
        kdf = _kdf_params(ws)
        return NewKey(KDF_PASSPHRASE, salt, kdf.to_json(), derive(passphrase, salt, kdf))
    assert key_file is not None
    key = read_key_file(key_file) if key_file.exists() else create_key_file(key_file)
    return NewKey(KDF_KEY_FILE, None, None, key)


def init_desk(
    ws: Workspace,
    *,
    passphrase: str | None = None,
    key_file: Path | None = None,
    actor: Principal,
) -> dict[str, Any]:
    """Set up the protection desk (a protection lead, once): its key from ``passphrase``
    or in the new ``key_file`` (else from the settings), its age identity for requests
    for help. The desk is unlocked and its key held in this process."""
    with ws.sessions() as session, session.begin():
        authorise(session, actor, Permission.PROTECTION_LEAD)
        if passphrase is None and key_file is None:
            passphrase = _configured_passphrase(ws)
            key_file = None if passphrase else ws.settings.protection_key_file
        if session.get(ProtectionDesk, DESK_ID) is not None:
            raise ConflictError(_("The protection desk is set up already."))
        made = new_desk_key(ws, passphrase=passphrase, key_file=key_file)
        key = made.key
        secret, public = new_identity()
        desk = ProtectionDesk(
            id=DESK_ID,
            kdf=made.kdf,
            salt=made.salt,
            kdf_params=made.params,
            key_verifier=key.verifier(),
            age_recipient=public,
            age_identity=key.seal_desk(secret.encode("ascii"), record=AGE_RECORD, field=AGE_FIELD),
            locked=False,
            lock_epoch=0,
            changed_at=utcnow(),
            changed_by=actor.user_id,
        )
        session.add(desk)
        session.flush()
        audit.record_desk(session, actor, "desk-init")
    hold_key(ws, 0, key)
    return desk_state(ws)


def desk_key(
    ws: Workspace, session: Session | None = None, *, for_writing: bool = False
) -> DeskKey:
    """The desk key, for sealing and opening records: held in memory (derived once from
    the settings' key file or passphrase). DeskLockedError while the desk is locked,
    DeskNotInitialisedError before it is set up. Given ``session``, the desk's state is
    read in it (the caller's transaction). ``for_writing``: the caller wraps a data key,
    seals a desk value or writes blind indexes with it, so the desk's row is held shared
    until it commits: a key rotation waits for it, or it waits for the rotation and
    takes the new key (never the old one after the rotation went past its rows)."""
    if session is None:
        with ws.sessions() as own:
            return desk_key(ws, own)
    desk = desk_row(session, for_share=for_writing)
    if desk.locked:
        forget_key(ws)
        raise _locked()
    with _held_lock:
        held = _held.get(_where(ws))
    if held is not None and held.epoch == desk.lock_epoch:
        return held.key
    if not _opens_here(ws, desk):
        raise _not_here()
    key = _key_from(desk, _configured_passphrase(ws), ws.settings.protection_key_file)
    hold_key(ws, desk.lock_epoch, key)
    return key


def lock_desk(ws: Workspace, actor: Principal) -> dict[str, Any]:
    """Lock the desk at once (a lead or an admin): every process drops its key, every
    browser session and API token of the protection roles ends."""
    with ws.sessions() as session, session.begin():
        authorise(session, actor, Permission.PROTECTION_LOCK)
        desk = desk_row(session, for_update=True)
        desk.locked = True
        desk.lock_epoch += 1
        desk.changed_at = utcnow()
        desk.changed_by = actor.user_id
        ended = end_sign_ins_of_roles(session, PROTECTION_ROLES, actor=actor.username)
        audit.record_desk(session, actor, "desk-lock")
    forget_key(ws)
    return {**desk_state(ws), **ended}


def unlock_desk(
    ws: Workspace,
    actor: Principal,
    passphrase: str | None = None,
    *,
    key_file: Path | None = None,
) -> dict[str, Any]:
    """Unlock the desk (a protection lead) with its passphrase (or key file; else the
    settings'): a wrong one leaves it locked (DeskKeyMismatchError)."""
    with ws.sessions() as session, session.begin():
        authorise(session, actor, Permission.PROTECTION_UNLOCK)
        desk = desk_row(session, for_update=True)
        try:
            key = _key_from(
                desk,
                passphrase if passphrase is not None else _configured_passphrase(ws),
                key_file if key_file is not None else ws.settings.protection_key_file,
            )
        except DeskKeyMismatchError:
            record_now(
                ws, "desk-unlock", actor=actor.username, target="protection desk", outcome="failed"
            )
            raise
        desk.locked = False
        desk.changed_at = utcnow()
        desk.changed_by = actor.user_id
        epoch = desk.lock_epoch
        audit.record_desk(session, actor, "desk-unlock")
    hold_key(ws, epoch, key)
    return desk_state(ws)


def desk_state(ws: Workspace) -> dict[str, Any]:
    """Whether the desk is set up and locked, how its key is obtained, whether this
    process holds the key, and whether it can open the desk at all (``opens_here``: it
    holds the key or its settings name the passphrase or key file; false in a server
    process where a lead has not unlocked it yet). Nothing secret."""
    with ws.sessions() as session:
        desk = session.get(ProtectionDesk, DESK_ID)
        if desk is None:
            return {
                "initialised": False,
                "locked": True,
                "kdf": None,
                "key_held": False,
                "opens_here": False,
            }
        with _held_lock:
            held = _held.get(_where(ws))
        key_held = held is not None and held.epoch == desk.lock_epoch and not desk.locked
        return {
            "initialised": True,
            "locked": desk.locked,
            "kdf": desk.kdf,
            "key_held": key_held,
            "opens_here": not desk.locked and (key_held or _opens_here(ws, desk)),
            "changed_at": desk.changed_at.isoformat(),
        }


def age_recipient(ws: Workspace) -> str:
    """The desk's public age recipient (requests for help are encrypted to it; works
    while the desk is locked)."""
    with ws.sessions() as session:
        return desk_row(session).age_recipient


def age_identity(ws: Workspace, session: Session) -> str:
    """The desk's secret age identity, unwrapped with the desk key (needs the desk
    unlocked)."""
    desk = desk_row(session)
    key = desk_key(ws, session)
    return key.open_desk(desk.age_identity, record=AGE_RECORD, field=AGE_FIELD).decode("ascii")
