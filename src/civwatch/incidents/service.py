"""Incidents: create, revise, read and list them; link evidence to them.

An incident's content is one document (see :func:`incident_doc`); each create or update
stores the whole document as a new ``IncidentRevision`` and logs its SHA-256, so earlier
versions are never lost. Links between evidence and incidents are insert-only too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.custody import entries
from civwatch.custody.entries import Act
from civwatch.db import utcnow
from civwatch.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RejectedInputError,
)
from civwatch.evidence.records import ItemRecord, item_in_session, items_by_id
from civwatch.evidence.service import find_item
from civwatch.geo import validation
from civwatch.geo.coarsening import SETTLEMENT_SEARCH_M
from civwatch.geo.gazetteer import Gazetteer, default_gazetteer
from civwatch.incidents import casualties, team
from civwatch.incidents.acts import (
    EVIDENCE_LINK,
    EVIDENCE_UNLINK,
    INCIDENT_CREATE,
    INCIDENT_UPDATE,
    INTERNAL_NOTES,
    WITNESS_ADD,
    WITNESS_REMOVE,
)
from civwatch.incidents.input import MAX_RADIUS_M, MAX_TEXT, MAX_TITLE
from civwatch.incidents.models import (
    EvidenceLink,
    Incident,
    IncidentObject,
    IncidentRevision,
    IncidentTransition,
    IncidentWeapon,
    ItemVerification,
    VocabularyTerm,
    Witness,
)
from civwatch.incidents.public_location import coarsened_location, place_publicly
from civwatch.incidents.text import text_key
from civwatch.incidents.vocabulary import (
    CONFIDENCES,
    LINK_ROLES,
    TIME_PRECISIONS,
    choose,
    resolve,
)
from civwatch.workspace import Workspace

#: Fields whose change moves the public location (see ``geo.coarsening.coarsen``).
LOCATION_FIELDS = frozenset({"lat", "lon", "settlement", "raion", "oblast"})
#: Fields an incident document holds, in display order. Internal fields (notes, witnesses)
#: are deliberately not part of it: revisions are exported, internal fields never are.
FIELDS = (
    "title",
    "narrative",
    "start",
    "end",
    "time_precision",
    "lat",
    "lon",
    "radius_m",
    "settlement",
    "raion",
    "oblast",
    "incident_type",
    "weapons",
    "objects",
    "casualties",
    "perpetrator",
    "perpetrator_confidence",
    "ihl_concerns",
)


def gazetteer_for(ws: Workspace) -> Gazetteer:
    return default_gazetteer(ws.data_dir / "cache")


def extra_terms(session: Session, kind: str) -> dict[str, str]:
    rows = session.execute(
        select(VocabularyTerm.code, VocabularyTerm.label).where(VocabularyTerm.kind == kind)
    ).all()
    return {code: label for code, label in rows}


def _terms(session: Session, kind: str, values: Sequence[str] | None) -> list[str]:
    if not values:
        return []
    extra = extra_terms(session, kind)
    return sorted({resolve(kind, v, extra) for v in values})


def _text(value: Any, what: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RejectedInputError(f"{what} must be text.")
    cleaned = str(value).replace("\x00", "").strip()
    if required and not cleaned:
        raise RejectedInputError(f"{what} must not be empty.")
    if len(cleaned) > limit:
        raise RejectedInputError(f"{what} is at most {limit} characters.")
    return cleaned


def _time(value: Any, what: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise RejectedInputError(f"{what} {value!r} is not an ISO 8601 time.") from None
    return validation.aware(value, what).astimezone(UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def check_doc(session: Session, doc: Mapping[str, Any], places: Gazetteer | None) -> dict[str, Any]:
    """``doc`` checked and made canonical; settlement and oblast filled from ``places``."""
    unknown = set(doc) - set(FIELDS)
    if unknown:
        raise RejectedInputError(f"Unknown incident field(s): {', '.join(sorted(unknown))}.")
    out: dict[str, Any] = {}
    out["title"] = _text(doc.get("title"), "The title", MAX_TITLE, required=True)
    out["narrative"] = _text(doc.get("narrative"), "The narrative", MAX_TEXT)
    if doc.get("start") is None:
        raise RejectedInputError("Say when the incident happened (start time).")
    start = _time(doc["start"], "The start time")
    end = start if doc.get("end") is None else _time(doc["end"], "The end time")
    if end < start:
        raise RejectedInputError(
            f"The end {end.isoformat()} is before the start {start.isoformat()}."
        )
    if start > utcnow() + timedelta(days=1):
        raise RejectedInputError(f"The start {start.isoformat()} is in the future.")
    out["start"], out["end"] = _iso(start), _iso(end)
    out["time_precision"] = choose(
        doc.get("time_precision") or "exact", TIME_PRECISIONS, "time precision"
    )
    if doc.get("lat") is None or doc.get("lon") is None:
        raise RejectedInputError("Say where the incident happened (latitude and longitude).")
    lat, lon = validation.point(doc["lat"], doc["lon"], "Incident location")
    radius = validation.non_negative(doc.get("radius_m", 0.0) or 0.0, "The precision radius")
    if radius > MAX_RADIUS_M:
        raise RejectedInputError(f"The precision radius is at most {MAX_RADIUS_M:g} m.")
    out["lat"], out["lon"], out["radius_m"] = lat, lon, radius
    settlement = _text(doc.get("settlement"), "The settlement", 255) or None
    raion = _text(doc.get("raion"), "The raion", 255) or None
    oblast = _text(doc.get("oblast"), "The oblast", 255) or None
    if places is not None and (settlement is None or oblast is None):
        try:
            place = places.reverse(lat, lon, max_distance_m=SETTLEMENT_SEARCH_M)
        except NotFoundError:
            place = None
        if place is not None:
            settlement = settlement or place.name
            oblast = oblast or place.oblast
            raion = raion or place.raion
    out["settlement"], out["raion"], out["oblast"] = settlement, raion, oblast
    if not doc.get("incident_type"):
        raise RejectedInputError("Say what kind of incident it was (incident type).")
    out["incident_type"] = resolve(
        "incident_type", doc["incident_type"], extra_terms(session, "incident_type")
    )
    out["weapons"] = _terms(session, "weapon", doc.get("weapons"))
    out["objects"] = _terms(session, "object", doc.get("objects"))
    out["casualties"] = casualties.normalise(doc.get("casualties"))
    out["perpetrator"] = _text(doc.get("perpetrator"), "The perpetrator", 255) or None
    confidence = doc.get("perpetrator_confidence")
    if out["perpetrator"] is None and confidence:
        raise RejectedInputError("A perpetrator confidence needs a perpetrator.")
    out["perpetrator_confidence"] = (
        None
        if out["perpetrator"] is None
        else choose(confidence or "unclear", CONFIDENCES, "perpetrator confidence")
    )
    out["ihl_concerns"] = _terms(session, "ihl_concern", doc.get("ihl_concerns"))
    return out


def apply_doc(session: Session, incident: Incident, doc: Mapping[str, Any]) -> None:
    """Write a checked incident document (:func:`check_doc`) onto ``incident``: its
    columns, casualty totals, text key, weapons and objects."""
    incident.title = doc["title"]
    incident.narrative = doc["narrative"]
    incident.start_at = datetime.fromisoformat(doc["start"])
    incident.end_at = datetime.fromisoformat(doc["end"])
    incident.time_precision = doc["time_precision"]
    incident.lat, incident.lon, incident.radius_m = doc["lat"], doc["lon"], doc["radius_m"]
    incident.settlement, incident.raion = doc["settlement"], doc["raion"]
    incident.oblast = doc["oblast"]
    incident.incident_type = doc["incident_type"]
    incident.casualties = doc["casualties"]
    for column, value in casualties.totals(doc["casualties"]).items():
        setattr(incident, column, value)
    incident.perpetrator = doc["perpetrator"]
    incident.perpetrator_confidence = doc["perpetrator_confidence"]
    incident.ihl_concerns = doc["ihl_concerns"]
    incident.text_key = text_key(
        " ".join(filter(None, (doc["title"], doc["narrative"], doc["settlement"])))
    )
    session.flush()
    session.execute(delete(IncidentWeapon).where(IncidentWeapon.incident_id == incident.id))
    session.execute(delete(IncidentObject).where(IncidentObject.incident_id == incident.id))
    session.add_all(IncidentWeapon(incident_id=incident.id, term=t) for t in doc["weapons"])
    session.add_all(IncidentObject(incident_id=incident.id, term=t) for t in doc["objects"])


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
        raise RejectedInputError("Nothing to change.")
    if places is None and (LOCATION_FIELDS & set(changes)):
        places = gazetteer_for(ws)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        incident = incident_row(session, incident_id, for_update=True)
        if expected_revision is not None and incident.revision != expected_revision:
            raise ConflictError(
                f"Incident {incident.id} is at revision {incident.revision}, not "
                f"{expected_revision}: someone changed it since you read it. Reload it and "
                "apply your change again."
            )
        if incident.status == "in_review":
            raise RejectedInputError(
                f"Incident {incident.id} is in review: a reviewer must approve or reject it "
                "before its content can change."
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
            raise RejectedInputError("These values are already recorded: nothing changed.")
        now = utcnow()
        from civwatch.incidents import changes as proposals

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
    from civwatch.incidents.changes import open_change

    change = open_change(session, incident.id)
    if change is None:
        return
    if change.state == "pending":
        raise RejectedInputError(
            f"Incident {incident.id} has a change in review (revision {change.revision}, "
            f"proposed by {change.actor}): a verifier must approve or reject it before the "
            "incident can change again."
        )
    raise RejectedInputError(
        f"Incident {incident.id} has an approved change (revision {change.revision}) that "
        "waits for a publisher to publish it as a correction: the incident can change again "
        "after that."
    )


def incident_row(session: Session, incident_id: int, *, for_update: bool = False) -> Incident:
    """The incident ``incident_id`` in ``session`` (locked for the transaction if
    ``for_update``); a clear error if there is no such incident."""
    if isinstance(incident_id, bool) or not isinstance(incident_id, int) or incident_id < 1:
        raise RejectedInputError(f"{incident_id!r} is not an incident number.")
    query = select(Incident).where(Incident.id == incident_id)
    if for_update:
        query = query.with_for_update()
    incident = session.scalars(query).first()
    if incident is None:
        raise NotFoundError(f"No incident {incident_id}.")
    return incident


def incident_doc(session: Session, incident: Incident) -> dict[str, Any]:
    """The incident's content as a canonical document (the revision that is current)."""
    weapons = session.scalars(
        select(IncidentWeapon.term).where(IncidentWeapon.incident_id == incident.id)
    ).all()
    objects = session.scalars(
        select(IncidentObject.term).where(IncidentObject.incident_id == incident.id)
    ).all()
    return {
        "title": incident.title,
        "narrative": incident.narrative,
        "start": _iso(incident.start_at),
        "end": _iso(incident.end_at),
        "time_precision": incident.time_precision,
        "lat": incident.lat,
        "lon": incident.lon,
        "radius_m": incident.radius_m,
        "settlement": incident.settlement,
        "raion": incident.raion,
        "oblast": incident.oblast,
        "incident_type": incident.incident_type,
        "weapons": sorted(weapons),
        "objects": sorted(objects),
        "casualties": incident.casualties,
        "perpetrator": incident.perpetrator,
        "perpetrator_confidence": incident.perpetrator_confidence,
        "ihl_concerns": list(incident.ihl_concerns),
    }


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
        "start": _iso(incident.start_at),
        "end": _iso(incident.end_at),
        "lat": incident.lat,
        "lon": incident.lon,
        "settlement": incident.settlement,
        "oblast": incident.oblast,
        "incident_type": incident.incident_type,
        "killed": figure(incident.killed_min, incident.killed_max),
        "injured": figure(incident.injured_min, incident.injured_max),
        "revision": incident.revision,
    }


