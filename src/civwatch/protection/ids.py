"""Ids of the desk's records: a prefix saying what the record is, and a random token."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    """A fresh opaque id such as ``case_3q9Xf...`` (a prefix and 128 random bits)."""
    return f"{prefix}_{secrets.token_urlsafe(16)}"
