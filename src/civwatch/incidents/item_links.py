"""The incidents an evidence item is linked to now (for the item's page)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from civwatch.evidence.service import find_item
from civwatch.incidents.models import EvidenceLink, Incident
from civwatch.incidents.view import summary_json
from civwatch.workspace import Workspace


def item_incidents(ws: Workspace, sha256: str) -> list[dict[str, Any]]:
    """Each incident the item is linked to (links not superseded and not removed), with the
    link's role, note, who linked it and when; oldest link first."""
    item = find_item(ws, sha256)
    newer = select(EvidenceLink.supersedes_id).where(EvidenceLink.supersedes_id.is_not(None))
    with ws.sessions() as session:
        rows = session.execute(
            select(EvidenceLink, Incident)
            .join(Incident, Incident.id == EvidenceLink.incident_id)
            .where(
                EvidenceLink.item_id == item.id,
                EvidenceLink.linked.is_(True),
                EvidenceLink.id.not_in(newer.scalar_subquery()),
            )
            .order_by(EvidenceLink.id)
        ).all()
        return [
            {
                "incident": summary_json(incident),
                "role": link.role,
                "note": link.note,
                "linked_by": link.actor,
                "linked_at": link.at.isoformat(),
                "custody_leaf": link.custody_leaf,
            }
            for link, incident in rows
        ]
