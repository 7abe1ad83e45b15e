"""One migrated PostgreSQL database per test process, emptied between the tests that use it.

Copying the migrated template (``CREATE DATABASE ... TEMPLATE``) and dropping the copy cost
about half a second per test on the loaded 2-core machine: most of the PostgreSQL pass for
short tests. Emptying a database the previous test used costs a fraction of that: the
tables it wrote to are truncated, the rows the migrations wrote are put back, and the
sequences it moved are reset, so each test starts from exactly what a copy of the template
would have held. Should a test have changed the schema itself (a downgrade, a dropped
table), the database is made again from the template.

Before each test the database is renamed (a new name, after closing every connection to
it): a thread or process the last test left behind can no more reach it than a dropped
database, and the URL is new, as the code keeps some things per database URL in the process
(the protection desk's key once unlocked, the shelters' index).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError


class ReusedDatabase:
    """The database ``name`` on the server of ``admin``, a copy of ``template``."""

    def __init__(self, admin: Engine, server_url: str, template: str) -> None:
        self.admin = admin
        self.template = template
        self.name = f"cw_reused_{uuid.uuid4().hex[:12]}"
        self.url = make_url(server_url).set(database=self.name)
        self._create()
        self.engine: Engine = create_engine(self.url, pool_pre_ping=True)
        with self.engine.connect() as conn:
            self.tables = sorted(
                conn.scalars(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                ).all()
            )
            self.head = conn.scalar(text("SELECT version_num FROM alembic_version"))
            self.sequences = self._sequence_state(conn)
            metadata = MetaData()
            metadata.reflect(conn)
            self._seeded: list[tuple[Any, list[dict[str, Any]]]] = []
            for table in metadata.sorted_tables:
                rows = [dict(r._mapping) for r in conn.execute(table.select())]
                if rows:
                    self._seeded.append((table, rows))
        self._probe = text(
            " UNION ALL ".join(
                f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in self.tables
            )
        )

    def _create(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"'))

    def _drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    @staticmethod
    def _sequence_state(conn: Any) -> dict[str, int | None]:
        rows = conn.execute(
            text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value"
                " FROM pg_sequences"
            )
        )
        return {name: value for name, value in rows}

    def fresh_url(self) -> str:
        """Empty the database back to the template's state, under a new name: its URL."""
        self.engine.dispose()
        self._rename(f"cw_reused_{uuid.uuid4().hex[:12]}")
        if not self._reset():
            self.engine.dispose()
            self._drop()
            self._create()
        return self.url.render_as_string(hide_password=False)

    def _rename(self, name: str) -> None:
        """Close every connection to the database and rename it (retried while the closed
        connections are still going away)."""
        with self.admin.connect() as conn:
            for attempt in range(100):
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": self.name},
                )
                try:
                    conn.execute(text(f'ALTER DATABASE "{self.name}" RENAME TO "{name}"'))
                    break
                except OperationalError:
                    if attempt == 99:
                        raise
                    time.sleep(0.05)
        self.name = name
        self.url = self.url.set(database=name)
        self.engine = create_engine(self.url, pool_pre_ping=True)

    def _reset(self) -> bool:
        """Empty the tables; False when the schema is no longer the template's."""
        with self.engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '60s'"))
            tables = sorted(
                conn.scalars(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                ).all()
            )
            if tables != self.tables:
                return False
            if conn.scalar(text("SELECT max(version_num) FROM alembic_version")) != self.head:
                return False
            used = conn.scalars(self._probe).all()
            if used:
                names = ", ".join(f'"{t}"' for t in used)
                conn.execute(text(f"TRUNCATE {names} CASCADE"))
            for table, rows in self._seeded:
                conn.execute(table.delete())
                conn.execute(insert(table), rows)
            for name, value in self._sequence_state(conn).items():
                was = self.sequences.get(name)
                if value == was:
                    continue
                if was is None:
                    conn.execute(text(f"ALTER SEQUENCE {name} RESTART"))
                else:
                    conn.execute(text("SELECT setval(:s, :v, true)"), {"s": name, "v": was})
        return True

    def close(self) -> None:
        self.engine.dispose()
        self._drop()
