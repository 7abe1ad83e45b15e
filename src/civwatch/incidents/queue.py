"""What waits for a person's decision: the review queue, and evidence that may belong to an
incident (suggestions seen from the incident's side).

The review queue lists incidents and evidence items in review (an outcome proposed and not
yet approved or rejected) and changes proposed to concluded incidents, oldest first. Work a
viewer may not decide on (they proposed it, authored the incident, or, for items, wrote its
verification records) is listed apart, so a verifier sees at once what is theirs to review
under the two-person rule.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.evidence.records import items_by_id, items_published_between, newest_item_ids
from civwatch.geo import bounding_box
from civwatch.incidents.changes import diff
from civwatch.incidents.document import incident_doc
from civwatch.incidents.links import current_links
from civwatch.incidents.models import (
    Incident,
    IncidentRevision,
    IncidentTransition,
    ItemTransition,
    ItemVerification,
    SuggestionDecision,
    VerificationRecord,
)
from civwatch.incidents.suggestions import (
    MIN_SCORE,
    POSTED_WITHIN,
    SEARCH_GAP,
    SEARCH_RADIUS_M,
    _links_of_items,
    basis_for,
    cluster_members,
    score,
)
from civwatch.incidents.view import incident_row, summary_json
from civwatch.incidents.workflow import authors_of
from civwatch.workspace import Workspace

#: At most this many entries of each kind in the queue (oldest first).
QUEUE_LIMIT = 500
#: Newest evidence items looked at for suggestions besides copies, places and times.
RECENT_ITEMS = 200
#: Upper bound of candidate items scored for one incident's suggestions.
MAX_ITEM_CANDIDATES = 400


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _latest_submits_incidents(session: Session, ids: list[int]) -> dict[int, tuple[str, datetime]]:
    if not ids:
        return {}
    rows = session.execute(
        select(IncidentTransition.incident_id, IncidentTransition.actor, IncidentTransition.at)
        .where(IncidentTransition.incident_id.in_(ids), IncidentTransition.act == "submit")
        .order_by(IncidentTransition.id)
    ).all()
    return {row[0]: (row[1], row[2]) for row in rows}  # later rows win: the latest submit


def _latest_submits_items(session: Session, ids: list[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    rows = session.execute(
        select(ItemTransition.item_id, ItemTransition.at)
        .where(ItemTransition.item_id.in_(ids), ItemTransition.act == "submit")
        .order_by(ItemTransition.id)
    ).all()
    return {row[0]: row[1] for row in rows}


def review_queue(ws: Workspace, viewer: str, *, limit: int = QUEUE_LIMIT) -> dict[str, Any]:
    """Incidents and items in review and changes to concluded incidents, oldest first,
    split into those ``viewer`` may decide on (``incidents``, ``items``, ``changes``) and
    their own work (``own_incidents``, ``own_items``, ``own_changes``), with the proposed
    outcome or change, who proposed it and when."""
    with ws.sessions() as session:
        incidents = list(
            session.scalars(
                select(Incident)
                .where(Incident.status == "in_review")
                .order_by(Incident.updated_at, Incident.id)
                .limit(limit)
            )
        )
        proposed = session.execute(
            select(IncidentRevision, Incident)
            .join(Incident, Incident.id == IncidentRevision.incident_id)
            .where(IncidentRevision.state == "pending")
            .order_by(IncidentRevision.at, IncidentRevision.id)
            .limit(limit)
        ).all()
        submits = _latest_submits_incidents(session, [i.id for i in incidents])
        authors = authors_of(session, [i.id for i in incidents] + [i.id for _, i in proposed])
        out: dict[str, list[dict[str, Any]]] = {
            "incidents": [],
            "own_incidents": [],
            "items": [],
            "own_items": [],
            "changes": [],
            "own_changes": [],
        }
        for incident in incidents:
            proposer, at = submits.get(incident.id, (None, incident.updated_at))
            entry = {
                **summary_json(incident),
                "proposer": proposer,
                "submitted_at": _iso(at),
                "own": proposer == viewer or viewer in authors[incident.id],
            }
            out["own_incidents" if entry["own"] else "incidents"].append(entry)
        for change, incident in proposed:
            entry = {
                **summary_json(incident),
                "change_revision": change.revision,
                "fields": [d["field"] for d in diff(incident_doc(session, incident), change.doc)],
                "proposer": change.actor,
                "submitted_at": _iso(change.at),
                "own": change.actor == viewer or viewer in authors[incident.id],
            }
            out["own_changes" if entry["own"] else "changes"].append(entry)
        in_review = session.scalars(
            select(ItemVerification)
            .where(ItemVerification.status == "in_review")
            .order_by(ItemVerification.updated_at, ItemVerification.item_id)
            .limit(limit)
        ).all()
        reviewed_items = items_by_id(session, [s.item_id for s in in_review])
        states = [(s, reviewed_items[s.item_id]) for s in in_review]
        item_ids = [item.id for _, item in states]
        item_submits = _latest_submits_items(session, item_ids)
        authored = (
            set(
                session.scalars(
                    select(VerificationRecord.item_id).where(
                        VerificationRecord.item_id.in_(item_ids),
                        VerificationRecord.author == viewer,
                    )
                )
            )
            if item_ids
            else set()
        )
        for state, item in states:
            wrote = item.id in authored
            entry = {
                "sha256": item.sha256,
                "original_name": item.original_name,
                "media_type": item.media_type,
                "proposed_status": state.proposed_status,
                "proposer": state.submitted_by,
                "submitted_at": _iso(item_submits.get(item.id, state.updated_at)),
                "own": state.submitted_by == viewer or wrote,
                "wrote_records": wrote,
            }
            out["own_items" if entry["own"] else "items"].append(entry)
        return out


def _item_candidates(session: Session, incident: Incident) -> list[int]:
    """Items worth scoring for ``incident``: copies of its evidence, items geolocated near
    it, items published around its time, and the newest items; linked ones left out."""
    linked = {lk.item_id for lk in current_links(session, [incident.id])}
    found: list[int] = []
    seen: set[int] = set(linked)

    def add(ids: list[int] | set[int]) -> None:
        for item_id in sorted(ids):
            if item_id not in seen and len(found) < MAX_ITEM_CANDIDATES:
                seen.add(item_id)
                found.append(item_id)

    for item_id in sorted(linked):
        add(cluster_members(session, item_id))
    box = bounding_box(incident.lat, incident.lon, SEARCH_RADIUS_M + incident.radius_m)
    geolocated = session.scalars(
        select(VerificationRecord.item_id)
        .where(
            VerificationRecord.kind == "geolocation",
            VerificationRecord.content["lat"].as_float().between(box.min_lat, box.max_lat),
            VerificationRecord.content["lon"].as_float().between(box.min_lon, box.max_lon),
        )
        .limit(MAX_ITEM_CANDIDATES)
    ).all()
    add(set(geolocated))
    published = items_published_between(
        session,
        incident.start_at - SEARCH_GAP,
        incident.end_at + SEARCH_GAP + POSTED_WITHIN,
        limit=MAX_ITEM_CANDIDATES,
    )
    add(set(published))
    recent = newest_item_ids(session, RECENT_ITEMS)
    add(set(recent))
    return found


def suggested_items(
    ws: Workspace, incident_id: int, *, limit: int = 10, min_score: float = MIN_SCORE
) -> list[dict[str, Any]]:
    """Evidence items that may belong to the incident, best first, scored the same way as
    :func:`civwatch.incidents.suggestions.suggest_incidents` scores incidents for an item
    (items already linked, or whose suggestion was dismissed for this incident, left out)."""
    with ws.sessions() as session:
        incident = incident_row(session, incident_id)
        dismissed = set(
            session.scalars(
                select(SuggestionDecision.item_id).where(
                    SuggestionDecision.incident_id == incident.id,
                    SuggestionDecision.decision == "dismissed",
                )
            )
        )
        candidates = [i for i in _item_candidates(session, incident) if i not in dismissed]
        items = items_by_id(session, candidates)
        scored: list[dict[str, Any]] = []
        for item_id in candidates:
            item = items[item_id]
            basis = basis_for(session, item)
            others = [m for m in basis.cluster if m != item.id]
            clustered = (
                {lk.incident_id for lk in _links_of_items(session, others)} if others else set()
            )
            result = score(basis, incident, clustered)
            if result["score"] < min_score:
                continue
            scored.append(
                {
                    "sha256": item.sha256,
                    "original_name": item.original_name,
                    "media_type": item.media_type,
                    "score": result["score"],
                    "reasons": result["reasons"],
                }
            )
        scored.sort(key=lambda s: (-s["score"], s["sha256"]))
        return scored[:limit]


def age(since: str | None, now: datetime) -> str:
    """How long ago ``since`` (ISO 8601) was, in words: "3 h", "2 days"."""
    if not since:
        return ""
    delta = now - datetime.fromisoformat(since)
    if delta < timedelta(hours=1):
        return f"{max(0, int(delta.total_seconds() // 60))} min"
    if delta < timedelta(days=2):
        return f"{int(delta.total_seconds() // 3600)} h"
    return f"{delta.days} days"
