"""protection desk: indexes for an officer's reach (the dashboard's lists and need to know)

An officer's dashboard reads the people they reach (those they registered, those of their
cases) and their open cases. Three indexes let it read only those rows, from the index:

- ``protection_person (created_by, next_review)`` replaces ``(created_by)``: the reviews due
  of the people an officer registered are one range of it, not all of theirs read row by row;
- ``protection_case_member (user_id, case_id, role)`` replaces ``(user_id)``: an officer's
  cases and roles without reading the member rows;
- ``protection_case (id, person_id)``: a case's person without reading the case's row
  (SQLite keeps a table's rows apart from the index of a text primary key).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 20:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_protection_person_created_by", table_name="protection_person")
    op.create_index(
        "ix_protection_person_created_by_next_review",
        "protection_person",
        ["created_by", "next_review"],
    )
    op.drop_index("ix_protection_case_member_user_id", table_name="protection_case_member")
    op.create_index(
        "ix_protection_case_member_user_case",
        "protection_case_member",
        ["user_id", "case_id", "role"],
    )
    op.create_index("ix_protection_case_id_person", "protection_case", ["id", "person_id"])


def downgrade() -> None:
    op.drop_index("ix_protection_case_id_person", table_name="protection_case")
    op.drop_index("ix_protection_case_member_user_case", table_name="protection_case_member")
    op.create_index("ix_protection_case_member_user_id", "protection_case_member", ["user_id"])
    op.drop_index("ix_protection_person_created_by_next_review", table_name="protection_person")
    op.create_index("ix_protection_person_created_by", "protection_person", ["created_by"])
