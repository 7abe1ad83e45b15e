"""The JSON API for publishing: approval, corrections, withdrawal, the public location,
internal fields, and redaction of media."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.incidents import internal_fields as incidents
from civwatch.publish import jobs as publish_jobs
from civwatch.publish import publication, redaction
from civwatch.web.answers import EXACT, PublicHistoryEntry
from civwatch.web.answers_evidence import RedactionView
from civwatch.web.answers_incidents import (
    CorrectedIncident,
    IncidentView,
    InternalFields,
    PublishedIncident,
    Witness,
)
from civwatch.web.auth import audit_action, client_of, require
from civwatch.web.deps import WS, RowId
from civwatch.web.jobs_api import JobDocument
from civwatch.web.media import media_response
from civwatch.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

Publisher = Annotated[Principal, Depends(require(Permission.PUBLISH))]
Writer = Annotated[Principal, Depends(require(Permission.INCIDENTS_WRITE))]
IncidentReader = Annotated[Principal, Depends(require(Permission.INCIDENTS_READ))]
Reader = Annotated[Principal, Depends(require(Permission.EVIDENCE_READ))]
Downloader = Annotated[Principal, Depends(require(Permission.EVIDENCE_DOWNLOAD))]

Text = Annotated[str, Field(max_length=publication.MAX_NOTE)]


class PrecisionRequest(BaseModel):
    precision: Literal["exact", "settlement", "raion", "oblast"] = Field(
        description="How precisely the public sees the location."
    )
    reason: Text | None = None


class NoteRequest(BaseModel):
    note: Text | None = Field(default=None, description="Shown in the public history.")


class CorrectionRequest(BaseModel):
    note: Text = Field(description="What was corrected, for the public ('corrected on ...').")


class WithdrawRequest(BaseModel):
    reason: Text = Field(description="Why it is taken off the public site (shown publicly).")


class InternalNotesRequest(BaseModel):
    notes: Annotated[str, Field(max_length=50_000)]


class WitnessRequest(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=255)]
    contact: Annotated[str, Field(max_length=2000)] = ""
    lat: float | None = None
    lon: float | None = None
    note: Annotated[str, Field(max_length=50_000)] = ""


class Region(BaseModel):
    x: float
    y: float
    w: float
    h: float
    unit: Literal["px", "fraction"] = "px"


class RedactionRequest(BaseModel):
    regions: list[Region] = Field(
        default_factory=list,
        max_length=redaction.MAX_REGIONS,
        description="Areas to blur by hand, on the picture as displayed.",
    )
    blur_faces: bool = True
    removed_faces: list[Region] = Field(
        default_factory=list,
        max_length=redaction.MAX_REGIONS,
        description="Face finder boxes the reviewer removed (GET /evidence/{sha256}/faces): "
        "the faces found there are not blurred, and the record says so.",
    )
    graphic: bool = Field(default=False, description="Show behind a warning screen.")


# --- publication ---------------------------------------------------------------------------


@router.put(
    "/incidents/{incident_id}/location-precision",
    tags=["publishing"],
    response_model=IncidentView,
    **EXACT,
)
def precision_set(
    request: Request, w: WS, who: Publisher, incident_id: RowId, body: PrecisionRequest
) -> dict[str, Any]:
    """Choose how precisely the public sees the incident's location (logged)."""
    done = publication.set_location_precision(
        w, incident_id, body.precision, actor=who.username, reason=body.reason
    )
    audit_action(
        request,
        w,
        who,
        "incident-location-precision",
        f"incident:{incident_id}",
        precision=body.precision,
    )
    return done


@router.post(
    "/incidents/{incident_id}/publish",
    tags=["publishing"],
    response_model=PublishedIncident,
    **EXACT,
)
def incident_publish(
    request: Request, w: WS, who: Publisher, incident_id: RowId, body: NoteRequest | None = None
) -> dict[str, Any]:
    """Publish a verified incident; lists linked media still without approved redaction."""
    done = publication.publish_incident(
        w, incident_id, actor=who.username, note=body.note if body else None
    )
    audit_action(request, w, who, "incident-publish", f"incident:{incident_id}")
    return done


@router.post(
    "/incidents/{incident_id}/corrections",
    tags=["publishing"],
    status_code=201,
    response_model=CorrectedIncident,
    **EXACT,
)
def incident_correct(
    request: Request, w: WS, who: Publisher, incident_id: RowId, body: CorrectionRequest
) -> dict[str, Any]:
    """Record a correction notice on a published incident (it stays public)."""
    done = publication.correct_incident(w, incident_id, body.note, actor=who.username)
    audit_action(request, w, who, "incident-correct", f"incident:{incident_id}")
    return done


@router.post(
    "/incidents/{incident_id}/withdraw",
    tags=["publishing"],
    response_model=IncidentView,
    **EXACT,
)
def incident_withdraw(
    request: Request, w: WS, who: Publisher, incident_id: RowId, body: WithdrawRequest
) -> dict[str, Any]:
    """Take a published incident off the public site, saying why."""
    done = publication.withdraw_incident(w, incident_id, reason=body.reason, actor=who.username)
    audit_action(request, w, who, "incident-withdraw", f"incident:{incident_id}")
    return done


@router.get(
    "/incidents/{incident_id}/public-history",
    tags=["publishing"],
    response_model=list[PublicHistoryEntry],
)
def incident_public_history(w: WS, _: IncidentReader, incident_id: RowId) -> list[dict[str, Any]]:
    """Publication, corrections and withdrawals, as the public sees them."""
    return publication.get_public_history(w, incident_id)


# --- internal fields -----------------------------------------------------------------------


