"""Incidents: the commands that record, revise, link and read them, one transaction each.

An incident's content is one document (:mod:`civwatch.incidents.document`); each create or
update stores the whole document as a new ``IncidentRevision`` and logs its SHA-256, so
earlier versions are never lost. Links between evidence and incidents are insert-only too
(:mod:`civwatch.incidents.links`). Answers are incidents as the team sees them
(:mod:`civwatch.incidents.view`); internal notes and witnesses are in
:mod:`civwatch.incidents.internal_fields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.custody import entries
from civwatch.custody.entries import Act
from civwatch.db import utcnow
from civwatch.errors import ConflictError, RejectedInputError
from civwatch.evidence.records import item_in_session
from civwatch.evidence.service import find_item
from civwatch.geo.gazetteer import Gazetteer
from civwatch.i18n import _
from civwatch.incidents import changes as proposals
from civwatch.incidents.acts import INCIDENT_CREATE, INCIDENT_UPDATE
from civwatch.incidents.aggregate import IncidentFilter, filtered
from civwatch.incidents.document import (
    LOCATION_FIELDS,
    apply_doc,
    check_doc,
    clean_text,
    gazetteer_for,
    incident_doc,
)
from civwatch.incidents.input import MAX_TEXT
from civwatch.incidents.links import link_in_session, unlink_in_session
from civwatch.incidents.models import Incident, IncidentRevision
from civwatch.incidents.public_location import place_publicly
from civwatch.incidents.versions import mark_public_change
from civwatch.incidents.view import incident_json, incident_row, summary_json
from civwatch.workspace import Workspace


def _record_revision(
    ws: Workspace,
    session: Session,
    incident: Incident,
    doc: dict[str, Any],
    actor: str,
    now: datetime,
    act: Act,
) -> None:
    sha = entries.digest(doc)
    leaf = entries.append(
        ws.custody,
        session,
        act,
        actor,
        now,
        incident=incident.id,
        revision=incident.revision,
        doc_sha256=sha,
    )
    session.add(
        IncidentRevision(
            incident_id=incident.id,
            revision=incident.revision,
            doc=doc,
            doc_sha256=sha,
            actor=actor,
            at=now,
            custody_leaf=leaf,
        )
    )


def create_incident(
    ws: Workspace,
    doc: Mapping[str, Any],
    *,
    actor: str | None,
    places: Gazetteer | None = None,
) -> dict[str, Any]:
    """Record a new incident (status "reported", visibility "internal")."""
    if places is None:
        places = gazetteer_for(ws)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        checked = check_doc(session, doc, places)
        now = utcnow()
        incident = Incident(
            status="reported",
            visibility="internal",
            revision=1,
            created_by=user.username,
            created_at=now,
            updated_at=now,
        )
        session.add(incident)
        apply_doc(session, incident, checked)
        place_publicly(incident, places)
        _record_revision(ws, session, incident, checked, user.username, now, INCIDENT_CREATE)
        session.flush()
        return incident_json(session, incident)


def update_incident(
    ws: Workspace,
    incident_id: int,
    changes: Mapping[str, Any],
    *,
    actor: str | None,
    places: Gazetteer | None = None,
    expected_revision: int | None = None,
) -> dict[str, Any]:
    """Record a new revision of an incident with ``changes`` applied (not while in review).

    With ``expected_revision`` (the revision the editor read), a change made by someone
    else in between is refused with ConflictError instead of being silently undone; the
    check is made under the row lock, so two editors cannot both pass it.
    """
    if not changes:
        raise RejectedInputError(_("Nothing to change."))
    if places is None and (LOCATION_FIELDS & set(changes)):
        places = gazetteer_for(ws)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        incident = incident_row(session, incident_id, for_update=True)
        if expected_revision is not None and incident.revision != expected_revision:
            raise ConflictError(
                _(
                    "Incident %(id)s is at revision %(revision)s, not %(expected_revision)s: "
                    "someone changed it since you read it. Reload it and apply your change "
                    "again.",
                    id=incident.id,
                    revision=incident.revision,
                    expected_revision=expected_revision,
                )
            )
        if incident.status == "in_review":
            raise RejectedInputError(
                _(
                    "Incident %(id)s is in review: a reviewer must approve or reject it "
                    "before its content can change.",
                    id=incident.id,
                )
            )
        _refuse_while_change_open(session, incident)
        current = incident_doc(session, incident)
        merged = {**current, **changes}
        if {"lat", "lon"} & set(changes):
            for derived in ("settlement", "raion", "oblast"):
                if derived not in changes:
                    merged[derived] = None
        checked = check_doc(session, merged, places)
        if checked == current:
            raise RejectedInputError(_("These values are already recorded: nothing changed."))
        now = utcnow()
        if incident.status in proposals.CONCLUDED:
            # A conclusion changes only through review: the edit waits as a proposed change.
            proposals.propose(ws, session, incident, checked, user.username, now)
            session.flush()
            return incident_json(session, incident)
        incident.revision = proposals.next_revision(session, incident.id)
        incident.updated_at = now
        apply_doc(session, incident, checked)
        if LOCATION_FIELDS & set(changes):
            place_publicly(incident, places)
        _record_revision(ws, session, incident, checked, user.username, now, INCIDENT_UPDATE)
        session.flush()
        return incident_json(session, incident)


def _refuse_while_change_open(session: Session, incident: Incident) -> None:
    """A clear error when the incident has a change in review or waiting for publication."""
    change = proposals.open_change(session, incident.id)
    if change is None:
        return
    if change.state == "pending":
        raise RejectedInputError(
            _(
                "Incident %(id)s has a change in review (revision %(revision)s, proposed by "
                "%(actor)s): a verifier must approve or reject it before the incident can "
                "change again.",
                id=incident.id,
                revision=change.revision,
                actor=change.actor,
            )
        )
    raise RejectedInputError(
        _(
            "Incident %(id)s has an approved change (revision %(revision)s) that waits for a "
            "publisher to publish it as a correction: the incident can change again after "
            "that.",
            id=incident.id,
            revision=change.revision,
        )
    )


def link_evidence(
    ws: Workspace,
    incident_id: int,
    sha256: str,
    *,
    role: str = "corroborating",
    note: str = "",
    actor: str | None,
) -> dict[str, Any]:
    """Link an evidence item to an incident with a role (primary, corroborating, context)."""
    found = find_item(ws, sha256)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        incident = incident_row(session, incident_id)
        item = item_in_session(session, found.id)
        now = utcnow()
        link_in_session(ws, session, incident, item, role, note, user.username, now)
        if incident.visibility == "public":
            mark_public_change(incident, now)  # its count of sources is public
        session.flush()
        return incident_json(session, incident)


def unlink_evidence(
    ws: Workspace, incident_id: int, sha256: str, *, reason: str, actor: str | None
) -> dict[str, Any]:
    """Remove a link (recorded as a new row superseding it, with the reason)."""
    reason = clean_text(reason, _("The reason"), MAX_TEXT, required=True)
    found = find_item(ws, sha256)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        incident = incident_row(session, incident_id, for_update=True)
        now = utcnow()
        unlink_in_session(ws, session, incident, found, reason, user.username, now)
        if incident.visibility == "public":
            mark_public_change(incident, now)  # its count of sources is public
        session.flush()
        return incident_json(session, incident)


def get_incident(ws: Workspace, incident_id: int) -> dict[str, Any]:
    """One incident in full: content, evidence, independent sources, history."""
    with ws.sessions() as session:
        return incident_json(session, incident_row(session, incident_id))


def list_incidents(
    ws: Workspace,
    *,
    status: str | None = None,
    visibility: str | None = None,
    oblast: str | None = None,
    incident_type: str | None = None,
    object_: str | None = None,
    start_from: datetime | None = None,
    start_to: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """A page of incidents, newest first, with the total matching count."""
    if not 1 <= limit <= 10_000 or offset < 0:
        raise RejectedInputError(_("limit must be 1-10000 and offset 0 or more."))
    with ws.sessions() as session:
        flt = IncidentFilter.build(
            session,
            statuses=[status] if status else None,
            visibility=visibility,
            oblast=oblast,
            incident_type=incident_type,
            object_=object_,
            start_from=start_from,
            start_to=start_to,
            include_false=True,
        )
        query = filtered(select(Incident), flt)
        total = session.scalar(filtered(select(func.count(Incident.id)), flt)) or 0
        rows = session.scalars(
            query.order_by(Incident.start_at.desc(), Incident.id.desc()).limit(limit).offset(offset)
        ).all()
        waiting = proposals.open_changes(session, [i.id for i in rows])
        return {
            "total": total,
            "incidents": [
                {**summary_json(i), "change": _change_summary(waiting.get(i.id))} for i in rows
            ],
        }


def _change_summary(change: IncidentRevision | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {"revision": change.revision, "state": change.state, "proposed_by": change.actor}
