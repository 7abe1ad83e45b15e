"""the protection desk's trust gaps: a consent override names its partner or channel, and
a request for emergency access may name an id that is no person (answered as any other)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 05:30:00

- ``protection_override`` gains ``partner_id`` (a referral's override holds for that
  partner only) and ``channel`` (a contact override's). Overrides recorded before for a
  referral or contact name neither and so hold for no partner or channel any more: a lead
  records them again for the partner or channel meant (the narrow reading fails closed).
- ``protection_access_grant.person_id`` loses its foreign key: a request for an id that
  names no person is kept like any other (the asker cannot tell it from a person outside
  their reach; a lead refuses it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_GRANT_PERSON_FK = "fk_protection_access_grant_person_id_protection_person"
_OVERRIDE_PARTNER_FK = "fk_protection_override_partner_id_protection_partner"


def upgrade() -> None:
    with op.batch_alter_table("protection_override", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("channel", sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f(_OVERRIDE_PARTNER_FK), "protection_partner", ["partner_id"], ["id"]
        )
    with op.batch_alter_table("protection_access_grant", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(_GRANT_PERSON_FK), type_="foreignkey")


def downgrade() -> None:
    # Requests naming no person cannot keep a foreign key to the person table.
    op.execute(
        "DELETE FROM protection_access_grant WHERE person_id NOT IN "
        "(SELECT id FROM protection_person)"
    )
    with op.batch_alter_table("protection_access_grant", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f(_GRANT_PERSON_FK), "protection_person", ["person_id"], ["id"]
        )
    with op.batch_alter_table("protection_override", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(_OVERRIDE_PARTNER_FK), type_="foreignkey")
        batch_op.drop_column("channel")
        batch_op.drop_column("partner_id")
