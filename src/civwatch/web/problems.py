"""RFC 9457 problem documents for civwatch errors."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from civwatch.errors import CivwatchError

PROBLEM_BASE = "https://civwatch.invalid/problems/"


def problem_response(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CivwatchError)
    return JSONResponse(
        status_code=exc.status_code,
        media_type="application/problem+json",
        content={
            "type": PROBLEM_BASE + exc.kind,
            "title": exc.kind.replace("-", " ").capitalize(),
            "status": exc.status_code,
            "detail": exc.message,
            "instance": str(request.url.path),
        },
    )
