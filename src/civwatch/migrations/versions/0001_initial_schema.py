"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 07:19:16.813567
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "custody_leaves",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("appended_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_custody_leaves")),
    )
    op.create_table(
        "custody_nodes",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_custody_nodes")),
    )
    op.create_table(
        "custody_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_state")),
    )
    op.create_table(
        "custody_tree_heads",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_tree_heads")),
    )
    with op.batch_alter_table("custody_tree_heads", schema=None) as batch_op:
        batch_op.create_index("ix_custody_tree_heads_tree_size", ["tree_size"], unique=False)

    op.create_table(
        "evidence_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=255), nullable=False),
        sa.Column("original_name", sa.Text(), nullable=False),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("collected_by", sa.String(length=255), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "exiftool",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "c2pa",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "warnings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("ingest_leaf", sa.BigInteger(), nullable=False),
        sa.Column("extraction_leaf", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_item")),
        sa.UniqueConstraint("sha256", name=op.f("uq_evidence_item_sha256")),
    )
    op.create_table(
        "evidence_sighting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("collected_by", sa.String(length=255), nullable=False),
        sa.Column("original_name", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("platform", sa.String(length=255), nullable=True),
        sa.Column("account", sa.String(length=255), nullable=True),
        sa.Column("post_id", sa.String(length=255), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["evidence_item.id"],
            name=op.f("fk_evidence_sighting_item_id_evidence_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_sighting")),
        sa.UniqueConstraint("item_id", "fingerprint", name=op.f("uq_evidence_sighting_item_id")),
    )
    with op.batch_alter_table("evidence_sighting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_sighting_item_id"), ["item_id"], unique=False)

    op.create_table(
        "media_hash",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("view", sa.String(length=64), nullable=False),
        sa.Column("frame_t", sa.Double(), nullable=True),
        sa.Column("bits", sa.LargeBinary(length=32), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["evidence_item.id"], name=op.f("fk_media_hash_item_id_evidence_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_hash")),
    )
    with op.batch_alter_table("media_hash", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_hash_item_id"), ["item_id"], unique=False)

    op.create_table(
        "media_hashing",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("hashed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["evidence_item.id"], name=op.f("fk_media_hashing_item_id_evidence_item")
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_media_hashing")),
    )
    op.create_table(
        "media_match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("transform", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["evidence_item.id"], name=op.f("fk_media_match_item_id_evidence_item")
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["evidence_item.id"], name=op.f("fk_media_match_other_id_evidence_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_match")),
        sa.UniqueConstraint("item_id", "other_id", name=op.f("uq_media_match_item_id")),
    )
    with op.batch_alter_table("media_match", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_match_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_match_other_id"), ["other_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("media_match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_match_other_id"))
        batch_op.drop_index(batch_op.f("ix_media_match_item_id"))

    op.drop_table("media_match")
    op.drop_table("media_hashing")
    with op.batch_alter_table("media_hash", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_hash_item_id"))

    op.drop_table("media_hash")
    with op.batch_alter_table("evidence_sighting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_sighting_item_id"))

    op.drop_table("evidence_sighting")
    op.drop_table("evidence_item")
    with op.batch_alter_table("custody_tree_heads", schema=None) as batch_op:
        batch_op.drop_index("ix_custody_tree_heads_tree_size")

    op.drop_table("custody_tree_heads")
    op.drop_table("custody_state")
    op.drop_table("custody_nodes")
    op.drop_table("custody_leaves")
