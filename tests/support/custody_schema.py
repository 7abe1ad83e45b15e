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


def stored_entries(database_url: str) -> list[tuple[int, bytes]]:
    """Every custody entry in the database (none if it has no custody log)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not path.is_file():
            return []
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            try:
                return list(db.execute("SELECT idx, entry FROM custody_leaves ORDER BY idx"))
            except sqlite3.OperationalError:
                return []
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT idx, entry FROM custody_leaves ORDER BY idx"))
            return [(int(i), bytes(e)) for i, e in rows]
    except DBAPIError:
        return []
    finally:
        engine.dispose()


def check_database(database_url: str) -> list[str]:
    """The problems of every entry in the database, at most :data:`SHOWN` of them and a
    count of the rest."""
    found = problems(stored_entries(database_url))
    if len(found) > SHOWN:
        found = [*found[:SHOWN], f"... and {len(found) - SHOWN} more"]
    return found
