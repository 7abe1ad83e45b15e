"""Published incidents as the public projection reads them: query builders over the
incident tables.

What a public output shows is a publication decision, taken by the allow-list of
:mod:`civwatch.publish.public`; this module only selects the rows it reads (verified and
public incidents, filtered, in a map viewport matched on the coarsened point, a page at a
time by id) and the terms of many incidents at once, so that no other package queries the
incident tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from civwatch.incidents.aggregate import IncidentFilter, filtered
from civwatch.incidents.geojson import DENSE, BBox
from civwatch.incidents.map_grid import cell_columns
from civwatch.incidents.models import Incident, IncidentObject, IncidentWeapon

#: The columns a public incident is built from (``coarsened_location`` reads the location
#: ones; the exact point is read only to coarsen rows older than the stored point).
COLUMNS = (
    Incident.id,
    Incident.title,
    Incident.narrative,
    Incident.start_at,
    Incident.end_at,
    Incident.time_precision,
    Incident.lat,
    Incident.lon,
    Incident.radius_m,
    Incident.settlement,
    Incident.raion,
    Incident.oblast,
    Incident.incident_type,
    Incident.casualties,
    Incident.perpetrator,
    Incident.perpetrator_confidence,
    Incident.ihl_concerns,
    Incident.public_location_precision,
    Incident.public_lat,
    Incident.public_lon,
    Incident.public_place,
)
#: The columns a public map marker is built from.
MAP_COLUMNS = (
    Incident.id,
    Incident.title,
    Incident.start_at,
    Incident.incident_type,
    Incident.casualties,
    Incident.lat,
    Incident.lon,
    Incident.settlement,
    Incident.raion,
    Incident.oblast,
    Incident.public_location_precision,
    Incident.public_lat,
    Incident.public_lon,
    Incident.public_place,
)
_TERM_TABLES: dict[str, type[IncidentWeapon] | type[IncidentObject]] = {
    "weapon": IncidentWeapon,
    "object": IncidentObject,
}


def _in_box(lat: Any, lon: Any, box: BBox, margin: float) -> ColumnElement[bool]:
    """``(lat, lon)`` columns in ``box`` widened by ``margin`` degrees on every side."""
    lat_ok: ColumnElement[bool] = lat.between(box.south - margin, box.north + margin)
    west, east = box.west - margin, box.east + margin
    if box.crosses_antimeridian:
        return and_(lat_ok, or_(lon >= west, lon <= east))
    if east - west >= 360.0:
        return lat_ok
    if west < -180.0:
        return and_(lat_ok, or_(lon >= west + 360.0, lon <= east))
    if east > 180.0:
        return and_(lat_ok, or_(lon >= west, lon <= east - 360.0))
    return and_(lat_ok, lon.between(west, east))


def _box_prefilter(box: BBox, *, index: bool = True) -> ColumnElement[bool]:
    """Incidents whose coarsened point lies in ``box`` (never the exact point). Every
    incident stores its coarsened point (set on each edit; migration 0003 filled older
    rows), so the test is on those columns alone and uses their index.

    ``index=False`` words it so that no index on the latitude is used (see :func:`dense`).
    """
    lat = Incident.public_lat if index else Incident.public_lat + 0
    return _in_box(lat, Incident.public_lon, box, 0.0)


def dense(session: Session, conditions: Sequence[ColumnElement[bool]], box: BBox) -> bool:
    """Whether ``box`` holds at least :data:`DENSE` points matching ``conditions`` (counted
    through the point index, stopping there). A dense box is read newest first by id,
    stopping after a page; through the point index, the database would sort every point in
    view first (a country view: up to 300 ms per request, measured)."""
    return count_in_box(session, conditions, box, DENSE) >= DENSE


def count_in_box(
    session: Session, conditions: Sequence[ColumnElement[bool]], box: BBox, most: int
) -> int:
    """How many incidents matching ``conditions`` have their coarsened point in ``box``,
    counted through the point index and stopping at ``most``."""
    probe = select(Incident.id).where(*conditions, _box_prefilter(box)).limit(most).subquery()
    return int(session.scalar(select(func.count()).select_from(probe)) or 0)


@dataclass
class PublishedQuery:
    """Which published incidents a public output reads (conditions on the incident row)."""

    conditions: list[ColumnElement[bool]] = field(default_factory=list)

    def select(self, columns: Sequence[Any] = COLUMNS) -> Select[Any]:
        """``columns`` of the matching incidents, in no particular order."""
        return select(*columns).where(*self.conditions)

    def newest_first(
        self, *, before: int | None, limit: int, columns: Sequence[Any] = COLUMNS
    ) -> Select[Any]:
        """At most ``limit`` matching incidents with an id below ``before``, newest first."""
        stmt = self.select(columns)
        if before is not None:
            stmt = stmt.where(Incident.id < before)
        return stmt.order_by(Incident.id.desc()).limit(limit)

    def oldest_first(self, *, after: int, limit: int) -> Select[Any]:
        """At most ``limit`` matching incidents with an id above ``after``, oldest first."""
        return self.select().where(Incident.id > after).order_by(Incident.id).limit(limit)

    def cell_counts(self, box: BBox, size: float, dialect: str) -> Select[Any]:
        """``(row, column, count)`` of the matching incidents per grid cell of ``size``
        degrees, in ``box``, by their coarsened point (never the exact one): one grouped
        query (see :mod:`civwatch.incidents.map_grid`)."""
        row, column = cell_columns(Incident.public_lat, Incident.public_lon, size, dialect)
        return (
            select(row, column, func.count())
            .where(*self.conditions, _box_prefilter(box))
            .group_by(row, column)
        )

    def one(self, incident_id: int) -> Select[Any]:
        """The incident ``incident_id`` if it matches."""
        return self.select().where(Incident.id == incident_id)


def published_query(
    session: Session, checked: IncidentFilter, *, weapon: str | None, bbox: BBox | None
) -> PublishedQuery:
    """Verified and public incidents matching ``checked``, the weapon code ``weapon`` and
    the viewport ``bbox`` (matched on the coarsened point)."""
    query = PublishedQuery()
    # The base rule, whatever the filter: verified and public only.
    query.conditions.append(Incident.status == "verified")
    query.conditions.append(Incident.visibility == "public")
    inner = filtered(select(Incident.id), checked).whereclause
    if inner is not None:
        query.conditions.append(inner)
    if weapon is not None:
        query.conditions.append(
            Incident.id.in_(select(IncidentWeapon.incident_id).where(IncidentWeapon.term == weapon))
        )
    if bbox is not None:
        is_dense = dense(session, query.conditions, bbox)
        query.conditions.append(_box_prefilter(bbox, index=not is_dense))
    return query


def terms_of(
    session: Session, kind: Literal["weapon", "object"], ids: Sequence[int]
) -> dict[int, list[str]]:
    """The weapon or object terms of each incident of ``ids`` (sorted; none: absent)."""
    table = _TERM_TABLES[kind]
    found: dict[int, list[str]] = defaultdict(list)
    if ids:
        # Core execution (no ORM row processing): exports call this for 100,000 incidents.
        for incident_id, term in session.connection().execute(
            select(table.incident_id, table.term)
            .where(table.incident_id.in_(ids))
            .order_by(table.incident_id, table.term)
        ):
            found[incident_id].append(term)
    return found
