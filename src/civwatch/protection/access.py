"""Who may reach which record of the protection desk.

Two gates. The permission table (:mod:`civwatch.accounts.permissions`) is the first: a
role without ``protection.read`` is refused (403) at the route or command. Need to know
is the second: a person, and their cases, are reached only by their team (the members
of any case of the person, and the officer who registered them), by an officer holding an
unexpired emergency access grant a lead approved, and by protection leads. Anything else
answers exactly as a missing id does (:class:`~civwatch.errors.RecordNotFoundError`, 404):
a refusal never tells that a record exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import require, roles_of
from civwatch.db import utcnow
from civwatch.errors import PermissionDeniedError, RecordNotFoundError
from civwatch.i18n import _
from civwatch.protection.models import (
    ProtectionAccessGrant,
    ProtectionCase,
    ProtectionCaseMember,
    ProtectionPerson,
)

#: How long an approved emergency access lasts by default.
EMERGENCY_ACCESS_HOURS = 8


def authorise(session: Session, principal: Principal, permission: Permission) -> None:
    """Refuse (PermissionDeniedError) unless the roles in force of ``principal`` allow
    ``permission`` and the user, still active, still holds such a role."""
    require(session, principal.username, permission)
    if not allows(principal.roles, permission):
        raise PermissionDeniedError(
            _(
                "You act with the %(roles)s role, which does not allow %(permission)s.",
                roles=", ".join(sorted(principal.roles)) or "no",
                permission=permission.value,
            )
        )


def is_lead(session: Session, principal: Principal) -> bool:
    """Whether ``principal`` acts as a protection lead (every record of the desk)."""
    return allows(
        principal.roles & roles_of(session, principal.user_id), Permission.PROTECTION_LEAD
    )


def person_missing(person_id: str) -> RecordNotFoundError:
    """The one answer for a person that does not exist or is out of the caller's reach."""
    return RecordNotFoundError(_("No person %(id)s.", id=repr(person_id)))


def case_missing(case_id: str) -> RecordNotFoundError:
    """The one answer for a case that does not exist or is out of the caller's reach."""
    return RecordNotFoundError(_("No case %(id)s.", id=repr(case_id)))


def _on_team(session: Session, user_id: int, person_id: str, now: datetime) -> bool:
    registered = session.scalar(
        select(ProtectionPerson.id).where(
            ProtectionPerson.id == person_id, ProtectionPerson.created_by == user_id
        )
    )
    if registered is not None:
        return True
    member = session.scalar(
        select(ProtectionCaseMember.case_id)
        .join(ProtectionCase, ProtectionCase.id == ProtectionCaseMember.case_id)
        .where(ProtectionCase.person_id == person_id, ProtectionCaseMember.user_id == user_id)
        .limit(1)
    )
    if member is not None:
        return True
    grant = session.scalar(
        select(ProtectionAccessGrant.id)
        .where(
            ProtectionAccessGrant.person_id == person_id,
            ProtectionAccessGrant.user_id == user_id,
            ProtectionAccessGrant.approved_at.is_not(None),
            ProtectionAccessGrant.revoked_at.is_(None),
            ProtectionAccessGrant.expires_at > now,
        )
        .limit(1)
    )
    return grant is not None


def can_read_person(session: Session, principal: Principal, person_id: str) -> bool:
    """Whether ``principal`` may read the (existing, not deleted) person ``person_id``."""
    person = session.get(ProtectionPerson, person_id)
    if person is None or person.deleted_at is not None:
        return False
    roles = principal.roles & roles_of(session, principal.user_id)
    if not allows(roles, Permission.PROTECTION_READ):
        return False
    if allows(roles, Permission.PROTECTION_LEAD):
        return True
    return _on_team(session, principal.user_id, person_id, utcnow())


def readable_persons(session: Session, principal: Principal, person_ids: list[str]) -> list[str]:
    """Those of ``person_ids`` the caller may read, in the given order."""
    return [p for p in person_ids if can_read_person(session, principal, p)]


def require_person(session: Session, principal: Principal, person_id: str) -> ProtectionPerson:
    """The person ``person_id`` if the caller may read it; otherwise "not found"."""
    authorise(session, principal, Permission.PROTECTION_READ)
    if not can_read_person(session, principal, person_id):
        raise person_missing(person_id)
    person = session.get(ProtectionPerson, person_id)
    assert person is not None
    return person


def require_case(session: Session, principal: Principal, case_id: str) -> ProtectionCase:
    """The case ``case_id`` if the caller may read its person; otherwise "not found"."""
    authorise(session, principal, Permission.PROTECTION_READ)
    case = session.get(ProtectionCase, case_id)
    if case is None or not can_read_person(session, principal, case.person_id):
        raise case_missing(case_id)
    return case


def expiry(now: datetime, hours: int = EMERGENCY_ACCESS_HOURS) -> datetime:
    """When an emergency access approved at ``now`` ends."""
    return now + timedelta(hours=hours)
