"""Server-rendered custody log browser and the custody proof downloads (API and page)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

from civwatch.web.problems import PROBLEM_RESPONSES  # noqa: E402

#: The custody routes of the JSON API (proof downloads).
api_router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)
