"""Incidents as GeoJSON (RFC 7946) for a map viewport: points, filtered, paginated by id.

A viewport is a bounding box ``west,south,east,north`` in degrees (WGS 84, the only CRS of
RFC 7946). Longitudes a map reports outside -180..180 (a map panned round the world) are
wrapped; a box whose west edge is east of its east edge crosses the antimeridian and is
searched on both sides of it. Pages follow each other by incident id (keyset pagination):
the last id of a page is the cursor of the next, so no incident is shown twice or missed
while incidents are added.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Text,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.incidents.aggregate import AnySelect, IncidentFilter, filtered
from civwatch.incidents.models import Incident, IncidentWeapon
from civwatch.incidents.terms import extra_terms
from civwatch.incidents.vocabulary import resolve
from civwatch.workspace import Workspace

DEFAULT_LIMIT = 1000
MAX_LIMIT = 5000


@dataclass(frozen=True)
class BBox:
    """A viewport in degrees; ``west > east`` when it crosses the antimeridian."""

    west: float
    south: float
    east: float
    north: float

    @property
    def crosses_antimeridian(self) -> bool:
        return self.west > self.east

    def as_list(self) -> list[float]:
        return [self.west, self.south, self.east, self.north]


def _wrap(lon: float) -> float:
    """A longitude in -180..180 (180 stays 180, so a box can reach the antimeridian)."""
    if -180.0 <= lon <= 180.0:
        return lon
    return ((lon + 180.0) % 360.0) - 180.0


def parse_bbox(text: str) -> BBox:
    """``west,south,east,north`` in degrees, checked, longitudes wrapped into -180..180."""
    parts = [p.strip() for p in (text or "").split(",")]
    usage = _(
        "Give bbox as four numbers west,south,east,north in degrees, e.g. bbox=22.1,44.3,40.2,52.4."
    )
    if len(parts) != 4:
        raise RejectedInputError(
            _("bbox has %(count)s value(s), not 4. %(usage)s", count=len(parts), usage=usage)
        )
    values: list[float] = []
    for name, part in zip(("west", "south", "east", "north"), parts, strict=True):
        try:
            value = float(part)
        except ValueError:
            raise RejectedInputError(
                _(
                    "bbox %(name)s %(part)s is not a number. %(usage)s",
                    name=name,
                    part=repr(part),
                    usage=usage,
                )
            ) from None
        if not math.isfinite(value):
            raise RejectedInputError(
                _("bbox %(name)s must be a finite number. %(usage)s", name=name, usage=usage)
            )
        values.append(value)
    west, south, east, north = values
    for name, lat in (("south", south), ("north", north)):
        if not -90.0 <= lat <= 90.0:
            raise RejectedInputError(
                _(
                    "bbox %(name)s %(lat)s is not a latitude (-90 to 90). %(usage)s",
                    name=name,
                    lat=format(lat, "g"),
                    usage=usage,
                )
            )
    if south > north:
        raise RejectedInputError(
            _(
                "bbox south %(south)s is north of north %(north)s: the order is "
                "west,south,east,north.",
                south=format(south, "g"),
                north=format(north, "g"),
            )
        )
    for name, lon in (("west", west), ("east", east)):
        if not -540.0 <= lon <= 540.0:
            raise RejectedInputError(
                _(
                    "bbox %(name)s %(lon)s is not a longitude (-180 to 180). %(usage)s",
                    name=name,
                    lon=format(lon, "g"),
                    usage=usage,
                )
            )
    if east - west >= 360.0:  # the whole world in longitude
        return BBox(-180.0, south, 180.0, north)
    if west > east:
        if -180.0 <= east <= 180.0 and -180.0 <= west <= 180.0:
            return BBox(west, south, east, north)  # crosses the antimeridian (RFC 7946 5.2)
        raise RejectedInputError(
            _(
                "bbox west %(west)s is east of east %(east)s. To cross the antimeridian give "
                "longitudes in -180..180 with west > east (e.g. 170,-50,-170,-30); otherwise "
                "the order is west,south,east,north.",
                west=format(west, "g"),
                east=format(east, "g"),
            )
        )
    return BBox(_wrap(west), south, _wrap(east), north)


def bbox_condition(box: BBox, *, index: bool = True) -> ColumnElement[bool]:
    """Incidents whose point lies in the box (both sides of the antimeridian if it crosses).

    ``index=False`` words it so that no index on the latitude is used.
    """
    lat = (Incident.lat if index else Incident.lat + 0).between(box.south, box.north)
    if box.crosses_antimeridian:
        return and_(lat, or_(Incident.lon >= box.west, Incident.lon <= box.east))
    return and_(lat, Incident.lon.between(box.west, box.east))


@dataclass(frozen=True)
class MapQuery:
    """What the map asks for: a viewport, the list's filters, and a page."""

    bbox: BBox | None = None
    statuses: tuple[str, ...] | None = None
    visibility: str | None = None
    oblast: str | None = None
    incident_type: str | None = None
    object_: str | None = None
    weapon: str | None = None
    start_from: datetime | None = None
    start_to: datetime | None = None
    limit: int = DEFAULT_LIMIT
    cursor: int | None = None


