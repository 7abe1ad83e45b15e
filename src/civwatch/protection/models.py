"""Tables of the protection desk: people at risk, their consent, cases, risk assessments,
referrals, requests for help, and the row index of the protection audit log.

Every value that identifies, locates or contacts a person is stored sealed (``enc``
columns, ``LargeBinary``): with the person's own data key (record = the row's id, field =
the column's name) unless the column says it is sealed with the desk's records key. Every
sealed column is nullable so that deleting a person can overwrite what was theirs.
Only :mod:`civwatch.protection` (and :mod:`civwatch.models`) imports this module.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from civwatch.custody.models import LogTables, log_tables
from civwatch.db import Base, JSONDocument, UTCDateTime, utcnow

#: Length of every protection id column (a prefix and a random url-safe token).
ID_LENGTH = 40
_Id = String(ID_LENGTH)
_USER = "user_account.id"
_PERSON = "protection_person.id"
_CASE = "protection_case.id"


class ProtectionDesk(Base):
    """The desk itself (one row, id 1): how its key is obtained and whether it is locked."""

    __tablename__ = "protection_desk"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: "argon2id" (derived from a passphrase) or "key-file" (read from a file).
    kdf: Mapped[str] = mapped_column(String(16))
    #: The argon2id salt; None for a key file.
    salt: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: The argon2id parameters (``KdfParams.to_json()``); None for a key file.
    kdf_params: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, nullable=True)
    #: ``DeskKey.verifier()``: tells a right key from a wrong one, reveals nothing of it.
    key_verifier: Mapped[bytes] = mapped_column(LargeBinary)
    #: The desk's public age recipient (requests for help are encrypted to it).
    age_recipient: Mapped[str] = mapped_column(String(255))
    #: The desk's age identity, wrapped by the desk key (owner "desk-age").
    age_identity: Mapped[bytes] = mapped_column(LargeBinary)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Grows at every lock: a key held in memory from an older epoch is dropped.
    lock_epoch: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)


class ProtectionPerson(Base):
    """A person at risk: only ids, dates and the risk level are plain; the rest is in
    :class:`ProtectionPersonField`, sealed with the person's data key."""

    __tablename__ = "protection_person"
    #: The reviews due of the people an officer registered: one range (the dashboard), and
    #: those of the people of an officer's cases, one probe by id each; both carry every
    #: column the dashboard's list reads, so no row of the table is visited for them.
    __table_args__ = (
        Index(
            "ix_protection_person_created_by_next_review",
            "created_by",
            "next_review",
            "deleted_at",
            "id",
            "risk_level",
        ),
        Index("ix_protection_person_id_review", "id", "next_review", "deleted_at", "risk_level"),
    )

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    #: The person's data key wrapped by the desk key; None once the person is deleted.
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int] = mapped_column(ForeignKey(_USER))
    #: low | medium | high | critical, from the newest risk assessment.
    risk_level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    next_review: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)
    #: Why the person was deleted, sealed with the desk's records key (it belongs to no
    #: person any more: their key is gone).
    deleted_reason: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class ProtectionPersonField(Base):
    """One field of a person (names, contacts, documents...), a JSON value sealed with the
    person's data key (record = the person's id, field = ``field``)."""

    __tablename__ = "protection_person_field"

    person_id: Mapped[str] = mapped_column(ForeignKey(_PERSON), primary_key=True)
    field: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class ProtectionBlindIndex(Base):
    """A keyed HMAC of one normalised token of a person's name, phone or document: finds
    the person without decrypting anyone. Deleted with the person."""

    __tablename__ = "protection_blind_index"
    #: (kind, token) finds the people holding a token; person_id in the index answers a
    #: search from the index alone (no row read per match: 100,000 people, p95 < 20 ms).
    __table_args__ = (Index("ix_protection_blind_index_kind_token", "kind", "token", "person_id"),)

    person_id: Mapped[str] = mapped_column(ForeignKey(_PERSON), primary_key=True)
    #: name | phonetic | phone | document
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    token: Mapped[str] = mapped_column(String(32), primary_key=True)


