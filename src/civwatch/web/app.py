"""The FastAPI application: the JSON API under /api/v1 and the server-rendered pages.

Every route declares the permission it needs (see :mod:`civwatch.web.auth`); errors are
RFC 9457 problem documents on the API and short pages in the browser, where a request
that is not signed in is sent to the sign-in page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from civwatch import __version__, extensions
from civwatch.accounts.permissions import Permission
from civwatch.accounts.throttle import ClientThrottle
from civwatch.config import Settings
from civwatch.errors import CivwatchError, NotAuthenticatedError
from civwatch.i18n import N_, _, gettext, localise
from civwatch.incidents.input import rejection_message
from civwatch.shelters import nearest as shelter_index
from civwatch.web import (
    admin_pages,
    api,
    campaign_pages,
    campaign_team_pages,
    campaigns_api,
    capture_pages,
    custody_pages,
    help_pages,
    incident_lists,
    incident_pages,
    incidents_api,
    item_pages,
    jobs_api,
    language,
    map_routes,
    message_imports_api,
    packages_api,
    pages,
    protection_access_pages,
    protection_api,
    protection_case_pages,
    protection_desk_pages,
    protection_idle,
    protection_pages,
    protection_record_pages,
    public_api,
    public_incident_pages,
    public_pages,
    public_reports,
    publish_api,
    relief_api,
    relief_pages,
    shelter_offline,
    shelter_pages,
    shelter_queue,
    shelters_api,
    sitrep_pages,
    testimony_api,
    testimony_decision_pages,
    testimony_pages,
)
from civwatch.web.answer_cache import AnswerCache
from civwatch.web.auth import route_permission
from civwatch.web.deps import WS, get_workspace, tree_head_json
from civwatch.web.limits import RequestLimits
from civwatch.web.problems import problem_json, problem_response, problem_title
from civwatch.workspace import Workspace

__all__ = ["WS", "create_app", "get_workspace", "tree_head_json"]

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


#: Front-end libraries served from their Python packages (never from another site).
VENDOR_ASSETS = {
    "leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
    "markercluster": Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
}


#: The heading of an error page for an HTTP status the routes did not answer themselves.
STATUS_TITLES = {
    400: N_("Bad request"),
    404: N_("Not found"),
    405: N_("Not allowed here"),
    413: N_("Too large"),
    415: N_("Unsupported type"),
    422: N_("This cannot be accepted"),
}


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` (and ``Cache-Control: no-store`` outside ``/static/``)
    to every answer that has not set its own, and the protection desk's renewed idle cookie
    (:func:`civwatch.web.protection_idle.finish`). A plain ASGI middleware: the answer is
    passed on as it comes, not through a second task and stream per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path") or "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                protection_idle.finish(Request(scope), headers)
                for key, value in SECURITY_HEADERS.items():
                    if key not in headers:
                        headers[key] = value
                if not static and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def error_title(exc: CivwatchError) -> str:
    """The heading of the page that shows ``exc``, in the reader's language."""
    return problem_title(exc.kind)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, exc: Exception) -> Response:
    """Problem JSON on the API; a page (or the sign-in page) in the browser."""
    assert isinstance(exc, CivwatchError)
    if _is_api(request):
        response = problem_response(request, exc)
        if isinstance(exc, NotAuthenticatedError):
            response.headers["WWW-Authenticate"] = 'Bearer realm="civwatch"'
        return response
    if isinstance(exc, NotAuthenticatedError) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
    return pages.render(
        request,
        "error.html",
        {"title": error_title(exc), "detail": localise(exc.message)},
        exc.status_code,
    )


