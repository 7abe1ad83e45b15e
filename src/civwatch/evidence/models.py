"""Tables of the evidence domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civwatch.db import Base, JSONDocument, UTCDateTime, utcnow


class EvidenceItem(Base):
    """One original, stored once in the vault under its SHA-256."""

    __tablename__ = "evidence_item"

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
