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
from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import authorise as accounts_authorise
from civwatch.accounts.service import roles_of
from civwatch.db import in_probed, utcnow
from civwatch.errors import (
    ConflictError,
    PermissionDeniedError,
    RecordNotFoundError,
    RejectedInputError,
)
from civwatch.i18n import _
from civwatch.protection.ids import new_id
from civwatch.protection.models import (
    ProtectionAccessGrant,
    ProtectionCase,
    ProtectionCaseMember,
    ProtectionPerson,
)
from civwatch.workspace import Workspace

#: Where :func:`authorise` keeps the acting user in the session.
_ACTING_USER = "civwatch.protection.acting_user"
#: How long an approved emergency access lasts by default.
EMERGENCY_ACCESS_HOURS = 8


def authorise(session: Session, principal: Principal, permission: Permission) -> None:
    """Refuse (PermissionDeniedError) unless the roles in force of ``principal`` allow
    ``permission`` and the user, still active, still holds such a role
    (:func:`civwatch.accounts.service.authorise`)."""
    user = accounts_authorise(session, principal, permission)
    # Held for the session's life: the checks of need to know that follow ask for the user's
    # roles again (roles_of), and find them in the session instead of asking the database.
    session.info[_ACTING_USER] = user


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


def _grant_in_force(user_id: int, now: datetime) -> list[ColumnElement[bool]]:
    """An access grant to ``user_id`` approved, not revoked and not expired at ``now``."""
    return [
        ProtectionAccessGrant.user_id == user_id,
        ProtectionAccessGrant.approved_at.is_not(None),
        ProtectionAccessGrant.revoked_at.is_(None),
        ProtectionAccessGrant.expires_at > now,
    ]


def within_reach(user_id: int, now: datetime, *, each: bool = False) -> ColumnElement[bool]:
    """A condition on ``protection_person`` rows: the people user ``user_id`` is on the
    team of (registered them, is a member of one of their cases, or holds an approved
    access grant that has not expired and was not revoked). Leads reach everyone: their
    callers leave the condition out. Deleted people are excluded by the caller.

    ``each``: the same rule as a check of each row (EXISTS of the row's cases and grants,
    a few index probes), for a query that has narrowed the people to a few first (a
    search's matches); without it, the officer's cases are an IN list, which PostgreSQL
    builds whole (a hash of every case) before it reads the first row."""
    if each:
        member = ProtectionCaseMember
        on_case = exists().where(
            ProtectionCase.person_id == ProtectionPerson.id,
            member.case_id == ProtectionCase.id,
            member.user_id == user_id,
        )
        holds_grant = exists().where(
            ProtectionAccessGrant.person_id == ProtectionPerson.id,
            *_grant_in_force(user_id, now),
        )
        return or_(ProtectionPerson.created_by == user_id, on_case, holds_grant)
    on_cases = (
        select(ProtectionCase.person_id)
        .join(ProtectionCaseMember, ProtectionCaseMember.case_id == ProtectionCase.id)
        .where(ProtectionCaseMember.user_id == user_id)
    )
    granted = select(ProtectionAccessGrant.person_id).where(*_grant_in_force(user_id, now))
    return or_(
        ProtectionPerson.created_by == user_id,
        ProtectionPerson.id.in_(on_cases),
        ProtectionPerson.id.in_(granted),
    )


def reach_sources(session: Session, user_id: int, now: datetime) -> list[ColumnElement[bool]]:
    """:func:`within_reach` as one condition per way an officer reaches a person (registered
    them; a member of one of their cases; an approved access grant), for the branches of a
    UNION: each is answered from an index (``protection_person (created_by, ...)``, the
    officer's cases, their grants), where the OR of them makes the databases read every row
    the rest of the query selects (every review due in the registry) to test it."""
    dialect = session.get_bind().dialect.name
    my_cases = select(ProtectionCaseMember.case_id).where(ProtectionCaseMember.user_id == user_id)
    on_cases = select(ProtectionCase.person_id).where(
        in_probed(dialect, ProtectionCase.id, my_cases)
    )
    granted = select(ProtectionAccessGrant.person_id).where(*_grant_in_force(user_id, now))
    return [
        ProtectionPerson.created_by == user_id,
        in_probed(dialect, ProtectionPerson.id, on_cases),
        ProtectionPerson.id.in_(granted),
    ]


def is_officer_only(session: Session, principal: Principal) -> bool | None:
    """Whether ``principal`` reaches only their teams' people (True), every person (False,
    a protection lead) or nobody (None: no protection.read)."""
    roles = principal.roles & roles_of(session, principal.user_id)
    if not allows(roles, Permission.PROTECTION_READ):
        return None
    return not allows(roles, Permission.PROTECTION_LEAD)


def reach_filter(
    session: Session, principal: Principal, *, each: bool = False
) -> ColumnElement[bool] | None:
    """The condition limiting ``protection_person`` rows to those ``principal`` may read:
    None for a protection lead (every record), :func:`within_reach` for an officer (with
    ``each``, checked row by row); raises nothing, and gives a condition matching no one to
    a caller without protection.read."""
    officer = is_officer_only(session, principal)
    if officer is None:
        return false()
    return within_reach(principal.user_id, utcnow(), each=each) if officer else None


