"""The custody log: an append-only RFC 9162 Merkle tree kept in the database.

:class:`CustodyLog` works inside the caller's SQLAlchemy session, so an evidence row and
the custody entries that record it commit (or roll back) together. One database may hold
several logs, each in tables of its own (:func:`~civwatch.custody.models.log_tables`): a
:class:`CustodyLog` serves the log whose tables it is given (by default the evidence
custody log), and never reads another's. The check of the whole
log is in :mod:`civwatch.custody.audit`; the raw reads and writes of the tables, shared by
both, in :mod:`civwatch.custody.stored`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import CompoundSelect, bindparam, func, insert, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from civwatch.custody.audit import KeptHead, LogProblem, audit_log
from civwatch.custody.heads_file import SIGNED_HEADS_KEY
from civwatch.custody.key_chain import KeyChain
from civwatch.custody.merkle import (
    EMPTY_ROOT,
    NodeId,
    consistency_ranges,
    hash_ranges,
    inclusion_ranges,
    node_at,
    node_position,
    range_subtrees,
)
from civwatch.custody.models import CUSTODY, LogTables, log_tables
from civwatch.custody.signing import TreeHead, key_fingerprint, public_key_bytes, sign_tree_head
from civwatch.custody.stored import (
    STATE_ID,
    AnyRow,
    bulk_insert,
    describe_time,
    head_from_row,
)
from civwatch.errors import IntegrityError, ProofError, RejectedInputError
from civwatch.i18n import _

_STREAM_ROWS = 20_000


def encode_entry(entry: Mapping[str, Any]) -> bytes:
    """The exact bytes logged for a mapping: its RFC 8785 canonical JSON (UTF-8)."""
    try:
        return rfc8785.dumps(entry)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as err:
        raise RejectedInputError(
            _("This custody entry cannot be written as canonical JSON: %(err)s", err=err)
        ) from err


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class InclusionProof:
    """Evidence that the leaf ``leaf_hash`` is entry ``leaf_index`` of the tree of
    ``tree_size`` leaves with root ``root_hash``."""

    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    root_hash: bytes
    audit_path: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    """Evidence that the tree of ``second`` leaves extends, unchanged, that of ``first``."""

    first: int
    second: int
    first_root: bytes
    second_root: bytes
    proof: list[bytes]


@cache
def _subtree_query(tables: LogTables) -> CompoundSelect[*tuple[Any, ...]]:
    """The one query that reads leaf hashes and stored nodes of a log by position."""
    leaves, nodes = tables.leaves, tables.nodes
    return union_all(
        select(
            (leaves.c.idx * 2).label("position"),
            leaves.c.leaf_hash.label("hash"),
        ).where(leaves.c.idx.in_(bindparam("leaf_ids", expanding=True))),
        select(nodes.c.position, nodes.c.hash).where(
            nodes.c.position.in_(bindparam("positions", expanding=True))
        ),
    )


class _StoredSubtrees:
    """Subtree hashes read from a log's tables (leaves for level 0, nodes above), all in
    one indexed query."""

    def __init__(self, session: Session, tables: LogTables) -> None:
        self.session = session
        self.query = _subtree_query(tables)

    def subtree_hashes(self, nodes: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        if not nodes:
            return {}
        leaf_ids = [index for level, index in nodes if level == 0]
        positions = [node_position(level, index) for level, index in nodes if level > 0]
        rows = self.session.connection().execute(
            self.query, {"leaf_ids": leaf_ids, "positions": positions}
        )
        return {node_at(int(position)): bytes(value) for position, value in rows}


class CustodyLog:
    """An append-only log of one civwatch database: by default the evidence custody log,
    or the log whose ``tables`` are given (``log_tables("protection_audit")``).

    Every method takes the caller's session; none commits. Writers call :meth:`lock` (or
    :meth:`append`, which calls it) so that concurrent appenders take turns. Two logs take
    turns separately: each has its own state row. A transaction that writes to two logs
    locks the evidence custody log first, so that two such transactions cannot deadlock.
    """

    def __init__(
        self, clock_ms: Callable[[], int] = _now_ms, *, tables: LogTables | None = None
    ) -> None:
        self._clock_ms = clock_ms
        #: The tables of the log this object serves.
        self.tables = log_tables(CUSTODY) if tables is None else tables

    # ------------------------------------------------------------------ writing

    def lock(self, session: Session) -> int:
        """Make this transaction the log's only writer until it ends; return the size.

        Call it as the first statement of a writing transaction. It updates the state row,
        which takes SQLite's write lock at once and locks the row on PostgreSQL, so other
        appenders wait for this transaction to commit or roll back. (On PostgreSQL keep the
        default READ COMMITTED isolation: under REPEATABLE READ a waiting appender fails
        with a serialization error instead of continuing.)
        """
        state = self.tables.state
        touch = (
            update(state)
            .where(state.c.id == STATE_ID)
            .values(tree_size=state.c.tree_size)
            .returning(state.c.tree_size)
        )
        size = session.execute(touch).scalar_one_or_none()
        if size is not None:
            return int(size)
        # First use of this log: create the state row without racing another writer.
        last = session.execute(select(func.max(self.tables.leaves.c.idx))).scalar_one_or_none()
        values = {"id": STATE_ID, "tree_size": 0 if last is None else int(last) + 1}
        dialect = session.connection().dialect.name
        if dialect == "postgresql":
            session.execute(postgresql.insert(state).values(values).on_conflict_do_nothing())
        elif dialect == "sqlite":
            session.execute(sqlite.insert(state).values(values).on_conflict_do_nothing())
        else:
            session.execute(insert(state).values(values))
        return int(session.execute(touch).scalar_one())

    def append(self, session: Session, entries: Sequence[Mapping[str, Any]]) -> list[int]:
        """Append each mapping, as canonical JSON, in order; return their leaf indexes."""
        return self.append_bytes(session, [encode_entry(entry) for entry in entries])

    def append_bytes(self, session: Session, entries: Sequence[bytes]) -> list[int]:
        """Append pre-encoded entries in order; return their leaf indexes.

        The leaves and every subtree hash they complete are inserted in two batched
        statements. Nothing is committed: the caller's transaction decides.
        """
        if not entries:
            return []
        for position, entry in enumerate(entries):
            if not isinstance(entry, bytes):
                raise RejectedInputError(
                    _(
                        "Custody entry %(position)s is %(kind)s, not bytes.",
                        position=position,
                        kind=type(entry).__name__,
                    )
                )
        size = self.lock(session)
        stack = self._frontier(session, size)
        now = self._clock_ms()
        sha256 = hashlib.sha256
        leaf_rows: list[tuple[Any, ...]] = []
        node_rows: list[tuple[Any, ...]] = []
        index = size
        for entry in entries:
            value = sha256(b"\x00" + entry).digest()
            leaf_rows.append((index, entry, value, now))
            level = 0
            position = 2 * index  # in-order position of the leaf; parents follow from it
            index += 1
            while stack and stack[-1][0] == level:
                value = sha256(b"\x01" + stack.pop()[1] + value).digest()
                position -= 1 << level
                level += 1
                node_rows.append((position, value))
            stack.append((level, value))
        bulk_insert(session, self.tables.leaves, leaf_rows)
        if node_rows:
            bulk_insert(session, self.tables.nodes, node_rows)
        state = self.tables.state
        session.execute(update(state).where(state.c.id == STATE_ID).values(tree_size=index))
        return list(range(size, index))

    def _frontier(self, session: Session, size: int) -> list[tuple[int, bytes]]:
        """The complete subtrees of the current tree, largest first, as (level, hash)."""
        wanted = range_subtrees(0, size)
        found = _StoredSubtrees(session, self.tables).subtree_hashes(wanted)
        missing = [node for node in wanted if node not in found]
        if missing:
            level, index = missing[0]
            raise IntegrityError(
                _(
                    "The custody log is damaged: the hash of subtree (level %(level)s, "
                    "index %(index)s) is missing, so nothing more can be appended. Run a "
                    "verification.",
                    level=level,
                    index=index,
                )
            )
        return [(level, found[(level, index)]) for level, index in wanted]

    def sign_head(
        self, session: Session, key: Ed25519PrivateKey, timestamp_ms: int | None = None
    ) -> TreeHead:
        """Sign and store the current size and root; return the head.

        If the latest head, by the same key, already covers the current size it is
        returned unchanged. Refuses to sign when the log no longer matches the latest head.
        """
        size = self.lock(session)
        latest_row = self._latest_head_row(session)
        signer = public_key_bytes(key)
        if latest_row is not None:
            latest = head_from_row(latest_row, self.tables.name)
            if latest.tree_size > size:
                raise IntegrityError(
                    _(
                        "The log has %(size)s leaves but was signed at %(tree_size)s: entries "
                        "have been removed. Refusing to sign.",
                        size=size,
                        tree_size=latest.tree_size,
                    )
                )
            if latest.root_hash != self.root(session, latest.tree_size):
                raise IntegrityError(
                    _(
                        "The log no longer matches the tree head signed at size %(tree_size)s: "
                        "its history was changed. Refusing to sign.",
                        tree_size=latest.tree_size,
                    )
                )
            if latest.tree_size == size and latest.public_key == signer:
                return _handed_out(session, latest)
            if latest.public_key != signer and self._has_signed(session, signer):
                # Another key signed after this one: it was retired (a key rotation).
                raise IntegrityError(
                    _(
                        "The signing key %(fingerprint)s was retired: another key has signed "
                        "this log's heads since, and a retired key never signs again. If a "
                        "rotation was interrupted, run `civwatch custody rotate-key` again.",
                        fingerprint=key_fingerprint(signer),
                    )
                )
            if timestamp_ms is not None and timestamp_ms < latest.timestamp_ms:
                raise RejectedInputError(
                    _(
                        "A tree head cannot be dated %(time)s, before the latest head "
                        "(%(latest)s).",
                        time=describe_time(timestamp_ms),
                        latest=describe_time(latest.timestamp_ms),
                    )
                )
        when = self._clock_ms() if timestamp_ms is None else timestamp_ms
        if latest_row is not None:
            when = max(when, int(latest_row.timestamp_ms))
        head = sign_tree_head(key, size, self.root(session, size), when, self.tables.name)
        session.execute(
            insert(self.tables.heads).values(
                tree_size=head.tree_size,
                root_hash=head.root_hash,
                timestamp_ms=head.timestamp_ms,
                signature=head.signature,
                public_key=head.public_key,
            )
        )
        return _handed_out(session, head)

    # ------------------------------------------------------------------ reading

    def size(self, session: Session) -> int:
        """How many entries the log holds."""
        state = self.tables.state
        stored = session.execute(
            select(state.c.tree_size).where(state.c.id == STATE_ID)
        ).scalar_one_or_none()
        if stored is not None:
            return int(stored)
        last = session.execute(select(func.max(self.tables.leaves.c.idx))).scalar_one_or_none()
        return 0 if last is None else int(last) + 1

    def _never_had(self, session: Session, tree_size: int) -> ProofError:
        return ProofError(
            _(
                "The custody log has %(size)s entries; it never had a tree of %(tree_size)s.",
                size=self.size(session),
                tree_size=tree_size,
            )
        )

    def _hash_ranges(
        self, session: Session, tree_size: int, ranges: Sequence[tuple[int, int]]
    ) -> list[bytes]:
        """The MTH of each range within the tree of ``tree_size`` leaves, in one query.

        The size is not read first: every stored subtree exists only once its last leaf is
        appended, so a tree larger than the log shows up as missing hashes.
        """
        if tree_size < 0:
            raise self._never_had(session, tree_size)
        try:
            return hash_ranges(_StoredSubtrees(session, self.tables), ranges)
        except ProofError:
            if tree_size > self.size(session):
                raise self._never_had(session, tree_size) from None
            raise

    def root(self, session: Session, tree_size: int | None = None) -> bytes:
        """The root hash of the first ``tree_size`` entries (default: all)."""
        size = self.size(session) if tree_size is None else tree_size
        if size == 0:
            return EMPTY_ROOT
        return self._hash_ranges(session, size, [(0, size)])[0]

    def entries(
        self, session: Session, start: int = 0, end: int | None = None
    ) -> Iterator[tuple[int, bytes]]:
        """Stream ``(index, entry bytes)`` for indexes ``start <= index < end``, in order."""
        size = self.size(session)
        end = size if end is None else end
        if not 0 <= start <= end <= size:
            raise ProofError(
                _(
                    "Entries %(start)s to %(end)s are not in the custody log of %(size)s entries.",
                    start=start,
                    end=end,
                    size=size,
                )
            )
        query = (
            select(self.tables.leaves.c.idx, self.tables.leaves.c.entry)
            .where(self.tables.leaves.c.idx >= start, self.tables.leaves.c.idx < end)
            .order_by(self.tables.leaves.c.idx)
            .execution_options(yield_per=_STREAM_ROWS)
        )
        result = session.execute(query)
        try:
            for row in result:
                yield int(row[0]), bytes(row[1])
        finally:
            result.close()  # frees a PostgreSQL server-side cursor if the reader stops early

    def inclusion_proof(
        self, session: Session, index: int, tree_size: int | None = None
    ) -> InclusionProof:
        """The audit path of entry ``index`` in the tree of ``tree_size`` entries (default:
        all), with that tree's root; read in one query."""
        size = self.size(session) if tree_size is None else tree_size
        if size < 0:
            raise self._never_had(session, size)
        ranges = [*inclusion_ranges(index, size), (0, size), (index, index + 1)]
        *path, root, leaf = self._hash_ranges(session, size, ranges)
        return InclusionProof(index, size, leaf, root, path)

    def consistency_proof(self, session: Session, first: int, second: int) -> ConsistencyProof:
        """The proof that the tree of ``second`` entries extends that of ``first``."""
        ranges = [*consistency_ranges(first, second), (0, first), (0, second)]
        *proof, first_root, second_root = self._hash_ranges(session, second, ranges)
        return ConsistencyProof(first, second, first_root, second_root, proof)

    def _has_signed(self, session: Session, public_key: bytes) -> bool:
        """Whether ``public_key`` signed any head of this log."""
        heads = self.tables.heads
        found = session.execute(
            select(heads.c.id).where(heads.c.public_key == public_key).limit(1)
        ).first()
        return found is not None

    def _latest_head_row(self, session: Session) -> AnyRow | None:
        return session.execute(
            select(self.tables.heads).order_by(self.tables.heads.c.id.desc()).limit(1)
        ).first()

    def latest_head(self, session: Session) -> TreeHead | None:
        """The most recently signed tree head, or None before the first signature."""
        row = self._latest_head_row(session)
        return None if row is None else head_from_row(row, self.tables.name)

    def heads(self, session: Session) -> list[TreeHead]:
        """Every signed tree head, oldest first."""
        rows = session.execute(select(self.tables.heads).order_by(self.tables.heads.c.id))
        return [head_from_row(row, self.tables.name) for row in rows]

    # ------------------------------------------------------------------ checking

    def verify(
        self,
        session: Session,
        public_key: Ed25519PublicKey | bytes | KeyChain,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[str]:
        """Check the whole log; return the problems found, each naming what is wrong.

        Recomputes every leaf hash from the stored entry bytes, every stored subtree hash
        from the leaves, every signed head's root from the leaves and its signature, and
        checks the leaf indexes run 0, 1, 2, ... without a gap. An empty list means the log
        is sound. ``progress(done, total)`` is called as leaves are read.
        """
        return [problem.message for problem in self.audit(session, public_key, progress)]

    def audit(
        self,
        session: Session,
        public_key: Ed25519PublicKey | bytes | KeyChain,
        progress: Callable[[int, int], None] | None = None,
        *,
        visit: Callable[[int, bytes], None] | None = None,
        kept_heads: Sequence[KeptHead] = (),
    ) -> list[LogProblem]:
        """:meth:`verify` with more: ``visit(index, entry)`` is called for every stored
        entry in index order (one pass reads the log for both), and each of ``kept_heads``
        (heads kept outside the database) must be signed by ``public_key``, be a tree this
        log still holds, and still be in the database's table of heads. A malformed row
        (a value of the wrong type) is named, never fatal."""
        return audit_log(
            session,
            public_key,
            tables=self.tables,
            size_now=self.size,
            progress=progress,
            visit=visit,
            kept_heads=kept_heads,
        )


def _handed_out(session: Session, head: TreeHead) -> TreeHead:
    """Note ``head`` in the session as signed or handed out in this transaction: a
    :class:`~civwatch.custody.heads_file.HeadsFile` watching the session keeps it once the
    transaction commits."""
    session.info.setdefault(SIGNED_HEADS_KEY, []).append(head)
    return head