# --- evidence links ---------------------------------------------------------------------------


def current_links(session: Session, incident_ids: Sequence[int]) -> list[EvidenceLink]:
    """Links in force for the incidents: rows not superseded and not removals."""
    newer = select(EvidenceLink.supersedes_id).where(EvidenceLink.supersedes_id.is_not(None))
    return list(
        session.scalars(
            select(EvidenceLink)
            .where(
                EvidenceLink.incident_id.in_(incident_ids),
                EvidenceLink.linked.is_(True),
                EvidenceLink.id.not_in(newer.scalar_subquery()),
            )
            .order_by(EvidenceLink.id)
        )
    )


def verified_item_ids(session: Session, incident_ids: Sequence[int]) -> dict[int, set[int]]:
    """incident id -> ids of its linked evidence items that are verified now."""
    links = current_links(session, incident_ids)
    if not links:
        return {}
    verified = set(
        session.scalars(
            select(ItemVerification.item_id).where(
                ItemVerification.item_id.in_({lk.item_id for lk in links}),
                ItemVerification.status == "verified",
            )
        )
    )
    out: dict[int, set[int]] = {}
    for lk in links:
        if lk.item_id in verified:
            out.setdefault(lk.incident_id, set()).add(lk.item_id)
    return out


def incidents_of_item(session: Session, item_id: int) -> list[Incident]:
    """The incidents an evidence item is linked to now, oldest first."""
    ids = {lk.incident_id for lk in current_links_of_items(session, [item_id])}
    return list(session.scalars(select(Incident).where(Incident.id.in_(ids)).order_by(Incident.id)))


