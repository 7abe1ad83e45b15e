"""A person's data key and sealed fields, opened for one call in the caller's session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from civwatch.protection.crypto_fields import person_key
from civwatch.protection.desk import desk_key
from civwatch.protection.persons import read_fields
from civwatch.workspace import Workspace


def person_key_for(ws: Workspace, session: Session, person_id: str) -> bytes:
    """The data key of ``person_id``, unwrapped with the desk key (DeskLockedError while
    the desk is locked; RecordNotFoundError once the person is deleted)."""
    return person_key(session, desk_key(ws, session), person_id)


def person_values(
    session: Session, key: bytes, person_id: str, fields: Sequence[str]
) -> dict[str, Any]:
    """The person's ``fields`` (those they have), opened with their ``key``, without
    recording a read (the caller records what it shows or sends)."""
    return read_fields(session, person_id, key, fields)
