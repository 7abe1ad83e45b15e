"""Media clusters: items whose media match, grouped, with where each was seen first.

A cluster is the connected component of an item in the graph of ``MediaMatch`` rows. Since
copy finding links a new item to one representative per cluster (``evidence.copies``),
those rows span each cluster rather than join every pair; rows recorded pairwise before
span it too. Each hashed item carries its cluster's label (``MediaClusterMember``, kept
by copy finding), so a cluster is read in one query whatever its size.

Its *first sighting* is the earliest publication time a source claims, or, when no
source claims one, the earliest collection time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from civwatch.evidence.models import EvidenceItem, MediaClusterMember, MediaMatch, Sighting
from civwatch.evidence.service import find_item, sighting_json
from civwatch.workspace import Workspace


def cluster_labels(session: Session, item_ids: Iterable[int]) -> dict[int, int]:
    """Each item's cluster label; an item in no cluster (not hashed) is its own."""
    wanted = set(item_ids)
    labels = {i: i for i in wanted}
    if wanted:
        rows = session.execute(
            select(MediaClusterMember.item_id, MediaClusterMember.cluster_id).where(
                MediaClusterMember.item_id.in_(wanted)
            )
        )
        labels.update((int(item), int(label)) for item, label in rows)
    return labels


def _in_cluster(session: Session, item_id: int) -> Any:
    """A condition on an item id: the item or a member of its cluster."""
    label = cluster_labels(session, [item_id])[item_id]
    members = select(MediaClusterMember.item_id).where(MediaClusterMember.cluster_id == label)
    return or_(EvidenceItem.id == item_id, EvidenceItem.id.in_(members))


def cluster_member_ids(session: Session, item_id: int) -> set[int]:
    """The item and every item whose media match it, directly or through other copies."""
    return set(session.scalars(select(EvidenceItem.id).where(_in_cluster(session, item_id))))


def cluster_keys(session: Session, item_ids: Sequence[int]) -> dict[int, int]:
    """Each item id mapped to its cluster's label: the same for every member of a cluster
    (the id of one of them), an item's own id when it is in no cluster."""
    return cluster_labels(session, item_ids)


def _seen_at(s: Sighting) -> tuple[datetime, int]:
    # Claimed publication first; collection time when no source claims one.
    return (s.published_at or s.collected_at, 0 if s.published_at else 1)


def cluster_of(ws: Workspace, sha256: str) -> dict[str, Any]:
    """The item's cluster: members with their match distances, first sighting, all sightings."""
    return item_cluster(ws, find_item(ws, sha256))


def item_cluster(ws: Workspace, item: EvidenceItem) -> dict[str, Any]:
    """``cluster_of`` for an item already loaded."""
    with ws.sessions() as session:
        in_cluster = _in_cluster(session, item.id)
        items = {i.id: i for i in session.scalars(select(EvidenceItem).where(in_cluster))}
        members = set(items)
        ids = select(EvidenceItem.id).where(in_cluster)
        edges = session.scalars(
            select(MediaMatch).where(MediaMatch.item_id.in_(ids)).order_by(MediaMatch.id)
        ).all()
        sightings = sorted(
            session.scalars(select(Sighting).where(Sighting.item_id.in_(ids))).all(),
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
