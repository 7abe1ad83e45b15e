"""Who is asking, and may they: the dependencies every route declares.

A request signs in with a session cookie (browsers) or ``Authorization: Bearer``
(scripts). Each route depends on ``require(Permission.X)``; the permission table is in
:mod:`civwatch.accounts.permissions`. Writes through a session need the session's CSRF
token (header ``X-CSRF-Token`` or form field ``csrf_token``); bearer tokens are not sent
by browsers on their own, so they need none.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute

from civwatch.accounts import audit
from civwatch.accounts.browser_sessions import resolve_session
from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import resolve_token
from civwatch.errors import NotAuthenticatedError, PermissionDeniedError
from civwatch.i18n import N_, _
from civwatch.workspace import Workspace

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SIGN_IN_FIRST = N_("Sign in first, or send an API token.")
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


def session_cookie_name(request: Request) -> str:
    name: str = request.app.state.session_cookie
    return name


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def audit_action(
    request: Request, ws: Workspace, who: Principal, action: str, target: str, **detail: Any
) -> None:
    """Record a write made through the web in the audit log: who, when, from where, what."""
    audit.record_now(
        ws,
        action,
        actor=who.username,
        target=target,
        client=client_of(request),
        detail=detail or None,
    )


def current_principal(request: Request) -> Principal | None:
    """The signed-in principal of this request, or None (computed once per request)."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    ws: Workspace = request.app.state.workspace
    principal: Principal | None = None
    header = request.headers.get("authorization", "")
    if header:
        scheme, _space, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotAuthenticatedError(_("Send an API token as 'Authorization: Bearer TOKEN'."))
        principal = resolve_token(ws, secret.strip())
        if principal is None:
            audit.record_now(
                ws,
                "token-use",
                actor=None,
                outcome="failed",
                client=client_of(request),
                target=request.url.path,
            )
            raise NotAuthenticatedError(
                _("This API token is unknown, revoked, or its role was taken from its owner.")
            )
    elif cookie := request.cookies.get(session_cookie_name(request)):
        principal = resolve_session(ws, cookie)
    request.state.principal = principal
    return principal


async def principal_of(request: Request) -> Principal | None:
    """:func:`current_principal`, read in a worker thread only when the request carries a
    credential to look up (a request with none, as the public's are, needs no database)."""
    if (
        not hasattr(request.state, "principal")
        and not request.headers.get("authorization")
        and session_cookie_name(request) not in request.cookies
    ):
        request.state.principal = None
        return None
    return await run_in_threadpool(current_principal, request)


async def _csrf_ok(request: Request, principal: Principal) -> bool:
    expected = principal.csrf_token or ""
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else ""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


PermissionCheck = Callable[[Request], Awaitable[Principal | None]]


def may(principal: Principal, permission: Permission) -> bool:
    """Whether the signed-in ``principal`` holds ``permission``."""
    return permission in (Permission.PUBLIC, Permission.SIGNED_IN) or allows(
        principal.roles, permission
    )


def refuse_role(
    request: Request, principal: Principal, permission: Permission
) -> PermissionDeniedError:
    """Record in the audit log that ``principal`` lacks ``permission`` for this request, and
    return the error to answer with."""
    ws: Workspace = request.app.state.workspace
    audit.record_now(
        ws,
        "authorise",
        actor=principal.username,
        target=f"{request.method} {request.url.path}",
        outcome="denied",
        client=client_of(request),
        detail={"permission": permission.value},
    )
    # TRANSLATORS: %(roles)s lists role codes (e.g. "editor, viewer"); %(permission)s is the
    # code of what was asked for (e.g. "incident:edit").
    return PermissionDeniedError(
        _(
            "Your roles (%(roles)s) do not allow %(permission)s.",
            roles=", ".join(sorted(principal.roles)),
            permission=permission.value,
        )
    )


def require(permission: Permission) -> PermissionCheck:
    """A dependency that lets the request through only with ``permission``.

    It returns the principal (None only for PUBLIC routes with nobody signed in).
    """

    async def check(request: Request) -> Principal | None:
        principal = await principal_of(request)
        if permission is Permission.PUBLIC:
            return principal
        if principal is None:
            raise NotAuthenticatedError(_(SIGN_IN_FIRST))
        ws: Workspace = request.app.state.workspace
        target = f"{request.method} {request.url.path}"
        unsafe = principal.via == "session" and request.method not in SAFE_METHODS
        if unsafe and not await _csrf_ok(request, principal):
            await run_in_threadpool(
                audit.record_now,
                ws,
                "csrf",
                actor=principal.username,
                target=target,
                outcome="denied",
                client=client_of(request),
            )
            raise PermissionDeniedError(
                _(
                    "This form or request lacks its security token (CSRF): reload the page "
                    "and try again."
                )
            )
        if not may(principal, permission):
            raise await run_in_threadpool(refuse_role, request, principal, permission)
        return principal

    check.permission = permission  # type: ignore[attr-defined]
    return check


def route_permission(route: BaseRoute) -> Permission | None:
    """The permission a route declared through :func:`require`, if any."""
    if not isinstance(route, APIRoute):
        return None
    stack: list[Any] = [route.dependant]
    while stack:
        dep = stack.pop()
        found = getattr(dep.call, "permission", None)
        if isinstance(found, Permission):
            return found
        stack.extend(dep.dependencies)
    return None
