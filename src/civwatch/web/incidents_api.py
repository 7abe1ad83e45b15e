"""The JSON API for incidents, verification and the map (GeoJSON) under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from civwatch.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)
