"""Emergency access requests as the desk lists them: an officer's own requests (pending,
approved until when, refused, ended), and for a protection lead those waiting for a
decision or in force.

Asking, approving and ending are :mod:`civwatch.protection.access`'s; this only reads.
A request's reason is sealed with the person's key: it is opened for protection leads
only (who decide, and who may read every record), and each opening is recorded as a read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import usernames_by_id
from civwatch.db import utcnow
from civwatch.errors import RecordNotFoundError
from civwatch.i18n import _
from civwatch.protection import access, audit
from civwatch.protection.crypto_fields import open_value
from civwatch.protection.desk import desk_key
from civwatch.protection.keys import person_key_for
from civwatch.protection.models import ProtectionAccessGrant, ProtectionPerson
from civwatch.workspace import Workspace

#: The most requests of each list shown (the newest).
SHOWN = 50


def grant_state(grant: ProtectionAccessGrant, now: datetime) -> str:
    """pending, approved, expired, refused (ended before approval) or ended."""
    if grant.revoked_at is not None:
        return "ended" if grant.approved_at is not None else "refused"
    if grant.approved_at is None:
        return "pending"
    if grant.expires_at is not None and grant.expires_at <= now:
        return "expired"
    return "approved"


def _row(
    session: Session,
    ws: Workspace,
    principal: Principal,
    grant: ProtectionAccessGrant,
    names: dict[int, str],
    now: datetime,
    *,
    with_reason: bool,
) -> dict[str, Any]:
    reason = None
    person = session.get(ProtectionPerson, grant.person_id)
    if with_reason and grant.reason is not None and person is not None and person.wrapped_key:
        key = person_key_for(ws, session, grant.person_id)
        reason = open_value(key, grant.reason, record=grant.id, field="reason")
        audit.record_read(
            session, principal, person_id=grant.person_id, case_id=None, fields=("access",)
        )
    return {
        "id": grant.id,
        "person_id": grant.person_id,
        "requested_by": names.get(grant.user_id),
        "requested_at": grant.requested_at.isoformat(),
        "state": grant_state(grant, now),
        "approved_by": None if grant.approved_by is None else names.get(grant.approved_by),
        "expires_at": None if grant.expires_at is None else grant.expires_at.isoformat(),
        "reason": reason,
    }


def access_requests(ws: Workspace, principal: Principal) -> dict[str, list[dict[str, Any]]]:
    """``mine``: the caller's own requests, newest first (no reason shown back);
    ``to_decide``: for a protection lead, the others' requests waiting for a decision
    and the accesses in force, with their reasons (each recorded as read)."""
    now = utcnow()
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        desk_key(ws, session)  # a locked desk answers nothing, not even ids
        # A request goes with its person when they are deleted; one asked for an id that
        # names no person (never registered, or deleted before) is listed as any other.
        alive = or_(
            ProtectionPerson.id.is_(None),
            ProtectionPerson.deleted_at.is_(None),
            ProtectionPerson.deleted_at < ProtectionAccessGrant.requested_at,
        )
        base = select(ProtectionAccessGrant).outerjoin(
            ProtectionPerson, ProtectionPerson.id == ProtectionAccessGrant.person_id
        )
        mine = session.scalars(
            base.where(alive, ProtectionAccessGrant.user_id == principal.user_id)
            .order_by(ProtectionAccessGrant.requested_at.desc(), ProtectionAccessGrant.id)
            .limit(SHOWN)
        ).all()
        others: list[ProtectionAccessGrant] = []
        lead = access.is_lead(session, principal)
        if lead:
            others = list(
                session.scalars(
                    base.where(
                        alive,
                        ProtectionAccessGrant.user_id != principal.user_id,
                        ProtectionAccessGrant.revoked_at.is_(None),
                        or_(
                            ProtectionAccessGrant.approved_at.is_(None),
                            and_(
                                ProtectionAccessGrant.expires_at.is_not(None),
                                ProtectionAccessGrant.expires_at > now,
                            ),
                        ),
                    )
                    .order_by(ProtectionAccessGrant.requested_at, ProtectionAccessGrant.id)
                    .limit(SHOWN)
                )
            )
        names = usernames_by_id(
            session,
            {
                *(g.user_id for g in [*mine, *others]),
                *(g.approved_by for g in [*mine, *others] if g.approved_by is not None),
            },
        )
        return {
            "mine": [_row(session, ws, principal, g, names, now, with_reason=False) for g in mine],
            "to_decide": [
                _row(session, ws, principal, g, names, now, with_reason=True) for g in others
            ],
        }


def access_request(ws: Workspace, principal: Principal, grant_id: str) -> dict[str, Any]:
    """One request for emergency access as a protection lead sees it once decided (its
    state, who asked and when, until when: no reason)."""
    now = utcnow()
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_LEAD)
        grant = session.get(ProtectionAccessGrant, grant_id)
        if grant is None:
            raise RecordNotFoundError(_("No access request %(id)s.", id=repr(grant_id)))
        names = usernames_by_id(
            session, {grant.user_id, *([grant.approved_by] if grant.approved_by else [])}
        )
        return _row(session, ws, principal, grant, names, now, with_reason=False)