def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    sentences = rejection_message(exc.errors())
    if sentences is not None:  # a model that words its refusals (one incident input)
        return problem_json(request, 422, "rejected-input", sentences)
    errors = [
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
    ]
    # TRANSLATORS: %(errors)s lists each refused field as "where: what is wrong" (in English,
    # as the validation library words it), separated by semicolons.
    detail = _("The request is not valid: %(errors)s", errors="; ".join(errors))
    return problem_json(request, 422, "rejected-input", detail)


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    kind = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "-")
    detail = {
        400: _(
            "The request body could not be read: send valid JSON (Content-Type: "
            "application/json) or form data, as the API schema describes."
        ),
        404: _("No such page or API route."),
        405: _("This route does not take this method."),
    }
    message = detail.get(exc.status_code, str(exc.detail))
    if not _is_api(request):
        # A person at a browser (the no-JavaScript upload form, a mistyped address) reads
        # a page, not a problem document.
        page_detail = {
            400: _("The form could not be read: please send it again from its page."),
            404: _("There is no such page."),
            405: _("This page cannot be used that way."),
        }
        title = STATUS_TITLES.get(exc.status_code)
        return pages.render(
            request,
            "error.html",
            {
                "title": gettext(title) if title else HTTPStatus(exc.status_code).phrase,
                "detail": page_detail.get(exc.status_code, localise(message)),
            },
            exc.status_code,
        )
    return problem_json(request, exc.status_code, kind, message, headers=exc.headers)


def _refusal(request: Request, exc: Exception) -> Response:
    """The answer :class:`~civwatch.web.limits.RequestLimits` gives before the routes run."""
    if isinstance(exc, CivwatchError):
        return _error(request, exc)
    return _http(request, exc)


#: Every router of the app: the routes they hold are all the app's routes.
ROUTERS = (
    # first: routes are matched in this order, and the nearest-shelter answer is the busiest
    shelters_api.router,
    api.router,
    incidents_api.router,
    custody_pages.api_router,
    jobs_api.router,
    capture_pages.api_router,
    message_imports_api.api_router,
    publish_api.router,
    packages_api.router,
    public_api.router,
    map_routes.api_router,
    map_routes.router,
    protection_api.router,
    testimony_api.router,
    relief_api.router,
    campaigns_api.router,
    pages.router,
    item_pages.router,
    capture_pages.router,
    incident_lists.router,  # before incident_pages: /incidents/map is not /incidents/{id}
    incident_pages.router,
    custody_pages.router,
    admin_pages.router,
    public_pages.router,
    public_incident_pages.router,
    public_reports.router,
    sitrep_pages.router,
    protection_pages.router,
    protection_case_pages.router,
    protection_desk_pages.router,
    protection_record_pages.router,
    protection_access_pages.router,
    help_pages.router,
    relief_pages.router,
    campaign_pages.router,
    campaign_team_pages.router,
    # before shelter_pages: /shelters/reports and /shelters/offline are not shelter ids
    shelter_queue.router,
    shelter_offline.router,
    shelter_pages.router,
    testimony_pages.router,
    testimony_decision_pages.router,
    language.router,
)


def declared_routes() -> list[tuple[str, str, Permission | None]]:
    """(method, path, permission) for every API and page route."""
    found = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                for method in sorted(route.methods or ()):
                    found.append((method, route.path, route_permission(route)))
    return found


def create_app(settings: Settings, *, secure_cookies: bool = True) -> FastAPI:
    """The app for one data folder. ``secure_cookies=False`` only for plain-HTTP tests."""
    extensions.load()  # the domains' job kinds, before any request can submit one
    ws = Workspace.open(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # the shelters' index is built before the first question, not during it, and kept
        # up to date by a watcher, so the nearest-shelter answers read no database
        stop_watching = await run_in_threadpool(shelter_index.watch, ws)
        try:
            yield
        finally:
            stop_watching()
            ws.close()  # database connections go back before the process ends

    app = FastAPI(
        lifespan=lifespan,
        title="civwatch",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.workspace = ws
    app.state.secure_cookies = secure_cookies
    app.state.session_cookie = "__Host-civwatch" if secure_cookies else "civwatch_session"
    app.state.throttle = ClientThrottle(ws)
    app.state.answer_cache = AnswerCache()
    app.add_exception_handler(CivwatchError, _error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    # Added before the security headers, so it runs inside them and its answers get them.
    app.add_middleware(
        RequestLimits,
        routes=[route for router in ROUTERS for route in router.routes],
        max_body=settings.max_request_body,
        max_file=settings.max_file_size,
        refuse=_refusal,
    )

    app.add_middleware(SecurityHeaders)

    # Outermost: every answer, error pages included, is in the reader's language.
    app.add_middleware(language.LanguageMiddleware, settings=settings)

    for router in ROUTERS:
        app.include_router(router)
    for name, folder in VENDOR_ASSETS.items():
        app.mount(f"/static/vendor/{name}", StaticFiles(directory=folder), f"vendor-{name}")
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), "static")
    return app
