"""Migration 0021 on a database holding matches recorded pairwise: nothing of them is
rewritten; each hashed item is labelled with its cluster (the connected components of the
matches) and becomes a representative, so its copies are found as before."""

from __future__ import annotations

from sqlalchemy import text

from civwatch.db import make_engine, migrate
from tests.relief.test_sanctions_versions_migration import _insert


def test_pairwise_matches_become_labelled_clusters(database_url: str) -> None:
    from alembic import command

    from civwatch.db import _alembic_config

    engine = make_engine(database_url)
    try:
        command.upgrade(_alembic_config(engine), "0020")
        items = [_insert(engine, "evidence_item", sha256=f"{n:064x}") for n in range(1, 6)]
        statuses = ["hashed", "hashed", "hashed", "hashed", "unhashable"]
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO media_hashing (item_id, status, hashed_at) "
                    "VALUES (:item, :status, '2024-03-01 10:00:00')"
                ),
                [{"item": i, "status": s} for i, s in zip(items, statuses, strict=True)],
            )
        a, b, c, d, _e = items
        for item, other in ((b, a), (c, a), (c, b)):  # a wave of three, matched pairwise
            _insert(engine, "media_match", item_id=item, other_id=other, detail="{}")
        migrate(engine)
        with engine.connect() as conn:
            labels = dict(
                conn.execute(text("SELECT item_id, cluster_id FROM media_cluster_member")).all()
            )
            reps = {r for (r,) in conn.execute(text("SELECT item_id FROM media_representative"))}
            matches = conn.execute(text("SELECT count(*) FROM media_match")).scalar_one()
        assert labels == {a: a, b: a, c: a, d: d}  # the unhashable item is in no cluster
        assert reps == {a, b, c, d}
        assert matches == 3
    finally:
        engine.dispose()
