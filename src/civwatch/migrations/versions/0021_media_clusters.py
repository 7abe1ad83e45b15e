"""media clusters: each hashed item's cluster, and the representatives new items meet

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 06:00:00

Matching a new item against every stored copy recorded N(N-1)/2 matches for a wave of N
reposts. From here on a new item is compared with a few representatives per cluster and
linked to the one it matched, so the matches span each cluster. What was recorded before
stays as it is (the readers work on any set of matches that spans a cluster): this
migration only labels each hashed item with its cluster (the connected components of the
matches held) and makes every item hashed so far a representative, so their copies are
found exactly as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_CHUNK = 1000


def upgrade() -> None:
    op.create_table(
        "media_cluster_member",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["evidence_item.id"],
            name=op.f("fk_media_cluster_member_item_id_evidence_item"),
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_media_cluster_member")),
    )
    with op.batch_alter_table("media_cluster_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_cluster_member_cluster_id"), ["cluster_id"], unique=False
        )
    op.create_table(
        "media_representative",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["evidence_item.id"],
            name=op.f("fk_media_representative_item_id_evidence_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_representative")),
        sa.UniqueConstraint("item_id", name=op.f("uq_media_representative_item_id")),
    )
    _label_existing_clusters()


def _label_existing_clusters() -> None:
    conn = op.get_bind()
    hashed = [
        int(r[0])
        for r in conn.execute(
            sa.text("SELECT item_id FROM media_hashing WHERE status = 'hashed' ORDER BY item_id")
        )
    ]
    parent = {item: item for item in hashed}

    def root(item: int) -> int:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for a, b in conn.execute(sa.text("SELECT item_id, other_id FROM media_match")):
        if a in parent and b in parent:
            ra, rb = root(int(a)), root(int(b))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    members = [{"item_id": item, "cluster_id": root(item)} for item in hashed]
    for start in range(0, len(members), _CHUNK):
        conn.execute(
            sa.text(
                "INSERT INTO media_cluster_member (item_id, cluster_id) "
                "VALUES (:item_id, :cluster_id)"
            ),
            members[start : start + _CHUNK],
        )
    for start in range(0, len(hashed), _CHUNK):
        conn.execute(
            sa.text("INSERT INTO media_representative (item_id) VALUES (:item_id)"),
            [{"item_id": item} for item in hashed[start : start + _CHUNK]],
        )


def downgrade() -> None:
    op.drop_table("media_representative")
    with op.batch_alter_table("media_cluster_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_cluster_member_cluster_id"))
    op.drop_table("media_cluster_member")
