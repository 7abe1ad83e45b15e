"""The public request-for-help form at ``/help``: no account, no JavaScript, in Ukrainian
and English.

What a person writes goes straight to ``protection.help_requests.submit_help_request``,
which encrypts it to the desk's public key before anything is stored (so it works while
the desk is locked); the answer is only the reference to quote later, never what was
written. Submissions are limited per client address (``protection.help_limits``: the
address is never stored). The form carries a double-submit CSRF token (a cookie and a field), as the
sign-in form does, since the writer has no session.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError
from civwatch.i18n import N_, current_language, gettext, localise
from civwatch.protection.help_limits import AddressLimiter
from civwatch.web.auth import client_of, require
from civwatch.web.deps import WS
from civwatch.web.protection_adapters import send_help_request
from civwatch.web.public_view import public_page

router = APIRouter(include_in_schema=False)
Public = Annotated[Principal | None, Depends(require(Permission.PUBLIC))]

HELP_CSRF_COOKIE = "civwatch_help"
#: Who writes the request (the form's radio buttons).
WHO = {
    "self": N_("Myself"),
    "other": N_("Someone else, on their behalf"),
}

FORM_EXPIRED = N_("The form expired: please check what you wrote and send it again.")


def limiter(request: Request) -> AddressLimiter:
    """The app's limit on this form (one per app, made on first use)."""
    state = request.app.state
    if not hasattr(state, "help_limiter"):
        state.help_limiter = AddressLimiter()
    found: AddressLimiter = state.help_limiter
    return found


def _form(
    request: Request,
    w: WS,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    token = request.cookies.get(HELP_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = public_page(
        request,
        w,
        "help.html",
        {
            "csrf_token": token,
            "about_choices": [(code, gettext(label)) for code, label in WHO.items()],
            "form": form or {"who": "self"},
            "error": error,
        },
        status,
    )
    secure: bool = request.app.state.secure_cookies
    response.set_cookie(
        HELP_CSRF_COOKIE,
        token,
        max_age=6 * 3600,
        httponly=True,
        secure=secure,
        samesite="strict",
        path="/help",
    )
    return response


@router.get("/help", response_class=HTMLResponse)
def help_form(request: Request, w: WS, _: Public) -> Response:
    """The request-for-help form."""
    return _form(request, w)


@router.post("/help", response_class=HTMLResponse)
async def help_send(
    request: Request,
    w: WS,
    _: Public,
    csrf_token: Annotated[str, Form(max_length=128)],
    about: Annotated[str, Form(max_length=20000)] = "",
    needs: Annotated[str, Form(max_length=20000)] = "",
    contact: Annotated[str, Form(max_length=2000)] = "",
    location: Annotated[str, Form(max_length=2000)] = "",
    who: Annotated[str, Form(max_length=16)] = "self",
) -> Response:
    """Encrypt and keep one request for help; answer with its reference only."""
    typed = {"about": about, "needs": needs, "contact": contact, "location": location, "who": who}
    expected = request.cookies.get(HELP_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return _form(request, w, form=typed, error=gettext(FORM_EXPIRED), status=400)
    fields = {
        "about": about,
        "needs": needs,
        "contact": contact,
        "location": location,
        "on_behalf": who == "other",
    }
    try:
        reference = await run_in_threadpool(
            send_help_request,
            w,
            fields,
            current_language(),
            client_of(request),
            limiter(request),
        )
    except CivwatchError as exc:
        return _form(request, w, form=typed, error=localise(exc.message), status=exc.status_code)
    response = public_page(request, w, "help_sent.html", {"reference": reference})
    return response
