"""What became of each message of an imported chat export: the per-message results an
import job's owner reads on the API, from the records the import wrote (one per message
kept as evidence; service messages, which are skipped, have none and are only counted).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from civwatch.intake.models import ImportedMessage
from civwatch.workspace import Workspace


def export_messages(
    ws: Workspace, export_sha256: str, *, limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    """The messages recorded from the export whose file has SHA-256 ``export_sha256``,
    in the order they were recorded: ``total`` and ``messages`` (``message_id``,
    ``status``, ``sha256`` of the item holding its media or text, ``published_at``)."""
    m = ImportedMessage
    with ws.sessions() as session:
        total = session.scalar(
            select(func.count()).select_from(m).where(m.export_sha256 == export_sha256)
        )
        rows = session.execute(
            select(m.message_id, m.status, m.item_sha256, m.published_at)
            .where(m.export_sha256 == export_sha256)
            .order_by(m.id)
            .limit(limit)
            .offset(offset)
        ).all()
    return {
        "total": int(total or 0),
        "messages": [
            {
                "message_id": r.message_id,
                "status": r.status,
                "sha256": r.item_sha256,
                "published_at": r.published_at.isoformat() if r.published_at else None,
            }
            for r in rows
        ],
    }
