"""Suggest incidents an evidence item may belong to, scored and explained.

Signals (each 0..1, weighted and added): distance between the item's place and the
incident's (exp(-d / 5 km), precisions subtracted), gap in time (exp(-gap / 24 h)), a shared
media cluster (a copy of the item is already linked to the incident), and caption
similarity (multilingual, see :mod:`civwatch.incidents.text`). Nothing is linked: a user
confirms (which links) or dismisses (which hides the suggestion for that item).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import RejectedInputError
from civwatch.evidence.clusters import cluster_member_ids
from civwatch.evidence.records import ItemRecord, item_in_session, sightings_of
from civwatch.evidence.service import find_item
from civwatch.geo import bounding_box, haversine_m
from civwatch.i18n import N_, _
from civwatch.incidents.acts import SUGGESTION_DECISIONS
from civwatch.incidents.links import current_links, link_in_session
from civwatch.incidents.models import EvidenceLink, Incident, SuggestionDecision, VerificationRecord
from civwatch.incidents.text import cosine, text_key, trigrams
from civwatch.incidents.view import incident_row, summary_json
from civwatch.workspace import Workspace

WEIGHTS = {"distance": 0.35, "time": 0.25, "cluster": 0.25, "caption": 0.15}
SEARCH_RADIUS_M = 30_000.0
DISTANCE_SCALE_M = 5_000.0
SEARCH_GAP = timedelta(days=7)
#: Incidents lasting longer than this may be missed by the time search.
LONGEST_INCIDENT = timedelta(days=2)
TIME_SCALE_H = 24.0
MIN_SCORE = 0.15
MAX_CANDIDATES = 5_000
#: When only a publication time is known, the event is taken to be up to this much earlier.
POSTED_WITHIN = timedelta(days=3)
EXIF_PRECISION_M = 100.0


@dataclass
class Basis:
    """What is known of the item: place, time window, caption key, cluster members."""

    lat: float | None = None
    lon: float | None = None
    precision_m: float = 0.0
    place_from: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    time_from: str | None = None
    caption_key: str = ""
    cluster: frozenset[int] = frozenset()

    def as_json(self) -> dict[str, Any]:
        return {
            "place": None
            if self.lat is None
            else {
                "lat": self.lat,
                "lon": self.lon,
                "precision_m": self.precision_m,
                "from": self.place_from,
            },
            "time": None
            if self.start is None or self.end is None
            else {
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
                "from": self.time_from,
            },
            "has_caption": bool(self.caption_key),
            "cluster_size": len(self.cluster),
        }


def cluster_members(session: Session, item_id: int) -> set[int]:
    """The item and every item whose media match it, directly or through others (its
    media cluster, read in one query whatever its size)."""
    return cluster_member_ids(session, item_id)


def _parse_capture(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Europe/Kyiv"))
    return moment.astimezone(UTC)


def basis_for(session: Session, item: ItemRecord) -> Basis:
    basis = Basis()
    newer = select(VerificationRecord.supersedes_id).where(
        VerificationRecord.supersedes_id.is_not(None)
    )
    records = list(
        session.scalars(
            select(VerificationRecord)
            .where(
                VerificationRecord.item_id == item.id,
                VerificationRecord.id.not_in(newer.scalar_subquery()),
            )
            .order_by(VerificationRecord.id)
        )
    )
    geo = [r.content for r in records if r.kind == "geolocation"]
    chrono = [r.content for r in records if r.kind == "chronolocation"]
    meta = item.metadata_ or {}
    if geo:
        basis.lat, basis.lon = float(geo[-1]["lat"]), float(geo[-1]["lon"])
        basis.precision_m = float(geo[-1]["precision_m"])
        basis.place_from = N_("geolocation record")
    elif meta.get("gps_lat") is not None and meta.get("gps_lon") is not None:
        basis.lat, basis.lon = float(meta["gps_lat"]), float(meta["gps_lon"])
        basis.precision_m, basis.place_from = EXIF_PRECISION_M, N_("EXIF GPS")
    sightings = sightings_of(session, item.id)
    if chrono:
        basis.start = datetime.fromisoformat(chrono[-1]["window_start"])
        basis.end = datetime.fromisoformat(chrono[-1]["window_end"])
        basis.time_from = N_("chronolocation record")
    elif meta.get("captured_at") and (moment := _parse_capture(str(meta["captured_at"]))):
        basis.start = basis.end = moment
        basis.time_from = N_("EXIF capture time")
    else:
        published = [s.published_at for s in sightings if s.published_at is not None]
        if published:
            basis.end = min(published)
            basis.start = basis.end - POSTED_WITHIN
            basis.time_from = N_("earliest claimed publication")
    captions = " ".join(s.caption for s in sightings if s.caption)
    basis.caption_key = text_key(captions) if captions else ""
    basis.cluster = frozenset(cluster_members(session, item.id))
    return basis


def _candidates(session: Session, basis: Basis, item_id: int) -> list[Incident]:
    found: dict[int, Incident] = {}
    query = select(Incident).where(Incident.status != "false_or_misattributed")
    spatial = basis.lat is not None and basis.lon is not None
    timed = basis.start is not None and basis.end is not None
    if spatial or timed:
        if spatial:
            assert basis.lat is not None and basis.lon is not None
            box = bounding_box(basis.lat, basis.lon, SEARCH_RADIUS_M + basis.precision_m)
            query = query.where(
                Incident.lat.between(box.min_lat, box.max_lat),
                Incident.lon.between(box.min_lon, box.max_lon),
            )
        if timed:
            assert basis.start is not None and basis.end is not None
            query = query.where(
                Incident.start_at.between(
                    basis.start - SEARCH_GAP - LONGEST_INCIDENT, basis.end + SEARCH_GAP
                )
            )
        for incident in session.scalars(query.limit(MAX_CANDIDATES)):
            found[incident.id] = incident
    others = [m for m in basis.cluster if m != item_id]
    if others:
        linked = {lk.incident_id for lk in _links_of_items(session, others)}
        for incident in session.scalars(select(Incident).where(Incident.id.in_(linked))):
            found[incident.id] = incident
    return list(found.values())


def _links_of_items(session: Session, item_ids: Iterable[int]) -> list[EvidenceLink]:
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


def _km(metres: float) -> str:
    if metres >= 1000:
        return _("%(km)s km", km=f"{metres / 1000:.1f}")
    return _("%(metres)s m", metres=f"{metres:.0f}")


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours >= 48:
        # TRANSLATORS: %(days)s is a decimal number such as 2.5.
        return _("%(days)s days", days=f"{hours / 24:.1f}")
    # TRANSLATORS: %(hours)s is a decimal number of hours such as 3.5.
    return _("%(hours)s h", hours=f"{hours:.1f}")


def score(basis: Basis, incident: Incident, cluster_incidents: set[int]) -> dict[str, Any]:
    """The weighted score of one incident for the item, with its parts and reasons."""
    parts: dict[str, float] = {}
    reasons: list[str] = []
    if basis.lat is not None and basis.lon is not None:
        gap = haversine_m(basis.lat, basis.lon, incident.lat, incident.lon)
        d = max(0.0, gap - basis.precision_m - incident.radius_m)
        parts["distance"] = math.exp(-d / DISTANCE_SCALE_M)
        # TRANSLATORS: %(source)s says where the item's place comes from, e.g. "EXIF GPS";
        # %(beyond)s is the gap left after both places' uncertainty.
        reasons.append(
            _(
                "%(distance)s from the incident (%(source)s; %(beyond)s beyond both precisions)",
                distance=_km(gap),
                source=_(basis.place_from or ""),
                beyond=_km(d),
            )
        )
    if basis.start is not None and basis.end is not None:
        if basis.end < incident.start_at:
            tgap = incident.start_at - basis.end
        elif basis.start > incident.end_at:
            tgap = basis.start - incident.end_at
        else:
            tgap = timedelta(0)
        parts["time"] = math.exp(-tgap.total_seconds() / 3600 / TIME_SCALE_H)
        source = _(basis.time_from or "")
        reasons.append(
            # TRANSLATORS: %(source)s says where the item's time comes from, e.g. "EXIF capture
            # time"; the time window of the item overlaps the incident's time.
            _("time (%(source)s) overlaps the incident's", source=source)
            if tgap == timedelta(0)
            else _("%(gap)s apart in time (%(source)s)", gap=_hours(tgap), source=source)
        )
    if incident.id in cluster_incidents:
        parts["cluster"] = 1.0
        reasons.append(_("a copy of this media (same cluster) is already linked to the incident"))
    if basis.caption_key and incident.text_key:
        sim = cosine(trigrams(basis.caption_key), trigrams(incident.text_key))
        parts["caption"] = sim
        reasons.append(
            # TRANSLATORS: %(similarity)s is a number from 0.00 to 1.00.
            _(
                "caption similarity %(similarity)s with the incident's title and narrative",
                similarity=f"{sim:.2f}",
            )
        )
    total = sum(WEIGHTS[k] * v for k, v in parts.items())
    return {
        "incident": summary_json(incident),
        "score": round(total, 4),
        "parts": {k: round(v, 4) for k, v in parts.items()},
        "reasons": reasons,
    }


def suggest_incidents(
    ws: Workspace, sha256: str, *, limit: int = 10, min_score: float = MIN_SCORE
) -> dict[str, Any]:
    """Incidents the item may belong to, best first (already linked or dismissed left out)."""
    if not 1 <= limit <= 100:
        raise RejectedInputError(_("limit must be 1-100."))
    found = find_item(ws, sha256)
    with ws.sessions() as session:
        item = item_in_session(session, found.id)
        return suggestions_in_session(session, item, limit=limit, min_score=min_score)


def suggestions_in_session(
    session: Session, item: ItemRecord, *, limit: int = 10, min_score: float = MIN_SCORE
) -> dict[str, Any]:
    basis = basis_for(session, item)
    others = [m for m in basis.cluster if m != item.id]
    cluster_incidents = (
        {lk.incident_id for lk in _links_of_items(session, others)} if others else set()
    )
    own = {lk.incident_id for lk in _links_of_items(session, [item.id])}
    dismissed = set(
        session.scalars(
            select(SuggestionDecision.incident_id).where(
                SuggestionDecision.item_id == item.id, SuggestionDecision.decision == "dismissed"
            )
        )
    )
    scored = [
        score(basis, incident, cluster_incidents)
        for incident in _candidates(session, basis, item.id)
        if incident.id not in own and incident.id not in dismissed
    ]
    scored = [s for s in scored if s["score"] >= min_score]
    scored.sort(key=lambda s: (-s["score"], s["incident"]["id"]))
    return {"sha256": item.sha256, "basis": basis.as_json(), "suggestions": scored[:limit]}


def decide(
    ws: Workspace,
    sha256: str,
    incident_id: int,
    decision: str,
    *,
    actor: str | None,
    role: str = "corroborating",
    reason: str | None = None,
) -> dict[str, Any]:
    """Confirm a suggestion (links the item with ``role``) or dismiss it."""
    if decision not in ("confirmed", "dismissed"):
        raise RejectedInputError(_("A suggestion is either confirmed or dismissed."))
    found = find_item(ws, sha256)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        incident = incident_row(session, incident_id)
        item = item_in_session(session, found.id)
        if incident.id in {
            lk.incident_id for lk in current_links(session, [incident.id]) if lk.item_id == item.id
        }:
            raise RejectedInputError(
                _(
                    "Item %(sha256)s is already linked to incident %(id)s.",
                    sha256=item.sha256[:12],
                    id=incident.id,
                )
            )
        basis = basis_for(session, item)
        others = [m for m in basis.cluster if m != item.id]
        clustered = {lk.incident_id for lk in _links_of_items(session, others)} if others else set()
        value = score(basis, incident, clustered)["score"]
        now = utcnow()
        leaf = entries.append(
            ws.custody,
            session,
            SUGGESTION_DECISIONS["confirm" if decision == "confirmed" else "dismiss"],
            user.username,
            now,
            sha256=item.sha256,
            incident=incident.id,
            score=value,
            reason=(reason or "").strip() or None,
        )
        session.add(
            SuggestionDecision(
                item_id=item.id,
                incident_id=incident.id,
                decision=decision,
                score=value,
                reason=(reason or "").strip() or None,
                actor=user.username,
                at=now,
                custody_leaf=leaf,
            )
        )
        if decision == "confirmed":
            link_in_session(
                ws,
                session,
                incident,
                item,
                role,
                reason or "confirmed suggestion",
                user.username,
                now,
            )
        return {
            "sha256": item.sha256,
            "incident": incident.id,
            "decision": decision,
            "score": value,
        }
