"""The public site (no account needed): map, timeline, incident pages, dashboards, feeds and
open data downloads of published incidents only.

Every page reads incidents through :mod:`civwatch.publish.public` (an allow-list of
published, verified incidents) and works without JavaScript; the map is the one part that
needs it, and the list under it shows the same incidents. Pages use their own base
template (``public_base.html``): no internal navigation, no sign-out form.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response, StreamingResponse

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError, NotFoundError, RejectedInputError
from civwatch.geo.place_names import place_label, place_name
from civwatch.geo.regions import UKRAINE_ADMIN1
from civwatch.i18n import N_, _, current_language, gettext, localise
from civwatch.i18n.formatting import (
    as_datetime,
    format_date,
    format_datetime,
    format_month,
    in_ukraine,
)
from civwatch.incidents.service import extra_terms
from civwatch.incidents.vocabulary import BUILTIN, term_label
from civwatch.publish import charts, feeds, sitrep
from civwatch.publish.public import (
    MAX_LIMIT,
    PublicFilter,
    iter_public_incidents,
    public_incident,
    public_incidents,
)
from civwatch.publish.sharecard import share_card
from civwatch.web.answer_cache import cached_answer, etag_matches, revalidated
from civwatch.web.auth import require
from civwatch.web.deps import MAX_ROW_ID, WS, RowId
from civwatch.web.labels import publication_event
from civwatch.web.media import MEDIA_CSP, download_type
from civwatch.web.pages import render
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)

Anyone = Annotated[Principal | None, Depends(require(Permission.PUBLIC))]
Publisher = Annotated[Principal, Depends(require(Permission.PUBLISH))]
PAGE_SIZE = 50
#: Where the map fetches markers for its viewport (the public map API, GeoJSON).
MAP_ENDPOINT = "/api/v1/public/map"
#: How precisely a public location is shown ("location shown to ...").
PRECISION_TEXT = {
    "exact": N_("the exact place"),
    "settlement": N_("the settlement"),
    "raion": N_("the district (raion)"),
    "oblast": N_("the region (oblast)"),
}
CASUALTY_ROWS = {"killed": N_("Killed"), "injured": N_("Injured")}
Text = Annotated[str, Query(max_length=100)]


# -- presenting public incidents -----------------------------------------------------------


def _when(value: Any) -> datetime:
    at = as_datetime(value)
    assert at is not None
    return at


def _when_text(incident: Mapping[str, Any]) -> str:
    """When an incident started, as precisely as it is known, in Kyiv time for Ukraine."""
    kyiv = in_ukraine(incident)
    precision = incident.get("time_precision")
    if precision in ("exact", "hour"):
        return format_datetime(incident["start"], kyiv=kyiv)
    day = format_date(incident["start"], kyiv=kyiv)
    if precision == "approximate":
        return _("around %(day)s", day=day)
    return day


def place_text(incident: Mapping[str, Any]) -> str:
    """Where an incident happened, as the public may know it, in the reader's language."""
    language = current_language()
    location = incident.get("location") or {}
    place = location.get("place")
    if place:
        return place_label(str(place), language)
    parts = [incident.get(k) for k in ("settlement", "raion", "oblast")]
    named = [place_name(str(p), language) for p in parts if p]
    return ", ".join(named) or gettext(N_("Ukraine"))


def present(incident: Mapping[str, Any]) -> dict[str, Any]:
    """A public incident with the texts its pages show (nothing added from elsewhere), in
    the reader's language."""
    start = _when(incident["start"])
    casualties = incident.get("casualties") or {}
    rows = []
    for kind in ("killed", "injured"):
        figure = casualties.get(kind)
        if not figure:
            continue
        kind_label = gettext(CASUALTY_ROWS[kind])
        rows.append({"label": kind_label, "figure": figure, "source": figure.get("source")})
        for group, g in sorted((figure.get("groups") or {}).items()):
            label = _(
                "%(kind)s: %(group)s",
                kind=kind_label,
                group=term_label("casualty_group", group),
            )
            rows.append({"label": label, "figure": g, "source": g.get("source")})
    location = incident.get("location") or {}
    history = incident.get("history") or []
    return {
        **incident,
        "start_iso": start.isoformat(),
        "start_text": format_date(start, kyiv=in_ukraine(incident)),
        "when_text": _when_text(incident),
        "place_text": place_text(incident),
        "type_label": term_label("incident_type", incident.get("incident_type"))
        or gettext(N_("Not known")),
        "weapon_labels": [term_label("weapon", w) for w in incident.get("weapons") or ()],
        "object_labels": [term_label("object", o) for o in incident.get("objects") or ()],
        "ihl_labels": [term_label("ihl_concern", c) for c in incident.get("ihl_concerns") or ()],
        "location_precision_text": gettext(
            PRECISION_TEXT.get(str(location.get("precision")), str(location.get("precision") or ""))
        ),
        "casualty_rows": rows,
        "corrected": any(h.get("kind") == "corrected" for h in history),
    }


