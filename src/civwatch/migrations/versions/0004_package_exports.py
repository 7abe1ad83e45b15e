"""package exports: one row per export custody entry

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "package_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipient", sa.String(length=500), nullable=True),
        sa.Column("media", sa.String(length=16), nullable=False),
        sa.Column("items", JSON, nullable=False),
        sa.Column("entries", JSON, nullable=False),
        sa.Column("documents", JSON, nullable=False),
        sa.Column("payload_oxum", sa.String(length=64), nullable=False),
        sa.Column("payload_manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_package_export_incident_id_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_export")),
        sa.UniqueConstraint("custody_leaf", name=op.f("uq_package_export_custody_leaf")),
    )
    with op.batch_alter_table("package_export", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_package_export_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("package_export", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_package_export_incident_id"))
    op.drop_table("package_export")
