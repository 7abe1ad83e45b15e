"""sign-in defence: remembered browsers, the per-address throttle in the database, and
the time of an account's last failed sign-in

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "sign_in_device",
        sa.Column("id_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_sign_in_device_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id_sha256", name=op.f("pk_sign_in_device")),
    )
    with op.batch_alter_table("sign_in_device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_device_user_id"), ["user_id"], unique=False)
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failure")),
    )
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.create_index("ix_sign_in_failure_client_at", ["client", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sign_in_failure_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_failure_at"))
        batch_op.drop_index("ix_sign_in_failure_client_at")
    op.drop_table("sign_in_failure")
    with op.batch_alter_table("sign_in_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_device_user_id"))
    op.drop_table("sign_in_device")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("last_failed_at")
