"""The open data API (no account needed, documented in the API schema): downloads as
GeoJSON, CSV and KML, the TimeMap endpoints, the public map endpoint and the public
incidents API.

Everything comes from :mod:`civwatch.publish.public`: verified, published incidents,
allow-listed fields, coarsened locations. Filters are the public pages' own
(:class:`civwatch.web.public_view.Filters`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response, StreamingResponse

from civwatch.db import utcnow
from civwatch.incidents.geojson import parse_bbox
from civwatch.incidents.map_grid import check_kind, grid_for
from civwatch.publish import opendata
from civwatch.publish.public import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    PublicFilter,
    iter_public_incidents,
    public_incident,
    public_incidents,
    public_map,
    public_map_cells,
    public_map_wants_cells,
)
from civwatch.web.answer_cache import cached_answer, cells_query
from civwatch.web.answers import GeoJSONResponse
from civwatch.web.answers_public import (
    ExportCollection,
    MarkerCells,
    MarkerPage,
    PublicIncident,
    PublicIncidentPage,
    TimemapAssociation,
    TimemapEvent,
    TimemapSource,
)
from civwatch.web.deps import MAX_ROW_ID, WS, RowId
from civwatch.web.problems import PROBLEM_RESPONSES
from civwatch.web.public_view import Anyone, Filters, PageFilters, link_base
from civwatch.workspace import Workspace

router = APIRouter(prefix="/api/v1/public", tags=["open data"], responses=PROBLEM_RESPONSES)

Bbox = Annotated[
    str,
    Query(
        max_length=200,
        description="Viewport west,south,east,north in degrees (WGS 84), e.g. 22.1,44.3,40.2,52.4; "
        "matched against the public (coarsened) location.",
    ),
]
MapKindParameter = Annotated[
    str,
    Query(
        max_length=10,
        description="points, cells (counts per grid cell) or auto: cells for a box wider "
        "than two degrees, points otherwise",
    ),
]
Cursor = Annotated[
    int | None, Query(ge=1, le=MAX_ROW_ID, description="From the previous page's next_cursor.")
]


def _api_filter(f: Filters, bbox: str) -> PublicFilter:
    return dataclasses.replace(f.public(), bbox=parse_bbox(bbox) if bbox else None)


def _encoded(chunks: Iterator[str]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode("utf-8")


def _download(w: Workspace, fmt: str, flt: PublicFilter, **options: Any) -> StreamingResponse:
    """An export streamed as a file download (the filter is checked before any byte)."""
    chosen = opendata.FORMATS[fmt]
    chunks = opendata.export_chunks(w, fmt, flt, base_url=link_base(w), **options)
    name = opendata.filename(chosen, utcnow())
    return StreamingResponse(
        _encoded(chunks),
        media_type=chosen.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _dumps(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def _json(doc: Any, media_type: str = "application/json") -> Response:
    return Response(_dumps(doc), media_type=media_type)


def _next(request: Request, cursor: int | None) -> str | None:
    """The next page's link: this path and query with the new cursor, after the public base
    URL (relative without one), never after the request's host."""
    if cursor is None:
        return None
    following = request.url.include_query_params(cursor=cursor)
    return f"{link_base(request.app.state.workspace)}{following.path}?{following.query}"


@router.get("/incidents.geojson", response_class=GeoJSONResponse, response_model=ExportCollection)
def open_data_geojson(w: WS, _: Anyone, f: PageFilters, bbox: Bbox = "") -> StreamingResponse:
    """Every published incident as a GeoJSON FeatureCollection (RFC 7946), streamed."""
    return _download(w, "geojson", _api_filter(f, bbox))


@router.get(
    "/incidents.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def open_data_csv(
    w: WS,
    _: Anyone,
    f: PageFilters,
    bbox: Bbox = "",
    bom: Annotated[
        bool, Query(description="Start with a UTF-8 byte order mark (for Excel).")
    ] = False,
) -> StreamingResponse:
    """Every published incident as CSV, one row per incident (columns: docs/open-data.md)."""
    return _download(w, "csv", _api_filter(f, bbox), bom=bom)


