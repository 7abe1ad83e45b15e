"""Reading the custody log a page at a time: newest entries first, filtered by the byte
strings an entry contains, and the signed head of a given size.

Engine level: it knows entries only as bytes. Callers (the evidence domain) decide what to
look for, e.g. ``b'"act":"ingest"'`` in canonical JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civwatch.custody.models import CustodyLeaf, CustodyTreeHead
from civwatch.custody.signing import TreeHead
from civwatch.errors import RejectedInputError
from civwatch.i18n import _

_COLUMNS = (CustodyLeaf.idx, CustodyLeaf.entry, CustodyLeaf.leaf_hash, CustodyLeaf.appended_at_ms)

#: Largest page of entries one call returns.
MAX_PAGE = 500


@dataclass(frozen=True)
class StoredEntry:
    """One entry as stored: its index, exact bytes, leaf hash and when it was appended."""

    index: int
    entry: bytes
    leaf_hash: bytes
    appended_at_ms: int


def _contains(session: Session, needle: bytes) -> Any:
    """Entry bytes containing ``needle``: SQLite's LIKE does not read BLOBs, instr() does;
    PostgreSQL has LIKE for bytea."""
    if session.get_bind().dialect.name == "sqlite":
        return func.instr(CustodyLeaf.entry, needle) > 0
    return CustodyLeaf.entry.op("LIKE", is_comparison=True)(b"%" + needle + b"%")


def _conditions(session: Session, contains: Sequence[bytes], start: int) -> list[Any]:
    conditions: list[Any] = [CustodyLeaf.idx >= start] if start else []
    for needle in contains:
        if not needle or any(c in needle for c in b"%_\\"):
            raise RejectedInputError(
                _("A custody search term must be non-empty and may not contain %, _ or \\.")
            )
        conditions.append(_contains(session, needle))
    return conditions


def find_entries(
    session: Session,
    contains: Sequence[bytes] = (),
    *,
    start: int = 0,
    limit: int = 50,
    offset: int = 0,
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
    conditions = _conditions(session, contains, start)
    total = session.scalar(select(func.count()).select_from(CustodyLeaf).where(*conditions)) or 0
    rows = session.execute(
        select(
            CustodyLeaf.idx, CustodyLeaf.entry, CustodyLeaf.leaf_hash, CustodyLeaf.appended_at_ms
        )
        .where(*conditions)
        .order_by(CustodyLeaf.idx.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return int(total), [StoredEntry(int(r[0]), bytes(r[1]), bytes(r[2]), int(r[3])) for r in rows]


def entry_indexes(session: Session, contains: Sequence[bytes], *, start: int = 0) -> list[int]:
    """Indexes of every entry from ``start`` on containing all of ``contains``, oldest first."""
    conditions = _conditions(session, contains, start)
    return [
        int(i)
        for i in session.scalars(
            select(CustodyLeaf.idx).where(*conditions).order_by(CustodyLeaf.idx)
        )
    ]


def first_index(session: Session, contains: Sequence[bytes], *, start: int = 0) -> int | None:
    """The index of the first entry from ``start`` on containing all of ``contains``: the
    scan stops at the first match, so give ``start`` when the caller knows where to begin."""
    found = session.scalars(
        select(CustodyLeaf.idx)
        .where(*_conditions(session, contains, start))
        .order_by(CustodyLeaf.idx)
        .limit(1)
    ).first()
    return None if found is None else int(found)


def stored_entries(session: Session, indexes: Sequence[int]) -> list[StoredEntry]:
    """The stored entries at ``indexes``, in index order (missing ones left out)."""
    if not indexes:
        return []
    rows = session.execute(
        select(
            CustodyLeaf.idx, CustodyLeaf.entry, CustodyLeaf.leaf_hash, CustodyLeaf.appended_at_ms
        )
        .where(CustodyLeaf.idx.in_(list(indexes)))
        .order_by(CustodyLeaf.idx)
    ).all()
    return [StoredEntry(int(r[0]), bytes(r[1]), bytes(r[2]), int(r[3])) for r in rows]


def head_of_size(session: Session, tree_size: int) -> TreeHead | None:
    """The newest signed head of exactly ``tree_size`` entries, if one was signed."""
    row = session.scalars(
        select(CustodyTreeHead)
        .where(CustodyTreeHead.tree_size == tree_size)
        .order_by(CustodyTreeHead.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return TreeHead(
        tree_size=int(row.tree_size),
        root_hash=bytes(row.root_hash),
        timestamp_ms=int(row.timestamp_ms),
        signature=bytes(row.signature),
        public_key=bytes(row.public_key),
    )
