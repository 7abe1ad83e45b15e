"""The public site (no account needed): map, timeline, incident pages, dashboards, feeds and
open data downloads of published incidents only."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

#: Open data downloads and the public map endpoint (documented in the API schema).
api_router = APIRouter(prefix="/api/v1/public")
