"""Web captures on the team's site: the "capture a page" form, its API, and each
capture's record.

The form and ``POST /api/v1/captures`` start the same background job
(:func:`civwatch.intake.capture.start_capture`) as the signed-in user, who must be
allowed to add evidence; the form then shows the job's page, where the capture's
progress, items and warnings appear. A capture's own page (``/captures/{id}``) and its API
view show its record: the address asked for and after redirects, status, time,
certificate, browser, items and warnings.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import RejectedInputError
from civwatch.intake.capture import start_capture
from civwatch.intake.capture_records import get_capture
from civwatch.web.answers_evidence import CaptureView
from civwatch.web.auth import audit_action, client_of, require
from civwatch.web.capture_view import capture_warnings
from civwatch.web.deps import WS, RowId
from civwatch.web.jobs_api import JobDocument
from civwatch.web.problems import PROBLEM_RESPONSES
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

Uploader = Annotated[Principal, Depends(require(Permission.EVIDENCE_UPLOAD))]
Reader = Annotated[Principal, Depends(require(Permission.EVIDENCE_READ))]


class CaptureRequest(BaseModel):
    url: str = Field(max_length=2000, description="The page's address (http or https)")


def _start(request: Request, w: Workspace, who: Principal, url: str) -> dict[str, Any]:
    job = start_capture(w, url, collector=who.username, client=client_of(request))
    audit_action(request, w, who, "capture-started", f"job:{job['id']}", url=_audited(url))
    return job


def _audited(url: str) -> str:
    """The address as the audit log keeps it (at most 500 characters)."""
    return url.strip()[:500]


@router.get("/capture", response_class=HTMLResponse)
def capture_form(request: Request, who: Uploader) -> Response:
    from civwatch.web.pages import render

    return render(request, "capture.html", {"url": "", "error": None})


@router.post("/capture", response_class=HTMLResponse)
def capture_submit(
    request: Request,
    w: WS,
    who: Uploader,
    url: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The form: the capture is queued, then its job's page follows it."""
    from civwatch.web.pages import render

    try:
        job = _start(request, w, who, url)
    except RejectedInputError as exc:
        return render(request, "capture.html", {"url": url, "error": exc.message}, 422)
    return RedirectResponse(job["page"], status_code=303)


@api_router.post("/captures", tags=["evidence"], status_code=202, response_model=JobDocument)
def capture_api(
    request: Request, response: Response, w: WS, who: Uploader, body: CaptureRequest
) -> dict[str, Any]:
    """Capture a web page as evidence: a background job loads it in a headless browser
    and stores its WACZ web archive, full-page screenshot, HTML and media, each with its
    custody entries. The answer (202) names the job (`Location`); when it is done, its
    result holds `capture` (url, final_url, http_status, captured_at, items, warnings)."""
    job = _start(request, w, who, body.url)
    response.headers["Location"] = job["url"]
    return job


@router.get("/captures/{capture_id}", response_class=HTMLResponse)
def capture_page(request: Request, w: WS, who: Reader, capture_id: RowId) -> Response:
    """A capture's record: what it captured, from where, when, and the items it stored."""
    from civwatch.web.pages import render

    capture = get_capture(w, capture_id)
    return render(
        request,
        "capture_record.html",
        {"capture": capture, "capture_warnings": capture_warnings(capture)},
    )


@api_router.get("/captures/{capture_id}", tags=["evidence"], response_model=CaptureView)
def capture_view(w: WS, who: Reader, capture_id: RowId) -> dict[str, Any]:
    """A web capture: the address asked for and after redirects, the HTTP status, when,
    the TLS certificate's SHA-256, the browser, the items it stored (kind wacz,
    screenshot, html or media) and its warnings, as its custody entry recorded them."""
    return get_capture(w, capture_id)
