"""An incident as the team reads it: the row, the short form of lists, the full answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.errors import NotFoundError, RejectedInputError
from civwatch.evidence.records import items_by_id
from civwatch.i18n import _
from civwatch.incidents.changes import change_json, open_change
from civwatch.incidents.document import incident_doc, iso
from civwatch.incidents.links import current_links, independent_sources
from civwatch.incidents.models import (
    Incident,
    IncidentRevision,
    IncidentTransition,
    ItemVerification,
)
from civwatch.incidents.public_location import coarsened_location


def incident_row(session: Session, incident_id: int, *, for_update: bool = False) -> Incident:
    """The incident ``incident_id`` in ``session`` (locked for the transaction if
    ``for_update``); a clear error if there is no such incident."""
    if isinstance(incident_id, bool) or not isinstance(incident_id, int) or incident_id < 1:
        raise RejectedInputError(
            _("%(incident_id)s is not an incident number.", incident_id=repr(incident_id))
        )
    query = select(Incident).where(Incident.id == incident_id)
    if for_update:
        query = query.with_for_update()
    incident = session.scalars(query).first()
    if incident is None:
        raise NotFoundError(_("No incident %(incident_id)s.", incident_id=incident_id))
    return incident


def summary_json(incident: Incident) -> dict[str, Any]:
    """The short form used by lists."""

    def figure(low: int | None, high: int | None) -> dict[str, int] | None:
        return None if low is None or high is None else {"min": low, "max": high}

    return {
        "id": incident.id,
        "title": incident.title,
        "status": incident.status,
        "proposed_status": incident.proposed_status,
        "visibility": incident.visibility,
        "start": iso(incident.start_at),
        "end": iso(incident.end_at),
        "lat": incident.lat,
        "lon": incident.lon,
        "settlement": incident.settlement,
        "oblast": incident.oblast,
        "incident_type": incident.incident_type,
        "killed": figure(incident.killed_min, incident.killed_max),
        "injured": figure(incident.injured_min, incident.injured_max),
        "revision": incident.revision,
    }


def incident_json(session: Session, incident: Incident) -> dict[str, Any]:
    """An incident as the team sees it: its document, state, public location, linked
    evidence with each item's verification, transitions, revisions and any open change."""
    links = current_links(session, [incident.id])
    items = items_by_id(session, [lk.item_id for lk in links])
    states = {
        v.item_id: v.status
        for v in session.scalars(
            select(ItemVerification).where(ItemVerification.item_id.in_(list(items)))
        )
    }
    transitions = session.scalars(
        select(IncidentTransition)
        .where(IncidentTransition.incident_id == incident.id)
        .order_by(IncidentTransition.id)
    ).all()
    revisions = session.scalars(
        select(IncidentRevision)
        .where(IncidentRevision.incident_id == incident.id)
        .order_by(IncidentRevision.revision)
    ).all()
    change = open_change(session, incident.id)
    return {
        "id": incident.id,
        **summary_json(incident),
        **incident_doc(session, incident),
        "public_location": coarsened_location(incident),
        "created_by": incident.created_by,
        "created_at": iso(incident.created_at),
        "updated_at": iso(incident.updated_at),
        "evidence": [
            {
                "sha256": items[lk.item_id].sha256,
                "media_type": items[lk.item_id].media_type,
                "role": lk.role,
                "note": lk.note,
                "linked_by": lk.actor,
                "linked_at": iso(lk.at),
                "verification_status": states.get(lk.item_id, "unverified"),
                "custody_leaf": lk.custody_leaf,
            }
            for lk in links
        ],
        "independent_sources": independent_sources(session, [lk.item_id for lk in links]),
        "history": [
            {
                "act": t.act,
                "from": t.from_status,
                "to": t.to_status,
                "proposed_status": t.proposed_status,
                "reason": t.reason,
                "actor": t.actor,
                "at": iso(t.at),
                "custody_leaf": t.custody_leaf,
            }
            for t in transitions
        ],
        "revisions": [
            {
                "revision": r.revision,
                "actor": r.actor,
                "at": iso(r.at),
                "doc_sha256": r.doc_sha256,
                "custody_leaf": r.custody_leaf,
                "state": r.state,
            }
            for r in revisions
        ],
        "change": None if change is None else change_json(session, incident, change),
    }