def _key(name: str) -> Any:
    return literal_column(f"'{name}'")  # constant names only: nothing to escape


def _feature_sql(dialect: str) -> Any:
    """One Feature as JSON text, made by the database (so a page of thousands costs Python
    next to nothing): SQLite's JSON functions or PostgreSQL's ``json_build_object``."""
    if dialect == "postgresql":
        obj, arr = func.json_build_object, func.json_build_array
        utc = func.timezone("UTC", Incident.start_at)
        # As datetime.isoformat(): microseconds only when there are any.
        start: Any = case(
            (
                func.date_trunc("second", utc) == utc,
                func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS'),
            ),
            else_=func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        ).op("||")(literal_column("'+00:00'"))
    else:
        obj, arr = func.json_object, func.json_array
        # stored as "YYYY-MM-DD HH:MM:SS.ffffff" (UTC): the same text datetime.isoformat() gives
        stored = Incident.start_at
        start = case(
            (func.substr(stored, 20) == ".000000", func.substr(stored, 1, 19)),
            else_=stored,
        ).op("||")(literal_column("'+00:00'"))
        start = func.replace(start, " ", "T")

    def figure(low: Any, high: Any) -> Any:
        value = case(
            (or_(low.is_(None), high.is_(None)), None),
            else_=obj(_key("min"), low, _key("max"), high),
        )
        return value if dialect == "postgresql" else func.json(value)

    properties = obj(
        _key("id"),
        Incident.id,
        _key("title"),
        Incident.title,
        _key("start"),
        start,
        _key("status"),
        Incident.status,
        _key("visibility"),
        Incident.visibility,
        _key("incident_type"),
        Incident.incident_type,
        _key("oblast"),
        Incident.oblast,
        _key("killed"),
        figure(Incident.killed_min, Incident.killed_max),
        _key("injured"),
        figure(Incident.injured_min, Incident.injured_max),
        _key("url"),
        literal_column("'/incidents/'").op("||")(cast(Incident.id, String)),
    )
    feature = obj(
        _key("type"),
        _key("Feature"),
        _key("id"),
        Incident.id,
        _key("geometry"),
        obj(_key("type"), _key("Point"), _key("coordinates"), arr(Incident.lon, Incident.lat)),
        _key("properties"),
        properties,
    )
    return cast(feature, Text) if dialect == "postgresql" else feature


#: A viewport holding at least this many incidents is read in id order (stopping after a
#: page), a sparser one through the (lat, lon) index and then sorted.
DENSE = 4000


def _dense(session: Session, box: BBox) -> bool:
    """Whether the box holds DENSE incidents or more (counted in the index, stopping there)."""
    probe = select(Incident.id).where(bbox_condition(box)).limit(DENSE).subquery()
    return (session.scalar(select(func.count()).select_from(probe)) or 0) >= DENSE