def _latest_link(session: Session, incident_id: int, item_id: int) -> EvidenceLink | None:
    return session.scalars(
        select(EvidenceLink)
        .where(EvidenceLink.incident_id == incident_id, EvidenceLink.item_id == item_id)
        .order_by(EvidenceLink.id.desc())
        .limit(1)
    ).first()


def independent_sources(session: Session, item_ids: Sequence[int]) -> int:
    """How many independent sources the items are: items in one media cluster count once.

    The one place that decides what "independent" means; swap the clustering here.
    """
    from civwatch.evidence.clusters import cluster_keys

    if not item_ids:
        return 0
    return len(set(cluster_keys(session, list(item_ids)).values()))


def link_in_session(
    ws: Workspace,
    session: Session,
    incident: Incident,
    item: ItemRecord,
    role: str,
    note: str,
    actor: str,
    now: datetime,
) -> EvidenceLink:
    """Link (or re-link with a new role or note) inside the caller's transaction."""
    role = choose(role, LINK_ROLES, "link role")
    note = _text(note, "The note", MAX_TEXT)
    previous = _latest_link(session, incident.id, item.id)
    if previous is not None and previous.linked and (previous.role, previous.note) == (role, note):
        raise RejectedInputError(
            f"Item {item.sha256[:12]} is already linked to incident {incident.id} as {role}."
        )
    leaf = entries.append(
        ws.custody,
        session,
        EVIDENCE_LINK,
        actor,
        now,
        incident=incident.id,
        sha256=item.sha256,
        role=role,
        note=note,
        supersedes_leaf=None if previous is None else previous.custody_leaf,
    )
    link = EvidenceLink(
        incident_id=incident.id,
        item_id=item.id,
        role=role,
        note=note,
        linked=True,
        supersedes_id=None if previous is None else previous.id,
        actor=actor,
        at=now,
        custody_leaf=leaf,
    )
    session.add(link)
    return link


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
    reason = _text(reason, "The reason", MAX_TEXT, required=True)
    found = find_item(ws, sha256)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        incident = incident_row(session, incident_id, for_update=True)
        previous = _latest_link(session, incident.id, found.id)
        if previous is None or not previous.linked:
            raise RejectedInputError(
                f"Item {found.sha256[:12]} is not linked to incident {incident.id}."
            )
        verified = verified_item_ids(session, [incident.id]).get(incident.id, set())
        if incident.visibility == "public" and verified == {found.id}:
            raise RejectedInputError(
                f"Item {found.sha256[:12]} is the last verified evidence of incident "
                f"{incident.id}, which is public: a public incident cannot stay up without "
                "verified evidence. Link another verified item first, or have a publisher "
                "withdraw the incident."
            )
        now = utcnow()
        if incident.visibility == "public":
            mark_public_change(incident, now)  # its count of sources is public
        leaf = entries.append(
            ws.custody,
            session,
            EVIDENCE_UNLINK,
            user.username,
            now,
            incident=incident.id,
            sha256=found.sha256,
            reason=reason,
            supersedes_leaf=previous.custody_leaf,
        )
        session.add(
            EvidenceLink(
                incident_id=incident.id,
                item_id=found.id,
                role=previous.role,
                note=reason,
                linked=False,
                supersedes_id=previous.id,
                actor=user.username,
                at=now,
                custody_leaf=leaf,
            )
        )
        session.flush()
        return incident_json(session, incident)


