"""Migration 0019 on a database holding a sanctions list imported before versions were
kept: the list becomes version 1 (its file's hash not known), its entries point at it,
and a screening made against it names no version (so its grant is screened again)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, inspect, text

from civwatch.db import make_engine, migrate


def _insert(engine: Engine, table: str, **given: Any) -> int:
    """A row of ``table`` with ``given`` and a filler in every other required column."""
    values: dict[str, Any] = {}
    for column in inspect(engine).get_columns(table):
        name = column["name"]
        if name == "id" or column["nullable"] or column.get("default") is not None:
            continue
        kind = str(column["type"]).upper()
        if "INT" in kind:
            values[name] = 1
        elif "BOOL" in kind:
            values[name] = False
        elif "TIME" in kind:
            values[name] = "2026-11-01 09:00:00"
        elif "JSON" in kind:
            values[name] = "[]"
        else:
            values[name] = f"{table}-{name}"
    values.update(given)
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO {table} ({', '.join(values)}) "
                f"VALUES ({', '.join(':' + k for k in values)})"
            ),
            values,
        )
        return int(conn.execute(text(f"SELECT max(id) FROM {table}")).scalar_one())


def test_a_list_from_before_versions_becomes_version_1(database_url: str) -> None:
    from alembic import command

    from civwatch.db import _alembic_config

    engine = make_engine(database_url)
    try:
        command.upgrade(_alembic_config(engine), "0018")
        user = _insert(engine, "user_account", username="admin")
        for ref, at in (("EU-1", "2026-11-01 09:00:00"), ("EU-2", "2026-11-02 10:00:00")):
            _insert(
                engine,
                "relief_sanctions_entry",
                ref=ref,
                names='["A B"]',
                births="[]",
                imported_by=user,
                imported_at=at,
            )
        migrate(engine)
        with engine.connect() as conn:
            versions = conn.execute(
                text("SELECT id, sha256, entries, imported_by FROM relief_sanctions_version")
            ).all()
            assert [tuple(v) for v in versions] == [(1, None, 2, user)]
            linked = conn.execute(text("SELECT version_id FROM relief_sanctions_entry")).all()
            assert [v for (v,) in linked] == [1, 1]
    finally:
        engine.dispose()


def test_an_empty_list_makes_no_version(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM relief_sanctions_version")).scalar()
            assert count == 0
    finally:
        engine.dispose()
