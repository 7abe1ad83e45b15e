"""Server-rendered pages: sign-in, sign-out and the evidence inbox (no JavaScript needed)."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch import __version__
from civwatch.accounts.auth import authenticate
from civwatch.accounts.browser_sessions import end_session, start_session
from civwatch.accounts.devices import DEVICE_LIFETIME, remember_device
from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.accounts.throttle import ClientThrottle
from civwatch.errors import CivwatchError, NotAuthenticatedError
from civwatch.evidence.ingest import SourceInfo
from civwatch.evidence.search import EvidenceFilter, search_items
from civwatch.i18n import (
    available_languages,
    current_language,
    gettext,
    language_name,
    templating,
)
from civwatch.media.preview import previewable
from civwatch.publish import redaction_words
from civwatch.web import labels
from civwatch.web.auth import audit_action, client_of, require, session_cookie_name
from civwatch.web.deps import WS, tree_head_json
from civwatch.web.js_messages import js_messages_json
from civwatch.web.language import safe_next
from civwatch.web.limits import streamed_upload

TEMPLATES = Jinja2Templates(
    env=labels.install(
        templating.configure(
            Environment(
                loader=FileSystemLoader(Path(__file__).parent / "templates"),
                autoescape=select_autoescape(),
            )
        )
    )
)


def _can(principal: Principal | None, permission: str) -> bool:
    """In templates, ``can(principal, "publish")``: whether the roles in force allow the
    named permission (the permission table decides, never a role name in a template)."""
    return principal is not None and allows(principal.roles, Permission(permission))


TEMPLATES.env.globals["can"] = _can
TEMPLATES.env.globals["previewable"] = previewable
# A redaction's recorded steps and counts in the reader's words (with plural forms).
TEMPLATES.env.globals["redaction_action"] = redaction_words.action_text
TEMPLATES.env.globals["redaction_faces"] = redaction_words.faces_text
TEMPLATES.env.globals["areas_text"] = redaction_words.areas_text
SIGNIN_CSRF_COOKIE = "civwatch_signin"
PAGE_SIZE = 50

router = APIRouter(include_in_schema=False)

Public = Annotated[Principal | None, Depends(require(Permission.PUBLIC))]
SignedIn = Annotated[Principal, Depends(require(Permission.SIGNED_IN))]
Reader = Annotated[Principal, Depends(require(Permission.EVIDENCE_READ))]
Uploader = Annotated[Principal, Depends(require(Permission.EVIDENCE_UPLOAD))]


def _here(request: Request) -> str:
    """This page's path and query without ``lang``: where the language switch returns."""
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    return request.url.path + (f"?{query}" if query else "")


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page in the request's language, with the language switch's links."""
    context.setdefault("principal", getattr(request.state, "principal", None))
    context["version"] = __version__
    here = _here(request)
    context["language"] = current_language()
    context["js_messages"] = js_messages_json(current_language())
    context["language_links"] = [
        {
            "code": code,
            "name": language_name(code),
            "href": "/language?" + urlencode({"lang": code, "next": here}),
            "current": code == current_language(),
        }
        for code in available_languages()
    ]
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)


def device_cookie_name(request: Request) -> str:
    """The cookie that marks a browser its user signed in from before (see
    :mod:`civwatch.accounts.devices`)."""
    secure: bool = request.app.state.secure_cookies
    return "__Host-civwatch-device" if secure else "civwatch_device"


def _cookie_kwargs(request: Request) -> dict[str, Any]:
    secure: bool = request.app.state.secure_cookies
    return {"httponly": True, "secure": secure, "samesite": "strict", "path": "/"}


def _signin_form(
    request: Request,
    *,
    error: str | None = None,
    username: str = "",
    next_: str = "/",
    status: int = 200,
) -> Response:
    token = request.cookies.get(SIGNIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "signin.html",
        {
            "csrf_token": token,
            "error": error,
            "username": username,
            "next": safe_next(next_),
            "principal": None,
        },
        status,
    )
    response.set_cookie(SIGNIN_CSRF_COOKIE, token, max_age=3600, **_cookie_kwargs(request))
    return response


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, _: Public, next: str = "/") -> Response:
    return _signin_form(request, next_=next)


@router.post("/signin", response_class=HTMLResponse)
async def signin(
    request: Request,
    w: WS,
    _: Public,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=128)],
    code: Annotated[str, Form(max_length=16)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password (and code); on success a NEW session id (no fixation) and the
    device cookie that lets this browser sign in while the account pauses others."""
    expected = request.cookies.get(SIGNIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return _signin_form(
            request,
            error=gettext("The sign-in form expired: please try again."),
            username=username,
            next_=next,
            status=400,
        )
    throttle: ClientThrottle = request.app.state.throttle
    client = client_of(request) or "unknown"
    device = request.cookies.get(device_cookie_name(request))
    try:
        await run_in_threadpool(throttle.check, client)
        principal = await run_in_threadpool(
            authenticate, w, username, password, code, client=client, device=device
        )
    except CivwatchError as exc:
        if isinstance(exc, NotAuthenticatedError):
            await run_in_threadpool(throttle.failed, client)
        return _signin_form(
            request, error=exc.message, username=username, next_=next, status=exc.status_code
        )
    cookie = session_cookie_name(request)
    if old := request.cookies.get(cookie):
        await run_in_threadpool(end_session, w, old)
    session_id, _csrf = await run_in_threadpool(start_session, w, principal, client=client)
    remembered = await run_in_threadpool(remember_device, w, principal, device)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(cookie, session_id, **_cookie_kwargs(request))
    response.set_cookie(
        device_cookie_name(request),
        remembered,
        max_age=int(DEVICE_LIFETIME.total_seconds()),
        **_cookie_kwargs(request),
    )
    response.delete_cookie(SIGNIN_CSRF_COOKIE, **_cookie_kwargs(request))
    return response


@router.post("/signout")
def signout(request: Request, w: WS, who: SignedIn) -> Response:
    cookie = session_cookie_name(request)
    if value := request.cookies.get(cookie):
        end_session(w, value)
    audit_action(request, w, who, "signout", f"user:{who.username}")
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(cookie, **_cookie_kwargs(request))
    return response


def _inbox(
    request: Request,
    w: WS,
    who: Principal,
    q: str | None,
    media_type: str,
    page: int,
    outcomes: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    f = EvidenceFilter(text=q or None, media_type=media_type or None)
    listing = search_items(w, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "inbox.html",
        {
            "listing": listing,
            "head": tree_head_json(w),
            "page": page,
            "q": q,
            "media_type": media_type,
            "outcomes": outcomes,
            "can_upload": allows(who.roles, Permission.EVIDENCE_UPLOAD),
            "can_download": allows(who.roles, Permission.EVIDENCE_DOWNLOAD),
        },
        status,
    )


@router.get("/", response_class=HTMLResponse)
def inbox(
    request: Request,
    w: WS,
    who: Reader,
    q: Annotated[str | None, Query(max_length=500)] = None,
    media_type: Annotated[str, Query(max_length=255)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    return _inbox(request, w, who, q, media_type, page)


@router.post("/inbox/import-messages", response_class=HTMLResponse)
@streamed_upload
def inbox_import_messages(
    request: Request,
    w: WS,
    who: Uploader,
    export: Annotated[UploadFile, File()],
    time_zone: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """A Telegram or WhatsApp chat export as a ZIP: received, then imported by a job whose
    page (it refreshes) shows its progress."""
    from civwatch.intake.jobs import receive_export
    from civwatch.web.uploads import upload_name

    job = receive_export(
        w,
        upload_name(export.filename),
        export.file,
        actor=who.username,
        client=client_of(request),
        tz=time_zone.strip() or None,
    )
    audit_action(request, w, who, "messages-import-received", f"job:{job['id']}")
    return RedirectResponse(job["page"], status_code=303)


@router.post("/inbox/upload", response_class=HTMLResponse)
@streamed_upload
def inbox_upload(
    request: Request,
    w: WS,
    who: Uploader,
    files: Annotated[list[UploadFile], File()],
    source_url: Annotated[str, Form(max_length=2000)] = "",
    platform: Annotated[str, Form(max_length=255)] = "",
    account: Annotated[str, Form(max_length=255)] = "",
    post_id: Annotated[str, Form(max_length=255)] = "",
    published_at: Annotated[str, Form(max_length=64)] = "",
    caption: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """The form without JavaScript: files received, then the job's page (it refreshes).
    It takes what ``civwatch ingest`` takes: link, platform, account, post id, the time
    the source published it, caption."""
    from civwatch.web.api import upload
    from civwatch.web.uploads import published_time

    source = SourceInfo(  # a refusal is the error page, in the reader's language
        url=source_url or None,
        platform=platform.strip() or None,
        account=account.strip() or None,
        post_id=post_id.strip() or None,
        caption=caption or None,
        published_at=published_time(published_at),
    )
    job = upload(request, w, who, files, source)
    return RedirectResponse(job["page"], status_code=303)
