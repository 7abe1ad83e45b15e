"""Server-rendered page of one evidence item: preview, metadata, location, copies,
custody proof and verification forms."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
