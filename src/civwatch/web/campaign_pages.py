"""The public campaign pages (no account needed): the campaigns open now, a campaign with
its ask, count, form and the verified incidents behind it, "check your e-mail", the landing
page of the confirmation link, deleting a supporter's data, and the share images.

The forms work without JavaScript. Like the request-for-help form they carry a
double-submit CSRF token (a cookie and a field), since a supporter has no session. Abuse is
the domain's to refuse (:mod:`civwatch.campaigns`: limits per address that store no
address, the honeypot, the proof-of-work during a burst); a refusal shows the form again
with what was typed and the domain's message. Nothing a supporter gives is ever shown back
on a page other than their own form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.campaigns import abuse, actions, fields, share_images
from civwatch.campaigns.public import live_campaigns, public_view
from civwatch.errors import CivwatchError, NotFoundError, TooManyAttemptsError
from civwatch.i18n import N_, current_language, gettext, localise
from civwatch.web.answer_cache import revalidated
from civwatch.web.campaign_view import (
    country_choices,
    country_name,
    image_links,
    image_url,
    page_url,
    present_campaign,
)
from civwatch.web.campaigns_api import campaign_limiter, guard, kick_mail
from civwatch.web.deps import WS, RowId
from civwatch.web.media import MEDIA_CSP
from civwatch.web.public_view import Anyone, failure_page, present, public_page
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)

CSRF_COOKIE = "civwatch_act"
FORM_EXPIRED = N_("The form expired: please check what you wrote and send it again.")
Token = Annotated[str, Path(max_length=512, pattern=r"^[A-Za-z0-9_.-]+$")]


def _csrf(request: Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def _with_csrf(request: Request, response: Response, token: str) -> Response:
    secure: bool = request.app.state.secure_cookies
    response.set_cookie(
        CSRF_COOKIE,
        token,
        max_age=6 * 3600,
        httponly=True,
        secure=secure,
        samesite="strict",
        path="/campaigns",
    )
    return response


def _csrf_ok(request: Request, given: str) -> bool:
    expected = request.cookies.get(CSRF_COOKIE, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


def _pow(request: Request) -> dict[str, Any]:
    """A proof-of-work challenge for the form (asked only during a burst)."""
    del request
    return {"challenge": abuse.new_challenge(), "difficulty": abuse.POW_BITS}


def _submit(
    ws: Workspace, campaign_id: int, typed: dict[str, Any], language: str, honeypot: str
) -> str:
    """Hand a form to the domain; the kind of action taken ("signature" or "letter"). A
    filled honeypot is answered as if taken, and nothing is stored."""
    campaign = public_view(ws, campaign_id, language)
    kind = "letter" if campaign["kind"] == "letter" else "signature"
    if honeypot.strip():
        return kind
    data: dict[str, Any] = {
        "name": typed["name"],
        "email": typed["email"],
        "country": typed["country"],
        "comment": typed["comment"],
        "consent_named": typed["consent_named"],
        "consent_contact": typed["consent_contact"],
    }
    if kind == "letter":
        data["subject"] = typed["subject"] or ""
        data["letter"] = typed["letter"] or ""
        if typed["to"] == "all":
            data["to"] = [int(t["id"]) for t in campaign["targets"]]
        actions.submit_letter(ws, campaign_id, data, language=language)
    else:
        actions.submit_signature(ws, campaign_id, data, language=language)
    return kind


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, w: WS, _anyone: Anyone) -> Response:
    """The campaigns open now, newest first, each with its count."""
    live = [present_campaign(c) for c in live_campaigns(w)]
    return public_page(request, w, "campaign_list.html", {"campaigns": live})


def _campaign_page(
    request: Request,
    w: Workspace,
    campaign_id: int,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
    challenge: bool = False,
) -> Response:
    try:
        campaign = public_view(w, campaign_id, current_language())
    except CivwatchError as exc:
        return failure_page(request, w, exc)
    c = present_campaign(campaign)
    language = current_language()
    targets = [
        {**t, "country_name": country_name(str(t["country"]), language)}
        for t in campaign.get("targets") or ()
    ]
    token = _csrf(request)
    response = public_page(
        request,
        w,
        "campaign.html",
        {
            "c": c,
            "incidents": [present(i) for i in campaign["incidents"]],
            "targets": targets,
            "countries": country_choices(fields.countries()),
            "form": {"subject": None, "letter": None, **(form or {})},
            "error": error,
            "csrf_token": token,
            "pow": _pow(request)
            if c["live"] and (challenge or campaign_limiter(request).in_burst())
            else None,
            "page_url": page_url(w, campaign_id),
            # the Open Graph image is absolute; the picture on the page is this site's own
            "images": {
                "wide": image_url(w, campaign_id, "wide", absolute=True),
                "shown": image_url(w, campaign_id, "wide"),
            },
            "image_links": image_links(w, campaign_id),
            "section": "/campaigns",
        },
        status,
    )
    return _with_csrf(request, response, token)


@router.get("/campaigns/confirm/{token}", response_class=HTMLResponse)
def campaign_confirm(request: Request, w: WS, _anyone: Anyone, token: Token) -> Response:
    """Where the link in the mail leads: the action confirmed (counted once per e-mail, a
    letter sent), and the count that now includes it."""
    try:
        done = actions.confirm(w, token)
        campaign = present_campaign(public_view(w, int(done["campaign"]), current_language()))
    except CivwatchError as exc:
        return public_page(
            request,
            w,
            "campaign_confirmed.html",
            {"ok": False, "error": localise(exc.message), "section": "/campaigns"},
            exc.status_code,
        )
    return public_page(
        request,
        w,
        "campaign_confirmed.html",
        {
            "ok": True,
            "c": campaign,
            "duplicate": done["outcome"] == actions.DUPLICATE,
            "already": done["outcome"] == actions.ALREADY,
            "page_url": page_url(w, campaign["id"]),
            "image_links": image_links(w, campaign["id"]),
            "section": "/campaigns",
        },
    )


@router.get("/campaigns/delete/{token}", response_class=HTMLResponse)
def leave_page(request: Request, w: WS, _anyone: Anyone, token: Token) -> Response:
    """The page of the "delete my data" link: one button (a GET never deletes: mail
    scanners follow links)."""
    csrf = _csrf(request)
    response = public_page(
        request,
        w,
        "campaign_leave.html",
        {"token": token, "csrf_token": csrf, "section": "/campaigns"},
    )
    return _with_csrf(request, response, csrf)


@router.post("/campaigns/delete/{token}", response_class=HTMLResponse)
def leave(
    request: Request,
    w: WS,
    _anyone: Anyone,
    token: Token,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Delete what a supporter gave (their action's key destroyed) and stop their mail."""
    context: dict[str, Any] = {"token": token, "section": "/campaigns"}
    status = 200
    if not _csrf_ok(request, csrf_token):
        csrf = _csrf(request)
        context |= {"error": gettext(FORM_EXPIRED), "csrf_token": csrf}
        response = public_page(request, w, "campaign_leave.html", context, 400)
        return _with_csrf(request, response, csrf)
    try:
        actions.delete_by_token(w, token)
        context["done"] = True
    except CivwatchError as exc:
        context["error"] = localise(exc.message)
        status = exc.status_code
    return public_page(request, w, "campaign_leave.html", context, status)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(request: Request, w: WS, _anyone: Anyone, campaign_id: RowId) -> Response:
    """A live or closed campaign: the ask, the count and progress, the form, the incidents."""
    return _campaign_page(request, w, campaign_id)


