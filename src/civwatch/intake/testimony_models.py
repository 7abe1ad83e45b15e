"""Tables of field testimony: the testimony (statement, when and where taken, by whom),
the incidents it concerns, its attachments, the witness (a pseudonymous code, and an
identity sealed with the witness's own data key held by the protection desk), consent per
purpose and the testimony's team (need to know).

Only :mod:`civwatch.intake` (and :mod:`civwatch.models`) imports this module.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civwatch.db import Base, JSONDocument, UTCDateTime, utcnow

_USER = "user_account.id"
_TESTIMONY = "testimony.id"


class TestimonyWitness(Base):
    """A witness: a pseudonymous code shown everywhere, and the identity, each field
    sealed with the witness's data key (record = the witness's id, field = the column's
    name); the key is held wrapped by the protection desk (``protection_held_key``)."""

    __tablename__ = "testimony_witness"

    #: ``wit_`` and 128 random bits: the id the protection audit log names.
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: The pseudonymous code, e.g. ``W-7K3Q9P``: random, tells nothing of the witness.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int] = mapped_column(ForeignKey(_USER))
    name: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    contacts: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    birth_date: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    residence: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Testimony(Base):
    """What a witness saw or lived, as an interviewer took it down."""

    __tablename__ = "testimony"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    witness_id: Mapped[str] = mapped_column(ForeignKey("testimony_witness.id"), index=True)
    statement: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Where it was taken (a place name, never the witness's address).
    taken_place: Mapped[str | None] = mapped_column(String(300), nullable=True)
    interviewer_id: Mapped[int] = mapped_column(ForeignKey(_USER), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Risk flags (``occupied``, ``minor``, ``reprisal``): who may read it, what leaves.
    flags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    #: The custody entry that recorded it (``testimony-record``).
    custody_leaf: Mapped[int] = mapped_column(Integer)


class TestimonyIncident(Base):
    """An incident the testimony concerns."""

    __tablename__ = "testimony_incident"

    testimony_id: Mapped[int] = mapped_column(ForeignKey(_TESTIMONY), primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id"), primary_key=True, index=True
    )


class TestimonyAttachment(Base):
    """An audio, video or photo file of the testimony: an evidence item (by SHA-256)."""

    __tablename__ = "testimony_attachment"

    testimony_id: Mapped[int] = mapped_column(ForeignKey(_TESTIMONY), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)


class TestimonyConsent(Base):
    """Consent for one purpose (to a named recipient for sharing), given on a date, until
    withdrawn. Every grant and withdrawal is a custody entry."""

    __tablename__ = "testimony_consent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    testimony_id: Mapped[int] = mapped_column(ForeignKey(_TESTIMONY), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str | None] = mapped_column(String(300), nullable=True)
    given_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[int] = mapped_column(ForeignKey(_USER))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(Integer)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)
    withdraw_leaf: Mapped[int | None] = mapped_column(Integer, nullable=True)


class TestimonyMember(Base):
    """A user on the testimony's team besides its interviewer: may read a testimony with
    risk flags, and the witness's identity."""

    __tablename__ = "testimony_member"

    testimony_id: Mapped[int] = mapped_column(ForeignKey(_TESTIMONY), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(_USER), primary_key=True, index=True)
    added_by: Mapped[int] = mapped_column(ForeignKey(_USER))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TestimonyDisclosure(Base):
    """A decision that the witness's identity goes to one named court or prosecutor: who
    proposed it, when and why, and the protection lead (another person) who approved it.
    Until approved, and once revoked, it lets nothing leave. Each step is a custody
    entry (the reason by its SHA-256 only)."""

    __tablename__ = "testimony_disclosure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    testimony_id: Mapped[int] = mapped_column(ForeignKey(_TESTIMONY), index=True)
    recipient: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[int] = mapped_column(ForeignKey(_USER))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(Integer)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    approve_leaf: Mapped[int | None] = mapped_column(Integer, nullable=True)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoke_leaf: Mapped[int | None] = mapped_column(Integer, nullable=True)


class TestimonyQuote(Base):
    """An excerpt of the statement an investigator reviewed (it names no one) and marked
    for publication, attributed to "a witness"; published only while the witness's
    consent to anonymised publication stands."""

    __tablename__ = "testimony_quote"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    testimony_id: Mapped[int] = mapped_column(ForeignKey(_TESTIMONY), index=True)
    excerpt: Mapped[str] = mapped_column(Text)
    marked_by: Mapped[int] = mapped_column(ForeignKey(_USER))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(Integer)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdraw_leaf: Mapped[int | None] = mapped_column(Integer, nullable=True)
