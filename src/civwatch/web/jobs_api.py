"""Background jobs: their status on the API (``/api/v1/jobs``) and on pages (``/jobs``).

Each user sees their own jobs; administrators (who may read the audit trail) see
everyone's. A job of someone else is "not found", never "forbidden" (no probing by id).
"""

from __future__ import annotations

import re
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.evidence.jobs import FIND_COPIES
from civwatch.jobs import get_job, list_jobs, submit
from civwatch.jobs.registry import job_title
from civwatch.web.auth import audit_action, require
from civwatch.web.capture_view import capture_context
from civwatch.web.deps import MAX_ROW_ID, WS, RowId
from civwatch.web.problems import PROBLEM_RESPONSES
from civwatch.workspace import Workspace

router = APIRouter(responses=PROBLEM_RESPONSES)

SignedIn = Annotated[Principal, Depends(require(Permission.SIGNED_IN))]
Uploader = Annotated[Principal, Depends(require(Permission.EVIDENCE_UPLOAD))]

#: Longest wait a client may ask for with ``Prefer: wait=N``.
MAX_WAIT_S = 60.0
_WAIT = re.compile(r"(?:^|[;,\s])wait\s*=\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
PAGE_SIZE = 50


class JobDocument(BaseModel):
    """A background job as its owner sees it."""

    id: int
    kind: str = Field(description="'ingest-upload', 'find-copies' or 'web-capture'")
    owner: str
    state: Literal["queued", "running", "done", "failed"]
    done: int = Field(description="Units of work finished (files, items)")
    total: int = Field(description="Units of work in all (0 while unknown)")
    message: str = Field(description="What the job is doing now, or why it failed")
    result: dict[str, Any] = Field(
        description="Upload jobs: 'outcomes' (one per file: path, status ingested, "
        "duplicate or rejected, sha256, error, copies) and, when done, 'summary'; web "
        "captures: 'capture' (the page and its items) and 'outcomes' (one per item), or "
        "'error' when refused"
    )
    attempts: int
    created_at: str
    started_at: str | None
    finished_at: str | None
    url: str = Field(description="This job on the API")
    page: str = Field(description="This job's page")


class JobList(BaseModel):
    total: int
    jobs: list[JobDocument]


def prefer_wait(prefer: str | None) -> float:
    """Seconds asked for by ``Prefer: wait=N`` (RFC 7240), capped; 0 if none."""
    found = _WAIT.search(prefer or "")
    return min(float(found.group(1)), MAX_WAIT_S) if found else 0.0


def wait_for_job(ws: Workspace, job_id: int, seconds: float) -> dict[str, Any]:
    """The job once it has finished, or as it is after ``seconds``."""
    deadline = time.monotonic() + seconds
    delay = 0.05
    while True:
        job = get_job(ws, job_id)
        if job["state"] in ("done", "failed") or time.monotonic() >= deadline:
            return job
        time.sleep(min(delay, max(deadline - time.monotonic(), 0.0)))
        delay = min(delay * 1.5, 0.5)


def job_viewer(who: Principal) -> str | None:
    """Whose jobs ``who`` may see: their own, or (administrators) everyone's."""
    return None if allows(who.roles, Permission.AUDIT_READ) else who.username


@router.get("/api/v1/jobs", tags=["jobs"], response_model=JobList)
def jobs_list(
    w: WS,
    who: SignedIn,
    state: Annotated[Literal["queued", "running", "done", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> dict[str, Any]:
    """Your background jobs, newest first (an administrator sees everyone's)."""
    return list_jobs(w, owner=job_viewer(who), state=state, limit=limit, offset=offset)


@router.get("/api/v1/jobs/{job_id}", tags=["jobs"], response_model=JobDocument)
def jobs_get(w: WS, who: SignedIn, job_id: RowId) -> dict[str, Any]:
    """One job: state, progress and, for uploads, each file's outcome so far."""
    return get_job(w, job_id, viewer=job_viewer(who))


@router.post(
    "/api/v1/jobs/find-copies",
    tags=["jobs"],
    status_code=202,
    response_model=JobDocument,
)
def jobs_find_copies(request: Request, response: Response, w: WS, who: Uploader) -> dict[str, Any]:
    """Start a job that hashes every item not hashed yet and records the copies found."""
    job = submit(w, FIND_COPIES, who.username, {})
    audit_action(request, w, who, "job-find-copies", f"job:{job['id']}")
    response.headers["Location"] = job["url"]
    return job


# -- pages ------------------------------------------------------------------------------------


def _title(job: dict[str, Any]) -> str:
    return job_title(job)


@router.get("/jobs", response_class=HTMLResponse, include_in_schema=False)
def jobs_page(
    request: Request,
    w: WS,
    who: SignedIn,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    from civwatch.web.pages import render

    listing = list_jobs(w, owner=job_viewer(who), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    for job in listing["jobs"]:
        job["title"] = _title(job)
    return render(
        request,
        "jobs.html",
        {
            "listing": listing,
            "page": page,
            "page_size": PAGE_SIZE,
            "everyone": job_viewer(who) is None,
            "can_find_copies": allows(who.roles, Permission.EVIDENCE_UPLOAD),
        },
    )


@router.get("/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
def job_page(request: Request, w: WS, who: SignedIn, job_id: RowId) -> Response:
    from civwatch.web.pages import render

    job = get_job(w, job_id, viewer=job_viewer(who))
    job["title"] = _title(job)
    return render(
        request,
        "job.html",
        {"job": job, "finished": job["state"] in ("done", "failed"), **capture_context(job)},
    )


@router.post("/jobs/find-copies", include_in_schema=False)
def find_copies_form(request: Request, w: WS, who: Uploader) -> Response:
    job = submit(w, FIND_COPIES, who.username, {})
    audit_action(request, w, who, "job-find-copies", f"job:{job['id']}")
    return RedirectResponse(job["page"], status_code=303)
