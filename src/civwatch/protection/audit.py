"""The protection audit trail: who read or changed which person or case, which fields.

A stand-in with the documented signatures, writing the row index only; the branch that
builds the protection audit log (its own Merkle log and signed heads) replaces this file.
Ids and field names only: never a name, a value or free text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from civwatch.accounts.principal import Principal
from civwatch.db import utcnow
from civwatch.protection.models import ProtectionAuditEvent


def _add(
    session: Session,
    actor: Principal | None,
    act: str,
    *,
    person_id: str | None,
    case_id: str | None,
    fields: Sequence[str],
) -> None:
    last = session.scalar(select(func.max(ProtectionAuditEvent.leaf_idx)))
    session.add(
        ProtectionAuditEvent(
            leaf_idx=0 if last is None else last + 1,
            act=act,
            actor_id=None if actor is None else actor.user_id,
            person_id=person_id,
            case_id=case_id,
            fields=list(fields),
            at=utcnow(),
        )
    )
    session.flush()


def record_read(
    session: Session,
    actor: Principal,
    *,
    person_id: str | None,
    case_id: str | None,
    fields: Sequence[str],
) -> None:
    """Record that ``actor`` read ``fields`` of a person or case (in the caller's
    transaction: no read without its record)."""
    _add(session, actor, "protection-read", person_id=person_id, case_id=case_id, fields=fields)


def record_change(
    session: Session,
    actor: Principal | None,
    what: str,
    *,
    person_id: str | None = None,
    case_id: str | None = None,
    fields: Sequence[str] = (),
) -> None:
    """Record a change (``what``: e.g. "person-add") to a person or case."""
    act = "person-delete" if what == "person-delete" else "protection-change"
    _add(session, actor, act, person_id=person_id, case_id=case_id, fields=fields)


def record_desk(session: Session, actor: Principal | None, act: str) -> None:
    """Record an act on the desk itself (desk-init, desk-lock, desk-unlock)."""
    _add(session, actor, act, person_id=None, case_id=None, fields=())


def history(
    session: Session, *, person_id: str | None = None, case_id: str | None = None
) -> list[dict[str, Any]]:
    """Who read or changed a person or case, newest first."""
    from civwatch.accounts.service import usernames_by_id

    query = select(ProtectionAuditEvent).order_by(ProtectionAuditEvent.leaf_idx.desc())
    conditions = []
    if person_id is not None:
        conditions.append(ProtectionAuditEvent.person_id == person_id)
    if case_id is not None:
        conditions.append(ProtectionAuditEvent.case_id == case_id)
    if conditions:
        query = query.where(or_(*conditions))
    rows = list(session.scalars(query))
    names = usernames_by_id(session, {r.actor_id for r in rows if r.actor_id is not None})
    return [
        {
            "actor": None if r.actor_id is None else names.get(r.actor_id),
            "at": r.at.isoformat(),
            "act": r.act,
            "fields": list(r.fields),
        }
        for r in rows
    ]
