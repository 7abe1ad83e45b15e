"""Every custody entry a test writes fits the JSON Schema of its act and layout (as
``docs/custody-log.md`` section 8 publishes them): ``tests/conftest.py`` checks each test's
database with :func:`check_database` when the test ends.

A test that writes entries of its own on purpose (the custody engine's tests, attacks that
rewrite entries) is marked ``raw_custody_entries`` and not checked.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

import jsonschema_rs
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

MARKER = "raw_custody_entries"
#: How many problems a failure lists.
SHOWN = 10


@functools.cache
def validators() -> dict[tuple[str, int], jsonschema_rs.Validator]:
    """A compiled validator per (act, layout version) of every registered act."""
    from civwatch import acts
    from civwatch.custody import entries

    return {
        (act.name, version): jsonschema_rs.validator_for(
            entries.schema(act, version), validate_formats=True
        )
        for act in acts.all_acts()
        for version in act.versions
    }


def problems(stored: Iterable[tuple[int, bytes]]) -> list[str]:
    """Why each entry does not fit its act's schema (nothing when all do)."""
    known = validators()
    found: list[str] = []
    for index, raw in stored:
        if not isinstance(raw, bytes | memoryview):
            found.append(f"entry {index} is stored as {type(raw).__name__}, not bytes")
            continue
        try:
            doc = json.loads(bytes(raw))
        except ValueError:
            found.append(f"entry {index} is not JSON")
            continue
        if not isinstance(doc, dict):
            found.append(f"entry {index} is not a JSON object")
            continue
        act, version = doc.get("act"), doc.get("v")
        validator = known.get((act, version)) if isinstance(act, str) else None
        if validator is None:
            found.append(f"entry {index}: no registered act {act!r} has a layout {version!r}")
            continue
        for error in validator.iter_errors(doc):
            where = "/".join(str(p) for p in error.instance_path) or "(the entry)"
            found.append(f"entry {index} ({act} v{version}) at {where}: {error.message}")
    return found


#: The leaves of each log: the evidence custody log and the protection audit log.
LEAF_TABLES = ("custody_leaves", "protection_audit_leaves")


def stored_entries(database_url: str, table: str = "custody_leaves") -> list[tuple[int, bytes]]:
    """Every entry of the log whose leaves are ``table`` (none if the database has none)."""
    query = f"SELECT idx, entry FROM {table} ORDER BY idx"
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not path.is_file():
            return []
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            try:
                return list(db.execute(query))
            except sqlite3.OperationalError:
                return []
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(query))
            return [(int(i), bytes(e)) for i, e in rows]
    except DBAPIError:
        return []
    finally:
        engine.dispose()


def check_database(database_url: str) -> list[str]:
    """The problems of every entry in the database, at most :data:`SHOWN` of them and a
    count of the rest."""
    found = [
        f"{table}: {problem}"
        for table in LEAF_TABLES
        for problem in problems(stored_entries(database_url, table))
    ]
    if len(found) > SHOWN:
        found = [*found[:SHOWN], f"... and {len(found) - SHOWN} more"]
    return found
