"""Streaming rows straight from the driver, and merging ordered row streams: the row
reading every ``civwatch verify`` check shares (the engine's own checks and the domains'
:class:`~civwatch.custody.bindings.RowCheck` s). Engine level.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from civwatch.custody.bindings import AnySelect, Row

#: Rows fetched from the driver at a time.
STREAM_ROWS = 10_000
_CURSORS = itertools.count()


def stream(session: Session, query: AnySelect) -> Iterator[Row]:
    """The query's rows as dicts of label -> value as the driver gives them (no type
    processing, so a malformed value cannot stop the stream), fetched in batches; on
    PostgreSQL through a server-side cursor."""
    connection = session.connection()
    dialect = connection.dialect
    compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params()
    params: Any = (
        tuple(values[name] for name in compiled.positiontup or ()) if dialect.positional else values
    )
    keys = list(query.selected_columns.keys())
    raw = connection.connection
    cursor: Any
    if dialect.name == "postgresql":
        name = f"civwatch_verify_{next(_CURSORS)}"  # several streams may be open at once
        cursor = raw.driver_connection.cursor(name=name)  # type: ignore[union-attr]
        cursor.itersize = STREAM_ROWS
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(compiled.string, params)
        while batch := cursor.fetchmany(STREAM_ROWS):
            for values_ in batch:
                yield dict(zip(keys, values_))  # noqa: B905 - the driver gives every column
    finally:
        cursor.close()


def rows_of(session: Session, query: AnySelect) -> Iterator[Row]:
    """Public name of :func:`stream` for domain checks."""
    return stream(session, query)


def merge_by(key: str, *streams: Iterator[Row]) -> Iterator[tuple[Any, ...]]:
    """Row streams each ordered by ``key`` (integers), grouped: (key, that key's rows of
    the first stream, of the second, ...), every key of any stream once, in order."""
    groups = [_grouped(key, rows) for rows in streams]
    heads = [next(g, None) for g in groups]
    while True:
        present = [h for h in heads if h is not None]
        if not present:
            return
        current = min(present, key=lambda h: _order(h[0]))[0]
        order = _order(current)
        found: list[list[Row]] = []
        for index, head in enumerate(heads):
            if head is not None and _order(head[0]) == order:
                found.append(head[1])
                heads[index] = next(groups[index], None)
            else:
                found.append([])
        yield (current, *found)


def _order(value: Any) -> tuple[int, Any]:
    """A sort key that never fails: numbers first, anything else (malformed) after."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, repr(value))


def _grouped(key: str, rows: Iterator[Row]) -> Iterator[tuple[Any, list[Row]]]:
    current: list[Row] = []
    current_key: Any = None
    for row in rows:
        k = row.get(key)
        if current and k != current_key:
            yield current_key, current
            current = []
        current_key = k
        current.append(row)
    if current:
        yield current_key, current
