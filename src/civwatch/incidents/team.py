"""Who works on an incident, and so who may see its witnesses and internal notes.

The **team** of an incident is everyone its records name as having worked on it: its
creator, and whoever wrote a revision of it, linked or unlinked evidence to it, moved its
status (submissions, review decisions, publication), added a witness to it, or wrote a
verification record on evidence that was linked to it. Each of these acts is attributed
and in the custody log, so joining a team leaves a trace.

The witnesses and internal notes of an incident are for the people of its team who hold
an incident-writing role (investigators, verifiers), and, while the incident waits for
review, for the holders of :attr:`~civwatch.accounts.permissions.Permission.INTERNAL_REVIEW`
(verifiers: the second person checks the work behind the proposed outcome). Everyone
else, whatever their role, is refused; reads and refusals are in the audit log (ids only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission, allows
from civwatch.incidents.models import (
    EvidenceLink,
    Incident,
    IncidentRevision,
    IncidentTransition,
    VerificationRecord,
    Witness,
)

#: Why someone may see an incident's internal fields.
Access = Literal["team", "review"]
#: The status in which reviewers may see the internal fields without being on the team.
REVIEW_STATUS = "in_review"


def incident_team(session: Session, incident_id: int) -> frozenset[str]:
    """The usernames of everyone who works on the incident (see the module docstring)."""
    linked_items = select(EvidenceLink.item_id).where(
        EvidenceLink.incident_id == incident_id, EvidenceLink.linked.is_(True)
    )
    acts = union(
        select(Incident.created_by).where(Incident.id == incident_id),
        select(IncidentRevision.actor).where(IncidentRevision.incident_id == incident_id),
        select(EvidenceLink.actor).where(EvidenceLink.incident_id == incident_id),
        select(IncidentTransition.actor).where(IncidentTransition.incident_id == incident_id),
        select(Witness.added_by).where(Witness.incident_id == incident_id),
        select(VerificationRecord.author).where(VerificationRecord.item_id.in_(linked_items)),
    )
    return frozenset(session.scalars(acts))


class Member(Protocol):
    """What access decisions read of an account (an ``accounts`` user)."""

    @property
    def username(self) -> str: ...
    @property
    def roles(self) -> Sequence[str]: ...


def internal_access(session: Session, incident: Incident, user: Member) -> Access | None:
    """Why ``user`` (who holds an incident-writing role) may see the internal fields of
    ``incident``, or None when they may not."""
    if user.username in incident_team(session, incident.id):
        return "team"
    if incident.status == REVIEW_STATUS and allows(user.roles, Permission.INTERNAL_REVIEW):
        return "review"
    return None
