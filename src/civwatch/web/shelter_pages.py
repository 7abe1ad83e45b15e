"""The public shelter pages: the nearest working shelters, one shelter, and the report form.

Ukrainian first (see :mod:`civwatch.web.language`), no account, no JavaScript needed: a
position comes from a typed place name (the offline gazetteer), a click on the server-drawn
map (``<input type="image">`` sends where it was clicked) or, with JavaScript, the
browser's location (``static/shelters.js`` fills the same form). Each page stays under
30 KB with what it loads (tested), so it opens on a weak connection under an air raid alert.

Reports need no account and ask for nothing personal; they are limited per client address
without storing it (:class:`civwatch.protection.help_limits.AddressLimiter`, the mechanism
of the public request-for-help form), carry a double-submit CSRF token (cookie and field)
and a honeypot field that people never see and bots fill.
"""

from __future__ import annotations

import hmac
import math
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError, RejectedInputError
from civwatch.geo.gazetteer import default_gazetteer
from civwatch.geo.place_names import place_name
from civwatch.i18n import N_, _, current_language, gettext, localise
from civwatch.protection.help_limits import AddressLimiter
from civwatch.shelters import vocabulary
from civwatch.shelters.nearest import nearest
from civwatch.shelters.registry import get_shelter, public_shelter
from civwatch.shelters.reports import submit_report
from civwatch.shelters.status import shown_status
from civwatch.web.auth import client_of, require
from civwatch.web.deps import WS
from civwatch.web.limits import streamed_upload
from civwatch.web.public_view import failure_page, public_page
from civwatch.web.shelter_map import HEIGHT, WIDTH, Pin, View, draw, fit
from civwatch.web.shelter_view import nearby_view, shelter_view
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)
Public = Annotated[Principal | None, Depends(require(Permission.PUBLIC))]
Short = Annotated[str, Query(max_length=40)]

#: The browser may ask for the reader's location on these pages (and only for this site).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(self)"
REPORT_CSRF_COOKIE = "civwatch_shelter_report"
#: How many shelters the page lists.
RESULTS = 10
#: The map shows the shelters found within this distance (or else the nearest one).
MAP_REACH_M = 3000.0
#: Ukraine, for the map shown before any position is known.
COUNTRY_VIEW = View(48.4, 31.2, 1_300_000.0)
FORM_EXPIRED = N_("The form expired: please choose the status and send it again.")
NOT_A_POSITION = N_("This is not a position on the map: choose a place again.")
NO_PLACE = N_("No place called “%(name)s” was found. Check the spelling or click on the map.")


def report_limiter(request: Request) -> AddressLimiter:
    """The app's limit on the report form (one per app, made on first use): 10 a minute."""
    state = request.app.state
    if not hasattr(state, "shelter_report_limiter"):
        state.shelter_report_limiter = AddressLimiter(limit=10, window=60.0)
    found: AddressLimiter = state.shelter_report_limiter
    return found


