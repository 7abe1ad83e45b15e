"""The JSON API under /api/v1: evidence, custody head, the caller's tokens, audit, users."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, StreamingResponse

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import list_users
from civwatch.accounts.tokens import create_token, list_tokens, revoke_token
from civwatch.evidence.ingest import SourceInfo
from civwatch.evidence.search import EvidenceFilter, search_items
from civwatch.evidence.service import find_item, get_item
from civwatch.web.answers import EXACT, Answer
from civwatch.web.answers_evidence import ItemPage, ItemView
from civwatch.web.auth import audit_action, client_of, require
from civwatch.web.deps import MAX_ROW_ID, WS, RowId, tree_head_json
from civwatch.web.jobs_api import JobDocument, prefer_wait, wait_for_job
from civwatch.web.limits import streamed_upload
from civwatch.web.media import media_response
from civwatch.web.problems import PROBLEM_RESPONSES
from civwatch.web.uploads import published_time, receive_upload
from civwatch.workspace import Workspace

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

Reader = Annotated[Principal, Depends(require(Permission.EVIDENCE_READ))]
Downloader = Annotated[Principal, Depends(require(Permission.EVIDENCE_DOWNLOAD))]
Uploader = Annotated[Principal, Depends(require(Permission.EVIDENCE_UPLOAD))]
CustodyReader = Annotated[Principal, Depends(require(Permission.CUSTODY_READ))]
SignedIn = Annotated[Principal, Depends(require(Permission.SIGNED_IN))]
Admin = Annotated[Principal, Depends(require(Permission.USERS_MANAGE))]
Auditor = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]


class MeAnswer(BaseModel):
    """Who is signed in."""

    username: str
    display_name: str
    roles: list[str]
    via: Literal["session", "token"] = Field(description="Signed in (session) or an API token")


class HeadAnswer(BaseModel):
    """The newest signed tree head of the custody log (absent before the first one)."""

    current_size: int = Field(description="Entries in the log now (may be ahead of the head)")
    public_key: str = Field(description="Ed25519 public key, base64")
    key_fingerprint: str
    tree_size: int | None = Field(default=None, description="Entries the head covers")
    root_hash: str | None = Field(default=None, description="RFC 9162 root hash, hex")
    timestamp: int | None = Field(default=None, description="When signed, ms since 1970 UTC")
    signature: str | None = Field(default=None, description="Ed25519 signature, base64")


class TokenAnswer(BaseModel):
    """An API token, without its secret."""

    id: int
    name: str
    role: str = Field(description="The one role the token acts with")
    created_at: str = Field(description="ISO 8601")
    last_used_at: str | None = Field(description="ISO 8601")
    revoked_at: str | None = Field(description="ISO 8601; a revoked token no longer works")


class NewTokenAnswer(TokenAnswer):
    """A new API token, with its secret (shown this once)."""

    token: str = Field(description="The secret: send it as 'Authorization: Bearer ...'")


class UserAnswer(BaseModel):
    """A user of this civwatch."""

    username: str
    display_name: str
    roles: list[str]
    active: bool = Field(description="False once disabled")
    created_at: str = Field(description="ISO 8601")
    created_by: str | None = Field(description="The admin who added them (none: locally)")


class NewUserAnswer(UserAnswer):
    """A new user, with what only this answer shows."""

    password: str | None = Field(default=None, description="Generated, when none was given")
    totp_secret: str | None = Field(
        default=None, description="For roles that sign in with a second factor"
    )


class AuditRecord(Answer):
    """Something a person did or tried, as the audit log keeps it."""

    id: int
    at: str = Field(description="ISO 8601")
    actor: str | None = Field(description="None: not signed in, or the system")
    action: str
    target: str | None
    outcome: str = Field(description="ok, or why it was refused")
    client: str | None = Field(description="The computer's address")
    # each action records its own details (counts, names, reasons): a free JSON object
    detail: dict[str, Any]


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=255, description="What the token is for.")
    role: str = Field(description="One of your roles; the token acts with this role only.")


@router.get("/evidence", tags=["evidence"], response_model=ItemPage)
def evidence_list(
    w: WS,
    _: Reader,
    q: Annotated[
        str | None, Query(max_length=500, description="Words in names, captions, sources")
    ] = None,
    media_type: Annotated[
        str | None, Query(max_length=255, description="'image/jpeg' or 'image/'")
    ] = None,
    collected_by: Annotated[str | None, Query(max_length=255)] = None,
    collected_after: datetime | None = None,
    collected_before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
    cursor: Annotated[
        str | None, Query(max_length=32, description="next_cursor of the previous page")
    ] = None,
) -> Response:
    """A page of evidence items, newest first, filtered and searched."""
    f = EvidenceFilter(q, media_type, collected_by, collected_after, collected_before)
    # already JSON-ready: sent as is (FastAPI's generic encoder took 1 ms of a 8 ms answer)
    return JSONResponse(search_items(w, f, limit=limit, offset=offset, cursor=cursor))


@router.post(
    "/evidence",
    tags=["evidence"],
    status_code=202,
    response_model=JobDocument,
    responses={
        200: {"model": JobDocument, "description": "Finished within the time `Prefer` allowed"},
        202: {
            "model": JobDocument,
            "description": "Received and stored; the job ingesting them is at `Location`",
        },
    },
)
@streamed_upload
def evidence_upload(
    request: Request,
    response: Response,
    w: WS,
    who: Uploader,
    files: Annotated[list[UploadFile], File(description="One or more files")],
    source_url: Annotated[str | None, Form(max_length=2000)] = None,
    platform: Annotated[str | None, Form(max_length=255)] = None,
    account: Annotated[str | None, Form(max_length=255)] = None,
    post_id: Annotated[str | None, Form(max_length=255)] = None,
    published_at: Annotated[
        str | None,
        Form(max_length=64, description="When the source published it (ISO 8601; UTC if no zone)"),
    ] = None,
    caption: Annotated[str | None, Form(max_length=20000)] = None,
    prefer: Annotated[
        str | None,
        Header(
            max_length=200,
            description="`wait=N` (RFC 7240): wait up to N seconds (at most 60) for the "
            "job to finish, and answer 200 with its outcomes if it did",
        ),
    ] = None,
) -> dict[str, Any]:
    """Upload files as evidence. The answer (202) comes once the files are safely
    received; a background job then stores each once (duplicates add a sighting), finds
    copies and reports each file's outcome at the job's URL (`Location`)."""
    job = upload(
        request,
        w,
        who,
        files,
        SourceInfo(
            source_url or None,
            platform or None,
            account or None,
            post_id or None,
            caption or None,
            published_time(published_at),
        ),
    )
    response.headers["Location"] = job["url"]
    if wait := prefer_wait(prefer):
        job = wait_for_job(w, job["id"], wait)
        if job["state"] in ("done", "failed"):
            response.status_code = 200
            response.headers["Preference-Applied"] = f"wait={wait:g}"
    return job


def upload(
    request: Request, w: Workspace, who: Principal, files: list[UploadFile], source: SourceInfo
) -> dict[str, Any]:
    """Shared by the API and the inbox form: receive the files, queue their ingest job."""
    job = receive_upload(
        w,
        [(f.filename, f.file) for f in files],
        source=source,
        collector=who.username,
        client=client_of(request),
    )
    audit_action(request, w, who, "upload-received", f"job:{job['id']}", files=len(files))
    return job


@router.get("/evidence/{sha256}", tags=["evidence"], response_model=ItemView, **EXACT)
def evidence_item(w: WS, _: Reader, sha256: str) -> dict[str, Any]:
    """One item with its metadata, sightings and copies, and the web captures that
    stored it (the page it was captured from, when, its status and final address)."""
    from civwatch.intake.capture_records import captures_of_item

    doc = get_item(w, sha256)
    doc["captures"] = captures_of_item(w, doc["sha256"])
    return doc


@router.get(
    "/evidence/{sha256}/media",
    tags=["evidence"],
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"application/octet-stream": {}},
            "description": "The original, as an attachment",
        }
    },
)
async def evidence_media(
    request: Request, w: WS, who: Downloader, sha256: str
) -> StreamingResponse:
    """The original file, byte for byte, as a download (never shown inline)."""
    item = await run_in_threadpool(find_item, w, sha256)
    await run_in_threadpool(
        audit.record_now,
        w,
        "media-download",
        actor=who.username,
        target=f"evidence:{item.sha256}",
        client=client_of(request),
    )
    return media_response(w, item)


@router.get(
    "/custody/head",
    tags=["custody"],
    response_model=HeadAnswer,
    response_model_exclude_unset=True,
)
def custody_head(w: WS, _: CustodyReader) -> dict[str, Any]:
    """The newest signed custody tree head."""
    return tree_head_json(w)


@router.get("/me", tags=["accounts"], response_model=MeAnswer)
def me(who: SignedIn) -> dict[str, Any]:
    """Who you are signed in as, and with which roles."""
    return {
        "username": who.username,
        "display_name": who.display_name,
        "roles": sorted(who.roles),
        "via": who.via,
    }


@router.get("/tokens", tags=["accounts"], response_model=list[TokenAnswer])
def tokens_list(w: WS, who: SignedIn) -> list[dict[str, Any]]:
    """Your API tokens (without their secrets)."""
    return list_tokens(w, who)


@router.post("/tokens", tags=["accounts"], status_code=201, response_model=NewTokenAnswer)
def tokens_create(w: WS, who: SignedIn, body: TokenRequest) -> dict[str, Any]:
    """A new API token; its secret is in this answer only."""
    return create_token(w, who, body.name, body.role)


@router.delete("/tokens/{token_id}", tags=["accounts"], response_model=TokenAnswer)
def tokens_revoke(w: WS, who: SignedIn, token_id: RowId) -> dict[str, Any]:
    """Revoke one of your API tokens."""
    return revoke_token(w, who, token_id)


@router.get("/users", tags=["accounts"], response_model=list[UserAnswer])
def users_list(w: WS, _: Admin) -> list[dict[str, Any]]:
    """Every user with their roles."""
    return list_users(w)


class NewUser(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    display_name: str = Field(default="", max_length=255)
    roles: list[str] = Field(min_length=1, max_length=6)
    password: str | None = Field(
        default=None, max_length=1024, description="Omit to have one generated"
    )


@router.post(
    "/users",
    tags=["accounts"],
    status_code=201,
    response_model=NewUserAnswer,
    response_model_exclude_unset=True,
)
def users_add(request: Request, w: WS, who: Admin, body: NewUser) -> dict[str, Any]:
    """Add a user; a generated password and, for admins and protection officers, a TOTP
    secret are in this answer only."""
    from civwatch.accounts.auth import needs_totp
    from civwatch.accounts.credentials import reset_totp, set_password
    from civwatch.accounts.passwords import check_policy, generate_password
    from civwatch.accounts.service import add_user

    password = check_policy(body.password) if body.password else generate_password()
    user = add_user(w, body.username, body.display_name, body.roles, actor=who.username)
    set_password(w, user["username"], password, actor=who.username)
    shown: dict[str, Any] = dict(user)
    if body.password is None:
        shown["password"] = password
    if needs_totp(body.roles):
        shown["totp_secret"] = reset_totp(w, user["username"], actor=who.username)["secret"]
    audit.record_now(
        w,
        "user-add",
        actor=who.username,
        target=f"user:{user['username']}",
        client=client_of(request),
        detail={"roles": user["roles"]},
    )
    return shown


@router.post("/users/{username}/disable", tags=["accounts"], response_model=UserAnswer)
def users_disable(request: Request, w: WS, who: Admin, username: str) -> dict[str, Any]:
    """Disable a user: their sessions and tokens stop working at once."""
    from civwatch.accounts.service import disable_user

    user = disable_user(w, username, actor=who.username)
    audit.record_now(
        w,
        "user-disable",
        actor=who.username,
        target=f"user:{username}",
        client=client_of(request),
    )
    return user


@router.get("/audit", tags=["accounts"], response_model=list[AuditRecord])
def audit_list(
    w: WS,
    _: Auditor,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> list[dict[str, Any]]:
    """Audit records, newest first."""
    return audit.list_audit(w, actor=actor, action=action, limit=limit, offset=offset)
