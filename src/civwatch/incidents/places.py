"""Protected places (hospitals, schools, shelters...) imported from lists, and those near
an incident, for the IHL concern fields.

An import reads a CSV file with a header ``id,name,kind,lat,lon`` (``kind`` is an ``object``
vocabulary term); rows already imported from the same source are skipped, so re-running an
interrupted import finishes it without duplicates. Bad rows are reported by line and left
out; they do not stop the good ones.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import Any

from sqlalchemy import select

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import CivwatchError, RejectedInputError
from civwatch.geo import bounding_box, validation, within_radius
from civwatch.i18n import _
from civwatch.incidents.acts import PLACES_IMPORT
from civwatch.incidents.models import Incident, ProtectedPlace
from civwatch.incidents.terms import extra_terms
from civwatch.incidents.view import incident_row
from civwatch.incidents.vocabulary import resolve
from civwatch.workspace import Workspace

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_RADIUS_M = 50_000.0
_COLUMNS = ("id", "name", "kind", "lat", "lon")
_BATCH = 2000


def import_places(ws: Workspace, path: Path, *, source: str, actor: str | None) -> dict[str, Any]:
    """Import a CSV list of protected places under the name ``source``."""
    source = (source or "").strip()
    if not source or len(source) > 255:
        raise RejectedInputError(_("Name the source of the list (1-255 characters)."))
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise RejectedInputError(
                _(
                    "%(name)s is larger than %(limit)s bytes.",
                    name=path.name,
                    limit=MAX_FILE_BYTES,
                )
            )
        data = path.read_bytes()
    except OSError as exc:
        raise RejectedInputError(
            _("Cannot read %(name)s: %(value)s", name=path.name, value=exc.strerror or exc)
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RejectedInputError(_("%(name)s is not UTF-8 text.", name=path.name)) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise RejectedInputError(
            _(
                "%(name)s lacks the column(s) %(names)s; the header must be %(columns)s.",
                name=path.name,
                names=", ".join(missing),
                columns=",".join(_COLUMNS),
            )
        )
    imported = present = 0
    rejected: list[dict[str, Any]] = []
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.REFERENCE_MANAGE)
        extra = extra_terms(session, "object")
        known = set(
            session.scalars(
                select(ProtectedPlace.external_id).where(ProtectedPlace.source == source)
            )
        )
        now = utcnow()
        batch: list[ProtectedPlace] = []
        for line, row in enumerate(reader, start=2):
            try:
                external = (row.get("id") or "").strip()
                if not external:
                    raise RejectedInputError(_("no id"))
                name = (row.get("name") or "").strip()
                if not name:
                    raise RejectedInputError(_("no name"))
                kind = resolve("object", row.get("kind") or "", extra)
                lat, lon = validation.point(
                    _number(row.get("lat")), _number(row.get("lon")), _("Place")
                )
            except CivwatchError as exc:
                rejected.append({"line": line, "reason": exc.message})
                continue
            if external in known:
                present += 1
                continue
            known.add(external)
            batch.append(
                ProtectedPlace(
                    kind=kind,
                    name=name[:500],
                    lat=lat,
                    lon=lon,
                    source=source,
                    external_id=external[:255],
                    imported_at=now,
                    imported_by=user.username,
                )
            )
            imported += 1
            if len(batch) >= _BATCH:
                session.add_all(batch)
                session.flush()
                batch = []
        session.add_all(batch)
        entries.append(
            ws.custody,
            session,
            PLACES_IMPORT,
            user.username,
            now,
            source=source,
            file_sha256=hashlib.sha256(data).hexdigest(),
            imported=imported,
            already_present=present,
            rejected=len(rejected),
        )
    return {
        "source": source,
        "imported": imported,
        "already_present": present,
        "rejected": rejected,
    }


def _number(value: str | None) -> float:
    try:
        return float((value or "").strip())
    except ValueError:
        raise RejectedInputError(_("%(value)s is not a number", value=repr(value))) from None


def places_near(
    ws: Workspace, lat: float, lon: float, radius_m: float, *, kinds: list[str] | None = None
) -> list[dict[str, Any]]:
    """Protected places within ``radius_m`` of a point, nearest first."""
    lat, lon = validation.point(lat, lon, _("Centre"))
    radius = validation.non_negative(radius_m, _("Radius"))
    if radius > MAX_RADIUS_M:
        raise RejectedInputError(
            _("The radius is at most %(radius)s m.", radius=format(MAX_RADIUS_M, "g"))
        )
    box = bounding_box(lat, lon, radius)
    with ws.sessions() as session:
        query = select(ProtectedPlace).where(
            ProtectedPlace.lat.between(box.min_lat, box.max_lat),
            ProtectedPlace.lon.between(box.min_lon, box.max_lon),
        )
        if kinds:
            extra = extra_terms(session, "object")
            query = query.where(
                ProtectedPlace.kind.in_([resolve("object", k, extra) for k in kinds])
            )
        rows = list(session.scalars(query))
    hits = within_radius([(p.lat, p.lon) for p in rows], (lat, lon), radius)
    return [
        {
            "name": rows[h.index].name,
            "kind": rows[h.index].kind,
            "lat": rows[h.index].lat,
            "lon": rows[h.index].lon,
            "distance_m": round(h.distance_m, 1),
            "source": rows[h.index].source,
            "external_id": rows[h.index].external_id,
        }
        for h in hits
    ]


def places_near_incident(
    ws: Workspace, incident_id: int, radius_m: float = 500.0, *, kinds: list[str] | None = None
) -> dict[str, Any]:
    """Protected places within ``radius_m`` (plus the location's precision) of an incident."""
    with ws.sessions() as session:
        incident: Incident = incident_row(session, incident_id)
        lat, lon, precision = incident.lat, incident.lon, incident.radius_m
    radius = validation.non_negative(radius_m, _("Radius")) + precision
    return {
        "incident": incident_id,
        "radius_m": radius,
        "places": places_near(ws, lat, lon, min(radius, MAX_RADIUS_M), kinds=kinds),
    }
