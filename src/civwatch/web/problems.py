"""RFC 9457 problem documents for civwatch errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from civwatch.errors import CivwatchError
from civwatch.i18n import N_, gettext, localise

PROBLEM_BASE = "https://civwatch.invalid/problems/"

#: The human title of a problem, by its ``kind`` (the stable English slug of its ``type``
#: URI): translated into the request's language when the answer is made.
PROBLEM_TITLES = {
    "error": N_("Something went wrong"),
    "configuration": N_("civwatch is not set up correctly"),
    "not-initialised": N_("The data folder is not set up"),
    "not-found": N_("Not found"),
    "rejected-input": N_("This cannot be accepted"),
    "storage-full": N_("The disk is full"),
    "integrity": N_("Stored data does not match its record"),
    "custody-entry-layout": N_("A custody entry could not be written"),
    "proof": N_("The proof does not check out"),
    "unhashable-media": N_("This file cannot be compared"),
    "permission-denied": N_("Not allowed"),
    "conflict": N_("Changed in the meantime"),
    "not-authenticated": N_("Please sign in"),
    "too-many-attempts": N_("Too many attempts"),
    "queue-unavailable": N_("The job queue is not available"),
    "capture-refused": N_("This address may not be captured"),
    # The kinds of the HTTP errors the routes do not answer themselves.
    "bad-request": N_("Bad request"),
    "method-not-allowed": N_("Not allowed here"),
    "request-entity-too-large": N_("Too large"),
    "unsupported-media-type": N_("Unsupported type"),
    "unprocessable-entity": N_("This cannot be accepted"),
}


def problem_title(kind: str) -> str:
    """The title of a problem of ``kind`` in the language in force (a kind without a title
    of its own is shown as its slug in words)."""
    title = PROBLEM_TITLES.get(kind)
    return gettext(title) if title else kind.replace("-", " ").capitalize()


def problem_json(
    request: Request,
    status: int,
    kind: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An RFC 9457 problem document answer: ``type`` and ``kind`` stay English (they are
    codes); ``title`` and ``detail`` are in the request's language."""
    return JSONResponse(
        status_code=status,
        media_type="application/problem+json",
        headers=dict(headers or {}),
        content={
            "type": PROBLEM_BASE + kind,
            "title": problem_title(kind),
            "status": status,
            "detail": localise(detail),
            "instance": str(request.url.path),
        },
    )


def problem_response(request: Request, exc: Exception) -> JSONResponse:
    """The problem document of a :class:`~civwatch.errors.CivwatchError`."""
    assert isinstance(exc, CivwatchError)
    return problem_json(request, exc.status_code, exc.kind, exc.message)


_PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}


def problem_doc(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _PROBLEM_SCHEMA}},
    }


#: The error answers every API route may give, for the OpenAPI schema.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: problem_doc("The request body could not be read (not valid JSON or form data)"),
    401: problem_doc("Not signed in, or the API token is not valid"),
    403: problem_doc("Signed in, but your roles do not allow this (or the CSRF token is missing)"),
    404: problem_doc("No such thing"),
    422: problem_doc("The request cannot be accepted as it is"),
    429: problem_doc("Too many failed sign-ins: wait"),
}
