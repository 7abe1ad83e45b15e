"""the relief fund's stored sanctions list and its bank statement matches

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "relief_sanctions_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("names", _JSON, nullable=False),
        sa.Column("births", _JSON, nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by"],
            ["user_account.id"],
            name=op.f("fk_relief_sanctions_entry_imported_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_sanctions_entry")),
    )
    op.create_table(
        "relief_statement_match",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("line_hash", sa.String(length=64), nullable=False),
        sa.Column("payment_id", _BIG_ID, nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["user_account.id"],
            name=op.f("fk_relief_statement_match_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["relief_fund.id"],
            name=op.f("fk_relief_statement_match_fund_id_relief_fund"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["relief_grant_act.id"],
            name=op.f("fk_relief_statement_match_payment_id_relief_grant_act"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_statement_match")),
        sa.UniqueConstraint("line_hash", name=op.f("uq_relief_statement_match_line_hash")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_relief_statement_match_payment_id")),
    )
    with op.batch_alter_table("relief_statement_match", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relief_statement_match_fund_id"), ["fund_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("relief_statement_match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relief_statement_match_fund_id"))
    op.drop_table("relief_statement_match")
    op.drop_table("relief_sanctions_entry")