# --- reading ----------------------------------------------------------------------------------


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
    from civwatch.incidents.changes import change_json, open_change

    change = open_change(session, incident.id)
    return {
        "id": incident.id,
        **summary_json(incident),
        **incident_doc(session, incident),
        "public_location": coarsened_location(incident),
        "created_by": incident.created_by,
        "created_at": _iso(incident.created_at),
        "updated_at": _iso(incident.updated_at),
        "evidence": [
            {
                "sha256": items[lk.item_id].sha256,
                "media_type": items[lk.item_id].media_type,
                "role": lk.role,
                "note": lk.note,
                "linked_by": lk.actor,
                "linked_at": _iso(lk.at),
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
                "at": _iso(t.at),
                "custody_leaf": t.custody_leaf,
            }
            for t in transitions
        ],
        "revisions": [
            {
                "revision": r.revision,
                "actor": r.actor,
                "at": _iso(r.at),
                "doc_sha256": r.doc_sha256,
                "custody_leaf": r.custody_leaf,
                "state": r.state,
            }
            for r in revisions
        ],
        "change": None if change is None else change_json(session, incident, change),
    }


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
    from civwatch.incidents.aggregate import IncidentFilter, filtered

    if not 1 <= limit <= 10_000 or offset < 0:
        raise RejectedInputError("limit must be 1-10000 and offset 0 or more.")
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
        from civwatch.incidents.changes import open_changes

        waiting = open_changes(session, [i.id for i in rows])
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


