"""shelters: the registry (shelters, their sources, the imports that filled it, its
version), and the public's reports on shelters

Revision ID: 0009
Revises: 0007 (re-pointed to 0008 at merge: 0008 is made in parallel)
Create Date: 2026-12-06 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shelter_registry_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reports_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_registry_state")),
    )
    # The one row, made here so that two first changes at once never race to insert it.
    op.execute("INSERT INTO shelter_registry_state (id, version, reports_version) VALUES (1, 0, 0)")
    op.create_table(
        "shelters",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("underground", sa.Boolean(), nullable=True),
        sa.Column("level", sa.String(length=32), nullable=True),
        sa.Column("step_free", sa.Boolean(), nullable=True),
        sa.Column("ramp", sa.Boolean(), nullable=True),
        sa.Column("lift", sa.Boolean(), nullable=True),
        sa.Column("accessible_toilet", sa.Boolean(), nullable=True),
        sa.Column("facilities", JSON, nullable=False),
        sa.Column("opening_kind", sa.String(length=16), nullable=True),
        sa.Column("opening_hours", sa.String(length=255), nullable=True),
        sa.Column("key_holder", sa.Text(), nullable=True),
        sa.Column("key_holder_contact", sa.Text(), nullable=True),
        sa.Column("responsible_body", sa.Text(), nullable=True),
        sa.Column("katottg", sa.String(length=32), nullable=True),
        sa.Column("hromada", sa.String(length=200), nullable=True),
        sa.Column("registry_status", sa.String(length=16), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("gone_from_source_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelters")),
    )
    with op.batch_alter_table("shelters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shelters_katottg"), ["katottg"], unique=False)

    op.create_table(
        "shelter_imports",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("dataset", sa.String(length=200), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("marked_gone", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by"], ["user_account.id"], name=op.f("fk_shelter_imports_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_imports")),
    )
    op.create_table(
        "shelter_reports",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("shelter_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("accessibility", JSON, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_sha256", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user_account.id"],
            name=op.f("fk_shelter_reports_decided_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["shelter_id"], ["shelters.id"], name=op.f("fk_shelter_reports_shelter_id_shelters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_reports")),
    )
    with op.batch_alter_table("shelter_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shelter_reports_shelter_state", ["shelter_id", "state", "received_at"], unique=False
        )
        batch_op.create_index(
            "ix_shelter_reports_state_received", ["state", "received_at"], unique=False
        )

    op.create_table(
        "shelter_sources",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=128), nullable=False),
        sa.Column("shelter_id", sa.String(length=40), nullable=False),
        sa.Column("dataset", sa.String(length=200), nullable=False),
        sa.Column("last_import_id", sa.String(length=40), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["last_import_id"],
            ["shelter_imports.id"],
            name=op.f("fk_shelter_sources_last_import_id_shelter_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["shelter_id"], ["shelters.id"], name=op.f("fk_shelter_sources_shelter_id_shelters")
        ),
        sa.PrimaryKeyConstraint("kind", "source_id", name=op.f("pk_shelter_sources")),
    )
    with op.batch_alter_table("shelter_sources", schema=None) as batch_op:
        batch_op.create_index("ix_shelter_sources_kind_dataset", ["kind", "dataset"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_shelter_sources_shelter_id"), ["shelter_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shelter_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shelter_sources_shelter_id"))
        batch_op.drop_index("ix_shelter_sources_kind_dataset")

    op.drop_table("shelter_sources")
    with op.batch_alter_table("shelter_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_shelter_reports_state_received")
        batch_op.drop_index("ix_shelter_reports_shelter_state")

    op.drop_table("shelter_reports")
    op.drop_table("shelter_imports")
    with op.batch_alter_table("shelters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shelters_katottg"))

    op.drop_table("shelters")
    op.drop_table("shelter_registry_state")
