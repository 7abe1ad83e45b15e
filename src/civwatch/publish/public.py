"""The public projection of incidents: the only way any public output gets incident data.

Pages, feeds, share cards and open data exports all read incidents through this module.
It is an allow-list: a public incident is a dict built field by field from
:data:`PUBLIC_FIELDS`; nothing else an incident holds (internal notes, witnesses, evidence
and its captions, sightings, verification records, who did what, exact coordinates when
the incident's location is coarsened) can reach a public output, because nothing here
reads it. Only incidents that are verified *and* public appear; an incident withdrawn from
publication disappears from every output at once. Content comes from the incident row,
which holds the last approved version: a change to a concluded incident waits beside it
(:mod:`civwatch.incidents.changes`) and reaches the public only through a publisher's
correction.

Locations come from :func:`civwatch.incidents.public_location.coarsened_location`, so the place
shown is as coarse as the publisher chose; settlement, raion and oblast are given only as
far as that precision allows. A map viewport is matched against the coarsened point, never
the exact one, so narrowing a viewport cannot reveal where within the coarse area an
incident happened.

Casualty figures are ranges (min-max) with the name of their source, never one invented
number; a figure nobody gave is ``None``, not 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from civwatch.db import read_snapshot
from civwatch.errors import NotFoundError, RejectedInputError
from civwatch.i18n import _
from civwatch.incidents.aggregate import IncidentFilter
from civwatch.incidents.geojson import BBox, parse_bbox
from civwatch.incidents.links import current_links, independent_sources
from civwatch.incidents.map_grid import (
    MapKind,
    cell_features,
    cells_answer,
    grid_for,
    wants_cells,
)
from civwatch.incidents.public_location import coarsened_location
from civwatch.incidents.published import (
    MAP_COLUMNS,
    PublishedQuery,
    count_in_box,
    published_query,
    terms_of,
)
from civwatch.incidents.terms import extra_terms
from civwatch.incidents.vocabulary import resolve
from civwatch.publish import publication
from civwatch.workspace import Workspace

#: The keys of a public incident, in order. Adding a key here is a publication decision.
PUBLIC_FIELDS = (
    "id",
    "title",
    "narrative",
    "start",
    "end",
    "time_precision",
    "location",
    "settlement",
    "raion",
    "oblast",
    "incident_type",
    "weapons",
    "objects",
    "perpetrator",
    "perpetrator_confidence",
    "ihl_concerns",
    "casualties",
    "sources_count",
    "published_at",
    "updated_at",
    "history",
    "url",
)
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
EXPORT_BATCH = 1000
#: Which admin areas may be named at each location precision.
AREAS_SHOWN = {
    "exact": ("settlement", "raion", "oblast"),
    "settlement": ("settlement", "raion", "oblast"),
    "raion": ("raion", "oblast"),
    "oblast": ("oblast",),
}
#: A row whose coarsened point is not stored yet (older than the column) is coarsened on
#: the fly to at most a 2-degree cell centre: the database widens a viewport by this much
#: for such rows, and the coarsened point then decides.
PUBLIC_URL = "/public/incidents/{id}"


@dataclass(frozen=True)
class PublicFilter:
    """What a public reader may filter published incidents by (None: no restriction)."""

    start_from: datetime | None = None
    start_to: datetime | None = None
    oblast: str | None = None
    incident_type: str | None = None
    weapon: str | None = None
    object_: str | None = None
    bbox: BBox | None = None

    @classmethod
    def parse(
        cls,
        *,
        start_from: datetime | None = None,
        start_to: datetime | None = None,
        oblast: str | None = None,
        incident_type: str | None = None,
        weapon: str | None = None,
        object_: str | None = None,
        bbox: str | None = None,
    ) -> PublicFilter:
        """A filter from text a reader gave (empty strings mean no restriction)."""
        return cls(
            start_from=start_from,
            start_to=start_to,
            oblast=oblast or None,
            incident_type=incident_type or None,
            weapon=weapon or None,
            object_=object_ or None,
            bbox=parse_bbox(bbox) if bbox else None,
        )


def _point_in(box: BBox, lat: float, lon: float) -> bool:
    if not box.south <= lat <= box.north:
        return False
    if box.crosses_antimeridian:
        return lon >= box.west or lon <= box.east
    return box.west <= lon <= box.east


@dataclass
class _Query:
    rows: PublishedQuery
    described: dict[str, Any] = field(default_factory=dict)


def _build(session: Session, flt: PublicFilter) -> _Query:
    checked = IncidentFilter.build(
        session,
        statuses=("verified",),
        visibility="public",
        oblast=flt.oblast,
        incident_type=flt.incident_type,
        object_=flt.object_,
        start_from=flt.start_from,
        start_to=flt.start_to,
    )
    described = checked.as_json()
    described.pop("statuses", None)
    described.pop("visibility", None)
    weapon = None
    if flt.weapon is not None:
        weapon = resolve("weapon", flt.weapon, extra_terms(session, "weapon"))
        described["weapon"] = weapon
    rows = published_query(session, checked, weapon=weapon, bbox=flt.bbox)
    if flt.bbox is not None:
        described["bbox"] = flt.bbox.as_list()
    return _Query(rows, {k: v for k, v in described.items() if v is not None})


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elif value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat()


def _figure(doc: Any) -> dict[str, Any] | None:
    if not isinstance(doc, Mapping) or doc.get("min") is None:
        return None
    out: dict[str, Any] = {
        "min": int(doc["min"]),
        "max": int(doc["max"] if doc.get("max") is not None else doc["min"]),
        "source": doc.get("source") or None,
    }
    return out


def _casualties(doc: Any) -> dict[str, Any]:
    """Killed and injured as ranges with their source, and the groups (e.g. children)."""
    out: dict[str, Any] = {}
    for kind in ("killed", "injured"):
        value = doc.get(kind) if isinstance(doc, Mapping) else None
        figure = _figure(value)
        if figure is not None and isinstance(value, Mapping):
            groups = value.get("groups")
            if isinstance(groups, Mapping) and groups:
                figure["groups"] = {
                    str(name): g for name, g in ((n, _figure(v)) for n, v in groups.items()) if g
                }
        out[kind] = figure
    return out


def public_histories(session: Session, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """:func:`civwatch.publish.publication.public_histories` with times as ISO text."""
    out = publication.public_histories(session, ids)
    for history in out.values():
        for h in history:
            h["at"] = _iso(h["at"])
    return out


def _sources(session: Session, ids: Sequence[int]) -> dict[int, int]:
    """Independent sources per incident (items in one media cluster count once)."""
    items: dict[int, list[int]] = defaultdict(list)
    for link in current_links(session, list(ids)) if ids else ():
        items[link.incident_id].append(link.item_id)
    return {i: independent_sources(session, found) for i, found in items.items()}


def _location(row: Any) -> dict[str, Any]:
    loc = coarsened_location(row)
    return {
        "lat": float(loc["lat"]),
        "lon": float(loc["lon"]),
        "precision": str(loc["precision"]),
        "place": loc.get("place"),
    }


def _project(
    session: Session, rows: Sequence[Any], locations: Mapping[int, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Public dicts for ``rows`` (of :data:`civwatch.incidents.published.COLUMNS`), reading
    their terms and history in bulk."""
    ids = [r.id for r in rows]
    weapons = terms_of(session, "weapon", ids)
    objects = terms_of(session, "object", ids)
    sources = _sources(session, ids)
    histories = public_histories(session, ids)
    out = []
    for r in rows:
        location = (locations or {}).get(r.id) or _location(r)
        shown = AREAS_SHOWN.get(location["precision"], ("oblast",))
        history = histories.get(r.id, [])
        stamps = [h["at"] for h in history]
        published = [h["at"] for h in history if h["kind"] == "published"]
        out.append(
            {
                "id": r.id,
                "title": r.title,
                "narrative": r.narrative,
                "start": _iso(r.start_at),
                "end": _iso(r.end_at),
                "time_precision": r.time_precision,
                "location": location,
                "settlement": r.settlement if "settlement" in shown else None,
                "raion": r.raion if "raion" in shown else None,
                "oblast": r.oblast if "oblast" in shown else None,
                "incident_type": r.incident_type,
                "weapons": weapons.get(r.id, []),
                "objects": objects.get(r.id, []),
                "perpetrator": r.perpetrator,
                "perpetrator_confidence": r.perpetrator_confidence,
                "ihl_concerns": list(r.ihl_concerns or []),
                "casualties": _casualties(r.casualties),
                "sources_count": sources.get(r.id, 0),
                "published_at": published[0] if published else None,
                "updated_at": max(stamps) if stamps else None,
                "history": history,
                "url": PUBLIC_URL.format(id=r.id),
            }
        )
    return out


