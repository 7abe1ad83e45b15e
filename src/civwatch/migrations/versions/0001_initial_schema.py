"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 08:05:08.056319
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
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("client", sa.String(length=255), nullable=True),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_at"), ["at"], unique=False)

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
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_precision", sa.String(length=16), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=False),
        sa.Column("settlement", sa.String(length=255), nullable=True),
        sa.Column("raion", sa.String(length=255), nullable=True),
        sa.Column("oblast", sa.String(length=255), nullable=True),
        sa.Column("incident_type", sa.String(length=64), nullable=False),
        sa.Column(
            "casualties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("killed_min", sa.Integer(), nullable=True),
        sa.Column("killed_max", sa.Integer(), nullable=True),
        sa.Column("injured_min", sa.Integer(), nullable=True),
        sa.Column("injured_max", sa.Integer(), nullable=True),
        sa.Column("perpetrator", sa.String(length=255), nullable=True),
        sa.Column("perpetrator_confidence", sa.String(length=16), nullable=True),
        sa.Column(
            "ihl_concerns",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("proposed_status", sa.String(length=32), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("text_key", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index("ix_incident_lat_lon", ["lat", "lon"], unique=False)
        batch_op.create_index("ix_incident_oblast_start", ["oblast", "start_at"], unique=False)
        batch_op.create_index("ix_incident_start_at", ["start_at"], unique=False)
        batch_op.create_index("ix_incident_status", ["status"], unique=False)
        batch_op.create_index("ix_incident_type_start", ["incident_type", "start_at"], unique=False)

    op.create_table(
        "protected_place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protected_place")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_protected_place_source")),
    )
    with op.batch_alter_table("protected_place", schema=None) as batch_op:
        batch_op.create_index("ix_protected_place_lat_lon", ["lat", "lon"], unique=False)

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column(
            "roles",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_table(
        "vocabulary_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vocabulary_term")),
        sa.UniqueConstraint("kind", "code", name=op.f("uq_vocabulary_term_kind")),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_api_token_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_token_token_sha256")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

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
        "incident_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_evidence_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["evidence_item.id"],
            name=op.f("fk_incident_evidence_item_id_evidence_item"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["incident_evidence.id"],
            name=op.f("fk_incident_evidence_supersedes_id_incident_evidence"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_evidence")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_incident_evidence_supersedes_id")),
    )
    with op.batch_alter_table("incident_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_evidence_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incident_evidence_item_id"), ["item_id"], unique=False)

    op.create_table(
        "incident_object",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_object_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("incident_id", "term", name=op.f("pk_incident_object")),
    )
    with op.batch_alter_table("incident_object", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_object_term_incident", ["term", "incident_id"], unique=False
        )

    op.create_table(
        "incident_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "doc",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("doc_sha256", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_revision_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_revision")),
        sa.UniqueConstraint(
            "incident_id", "revision", name=op.f("uq_incident_revision_incident_id")
        ),
    )
    op.create_table(
        "incident_suggestion_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_suggestion_decision_incident_id_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["evidence_item.id"],
            name=op.f("fk_incident_suggestion_decision_item_id_evidence_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_suggestion_decision")),
    )
    with op.batch_alter_table("incident_suggestion_decision", schema=None) as batch_op:
        batch_op.create_index(
            "ix_suggestion_decision_item", ["item_id", "incident_id"], unique=False
        )

    op.create_table(
        "incident_transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("act", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("proposed_status", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_transition_incident_id_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_transition")),
    )
    with op.batch_alter_table("incident_transition", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_transition_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "incident_weapon",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_weapon_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("incident_id", "term", name=op.f("pk_incident_weapon")),
    )
    with op.batch_alter_table("incident_weapon", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_weapon_term"), ["term"], unique=False)

    op.create_table(
        "item_transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("act", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("proposed_status", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["evidence_item.id"], name=op.f("fk_item_transition_item_id_evidence_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_transition")),
    )
    with op.batch_alter_table("item_transition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_transition_item_id"), ["item_id"], unique=False)

    op.create_table(
        "item_verification",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("proposed_status", sa.String(length=32), nullable=True),
        sa.Column("submitted_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["evidence_item.id"],
            name=op.f("fk_item_verification_item_id_evidence_item"),
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_verification")),
    )
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

    op.create_table(
        "verification_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["evidence_item.id"],
            name=op.f("fk_verification_record_item_id_evidence_item"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["verification_record.id"],
            name=op.f("fk_verification_record_supersedes_id_verification_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_record")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_verification_record_supersedes_id")),
    )
    with op.batch_alter_table("verification_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verification_record_item_id"), ["item_id"], unique=False
        )

    op.create_table(
        "web_session",
        sa.Column("id_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_web_session_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id_sha256", name=op.f("pk_web_session")),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_user_id"), ["user_id"], unique=False)

    # Evidence search (civwatch.evidence.search): filters served newest first by index.
    with op.batch_alter_table("evidence_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_item_collected_by_id"), ["collected_by", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evidence_item_media_type_id"), ["media_type", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evidence_item_collected_at"), ["collected_at"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # Full-text search on sightings. The expression must stay exactly search.PG_DOCUMENT
        # (tests/evidence/test_search.py checks it), or the planner cannot use the index.
        op.execute(
            "CREATE INDEX ix_evidence_sighting_words ON evidence_sighting USING gin ("
            "to_tsvector('simple'::regconfig, "
            "coalesce(evidence_sighting.original_name, '') || ' ' || "
            "coalesce(evidence_sighting.caption, '') || ' ' || "
            "coalesce(evidence_sighting.account, '') || ' ' || "
            "coalesce(evidence_sighting.platform, '') || ' ' || "
            "coalesce(evidence_sighting.source_url, '') || ' ' || "
            "coalesce(evidence_sighting.post_id, '')))"
        )


def downgrade() -> None:

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_evidence_sighting_words")
    with op.batch_alter_table("evidence_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_item_collected_at"))
        batch_op.drop_index(batch_op.f("ix_evidence_item_media_type_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_item_collected_by_id"))

    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_user_id"))

    op.drop_table("web_session")
    with op.batch_alter_table("verification_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_record_item_id"))

    op.drop_table("verification_record")
    with op.batch_alter_table("media_match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_match_other_id"))
        batch_op.drop_index(batch_op.f("ix_media_match_item_id"))

    op.drop_table("media_match")
    op.drop_table("media_hashing")
    with op.batch_alter_table("media_hash", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_hash_item_id"))

    op.drop_table("media_hash")
    op.drop_table("item_verification")
    with op.batch_alter_table("item_transition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_transition_item_id"))

    op.drop_table("item_transition")
    with op.batch_alter_table("incident_weapon", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_weapon_term"))

    op.drop_table("incident_weapon")
    with op.batch_alter_table("incident_transition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_transition_incident_id"))

    op.drop_table("incident_transition")
    with op.batch_alter_table("incident_suggestion_decision", schema=None) as batch_op:
        batch_op.drop_index("ix_suggestion_decision_item")

    op.drop_table("incident_suggestion_decision")
    op.drop_table("incident_revision")
    with op.batch_alter_table("incident_object", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_object_term_incident")

    op.drop_table("incident_object")
    with op.batch_alter_table("incident_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_evidence_item_id"))
        batch_op.drop_index(batch_op.f("ix_incident_evidence_incident_id"))

    op.drop_table("incident_evidence")
    with op.batch_alter_table("evidence_sighting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_sighting_item_id"))

    op.drop_table("evidence_sighting")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    op.drop_table("vocabulary_term")
    op.drop_table("user_account")
    with op.batch_alter_table("protected_place", schema=None) as batch_op:
        batch_op.drop_index("ix_protected_place_lat_lon")

    op.drop_table("protected_place")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_type_start")
        batch_op.drop_index("ix_incident_status")
        batch_op.drop_index("ix_incident_start_at")
        batch_op.drop_index("ix_incident_oblast_start")
        batch_op.drop_index("ix_incident_lat_lon")

    op.drop_table("incident")
    op.drop_table("evidence_item")
    with op.batch_alter_table("custody_tree_heads", schema=None) as batch_op:
        batch_op.drop_index("ix_custody_tree_heads_tree_size")

    op.drop_table("custody_tree_heads")
    op.drop_table("custody_state")
    op.drop_table("custody_nodes")
    op.drop_table("custody_leaves")
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_at"))
        batch_op.drop_index(batch_op.f("ix_audit_actor"))

    op.drop_table("audit")
