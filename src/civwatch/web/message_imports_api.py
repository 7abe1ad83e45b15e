"""Chat exports on the API: ``POST /api/v1/imports/messages`` takes a Telegram Desktop
export (zipped) or a WhatsApp export (its ``.zip`` or its ``_chat.txt``) and queues its
import as a job, as the inbox's form does; ``GET /api/v1/imports/messages/{job_id}``
gives the job and what became of each message."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from pydantic import Field

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import NotFoundError
from civwatch.i18n import _
from civwatch.intake.jobs import IMPORT, receive_export
from civwatch.intake.message_results import export_messages
from civwatch.jobs import get_job
from civwatch.web.answers import Answer
from civwatch.web.auth import audit_action, client_of, require
from civwatch.web.deps import MAX_ROW_ID, WS, RowId
from civwatch.web.jobs_api import JobDocument, job_viewer
from civwatch.web.limits import streamed_upload
from civwatch.web.problems import PROBLEM_RESPONSES
from civwatch.web.uploads import upload_name

api_router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

Uploader = Annotated[Principal, Depends(require(Permission.EVIDENCE_UPLOAD))]
Reader = Annotated[Principal, Depends(require(Permission.EVIDENCE_READ))]


class MessageResult(Answer):
    """What became of one message of the export."""

    message_id: str
    status: Literal["ingested", "duplicate", "text", "missing-media"] = Field(
        description="'ingested' (its media stored), 'duplicate' (its media already held), "
        "'text' (kept as a text item) or 'missing-media' (left out of the export)"
    )
    sha256: str = Field(description="The item holding its media, or its text")
    published_at: str | None = Field(description="ISO 8601, as the chat said")


class MessageImportResults(Answer):
    """An import job and a page of its messages' results."""

    job: JobDocument
    total: int = Field(description="Messages recorded from the export (so far)")
    messages: list[MessageResult]


@api_router.post(
    "/imports/messages", tags=["evidence"], status_code=202, response_model=JobDocument
)
@streamed_upload
def import_messages_api(
    request: Request,
    response: Response,
    w: WS,
    who: Uploader,
    export: Annotated[UploadFile, File(description="A .zip export, or WhatsApp's _chat.txt")],
    time_zone: Annotated[str, Form(max_length=64)] = "",
    chat: Annotated[str, Form(max_length=255)] = "",
) -> dict[str, Any]:
    """Import a Telegram or WhatsApp chat export as evidence: a background job reads it
    and records each message (one custody entry each). The answer (202) names the job
    (`Location`); `GET /api/v1/imports/messages/{job_id}` then gives each message's result.
    `time_zone`: the zone of the export's local times (default Europe/Kyiv); `chat`: the
    chat's name for a WhatsApp export that does not say it (a `_chat.txt` sent alone)."""
    job = receive_export(
        w,
        upload_name(export.filename),
        export.file,
        actor=who.username,
        client=client_of(request),
        tz=time_zone.strip() or None,
        chat_text=True,
        chat=chat.strip() or None,
    )
    audit_action(request, w, who, "messages-import-received", f"job:{job['id']}")
    response.headers["Location"] = f"/api/v1/imports/messages/{job['id']}"
    return job


@api_router.get(
    "/imports/messages/{job_id}", tags=["evidence"], response_model=MessageImportResults
)
def import_messages_results(
    w: WS,
    who: Reader,
    job_id: RowId,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> dict[str, Any]:
    """An import job (yours; an administrator sees everyone's) and its messages'
    results so far, in the order they were recorded."""
    job = get_job(w, job_id, viewer=job_viewer(who))
    if job["kind"] != IMPORT:
        raise NotFoundError(_("There is no job %(id)s that you can see.", id=job_id))
    found = job["result"].get("export_sha256")
    page: dict[str, Any] = (
        export_messages(w, str(found), limit=limit, offset=offset)
        if found
        else {"total": 0, "messages": []}
    )
    return {"job": job, **page}
