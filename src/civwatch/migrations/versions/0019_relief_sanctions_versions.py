"""the sanctions list's versions: each import, and the version each screening ran against

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "relief_sanctions_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by"],
            ["user_account.id"],
            name=op.f("fk_relief_sanctions_version_imported_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_sanctions_version")),
    )
    with op.batch_alter_table("relief_sanctions_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_relief_sanctions_entry_version_id_relief_sanctions_version"),
            "relief_sanctions_version",
            ["version_id"],
            ["id"],
        )
    with op.batch_alter_table("relief_vetting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("list_version", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_relief_vetting_list_version_relief_sanctions_version"),
            "relief_sanctions_version",
            ["list_version"],
            ["id"],
        )
    # A list imported before versions were kept becomes version 1, its file's hash not
    # known; screenings made against it name no version, so their grants are screened
    # again before approval.
    op.execute(
        "INSERT INTO relief_sanctions_version (sha256, entries, imported_at, imported_by) "
        "SELECT NULL, listed.n, listed.last_at, listed.first_by FROM ("
        "SELECT count(*) AS n, max(imported_at) AS last_at, min(imported_by) AS first_by "
        "FROM relief_sanctions_entry) AS listed WHERE listed.n > 0"
    )
    op.execute(
        "UPDATE relief_sanctions_entry SET version_id = "
        "(SELECT max(id) FROM relief_sanctions_version)"
    )


def downgrade() -> None:
    with op.batch_alter_table("relief_vetting", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_relief_vetting_list_version_relief_sanctions_version"),
            type_="foreignkey",
        )
        batch_op.drop_column("list_version")
    with op.batch_alter_table("relief_sanctions_entry", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_relief_sanctions_entry_version_id_relief_sanctions_version"),
            type_="foreignkey",
        )
        batch_op.drop_column("version_id")
    op.drop_table("relief_sanctions_version")
