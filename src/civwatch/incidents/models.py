"""Tables of the incidents domain.

Records of work (revisions, verification records, links, transitions, decisions) are only
ever inserted: a change is a new row that names the row it supersedes. ``Incident`` and
``ItemVerification`` hold the current state for fast reading; their history is the
append-only tables next to them and the custody log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from civwatch.db import Base, JSONDocument, UTCDateTime, utcnow


class VocabularyTerm(Base):
    """A term an admin added to a controlled vocabulary (built-in terms live in code)."""

    __tablename__ = "vocabulary_term"
    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(255))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(BigInteger)


class Incident(Base):
    """What happened, where, when, to whom, with what: the current revision."""

    __tablename__ = "incident"
    __table_args__ = (
        Index("ix_incident_start_at", "start_at"),
        Index("ix_incident_oblast_start", "oblast", "start_at"),
        Index("ix_incident_type_start", "incident_type", "start_at"),
        # The points in a map viewport, with what the maps filter on always: a wide view's
        # counts per grid cell are read from the index alone (migration 0020).
        Index("ix_incident_lat_lon_state", "lat", "lon", "status", "visibility"),
        Index("ix_incident_status", "status"),
        Index(
            "ix_incident_public_lat_lon_state", "public_lat", "public_lon", "status", "visibility"
        ),
        # The newest change: the team's version that cached internal answers are checked on.
        Index("ix_incident_updated_at", "updated_at"),
        # The newest public change: the version that cached public answers are checked on.
        Index("ix_incident_public_changed_at", "public_changed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    narrative: Mapped[str] = mapped_column(Text, default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    time_precision: Mapped[str] = mapped_column(String(16))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float)
    settlement: Mapped[str | None] = mapped_column(String(255), nullable=True)
    raion: Mapped[str | None] = mapped_column(String(255), nullable=True)
    oblast: Mapped[str | None] = mapped_column(String(255), nullable=True)
    incident_type: Mapped[str] = mapped_column(String(64))
    #: Casualty figures with breakdown and sources (see ``civwatch.incidents.casualties``).
    casualties: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    #: Totals copied from ``casualties`` for aggregation; None when not known.
    killed_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    killed_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    injured_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    injured_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    perpetrator: Mapped[str | None] = mapped_column(String(255), nullable=True)
    perpetrator_confidence: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ihl_concerns: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    status: Mapped[str] = mapped_column(String(32), default="reported")
    #: The outcome proposed for review while ``status`` is "in_review".
    proposed_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    visibility: Mapped[str] = mapped_column(String(16), default="internal")
    #: How precisely the public sees the location: exact, settlement, raion or oblast.
    #: "settlement" unless a publisher or investigator chooses otherwise: exact points can
    #: expose the homes and shelters of the people who filmed or survived an attack.
    public_location_precision: Mapped[str] = mapped_column(
        String(16), default="settlement", server_default="settlement"
    )
    #: The coarsened point and place label the public sees (computed whenever the location
    #: or its precision changes; see ``civwatch.geo.coarsening.coarsen``). Public maps
    #: filter on these, never on ``lat``/``lon``, so a viewport cannot narrow down the
    #: exact point.
    public_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    public_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    public_place: Mapped[str | None] = mapped_column(String(600), nullable=True)
    #: Notes for the team only: never in any public page, feed, export or revision document.
    internal_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Folded, transliterated title and narrative for caption similarity.
    text_key: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When what the public sees of this incident last changed (published, corrected,
    #: withdrawn, its public location or media changed); None if never public. Set only by
    #: :func:`civwatch.incidents.versions.mark_public_change`; internal work never moves it.
    public_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Witness(Base):
    """A witness of an incident: internal by nature, never published or exported.

    A removal deletes the row (the custody log keeps only digests, never names).
    """

    __tablename__ = "incident_witness"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    contact: Mapped[str] = mapped_column(Text, default="")
    #: Where the witness was (or lives): exact, and so never shown outside the team.
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(BigInteger)


class IncidentWeapon(Base):
    """A weapon system named for an incident (vocabulary code)."""

    __tablename__ = "incident_weapon"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), primary_key=True)
    term: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class IncidentObject(Base):
    """An object affected by an incident (vocabulary code)."""

    __tablename__ = "incident_object"
    __table_args__ = (Index("ix_incident_object_term_incident", "term", "incident_id"),)

    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), primary_key=True)
    term: Mapped[str] = mapped_column(String(64), primary_key=True)


class IncidentRevision(Base):
    """Every version of an incident's content, in full, as it was recorded.

    A revision of work in progress is applied when it is written (``state`` "applied").
    A change to a concluded incident is proposed: ``state`` is "pending" until a second
    person approves it ("approved") or rejects it ("rejected"); an approved change is
    applied at once, or, for a public incident, when a publisher publishes it as a
    correction ("applied"). The incident row always holds the document of revision number
    ``Incident.revision``; a change in review has a higher number. The history of a state
    is in ``IncidentChangeDecision``.
    """

    __tablename__ = "incident_revision"
    __table_args__ = (
        UniqueConstraint("incident_id", "revision"),
        Index("ix_incident_revision_state", "state", "incident_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"))
    revision: Mapped[int] = mapped_column(Integer)
    doc: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    doc_sha256: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(BigInteger)
    #: applied, pending, approved or rejected (see the class docstring).
    state: Mapped[str] = mapped_column(String(16), default="applied", server_default="applied")
    #: For a proposed change: the revision it was written against (its diff's "before").
    base_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)


class IncidentChangeDecision(Base):
    """One step of a proposed change after its proposal: ``approve`` or ``reject`` (a
    verifier other than its authors) and ``apply`` (its content becomes the incident's,
    on approval, on a publisher's correction, or on a withdrawal)."""

    __tablename__ = "incident_change_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("incident_revision.id"), index=True)
    #: approve, reject or apply
    act: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(BigInteger)


class TransitionRecord:
    """Columns every state-machine step records: what, from, to, why, who, when, and its
    custody entry."""

    #: start, submit, approve, reject, reopen (and publish, unpublish for incidents)
    act: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    proposed_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(BigInteger)


class IncidentTransition(TransitionRecord, Base):
    """One change of an incident's status or visibility, and the review decisions."""

    __tablename__ = "incident_transition"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)


