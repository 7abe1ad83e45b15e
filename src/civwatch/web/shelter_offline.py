"""Shelters without a network: the app that installs on a phone, the signed bundle per
hromada, and the printable list.

- ``/shelters/offline``: choose hromadas; their bundles are kept in the browser's cache by
  ``static/shelters-offline.js``, and the page finds the nearest shelter in them with no
  network (by the browser's location or a typed position).
- ``/shelters/sw.js`` (scope ``/shelters``, allowed by ``Service-Worker-Allowed``) and
  ``/shelters/manifest.webmanifest``: the service worker keeps the app and answers
  ``/shelters?lat=..&lon=..`` with it while the network is down.
- ``/shelters/bundle/{katottg}.json``: see :mod:`civwatch.web.shelter_bundle`.
- ``/shelters/print/{katottg}.pdf``: the list of a hromada's shelters in Ukrainian with a
  small map drawn from their coordinates (WeasyPrint; no tiles), for places without power
  or signal.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.errors import CivwatchError, RecordNotFoundError
from civwatch.i18n import _, use_language
from civwatch.i18n.formatting import format_datetime
from civwatch.media.pdf import html_to_pdf
from civwatch.shelters import vocabulary
from civwatch.shelters.registry import hromadas
from civwatch.web.deps import WS
from civwatch.web.public_view import failure_page
from civwatch.web.shelter_bundle import (
    bundle_payload,
    check_katottg,
    signed_bundle,
    signing_key,
)
from civwatch.web.shelter_map import Pin, draw, fit
from civwatch.web.shelter_pages import Public, shelter_page
from civwatch.web.shelter_view import fact_text
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)
STATIC = FilePath(__file__).parent / "static"
Katottg = Annotated[str, Path(min_length=1, max_length=40)]
#: The printable list is in Ukrainian whatever the reader's language (its readers are the
#: people of the hromada, often without a network to switch).
PRINT_LANGUAGE = "uk"


def _hromada_choices(ws: Workspace) -> list[tuple[str, str]]:
    with ws.sessions() as session:
        return sorted(hromadas(session), key=lambda h: h[1].casefold())


@router.get("/shelters/offline", response_class=HTMLResponse)
async def offline_page(request: Request, w: WS, _p: Public) -> Response:
    """The app without a network: choose hromadas to keep, find the nearest among them."""
    choices = await run_in_threadpool(_hromada_choices, w)
    texts = {
        "statuses": {c: vocabulary.label(c) for c in (*vocabulary.REPORT_STATUSES, "unknown")},
        "directions": {c: vocabulary.label(c) for c in vocabulary.COMPASS_POINTS},
        "m": _("%(metres)s m", metres="{n}"),
        "km": _("%(km)s km", km="{n}"),
        "places": _("places: %(n)s", n="{n}"),
        "as_of": _("status on %(date)s", date="{date}"),
        "saved": _("Saved on this phone: %(names)s.", names="{names}"),
        "none": _("No hromada is saved on this phone yet."),
        "failed": _("Could not save the shelters: check the connection and try again."),
        "empty": _("No open shelter was found among the saved hromadas."),
        "locating": _("Finding where you are…"),
        "denied": _("Your location is not available: type the coordinates."),
    }
    return shelter_page(
        request,
        w,
        "shelters_offline.html",
        {
            "page": "offline",
            "hromadas": choices,
            "texts": json.dumps(texts, ensure_ascii=False),
            **signing_key(w),
        },
    )


@router.get("/shelters/manifest.webmanifest")
def manifest(w: WS, _p: Public) -> Response:
    """The web app manifest: the offline page installs as an app in the reader's language."""
    doc = {
        "name": _("Shelters: nearest open shelter"),
        "short_name": _("Shelters"),
        "description": _("Find the nearest open shelter, with or without a network."),
        "start_url": "/shelters/offline",
        "scope": "/shelters",
        "display": "standalone",
        "background_color": "#fafaf7",
        "theme_color": "#13233a",
        "icons": [{"src": "/static/shelters-icon.svg", "sizes": "any", "type": "image/svg+xml"}],
    }
    return Response(json.dumps(doc, ensure_ascii=False), media_type="application/manifest+json")


@router.get("/shelters/sw.js")
def service_worker(_p: Public) -> Response:
    """The service worker, served under /shelters so that it may control /shelters pages."""
    return Response(
        (STATIC / "shelters-sw.js").read_bytes(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/shelters", "Cache-Control": "no-cache"},
    )


@router.get("/shelters/bundle/{katottg}.json")
async def bundle(request: Request, w: WS, _p: Public, katottg: Katottg) -> Response:
    """The signed bundle of a hromada's shelters (public records and statuses only)."""
    try:
        doc = await run_in_threadpool(signed_bundle, w, check_katottg(katottg))
    except CivwatchError as exc:
        return failure_page(request, w, exc)
    return JSONResponse(doc, headers={"Cache-Control": "no-cache"})


def print_html(ws: Workspace, katottg: str, now: datetime) -> str:
    """The printable list of a hromada's shelters as HTML (in Ukrainian)."""
    from civwatch.web.pages import TEMPLATES

    payload = bundle_payload(ws, katottg, now)
    if payload["hromada"] is None and not payload["shelters"]:
        raise RecordNotFoundError(_("No shelters are known in hromada %(code)s.", code=katottg))
    shelters = sorted(payload["shelters"], key=lambda s: str(s.get("name") or "").casefold())
    pins = [Pin(s["lat"], s["lon"], str(i)) for i, s in enumerate(shelters, start=1)]
    for pin, s in zip(pins, shelters, strict=True):
        if s["status"] in vocabulary.CLOSED_STATUSES:
            object.__setattr__(pin, "kind", "closed")
    view = fit([(p.lat, p.lon) for p in pins])
    svg = draw(view, pins, title=_("Map of the shelters"), units=(_("m"), _("km")), north=_("N"))
    rows = [
        {
            **s,
            "number": i,
            "type_label": vocabulary.label(str(s.get("type") or "other")),
            "status_label": vocabulary.label(s["status"]),
            "step_free_text": fact_text(s.get("step_free")),
        }
        for i, s in enumerate(shelters, start=1)
    ]
    template = TEMPLATES.get_template("shelters_print.html")
    return template.render(
        {
            "hromada": payload["hromada"] or katottg,
            "katottg": katottg,
            "generated": format_datetime(now, kyiv=True),
            "rows": rows,
            "map": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
            "language": PRINT_LANGUAGE,
        }
    )


def print_pdf(ws: Workspace, katottg: str) -> bytes:
    """The printable list as PDF (WeasyPrint)."""
    with use_language(PRINT_LANGUAGE):
        html = print_html(ws, katottg, datetime.now(UTC))
    return html_to_pdf(html)


@router.get("/shelters/print/{katottg}.pdf")
async def printable(request: Request, w: WS, _p: Public, katottg: Katottg) -> Response:
    """The printable list of a hromada's shelters (PDF, in Ukrainian, with a small map)."""
    try:
        pdf = await run_in_threadpool(print_pdf, w, check_katottg(katottg))
    except CivwatchError as exc:
        return failure_page(request, w, exc)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="shelters-{katottg}.pdf"'},
    )
