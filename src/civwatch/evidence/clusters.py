"""Media clusters: items whose media match, grouped, with where each was seen first.

A cluster is the connected component of an item in the graph of ``MediaMatch`` rows.
Its *first sighting* is the earliest publication time a source claims, or, when no
source claims one, the earliest collection time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from civwatch.evidence.models import EvidenceItem, MediaMatch, Sighting
from civwatch.evidence.service import find_item, sighting_json
from civwatch.workspace import Workspace


def _component(session: Session, start: Iterable[int]) -> tuple[set[int], list[MediaMatch]]:
    members = set(start)
    frontier = set(members)
    edges: dict[int, MediaMatch] = {}
    while frontier:
        rows = session.scalars(
            select(MediaMatch).where(
                or_(MediaMatch.item_id.in_(frontier), MediaMatch.other_id.in_(frontier))
            )
        ).all()
        frontier = set()
        for row in rows:
            edges[row.id] = row
            for node in (row.item_id, row.other_id):
                if node not in members:
                    members.add(node)
                    frontier.add(node)
    return members, list(edges.values())


def cluster_keys(session: Session, item_ids: Sequence[int]) -> dict[int, int]:
    """Each item id mapped to its cluster's representative (the smallest member id)."""
    keys: dict[int, int] = {}
    for item_id in item_ids:
        if item_id in keys:
            continue
        members, _ = _component(session, [item_id])
        representative = min(members)
        for member in members:
            keys[member] = representative
    return {item_id: keys[item_id] for item_id in item_ids}


def _seen_at(s: Sighting) -> tuple[datetime, int]:
    # Claimed publication first; collection time when no source claims one.
    return (s.published_at or s.collected_at, 0 if s.published_at else 1)


def cluster_of(ws: Workspace, sha256: str) -> dict[str, Any]:
    """The item's cluster: members with their match distances, first sighting, all sightings."""
    return item_cluster(ws, find_item(ws, sha256))


def item_cluster(ws: Workspace, item: EvidenceItem) -> dict[str, Any]:
    """``cluster_of`` for an item already loaded."""
    with ws.sessions() as session:
        members, edges = _component(session, [item.id])
        items = {
            i.id: i
            for i in session.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(members)))
        }
        sightings = sorted(
            session.scalars(select(Sighting).where(Sighting.item_id.in_(members))).all(),
            key=_seen_at,
        )
    first = sightings[0] if sightings else None
    return {
        "sha256": item.sha256,
        "size": len(members),
        "copies": len(members) - 1,
        "members": [
            {
                "sha256": items[m].sha256,
                "media_type": items[m].media_type,
                "original_name": items[m].original_name,
            }
            for m in sorted(members, key=lambda m: items[m].collected_at)
        ],
        "matches": [
            {
                "sha256": items[e.item_id].sha256,
                "other": items[e.other_id].sha256,
                "distance": e.distance,
                "transform": e.transform,
                "method": e.method,
                #: regions of the two pictures that matched, video frame shares...
                "detail": dict(e.detail or {}),
            }
            for e in edges
        ],
        "first_sighting": None
        if first is None
        else {
            **sighting_json(first),
            "sha256": items[first.item_id].sha256,
            "seen_at": _seen_at(first)[0].isoformat(),
            "seen_by": "published" if first.published_at else "collected",
        },
        "sightings": [{**sighting_json(s), "sha256": items[s.item_id].sha256} for s in sightings],
    }