def _check_page(limit: int, cursor: int | None) -> None:
    if isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise RejectedInputError(
            _(
                "limit must be 1-%(most)s (default %(default)s).",
                most=MAX_LIMIT,
                default=DEFAULT_LIMIT,
            )
        )
    if cursor is not None and cursor < 1:
        raise RejectedInputError(_("cursor must be 1 or more (take it from 'next_cursor')."))


def _page(
    session: Session, query: _Query, box: BBox | None, limit: int, cursor: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    """One page, newest incident first (by id), matched on the coarsened point."""
    kept: list[Any] = []
    locations: dict[int, dict[str, Any]] = {}
    after = cursor
    while len(kept) <= limit:
        want = limit + 1 - len(kept)
        rows = session.execute(query.rows.newest_first(before=after, limit=want)).all()
        for row in rows:
            if box is not None:
                location = _location(row)
                if not _point_in(box, location["lat"], location["lon"]):
                    continue
                locations[row.id] = location
            kept.append(row)
        if len(rows) < want:
            break
        after = rows[-1].id
    more = len(kept) > limit
    kept = kept[:limit]
    next_cursor = kept[-1].id if more and kept else None
    return _project(session, kept, locations), next_cursor


def public_incidents(
    ws: Workspace,
    filters: PublicFilter | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: int | None = None,
) -> dict[str, Any]:
    """A page of published incidents, newest first.

    Returns ``{"incidents": [...], "filter": {...}, "number_returned": n, "next_cursor":
    id or None}``; pass ``next_cursor`` back as ``cursor`` for the next page.
    """
    flt = filters or PublicFilter()
    _check_page(limit, cursor)
    with ws.sessions() as session:
        read_snapshot(session)
        query = _build(session, flt)
        incidents, next_cursor = _page(session, query, flt.bbox, limit, cursor)
    return {
        "incidents": incidents,
        "filter": query.described,
        "number_returned": len(incidents),
        "next_cursor": next_cursor,
    }


def public_incident(ws: Workspace, incident_id: int) -> dict[str, Any]:
    """One published incident; NotFoundError for anything not verified and public."""
    with ws.sessions() as session:
        read_snapshot(session)
        query = _build(session, PublicFilter())
        row = session.execute(query.rows.one(incident_id)).first()
        if row is None:
            raise NotFoundError(
                _("No published incident %(incident_id)s.", incident_id=incident_id)
            )
        return _project(session, [row])[0]


def iter_public_incidents(
    ws: Workspace, filters: PublicFilter | None = None, batch_size: int = EXPORT_BATCH
) -> Iterator[dict[str, Any]]:
    """Every published incident (oldest first), read in batches for streaming exports.

    The filter is checked at once (a bad filter raises here, before any output is
    written); the batches are then read in one snapshot (:func:`civwatch.db.read_snapshot`),
    so an export sees one state of the database however long it streams.
    """
    flt = filters or PublicFilter()
    with ws.sessions() as session:
        _build(session, flt)
    return _batches(ws, flt, batch_size)


def _batches(ws: Workspace, flt: PublicFilter, batch_size: int) -> Iterator[dict[str, Any]]:
    with ws.sessions() as session:
        read_snapshot(session)
        query = _build(session, flt)
        after = 0
        while True:
            rows = (
                session.connection()
                .execute(query.rows.oldest_first(after=after, limit=batch_size))
                .all()
            )
            if not rows:
                return
            located = {r.id: _location(r) for r in rows}
            if flt.bbox is not None:
                box = flt.bbox
                kept = [
                    r for r in rows if _point_in(box, located[r.id]["lat"], located[r.id]["lon"])
                ]
            else:
                kept = list(rows)
            yield from _project(session, kept, located)
            if len(rows) < batch_size:
                return
            after = rows[-1].id


# --- the public map ---------------------------------------------------------------------------


def map_feature(row: Any, location: Mapping[str, Any]) -> dict[str, Any]:
    """A map marker: an RFC 7946 Point at the coarsened location with a few public fields."""
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": {"type": "Point", "coordinates": [location["lon"], location["lat"]]},
        "properties": {
            "id": row.id,
            "title": row.title,
            "start": _iso(row.start_at),
            "incident_type": row.incident_type,
            "location": location,
            "casualties": _casualties(row.casualties),
            "url": PUBLIC_URL.format(id=row.id),
        },
    }


