"""field testimony: testimonies, their witnesses (identity sealed), incidents,
attachments, consent and team; the protection desk's held keys

Revision ID: 0013
Revises: 0012 (made in parallel from 0009, re-chained at merge)
Create Date: 2026-12-06 20:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = sa.DateTime(timezone=True)

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "protection_held_key",
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("shredded_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("owner", name=op.f("pk_protection_held_key")),
    )
    op.create_table(
        "testimony_witness",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("name", sa.LargeBinary(), nullable=True),
        sa.Column("contacts", sa.LargeBinary(), nullable=True),
        sa.Column("birth_date", sa.LargeBinary(), nullable=True),
        sa.Column("residence", sa.LargeBinary(), nullable=True),
        sa.Column("deleted_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_testimony_witness_created_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testimony_witness")),
        sa.UniqueConstraint("code", name=op.f("uq_testimony_witness_code")),
    )
    op.create_table(
        "testimony",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("witness_id", sa.String(length=40), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("taken_at", WHEN, nullable=False),
        sa.Column("taken_place", sa.String(length=300), nullable=True),
        sa.Column("interviewer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("flags", JSON, nullable=False),
        sa.Column("custody_leaf", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interviewer_id"],
            ["user_account.id"],
            name=op.f("fk_testimony_interviewer_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["witness_id"],
            ["testimony_witness.id"],
            name=op.f("fk_testimony_witness_id_testimony_witness"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testimony")),
    )
    op.create_index(op.f("ix_testimony_interviewer_id"), "testimony", ["interviewer_id"])
    op.create_index(op.f("ix_testimony_witness_id"), "testimony", ["witness_id"])
    op.create_table(
        "testimony_incident",
        sa.Column("testimony_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_testimony_incident_incident_id_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["testimony_id"],
            ["testimony.id"],
            name=op.f("fk_testimony_incident_testimony_id_testimony"),
        ),
        sa.PrimaryKeyConstraint("testimony_id", "incident_id", name=op.f("pk_testimony_incident")),
    )
    op.create_index(
        op.f("ix_testimony_incident_incident_id"), "testimony_incident", ["incident_id"]
    )
    op.create_table(
        "testimony_attachment",
        sa.Column("testimony_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["testimony_id"],
            ["testimony.id"],
            name=op.f("fk_testimony_attachment_testimony_id_testimony"),
        ),
        sa.PrimaryKeyConstraint("testimony_id", "sha256", name=op.f("pk_testimony_attachment")),
    )
    op.create_table(
        "testimony_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("testimony_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=300), nullable=True),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("custody_leaf", sa.Integer(), nullable=False),
        sa.Column("withdrawn_at", WHEN, nullable=True),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.Column("withdraw_leaf", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_testimony_consent_recorded_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["testimony_id"],
            ["testimony.id"],
            name=op.f("fk_testimony_consent_testimony_id_testimony"),
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"],
            ["user_account.id"],
            name=op.f("fk_testimony_consent_withdrawn_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testimony_consent")),
    )
    op.create_index(
        op.f("ix_testimony_consent_testimony_id"), "testimony_consent", ["testimony_id"]
    )
    op.create_table(
        "testimony_member",
        sa.Column("testimony_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=False),
        sa.Column("added_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["user_account.id"],
            name=op.f("fk_testimony_member_added_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["testimony_id"],
            ["testimony.id"],
            name=op.f("fk_testimony_member_testimony_id_testimony"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_testimony_member_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("testimony_id", "user_id", name=op.f("pk_testimony_member")),
    )
    op.create_index(op.f("ix_testimony_member_user_id"), "testimony_member", ["user_id"])


def downgrade() -> None:
    for index, table in (
        ("ix_testimony_member_user_id", "testimony_member"),
        ("ix_testimony_consent_testimony_id", "testimony_consent"),
        ("ix_testimony_incident_incident_id", "testimony_incident"),
        ("ix_testimony_witness_id", "testimony"),
        ("ix_testimony_interviewer_id", "testimony"),
    ):
        op.drop_index(op.f(index), table_name=table)
    for table in (
        "testimony_member",
        "testimony_consent",
        "testimony_attachment",
        "testimony_incident",
        "testimony",
        "testimony_witness",
        "protection_held_key",
    ):
        op.drop_table(table)
