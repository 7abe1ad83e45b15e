"""The incident document: an incident's content as one checked, canonical document.

Each create or update stores the whole document as a new ``IncidentRevision`` (see
:mod:`civwatch.incidents.service`); :func:`check_doc` checks and canonicalises it,
:func:`apply_doc` writes it onto the incident row and :func:`incident_doc` reads it back.
Internal fields (notes, witnesses) are deliberately not part of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from civwatch.db import utcnow
from civwatch.errors import NotFoundError, RejectedInputError
from civwatch.geo import validation
from civwatch.geo.coarsening import SETTLEMENT_SEARCH_M
from civwatch.geo.gazetteer import Gazetteer, default_gazetteer
from civwatch.i18n import _
from civwatch.incidents import casualties
from civwatch.incidents.input import MAX_RADIUS_M, MAX_TEXT, MAX_TITLE
from civwatch.incidents.models import Incident, IncidentObject, IncidentWeapon
from civwatch.incidents.terms import extra_terms
from civwatch.incidents.text import text_key
from civwatch.incidents.vocabulary import CONFIDENCES, TIME_PRECISIONS, choose, resolve
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
    """The offline gazetteer of the workspace, which fills settlement, raion and oblast."""
    return default_gazetteer(ws.data_dir / "cache")


def _terms(session: Session, kind: str, values: Sequence[str] | None) -> list[str]:
    if not values:
        return []
    extra = extra_terms(session, kind)
    return sorted({resolve(kind, v, extra) for v in values})


def clean_text(value: Any, what: str, limit: int, *, required: bool = False) -> str:
    """``value`` as text without NUL characters or surrounding space; refused (naming
    ``what``) when it is not text, longer than ``limit``, or empty though ``required``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RejectedInputError(_("%(what)s must be text.", what=what))
    cleaned = str(value).replace("\x00", "").strip()
    if required and not cleaned:
        raise RejectedInputError(_("%(what)s must not be empty.", what=what))
    if len(cleaned) > limit:
        raise RejectedInputError(
            _("%(what)s is at most %(limit)s characters.", what=what, limit=limit)
        )
    return cleaned


def _time(value: Any, what: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise RejectedInputError(
                _("%(what)s %(value)s is not an ISO 8601 time.", what=what, value=repr(value))
            ) from None
    return validation.aware(value, what).astimezone(UTC)


def iso(value: datetime) -> str:
    """``value`` in UTC as ISO 8601 text (how documents and answers show times)."""
    return value.astimezone(UTC).isoformat()


def check_doc(session: Session, doc: Mapping[str, Any], places: Gazetteer | None) -> dict[str, Any]:
    """``doc`` checked and made canonical; settlement and oblast filled from ``places``."""
    unknown = set(doc) - set(FIELDS)
    if unknown:
        raise RejectedInputError(
            _("Unknown incident field(s): %(names)s.", names=", ".join(sorted(unknown)))
        )
    out: dict[str, Any] = {}
    out["title"] = clean_text(doc.get("title"), _("The title"), MAX_TITLE, required=True)
    out["narrative"] = clean_text(doc.get("narrative"), _("The narrative"), MAX_TEXT)
    if doc.get("start") is None:
        raise RejectedInputError(_("Say when the incident happened (start time)."))
    start = _time(doc["start"], _("The start time"))
    end = start if doc.get("end") is None else _time(doc["end"], _("The end time"))
    if end < start:
        raise RejectedInputError(
            _(
                "The end %(end)s is before the start %(start)s.",
                end=end.isoformat(),
                start=start.isoformat(),
            )
        )
    if start > utcnow() + timedelta(days=1):
        raise RejectedInputError(
            _("The start %(start)s is in the future.", start=start.isoformat())
        )
    out["start"], out["end"] = iso(start), iso(end)
    out["time_precision"] = choose(
        doc.get("time_precision") or "exact", TIME_PRECISIONS, _("time precision")
    )
    if doc.get("lat") is None or doc.get("lon") is None:
        raise RejectedInputError(_("Say where the incident happened (latitude and longitude)."))
    lat, lon = validation.point(doc["lat"], doc["lon"], _("Incident location"))
    radius = validation.non_negative(doc.get("radius_m", 0.0) or 0.0, _("The precision radius"))
    if radius > MAX_RADIUS_M:
        raise RejectedInputError(
            _(
                "The precision radius is at most %(radius)s m.",
                radius=format(MAX_RADIUS_M, "g"),
            )
        )
    out["lat"], out["lon"], out["radius_m"] = lat, lon, radius
    settlement = clean_text(doc.get("settlement"), _("The settlement"), 255) or None
    raion = clean_text(doc.get("raion"), _("The raion"), 255) or None
    oblast = clean_text(doc.get("oblast"), _("The oblast"), 255) or None
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
        raise RejectedInputError(_("Say what kind of incident it was (incident type)."))
    out["incident_type"] = resolve(
        "incident_type", doc["incident_type"], extra_terms(session, "incident_type")
    )
    out["weapons"] = _terms(session, "weapon", doc.get("weapons"))
    out["objects"] = _terms(session, "object", doc.get("objects"))
    out["casualties"] = casualties.normalise(doc.get("casualties"))
    out["perpetrator"] = clean_text(doc.get("perpetrator"), _("The perpetrator"), 255) or None
    confidence = doc.get("perpetrator_confidence")
    if out["perpetrator"] is None and confidence:
        raise RejectedInputError(_("A perpetrator confidence needs a perpetrator."))
    out["perpetrator_confidence"] = (
        None
        if out["perpetrator"] is None
        else choose(confidence or "unclear", CONFIDENCES, _("perpetrator confidence"))
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
        "start": iso(incident.start_at),
        "end": iso(incident.end_at),
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