@router.post("/campaigns/{campaign_id}/act", response_class=HTMLResponse)
async def campaign_act(
    request: Request,
    w: WS,
    _anyone: Anyone,
    campaign_id: RowId,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    name: Annotated[str, Form(max_length=400)] = "",
    email: Annotated[str, Form(max_length=400)] = "",
    country: Annotated[str, Form(max_length=8)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
    subject: Annotated[str | None, Form(max_length=600)] = None,
    letter: Annotated[str | None, Form(max_length=20000)] = None,
    to: Annotated[str, Form(max_length=16)] = "country",
    consent_named: Annotated[str, Form(max_length=4)] = "",
    consent_contact: Annotated[str, Form(max_length=4)] = "",
    website: Annotated[str, Form(max_length=400)] = "",
    pow_challenge: Annotated[str, Form(max_length=400)] = "",
    pow_nonce: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Take a signature or a letter, pending until its supporter follows the mailed link;
    "check your e-mail" (or the form again with what to change)."""
    typed: dict[str, Any] = {
        "name": name,
        "email": email,
        "country": country,
        "comment": comment,
        "subject": subject,
        "letter": letter,
        "to": to,
        "consent_named": bool(consent_named),
        "consent_contact": bool(consent_contact),
    }
    if not _csrf_ok(request, csrf_token):
        return _campaign_page(
            request, w, campaign_id, form=typed, error=gettext(FORM_EXPIRED), status=400
        )
    try:
        guard(request, pow_challenge or None, pow_nonce or None)
        kind = await run_in_threadpool(_submit, w, campaign_id, typed, current_language(), website)
    except NotFoundError as exc:
        return failure_page(request, w, exc)
    except CivwatchError as exc:
        response = _campaign_page(
            request,
            w,
            campaign_id,
            form=typed,
            error=localise(exc.message),
            status=exc.status_code,
            challenge=isinstance(exc, TooManyAttemptsError),
        )
        if exc.status_code == 429:
            response.headers["Retry-After"] = "60"
        return response
    await run_in_threadpool(kick_mail, request, w)
    campaign = present_campaign(public_view(w, campaign_id, current_language()))
    return public_page(
        request,
        w,
        "campaign_sent.html",
        {
            "c": campaign,
            "kind": kind,
            "hours": w.settings.campaign_confirm_hours,
            "section": "/campaigns",
        },
        202,
    )


@router.get("/campaigns/{campaign_id}/share/{size}.png")
def campaign_share_image(
    request: Request, w: WS, _anyone: Anyone, campaign_id: RowId, size: str
) -> Response:
    """One share image of a live or closed campaign, in the page's language (``?lang=``)."""
    try:
        share_images.check_size(size)
        campaign = public_view(w, campaign_id, current_language())
    except CivwatchError as exc:
        return failure_page(request, w, exc)
    address = page_url(w, campaign_id).split("://", 1)[-1]
    text = share_images.share_text(campaign, w.settings.organisation_name, address)
    png = share_images.share_image(w.data_dir, text, size)
    etag = '"' + hashlib.sha256(png).hexdigest()[:32] + '"'
    return revalidated(request, png, etag, "image/png", **{"Content-Security-Policy": MEDIA_CSP})
