"""protection desk: a person's blind index tokens as one list (a GIN index over them on
PostgreSQL), and covering indexes for the dashboard's reviews due

- ``protection_token_set (person_id, tokens)``: every token of a person's blind index in
  one row, filled here from ``protection_blind_index``. On PostgreSQL its GIN index
  (``ix_protection_token_set_tokens``, on PostgreSQL only: SQLite has no such index) finds
  the people holding a token of every word of a name in one bitmap AND.
- ``protection_person (created_by, next_review)`` widened with ``deleted_at, id,
  risk_level``, and ``protection_person (id, next_review, deleted_at, risk_level)``: the
  reviews due of an officer's people read from the indexes alone.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TOKEN_LIST = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "protection_token_set",
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("tokens", TOKEN_LIST, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["protection_person.id"],
            name=op.f("fk_protection_token_set_person_id_protection_person"),
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_protection_token_set")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(
            "INSERT INTO protection_token_set (person_id, tokens) "
            "SELECT person_id, array_agg(token ORDER BY token) FROM protection_blind_index "
            "GROUP BY person_id"
        )
        op.execute(
            "CREATE INDEX ix_protection_token_set_tokens ON protection_token_set USING gin (tokens)"
        )
    else:
        op.execute(
            "INSERT INTO protection_token_set (person_id, tokens) "
            "SELECT person_id, json_group_array(token) FROM "
            "(SELECT person_id, token FROM protection_blind_index ORDER BY person_id, token) "
            "GROUP BY person_id"
        )
    op.drop_index("ix_protection_person_created_by_next_review", table_name="protection_person")
    op.create_index(
        "ix_protection_person_created_by_next_review",
        "protection_person",
        ["created_by", "next_review", "deleted_at", "id", "risk_level"],
    )
    op.create_index(
        "ix_protection_person_id_review",
        "protection_person",
        ["id", "next_review", "deleted_at", "risk_level"],
    )


def downgrade() -> None:
    op.drop_index("ix_protection_person_id_review", table_name="protection_person")
    op.drop_index("ix_protection_person_created_by_next_review", table_name="protection_person")
    op.create_index(
        "ix_protection_person_created_by_next_review",
        "protection_person",
        ["created_by", "next_review"],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_protection_token_set_tokens", table_name="protection_token_set")
    op.drop_table("protection_token_set")
