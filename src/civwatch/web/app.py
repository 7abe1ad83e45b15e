"""The FastAPI application: evidence list and custody tree head, as JSON and as a page.

This is the first, read-only face of civwatch; accounts, uploads and the investigators'
interface come with the web application issue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from civwatch import __version__
from civwatch.config import Settings
from civwatch.errors import CivwatchError
from civwatch.evidence.service import get_item, list_items
from civwatch.web.problems import problem_response
from civwatch.workspace import Workspace

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' "
    "'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def get_workspace(request: Request) -> Workspace:
    """The workspace the app serves (one per app, opened by ``create_app``)."""
    workspace: Workspace = request.app.state.workspace
    return workspace


WS = Annotated[Workspace, Depends(get_workspace)]


def tree_head_json(ws: Workspace) -> dict[str, Any]:
    """The newest signed tree head (and the current size, which may be ahead of it)."""
    import base64

    with ws.sessions() as session:
        head = ws.custody.latest_head(session)
        size = ws.custody.size(session)
    public_key = ws.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    doc: dict[str, Any] = {
        "current_size": size,
        "public_key": base64.b64encode(public_key).decode(),
    }
    if head is not None:
        doc.update(
            tree_size=head.tree_size,
            root_hash=head.root_hash.hex(),
            timestamp=head.timestamp_ms,
            signature=base64.b64encode(head.signature).decode(),
        )
    return doc


def create_app(settings: Settings) -> FastAPI:
    ws = Workspace.open(settings)
    app = FastAPI(
        title="civwatch",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.workspace = ws
    app.add_exception_handler(CivwatchError, problem_response)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.get("/api/v1/evidence", tags=["evidence"])
    def evidence_list(
        w: WS,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """A page of evidence items, newest first."""
        return list_items(w, limit=limit, offset=offset)

    @app.get("/api/v1/evidence/{sha256}", tags=["evidence"])
    def evidence_item(w: WS, sha256: str) -> dict[str, Any]:
        """One item with its metadata and sightings."""
        return get_item(w, sha256)

    @app.get("/api/v1/custody/head", tags=["custody"])
    def custody_head(w: WS) -> dict[str, Any]:
        """The newest signed custody tree head."""
        return tree_head_json(w)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, w: WS, page: Annotated[int, Query(ge=1)] = 1) -> Response:
        listing = list_items(w, limit=50, offset=(page - 1) * 50)
        return TEMPLATES.TemplateResponse(
            request,
            "home.html",
            {"listing": listing, "head": tree_head_json(w), "page": page, "version": __version__},
        )

    return app
