"""Server-rendered user administration and the signed-in user's own account (TOTP setup, tokens).

Secrets (a generated password, a TOTP secret, an API token) appear once, in the answer to
the form that made them, and are never stored in a readable form or shown again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from civwatch.accounts import audit
from civwatch.accounts.auth import needs_totp
from civwatch.accounts.changes import enable_user, set_roles
from civwatch.accounts.credentials import (
    change_own_password,
    confirm_totp,
    ended_note,
    enrol_user,
    new_totp_enrolment,
    reset_totp,
    set_password,
    user_security,
    valid_totp_secret,
)
from civwatch.accounts.passwords import generate_password
from civwatch.accounts.permissions import TOTP_REQUIRED_ROLES, Permission
from civwatch.accounts.principal import Principal
from civwatch.accounts.roles import ROLES
from civwatch.accounts.service import disable_user, list_users
from civwatch.accounts.tokens import create_token, list_tokens, revoke_token
from civwatch.accounts.totp import provisioning_uri
from civwatch.errors import CivwatchError, RejectedInputError
from civwatch.i18n import N_, _, gettext
from civwatch.web.auth import client_of, require, session_cookie_name
from civwatch.web.deps import WS, RowId
from civwatch.web.pages import device_cookie_name, render
from civwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)

Admin = Annotated[Principal, Depends(require(Permission.USERS_MANAGE))]
SignedIn = Annotated[Principal, Depends(require(Permission.SIGNED_IN))]

DONE = {
    "disabled": N_("The user is disabled: their sessions and tokens stopped working."),
    "password": N_("Your password is changed, and you are signed out everywhere else."),
    "password-tokens": N_(
        "Your password is changed: you are signed out everywhere else and "
        "your API tokens are revoked."
    ),
    "totp": N_(
        "Your new second factor is in force; the old one no longer works, and you are "
        "signed out everywhere else."
    ),
    "revoked": N_("The token is revoked."),
    "roles": N_("The roles are changed: tokens for a role taken away stopped working."),
    "enabled": N_(
        "The user is enabled again: they sign in anew; their earlier sessions and API "
        "tokens stay ended."
    ),
}


def qr_data_uri(text: str) -> str:
    """An SVG QR code of ``text`` as a data: URI (allowed by the page's CSP)."""
    return str(segno.make(text, error="m").svg_data_uri(scale=4, border=2))


def _own_session(request: Request, who: Principal, username: str) -> str | None:
    """The session an admin acts from, when they act on their own account (it stays)."""
    if username != who.username:
        return None
    return request.cookies.get(session_cookie_name(request))


def _secret_panel(enrolment: dict[str, Any] | None) -> dict[str, Any] | None:
    if not enrolment:
        return None
    return {**enrolment, "qr": qr_data_uri(enrolment["uri"])}


# -- user administration --------------------------------------------------------------------------
def _users_page(
    request: Request,
    w: Workspace,
    *,
    shown: dict[str, Any] | None = None,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    security = user_security(w)
    users = [{**u, **security.get(u["username"], {})} for u in list_users(w)]
    return render(
        request,
        "admin_users.html",
        {
            "users": users,
            "roles": ROLES,
            "totp_roles": TOTP_REQUIRED_ROLES,
            "shown": shown,
            "error": error,
            "form": form or {},
            "done": gettext(DONE[done]) if done in DONE else None,
        },
        status,
    )


@router.get("/admin/users", response_class=HTMLResponse)
def admin_users(request: Request, w: WS, _: Admin, done: str | None = None) -> Response:
    return _users_page(request, w, done=done)


async def _admin_act(
    request: Request,
    w: Workspace,
    who: Principal,
    action: str,
    target: str,
    call: Callable[[], dict[str, Any] | None],
    form: dict[str, Any] | None = None,
    *,
    audited: bool = False,
    done: str = "disabled",
) -> Response:
    """Run an admin's write; audit it (also when refused; ``audited``: the service records
    its success itself); show the page with any secret, else say it is ``done``."""
    try:
        shown = await run_in_threadpool(call)
    except CivwatchError as exc:
        await run_in_threadpool(
            audit.record_now,
            w,
            action,
            actor=who.username,
            target=target,
            outcome="failed",
            client=client_of(request),
            detail={"error": exc.message[:500]},
        )
        return await run_in_threadpool(
            partial(_users_page, request, w, error=exc.message, form=form, status=exc.status_code)
        )
    if not audited:
        await run_in_threadpool(
            audit.record_now,
            w,
            action,
            actor=who.username,
            target=target,
            client=client_of(request),
        )
    if shown is None:
        return RedirectResponse(f"/admin/users?done={done}", status_code=303)
    return await run_in_threadpool(lambda: _users_page(request, w, shown=shown))


@router.post("/admin/users", response_class=HTMLResponse)
async def admin_add_user(
    request: Request,
    w: WS,
    who: Admin,
    username: Annotated[str, Form(max_length=64)],
    display_name: Annotated[str, Form(max_length=255)] = "",
    roles: Annotated[list[str] | None, Form(max_length=6)] = None,
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Add a user with roles; a generated password and any TOTP secret are shown once."""

    def call() -> dict[str, Any]:
        added = enrol_user(
            w, username, display_name, roles or [], password or None, actor=who.username
        )
        return {
            "title": _("User %(user)s added", user=added["username"]),
            "username": added["username"],
            "password": added.get("password"),
            "totp": _secret_panel(
                {"secret": added["totp_secret"], "uri": added["totp_uri"]}
                if "totp_secret" in added
                else None
            ),
        }

    form = {"username": username, "display_name": display_name, "roles": roles or []}
    return await _admin_act(request, w, who, "user-add", f"user:{username}", call, form)


@router.post("/admin/users/{username}/disable", response_class=HTMLResponse)
async def admin_disable_user(request: Request, w: WS, who: Admin, username: str) -> Response:
    """Disable a user at once (sessions and tokens stop working)."""

    def call() -> None:
        disable_user(w, username, actor=who.username)

    return await _admin_act(request, w, who, "user-disable", f"user:{username}", call)


@router.post("/admin/users/{username}/roles", response_class=HTMLResponse)
async def admin_set_roles(
    request: Request,
    w: WS,
    who: Admin,
    username: str,
    roles: Annotated[list[str] | None, Form(max_length=6)] = None,
) -> Response:
    """Give a user exactly the roles ticked (the last active admin keeps the admin role)."""

    def call() -> None:
        set_roles(w, username, roles or [], actor=who.username)

    return await _admin_act(request, w, who, "user-roles", f"user:{username}", call, done="roles")


@router.post("/admin/users/{username}/enable", response_class=HTMLResponse)
async def admin_enable_user(request: Request, w: WS, who: Admin, username: str) -> Response:
    """Enable a disabled user again; they sign in anew (old sessions and tokens stay ended)."""

    def call() -> None:
        enable_user(w, username, actor=who.username)

    return await _admin_act(
        request, w, who, "user-enable", f"user:{username}", call, done="enabled"
    )


@router.post("/admin/users/{username}/totp", response_class=HTMLResponse)
async def admin_reset_totp(request: Request, w: WS, who: Admin, username: str) -> Response:
    """Give the user a new TOTP secret (lost phone): shown once, the old one stops working."""

    def call() -> dict[str, Any]:
        keep = _own_session(request, who, username)
        enrolment = reset_totp(w, username, actor=who.username, keep_session=keep)
        return {
            "title": _("New second factor for %(user)s", user=username),
            "username": username,
            "totp": _secret_panel(enrolment),
            "note": ended_note(username, enrolment, own=keep is not None),
        }

    return await _admin_act(request, w, who, "totp-reset", f"user:{username}", call, audited=True)


@router.post("/admin/users/{username}/password", response_class=HTMLResponse)
async def admin_set_password(
    request: Request,
    w: WS,
    who: Admin,
    username: str,
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Set a user's password (generated and shown once when left empty) and end their
    pause; a reset ends every session and revokes every API token of theirs."""

    def call() -> dict[str, Any]:
        chosen = password or generate_password()
        keep = _own_session(request, who, username)
        ended = set_password(w, username, chosen, actor=who.username, keep_session=keep)
        return {
            "title": _("Password of %(user)s set", user=username),
            "username": username,
            "password": None if password else chosen,
            "note": ended_note(username, ended, own=keep is not None),
        }

    return await _admin_act(request, w, who, "password-set", f"user:{username}", call, audited=True)


# -- own account ---------------------------------------------------------------------------
def _account_page(
    request: Request,
    w: Workspace,
    who: Principal,
    *,
    error: str | None = None,
    done: str | None = None,
    enrolment: dict[str, Any] | None = None,
    new_token: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    security = user_security(w).get(who.username, {})
    return render(
        request,
        "account.html",
        {
            "security": security,
            "needs_second_factor": needs_totp(who.roles),
            "tokens": list_tokens(w, who),
            "roles": sorted(who.roles),
            "enrolment": _secret_panel(enrolment),
            "new_token": new_token,
            "error": error,
            "done": gettext(DONE[done]) if done in DONE else None,
            "via_session": who.via == "session",
        },
        status,
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, w: WS, who: SignedIn, done: str | None = None) -> Response:
    return _account_page(request, w, who, done=done)


async def _own_act(
    request: Request,
    w: Workspace,
    who: Principal,
    call: Callable[[], Response],
) -> Response:
    try:
        return await run_in_threadpool(call)
    except CivwatchError as exc:
        return await run_in_threadpool(
            partial(_account_page, request, w, who, error=exc.message, status=exc.status_code)
        )


@router.post("/account/password", response_class=HTMLResponse)
async def account_password(
    request: Request,
    w: WS,
    who: SignedIn,
    current: Annotated[str, Form(max_length=1024)],
    new: Annotated[str, Form(max_length=1024)],
    repeat: Annotated[str, Form(max_length=1024)],
    revoke_tokens: Annotated[bool, Form()] = False,
) -> Response:
    """Change your own password (the current one is needed; a wrong one counts as a
    failed sign-in). You are signed out everywhere else; ``revoke_tokens`` (ticked on the
    form) also revokes your API tokens."""

    def call() -> Response:
        if new != repeat:
            raise RejectedInputError(_("The two new passwords differ: type the same one twice."))
        change_own_password(
            w,
            who.username,
            current,
            new,
            client=client_of(request),
            session_id=request.cookies.get(session_cookie_name(request)),
            device=request.cookies.get(device_cookie_name(request)),
            revoke_tokens=revoke_tokens,
        )
        done = "password-tokens" if revoke_tokens else "password"
        return RedirectResponse(f"/account?done={done}", status_code=303)

    return await _own_act(request, w, who, call)


@router.post("/account/totp/new", response_class=HTMLResponse)
def account_totp_new(request: Request, w: WS, who: SignedIn) -> Response:
    """Show a new secret and its QR code; nothing changes until a code confirms it."""
    return _account_page(request, w, who, enrolment=new_totp_enrolment(who.username))


@router.post("/account/totp", response_class=HTMLResponse)
async def account_totp_confirm(
    request: Request,
    w: WS,
    who: SignedIn,
    secret: Annotated[str, Form(max_length=64)],
    code: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Put the new secret in force: needs a current code from it and your password (a
    wrong one counts as a failed sign-in). You are signed out everywhere else."""
    try:
        await run_in_threadpool(
            partial(
                confirm_totp,
                w,
                who.username,
                password,
                secret,
                code,
                client=client_of(request),
                session_id=request.cookies.get(session_cookie_name(request)),
                device=request.cookies.get(device_cookie_name(request)),
            )
        )
    except CivwatchError as exc:
        again = None
        if valid_totp_secret(secret):  # show the same secret again to retry the code
            again = {"secret": secret, "uri": provisioning_uri(secret, who.username)}
        return await run_in_threadpool(
            partial(
                _account_page,
                request,
                w,
                who,
                error=exc.message,
                enrolment=again,
                status=exc.status_code,
            )
        )
    return RedirectResponse("/account?done=totp", status_code=303)


@router.post("/account/tokens", response_class=HTMLResponse)
async def account_token_create(
    request: Request,
    w: WS,
    who: SignedIn,
    name: Annotated[str, Form(max_length=255)],
    role: Annotated[str, Form(max_length=64)],
) -> Response:
    """A new API token acting with one of your roles; its secret is shown once."""

    def call() -> Response:
        token = create_token(w, who, name, role)
        return _account_page(request, w, who, new_token=token)

    return await _own_act(request, w, who, call)


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
async def account_token_revoke(request: Request, w: WS, who: SignedIn, token_id: RowId) -> Response:
    """Revoke one of your API tokens."""

    def call() -> Response:
        revoke_token(w, who, token_id)
        return RedirectResponse("/account?done=revoked", status_code=303)

    return await _own_act(request, w, who, call)
