"""Tables of the evidence domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civwatch.db import Base, JSONDocument, UTCDateTime, utcnow

#: The searched text of a sighting on PostgreSQL (``evidence.search``). The GIN index
#: ``ix_evidence_sighting_words`` is built on exactly this expression; queries must use it
#: verbatim or the planner cannot use the index.
PG_SIGHTING_DOCUMENT = (
    "to_tsvector('simple'::regconfig, "
    "coalesce(evidence_sighting.original_name, '') || ' ' || "
    "coalesce(evidence_sighting.caption, '') || ' ' || "
    "coalesce(evidence_sighting.account, '') || ' ' || "
    "coalesce(evidence_sighting.platform, '') || ' ' || "
    "coalesce(evidence_sighting.source_url, '') || ' ' || "
    "coalesce(evidence_sighting.post_id, ''))"
)


class EvidenceItem(Base):
    """One original, stored once in the vault under its SHA-256."""

    __tablename__ = "evidence_item"
    #: Search filters (``evidence.search``): newest first within a collector or media type.
    __table_args__ = (
        Index("ix_evidence_item_collected_by_id", "collected_by", "id"),
        Index("ix_evidence_item_media_type_id", "media_type", "id"),
        Index("ix_evidence_item_collected_at", "collected_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    #: Sniffed from the content, never taken from the name.
    media_type: Mapped[str] = mapped_column(String(255))
    #: Name of the file when first collected (display-safe; see ``names.safe_name``).
    original_name: Mapped[str] = mapped_column(Text)
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    collected_by: Mapped[str] = mapped_column(String(255))
    #: Normalised fields (captured_at, gps_lat, ...), see ``civwatch.media``.
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDocument, default=dict)
    #: exiftool's full JSON object for the file, as it printed it.
    exiftool: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    #: C2PA Content Credentials summary, or None when the file carries none.
    c2pa: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, nullable=True)
    #: What looked damaged or suspicious, one sentence each.
    warnings: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    #: Custody log leaf recording the ingest, and the one recording the extraction.
    ingest_leaf: Mapped[int] = mapped_column(BigInteger)
    extraction_leaf: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    sightings: Mapped[list[Sighting]] = relationship(
        back_populates="item", order_by="Sighting.collected_at", cascade="all"
    )


class Sighting(Base):
    """One time the item was collected: where it was seen, when and by whom."""

    __tablename__ = "evidence_sighting"
    #: On PostgreSQL the migration also builds the GIN index ``ix_evidence_sighting_words``
    #: on :data:`PG_SIGHTING_DOCUMENT` (not declared here: it exists on PostgreSQL only).
    __table_args__ = (UniqueConstraint("item_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), index=True)
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    collected_by: Mapped[str] = mapped_column(String(255))
    original_name: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    platform: Mapped[str | None] = mapped_column(String(255), nullable=True)
    account: Mapped[str | None] = mapped_column(String(255), nullable=True)
    post_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    caption: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: When the source says it published the item (claimed, not verified).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: SHA-256 over who collected it from where: the same collection twice is one sighting.
    fingerprint: Mapped[str] = mapped_column(String(64))
    custody_leaf: Mapped[int] = mapped_column(BigInteger)

    item: Mapped[EvidenceItem] = relationship(back_populates="sightings")


class MediaHashing(Base):
    """Whether an item's media could be perceptually hashed, and why not when it could not."""

    __tablename__ = "media_hashing"

    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), primary_key=True)
    #: "hashed", "unhashable" (with a reason) or "not-media" (documents, archives).
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    hashed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediaHash(Base):
    """One perceptual hash of an item: the whole image, a trimmed or regional view, or a
    video frame."""

    __tablename__ = "media_hash"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), index=True)
    algorithm: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(32))
    #: "whole", "trimmed", a region name, or "frame" for video frames.
    view: Mapped[str] = mapped_column(String(64))
    frame_t: Mapped[float | None] = mapped_column(nullable=True)
    bits: Mapped[bytes] = mapped_column(LargeBinary(32))
    quality: Mapped[int] = mapped_column(Integer)


class MediaMatch(Base):
    """Two items whose media match, with how close they are and how it was decided."""

    __tablename__ = "media_match"
    __table_args__ = (UniqueConstraint("item_id", "other_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The item that was matched (the newer one) and the stored item it matched.
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), index=True)
    distance: Mapped[int] = mapped_column(Integer)
    transform: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediaClusterMember(Base):
    """The cluster a hashed item belongs to: the items its media match, directly or
    through other copies (``evidence.clusters``).

    ``cluster_id`` is a label shared by every member (the item id of one of them); when
    two clusters join, the smaller one takes the larger one's label. The ``MediaMatch``
    rows stay the record of what matched what: they span each cluster.
    """

    __tablename__ = "media_cluster_member"

    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), primary_key=True)
    cluster_id: Mapped[int] = mapped_column(Integer, index=True)


class MediaRepresentative(Base):
    """An item a new item is compared with: the first member of its cluster, and members
    far from the representatives already there (``evidence.copies``). The copy index holds
    the hashes of representatives only; ``id`` grows with each one added (under the copy
    lock), so a process catches its index up from the last ``id`` it saw."""

    __tablename__ = "media_representative"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), unique=True)
