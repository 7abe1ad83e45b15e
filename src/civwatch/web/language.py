"""The reader's language for each request, and the switch that remembers a choice.

:class:`LanguageMiddleware` picks the language (``?lang=``, the ``civwatch_lang`` cookie,
``Accept-Language``, then the deployment's default: ``default_language`` for the public
site, ``team_default_language`` or else ``default_language`` for the team's pages), puts
it in force for everything the request runs (:func:`civwatch.i18n.use_language`) and says
it in ``Content-Language``. A page asked for with a known ``?lang=`` remembers it in the
cookie, so a link such as ``/public?lang=uk`` keeps its reader in Ukrainian on the next pages
(the API follows ``?lang=`` for one answer and sets no cookie). ``GET
/language?lang=uk&next=/public`` (the switch on every page, plain links) remembers a choice
in the cookie and goes back to ``next`` (a path on this site only).
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.config import Settings
from civwatch.i18n import use_language
from civwatch.i18n.negotiation import LANGUAGE_COOKIE, choose_language, known
from civwatch.web.auth import require

#: Paths whose readers are the public (their default language is ``default_language``).
PUBLIC_PREFIXES = ("/public", "/api/v1/public")
#: Paths for people looking for a shelter: Ukrainian unless they chose otherwise.
UKRAINIAN_FIRST = ("/shelters", "/api/v1/shelters")
#: How long the language cookie is kept (a year).
COOKIE_AGE = 365 * 24 * 3600
#: Paths answered to programs: ``?lang=`` holds for one answer, no cookie is set.
API_PREFIX = "/api/"

router = APIRouter(include_in_schema=False)
Anyone = Annotated[Principal | None, Depends(require(Permission.PUBLIC))]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def request_language(scope: Scope, settings: Settings) -> tuple[str, str | None]:
    """The language of one HTTP request (see the module's docstring), and the language to
    remember in the cookie (a known ``?lang=`` on a page that differs from the cookie)."""
    query = parse_qs((scope.get("query_string") or b"").decode("latin-1"))
    asked = known((query.get("lang") or [None])[-1])
    cookie = None
    if raw := _header(scope, b"cookie"):
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw)
        except Exception:  # noqa: BLE001 - an unreadable cookie header means no choice
            jar = SimpleCookie()
        if LANGUAGE_COOKIE in jar:
            cookie = jar[LANGUAGE_COOKIE].value
    path = str(scope.get("path") or "")
    default = settings.default_language
    if path.startswith(UKRAINIAN_FIRST):
        default = "uk"
    elif not path.startswith(PUBLIC_PREFIXES):
        default = settings.team_default_language or default
    language = choose_language(
        explicit=(asked, cookie),
        accept_language=_header(scope, b"accept-language"),
        default=default,
    )
    page = not path.startswith(API_PREFIX) and path != "/language"
    remember = asked if asked and asked != cookie and page else None
    return language, remember


def language_cookie(language: str, *, secure: bool) -> str:
    """The ``Set-Cookie`` value that remembers ``language`` for a year on this site."""
    jar: SimpleCookie = SimpleCookie()
    jar[LANGUAGE_COOKIE] = language
    morsel = jar[LANGUAGE_COOKIE]
    morsel["max-age"] = str(COOKIE_AGE)
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "lax"
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()


class LanguageMiddleware:
    """Puts the request's language in force (a context variable every thread and task of
    the request inherits) and answers with ``Content-Language``."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        language, remember = request_language(scope, self.settings)
        scope.setdefault("state", {})["language"] = language
        app = scope.get("app")
        secure = bool(getattr(getattr(app, "state", None), "secure_cookies", True))

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers.append((b"content-language", language.encode()))
                # the same address answers in another language for another reader: a
                # shared cache must keep one copy per language choice
                headers.append((b"vary", b"Accept-Language, Cookie"))
                if remember:
                    cookie = language_cookie(remember, secure=secure)
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        with use_language(language):
            await self.app(scope, receive, send_with_language)


def safe_next(value: str | None) -> str:
    """Only a path on this site may follow a sign-in or a language choice: it starts with
    one "/", and holds no backslash, no control character and no space (browsers drop tabs
    and line breaks, so "/<TAB>/host" would become "//host", another site)."""
    if (
        value
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and all(ch.isprintable() and not ch.isspace() for ch in value)
    ):
        return value
    return "/"


@router.get("/language")
def choose(
    request: Request,
    _: Anyone,
    lang: Annotated[str, Query(max_length=16)] = "",
    next: Annotated[str, Query(max_length=2000)] = "/",
) -> Response:
    """Remember the reader's language in a cookie and go back to the page they were on."""
    target = safe_next(next)
    response = RedirectResponse(target, status_code=303)
    if chosen := known(lang):
        secure: bool = request.app.state.secure_cookies
        response.headers.append("set-cookie", language_cookie(chosen, secure=secure))
    return response