@router.get("/incidents/{incident_id}/internal", tags=["incidents"], response_model=InternalFields)
def internal_get(request: Request, w: WS, who: Writer, incident_id: RowId) -> dict[str, Any]:
    """Internal notes and witnesses (never published or exported), for the people who work
    on the incident and its reviewers while it waits for review; each read is audited."""
    return incidents.internal_fields(w, incident_id, actor=who.username, client=client_of(request))


@router.put(
    "/incidents/{incident_id}/internal-notes", tags=["incidents"], response_model=InternalFields
)
def internal_notes_set(
    request: Request, w: WS, who: Writer, incident_id: RowId, body: InternalNotesRequest
) -> dict[str, Any]:
    """Replace the internal notes."""
    done = incidents.set_internal_notes(
        w, incident_id, body.notes, actor=who.username, client=client_of(request)
    )
    audit_action(request, w, who, "incident-internal-notes", f"incident:{incident_id}")
    return done


@router.post(
    "/incidents/{incident_id}/witnesses",
    tags=["incidents"],
    status_code=201,
    response_model=Witness,
)
def witness_add(
    request: Request, w: WS, who: Writer, incident_id: RowId, body: WitnessRequest
) -> dict[str, Any]:
    """Record a witness (internal)."""
    done = incidents.add_witness(
        w,
        incident_id,
        body.name,
        contact=body.contact,
        lat=body.lat,
        lon=body.lon,
        note=body.note,
        actor=who.username,
        client=client_of(request),
    )
    audit_action(request, w, who, "incident-witness-add", f"incident:{incident_id}")
    return done


@router.delete(
    "/incidents/{incident_id}/witnesses/{witness_id}",
    tags=["incidents"],
    response_model=InternalFields,
)
def witness_remove(
    request: Request, w: WS, who: Writer, incident_id: RowId, witness_id: RowId
) -> dict[str, Any]:
    """Delete a witness record for good."""
    done = incidents.remove_witness(
        w, incident_id, witness_id, actor=who.username, client=client_of(request)
    )
    audit_action(
        request, w, who, "incident-witness-remove", f"incident:{incident_id}", witness=witness_id
    )
    return done


# --- redaction -----------------------------------------------------------------------------


@router.post(
    "/evidence/{sha256}/redactions",
    tags=["publishing"],
    status_code=201,
    response_model=RedactionView,
    responses={
        202: {
            "model": JobDocument,
            "description": "With `Prefer: respond-async`: queued; the job making it is at "
            "`Location`, and its result holds the redaction once done",
        }
    },
)
def redaction_create(
    request: Request,
    w: WS,
    who: Writer,
    sha256: str,
    body: RedactionRequest,
    prefer: Annotated[
        str | None,
        Header(
            max_length=200,
            description="`respond-async` (RFC 7240): make it in a background job and answer "
            "202 at once (a video can take minutes)",
        ),
    ] = None,
) -> Any:
    """Make a draft redacted copy (faces and regions blurred, metadata removed)."""
    regions = [r.model_dump() for r in body.regions]
    options: dict[str, Any] = {
        "blur_faces": body.blur_faces,
        "graphic": body.graphic,
        "removed_faces": [r.model_dump() for r in body.removed_faces],
        "actor": who.username,
    }
    if "respond-async" in (prefer or "").lower():
        job = publish_jobs.submit_redaction(w, sha256, regions, **options)
        audit_action(request, w, who, "redaction-queued", f"item:{sha256}", job=job["id"])
        return JSONResponse(
            job,
            status_code=202,
            headers={"Location": job["url"], "Preference-Applied": "respond-async"},
        )
    done = redaction.create_redaction(w, sha256, regions, **options)
    audit_action(request, w, who, "redaction-create", f"item:{sha256}", redaction=done["id"])
    return done


@router.get(
    "/evidence/{sha256}/redactions", tags=["publishing"], response_model=list[RedactionView]
)
def redaction_list(w: WS, _: Reader, sha256: str) -> list[dict[str, Any]]:
    """Every redaction of an item, newest first."""
    return redaction.list_redactions(w, sha256)


@router.get("/redactions/{redaction_id}", tags=["publishing"], response_model=RedactionView)
def redaction_get(w: WS, _: Reader, redaction_id: RowId) -> dict[str, Any]:
    """One redaction: what was done, by whom, its status."""
    return redaction.get_redaction(w, redaction_id)


@router.get(
    "/redactions/{redaction_id}/preview",
    tags=["publishing"],
    response_class=StreamingResponse,
    responses={200: {"content": {"image/jpeg": {}, "video/mp4": {}}, "description": "The file"}},
)
async def redaction_preview(
    request: Request, w: WS, who: Downloader, redaction_id: RowId
) -> StreamingResponse:
    """The redacted file, to check before approving it (a download, never shown inline)."""
    item = await run_in_threadpool(redaction.derivative_item, w, redaction_id)
    await run_in_threadpool(
        audit.record_now,
        w,
        "media-download",
        actor=who.username,
        target=f"redaction:{redaction_id}",
        client=client_of(request),
    )
    return media_response(w, item)


@router.post(
    "/redactions/{redaction_id}/approve", tags=["publishing"], response_model=RedactionView
)
def redaction_approve(
    request: Request, w: WS, who: Publisher, redaction_id: RowId, body: NoteRequest | None = None
) -> dict[str, Any]:
    """Approve a draft (a second person): it becomes the published form of its item."""
    done = redaction.approve_redaction(
        w, redaction_id, actor=who.username, note=body.note if body else None
    )

    audit_action(request, w, who, "redaction-approve", f"redaction:{redaction_id}")
    return done
