"""The database: engine, sessions, the declarative base and migrations.

SQLite (the default) runs in WAL mode with foreign keys on, ``synchronous=FULL`` so a
committed transaction survives a crash and ``secure_delete`` so deleted content is
overwritten; PostgreSQL is used as it is. Schema changes go through the Alembic
migrations in ``civwatch/migrations``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Engine,
    MetaData,
    Select,
    any_,
    create_engine,
    event,
    func,
    inspect,
    make_url,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: The newest migration: the schema this civwatch reads and writes (a test checks it is
#: Alembic's head, so a new migration moves it).
SCHEMA_HEAD = "c20camp"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (UTC).

    Naive datetimes are refused: every time civwatch records must say its zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: JSON documents: JSONB on PostgreSQL, JSON text elsewhere.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table; each domain package owns its own tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: SQLite connections each server process keeps open (the web thread pool's size).
SQLITE_POOL_SIZE = 40


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted content is overwritten with zeros, not left in free pages: deleting a person
    # at risk leaves nothing of their (sealed) values in the file (see civwatch.protection).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with civwatch's connection settings applied."""
    if url.startswith("sqlite"):
        # Connections are kept rather than opened per request: a server answers from up to
        # 40 threads at once, and each new connection costs the pragmas below (profiled:
        # 8 % of a busy map worker's time went to reconnecting beyond the default 5 + 10).
        in_memory = make_url(url).database in (None, "", ":memory:")
        pooling = {} if in_memory else {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 20}
        engine = create_engine(url, connect_args={"timeout": 30}, **pooling)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def in_probed(dialect: str, column: Any, rows: Select[Any]) -> ColumnElement[bool]:
    """``column IN (rows)``, for a ``column`` with an index and ``rows`` few beside its table
    (an officer's cases among all cases): answered by one probe of the index per row.
    SQLite plans an IN list that way by itself; PostgreSQL, which cannot know how few the
    rows are, would read the whole table into a hash for them, so there it is written
    ``column = ANY(ARRAY(rows))`` (``dialect``: the dialect's name, e.g. the session's
    ``get_bind().dialect.name``)."""
    probed: ColumnElement[bool] = (
        column == any_(func.array(rows.scalar_subquery()))
        if dialect == "postgresql"
        else column.in_(rows)
    )
    return probed


def read_snapshot(session: Session) -> None:
    """Make the rest of ``session``'s transaction read one snapshot of the database, so
    that what it reads in several queries fits together. Call it before the session's
    first statement, for reading only: REPEATABLE READ on PostgreSQL (a read-only
    transaction never fails to serialise; a writer appending custody entries keeps READ
    COMMITTED, see ``CustodyLog.lock``), an explicit BEGIN on SQLite (pysqlite starts no
    transaction for reads). The transaction ends when the session closes or commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        session.connection().exec_driver_sql("BEGIN")


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back if it raises."""
    with factory() as session, session.begin():
        yield session


def _alembic_config(engine: Engine) -> Config:
    # Alembic is imported only to migrate: opening a data folder does not need it.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")


def schema_revision(engine: Engine) -> str | None:
    """The applied migration, or None for an empty database."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as conn:
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])