def public_map_cells(ws: Workspace, filters: PublicFilter | None = None) -> dict[str, Any]:
    """Published incidents for a wide map viewport counted per grid cell, as a GeoJSON
    FeatureCollection of cell centres (``kind``: ``cells``), in one grouped query.

    Counted from exactly the incidents :func:`public_map` would show (verified, public,
    the same filters) at their coarsened point, never the exact one; a cell is placed at
    its own centre, not at its incidents, so even a cell of one incident says no more than
    that incident's marker (its coarsened point) says, only less precisely."""
    flt = filters or PublicFilter()
    grid = grid_for(flt.bbox)
    with ws.sessions() as session:
        read_snapshot(session)
        query = _build(session, replace(flt, bbox=None))
        dialect = session.get_bind().dialect.name
        rows = session.execute(query.rows.cell_counts(grid.box, grid.size, dialect)).all()
        counts = [(int(r), int(c), int(n)) for r, c, n in rows]
    answer = cells_answer(grid, cell_features(grid, counts), query.described)
    answer["next_cursor"] = None
    return answer


def public_map_wants_cells(
    ws: Workspace, flt: PublicFilter, kind: MapKind, cursor: int | None
) -> bool:
    """Whether the public map answers ``flt`` with cells (see
    :func:`civwatch.incidents.map_grid.wants_cells`). What a wide box holds is counted
    among the incidents the public map shows, never the others: which answer comes back
    must say nothing about unpublished incidents."""

    def count_up_to(most: int) -> int:
        assert flt.bbox is not None
        with ws.sessions() as session:
            query = _build(session, replace(flt, bbox=None))
            return count_in_box(session, query.rows.conditions, flt.bbox, most)

    return wants_cells(kind, flt.bbox, cursor, count_up_to)