@router.get(
    "/incidents.kml",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/vnd.google-earth.kml+xml": {}}}},
)
def open_data_kml(w: WS, _: Anyone, f: PageFilters, bbox: Bbox = "") -> StreamingResponse:
    """Every published incident as KML 2.2 for Google Earth, streamed."""
    return _download(w, "kml", _api_filter(f, bbox))


@router.get(
    "/timemap/events",
    response_class=StreamingResponse,
    responses={200: {"model": list[TimemapEvent], "description": "A JSON array, streamed"}},
)
def timemap_events(w: WS, _: Anyone, f: PageFilters, bbox: Bbox = "") -> StreamingResponse:
    """Published incidents as Forensic Architecture TimeMap events (its EVENTS endpoint)."""
    incidents = iter_public_incidents(w, _api_filter(f, bbox))
    chunks = opendata.timemap_events_chunks(incidents, link_base(w))
    return StreamingResponse(_encoded(chunks), media_type="application/json")


@router.get("/timemap/associations", response_model=list[TimemapAssociation])
def timemap_associations(w: WS, _: Anyone, f: PageFilters, bbox: Bbox = "") -> Response:
    """TimeMap associations: a filter per incident type, weapon, object and oblast used."""
    return _json(opendata.timemap_associations(iter_public_incidents(w, _api_filter(f, bbox))))


@router.get("/timemap/sources", response_model=dict[str, TimemapSource])
def timemap_sources(w: WS, _: Anyone, f: PageFilters, bbox: Bbox = "") -> Response:
    """TimeMap sources: the public record of each incident and its casualty sources."""
    incidents = iter_public_incidents(w, _api_filter(f, bbox))
    return _json(opendata.timemap_sources(incidents, link_base(w)))


@router.get("/map", response_class=GeoJSONResponse, response_model=MarkerPage | MarkerCells)
def public_map_markers(
    request: Request,
    w: WS,
    _: Anyone,
    f: PageFilters,
    bbox: Bbox = "",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = MAX_LIMIT,
    cursor: Cursor = None,
    kind: MapKindParameter = "auto",
) -> Response:
    """Map markers of published incidents in a viewport, newest first, a page at a time
    (GeoJSON; ``next`` and ``next_cursor`` lead to the next page), or for a wide viewport
    counts per grid cell (``kind`` says which). Answers carry an ETag; send it back in
    ``If-None-Match`` to get 304 while nothing public has changed."""
    flt = _api_filter(f, bbox)
    shape = check_kind(kind)
    if public_map_wants_cells(w, flt, shape, cursor):

        def cells() -> bytes:
            doc = public_map_cells(w, flt)
            doc["next"] = None
            return _dumps(doc)

        key = cells_query(request, grid_for(flt.bbox))
        return cached_answer(request, w, cells, "application/geo+json", public=True, query=key)

    def make() -> bytes:
        doc = public_map(w, flt, limit=limit, cursor=cursor, kind="points")
        doc["next"] = _next(request, doc["next_cursor"])
        return _dumps(doc)

    return cached_answer(request, w, make, "application/geo+json", public=True)


@router.get("/incidents", response_model=PublicIncidentPage)
def public_incident_list(
    request: Request,
    w: WS,
    _: Anyone,
    f: PageFilters,
    bbox: Bbox = "",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    """Published incidents with all their public fields, newest first, a page at a time."""
    doc = public_incidents(w, _api_filter(f, bbox), limit=limit, cursor=cursor)
    doc["next"] = _next(request, doc["next_cursor"])
    return _json(doc)


@router.get("/incidents/{incident_id}", response_model=PublicIncident)
def public_incident_record(w: WS, _: Anyone, incident_id: RowId) -> Response:
    """One published incident with all its public fields (404 if not published)."""
    return _json(public_incident(w, incident_id))
