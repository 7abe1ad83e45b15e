"""intake: the messages of chat exports (Telegram, WhatsApp) brought in

Revision ID: 0012
Revises: 0011 (made in parallel from 0009, re-chained at merge)
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("chat", sa.String(length=255), nullable=False),
        sa.Column("chat_name", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("message_sha256", sa.String(length=64), nullable=False),
        sa.Column("export_sha256", sa.String(length=64), nullable=False),
        sa.Column("item_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.Column("imported_by", sa.String(length=255), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_message")),
        sa.UniqueConstraint(
            "platform",
            "chat",
            "message_id",
            "message_sha256",
            name=op.f("uq_intake_message_key"),
        ),
    )
    op.create_index(
        op.f("ix_intake_message_item_sha256"), "intake_message", ["item_sha256"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_intake_message_item_sha256"), table_name="intake_message")
    op.drop_table("intake_message")
