"""The public site (no account needed): the map and the list of published incidents, the
timeline by month, and how incidents are verified.

Every page reads incidents through :mod:`civwatch.publish.public` (an allow-list of
published, verified incidents) and works without JavaScript; the map is the one part that
needs it, and the list under it shows the same incidents. One incident's page is in
:mod:`civwatch.web.public_incident_pages`; the dashboard, the feeds and the situation report
in :mod:`civwatch.web.public_reports`; the open data API in :mod:`civwatch.web.public_api`;
what the pages share in :mod:`civwatch.web.public_view`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from civwatch.errors import CivwatchError
from civwatch.i18n.formatting import format_month
from civwatch.publish.public import MAX_LIMIT, public_incidents
from civwatch.web import map_routes
from civwatch.web.deps import MAX_ROW_ID, WS
from civwatch.web.public_view import (
    Anyone,
    PageFilters,
    failure_page,
    filter_choices,
    present,
    public_page,
)

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
#: Where the map fetches markers for its viewport (the public map API, GeoJSON).
MAP_ENDPOINT = "/api/v1/public/map"


@router.get("/public", response_class=HTMLResponse)
def public_home(
    request: Request,
    w: WS,
    _: Anyone,
    f: PageFilters,
    cursor: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    """The map and the list of published incidents, newest first, with filters."""
    try:
        found = public_incidents(w, f.public(), limit=PAGE_SIZE, cursor=cursor)
    except CivwatchError as exc:
        return failure_page(request, w, exc)
    incidents = [present(i) for i in found["incidents"]]
    nxt = found["next_cursor"]
    return public_page(
        request,
        w,
        "public_incidents.html",
        {
            "incidents": incidents,
            "shown": len(incidents),
            "more": nxt is not None,
            "filters": f.values,
            "choices": filter_choices(w),
            "query": f.query(),
            "next_url": f"/public?{f.query(cursor=nxt)}#list" if nxt else None,
            "first_url": f"/public?{f.query()}" if cursor else None,
            "map_endpoint": MAP_ENDPOINT,
            **map_routes.background(w.settings),
        },
    )


@router.get("/public/timeline", response_class=HTMLResponse)
def public_timeline(request: Request, w: WS, _: Anyone, f: PageFilters) -> Response:
    """Published incidents by month of the attack, newest first (no JavaScript)."""
    try:
        found = public_incidents(w, f.public(), limit=MAX_LIMIT)
    except CivwatchError as exc:
        return failure_page(request, w, exc)
    incidents = sorted(
        (present(i) for i in found["incidents"]), key=lambda i: i["start_iso"], reverse=True
    )
    months: list[dict[str, Any]] = []
    for i in incidents:
        key = i["start_iso"][:7]
        if not months or months[-1]["key"] != key:
            label = format_month(i["start"])
            months.append({"key": key, "label": label, "incidents": []})
        months[-1]["incidents"].append(i)
    return public_page(
        request,
        w,
        "public_timeline.html",
        {
            "months": months,
            "shown": len(incidents),
            "truncated": found["next_cursor"] is not None,
            "filters": f.values,
            "choices": filter_choices(w),
        },
    )


@router.get("/public/methodology", response_class=HTMLResponse)
def public_methodology(request: Request, w: WS, _: Anyone) -> Response:
    """How incidents are verified: sources, two-person review, ranges, coarsening."""
    return public_page(request, w, "public_methodology.html", {})
