"""A person's data key, and the values sealed with it.

Each person has a data key of their own, stored only wrapped by the desk key (bound to
the person's id). Every value that identifies, locates or contacts them, in any table of
the desk, is sealed with it (record = the row's id, field = the column's name), so that
destroying the wrapped key (deleting the person) leaves nothing of them that opens.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from civwatch.crypto.envelope import DeskKey, new_data_key, seal_json, unseal_json
from civwatch.protection.access import person_missing
from civwatch.protection.models import ProtectionPerson


def new_wrapped_key(desk: DeskKey, person_id: str) -> tuple[bytes, bytes]:
    """A fresh data key for ``person_id`` and its wrapped form (to store)."""
    key = new_data_key()
    return key, desk.wrap(key, owner=person_id)


def person_key(session: Session, desk: DeskKey, person_id: str) -> bytes:
    """The data key of ``person_id``, unwrapped once for the caller's work;
    RecordNotFoundError when there is no such person or they were deleted."""
    person = session.get(ProtectionPerson, person_id)
    if person is None or person.wrapped_key is None:
        raise person_missing(person_id)
    return desk.unwrap(person.wrapped_key, owner=person_id)


def seal_value(key: bytes, value: Any, *, record: str, field: str) -> bytes | None:
    """``value`` sealed with the person's data ``key`` for ``record``'s ``field``;
    None stays None."""
    return None if value is None else seal_json(key, value, record=record, field=field)


def open_value(key: bytes, sealed: bytes | None, *, record: str, field: str) -> Any:
    """The value :func:`seal_value` sealed (None stays None)."""
    return None if sealed is None else unseal_json(key, sealed, record=record, field=field)
