"""field testimony: decisions to disclose a witness's identity to a named court, and
quotes marked for anonymised publication

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

WHEN = sa.DateTime(timezone=True)

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_USER = "user_account.id"


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [_USER], name=op.f(f"fk_{table}_{column}_user_account")
    )


def upgrade() -> None:
    op.create_table(
        "testimony_disclosure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("testimony_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        sa.Column("decided_at", WHEN, nullable=False),
        sa.Column("custody_leaf", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", WHEN, nullable=True),
        sa.Column("approve_leaf", sa.Integer(), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.Column("revoke_leaf", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["testimony_id"],
            ["testimony.id"],
            name=op.f("fk_testimony_disclosure_testimony_id_testimony"),
        ),
        _user_fk("testimony_disclosure", "decided_by"),
        _user_fk("testimony_disclosure", "approved_by"),
        _user_fk("testimony_disclosure", "revoked_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testimony_disclosure")),
    )
    op.create_index(
        op.f("ix_testimony_disclosure_testimony_id"), "testimony_disclosure", ["testimony_id"]
    )
    op.create_table(
        "testimony_quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("testimony_id", sa.Integer(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("marked_by", sa.Integer(), nullable=False),
        sa.Column("marked_at", WHEN, nullable=False),
        sa.Column("custody_leaf", sa.Integer(), nullable=False),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", WHEN, nullable=True),
        sa.Column("withdraw_leaf", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["testimony_id"],
            ["testimony.id"],
            name=op.f("fk_testimony_quote_testimony_id_testimony"),
        ),
        _user_fk("testimony_quote", "marked_by"),
        _user_fk("testimony_quote", "withdrawn_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testimony_quote")),
    )
    op.create_index(op.f("ix_testimony_quote_testimony_id"), "testimony_quote", ["testimony_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_testimony_quote_testimony_id"), table_name="testimony_quote")
    op.drop_table("testimony_quote")
    op.drop_index(op.f("ix_testimony_disclosure_testimony_id"), table_name="testimony_disclosure")
    op.drop_table("testimony_disclosure")
