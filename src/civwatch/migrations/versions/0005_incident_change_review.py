"""incident change review and the public version

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-01 10:00:00

Edits to concluded incidents become proposed changes (``incident_revision.state`` and
``base_revision``, decisions in ``incident_change_decision``), and ``incident`` gets
``public_changed_at``, the stamp public answers are cached on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_incident_public_changed_at", ["public_changed_at"], unique=False)
    # Incidents public now: their public content last changed at the latest of their
    # changes (the best bound known; the stamp only has to move from now on).
    op.execute("UPDATE incident SET public_changed_at = updated_at WHERE visibility = 'public'")

    with op.batch_alter_table("incident_revision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=16), server_default="applied", nullable=False)
        )
        batch_op.add_column(sa.Column("base_revision", sa.Integer(), nullable=True))
        batch_op.create_index("ix_incident_revision_state", ["state", "incident_id"], unique=False)

    op.create_table(
        "incident_change_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("act", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_change_decision_incident_id_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["incident_revision.id"],
            name=op.f("fk_incident_change_decision_revision_id_incident_revision"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_change_decision")),
    )
    with op.batch_alter_table("incident_change_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_change_decision_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incident_change_decision_revision_id"), ["revision_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_change_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_change_decision_revision_id"))
        batch_op.drop_index(batch_op.f("ix_incident_change_decision_incident_id"))
    op.drop_table("incident_change_decision")
    with op.batch_alter_table("incident_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_revision_state")
        batch_op.drop_column("base_revision")
        batch_op.drop_column("state")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_public_changed_at")
        batch_op.drop_column("public_changed_at")
