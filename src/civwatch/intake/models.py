"""Tables of the intake domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from civwatch.db import Base, JSONDocument, UTCDateTime, utcnow


class ImportedMessage(Base):
    """One message of a chat export, brought in once: the item that holds its media (or
    its text), and the ``message-import`` custody entry that recorded it.

    The same message read again (the same export imported twice, or a later export of the
    same chat) has the same key and is not recorded twice; a message edited since is read
    as a new one (its digest differs), so both versions stay evidence."""

    __tablename__ = "intake_message"
    __table_args__ = (
        UniqueConstraint(
            "platform", "chat", "message_id", "message_sha256", name="uq_intake_message_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "telegram" or "whatsapp".
    platform: Mapped[str] = mapped_column(String(32))
    #: The chat's id (Telegram) or name (WhatsApp), as the export gives it.
    chat: Mapped[str] = mapped_column(String(255))
    chat_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    message_id: Mapped[str] = mapped_column(String(255))
    #: SHA-256 of the canonical JSON of the message as read from the export.
    message_sha256: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the export file it was read from (``result.json``, ``_chat.txt``).
    export_sha256: Mapped[str] = mapped_column(String(64))
    #: The item holding the message's media, or its text (the canonical JSON).
    item_sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: "ingested", "duplicate" (media already held), "text" or "missing-media".
    status: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Context the sighting has no column for: edited time, forwarded from, saved from,
    #: the message replied to, location, media warnings.
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    imported_by: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    custody_leaf: Mapped[int] = mapped_column(BigInteger)


class WebCapture(Base):
    """One web capture: what only the capture knows (the address asked for, the address
    after redirects, the page's HTTP status, when, the server's TLS certificate, the
    browser, the warnings) and the items it stored, as its ``web-capture`` custody entry
    recorded them (written in the same transaction).

    ``job_id`` is the background job that made it: a job taken up again after a crash
    finds its capture here and finishes with it instead of capturing the page again."""

    __tablename__ = "intake_capture"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int | None] = mapped_column(nullable=True, unique=True)
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(nullable=True)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: SHA-256 (hex) of the DER of the server's TLS certificate; None over plain http.
    certificate_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    browser: Mapped[str] = mapped_column(Text)
    #: The page's title as the browser read it (not in the custody entry: a label only).
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Every item as the entry lists it: ``sha256``, ``kind``, ``url``.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    #: The warnings in English, as the entry holds them.
    warnings: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    #: The same warnings as messages with their values, to be shown in any language.
    warning_messages: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    captured_by: Mapped[str] = mapped_column(String(255))
    #: The entry's ``at``.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    custody_leaf: Mapped[int] = mapped_column(BigInteger)


class WebCaptureItem(Base):
    """An item a capture stored, to find an item's captures by its SHA-256 (the capture's
    own ``items`` is what the custody entry is checked against; ``civwatch verify`` checks
    that these rows say the same). ``status`` is what the ingest said: "ingested" or
    "duplicate"."""

    __tablename__ = "intake_capture_item"
    __table_args__ = (UniqueConstraint("capture_id", "item_sha256", name="uq_intake_capture_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("intake_capture.id"))
    item_sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
