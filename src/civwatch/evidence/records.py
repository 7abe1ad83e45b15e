"""What other domains may read of the evidence domain's tables, in their own session.

The evidence tables belong to this package: incidents, publishing and the interfaces
reach them only through these functions (and :mod:`civwatch.evidence.service`), which
take the caller's session so that a service needing several domains reads them in one
transaction. Rows come back typed as read-only records (:class:`ItemRecord`,
:class:`SightingRecord`): a reader sees the fields, and cannot build queries on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, select
from sqlalchemy.orm import QueryableAttribute, Session

from civwatch.errors import NotFoundError
from civwatch.evidence.models import EvidenceItem, MediaHash, MediaHashing, Sighting
from civwatch.i18n import _

AnySelect = Select[*tuple[Any, ...]]


class SightingRecord(Protocol):
    """One sighting of an item as other domains read it."""

    @property
    def id(self) -> int: ...
    @property
    def item_id(self) -> int: ...
    @property
    def collected_at(self) -> datetime: ...
    @property
    def collected_by(self) -> str: ...
    @property
    def original_name(self) -> str: ...
    @property
    def source_url(self) -> str | None: ...
    @property
    def platform(self) -> str | None: ...
    @property
    def account(self) -> str | None: ...
    @property
    def post_id(self) -> str | None: ...
    @property
    def caption(self) -> str | None: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def custody_leaf(self) -> int: ...


class ItemRecord(Protocol):
    """An evidence item as other domains read it (its sightings loaded with it)."""

    @property
    def id(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def media_type(self) -> str: ...
    @property
    def original_name(self) -> str: ...
    @property
    def collected_at(self) -> datetime: ...
    @property
    def collected_by(self) -> str: ...
    @property
    def metadata_(self) -> dict[str, Any]: ...
    @property
    def exiftool(self) -> dict[str, Any]: ...
    @property
    def c2pa(self) -> dict[str, Any] | None: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def ingest_leaf(self) -> int: ...
    @property
    def extraction_leaf(self) -> int | None: ...
    @property
    def sightings(self) -> Sequence[SightingRecord]: ...


class MediaHashRecord(Protocol):
    """One perceptual hash of an item as other domains read it."""

    @property
    def id(self) -> int: ...
    @property
    def algorithm(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def view(self) -> str: ...
    @property
    def frame_t(self) -> float | None: ...
    @property
    def bits(self) -> bytes: ...
    @property
    def quality(self) -> int: ...


def item_in_session(session: Session, item_id: int) -> ItemRecord:
    """The item ``item_id``, read in the caller's session."""
    item = session.get(EvidenceItem, item_id)
    if item is None:
        raise NotFoundError(_("No evidence item %(item_id)s.", item_id=item_id))
    return item


def items_by_id(session: Session, item_ids: Sequence[int]) -> dict[int, ItemRecord]:
    """The items ``item_ids`` that exist, by id."""
    if not item_ids:
        return {}
    return {
        item.id: item
        for item in session.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(list(item_ids))))
    }


def sha256_by_id(session: Session, item_ids: Iterable[int]) -> dict[int, str]:
    """The SHA-256 of each item of ``item_ids`` that exists, by id."""
    return {
        row.id: row.sha256
        for row in session.execute(
            select(EvidenceItem.id, EvidenceItem.sha256).where(EvidenceItem.id.in_(set(item_ids)))
        )
    }


def sightings_of(session: Session, item_id: int) -> list[SightingRecord]:
    """Every sighting of the item (in no particular order)."""
    return list(session.scalars(select(Sighting).where(Sighting.item_id == item_id)))


def items_published_between(
    session: Session, start: datetime, end: datetime, *, limit: int
) -> list[int]:
    """Ids of items a source claims to have published between ``start`` and ``end``
    (at most ``limit``)."""
    return list(
        session.scalars(
            select(Sighting.item_id).where(Sighting.published_at.between(start, end)).limit(limit)
        )
    )


def newest_item_ids(session: Session, limit: int) -> list[int]:
    """Ids of the ``limit`` items stored last, newest first."""
    return list(
        session.scalars(select(EvidenceItem.id).order_by(EvidenceItem.id.desc()).limit(limit))
    )


def with_item_sha256(query: AnySelect, item_id: QueryableAttribute[int]) -> AnySelect:
    """``query`` with the SHA-256 of the item ``item_id`` names added as the column
    ``sha256`` (NULL when there is no such item), for records other domains keep of items."""
    return query.add_columns(EvidenceItem.sha256.label("sha256")).outerjoin(
        EvidenceItem, EvidenceItem.id == item_id
    )


def media_hashes(session: Session, item_id: int) -> list[MediaHashRecord]:
    """The item's perceptual hashes, in the order they were stored."""
    return list(
        session.scalars(
            select(MediaHash).where(MediaHash.item_id == item_id).order_by(MediaHash.id)
        )
    )


def hashing_recorded(session: Session, item_id: int) -> bool:
    """Whether the item's media hashing (or why it could not be hashed) is recorded."""
    return session.get(MediaHashing, item_id) is not None
