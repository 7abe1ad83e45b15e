"""RFC 9457 problem documents for civwatch errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from civwatch.errors import CivwatchError

PROBLEM_BASE = "https://civwatch.invalid/problems/"


def problem_json(
    request: Request,
    status: int,
    kind: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An RFC 9457 problem document answer."""
    return JSONResponse(
        status_code=status,
        media_type="application/problem+json",
        headers=dict(headers or {}),
        content={
            "type": PROBLEM_BASE + kind,
            "title": kind.replace("-", " ").capitalize(),
            "status": status,
            "detail": detail,
            "instance": str(request.url.path),
        },
    )


def problem_response(request: Request, exc: Exception) -> JSONResponse:
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
