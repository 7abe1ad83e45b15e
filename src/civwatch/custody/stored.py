"""The custody tables as stored: raw reads and writes straight through the driver, and
stored values read back when a database may hold another type in a column. The tables of a
log are a :class:`~civwatch.custody.models.LogTables` (one log or another: the code is the
same).

Shared by :mod:`civwatch.custody.log` (appending, proofs, heads) and
:mod:`civwatch.custody.audit` (the check of the whole log). Engine level.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Dialect, Row, Select, Table, bindparam, insert, select
from sqlalchemy.orm import Session

from civwatch.custody.signing import CUSTODY_LOG, TreeHead

#: The id of the log's single state row.
STATE_ID = 1
AnyRow = Row[*tuple[Any, ...]]
AnySelect = Select[*tuple[Any, ...]]
_PAGE_ROWS = 50_000


def describe_time(timestamp_ms: int) -> str:
    """A head's time (milliseconds since 1970) in words for a message: ISO 8601 UTC."""
    try:
        moment = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return f"{timestamp_ms} ms"
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def as_bytes(value: Any) -> bytes | None:
    """A BLOB column's value as bytes, or None when it holds something else (a database
    lets text or numbers be stored there)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return None


def head_from_row(row: AnyRow, log: str = CUSTODY_LOG) -> TreeHead:
    """The tree head a stored row of the heads table of ``log`` holds."""
    return head_of(
        row.tree_size, row.root_hash, row.timestamp_ms, row.signature, row.public_key, log=log
    )


def head_of(
    size: Any,
    root: Any,
    timestamp: Any,
    signature: Any,
    public_key: Any,
    *,
    log: str = CUSTODY_LOG,
) -> TreeHead:
    """A head of ``log`` from stored values; TypeError if one has the wrong type."""
    values = (as_bytes(root), as_bytes(signature), as_bytes(public_key))
    if not isinstance(size, int) or not isinstance(timestamp, int) or None in values:
        raise TypeError("a size or time that is not a whole number, or a hash that is not bytes")
    root_hash, sig, key = (v or b"" for v in values)
    return TreeHead(size, root_hash, timestamp, sig, key, log)


def fetch_raw(session: Session, query: AnySelect) -> list[tuple[Any, ...]]:
    """Run ``query`` on the session's connection straight through the driver.

    The SQL is compiled by SQLAlchemy for the dialect; skipping its row objects roughly
    halves the time to stream a million rows.
    """
    connection = session.connection()
    dialect = connection.dialect
    compiled = query.compile(dialect=dialect)
    values = compiled.construct_params()
    params: Any = (
        tuple(values[name] for name in compiled.positiontup or ()) if dialect.positional else values
    )
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def paged(
    session: Session, columns: Sequence[Any], key: Any, below: int
) -> Iterator[tuple[Any, ...]]:
    """Rows with ``key < below`` in key order, fetched a page at a time (keyset paging)."""
    after: int | None = None
    while True:
        query = select(*columns).where(key < below).order_by(key).limit(_PAGE_ROWS)
        if after is not None:
            query = query.where(key > after)
        rows = fetch_raw(session, query)
        yield from rows
        if len(rows) < _PAGE_ROWS:
            return
        after = int(rows[-1][0])


_INSERT_CHUNK = 500
_INSERTS: dict[tuple[str, str, str, int], tuple[str, list[int] | None]] = {}


def _multi_row_insert(dialect: Dialect, table: Table, count: int) -> tuple[str, list[int] | None]:
    """``INSERT INTO table VALUES (...), (...), ...`` for ``count`` rows, compiled once by
    SQLAlchemy for the dialect. Parameter ``p<k>`` is the k-th value of the flattened rows;
    for a positional dialect the order of those ``k`` is returned too (empty: as is)."""
    key = (dialect.name, str(dialect.paramstyle), str(table.name), count)
    prepared = _INSERTS.get(key)
    if prepared is None:
        columns = list(table.columns)
        width = len(columns)
        statement = insert(table).values(
            [
                {column.key: bindparam(f"p{row * width + i}") for i, column in enumerate(columns)}
                for row in range(count)
            ]
        )
        compiled = statement.compile(dialect=dialect)
        order: list[int] | None = None
        if dialect.positional:
            order = [int(name[1:]) for name in compiled.positiontup or ()]
            if order == list(range(len(order))):
                order = []
        prepared = _INSERTS[key] = (compiled.string, order)
    return prepared


def bulk_insert(session: Session, table: Table, rows: list[tuple[Any, ...]]) -> None:
    """Insert rows of all ``table``'s columns (in table order) in few statements.

    The SQL is compiled by SQLAlchemy for the session's dialect and the values go straight
    to the driver: per-row parameter processing costs more than the database's own work at
    tens of thousands of rows a second. PostgreSQL (psycopg 3) gets one ``INSERT ...
    SELECT FROM unnest(arrays)``; positional drivers (SQLite) multi-row ``VALUES``; any
    other driver an ``executemany`` of the one-row statement.
    """
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        # One statement per batch: each column travels as one array, in binary (%b).
        columns = list(table.columns)
        preparer = dialect.identifier_preparer
        names = ", ".join(preparer.format_column(column) for column in columns)
        arrays = ", ".join(f"%b::{column.type.compile(dialect)}[]" for column in columns)
        # Only our own table's names, quoted by the dialect; the values are parameters.
        sql = f"INSERT INTO {preparer.format_table(table)} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608
        connection.exec_driver_sql(sql, tuple(list(values) for values in zip(*rows, strict=True)))
        return
    if not dialect.positional:
        sql, _ = _multi_row_insert(dialect, table, 1)
        width = len(table.columns)
        keys = [f"p{i}" for i in range(width)]
        connection.exec_driver_sql(sql, [dict(zip(keys, row, strict=True)) for row in rows])
        return
    for start in range(0, len(rows), _INSERT_CHUNK):
        chunk = rows[start : start + _INSERT_CHUNK]
        sql, order = _multi_row_insert(dialect, table, len(chunk))
        flat = [value for row in chunk for value in row]
        params = tuple(flat) if not order else tuple(flat[i] for i in order)
        connection.exec_driver_sql(sql, params)
