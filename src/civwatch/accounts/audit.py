"""The audit trail: who did what to which target, when, and whether it was allowed."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.models import AuditRecord
from civwatch.db import utcnow
from civwatch.workspace import Workspace

Outcome = Literal["ok", "denied", "failed"]


def record(
    session: Session,
    action: str,
    *,
    actor: str | None,
    target: str | None = None,
    outcome: Outcome = "ok",
    client: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an audit record to ``session`` (committed with the act it records)."""
    session.add(
        AuditRecord(
            at=utcnow(),
            actor=actor,
            action=action,
            target=target,
            outcome=outcome,
            client=client,
            detail=detail or {},
        )
    )


def record_now(ws: Workspace, action: str, **kwargs: Any) -> None:
    """Record in a transaction of its own (for refusals, whose request writes nothing)."""
    with ws.sessions() as session, session.begin():
        record(session, action, **kwargs)


def audit_json(r: AuditRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "at": r.at.isoformat(),
        "actor": r.actor,
        "action": r.action,
        "target": r.target,
        "outcome": r.outcome,
        "client": r.client,
        "detail": r.detail,
    }


def list_audit(
    ws: Workspace,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Audit records, newest first, optionally of one actor or action."""
    query = select(AuditRecord).order_by(AuditRecord.id.desc())
    if actor:
        query = query.where(AuditRecord.actor == actor)
    if action:
        query = query.where(AuditRecord.action == action)
    if since:
        query = query.where(AuditRecord.at >= since)
    with ws.sessions() as session:
        rows = session.scalars(query.limit(limit).offset(offset))
        return [audit_json(r) for r in rows]