def _history(incident: Mapping[str, Any]) -> list[dict[str, Any]]:
    kyiv = in_ukraine(incident)
    out = []
    for h in incident.get("history") or ():
        at = _when(h["at"])
        out.append(
            {
                "kind": h.get("kind"),
                "kind_text": publication_event(h.get("kind")),
                "at_iso": at.isoformat(),
                "at_text": format_date(at, kyiv=kyiv),
                "note": h.get("note") or "",
            }
        )
    return out


# -- filters ----------------------------------------------------------------------------


def _date(value: str, refusal: str) -> date | None:
    """A YYYY-MM-DD date, or None for an empty field; ``refusal`` says what is wrong."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RejectedInputError(refusal) from None


class Filters:
    """The filter form of the public pages: what was asked, and the PublicFilter for it."""

    def __init__(
        self,
        from_: Annotated[str, Query(alias="from", max_length=10)] = "",
        to: Annotated[str, Query(max_length=10)] = "",
        oblast: Text = "",
        type: Text = "",
        weapon: Text = "",
        object: Text = "",
    ) -> None:
        self.values = {
            "from": from_,
            "to": to,
            "oblast": oblast,
            "type": type,
            "weapon": weapon,
            "object": object,
        }

    def public(self) -> PublicFilter:
        first = _date(self.values["from"], _("“From” must be a date such as 2024-03-01."))
        last = _date(self.values["to"], _("“To” must be a date such as 2024-03-01."))
        if first and last and last < first:
            raise RejectedInputError(_("“To” is before “From”: the period ends before it starts."))
        return PublicFilter.parse(
            start_from=datetime(first.year, first.month, first.day, tzinfo=UTC) if first else None,
            start_to=(
                datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
                if last
                else None
            ),
            oblast=self.values["oblast"],
            incident_type=self.values["type"],
            weapon=self.values["weapon"],
            object_=self.values["object"],
        )

    def query(self, **extra: Any) -> str:
        given = {k: v for k, v in {**self.values, **extra}.items() if v not in ("", None)}
        return urlencode(given)


PageFilters = Annotated[Filters, Depends()]


def _choices(ws: Workspace) -> dict[str, list[tuple[str, str]]]:
    """Options of the filter form: oblasts, and the vocabulary terms (built in and added)."""
    with ws.sessions() as session:
        extra = {kind: extra_terms(session, kind) for kind in ("incident_type", "weapon", "object")}
    language = current_language()
    out = {
        "oblast": sorted(
            ((name, place_name(name, language)) for name, _uk in UKRAINE_ADMIN1.values()),
            key=lambda t: t[1].casefold(),
        ),
    }
    for field, kind in (("type", "incident_type"), ("weapon", "weapon"), ("object", "object")):
        codes = {**BUILTIN[kind], **extra[kind]}
        labelled = [(code, term_label(kind, code, extra[kind])) for code in codes]
        out[field] = sorted(labelled, key=lambda t: t[1].casefold())
    return out


def _page(
    request: Request, ws: Workspace, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    context.setdefault("organisation", ws.settings.organisation_name)
    context.setdefault("section", request.url.path)
    context["principal"] = None  # public pages never show who is signed in
    return render(request, name, context, status)


def _failed(request: Request, ws: Workspace, exc: CivwatchError) -> Response:
    title = _("Not found") if isinstance(exc, NotFoundError) else _("This request cannot be shown")
    return _page(
        request,
        ws,
        "public_error.html",
        {"title": title, "detail": localise(exc.message)},
        exc.status_code,
    )


def _published_media(ws: Workspace, incident_id: int) -> list[dict[str, Any]]:
    """The approved, redacted media of a published incident (never an original)."""
    from civwatch.publish.redaction import published_media

    with ws.sessions() as session:
        return [
            {
                "sha256": m["derivative_sha256"],
                "media_type": m["media_type"],
                "graphic": bool(m["graphic"]),
                "width": m.get("width"),
                "height": m.get("height"),
            }
            for m in published_media(session, incident_id)
        ]


def _link_base(ws: Workspace) -> str:
    """What links in public answers start with: the configured public base URL, or ""
    (relative links). Never the request's Host header, which is the client's word (a
    forged one would reach every reader through a cache)."""
    return ws.settings.public_base_url


def _absolute_base(ws: Workspace) -> str:
    """Where links that must be absolute (share tags, feed ids) point."""
    return ws.settings.absolute_base_url


# -- pages ------------------------------------------------------------------------------


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
        return _failed(request, w, exc)
    incidents = [present(i) for i in found["incidents"]]
    nxt = found["next_cursor"]
    return _page(
        request,
        w,
        "public_incidents.html",
        {
            "incidents": incidents,
            "shown": len(incidents),
            "more": nxt is not None,
            "filters": f.values,
            "choices": _choices(w),
            "query": f.query(),
            "next_url": f"/public?{f.query(cursor=nxt)}#list" if nxt else None,
            "first_url": f"/public?{f.query()}" if cursor else None,
            "map_endpoint": MAP_ENDPOINT,
            "tile_url": w.settings.map_tile_url,
            "tile_attribution": w.settings.map_tile_attribution,
        },
    )


@router.get("/public/timeline", response_class=HTMLResponse)
def public_timeline(request: Request, w: WS, _: Anyone, f: PageFilters) -> Response:
    """Published incidents by month of the attack, newest first (no JavaScript)."""
    try:
        found = public_incidents(w, f.public(), limit=MAX_LIMIT)
    except CivwatchError as exc:
        return _failed(request, w, exc)
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
    return _page(
        request,
        w,
        "public_timeline.html",
        {
            "months": months,
            "shown": len(incidents),
            "truncated": found["next_cursor"] is not None,
            "filters": f.values,
            "choices": _choices(w),
        },
    )


@router.get("/public/incidents/{incident_id}", response_class=HTMLResponse)
def public_incident_page(request: Request, w: WS, _anyone: Anyone, incident_id: RowId) -> Response:
    """One published incident: facts, casualty ranges with sources, corrections, media."""
    try:
        incident = public_incident(w, incident_id)
    except CivwatchError as exc:
        return _failed(request, w, exc)
    shown = present(incident)
    history = _history(incident)
    page_url = f"{_absolute_base(w)}/public/incidents/{incident_id}"
    summary = feeds.entry_text(incident).split("\n\n")
    media = [
        {
            "url": f"/public/incidents/{incident_id}/media/{n}",
            "kind": "video" if m["media_type"].startswith("video/") else "photo",
            "graphic": m["graphic"],
            "width": m["width"],
            "height": m["height"],
            "alt": _("Photo %(n)s of %(title)s (faces blurred)", n=n + 1, title=shown["title"]),
        }
        for n, m in enumerate(_published_media(w, incident_id))
    ]
    return _page(
        request,
        w,
        "public_incident.html",
        {
            "i": shown,
            "history": history,
            "corrections": [h for h in history if h["kind"] == "corrected"],
            "summary": " ".join(summary[:3])[:300],
            "page_url": page_url,
            "card_url": f"{page_url}/card.png"
            + (
                ""
                if current_language() == w.settings.default_language
                else f"?lang={current_language()}"
            ),
            "media": media,
            "section": "/public",
        },
    )


@router.get("/public/incidents/{incident_id}/card.png")
def public_share_card(request: Request, w: WS, _: Anyone, incident_id: RowId) -> Response:
    """The share image of a published incident (PNG, 1200 x 630)."""
    try:
        incident = public_incident(w, incident_id)
    except CivwatchError as exc:
        return _failed(request, w, exc)
    png = share_card(w.data_dir, incident, w.settings.organisation_name)
    etag = '"' + hashlib.sha256(png).hexdigest()[:32] + '"'
    return revalidated(request, png, etag, "image/png", **{"Content-Security-Policy": MEDIA_CSP})


@router.get("/public/incidents/{incident_id}/media/{index}")
def public_media_file(
    request: Request, w: WS, _: Anyone, incident_id: RowId, index: int
) -> Response:
    """A published (redacted, approved) photo or video of a published incident."""
    try:
        public_incident(w, incident_id)
        found = _published_media(w, incident_id)
        if not 0 <= index < len(found):
            raise NotFoundError(f"Incident {incident_id} has no published media number {index}.")
    except CivwatchError as exc:
        return _failed(request, w, exc)
    chosen = found[index]
    sha = chosen["sha256"]
    # Asked again each time (no-cache), so a withdrawal reaches browsers and proxies at once;
    # the copy is immutable, so its hash is its ETag.
    cache_headers = {"ETag": f'"{sha[:32]}"', "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), cache_headers["ETag"]):
        return Response(status_code=304, headers=cache_headers)

    def chunks() -> Any:
        with w.vault.open(sha) as f:
            while block := f.read(256 * 1024):
                yield block

    return StreamingResponse(
        chunks(),
        media_type=download_type(chosen["media_type"]),
        headers={
            **cache_headers,
            "Content-Length": str(w.vault.size(sha)),
            "Content-Security-Policy": MEDIA_CSP,
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )


@router.get("/public/dashboard", response_class=HTMLResponse)
def public_dashboard(request: Request, w: WS, _: Anyone, f: PageFilters) -> Response:
    """Casualty totals and charts (by month, oblast and type), ranges shown as ranges."""
    try:
        incidents = list(iter_public_incidents(w, f.public()))
    except CivwatchError as exc:
        return _failed(request, w, exc)
    board = charts.dashboard(incidents)
    return _page(
        request,
        w,
        "public_dashboard.html",
        {**board, "filters": f.values, "choices": _choices(w)},
    )


@router.get("/public/methodology", response_class=HTMLResponse)
def public_methodology(request: Request, w: WS, _: Anyone) -> Response:
    """How incidents are verified: sources, two-person review, ranges, coarsening."""
    return _page(request, w, "public_methodology.html", {})


def _feed_incidents(w: Workspace) -> list[dict[str, Any]]:
    return list(iter_public_incidents(w))


@router.get("/public/feed.atom")
def public_feed_atom(request: Request, w: WS, _: Anyone) -> Response:
    """Atom feed of the incidents published or corrected last (kept until something public
    changes; ETag and 304)."""

    def make() -> bytes:
        incidents = _feed_incidents(w)
        return feeds.atom_feed(
            incidents,
            base_url=_absolute_base(w),
            link_base=_link_base(w),
            organisation=w.settings.organisation_name,
        )

    return cached_answer(request, w, make, "application/atom+xml; charset=utf-8", public=True)


@router.get("/public/feed.json")
def public_feed_json(request: Request, w: WS, _: Anyone) -> Response:
    """JSON Feed 1.1 of the incidents published or corrected last (kept until something
    public changes; ETag and 304)."""

    def make() -> bytes:
        incidents = _feed_incidents(w)
        return feeds.json_feed(
            incidents, base_url=_absolute_base(w), organisation=w.settings.organisation_name
        )

    return cached_answer(request, w, make, "application/feed+json; charset=utf-8", public=True)


@router.get("/sitrep")
def situation_report(
    request: Request,
    w: WS,
    _publisher: Publisher,
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: Annotated[str, Query(max_length=10)] = "",
    format: Annotated[str, Query(max_length=8)] = "html",
) -> Response:
    """A situation report (default: last week) as HTML or PDF, for publishers."""
    try:
        start, end = sitrep.period(
            _date(from_, _("“from” must be a date such as 2024-03-01.")),
            _date(to, _("“to” must be a date such as 2024-03-01.")),
        )
        if format not in ("html", "pdf"):
            raise RejectedInputError(_("The format must be html or pdf."))
        report = sitrep.build_report(w, start, end)
        html = sitrep.render_html(report, sitrep.web_alternates(start, end, format))
    except CivwatchError as exc:
        return _failed(request, w, exc)
    name = sitrep.file_name(start, end, format)
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    if format == "pdf":
        return Response(sitrep.render_pdf(html), media_type="application/pdf", headers=headers)
    headers["Content-Security-Policy"] = sitrep.REPORT_CSP
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


# ---- open data API (H7) ----
# Open data downloads, the public incidents API and the public map endpoint (documented in
# the API schema). Everything comes from civwatch.publish.public: verified, published
# incidents, allow-listed fields, coarsened locations. Filters are the public pages' own.

import dataclasses  # noqa: E402
import json  # noqa: E402
from collections.abc import Iterator  # noqa: E402

from civwatch.db import utcnow  # noqa: E402
from civwatch.incidents.geojson import parse_bbox  # noqa: E402
from civwatch.publish import opendata  # noqa: E402
from civwatch.publish.public import DEFAULT_LIMIT, public_map  # noqa: E402
from civwatch.web.problems import PROBLEM_RESPONSES  # noqa: E402

api_router = APIRouter(prefix="/api/v1/public", tags=["open data"], responses=PROBLEM_RESPONSES)

Bbox = Annotated[
    str,
    Query(
        max_length=200,
        description="Viewport west,south,east,north in degrees (WGS 84), e.g. 22.1,44.3,40.2,52.4; "
        "matched against the public (coarsened) location.",
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
    chunks = opendata.export_chunks(w, fmt, flt, base_url=_link_base(w), **options)
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
    return f"{_link_base(request.app.state.workspace)}{following.path}?{following.query}"


@api_router.get(
    "/incidents.geojson",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/geo+json": {}}}},
)
def open_data_geojson(w: WS, _: Anyone, f: PageFilters, bbox: Bbox = "") -> StreamingResponse:
    """Every published incident as a GeoJSON FeatureCollection (RFC 7946), streamed."""
    return _download(w, "geojson", _api_filter(f, bbox))


@api_router.get(
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


@api_router.get(
    "/incidents.kml",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/vnd.google-earth.kml+xml": {}}}},
)
def open_data_kml(w: WS, _: Anyone, f: PageFilters, bbox: Bbox = "") -> StreamingResponse:
    """Every published incident as KML 2.2 for Google Earth, streamed."""
    return _download(w, "kml", _api_filter(f, bbox))


@api_router.get("/timemap/events", response_class=StreamingResponse)
def timemap_events(w: WS, _: Anyone, f: PageFilters, bbox: Bbox = "") -> StreamingResponse:
    """Published incidents as Forensic Architecture TimeMap events (its EVENTS endpoint)."""
    incidents = iter_public_incidents(w, _api_filter(f, bbox))
    chunks = opendata.timemap_events_chunks(incidents, _link_base(w))
    return StreamingResponse(_encoded(chunks), media_type="application/json")


@api_router.get("/timemap/associations")
def timemap_associations(w: WS, _: Anyone, f: PageFilters, bbox: Bbox = "") -> Response:
    """TimeMap associations: a filter per incident type, weapon, object and oblast used."""
    return _json(opendata.timemap_associations(iter_public_incidents(w, _api_filter(f, bbox))))


@api_router.get("/timemap/sources")
def timemap_sources(w: WS, _: Anyone, f: PageFilters, bbox: Bbox = "") -> Response:
    """TimeMap sources: the public record of each incident and its casualty sources."""
    incidents = iter_public_incidents(w, _api_filter(f, bbox))
    return _json(opendata.timemap_sources(incidents, _link_base(w)))


@api_router.get("/map", responses={200: {"content": {"application/geo+json": {}}}})
def public_map_markers(
    request: Request,
    w: WS,
    _: Anyone,
    f: PageFilters,
    bbox: Bbox = "",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = MAX_LIMIT,
    cursor: Cursor = None,
) -> Response:
    """Map markers of published incidents in a viewport, newest first, a page at a time
    (GeoJSON; ``next`` and ``next_cursor`` lead to the next page). Answers carry an ETag;
    send it back in ``If-None-Match`` to get 304 while nothing public has changed."""
    flt = _api_filter(f, bbox)

    def make() -> bytes:
        doc = public_map(w, flt, limit=limit, cursor=cursor)
        doc["next"] = _next(request, doc["next_cursor"])
        return _dumps(doc)

    return cached_answer(request, w, make, "application/geo+json", public=True)


@api_router.get("/incidents")
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


@api_router.get("/incidents/{incident_id}")
def public_incident_record(w: WS, _: Anyone, incident_id: RowId) -> Response:
    """One published incident with all its public fields (404 if not published)."""
    return _json(public_incident(w, incident_id))