class EvidenceLink(Base):
    """Evidence linked to an incident with a role; relinking or unlinking adds a new row."""

    __tablename__ = "incident_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    #: False for a row that records the removal of the link.
    linked: Mapped[bool] = mapped_column(Boolean, default=True)
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident_evidence.id"), nullable=True, unique=True
    )
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(BigInteger)


class VerificationRecord(Base):
    """A structured verification note on an evidence item (source, geolocation, ...)."""

    __tablename__ = "verification_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    content_sha256: Mapped[str] = mapped_column(String(64))
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("verification_record.id"), nullable=True, unique=True
    )
    author: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(BigInteger)


class ItemVerification(Base):
    """The current verification status of an evidence item (history: ``ItemTransition``)."""

    __tablename__ = "item_verification"

    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    proposed_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    submitted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ItemTransition(TransitionRecord, Base):
    """One change of an item's verification status, including review decisions."""

    __tablename__ = "item_transition"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), index=True)


class SuggestionDecision(Base):
    """A user's answer to a suggestion that an item belongs to an incident."""

    __tablename__ = "incident_suggestion_decision"
    __table_args__ = (Index("ix_suggestion_decision_item", "item_id", "incident_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"))
    #: "confirmed" (and linked) or "dismissed".
    decision: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(BigInteger)


class ProtectedPlace(Base):
    """A facility that enjoys special protection (hospital, school, shelter...), imported."""

    __tablename__ = "protected_place"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_protected_place_lat_lon", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: An ``object`` vocabulary code.
    kind: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(500))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(255))
    external_id: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64))
