"""Server-rendered pages for incidents: list, map, timeline, incident page, review queue."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
