"""civwatch.db's query helpers: the same rows on every database, written for each one's
planner."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, Table, column, insert, select, table
from sqlalchemy.dialects import postgresql, sqlite

from civwatch.db import in_probed
from civwatch.workspace import Workspace

_ROWS = table("t", column("id", Integer), column("x", Integer))


def test_in_probed_is_an_array_probe_on_postgresql_and_an_in_list_elsewhere() -> None:
    few = select(_ROWS.c.x).where(_ROWS.c.x < 3)
    on_pg = str(in_probed("postgresql", _ROWS.c.id, few).compile(dialect=postgresql.dialect()))
    on_sqlite = str(in_probed("sqlite", _ROWS.c.id, few).compile(dialect=sqlite.dialect()))
    assert on_pg.startswith("t.id = ANY (array((SELECT t.x")
    assert on_sqlite.startswith("t.id IN (SELECT t.x")


def test_in_probed_selects_the_same_rows_as_in(workspace: Workspace) -> None:
    metadata = MetaData()
    numbers = Table("numbers_in_probed", metadata, Column("n", Integer, primary_key=True))
    picked = Table("picked_in_probed", metadata, Column("n", Integer, primary_key=True))
    metadata.create_all(workspace.engine)
    dialect = workspace.engine.dialect.name
    with workspace.engine.begin() as conn:
        conn.execute(insert(numbers), [{"n": n} for n in range(20)])
        conn.execute(insert(picked), [{"n": n} for n in (3, 5, 8, 40)])
        chosen = select(picked.c.n)
        found = conn.scalars(
            select(numbers.c.n).where(in_probed(dialect, numbers.c.n, chosen)).order_by("n")
        ).all()
        none = conn.scalars(
            select(numbers.c.n).where(
                in_probed(dialect, numbers.c.n, chosen.where(picked.c.n > 100))
            )
        ).all()
    assert found == [3, 5, 8] and none == []
