"""Who reaches which grants in relief: the caller's relief roles in force, and the grants
of cases they may read (approvers, finance and protection leads reach every grant; an
officer only those of cases the protection desk lets them read). Shared by the listings
(:mod:`civwatch.relief.queues`) and the acts that speak of a case's person (vetting)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import roles_of
from civwatch.protection.access import authorise, is_lead, readable_persons
from civwatch.relief.models import ReliefGrant

#: The relief permissions, in the order a listing asks for them.
_RELIEF = (
    Permission.RELIEF_FINANCE,
    Permission.RELIEF_APPROVE,
    Permission.RELIEF_VET,
    Permission.RELIEF_REQUEST,
)


@dataclass(frozen=True)
class Reach:
    """What the caller may do in relief, from the roles in force they still hold."""

    user_id: int
    finance: bool
    approver: bool
    vetter: bool
    requester: bool
    #: Every grant (approvers, finance, protection leads) or only those of cases they may
    #: read.
    everything: bool


def reach(session: Session, principal: Principal) -> Reach:
    """The caller's reach in relief, after authorising the first relief permission their
    roles allow (PermissionDeniedError when none does)."""
    roles = principal.roles & roles_of(session, principal.user_id)
    held = [p for p in _RELIEF if allows(roles, p)]
    authorise(session, principal, held[0] if held else Permission.RELIEF_REQUEST)
    finance = Permission.RELIEF_FINANCE in held
    approver = Permission.RELIEF_APPROVE in held
    return Reach(
        user_id=principal.user_id,
        finance=finance,
        approver=approver,
        vetter=Permission.RELIEF_VET in held,
        requester=Permission.RELIEF_REQUEST in held,
        # A protection lead reads every case: every grant, with no list of people to check.
        everything=finance or approver or is_lead(session, principal),
    )


def readable(
    session: Session, principal: Principal, who: Reach, grants: Iterable[ReliefGrant]
) -> list[ReliefGrant]:
    rows = list(grants)
    if who.everything:
        return rows
    allowed = set(readable_persons(session, principal, [g.person_id for g in rows]))
    return [g for g in rows if g.person_id in allowed]