#: A list of blind index tokens: an array on PostgreSQL (searched through a GIN index, built
#: by migration 0014 on PostgreSQL only), JSON elsewhere.
TOKEN_LIST = JSON().with_variant(postgresql.ARRAY(Text()), "postgresql")


class ProtectionTokenSet(Base):
    """Every blind index token of a person (the ``token`` column of their
    :class:`ProtectionBlindIndex` rows) as one list, kept in step with them. On PostgreSQL a
    GIN index over it answers a search by several words in one bitmap AND of the words'
    posting lists, instead of checking each person of the rarest word one by one. A token
    is a keyed HMAC of its kind and value, so it stands for its (kind, token) pair."""

    __tablename__ = "protection_token_set"

    person_id: Mapped[str] = mapped_column(ForeignKey(_PERSON), primary_key=True)
    tokens: Mapped[list[str]] = mapped_column(TOKEN_LIST)


class ProtectionConsent(Base):
    """Consent given (or, ``given`` false, withdrawn) for one purpose; never updated."""

    __tablename__ = "protection_consent"
    __table_args__ = (Index("ix_protection_consent_person_purpose", "person_id", "purpose"),)

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey(_PERSON))
    #: case-handling | referral | relief-grant | contact | sensitive-storage
    purpose: Mapped[str] = mapped_column(String(32))
    partner_id: Mapped[str | None] = mapped_column(
        ForeignKey("protection_partner.id"), nullable=True
    )
    channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    given: Mapped[bool] = mapped_column(Boolean)
    #: verbal | written | electronic
    how: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[int] = mapped_column(ForeignKey(_USER))


class ProtectionOverride(Base):
    """A protection lead's decision to act without a consent, with a sealed reason: as
    narrow as the consent it stands for (a referral's names its partner, contact its
    channel)."""

    __tablename__ = "protection_override"

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey(_PERSON), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    partner_id: Mapped[str | None] = mapped_column(
        ForeignKey("protection_partner.id"), nullable=True
    )
    channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    by: Mapped[int] = mapped_column(ForeignKey(_USER))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProtectionAccessGrant(Base):
    """Emergency access of an officer outside a person's team: asked with a sealed reason,
    approved by a protection lead, limited in time."""

    __tablename__ = "protection_access_grant"
    __table_args__ = (Index("ix_protection_access_grant_person_user", "person_id", "user_id"),)

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    #: The person asked for; no foreign key: a request naming no person is kept like any
    #: other, so that asking never tells an officer whether an id exists.
    person_id: Mapped[str] = mapped_column(_Id)
    user_id: Mapped[int] = mapped_column(ForeignKey(_USER))
    reason: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ProtectionCase(Base):
    """A safe exit, relocation or protection support case of one person."""

    __tablename__ = "protection_case"
    #: A case's person from the index alone (an officer's reach goes through their cases).
    __table_args__ = (Index("ix_protection_case_id_person", "id", "person_id"),)

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey(_PERSON), index=True)
    #: safe-exit | relocation | protection-support
    kind: Mapped[str] = mapped_column(String(32))
    #: intake | assessment | plan | approved | in-progress | completed | withdrawn | suspended
    state: Mapped[str] = mapped_column(String(16), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by: Mapped[int] = mapped_column(ForeignKey(_USER))
    #: Minutes a check-in may be late before an alert is raised.
    grace_minutes: Mapped[int] = mapped_column(Integer, default=120)
    summary: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class ProtectionCaseMember(Base):
    """A member of a case's team (its lead officer or a member)."""

    __tablename__ = "protection_case_member"
    #: An officer's cases and roles from the index alone (dashboard, need to know).
    __table_args__ = (Index("ix_protection_case_member_user_case", "user_id", "case_id", "role"),)

    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(_USER), primary_key=True)
    #: lead | member
    role: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)


class ProtectionCaseTransition(Base):
    """One move of a case from a state to another, with its sealed reason."""

    __tablename__ = "protection_case_transition"

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(ForeignKey(_USER))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class ProtectionRiskAssessment(Base):
    """One risk assessment of a person: a history, never updated."""

    __tablename__ = "protection_risk_assessment"

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey(_PERSON), index=True)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assessor_id: Mapped[int] = mapped_column(ForeignKey(_USER))
    likelihood: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    #: low | medium | high | critical
    level: Mapped[str] = mapped_column(String(16))
    next_review: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Sealed JSON: threats, sources, indicators, other.
    detail: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class ProtectionTask(Base):
    """A task of a case (documents, transport, route...), with its owner and due date."""

    __tablename__ = "protection_task"

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)


