"""Alembic environment: runs migrations on the engine civwatch hands over."""

from __future__ import annotations

from alembic import context

from civwatch.models import metadata

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
