"""Changes to concluded incidents: proposed, reviewed by a second person, then applied.

An incident whose status is a final outcome (verified, unverifiable or
false_or_misattributed) is a conclusion two people signed off. Its content no longer
changes when someone edits it: the edit is stored as a *proposed change*, a new
``IncidentRevision`` with state "pending" and a number above the incident's own, and the
incident row (which every page, map, feed and export reads) keeps the approved version.

A verifier who is not among the incident's authors (see
:func:`civwatch.incidents.workflow.incident_authors`) then approves or rejects it (with a
reason). An approved change is applied at once to an incident that is not public. A public
incident changes in public only through a publisher's correction
(:func:`civwatch.publish.publication.correct_incident`): until then the approved change
waits (state "approved") and the public keeps the version it was shown. If the incident
is withdrawn first, the approved change is applied with the withdrawal, since nothing
public depends on it any more.

Every step is a row (``IncidentRevision``, ``IncidentChangeDecision``) and a custody entry:
``incident-change-propose``, ``incident-change-approve``, ``incident-change-reject`` and
``incident-change-apply``. The incident row always holds the document of revision number
``Incident.revision``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civwatch.custody import entries
from civwatch.incidents.acts import CHANGE_APPLY, CHANGE_DECISIONS, CHANGE_PROPOSE
from civwatch.incidents.document import (
    FIELDS,
    LOCATION_FIELDS,
    apply_doc,
    gazetteer_for,
    incident_doc,
)
from civwatch.incidents.models import Incident, IncidentChangeDecision, IncidentRevision
from civwatch.incidents.public_location import place_publicly
from civwatch.workspace import Workspace

#: Statuses whose content changes only through review: the conclusions.
CONCLUDED = ("verified", "unverifiable", "false_or_misattributed")
#: States of a proposed change that is still open (not yet applied or rejected).
OPEN_STATES = ("pending", "approved")


def next_revision(session: Session, incident_id: int) -> int:
    """The number the next revision of an incident takes: above every one recorded,
    rejected and pending ones included."""
    highest = session.scalar(
        select(func.max(IncidentRevision.revision)).where(
            IncidentRevision.incident_id == incident_id
        )
    )
    return int(highest or 0) + 1


def open_change(session: Session, incident_id: int) -> IncidentRevision | None:
    """The incident's change in review or waiting for publication, if any (at most one)."""
    return session.scalars(
        select(IncidentRevision)
        .where(
            IncidentRevision.incident_id == incident_id,
            IncidentRevision.state.in_(OPEN_STATES),
        )
        .order_by(IncidentRevision.revision.desc())
        .limit(1)
    ).first()


def open_changes(session: Session, incident_ids: Sequence[int]) -> dict[int, IncidentRevision]:
    """:func:`open_change` of many incidents in one query."""
    if not incident_ids:
        return {}
    rows = session.scalars(
        select(IncidentRevision)
        .where(
            IncidentRevision.incident_id.in_(list(incident_ids)),
            IncidentRevision.state.in_(OPEN_STATES),
        )
        .order_by(IncidentRevision.revision)
    )
    return {r.incident_id: r for r in rows}


def propose(
    ws: Workspace,
    session: Session,
    incident: Incident,
    doc: dict[str, Any],
    actor: str,
    now: datetime,
) -> IncidentRevision:
    """Store ``doc`` (checked) as a change in review of a concluded incident; the incident
    row is not touched (only its ``updated_at``, which the team's lists read)."""
    number = next_revision(session, incident.id)
    sha = entries.digest(doc)
    leaf = entries.append(
        ws.custody,
        session,
        CHANGE_PROPOSE,
        actor,
        now,
        incident=incident.id,
        revision=number,
        base_revision=incident.revision,
        doc_sha256=sha,
    )
    revision = IncidentRevision(
        incident_id=incident.id,
        revision=number,
        doc=doc,
        doc_sha256=sha,
        actor=actor,
        at=now,
        custody_leaf=leaf,
        state="pending",
        base_revision=incident.revision,
    )
    session.add(revision)
    incident.updated_at = now
    return revision