def public_map(
    ws: Workspace,
    filters: PublicFilter | None = None,
    limit: int = MAX_LIMIT,
    cursor: int | None = None,
    kind: MapKind = "points",
) -> dict[str, Any]:
    """Markers of published incidents for a map viewport (``filters.bbox``), newest first,
    as a GeoJSON FeatureCollection with ``next_cursor`` (a foreign member) for the next
    page. Matched and placed on the coarsened point only. With ``kind`` ``cells``, or
    ``auto`` and a wide viewport, counts per grid cell instead (:func:`public_map_cells`)."""
    flt = filters or PublicFilter()
    _check_page(limit, cursor)
    if public_map_wants_cells(ws, flt, kind, cursor):
        return public_map_cells(ws, flt)
    with ws.sessions() as session:
        read_snapshot(session)
        query = _build(session, flt)
        features: list[dict[str, Any]] = []
        after = cursor
        more = False
        while not more:
            want = limit + 1 - len(features)
            stmt = query.rows.newest_first(before=after, limit=want, columns=MAP_COLUMNS)
            rows = session.execute(stmt).all()
            for row in rows:
                location = _location(row)
                if flt.bbox is not None and not _point_in(
                    flt.bbox, location["lat"], location["lon"]
                ):
                    continue
                if len(features) == limit:
                    more = True
                    break
                features.append(map_feature(row, location))
            if len(rows) < want:
                break
            after = rows[-1].id
    return {
        "type": "FeatureCollection",
        "kind": "points",
        "features": features,
        "filter": query.described,
        "number_returned": len(features),
        "next_cursor": features[-1]["id"] if more and features else None,
    }
