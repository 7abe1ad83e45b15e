"""Tables of publishing: corrections to published incidents and redacted media.

Publication and withdrawal are incident transitions (``IncidentTransition``, acts
"publish" and "unpublish"); corrections and redactions live here. Every row is also a
custody log entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civwatch.db import Base, JSONDocument, UTCDateTime, utcnow


class Correction(Base):
    """A correction notice on a published incident ("corrected on DATE: TEXT")."""

    __tablename__ = "incident_correction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    note: Mapped[str] = mapped_column(Text)
    #: The incident's revision when the correction was recorded.
    revision: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(BigInteger)


class Redaction(Base):
    """A redacted derivative of an evidence item, made for publication.

    The original is never changed: the derivative is a new blob in the vault. ``status``
    is "draft" until a publisher approves it ("approved"); approving a newer redaction of
    the same item makes the older one "superseded"; a draft can be "discarded".
    """

    __tablename__ = "media_redaction"
    __table_args__ = (Index("ix_media_redaction_item_status", "item_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"))
    original_sha256: Mapped[str] = mapped_column(String(64))
    derivative_sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: What was done, in order, for people to read ("metadata removed", "3 faces blurred").
    actions: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    blur_faces: Mapped[bool] = mapped_column(Boolean, default=True)
    faces_found: Mapped[int] = mapped_column(Integer, default=0)
    #: Face boxes found ({x, y, w, h} in pixels of the derivative; for video also t0, t1).
    face_boxes: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    #: Face boxes found that the reviewer removed on the preview (not blurred), in pixels
    #: of the derivative; None for redactions made before this was recorded.
    removed_faces: Mapped[list[dict[str, Any]] | None] = mapped_column(
        JSONDocument, nullable=True, default=list
    )
    #: Manual regions blurred, in pixels of the derivative.
    regions: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    #: Shown behind a warning screen on public pages.
    graphic: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Metadata exiftool still reads in the derivative (only harmless structure).
    metadata_left: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(BigInteger)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_leaf: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class PackageExport(Base):
    """An evidence package handed out: one row per ``export`` custody entry, written in the
    same transaction, holding what the entry recorded (see ``publish/package.py``)."""

    __tablename__ = "package_export"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: To whom it went (as the exporter typed it), or None.
    recipient: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: "none", "redacted" or "originals".
    media: Mapped[str] = mapped_column(String(16))
    #: The SHA-256 of each evidence item in it, sorted.
    items: Mapped[list[str]] = mapped_column(JSONDocument)
    #: The custody leaves it proves (besides its own export entry), sorted.
    entries: Mapped[list[int]] = mapped_column(JSONDocument)
    #: The documents civwatch composed for it (file -> SHA-256).
    documents: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    payload_oxum: Mapped[str] = mapped_column(String(64))
    payload_manifest_sha256: Mapped[str] = mapped_column(String(64))
    #: The size of the signed tree head handed out in the package (not in the entry: the
    #: head is signed after the entry is appended).
    tree_size: Mapped[int] = mapped_column(BigInteger)
    custody_leaf: Mapped[int] = mapped_column(BigInteger, unique=True)
