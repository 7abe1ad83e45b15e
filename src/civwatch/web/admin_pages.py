"""Server-rendered user administration and the signed-in user's own account (TOTP setup, tokens)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
