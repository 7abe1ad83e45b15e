"""The JSON API for publishing: approval, corrections, withdrawal, redaction of media."""

from __future__ import annotations

from fastapi import APIRouter

from civwatch.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)
