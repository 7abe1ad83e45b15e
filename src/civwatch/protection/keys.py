"""A person's data key and sealed fields, opened for one call (placeholder until the
persons module's helpers are merged)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.crypto.envelope import unseal_json
from civwatch.protection.crypto_fields import person_key
from civwatch.protection.desk import desk_key
from civwatch.protection.models import ProtectionPersonField
from civwatch.workspace import Workspace


def person_key_for(ws: Workspace, session: Session, person_id: str) -> bytes:
    """The data key of ``person_id``, unwrapped with the desk key (DeskLockedError while
    the desk is locked; RecordNotFoundError once the person is deleted)."""
    return person_key(session, desk_key(ws, session), person_id)


def person_values(
    session: Session, key: bytes, person_id: str, fields: Sequence[str]
) -> dict[str, Any]:
    """The person's ``fields`` (those they have), opened with their ``key``."""
    rows = session.execute(
        select(ProtectionPersonField.field, ProtectionPersonField.value).where(
            ProtectionPersonField.person_id == person_id,
            ProtectionPersonField.field.in_(list(fields)),
        )
    ).all()
    return {
        field: unseal_json(key, value, record=person_id, field=field)
        for field, value in rows
        if value is not None
    }
