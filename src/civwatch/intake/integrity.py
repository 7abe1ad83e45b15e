"""What ``civwatch verify`` checks of the intake domain: every imported message against
the ``message-import`` entry that recorded it."""

from __future__ import annotations

from sqlalchemy import select

from civwatch.custody.bindings import AnySelect, Binding, Declarations, fields
from civwatch.intake.message_acts import MESSAGE_IMPORT
from civwatch.intake.models import ImportedMessage


def _messages() -> AnySelect:
    m = ImportedMessage
    return select(
        m.id.label("id"),
        m.custody_leaf.label("leaf"),
        m.platform.label("platform"),
        m.chat.label("chat"),
        m.message_id.label("message_id"),
        m.message_sha256.label("message_sha256"),
        m.export_sha256.label("export_sha256"),
        m.item_sha256.label("sha256"),
        m.status.label("status"),
        m.published_at.label("published_at"),
        m.imported_by.label("imported_by"),
        m.imported_at.label("imported_at"),
    )


def declarations() -> Declarations:
    """The intake domain's bindings."""
    return Declarations(
        bindings=[
            Binding(
                table="intake_message",
                stage="imported chat messages",
                acts=(MESSAGE_IMPORT.name,),
                query=_messages,
                fields=fields(
                    "platform",
                    "chat",
                    "message_id",
                    "message_sha256",
                    "export_sha256",
                    "sha256",
                    "status",
                    ("published_at", "published_at", "time"),
                    ("actor", "imported_by"),
                    ("at", "imported_at", "time"),
                ),
            )
        ]
    )