def check_page(q: MapQuery) -> None:
    """Reject a limit or cursor out of range."""
    if isinstance(q.limit, bool) or not 1 <= q.limit <= MAX_LIMIT:
        raise RejectedInputError(
            _(
                "limit must be 1-%(most)s (default %(default)s).",
                most=MAX_LIMIT,
                default=DEFAULT_LIMIT,
            )
        )
    if q.cursor is not None and q.cursor < 0:
        raise RejectedInputError(_("cursor must be 0 or more (take it from the 'next' link)."))


def map_conditions(
    session: Session, q: MapQuery
) -> tuple[list[ColumnElement[bool]], dict[str, Any]]:
    """The conditions on incidents of ``q``'s filters (its viewport and page aside), and
    the filter as understood (for the answer)."""
    flt = IncidentFilter.build(
        session,
        statuses=q.statuses,
        visibility=q.visibility,
        oblast=q.oblast,
        incident_type=q.incident_type,
        object_=q.object_,
        start_from=q.start_from,
        start_to=q.start_to,
    )
    conditions: list[ColumnElement[bool]] = []
    inner = filtered(select(Incident.id), flt).whereclause
    if inner is not None:
        conditions.append(inner)
    described = flt.as_json()
    if q.weapon is not None:
        weapon = resolve("weapon", q.weapon, extra_terms(session, "weapon"))
        conditions.append(
            Incident.id.in_(select(IncidentWeapon.incident_id).where(IncidentWeapon.term == weapon))
        )
        described["weapon"] = weapon
    return conditions, described


def _query(session: Session, q: MapQuery) -> tuple[AnySelect, dict[str, Any]]:
    check_page(q)
    conditions, described = map_conditions(session, q)
    query = select(Incident.id).where(*conditions)
    if q.bbox is not None:
        # a dense viewport: "lat + 0" keeps the planner off the (lat, lon) index, so it walks
        # incidents by id and stops after a page instead of sorting every one in view
        dense = _dense(session, q.bbox)
        query = query.where(bbox_condition(q.bbox, index=not dense))
        described["bbox"] = q.bbox.as_list()
    if q.cursor is not None:
        query = query.where(Incident.id > q.cursor)
    # first the page's ids (from indexes where they cover the filter), then the features
    # of those ids only: JSON is never made for rows that a sort or the limit drops
    page = query.order_by(Incident.id).limit(q.limit + 1).scalar_subquery()
    dialect = session.get_bind().dialect.name
    features = (
        select(Incident.id, _feature_sql(dialect))
        .where(Incident.id.in_(page))
        .order_by(Incident.id)
    )
    return features, described


@dataclass(frozen=True)
class FeaturePage:
    """One page of the map: the features as JSON text (made by the database) and the rest."""

    features_json: str
    number_returned: int
    next_cursor: int | None
    filter: dict[str, Any]

    def text(self, next_url: str | None = None) -> str:
        """The RFC 7946 FeatureCollection, with ``next`` (the next page's URL) as a foreign
        member."""
        head = json.dumps(
            {
                "type": "FeatureCollection",
                "kind": "points",
                "filter": self.filter,
                "number_returned": self.number_returned,
                "next": next_url,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return f'{head[:-1]},"features":{self.features_json}}}'

    def as_dict(self, next_url: str | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.text(next_url))
        return doc


def incidents_geojson(ws: Workspace, q: MapQuery) -> FeaturePage:
    """The incidents asked for as GeoJSON points (lon, lat order), at most ``q.limit``, by id.

    False or misattributed incidents are left out unless asked for by status.
    """
    with ws.sessions() as session:
        query, described = _query(session, q)
        rows = session.execute(query).all()
    more = len(rows) > q.limit
    rows = rows[: q.limit]
    return FeaturePage(
        features_json="[" + ",".join(r[1] for r in rows) + "]",
        number_returned=len(rows),
        next_cursor=rows[-1][0] if more and rows else None,
        filter=described,
    )
