"""The custody act of chat export imports (``custody/entries.py``)."""

from __future__ import annotations

from civwatch.custody.entries import SHA256, TEXT, TIME, Act, Schema, nullable, one_of, register

#: What a message import may say of one message (skipped service messages are not recorded).
MESSAGE_STATUSES = ("ingested", "duplicate", "text", "missing-media")

_MESSAGE: dict[str, Schema] = {
    "platform": TEXT,
    "chat": TEXT,
    "message_id": TEXT,
    "message_sha256": SHA256,
    "export_sha256": SHA256,
    "sha256": SHA256,
    "status": one_of(MESSAGE_STATUSES),
    "published_at": nullable(TIME),
}
MESSAGE_IMPORT = register(
    Act(
        "message-import",
        "One message of a chat export (Telegram, WhatsApp) brought in: the item that holds "
        "its media or its text, the SHA-256 of the export file it was read from, the "
        "message's id in its chat and the SHA-256 of the message as read.",
        _MESSAGE,
    )
)

#: The intake domain's acts.
ACTS = (MESSAGE_IMPORT,)
