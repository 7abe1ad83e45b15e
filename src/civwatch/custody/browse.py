"""Reading the custody log a page at a time: newest entries first, filtered by the byte
strings an entry contains, and the signed head of a given size.

Engine level: it knows entries only as bytes. Callers (the evidence domain) decide what to
look for, e.g. ``b'"act":"ingest"'`` in canonical JSON. Each function reads the evidence
custody log unless given the ``tables`` of another log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from civwatch.custody.models import CUSTODY, LogTables, log_tables
from civwatch.custody.signing import TreeHead
from civwatch.custody.stored import head_from_row
from civwatch.errors import RejectedInputError
from civwatch.i18n import _

#: Largest page of entries one call returns.
MAX_PAGE = 500


@dataclass(frozen=True)
class StoredEntry:
    """One entry as stored: its index, exact bytes, leaf hash and when it was appended."""

    index: int
    entry: bytes
    leaf_hash: bytes
    appended_at_ms: int


def _leaves(tables: LogTables | None) -> Table:
    return (log_tables(CUSTODY) if tables is None else tables).leaves


def _contains(session: Session, leaves: Table, needle: bytes) -> Any:
    """Entry bytes containing ``needle``: SQLite's LIKE does not read BLOBs, instr() does;
    PostgreSQL has LIKE for bytea."""
    if session.get_bind().dialect.name == "sqlite":
        return func.instr(leaves.c.entry, needle) > 0
    return leaves.c.entry.op("LIKE", is_comparison=True)(b"%" + needle + b"%")


def _conditions(
    session: Session, leaves: Table, contains: Sequence[bytes], start: int
) -> list[Any]:
    conditions: list[Any] = [leaves.c.idx >= start] if start else []
    for needle in contains:
        if not needle or any(c in needle for c in b"%_\\"):
            raise RejectedInputError(
                _("A custody search term must be non-empty and may not contain %, _ or \\.")
            )
        conditions.append(_contains(session, leaves, needle))
    return conditions


def _stored(rows: Sequence[Any]) -> list[StoredEntry]:
    return [StoredEntry(int(r[0]), bytes(r[1]), bytes(r[2]), int(r[3])) for r in rows]


def find_entries(
    session: Session,
    contains: Sequence[bytes] = (),
    *,
    start: int = 0,
    limit: int = 50,
    offset: int = 0,
    tables: LogTables | None = None,
) -> tuple[int, list[StoredEntry]]:
    """(how many match, a page of them newest first): entries at index ``start`` or later
    whose bytes contain every string of ``contains``.

    Without ``contains`` this reads by index only. With it, the entries from ``start`` on
    are scanned, so give ``start`` when the caller knows where to begin (an item's ingest).
    """
    if not 1 <= limit <= MAX_PAGE or offset < 0 or start < 0:
        raise RejectedInputError(
            _("limit must be 1-%(most)s; offset and start 0 or more.", most=MAX_PAGE)
        )
    leaves = _leaves(tables)
    conditions = _conditions(session, leaves, contains, start)
    total = session.scalar(select(func.count()).select_from(leaves).where(*conditions)) or 0
    rows = session.execute(
        select(leaves.c.idx, leaves.c.entry, leaves.c.leaf_hash, leaves.c.appended_at_ms)
        .where(*conditions)
        .order_by(leaves.c.idx.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return int(total), _stored(rows)


def entry_indexes(
    session: Session,
    contains: Sequence[bytes],
    *,
    start: int = 0,
    tables: LogTables | None = None,
) -> list[int]:
    """Indexes of every entry from ``start`` on containing all of ``contains``, oldest first."""
    leaves = _leaves(tables)
    conditions = _conditions(session, leaves, contains, start)
    return [
        int(i)
        for i in session.scalars(select(leaves.c.idx).where(*conditions).order_by(leaves.c.idx))
    ]


def first_index(
    session: Session,
    contains: Sequence[bytes],
    *,
    start: int = 0,
    tables: LogTables | None = None,
) -> int | None:
    """The index of the first entry from ``start`` on containing all of ``contains``: the
    scan stops at the first match, so give ``start`` when the caller knows where to begin."""
    leaves = _leaves(tables)
    found = session.scalars(
        select(leaves.c.idx)
        .where(*_conditions(session, leaves, contains, start))
        .order_by(leaves.c.idx)
        .limit(1)
    ).first()
    return None if found is None else int(found)


def stored_entries(
    session: Session, indexes: Sequence[int], *, tables: LogTables | None = None
) -> list[StoredEntry]:
    """The stored entries at ``indexes``, in index order (missing ones left out)."""
    if not indexes:
        return []
    leaves = _leaves(tables)
    rows = session.execute(
        select(leaves.c.idx, leaves.c.entry, leaves.c.leaf_hash, leaves.c.appended_at_ms)
        .where(leaves.c.idx.in_(list(indexes)))
        .order_by(leaves.c.idx)
    ).all()
    return _stored(rows)


def head_of_size(
    session: Session, tree_size: int, *, tables: LogTables | None = None
) -> TreeHead | None:
    """The newest signed head of exactly ``tree_size`` entries, if one was signed."""
    chosen = log_tables(CUSTODY) if tables is None else tables
    heads = chosen.heads
    row = session.execute(
        select(heads).where(heads.c.tree_size == tree_size).order_by(heads.c.id.desc()).limit(1)
    ).first()
    return None if row is None else head_from_row(row, chosen.name)