def readable_persons(session: Session, principal: Principal, person_ids: list[str]) -> list[str]:
    """Those of ``person_ids`` the caller may read, in the given order (one query per 500
    ids, whatever their number: searches check many at once)."""
    if not person_ids:
        return []
    reach = reach_filter(session, principal)
    found: set[str] = set()
    unique = sorted(set(person_ids))
    for start in range(0, len(unique), 500):
        query = select(ProtectionPerson.id).where(
            ProtectionPerson.id.in_(unique[start : start + 500]),
            ProtectionPerson.deleted_at.is_(None),
        )
        if reach is not None:
            query = query.where(reach)
        found.update(session.scalars(query))
    return [p for p in person_ids if p in found]


def require_person(session: Session, principal: Principal, person_id: str) -> ProtectionPerson:
    """The person ``person_id`` if the caller may read it; otherwise "not found". The
    caller has called :func:`authorise` for the act's own permission first (this checks
    reach only, so a lead-only act asks the table for nothing else)."""
    if not can_read_person(session, principal, person_id):
        raise person_missing(person_id)
    person = session.get(ProtectionPerson, person_id)
    assert person is not None
    return person


def require_case(session: Session, principal: Principal, case_id: str) -> ProtectionCase:
    """The case ``case_id`` if the caller may read its person; otherwise "not found"
    (after :func:`authorise`, as :func:`require_person`)."""
    case = session.get(ProtectionCase, case_id)
    if case is None or not can_read_person(session, principal, case.person_id):
        raise case_missing(case_id)
    return case


def expiry(now: datetime, hours: int = EMERGENCY_ACCESS_HOURS) -> datetime:
    """When an emergency access approved at ``now`` ends."""
    return now + timedelta(hours=hours)


def request_emergency_access(
    ws: Workspace, principal: Principal, person_id: str, reason: str
) -> str:
    """An officer outside the person's team asks to read them, saying why (the reason is
    sealed with the person's key); a lead must approve. Returns the request's id.

    An id that names no person (never registered, or deleted) is asked for all the same,
    with the same work, the same answer and the same audit entry, so asking never tells
    whether an id is a person: its reason is sealed with a key thrown away at once, and a
    lead cannot approve it."""
    from civwatch.crypto.envelope import new_data_key
    from civwatch.protection import audit
    from civwatch.protection.crypto_fields import person_key, seal_value
    from civwatch.protection.desk import desk_key

    if not reason or not reason.strip():
        raise RejectedInputError(_("Say why you need to read this person's record."))
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_WRITE)
        desk = desk_key(ws, session)
        person = session.get(ProtectionPerson, person_id)
        if person is not None and person.deleted_at is None:
            data_key = person_key(session, desk, person_id)
        else:
            # The same unwrapping as for a person, of a key nobody keeps.
            data_key = desk.unwrap(desk.wrap(new_data_key(), owner=person_id), owner=person_id)
        grant_id = new_id("grant")
        session.add(
            ProtectionAccessGrant(
                id=grant_id,
                person_id=person_id,
                user_id=principal.user_id,
                reason=seal_value(data_key, reason.strip(), record=grant_id, field="reason"),
                requested_at=utcnow(),
            )
        )
        session.flush()
        audit.record_change(
            session, principal, "access-request", person_id=person_id, fields=["access"]
        )
    return grant_id


def approve_emergency_access(
    ws: Workspace, principal: Principal, grant_id: str, *, hours: int = EMERGENCY_ACCESS_HOURS
) -> dict[str, Any]:
    """A protection lead (never the one who asked) approves an emergency access for
    ``hours``; it ends by itself then."""
    from civwatch.protection import audit

    if not 1 <= hours <= 72:
        raise RejectedInputError(_("Emergency access lasts between 1 and 72 hours."))
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_LEAD)
        grant = session.get(ProtectionAccessGrant, grant_id)
        if grant is None:
            raise RecordNotFoundError(_("No access request %(id)s.", id=repr(grant_id)))
        if grant.user_id == principal.user_id:
            raise PermissionDeniedError(
                _("Another protection lead must approve your own request for access.")
            )
        if grant.approved_at is not None or grant.revoked_at is not None:
            raise ConflictError(_("This request for access has been decided already."))
        person = session.get(ProtectionPerson, grant.person_id)
        if person is None or person.deleted_at is not None:
            raise ConflictError(_("This request names no person on the desk: refuse it instead."))
        now = utcnow()
        grant.approved_by = principal.user_id
        grant.approved_at = now
        grant.expires_at = expiry(now, hours)
        audit.record_change(
            session, principal, "access-approve", person_id=grant.person_id, fields=["access"]
        )
        return {
            "id": grant.id,
            "person_id": grant.person_id,
            "expires_at": grant.expires_at.isoformat(),
        }


def revoke_emergency_access(ws: Workspace, principal: Principal, grant_id: str) -> None:
    """A protection lead ends an emergency access (or refuses the request) now."""
    from civwatch.protection import audit

    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.PROTECTION_LEAD)
        grant = session.get(ProtectionAccessGrant, grant_id)
        if grant is None:
            raise RecordNotFoundError(_("No access request %(id)s.", id=repr(grant_id)))
        grant.revoked_at = utcnow()
        audit.record_change(
            session, principal, "access-revoke", person_id=grant.person_id, fields=["access"]
        )