def shelter_page(
    request: Request, ws: Workspace, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    """A public shelter page: the public site's frame, and the location allowed."""
    context.setdefault("section", "/shelters")
    response = public_page(request, ws, name, context, status)
    response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
    return response


def _number(text: str, low: float, high: float) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise RejectedInputError(gettext(NOT_A_POSITION)) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise RejectedInputError(gettext(NOT_A_POSITION))
    return value


def parse_view(text: str) -> View:
    """The map's view as the page sends it back ("lat,lon,span")."""
    parts = text.split(",")
    if len(parts) != 3:
        raise RejectedInputError(gettext(NOT_A_POSITION))
    lat = _number(parts[0], -90, 90)
    lon = _number(parts[1], -180, 180)
    span = _number(parts[2], 1, 10_000_000)
    return View(lat, lon, span).clamped()


def view_text(view: View) -> str:
    """The view as a form field (the inverse of :func:`parse_view`)."""
    return f"{view.lat:.5f},{view.lon:.5f},{view.span_m:.0f}"


class Asked:
    """Where the reader asked from (typed, clicked or located) and the filters."""

    def __init__(
        self,
        lat: Short = "",
        lon: Short = "",
        q: Annotated[str, Query(max_length=100)] = "",
        step_free: Short = "",
        pets: Short = "",
        view: Annotated[str, Query(max_length=64)] = "",
        map_x: Annotated[str, Query(alias="map.x", max_length=8)] = "",
        map_y: Annotated[str, Query(alias="map.y", max_length=8)] = "",
    ) -> None:
        self.q = q.strip()
        self.step_free = bool(step_free)
        self.pets = bool(pets)
        self.place: str | None = None
        self.position: tuple[float, float] | None = None
        self._raw = (lat, lon, view, map_x, map_y)

    def locate(self, ws: Workspace) -> None:
        """Find the position asked for (raises a refusal the page shows)."""
        lat, lon, view, map_x, map_y = self._raw
        if map_x and map_y:
            shown = parse_view(view) if view else COUNTRY_VIEW
            x = _number(map_x, 0, WIDTH)
            y = _number(map_y, 0, HEIGHT)
            self.position = shown.to_latlon(x, y)
        elif lat or lon:
            self.position = (_number(lat, -90, 90), _number(lon, -180, 180))
        elif self.q:
            gazetteer = default_gazetteer(ws.data_dir / "cache")
            found = gazetteer.search(self.q, limit=10)
            if not found:
                raise RejectedInputError(_(NO_PLACE, name=self.q))
            best = next((c for c in found if c.place.country_code == "UA"), found[0])
            self.position = (best.place.lat, best.place.lon)
            self.place = place_name(best.place.name, current_language())

    def query(self, **extra: Any) -> str:
        """This search as a query string (links to a shelter keep the way back)."""
        given: dict[str, Any] = {}
        if self.position:
            given.update(lat=f"{self.position[0]:.5f}", lon=f"{self.position[1]:.5f}")
        if self.step_free:
            given["step_free"] = "1"
        if self.pets:
            given["pets"] = "1"
        given.update(extra)
        return urlencode(given)


AskedFor = Annotated[Asked, Depends()]


def _map_units() -> tuple[str, str, str]:
    return _("m"), _("km"), _("N")


def results_view(asked: Asked, found: list[dict[str, Any]]) -> View:
    """The map's view: the position and the shelters found around it."""
    if asked.position is None:
        return COUNTRY_VIEW
    close = [f for f in found if f["distance_m"] <= MAP_REACH_M] or found[:1]
    return fit([asked.position, *((f["lat"], f["lon"]) for f in close)])


@router.get("/shelters", response_class=HTMLResponse)
async def nearest_page(request: Request, w: WS, _p: Public, asked: AskedFor) -> Response:
    """The nearest working shelters to a typed place, a map click or the reader's location."""
    now = datetime.now(UTC)
    error = None
    results: list[dict[str, Any]] = []
    try:
        await run_in_threadpool(asked.locate, w)
        if asked.position is not None:
            lat, lon = asked.position
            found = await run_in_threadpool(
                nearest,
                w,
                lat,
                lon,
                limit=RESULTS,
                step_free=asked.step_free,
                pets=asked.pets,
                now=now,
            )
            results = [nearby_view(f, now) for f in found]
    except CivwatchError as exc:
        error = localise(exc.message)
    view = results_view(asked, results)
    return shelter_page(
        request,
        w,
        "shelters_nearest.html",
        {
            "asked": asked,
            "results": results,
            "error": error,
            "view": view_text(view),
            "map_query": asked.query(view=view_text(view)),
            "back": asked.query(),
        },
        400 if error else 200,
    )


@router.get("/shelters/map.svg")
async def nearest_map(request: Request, w: WS, _p: Public, asked: AskedFor) -> Response:
    """The map beside the results: the position and the shelters found, numbered as listed."""
    pins: list[Pin] = []
    found: list[dict[str, Any]] = []
    try:
        await run_in_threadpool(asked.locate, w)
    except CivwatchError:
        asked.position = None
    if asked.position is not None:
        lat, lon = asked.position
        near = await run_in_threadpool(
            nearest, w, lat, lon, limit=RESULTS, step_free=asked.step_free, pets=asked.pets
        )
        found = [{"lat": f.lat, "lon": f.lon, "distance_m": f.distance_m} for f in near]
        pins = [Pin(f.lat, f.lon, str(i)) for i, f in enumerate(near, start=1)]
        pins.append(Pin(lat, lon, gettext(N_("You are here")), "here"))
    view = results_view(asked, found)
    metres, km, north = _map_units()
    svg = draw(
        view, pins, title=_("Shelters near the chosen place"), units=(metres, km), north=north
    )
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


def _shelter(ws: Workspace, shelter_id: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    with ws.sessions() as session:
        public = public_shelter(get_shelter(session, shelter_id))
        status = shown_status(session, shelter_id, now)
    return shelter_view(public, status, now)


def _report_form(
    request: Request,
    w: WS,
    shelter: dict[str, Any],
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    token = request.cookies.get(REPORT_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = shelter_page(
        request,
        w,
        "shelter_report.html",
        {
            "shelter": shelter,
            "csrf_token": token,
            "statuses": [(c, vocabulary.label(c)) for c in vocabulary.REPORT_STATUSES],
            "accessibility": [(c, vocabulary.label(c)) for c in vocabulary.ACCESSIBILITY],
            "form": form or {},
            "error": error,
        },
        status,
    )
    secure: bool = request.app.state.secure_cookies
    response.set_cookie(
        REPORT_CSRF_COOKIE,
        token,
        max_age=6 * 3600,
        httponly=True,
        secure=secure,
        samesite="strict",
        path="/shelters",
    )
    return response


ShelterId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
#: The largest photo a report may carry.
MAX_PHOTO = 10 * 1024 * 1024
TOO_LARGE_PHOTO = N_("The photo is larger than 10 MB: please send a smaller one.")
CHOOSE_STATUS = N_("Choose what you found at the shelter.")


async def _shelter_or_page(request: Request, w: WS, shelter_id: str) -> dict[str, Any] | Response:
    try:
        return await run_in_threadpool(_shelter, w, shelter_id)
    except CivwatchError as exc:
        return failure_page(request, w, exc)


@router.get("/shelters/{shelter_id}", response_class=HTMLResponse)
async def shelter_detail(
    request: Request,
    w: WS,
    _p: Public,
    shelter_id: ShelterId,
    back: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    """One shelter: its status and how it was established, capacity, accessibility."""
    shelter = await _shelter_or_page(request, w, shelter_id)
    if isinstance(shelter, Response):
        return shelter
    return shelter_page(
        request,
        w,
        "shelter.html",
        {"shelter": shelter, "back": back if back.startswith("lat=") else ""},
    )


@router.get("/shelters/{shelter_id}/report", response_class=HTMLResponse)
async def report_form(request: Request, w: WS, _p: Public, shelter_id: ShelterId) -> Response:
    """The report form: what the reader found at the shelter, with no account."""
    shelter = await _shelter_or_page(request, w, shelter_id)
    if isinstance(shelter, Response):
        return shelter
    return _report_form(request, w, shelter)


def receive_report(
    request: Request,
    ws: Workspace,
    shelter_id: str,
    status: str,
    *,
    accessibility: dict[str, bool] | None,
    note: str | None,
    photo: tuple[bytes, str] | None,
    channel: str,
) -> str:
    """Keep a report from the public (the form or the API): limited per client address,
    which is never stored; audited without who sent it or from where. Its id."""
    report_limiter(request).check(client_of(request))
    report_id = submit_report(
        ws,
        shelter_id,
        status,
        accessibility=accessibility,
        note=note,
        photo=photo,
        channel=channel,
    )
    audit.record_now(
        ws,
        "shelters.report.received",
        actor=None,
        target=report_id,
        detail={"shelter": shelter_id, "channel": channel},
    )
    return report_id


def observed(form: dict[str, str]) -> dict[str, bool] | None:
    """The accessibility the reporter saw: "yes"/"no" per feature; unanswered ones left out."""
    seen = {}
    for code in vocabulary.ACCESSIBILITY:
        answer = form.get(f"access_{code}", "")
        if answer in ("yes", "no"):
            seen[code] = answer == "yes"
    return seen or None


@router.post("/shelters/{shelter_id}/report", response_class=HTMLResponse)
@streamed_upload
async def report_send(
    request: Request,
    w: WS,
    _p: Public,
    shelter_id: ShelterId,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    status: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=20000)] = "",
    website: Annotated[str, Form(max_length=500)] = "",
    photo: UploadFile | None = None,
) -> Response:
    """Keep one report for a coordinator to confirm; answer with a thank-you page."""
    shelter = await _shelter_or_page(request, w, shelter_id)
    if isinstance(shelter, Response):
        return shelter
    raw = await request.form()
    typed = {k: v for k, v in raw.items() if isinstance(v, str) and k != "csrf_token"}
    expected = request.cookies.get(REPORT_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return _report_form(
            request, w, shelter, form=typed, error=gettext(FORM_EXPIRED), status=400
        )
    if website:  # the honeypot: a person never sees this field; a bot is thanked, not kept
        return shelter_page(request, w, "shelter_report_sent.html", {"shelter": shelter})
    if status not in vocabulary.REPORT_STATUSES:
        return _report_form(
            request, w, shelter, form=typed, error=gettext(CHOOSE_STATUS), status=422
        )
    picture = None
    if photo is not None and photo.filename:
        data = await photo.read(MAX_PHOTO + 1)
        if len(data) > MAX_PHOTO:
            return _report_form(
                request, w, shelter, form=typed, error=gettext(TOO_LARGE_PHOTO), status=413
            )
        if data:
            picture = (data, photo.filename)
    try:
        await run_in_threadpool(
            receive_report,
            request,
            w,
            shelter_id,
            status,
            accessibility=observed(typed),
            note=note.strip() or None,
            photo=picture,
            channel="web",
        )
    except CivwatchError as exc:
        return _report_form(
            request, w, shelter, form=typed, error=localise(exc.message), status=exc.status_code
        )
    return shelter_page(request, w, "shelter_report_sent.html", {"shelter": shelter})
