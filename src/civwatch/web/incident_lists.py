"""Server-rendered pages over many incidents: the list (with the form that records a new
incident), the map, the timeline and the review queue.

Each reads without JavaScript (the map's list shows the same incidents as its markers);
the filters travel in the query string, so a filtered view is a link. One incident's page
and its forms are in :mod:`civwatch.web.incident_pages`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.accounts.principal import Principal
from civwatch.db import utcnow
from civwatch.errors import CivwatchError, RejectedInputError
from civwatch.i18n import _, gettext
from civwatch.i18n.formatting import format_age
from civwatch.incidents import aggregate, queue, service
from civwatch.web.deps import WS
from civwatch.web.incident_changes import FIELD_LABELS
from civwatch.web.incident_context import Reader, Writer, incident_context
from civwatch.web.incident_forms import audit_write, day, doc_from_form, entered
from civwatch.web.pages import render
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
TIMELINE_PAGE = 100
MAP_LIST_SIZE = 200
#: Ukraine, for the first view of the map: west, south, east, north.
MAP_START_BBOX = (22.0, 44.2, 40.3, 52.4)
Text = Annotated[str, Query(max_length=255)]


# --- filters -----------------------------------------------------------------------------------


@dataclass
class Filters:
    """The filters of the list, map and timeline, as the user entered them."""

    status: str = ""
    visibility: str = ""
    oblast: str = ""
    incident_type: str = ""
    object_: str = ""
    start: str = ""
    end: str = ""
    error: str | None = None
    query: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            start = day(self.start, _("The “from” date"))
            end = day(self.end, _("The “to” date"))
        except RejectedInputError as exc:
            self.error = exc.message
            start = end = None
        self.query = {
            "status": self.status or None,
            "visibility": self.visibility or None,
            "oblast": self.oblast or None,
            "incident_type": self.incident_type or None,
            "object_": self.object_ or None,
            "start_from": start,
            "start_to": None if end is None else end + timedelta(days=1),  # the 'to' day counts
        }

    def params(self, **extra: Any) -> str:
        """The filters as a query string (for links to other pages of the same view)."""
        pairs = {
            "status": self.status,
            "visibility": self.visibility,
            "oblast": self.oblast,
            "incident_type": self.incident_type,
            "object": self.object_,
            "start": self.start,
            "end": self.end,
            **extra,
        }
        return urlencode({k: v for k, v in pairs.items() if v not in ("", None)})

    def api_params(self) -> str:
        """The same filters for the GeoJSON API (times with a zone)."""
        q = self.query
        pairs = {
            "status": q["status"],
            "visibility": q["visibility"],
            "oblast": q["oblast"],
            "incident_type": q["incident_type"],
            "object": q["object_"],
            "start": q["start_from"].isoformat() if q["start_from"] else None,
            "end": q["start_to"].isoformat() if q["start_to"] else None,
        }
        return urlencode({k: v for k, v in pairs.items() if v})

    @property
    def active(self) -> bool:
        return any(
            (self.status, self.visibility, self.oblast, self.incident_type, self.object_)
        ) or bool(self.start or self.end)


def filters(
    status: Text = "",
    visibility: Text = "",
    oblast: Text = "",
    incident_type: Text = "",
    object_: Annotated[str, Query(alias="object", max_length=255)] = "",
    start: Annotated[str, Query(max_length=32)] = "",
    end: Annotated[str, Query(max_length=32)] = "",
) -> Filters:
    return Filters(status, visibility, oblast, incident_type, object_, start, end)


ListFilters = Annotated[Filters, Depends(filters)]


def _listing(ws: Workspace, flt: Filters, *, limit: int, offset: int) -> tuple[dict[str, Any], str]:
    """A page of incidents for the filters, or an empty one and the reason."""
    empty: dict[str, Any] = {"total": 0, "incidents": []}
    if flt.error:
        return empty, flt.error
    try:
        return service.list_incidents(ws, **flt.query, limit=limit, offset=offset), ""
    except CivwatchError as exc:
        return empty, exc.message


# --- list and new incident ---------------------------------------------------------------------


def _list_page(
    request: Request,
    ws: Workspace,
    who: Principal,
    flt: Filters,
    page: int,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    listing, filter_error = _listing(ws, flt, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "incidents.html",
        {
            **incident_context(ws, who),
            "listing": listing,
            "filters": flt,
            "filter_error": filter_error,
            "page": page,
            "pages": max(1, -(-listing["total"] // PAGE_SIZE)),
            "form": form or {},
            "error": error,
        },
        status=422 if filter_error and status == 200 else status,
    )


@router.get("/incidents", response_class=HTMLResponse)
def incidents_list(
    request: Request,
    w: WS,
    who: Reader,
    flt: ListFilters,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return _list_page(request, w, who, flt, page)


@router.post("/incidents", response_class=HTMLResponse)
async def incident_create(request: Request, w: WS, who: Writer) -> Response:
    form = await request.form()
    try:
        doc = doc_from_form(form)
        created = await run_in_threadpool(service.create_incident, w, doc, actor=who.username)
    except CivwatchError as exc:
        await run_in_threadpool(
            audit_write, request, w, who, "incident-create", "incident", exc.message
        )
        return _list_page(
            request,
            w,
            who,
            Filters(),
            1,
            form=entered(form),
            error=exc.message,
            status=exc.status_code,
        )
    await run_in_threadpool(
        audit_write, request, w, who, "incident-create", f"incident {created['id']}"
    )
    return RedirectResponse(f"/incidents/{created['id']}?done=created", status_code=303)


# --- map and timeline --------------------------------------------------------------------------


@router.get("/incidents/map", response_class=HTMLResponse)
def incidents_map(
    request: Request,
    w: WS,
    who: Reader,
    flt: ListFilters,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    listing, filter_error = _listing(w, flt, limit=MAP_LIST_SIZE, offset=(page - 1) * MAP_LIST_SIZE)
    return render(
        request,
        "incidents_map.html",
        {
            **incident_context(w, who),
            "listing": listing,
            "filters": flt,
            "filter_error": filter_error,
            "page": page,
            "pages": max(1, -(-listing["total"] // MAP_LIST_SIZE)),
            "geojson_url": "/api/v1/incidents.geojson?" + flt.api_params(),
            "start_bbox": ",".join(f"{v:g}" for v in MAP_START_BBOX),
        },
        status=422 if filter_error else 200,
    )


def _month_totals(series: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per-day series folded into months (ranges add: minima and maxima separately)."""
    months: dict[str, dict[str, Any]] = {}
    for row in series:
        month = row["period"][:7]
        entry = months.setdefault(
            month,
            {
                "incidents": 0,
                "killed": {"incidents_with_figure": 0, "min": 0, "max": 0},
                "injured": {"incidents_with_figure": 0, "min": 0, "max": 0},
            },
        )
        entry["incidents"] += row["incidents"]
        for kind in ("killed", "injured"):
            for key in ("incidents_with_figure", "min", "max"):
                entry[kind][key] += row[kind][key]
    return months