class ProtectionCheckpoint(Base):
    """A checkpoint of a case's route, with the time the person is expected there."""

    __tablename__ = "protection_checkpoint"

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE), index=True)
    position: Mapped[int] = mapped_column(Integer)
    place: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    expected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)


class ProtectionCheckin(Base):
    """The person reported being safe (at a checkpoint), as recorded by an officer."""

    __tablename__ = "protection_checkin"

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE), index=True)
    checkpoint_id: Mapped[str | None] = mapped_column(
        ForeignKey("protection_checkpoint.id"), nullable=True, index=True
    )
    place: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[int] = mapped_column(ForeignKey(_USER))
    note: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class ProtectionAlert(Base):
    """An alert on a case's dashboard (a check-in overdue), until acknowledged."""

    __tablename__ = "protection_alert"
    __table_args__ = (
        UniqueConstraint("case_id", "checkpoint_id", "kind", name="uq_protection_alert_once"),
    )

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE), index=True)
    checkpoint_id: Mapped[str] = mapped_column(ForeignKey("protection_checkpoint.id"))
    #: "checkin-overdue"
    kind: Mapped[str] = mapped_column(String(32))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)


class ProtectionPartner(Base):
    """A partner organisation referrals go to, with its public age recipient."""

    __tablename__ = "protection_partner"

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    age_recipient: Mapped[str] = mapped_column(String(255))
    #: The organisation's own contact (plain: it names no person at risk).
    contact: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by: Mapped[int] = mapped_column(ForeignKey(_USER))


class ProtectionReferral(Base):
    """A referral of a case to a partner: the consented fields, age-encrypted to it."""

    __tablename__ = "protection_referral"

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey(_CASE), index=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("protection_partner.id"), index=True)
    #: Names of the fields shared (JSON list).
    fields: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    packet: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    packet_sha256: Mapped[str] = mapped_column(String(64))
    #: sent | accepted | declined | closed | revoked
    state: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by: Mapped[int] = mapped_column(ForeignKey(_USER))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)


class ProtectionHelpRequest(Base):
    """A request for help from the public form, age-encrypted to the desk on arrival."""

    __tablename__ = "protection_help_request"

    id: Mapped[str] = mapped_column(_Id, primary_key=True)
    #: What the person quotes later, e.g. "HR-7Q2K-9XPD".
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    packet: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    language: Mapped[str] = mapped_column(String(16))
    #: new | opened | converted | closed
    state: Mapped[str] = mapped_column(String(16), index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey(_PERSON), nullable=True)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)


#: The protection audit log's own tables (``protection_audit_leaves``, ``_nodes``,
#: ``_tree_heads``, ``_state``): a custody log of its own, beside the evidence one.
PROTECTION_AUDIT_LOG: LogTables = log_tables("protection_audit")


class ProtectionAuditEvent(Base):
    """One entry of the protection audit log, indexed for "who has seen this record":
    ids and field names only, never a value."""

    __tablename__ = "protection_audit_event"

    #: The entry's position in the protection audit log.
    leaf_idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    act: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)
    person_id: Mapped[str | None] = mapped_column(_Id, nullable=True, index=True)
    case_id: Mapped[str | None] = mapped_column(_Id, nullable=True, index=True)
    fields: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProtectionHeldKey(Base):
    """A data key the desk holds for a record of another domain (a witness of a testimony,
    ``wit_...``): wrapped by the desk key like a person's, re-wrapped when the desk's key
    is rotated, destroyed to crypto-shred the record. The other domain stores its sealed
    values in its own tables and reaches the key only through :mod:`.held_keys`."""

    __tablename__ = "protection_held_key"

    owner: Mapped[str] = mapped_column(_Id, primary_key=True)
    #: The data key wrapped by the desk key (bound to ``owner``); None once shredded.
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shredded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
