"""Reading evidence: one item with its sightings, and lists of items."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from civwatch.errors import NotFoundError, RejectedInputError
from civwatch.evidence.models import EvidenceItem
from civwatch.evidence.records import ItemRecord, SightingRecord
from civwatch.i18n import _
from civwatch.workspace import Workspace


def _hash_prefix(sha256: str) -> str:
    value = sha256.strip().lower()
    if not value or any(c not in "0123456789abcdef" for c in value) or len(value) > 64:
        raise RejectedInputError(
            _("%(sha256)s is not a SHA-256 or a prefix of one (hex digits).", sha256=repr(sha256))
        )
    return value


def item_by_sha256(session: Session, sha256: str) -> EvidenceItem:
    """The item whose SHA-256 is ``sha256`` or starts with it (at least 8 digits), with
    its sightings, read in the caller's session."""
    prefix = _hash_prefix(sha256)
    query = select(EvidenceItem).options(selectinload(EvidenceItem.sightings))
    if len(prefix) == 64:
        item = session.scalars(query.where(EvidenceItem.sha256 == prefix)).first()
    else:
        if len(prefix) < 8:
            raise RejectedInputError(_("Give at least 8 hex digits of the SHA-256."))
        found = session.scalars(query.where(EvidenceItem.sha256.startswith(prefix)).limit(2)).all()
        if len(found) > 1:
            raise RejectedInputError(
                _("%(prefix)s matches several items: give more digits.", prefix=prefix)
            )
        item = found[0] if found else None
    if item is None:
        raise NotFoundError(_("No evidence item with SHA-256 %(prefix)s.", prefix=prefix))
    return item


def find_item(ws: Workspace, sha256: str) -> EvidenceItem:
    """The item whose SHA-256 is ``sha256`` or starts with it (at least 8 digits)."""
    with ws.sessions() as session:
        return item_by_sha256(session, sha256)


def sighting_json(s: SightingRecord) -> dict[str, Any]:
    """A sighting as the command line and the API show it."""
    return {
        "collected_at": s.collected_at.isoformat(),
        "collected_by": s.collected_by,
        "original_name": s.original_name,
        "source_url": s.source_url,
        "platform": s.platform,
        "account": s.account,
        "post_id": s.post_id,
        "caption": s.caption,
        "published_at": None if s.published_at is None else s.published_at.isoformat(),
        "custody_leaf": s.custody_leaf,
    }


def item_json(item: ItemRecord, *, full: bool = True) -> dict[str, Any]:
    """The item as the command line and the API show it."""
    doc: dict[str, Any] = {
        "sha256": item.sha256,
        "size": item.size,
        "media_type": item.media_type,
        "original_name": item.original_name,
        "collected_at": item.collected_at.isoformat(),
        "collected_by": item.collected_by,
        "warnings": item.warnings,
        "custody": {"ingest_leaf": item.ingest_leaf, "extraction_leaf": item.extraction_leaf},
    }
    if full:
        doc["sightings"] = [sighting_json(s) for s in item.sightings]
        doc["metadata"] = {**item.metadata_, "exiftool": item.exiftool, "c2pa": item.c2pa}
    else:
        doc["sighting_count"] = len(item.sightings)
    return doc


def get_item(ws: Workspace, sha256: str) -> dict[str, Any]:
    """The item with its sightings, metadata and a summary of its copies."""
    from civwatch.evidence.clusters import item_cluster

    item = find_item(ws, sha256)
    doc = item_json(item)
    cluster = item_cluster(ws, item)
    doc["copies"] = {"count": cluster["copies"], "first_seen": cluster["first_sighting"]}
    return doc


def list_items(ws: Workspace, *, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """A page of items, newest first, with the total count."""
    if not 1 <= limit <= 1000 or offset < 0:
        raise RejectedInputError(_("limit must be 1-1000 and offset 0 or more."))
    with ws.sessions() as session:
        total = session.scalar(select(func.count()).select_from(EvidenceItem)) or 0
        items = session.scalars(
            select(EvidenceItem)
            .options(selectinload(EvidenceItem.sightings))
            .order_by(EvidenceItem.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return {"total": total, "items": [item_json(i, full=False) for i in items]}
