"""Tables of the shelter registry: shelters, where each came from, reports from the public
and the imports that filled the registry.

Accessibility and facility values are nullable booleans: None is "unknown", never "no".
``key_holder`` and ``key_holder_contact`` are internal: only coordinators see them, and no
public output (page, API answer, bundle, PDF, log) may carry them
(:func:`civwatch.shelters.registry.public_shelter` leaves them out).
Only :mod:`civwatch.shelters` (and :mod:`civwatch.models`) imports this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civwatch.db import Base, JSONDocument, UTCDateTime, utcnow

#: Length of every shelter id column (a prefix and a random url-safe token).
ID_LENGTH = 40
_Id = String(ID_LENGTH)
_USER = "user_account.id"
_SHELTER = "shelters.id"


class Shelter(Base):
    """A place to hide during an air raid, as the registry knows it."""

    __tablename__ = "shelters"

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300), nullable=True)
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    #: A code of :data:`civwatch.shelters.vocabulary.SHELTER_TYPES`.
    type: Mapped[str] = mapped_column(String(32))
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    underground: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    #: As the source writes it ("-1", "-2;-1"); None if unknown.
    level: Mapped[str | None] = mapped_column(String(32), nullable=True)
    step_free: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    ramp: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    lift: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    accessible_toilet: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    #: Facility code -> True/False for the facilities known (absent: unknown).
    facilities: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    #: "always" | "on-alert" | "hours" | None (unknown).
    opening_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    opening_hours: Mapped[str | None] = mapped_column(String(255), nullable=True)
    #: INTERNAL ONLY: who holds the key, and how to reach them.
    key_holder: Mapped[str | None] = mapped_column(Text, nullable=True)
    key_holder_contact: Mapped[str | None] = mapped_column(Text, nullable=True)
    responsible_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The KATOTTG code of the shelter's hromada, and the hromada's name.
    katottg: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    hromada: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: A status the source itself states (a disused shelter): a code of REPORT_STATUSES.
    registry_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    #: SHA-256 of the imported fields: an import that changes nothing updates nothing.
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: When the source this shelter came from stopped listing it (never deleted).
    gone_from_source_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShelterSource(Base):
    """Which record of which source a shelter came from: (kind, source id) is unique, so a
    re-import finds the shelter again instead of adding it twice."""

    __tablename__ = "shelter_sources"
    __table_args__ = (Index("ix_shelter_sources_kind_dataset", "kind", "dataset"),)

    #: "osm" | "ua-opendata" | "geojson" | "csv"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The record's id in its source ("node/123", a ``uid``, a feature id).
    source_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    shelter_id: Mapped[str] = mapped_column(ForeignKey(_SHELTER), index=True)
    #: The data set the record was last seen in (the file's name without extensions unless
    #: given): a shelter missing from a new import of the same data set is marked gone.
    dataset: Mapped[str] = mapped_column(String(200))
    last_import_id: Mapped[str | None] = mapped_column(
        ForeignKey("shelter_imports.id"), nullable=True
    )
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShelterReport(Base):
    """What someone on site says about a shelter; counts once a coordinator confirms it."""

    __tablename__ = "shelter_reports"
    __table_args__ = (
        Index("ix_shelter_reports_shelter_state", "shelter_id", "state", "received_at"),
        Index("ix_shelter_reports_state_received", "state", "received_at"),
    )

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    shelter_id: Mapped[str] = mapped_column(ForeignKey(_SHELTER))
    #: A code of :data:`civwatch.shelters.vocabulary.REPORT_STATUSES`.
    status: Mapped[str] = mapped_column(String(16))
    #: Accessibility code -> observed True/False.
    accessibility: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The photo's evidence item (its SHA-256), if one was sent.
    photo_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: A code of :data:`civwatch.shelters.status.CHANNEL_WEIGHTS`.
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: "pending" | "confirmed" | "dismissed"
    state: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class ShelterImport(Base):
    """One run of an import: what file, and what it did."""

    __tablename__ = "shelter_imports"

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    format: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    dataset: Mapped[str] = mapped_column(String(200))
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    marked_gone: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)


class ShelterRegistryState(Base):
    """One row (id 1): numbers that grow at every change of the registry's shelters and of
    its confirmed reports, so each process knows when what it holds in memory for the
    nearest-shelter search is stale."""

    __tablename__ = "shelter_registry_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    reports_version: Mapped[int] = mapped_column(Integer, default=0)
