"""the relief fund: funds, grant requests, vetting, acts on grants, the double-entry
ledger (transactions, postings) and the relief log's own custody tables

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 23:17:46
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "relief_log_leaves",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("appended_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_relief_log_leaves")),
    )
    op.create_table(
        "relief_log_nodes",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_relief_log_nodes")),
    )
    op.create_table(
        "relief_log_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_log_state")),
    )
    op.create_table(
        "relief_log_tree_heads",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_log_tree_heads")),
    )
    with op.batch_alter_table("relief_log_tree_heads", schema=None) as batch_op:
        batch_op.create_index("ix_relief_log_tree_heads_tree_size", ["tree_size"], unique=False)

    op.create_table(
        "relief_fund",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("donor", sa.String(length=200), nullable=True),
        sa.Column(
            "purposes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "regions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_relief_fund_created_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_fund")),
        sa.UniqueConstraint("name", name=op.f("uq_relief_fund_name")),
    )
    op.create_table(
        "relief_grant",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("eur_rate", sa.String(length=40), nullable=False),
        sa.Column("amount_eur_cents", sa.BigInteger(), nullable=False),
        sa.Column("oblast", sa.String(length=64), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("justification", sa.LargeBinary(), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approvals_needed", sa.Integer(), nullable=False),
        sa.Column("release_needed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["relief_fund.id"], name=op.f("fk_relief_grant_fund_id_relief_fund")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["user_account.id"],
            name=op.f("fk_relief_grant_requested_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_grant")),
    )
    with op.batch_alter_table("relief_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relief_grant_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_relief_grant_fund_id"), ["fund_id"], unique=False)
        batch_op.create_index("ix_relief_grant_person_state", ["person_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_relief_grant_state"), ["state"], unique=False)

    op.create_table(
        "relief_transaction",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.String(length=40), nullable=True),
        sa.Column("eur_rate", sa.String(length=40), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column(
            "reverses_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("log_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["user_account.id"], name=op.f("fk_relief_transaction_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["relief_fund.id"], name=op.f("fk_relief_transaction_fund_id_relief_fund")
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["relief_grant.id"],
            name=op.f("fk_relief_transaction_grant_id_relief_grant"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["relief_transaction.id"],
            name=op.f("fk_relief_transaction_reverses_id_relief_transaction"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_transaction")),
        sa.UniqueConstraint("log_leaf", name=op.f("uq_relief_transaction_log_leaf")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_relief_transaction_reverses_id")),
    )
    with op.batch_alter_table("relief_transaction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relief_transaction_booked_on"), ["booked_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_relief_transaction_fund_id"), ["fund_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_relief_transaction_grant_id"), ["grant_id"], unique=False
        )

    op.create_table(
        "relief_vetting",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["user_account.id"], name=op.f("fk_relief_vetting_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["relief_grant.id"], name=op.f("fk_relief_vetting_grant_id_relief_grant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_vetting")),
    )
    with op.batch_alter_table("relief_vetting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relief_vetting_grant_id"), ["grant_id"], unique=False)

    op.create_table(
        "relief_grant_act",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("act", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column(
            "transaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["relief_grant.id"],
            name=op.f("fk_relief_grant_act_grant_id_relief_grant"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["relief_transaction.id"],
            name=op.f("fk_relief_grant_act_transaction_id_relief_transaction"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_relief_grant_act_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_grant_act")),
    )
    with op.batch_alter_table("relief_grant_act", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relief_grant_act_grant_id"), ["grant_id"], unique=False
        )

    op.create_table(
        "relief_posting",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "transaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=120), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["relief_fund.id"], name=op.f("fk_relief_posting_fund_id_relief_fund")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["relief_transaction.id"],
            name=op.f("fk_relief_posting_transaction_id_relief_transaction"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_posting")),
    )
    with op.batch_alter_table("relief_posting", schema=None) as batch_op:
        batch_op.create_index(
            "ix_relief_posting_fund_account",
            ["fund_id", "account", "currency", "amount_minor"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_relief_posting_transaction_id"), ["transaction_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("relief_posting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relief_posting_transaction_id"))
        batch_op.drop_index("ix_relief_posting_fund_account")

    op.drop_table("relief_posting")
    with op.batch_alter_table("relief_grant_act", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relief_grant_act_grant_id"))

    op.drop_table("relief_grant_act")
    with op.batch_alter_table("relief_vetting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relief_vetting_grant_id"))

    op.drop_table("relief_vetting")
    with op.batch_alter_table("relief_transaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relief_transaction_grant_id"))
        batch_op.drop_index(batch_op.f("ix_relief_transaction_fund_id"))
        batch_op.drop_index(batch_op.f("ix_relief_transaction_booked_on"))

    op.drop_table("relief_transaction")
    with op.batch_alter_table("relief_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relief_grant_state"))
        batch_op.drop_index("ix_relief_grant_person_state")
        batch_op.drop_index(batch_op.f("ix_relief_grant_fund_id"))
        batch_op.drop_index(batch_op.f("ix_relief_grant_case_id"))

    op.drop_table("relief_grant")
    op.drop_table("relief_fund")
    with op.batch_alter_table("relief_log_tree_heads", schema=None) as batch_op:
        batch_op.drop_index("ix_relief_log_tree_heads_tree_size")

    op.drop_table("relief_log_tree_heads")
    op.drop_table("relief_log_state")
    op.drop_table("relief_log_nodes")
    op.drop_table("relief_log_leaves")
