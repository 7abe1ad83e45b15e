"""intake: web captures as records of their own (the capture and the items it stored)

The capture's facts were kept only in its ``web-capture`` custody entry; each such entry
already in the log gets its row here, read from the entry itself (so ``civwatch verify``,
which now wants a row for every entry, finds them).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = sa.DateTime(timezone=True)

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_capture",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("captured_at", WHEN, nullable=False),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=True),
        sa.Column("browser", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("items", JSON, nullable=False),
        sa.Column("warnings", JSON, nullable=False),
        sa.Column("warning_messages", JSON, nullable=False),
        sa.Column("captured_by", sa.String(length=255), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("custody_leaf", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_capture")),
        sa.UniqueConstraint("job_id", name=op.f("uq_intake_capture_job_id")),
    )
    op.create_table(
        "intake_capture_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("item_sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["capture_id"],
            ["intake_capture.id"],
            name=op.f("fk_intake_capture_item_capture_id_intake_capture"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_capture_item")),
        sa.UniqueConstraint("capture_id", "item_sha256", name=op.f("uq_intake_capture_item")),
    )
    op.create_index(
        op.f("ix_intake_capture_item_item_sha256"),
        "intake_capture_item",
        ["item_sha256"],
        unique=False,
    )
    _rows_of_earlier_captures()


def _time(text: str, sqlite: bool) -> datetime:
    at = datetime.fromisoformat(text)
    at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
    return at.replace(tzinfo=None) if sqlite else at


def _rows_of_earlier_captures() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    leaves = sa.table("custody_leaves", sa.column("idx", sa.BigInteger), sa.column("entry"))
    capture = sa.table(
        "intake_capture",
        *(sa.column(c) for c in ("id", "url", "final_url", "http_status", "browser")),
        sa.column("captured_at", WHEN),
        sa.column("recorded_at", WHEN),
        sa.column("certificate_sha256"),
        sa.column("items", JSON),
        sa.column("warnings", JSON),
        sa.column("warning_messages", JSON),
        sa.column("captured_by"),
        sa.column("custody_leaf"),
    )
    item = sa.table(
        "intake_capture_item",
        *(sa.column(c) for c in ("capture_id", "item_sha256", "kind", "status")),
    )
    act = b'"act":"web-capture"'  # as canonical JSON writes it
    # A byte search: SQLite's LIKE does not look into a BLOB, PostgreSQL's does (bytea).
    holds = (
        sa.func.instr(leaves.c.entry, act) > 0 if sqlite else leaves.c.entry.like(b"%" + act + b"%")
    )
    found = bind.execute(
        sa.select(leaves.c.idx, leaves.c.entry).where(holds).order_by(leaves.c.idx)
    )
    next_id = 1
    for idx, raw in found:
        doc: dict[str, Any] = json.loads(bytes(raw))
        if doc.get("act") != "web-capture":
            continue
        items = list(doc.get("items") or [])
        bind.execute(
            capture.insert().values(
                id=next_id,
                url=doc["url"],
                final_url=doc["final_url"],
                http_status=doc.get("http_status"),
                captured_at=_time(doc["captured_at"], sqlite),
                certificate_sha256=doc.get("certificate_sha256"),
                browser=doc["browser"],
                items=items,
                warnings=list(doc.get("warnings") or []),
                warning_messages=[],  # shown in English, as the entry holds them
                captured_by=doc["actor"],
                recorded_at=_time(doc["at"], sqlite),
                custody_leaf=idx,
            )
        )
        seen: set[str] = set()
        for i in items:
            if i["sha256"] in seen:
                continue
            seen.add(i["sha256"])
            bind.execute(
                item.insert().values(
                    capture_id=next_id, item_sha256=i["sha256"], kind=i["kind"], status="ingested"
                )
            )
        next_id += 1
    if next_id > 1 and not sqlite:
        bind.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('intake_capture', 'id'), :n)"),
            {"n": next_id - 1},
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_intake_capture_item_item_sha256"), table_name="intake_capture_item")
    op.drop_table("intake_capture_item")
    op.drop_table("intake_capture")
