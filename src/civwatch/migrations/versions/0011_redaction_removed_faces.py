"""a redaction records the face finder's boxes the reviewer removed

Revision ID: 0011
Revises: 0010 (made in parallel from 0009, re-chained at merge)
Create Date: 2026-12-06 20:05:00

- ``media_redaction`` gains ``removed_faces`` (JSON, nullable): the faces the finder found
  that the reviewer removed on the preview and that were not blurred. Before, removing a
  box turned face finding off and sent the kept boxes as areas drawn by hand, so the record
  could not tell found faces from drawn areas. Redactions made before keep NULL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    with op.batch_alter_table("media_redaction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_faces", json_type, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media_redaction", schema=None) as batch_op:
        batch_op.drop_column("removed_faces")
