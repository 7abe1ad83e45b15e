"""Tables of the intake domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, Text, UniqueConstraint
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
