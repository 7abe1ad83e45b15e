"""Custody log entries written by the incidents domain (layout version 1).

Every entry is a mapping ``{"v": 1, "act": ..., "actor": ..., "at": ..., ...}`` appended in
the same transaction as the rows it records, after ``CustodyLog.lock``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import rfc8785
from sqlalchemy.orm import Session

from civwatch.workspace import Workspace

ENTRY_VERSION = 1


def digest(doc: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (RFC 8785) of ``doc``."""
    return hashlib.sha256(rfc8785.dumps(dict(doc))).hexdigest()


def append(
    ws: Workspace, session: Session, act: str, actor: str, at: datetime, **fields: Any
) -> int:
    """Append one entry and return its leaf index."""
    entry = {"v": ENTRY_VERSION, "act": act, "actor": actor, "at": at.isoformat(), **fields}
    (leaf,) = ws.custody.append(session, [entry])
    return leaf
