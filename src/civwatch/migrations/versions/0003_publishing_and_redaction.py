"""publishing and redaction

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "public_location_precision",
                sa.String(length=16),
                server_default="settlement",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("public_lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("public_lon", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("public_place", sa.String(length=600), nullable=True))
        batch_op.add_column(
            sa.Column("internal_notes", sa.Text(), server_default="", nullable=False)
        )
        batch_op.create_index(
            "ix_incident_public_lat_lon", ["public_lat", "public_lon"], unique=False
        )
        batch_op.create_index("ix_incident_updated_at", ["updated_at"], unique=False)
    _backfill_public_locations()

    op.create_table(
        "incident_witness",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_witness_incident_id_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_witness")),
    )
    with op.batch_alter_table("incident_witness", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_witness_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "incident_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_correction_incident_id_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_correction")),
    )
    with op.batch_alter_table("incident_correction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_correction_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "media_redaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("original_sha256", sa.String(length=64), nullable=False),
        sa.Column("derivative_sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("actions", JSON, nullable=False),
        sa.Column("blur_faces", sa.Boolean(), nullable=False),
        sa.Column("faces_found", sa.Integer(), nullable=False),
        sa.Column("face_boxes", JSON, nullable=False),
        sa.Column("regions", JSON, nullable=False),
        sa.Column("graphic", sa.Boolean(), nullable=False),
        sa.Column("metadata_left", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_leaf", sa.BigInteger(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["evidence_item.id"],
            name=op.f("fk_media_redaction_item_id_evidence_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_redaction")),
    )
    with op.batch_alter_table("media_redaction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_redaction_derivative_sha256"),
            ["derivative_sha256"],
            unique=False,
        )
        batch_op.create_index("ix_media_redaction_item_status", ["item_id", "status"], unique=False)


#: The settlement precision's grid without a gazetteer, as it was at this revision.
_SETTLEMENT_CELL_DEG = 0.1


def _settlement_point(
    lat: float, lon: float, settlement: str | None, oblast: str | None
) -> tuple[float, float, str]:
    """The public point of an incident at settlement precision without the gazetteer,
    frozen as this revision computed it (a migration must not change meaning when the live
    coarsening does): the centre of its 0.1 degree cell, labelled with its settlement and
    oblast."""
    size = _SETTLEMENT_CELL_DEG
    clat = (math.floor(lat / size) + 0.5) * size
    clon = (math.floor(lon / size) + 0.5) * size
    names: list[str] = []
    for name in (settlement, oblast):
        if name and name not in names:
            names.append(name)
    return (
        round(min(max(clat, -90.0), 90.0), 6),
        round(((clon + 180.0) % 360.0) - 180.0, 6),
        ", ".join(names),
    )


def _backfill_public_locations() -> None:
    """Incidents made before this revision get their public (coarsened) point, computed
    without the gazetteer: never more precise than the settlement it would name. The next
    edit of an incident recomputes it with the gazetteer."""
    bind = op.get_bind()
    incident = sa.table(
        "incident",
        sa.column("id", sa.Integer),
        sa.column("lat", sa.Float),
        sa.column("lon", sa.Float),
        sa.column("settlement", sa.String),
        sa.column("raion", sa.String),
        sa.column("oblast", sa.String),
        sa.column("public_lat", sa.Float),
        sa.column("public_lon", sa.Float),
        sa.column("public_place", sa.String),
    )
    rows = bind.execute(
        sa.select(
            incident.c.id,
            incident.c.lat,
            incident.c.lon,
            incident.c.settlement,
            incident.c.raion,
            incident.c.oblast,
        ).where(incident.c.public_lat.is_(None))
    ).all()
    for row in rows:
        lat, lon, place = _settlement_point(row.lat, row.lon, row.settlement, row.oblast)
        bind.execute(
            sa.update(incident)
            .where(incident.c.id == row.id)
            .values(public_lat=lat, public_lon=lon, public_place=place[:600])
        )


def downgrade() -> None:
    with op.batch_alter_table("media_redaction", schema=None) as batch_op:
        batch_op.drop_index("ix_media_redaction_item_status")
        batch_op.drop_index(batch_op.f("ix_media_redaction_derivative_sha256"))
    op.drop_table("media_redaction")
    with op.batch_alter_table("incident_correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_correction_incident_id"))
    op.drop_table("incident_correction")
    with op.batch_alter_table("incident_witness", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_witness_incident_id"))
    op.drop_table("incident_witness")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_updated_at")
        batch_op.drop_index("ix_incident_public_lat_lon")
        batch_op.drop_column("internal_notes")
        batch_op.drop_column("public_place")
        batch_op.drop_column("public_lon")
        batch_op.drop_column("public_lat")
        batch_op.drop_column("public_location_precision")