# --- internal fields: notes and witnesses -------------------------------------------------------
#
# Internal by nature: they are never part of the incident document (revisions), of
# ``get_incident``, or of any public output or export. Their custody entries hold digests
# only, so the custody log (which goes into evidence packages) never names a witness.

MAX_NAME = 255
MAX_CONTACT = 2000


def _witness_json(w: Witness) -> dict[str, Any]:
    return {
        "id": w.id,
        "name": w.name,
        "contact": w.contact,
        "lat": w.lat,
        "lon": w.lon,
        "note": w.note,
        "added_by": w.added_by,
        "added_at": _iso(w.added_at),
    }


#: The audit action of every showing of an incident's internal fields (and its refusals).
INTERNAL_READ = "incident-internal-read"


def _internal(
    session: Session,
    incident: Incident,
    reader: str,
    access: team.Access,
    client: str | None,
) -> dict[str, Any]:
    """The internal fields, shown to ``reader``: recorded in the audit log with the same
    transaction (the incident and the witnesses' ids, never what they hold)."""
    witnesses = session.scalars(
        select(Witness).where(Witness.incident_id == incident.id).order_by(Witness.id)
    ).all()
    audit.record(
        session,
        INTERNAL_READ,
        actor=reader,
        target=f"incident:{incident.id}",
        client=client,
        detail={"witnesses": [w.id for w in witnesses], "access": access},
    )
    return {
        "incident_id": incident.id,
        "internal_notes": incident.internal_notes,
        "witnesses": [_witness_json(w) for w in witnesses],
    }


