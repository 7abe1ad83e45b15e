"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL, and
can be run twice."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import civwatch.models  # noqa: F401  (every table registers itself on Base.metadata)
from civwatch.db import Base, make_engine, migrate, schema_revision

#: Built by the migrations on PostgreSQL only, not declared on the models (an expression
#: index for one dialect cannot be): the full-text GIN index, see
#: evidence.models.PG_SIGHTING_DOCUMENT.
DATABASE_ONLY_INDEXES = {"ix_evidence_sighting_words"}


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        migrate(engine)  # idempotent
        assert schema_revision(engine) is not None
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        diff = [
            d for d in diff if not (d[0] == "remove_index" and d[1].name in DATABASE_ONLY_INDEXES)
        ]
        assert diff == [], f"models and migrations differ; write a migration: {diff}"
    finally:
        engine.dispose()
