"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL, and
can be run twice."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import civwatch.models  # noqa: F401  (every table registers itself on Base.metadata)
from civwatch.config import Settings
from civwatch.db import Base, make_engine, migrate, schema_revision

#: Built by the migrations on PostgreSQL only, not declared on the models (an expression
#: index for one dialect cannot be): the full-text GIN index, see
#: evidence.models.PG_SIGHTING_DOCUMENT, and the GIN index of the protection desk's token
#: sets (protection.models.ProtectionTokenSet, migration 0014).
DATABASE_ONLY_INDEXES = {"ix_evidence_sighting_words", "ix_protection_token_set_tokens"}


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


def _migrate_an_incident_made_before_0003(database_url: str) -> Any:
    """Migrate a database holding one incident made at revision 0002 (in Kyiv) to the
    newest revision; returns its public point and place."""
    from alembic import command
    from sqlalchemy import inspect, text

    from civwatch.db import _alembic_config

    engine = make_engine(database_url)
    try:
        command.upgrade(_alembic_config(engine), "0002")
        values: dict[str, object] = {}
        for column in inspect(engine).get_columns("incident"):
            if column["nullable"] or column.get("default") is not None or column["name"] == "id":
                continue
            kind = str(column["type"]).upper()
            if "INT" in kind:
                values[column["name"]] = 1
            elif "FLOAT" in kind or "DOUBLE" in kind or "REAL" in kind:
                values[column["name"]] = 0.0
            elif "TIME" in kind:
                values[column["name"]] = "2024-06-01 09:00:00"
            elif "JSON" in kind:
                values[column["name"]] = "[]"
            else:
                values[column["name"]] = "x"
        values.update(lat=50.45123, lon=30.52345, settlement="Kyiv", oblast="Kyiv City")
        names = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        with engine.begin() as conn:
            conn.execute(text(f"INSERT INTO incident ({names}) VALUES ({marks})"), values)
        migrate(engine)
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT public_lat, public_lon, public_place FROM incident")
            ).one()
    finally:
        engine.dispose()


def test_incidents_made_before_publishing_get_a_coarsened_public_point(
    database_url: str,
) -> None:
    """Migration 0003 fills the public point of older incidents, never the exact one."""
    row = _migrate_an_incident_made_before_0003(database_url)
    assert row.public_lat is not None and row.public_lon is not None
    assert (row.public_lat, row.public_lon) != (50.45123, 30.52345)
    assert abs(row.public_lat - 50.45123) < 0.5 and abs(row.public_lon - 30.52345) < 0.5
    assert "Kyiv" in row.public_place


def test_migration_0003_keeps_its_meaning_when_the_live_coarsening_changes(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration computes what it computed when it was written: a later change to how
    locations are coarsened (here: a grid of 1 degree, and other labels) changes nothing
    in what migration 0003 writes."""
    from civwatch.geo import coarsening

    def other(lat: float, lon: float, precision: str, **names: Any) -> dict[str, Any]:
        return {"lat": 1.0, "lon": 2.0, "precision": precision, "place": "elsewhere"}

    monkeypatch.setattr(coarsening, "SETTLEMENT_CELL_DEG", 1.0)
    monkeypatch.setattr(coarsening, "coarsen", other)
    row = _migrate_an_incident_made_before_0003(database_url)
    assert (row.public_lat, row.public_lon, row.public_place) == (50.45, 30.55, "Kyiv, Kyiv City")


def test_the_schema_head_is_alembics_head() -> None:
    """`Workspace.open` compares a database with SCHEMA_HEAD: a new migration moves it."""
    from alembic.script import ScriptDirectory

    from civwatch.db import MIGRATIONS_DIR, SCHEMA_HEAD

    assert ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head() == SCHEMA_HEAD


def test_a_data_folder_behind_the_code_is_refused_until_init_brings_it_up(
    settings: Settings,
) -> None:
    """A data folder made by an older civwatch: every command (and the server, which builds
    the shelter index at start) said "no such table"; it now names the command to run, and
    `init` brings the schema up to date."""
    from alembic import command
    from alembic.config import Config

    from civwatch.db import MIGRATIONS_DIR
    from civwatch.errors import NotInitialisedError
    from civwatch.workspace import Workspace

    ws, _ = Workspace.init(settings)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = ws.engine
    command.downgrade(config, "0008")
    ws.close()
    with pytest.raises(NotInitialisedError, match=r"revision 0008.*civwatch init"):
        Workspace.open(settings)
    ws, created = Workspace.init(settings)
    ws.close()
    assert not created
    Workspace.open(settings).close()