def internal_access(ws: Workspace, incident_id: int, actor: str | None) -> team.Access | None:
    """Why ``actor`` may see the incident's witnesses and internal notes ("team": they work
    on it; "review": they review it), or None (see :mod:`civwatch.incidents.team`)."""
    with ws.sessions() as session:
        try:
            user = require(session, actor, Permission.INCIDENTS_WRITE)
        except PermissionDeniedError:
            return None
        return team.internal_access(session, incident_row(session, incident_id), user)


def _internal_access(
    ws: Workspace, incident_id: int, actor: str | None, action: str, client: str | None
) -> tuple[str, team.Access]:
    """Who acts and why they may reach the internal fields; a refusal (not on the team) is
    recorded in the audit log under ``action`` and raised. Checked before any lock."""
    with ws.sessions() as session:
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        access = team.internal_access(session, incident_row(session, incident_id), user)
    if access is None:
        audit.record_now(
            ws,
            action,
            actor=user.username,
            target=f"incident:{incident_id}",
            outcome="denied",
            client=client,
            detail={"reason": "not on the team"},
        )
        raise PermissionDeniedError(
            f"Only the people who work on incident {incident_id} (who recorded, edited or "
            "verified it, linked its evidence, moved its status or added its witnesses) may "
            "see or change its witnesses and internal notes; verifiers may while it waits "
            "for review. Ask its team to add you to the work."
        )
    return user.username, access


def internal_fields(
    ws: Workspace, incident_id: int, *, actor: str | None, client: str | None = None
) -> dict[str, Any]:
    """The incident's internal notes and witnesses, for the people who work on it (and
    its reviewers while it waits for review); every read and refusal is audited."""
    reader, access = _internal_access(ws, incident_id, actor, INTERNAL_READ, client)
    with ws.sessions() as session, session.begin():
        return _internal(session, incident_row(session, incident_id), reader, access, client)


def set_internal_notes(
    ws: Workspace, incident_id: int, notes: str, *, actor: str | None, client: str | None = None
) -> dict[str, Any]:
    """Replace the incident's internal notes (logged as a digest)."""
    text = _text(notes, "The internal notes", MAX_TEXT)
    _, access = _internal_access(ws, incident_id, actor, "incident-internal-notes", client)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        incident = incident_row(session, incident_id, for_update=True)
        if incident.internal_notes == text:
            raise RejectedInputError("These internal notes are already recorded.")
        now = utcnow()
        entries.append(
            ws.custody,
            session,
            INTERNAL_NOTES,
            user.username,
            now,
            incident=incident.id,
            notes_sha256=entries.digest({"notes": text}),
        )
        incident.internal_notes = text
        session.flush()
        return _internal(session, incident, user.username, access, client)


def add_witness(
    ws: Workspace,
    incident_id: int,
    name: str,
    *,
    contact: str = "",
    lat: float | None = None,
    lon: float | None = None,
    note: str = "",
    actor: str | None,
    client: str | None = None,
) -> dict[str, Any]:
    """Record a witness of an incident (internal: never published or exported). Only the
    people who may see its witnesses may add one."""
    record: dict[str, Any] = {
        "name": _text(name, "The witness's name", MAX_NAME, required=True),
        "contact": _text(contact, "The contact", MAX_CONTACT),
        "note": _text(note, "The note", MAX_TEXT),
        "lat": None,
        "lon": None,
    }
    if (lat is None) != (lon is None):
        raise RejectedInputError("Give both the latitude and the longitude of the witness.")
    if lat is not None and lon is not None:
        record["lat"], record["lon"] = validation.point(lat, lon, "The witness's location")
    _internal_access(ws, incident_id, actor, "incident-witness-add", client)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        incident = incident_row(session, incident_id, for_update=True)
        now = utcnow()
        witness = Witness(
            incident_id=incident.id, added_by=user.username, added_at=now, custody_leaf=0, **record
        )
        session.add(witness)
        session.flush()
        witness.custody_leaf = entries.append(
            ws.custody,
            session,
            WITNESS_ADD,
            user.username,
            now,
            incident=incident.id,
            witness=witness.id,
            record_sha256=entries.digest(record),
        )
        session.flush()
        return _witness_json(witness)


