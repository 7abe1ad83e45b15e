"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL, and
can be run twice."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import civwatch.models  # noqa: F401  (every table registers itself on Base.metadata)
from civwatch.db import Base, make_engine, migrate, schema_revision


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        migrate(engine)  # idempotent
        assert schema_revision(engine) is not None
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ; write a migration: {diff}"
    finally:
        engine.dispose()