def decide(
    ws: Workspace,
    session: Session,
    incident: Incident,
    change: IncidentRevision,
    decision: str,
    actor: str,
    reason: str | None,
    now: datetime,
) -> None:
    """Record a reviewer's approval or rejection of a pending change (the caller has checked
    the reviewer). An approved change of an incident that is not public is applied at once."""
    leaf = entries.append(
        ws.custody,
        session,
        CHANGE_DECISIONS[decision],
        actor,
        now,
        incident=incident.id,
        revision=change.revision,
        doc_sha256=change.doc_sha256,
        reason=reason,
    )
    session.add(
        IncidentChangeDecision(
            incident_id=incident.id,
            revision_id=change.id,
            act=decision,
            reason=reason,
            actor=actor,
            at=now,
            custody_leaf=leaf,
        )
    )
    change.state = "approved" if decision == "approve" else "rejected"
    incident.updated_at = now
    if decision == "approve" and incident.visibility != "public":
        apply(ws, session, incident, change, actor, now, on="approval")


def apply(
    ws: Workspace,
    session: Session,
    incident: Incident,
    change: IncidentRevision,
    actor: str,
    now: datetime,
    *,
    on: str,
    reason: str | None = None,
) -> None:
    """Make an approved change the incident's content (``on``: approval, correction or
    withdrawal, the act that applies it)."""
    before = incident_doc(session, incident)
    leaf = entries.append(
        ws.custody,
        session,
        CHANGE_APPLY,
        actor,
        now,
        incident=incident.id,
        revision=change.revision,
        doc_sha256=change.doc_sha256,
        on=on,
        reason=reason,
        **{"from": incident.revision},
    )
    session.add(
        IncidentChangeDecision(
            incident_id=incident.id,
            revision_id=change.id,
            act="apply",
            reason=reason,
            actor=actor,
            at=now,
            custody_leaf=leaf,
        )
    )
    apply_doc(session, incident, change.doc)
    if any(before[f] != change.doc[f] for f in LOCATION_FIELDS):
        place_publicly(incident, gazetteer_for(ws))
    incident.revision = change.revision
    incident.updated_at = now
    change.state = "applied"


def apply_waiting(
    ws: Workspace, session: Session, incident: Incident, actor: str, now: datetime, *, on: str
) -> IncidentRevision | None:
    """Apply the incident's approved change that waits for publication, if there is one."""
    change = open_change(session, incident.id)
    if change is None or change.state != "approved":
        return None
    apply(ws, session, incident, change, actor, now, on=on)
    return change


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What a change changes, field by field in display order: ``[{"field", "before",
    "after"}]`` (fields left as they were are not listed)."""
    return [
        {"field": f, "before": before.get(f), "after": after.get(f)}
        for f in FIELDS
        if before.get(f) != after.get(f)
    ]


def change_json(session: Session, incident: Incident, change: IncidentRevision) -> dict[str, Any]:
    """An open change for pages and the API: who proposed it, its state and its diff against
    the approved version the incident holds."""
    decisions = session.scalars(
        select(IncidentChangeDecision)
        .where(IncidentChangeDecision.revision_id == change.id)
        .order_by(IncidentChangeDecision.id)
    ).all()
    approval = next((d for d in decisions if d.act == "approve"), None)
    return {
        "revision": change.revision,
        "state": change.state,
        "base_revision": change.base_revision,
        "proposed_by": change.actor,
        "proposed_at": change.at.isoformat(),
        "doc_sha256": change.doc_sha256,
        "custody_leaf": change.custody_leaf,
        "approved_by": None if approval is None else approval.actor,
        "approved_at": None if approval is None else approval.at.isoformat(),
        "diff": diff(incident_doc(session, incident), change.doc),
    }
