"""Data keys the desk holds for records of other domains (public to them).

A witness of a testimony (:mod:`civwatch.intake`) is protected like a person at risk: their
identity is sealed with a data key of their own, and that key is wrapped by the desk key
and kept here, so that rotating the desk's key re-wraps it (:func:`rewrap_held_keys`, called
by :mod:`.rotation`) and destroying it crypto-shreds the record. The owning domain keeps its
sealed values in its own tables and seals and opens them with the key these functions give
(``civwatch.crypto.envelope``); it never reads this table itself.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from civwatch.crypto.envelope import DeskKey, new_data_key
from civwatch.db import utcnow
from civwatch.errors import RecordNotFoundError
from civwatch.i18n import _
from civwatch.protection.desk import desk_key
from civwatch.protection.models import ProtectionHeldKey
from civwatch.workspace import Workspace


def _missing(owner: str) -> RecordNotFoundError:
    return RecordNotFoundError(_("No protected record %(id)s.", id=repr(owner)))


def new_held_key(ws: Workspace, session: Session, owner: str) -> bytes:
    """A fresh data key for ``owner`` (an id of the calling domain), stored wrapped by the
    desk key in the caller's transaction; DeskLockedError while the desk is locked."""
    desk = desk_key(ws, session, for_writing=True)
    key = new_data_key()
    session.add(ProtectionHeldKey(owner=owner, wrapped_key=desk.wrap(key, owner=owner)))
    session.flush()
    return key


def held_key(ws: Workspace, session: Session, owner: str) -> bytes:
    """The data key of ``owner``, unwrapped with the desk key (DeskLockedError while the
    desk is locked; RecordNotFoundError once it was shredded or never existed)."""
    desk = desk_key(ws, session)
    row = session.get(ProtectionHeldKey, owner)
    if row is None or row.wrapped_key is None:
        raise _missing(owner)
    return desk.unwrap(row.wrapped_key, owner=owner)


def is_held(session: Session, owner: str) -> bool:
    """Whether ``owner`` still has a key (it was not shredded)."""
    row = session.get(ProtectionHeldKey, owner)
    return row is not None and row.wrapped_key is not None


def shred_held_key(session: Session, owner: str) -> None:
    """Destroy the data key of ``owner``: nothing sealed with it opens again (SQLite runs
    with ``secure_delete``, so the wrapped key is overwritten, not merely unlinked)."""
    row = session.get(ProtectionHeldKey, owner)
    if row is None or row.wrapped_key is None:
        raise _missing(owner)
    row.wrapped_key = None
    row.shredded_at = utcnow()
    session.flush()


def rewrap_held_keys(session: Session, old: DeskKey, new: DeskKey) -> int:
    """Re-wrap every held key with the desk's ``new`` key (in the rotation's transaction);
    the number re-wrapped."""
    rows = session.execute(
        select(ProtectionHeldKey.owner, ProtectionHeldKey.wrapped_key).where(
            ProtectionHeldKey.wrapped_key.is_not(None)
        )
    ).all()
    changes = [
        {"owner": owner, "wrapped_key": new.wrap(old.unwrap(wrapped, owner=owner), owner=owner)}
        for owner, wrapped in rows
        if wrapped is not None
    ]
    if changes:
        session.execute(update(ProtectionHeldKey), changes)
    return len(changes)
