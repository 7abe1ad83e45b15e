"""Request bodies, limited before they are read; a stranger's body is never read at all.

:class:`RequestLimits` is an ASGI middleware in front of the routes. For every request that
carries a body (a ``Content-Length`` above 0, or ``Transfer-Encoding``) it

1. finds the route and, unless the route is public, checks the request's credential and
   the route's permission first: a request with no credential, an unknown token or a role
   that may not use the route is answered (401 or 403) without a byte of its body read;
2. answers 413 at once when ``Content-Length`` is over the limit, and counts the bytes as
   they arrive otherwise (chunked bodies too): the first byte past the limit ends the
   request with 413 (problem JSON), so no more is read, parsed or held.

The limit is ``max_request_body`` (JSON and forms, 1 MiB by default). Upload routes
(marked with :func:`streamed_upload`) stream their multipart bodies to disk instead: there
each file may be up to ``max_file_size``, one upload holds at most
:data:`~civwatch.web.uploads.MAX_FILES` files, and its other fields together at most
``max_request_body``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.routing import APIRoute
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from civwatch.accounts.permissions import Permission
from civwatch.errors import NotAuthenticatedError
from civwatch.i18n import _
from civwatch.web.auth import SIGN_IN_FIRST, current_principal, may, refuse_role, route_permission
from civwatch.web.uploads import MAX_FILES, upload_name

#: Turns a refusal (a civwatch error or :class:`BodyTooLarge`) into the app's answer.
Refuse = Callable[[Request, Exception], Response]

F = TypeVar("F", bound=Callable[..., Any])


class BodyTooLarge(StarletteHTTPException):
    """The request body (or one file of an upload) is over its limit: 413."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


def streamed_upload(endpoint: F) -> F:
    """Mark a route as an upload: its multipart body is limited per file, not in total."""
    endpoint.streamed_upload = True  # type: ignore[attr-defined]
    return endpoint


def limited_upload(max_file: int) -> Callable[[F], F]:
    """Mark a route as an upload whose files are each at most ``max_file`` bytes (or the
    ``max_file_size`` setting, if smaller): a statement or a list, not a video."""

    def mark(endpoint: F) -> F:
        endpoint.max_upload_file = max_file  # type: ignore[attr-defined]
        return streamed_upload(endpoint)

    return mark


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(
        _(
            "The request body is larger than the limit of %(limit)s bytes. Send less at a "
            "time; files go through the upload form or POST /api/v1/evidence.",
            limit=limit,
        )
    )


class BodyMeter:
    """Counts the bytes of a body as they arrive and refuses the first one past the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0

    def most(self) -> int:
        """The largest body that can pass (to refuse a ``Content-Length`` before reading)."""
        return self.limit

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        if self.total > self.limit:
            raise _too_large(self.limit)


class UploadMeter(BodyMeter):
    """Counts a multipart upload part by part as it streams: each file up to
    ``max_file``, at most :data:`MAX_FILES` files, the other fields together up to
    ``limit``. Parsing here only counts; the app parses the same bytes for itself."""

    def __init__(self, limit: int, max_file: int, boundary: bytes) -> None:
        super().__init__(limit)
        self.max_file = max_file
        self.files = 0
        self.fields = 0
        self.part = 0
        self.name = ""
        self.is_file = False
        self.header = b""
        self.disposition = b""
        self.broken = False
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._data,
            },
        )

    def most(self) -> int:
        return MAX_FILES * self.max_file + self.limit

    def _begin(self) -> None:
        self.part, self.header, self.disposition = 0, b"", b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        if self.header.lower() == b"content-disposition":
            self.disposition += data[start:end]

    def _header_end(self) -> None:
        self.header = b""

    def _headers_finished(self) -> None:
        _value, options = parse_options_header(self.disposition)
        self.is_file = b"filename" in options
        if self.is_file:
            self.files += 1
            self.name = upload_name(options[b"filename"].decode("utf-8", "replace"))
            if self.files > MAX_FILES:
                raise BodyTooLarge(_("Upload at most %(most)s files at a time.", most=MAX_FILES))

    def _data(self, data: bytes, start: int, end: int) -> None:
        size = end - start
        if not self.is_file:
            self.fields += size
            if self.fields > self.limit:
                raise BodyTooLarge(
                    _(
                        "The fields of this upload (other than its files) are larger than "
                        "the limit of %(limit)s bytes.",
                        limit=self.limit,
                    )
                )
            return
        self.part += size
        if self.part > self.max_file:
            raise BodyTooLarge(
                _(
                    "The file %(name)s is larger than the limit of %(max_file)s bytes per "
                    "file: nothing of this upload was stored.",
                    name=repr(self.name),
                    max_file=self.max_file,
                )
            )

    def feed(self, chunk: bytes) -> None:
        if self.broken:  # not multipart after all: the app refuses it; count it meanwhile
            super().feed(chunk)
            return
        try:
            self.parser.write(chunk)
        except FormParserError:
            self.broken = True
            super().feed(chunk)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value)
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _has_body(scope: Scope) -> bool:
    if _header(scope, b"transfer-encoding") is not None:
        return True
    if _header(scope, b"content-length") is None:
        return False
    length = _content_length(scope)
    return length is None or length > 0


class RequestLimits:
    """The ASGI middleware described in the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Iterable[BaseRoute],
        max_body: int,
        max_file: int,
        refuse: Refuse,
    ) -> None:
        self.app = app
        self.routes = [r for r in routes if isinstance(r, APIRoute)]
        self.max_body = max_body
        self.max_file = max_file
        self.refuse = refuse

    def _route(self, scope: Scope) -> APIRoute | None:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return route
        return None

    def _meter(self, request: Request, route: APIRoute | None) -> BodyMeter:
        if route is not None and getattr(route.endpoint, "streamed_upload", False):
            kind, options = parse_options_header(request.headers.get("content-type", ""))
            if kind == b"multipart/form-data" and options.get(b"boundary"):
                most = min(self.max_file, getattr(route.endpoint, "max_upload_file", self.max_file))
                return UploadMeter(self.max_body, most, options[b"boundary"])
        return BodyMeter(self.max_body)

    async def _refusal(self, request: Request, permission: Permission) -> Response | None:
        """The answer to a request that may not send a body to this route, if it may not."""
        try:
            principal = await run_in_threadpool(current_principal, request)
        except NotAuthenticatedError as exc:
            return self.refuse(request, exc)
        if principal is None:
            return self.refuse(request, NotAuthenticatedError(_(SIGN_IN_FIRST)))
        if not may(principal, permission):
            denied = await run_in_threadpool(refuse_role, request, principal, permission)
            return self.refuse(request, denied)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope)  # no receive: nothing here can read the body
        route = self._route(scope)
        permission = route_permission(route) if route is not None else None
        if permission is not None and permission is not Permission.PUBLIC:
            refusal = await self._refusal(request, permission)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        meter = self._meter(request, route)
        length = _content_length(scope)
        if length is not None and length > meter.most():
            await self.refuse(request, _too_large(meter.most()))(scope, receive, send)
            return
        started = False

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                meter.feed(message.get("body", b""))
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge as exc:  # raised where no handler of the app turned it into 413
            if started:
                raise
            await self.refuse(request, exc)(scope, receive, send)
