"""What other domains may read of the incidents domain's records, in their own session.

Publishing (packages, public history, ``civwatch verify`` of precision changes) reads
incident records through these functions, :mod:`civwatch.incidents.view` and
:mod:`civwatch.incidents.links`, never through the incident tables, and in the caller's
session, so that a package or a public answer is read from one snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from civwatch.incidents.models import (
    EvidenceLink,
    Incident,
    IncidentRevision,
    IncidentTransition,
    ItemTransition,
    SuggestionDecision,
)

AnySelect = Select[*tuple[Any, ...]]


class LinkRecord(Protocol):
    """One evidence link row (a link, a change of role or note, or a removal)."""

    @property
    def id(self) -> int: ...
    @property
    def incident_id(self) -> int: ...
    @property
    def item_id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def note(self) -> str: ...
    @property
    def linked(self) -> bool: ...
    @property
    def actor(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def custody_leaf(self) -> int: ...


def link_history(session: Session, incident_id: int) -> list[LinkRecord]:
    """Every evidence link row of the incident, oldest first (removals included)."""
    return list(
        session.scalars(
            select(EvidenceLink)
            .where(EvidenceLink.incident_id == incident_id)
            .order_by(EvidenceLink.id)
        )
    )


_LEAF_TABLES: dict[str, Any] = {
    "transition": (IncidentTransition, IncidentTransition.incident_id),
    "revision": (IncidentRevision, IncidentRevision.incident_id),
    "item-transition": (ItemTransition, ItemTransition.item_id),
}


def row_ids_by_leaf(
    session: Session,
    kind: Literal["transition", "revision", "item-transition"],
    owner_id: int,
) -> dict[int, int]:
    """The row id of each custody leaf recorded in ``kind`` rows of one incident (or, for
    ``item-transition``, one evidence item)."""
    model, owner = _LEAF_TABLES[kind]
    return {
        int(leaf): int(row_id)
        for leaf, row_id in session.execute(
            select(model.custody_leaf, model.id).where(owner == owner_id)
        )
    }


def decision_leaves(session: Session, incident_id: int) -> set[int]:
    """Custody leaves of the suggestion decisions (confirmed, dismissed) about the incident."""
    return set(
        session.scalars(
            select(SuggestionDecision.custody_leaf).where(
                SuggestionDecision.incident_id == incident_id
            )
        )
    )


def revision_docs(session: Session, incident_id: int) -> list[tuple[int, dict[str, Any], str, int]]:
    """``(revision, document, its SHA-256, custody leaf)`` of every revision, in order."""
    return [
        (r.revision, r.doc, r.doc_sha256, r.custody_leaf)
        for r in session.scalars(
            select(IncidentRevision)
            .where(IncidentRevision.incident_id == incident_id)
            .order_by(IncidentRevision.revision)
        )
    ]


def visibility_transitions(session: Session, incident_ids: Sequence[int]) -> Sequence[Any]:
    """The publish, unpublish and reopen transitions of the incidents, in the order they
    happened: rows of ``incident_id``, ``act``, ``reason``, ``at``, ``custody_leaf``."""
    return session.connection().execute(
        select(
            IncidentTransition.incident_id,
            IncidentTransition.act,
            IncidentTransition.reason,
            IncidentTransition.at,
            IncidentTransition.custody_leaf,
        )
        .where(
            IncidentTransition.incident_id.in_(list(incident_ids)),
            IncidentTransition.act.in_(("publish", "unpublish", "reopen")),
        )
        .order_by(IncidentTransition.id)
    ).all()


def precision_query() -> AnySelect:
    """Each incident's public location precision (columns ``id``, ``precision``), for
    checking it against the ``incident-precision`` entries that set it."""
    return select(
        Incident.id.label("id"),
        Incident.public_location_precision.label("precision"),
    )


def titled_count(session: Session, prefix: str) -> int:
    """How many incidents have a title starting with ``prefix``."""
    return int(
        session.scalar(select(func.count(Incident.id)).where(Incident.title.startswith(prefix)))
        or 0
    )
