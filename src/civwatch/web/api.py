"""The JSON API under /api/v1: evidence, custody head, the caller's tokens, audit, users."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from civwatch.accounts import audit
from civwatch.accounts.auth import create_token, list_tokens, revoke_token
from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import list_users
from civwatch.errors import RejectedInputError
from civwatch.evidence.ingest import SourceInfo
from civwatch.evidence.search import EvidenceFilter, search_items
from civwatch.evidence.service import find_item, get_item
from civwatch.web.auth import client_of, require
from civwatch.web.deps import WS, tree_head_json
from civwatch.web.media import media_response
from civwatch.web.problems import PROBLEM_RESPONSES
from civwatch.web.uploads import MAX_FILES, ingest_uploads
from civwatch.workspace import Workspace

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

Reader = Annotated[Principal, Depends(require(Permission.EVIDENCE_READ))]
Downloader = Annotated[Principal, Depends(require(Permission.EVIDENCE_DOWNLOAD))]
Uploader = Annotated[Principal, Depends(require(Permission.EVIDENCE_UPLOAD))]
CustodyReader = Annotated[Principal, Depends(require(Permission.CUSTODY_READ))]
SignedIn = Annotated[Principal, Depends(require(Permission.SIGNED_IN))]
Admin = Annotated[Principal, Depends(require(Permission.USERS_MANAGE))]
Auditor = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=255, description="What the token is for.")
    role: str = Field(description="One of your roles; the token acts with this role only.")


@router.get("/evidence", tags=["evidence"])
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
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """A page of evidence items, newest first, filtered and searched."""
    f = EvidenceFilter(q, media_type, collected_by, collected_after, collected_before)
    return search_items(w, f, limit=limit, offset=offset)


@router.post("/evidence", tags=["evidence"], status_code=201)
def evidence_upload(
    request: Request,
    w: WS,
    who: Uploader,
    files: Annotated[list[UploadFile], File(description="One or more files")],
    source_url: Annotated[str | None, Form(max_length=2000)] = None,
    platform: Annotated[str | None, Form(max_length=255)] = None,
    account: Annotated[str | None, Form(max_length=255)] = None,
    caption: Annotated[str | None, Form(max_length=20000)] = None,
) -> dict[str, Any]:
    """Upload files as evidence; each is stored once, duplicates add a sighting."""
    return upload(
        request,
        w,
        who,
        files,
        SourceInfo(source_url or None, platform or None, account or None, None, caption or None),
    )


def upload(
    request: Request, w: Workspace, who: Principal, files: list[UploadFile], source: SourceInfo
) -> dict[str, Any]:
    """Shared by the API and the inbox form: ingest, audit, look for copies."""
    from civwatch.evidence.clusters import cluster_of
    from civwatch.evidence.copies import hash_pending

    if not files:
        raise RejectedInputError("Choose at least one file to upload.")
    if len(files) > MAX_FILES:
        raise RejectedInputError(f"Upload at most {MAX_FILES} files at a time.")
    outcomes = ingest_uploads(
        w, [(f.filename, f.file) for f in files], source=source, collector=who.username
    )
    hash_pending(w)
    with w.sessions() as session, session.begin():
        for o in outcomes:
            audit.record(
                session,
                "evidence-upload",
                actor=who.username,
                target=f"evidence:{o['sha256']}" if o["sha256"] else o["path"],
                outcome="ok" if o["status"] != "rejected" else "failed",
                client=client_of(request),
                detail={"status": o["status"], "name": o["path"]},
            )
    for o in outcomes:
        if o["sha256"]:
            cluster = cluster_of(w, o["sha256"])
            o["copies"] = {"count": cluster["copies"], "first_seen": cluster["first_sighting"]}
    return {"outcomes": outcomes}


@router.get("/evidence/{sha256}", tags=["evidence"])
def evidence_item(w: WS, _: Reader, sha256: str) -> dict[str, Any]:
    """One item with its metadata, sightings and copies."""
    return get_item(w, sha256)


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


@router.get("/custody/head", tags=["custody"])
def custody_head(w: WS, _: CustodyReader) -> dict[str, Any]:
    """The newest signed custody tree head."""
    return tree_head_json(w)


@router.get("/me", tags=["accounts"])
def me(who: SignedIn) -> dict[str, Any]:
    """Who you are signed in as, and with which roles."""
    return {
        "username": who.username,
        "display_name": who.display_name,
        "roles": sorted(who.roles),
        "via": who.via,
    }


@router.get("/tokens", tags=["accounts"])
def tokens_list(w: WS, who: SignedIn) -> list[dict[str, Any]]:
    """Your API tokens (without their secrets)."""
    return list_tokens(w, who)


@router.post("/tokens", tags=["accounts"], status_code=201)
def tokens_create(w: WS, who: SignedIn, body: TokenRequest) -> dict[str, Any]:
    """A new API token; its secret is in this answer only."""
    return create_token(w, who, body.name, body.role)


@router.delete("/tokens/{token_id}", tags=["accounts"])
def tokens_revoke(w: WS, who: SignedIn, token_id: int) -> dict[str, Any]:
    """Revoke one of your API tokens."""
    return revoke_token(w, who, token_id)


@router.get("/users", tags=["accounts"])
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


@router.post("/users", tags=["accounts"], status_code=201)
def users_add(request: Request, w: WS, who: Admin, body: NewUser) -> dict[str, Any]:
    """Add a user; a generated password and, for admins and protection officers, a TOTP
    secret are in this answer only."""
    from civwatch.accounts.auth import needs_totp, reset_totp, set_password
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


@router.post("/users/{username}/disable", tags=["accounts"])
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


@router.get("/audit", tags=["accounts"])
def audit_list(
    w: WS,
    _: Auditor,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    """Audit records, newest first."""
    return audit.list_audit(w, actor=actor, action=action, limit=limit, offset=offset)
