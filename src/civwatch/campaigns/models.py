"""The campaigns' tables: campaigns, their targets, the supporters' actions (signatures and
letters), the mail waiting to go out, and deliveries to targets.

A supporter's name, e-mail, comment and letter are sealed with the action's own data key
(wrapped by the campaigns' key, ``campaigns/keys.py``); the e-mail is also kept as a keyed
blind index, to count one confirmed e-mail once. Destroying the wrapped key (a request
to delete, the end of the retention period) makes the sealed fields unreadable. The
country stays in clear: it is what a delivery counts by.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civwatch.db import Base, JSONDocument, UTCDateTime, utcnow

_USER = "user_account.id"
_CAMPAIGN = "campaign.id"
_ACTION = "campaign_action.id"


class Campaign(Base):
    """A campaign: what it asks, of whom, about which incidents; draft, live or closed."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: petition | letter
    kind: Mapped[str] = mapped_column(String(16))
    #: draft | live | closed
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    ask: Mapped[str] = mapped_column(Text, default="")
    #: The letter supporters start from (a letter campaign).
    letter_subject: Mapped[str] = mapped_column(String(300), default="")
    letter_template: Mapped[str] = mapped_column(Text, default="")
    goal: Mapped[int | None] = mapped_column(Integer, nullable=True)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Language codes the campaign is offered in (["uk", "en"]).
    languages: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    #: Ids of the published incidents it is about.
    incidents: Mapped[list[int]] = mapped_column(JSONDocument, default=list)
    #: Days supporters' data is kept after the campaign closes.
    retention_days: Mapped[int] = mapped_column(Integer, default=180)
    #: Confirmed actions counted (each confirmed e-mail once), kept with each confirmation.
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int] = mapped_column(ForeignKey(_USER))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey(_USER), nullable=True)
    #: When the supporters' data was purged (the end of the retention period).
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CampaignTarget(Base):
    """Someone the campaign addresses: a mission, a ministry, a committee."""

    __tablename__ = "campaign_target"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey(_CAMPAIGN), index=True)
    name: Mapped[str] = mapped_column(String(300))
    #: ISO 3166-1 alpha-2, upper case.
    country: Mapped[str] = mapped_column(String(2))
    email: Mapped[str] = mapped_column(String(320))
    position: Mapped[int] = mapped_column(Integer, default=0)


class CampaignAction(Base):
    """A supporter's signature or letter: pending until they follow the link mailed to
    them, then confirmed (counted once per e-mail) or a duplicate."""

    __tablename__ = "campaign_action"
    __table_args__ = (
        # One counted action per confirmed e-mail, kind and campaign (NULLs never clash).
        Index("uq_campaign_action_counted", "campaign_id", "kind", "counted_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey(_CAMPAIGN), index=True)
    #: signature | letter
    kind: Mapped[str] = mapped_column(String(16))
    #: pending | confirmed | duplicate
    state: Mapped[str] = mapped_column(String(16), default="pending")
    #: ISO 3166-1 alpha-2 (counts by country).
    country: Mapped[str] = mapped_column(String(2))
    #: The supporter agreed to be named to the target.
    consent_named: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The supporter agreed to be contacted again (separate, false unless ticked).
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The language the supporter acted in (their mail is written in it).
    language: Mapped[str] = mapped_column(String(8), default="en")
    #: Keyed blind index of the case-folded e-mail (None once purged).
    email_index: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The blind index, set only on the one counted action of that e-mail.
    counted_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The action's data key, wrapped by the campaigns' key (None: deleted, unreadable).
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: Sealed JSON: name, email, comment, letter subject and text.
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: Targets a letter goes to (ids).
    target_ids: Mapped[list[int]] = mapped_column(JSONDocument, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CampaignMail(Base):
    """A mail to send: a confirmation link to a supporter, or a confirmed letter to a
    target. Addresses and text are read from the action and target when it is sent."""

    __tablename__ = "campaign_mail"
    __table_args__ = (Index("ix_campaign_mail_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[int] = mapped_column(ForeignKey(_ACTION, ondelete="CASCADE"), index=True)
    #: confirm | letter
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: queued | sent | bounced | failed
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The SMTP server's answer or the error (never an address).
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CampaignDelivery(Base):
    """A delivery of the campaign to its targets: the PDF handed over, by whom, when."""

    __tablename__ = "campaign_delivery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey(_CAMPAIGN), index=True)
    count: Mapped[int] = mapped_column(Integer)
    named: Mapped[int] = mapped_column(Integer)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_by: Mapped[int] = mapped_column(ForeignKey(_USER))