@router.get("/incidents/timeline", response_class=HTMLResponse)
def incidents_timeline(
    request: Request,
    w: WS,
    who: Reader,
    flt: ListFilters,
    by: Annotated[str, Query(pattern="^(day|month)$")] = "day",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    listing, filter_error = _listing(w, flt, limit=TIMELINE_PAGE, offset=(page - 1) * TIMELINE_PAGE)
    totals: dict[str, dict[str, Any]] = {}
    if not filter_error:
        q = flt.query
        series = aggregate.time_series(
            w,
            "day",
            statuses=[q["status"]] if q["status"] else None,
            visibility=q["visibility"],
            oblast=q["oblast"],
            incident_type=q["incident_type"],
            object_=q["object_"],
            start_from=q["start_from"],
            start_to=q["start_to"],
            include_false=True,
        )["series"]
        totals = _month_totals(series) if by == "month" else {row["period"]: row for row in series}
    groups: list[dict[str, Any]] = []
    for incident in listing["incidents"]:
        key = incident["start"][: 7 if by == "month" else 10]
        if not groups or groups[-1]["key"] != key:
            groups.append({"key": key, "incidents": [], "totals": totals.get(key)})
        groups[-1]["incidents"].append(incident)
    return render(
        request,
        "incidents_timeline.html",
        {
            **incident_context(w, who),
            "listing": listing,
            "groups": groups,
            "by": by,
            "filters": flt,
            "filter_error": filter_error,
            "page": page,
            "pages": max(1, -(-listing["total"] // TIMELINE_PAGE)),
        },
        status=422 if filter_error else 200,
    )


# --- review queue ------------------------------------------------------------------------------


@router.get("/review", response_class=HTMLResponse)
def review_queue(request: Request, w: WS, who: Reader) -> Response:
    found = queue.review_queue(w, who.username)
    now = utcnow()
    return render(
        request,
        "review.html",
        {
            **incident_context(w, who),
            "queue": found,
            "field_labels": {field: gettext(text) for field, text in FIELD_LABELS.items()},
            "age": lambda since: format_age(since, now=now),
        },
    )