def remove_witness(
    ws: Workspace,
    incident_id: int,
    witness_id: int,
    *,
    actor: str | None,
    client: str | None = None,
) -> dict[str, Any]:
    """Delete a witness record for good (the custody log keeps that it existed, not who);
    the answer, the remaining witnesses, is a read and audited as one."""
    _, access = _internal_access(ws, incident_id, actor, "incident-witness-remove", client)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        incident = incident_row(session, incident_id, for_update=True)
        witness = session.get(Witness, witness_id)
        if witness is None or witness.incident_id != incident.id:
            raise NotFoundError(f"Incident {incident.id} has no witness {witness_id}.")
        entries.append(
            ws.custody,
            session,
            WITNESS_REMOVE,
            user.username,
            utcnow(),
            incident=incident.id,
            witness=witness.id,
            added_leaf=witness.custody_leaf,
        )
        session.delete(witness)
        session.flush()
        return _internal(session, incident, user.username, access, client)


def incidents_version(session: Session) -> str:
    """A token that changes whenever anything the team sees of incidents may have changed:
    every edit, proposed change, status change, publication, withdrawal, correction and
    change of location precision stamps ``Incident.updated_at``. One index lookup. For
    the team's answers only: public answers use :func:`public_version`."""
    newest = session.scalar(select(func.max(Incident.updated_at)))
    return "empty" if newest is None else newest.isoformat()


def mark_public_change(incident: Incident, now: datetime) -> None:
    """Record that what the public sees of ``incident`` changed (THE one place that moves
    :func:`public_version`). Called for a publication, a withdrawal (and a reopening or an
    automatic withdrawal of a public incident), a correction, a change of the public
    location precision, of the linked evidence or of the approved media of a public
    incident; never for internal work, so the public version reveals none of it."""
    incident.public_changed_at = now


def mark_public_items(session: Session, item_ids: Sequence[int], now: datetime) -> None:
    """:func:`mark_public_change` for every public incident the items are linked to (their
    public media or sources changed)."""
    ids = {lk.incident_id for lk in current_links_of_items(session, item_ids)}
    if not ids:
        return
    for incident in session.scalars(
        select(Incident).where(Incident.id.in_(ids), Incident.visibility == "public")
    ):
        mark_public_change(incident, now)


def current_links_of_items(session: Session, item_ids: Sequence[int]) -> list[EvidenceLink]:
    """Links in force of the items (rows not superseded and not removals)."""
    if not item_ids:
        return []
    newer = select(EvidenceLink.supersedes_id).where(EvidenceLink.supersedes_id.is_not(None))
    return list(
        session.scalars(
            select(EvidenceLink).where(
                EvidenceLink.item_id.in_(list(item_ids)),
                EvidenceLink.linked.is_(True),
                EvidenceLink.id.not_in(newer.scalar_subquery()),
            )
        )
    )


def public_version(session: Session) -> str:
    """A token that changes only when something public changes (see
    :func:`mark_public_change`): cached public answers and their ETags are made at it, so
    they reveal nothing of internal work. One index lookup."""
    newest = session.scalar(select(func.max(Incident.public_changed_at)))
    return "public:empty" if newest is None else "public:" + newest.isoformat()
