"""The custody log: an append-only RFC 9162 Merkle tree kept in the database.

:class:`CustodyLog` works inside the caller's SQLAlchemy session, so an evidence row and
the custody entries that record it commit (or roll back) together.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import (
    Dialect,
    Row,
    Select,
    Table,
    bindparam,
    func,
    insert,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from civwatch.custody.heads_file import SIGNED_HEADS_KEY
from civwatch.custody.merkle import (
    EMPTY_ROOT,
    NodeId,
    consistency_ranges,
    hash_ranges,
    inclusion_ranges,
    node_at,
    node_hash,
    node_position,
    range_subtrees,
)
from civwatch.custody.models import CustodyLeaf, CustodyNode, CustodyState, CustodyTreeHead
from civwatch.custody.signing import (
    TreeHead,
    public_key_bytes,
    sign_tree_head,
    verify_tree_head,
)
from civwatch.errors import IntegrityError, ProofError, RejectedInputError

_leaves = cast(Table, CustodyLeaf.__table__)
_nodes = cast(Table, CustodyNode.__table__)
_heads = cast(Table, CustodyTreeHead.__table__)
_state = cast(Table, CustodyState.__table__)
_STATE_ID = 1
_AnyRow = Row[*tuple[Any, ...]]
_AnySelect = Select[*tuple[Any, ...]]
_STREAM_ROWS = 20_000
_PAGE_ROWS = 50_000
_PROGRESS_EVERY = 1 << 16


def encode_entry(entry: Mapping[str, Any]) -> bytes:
    """The exact bytes logged for a mapping: its RFC 8785 canonical JSON (UTF-8)."""
    try:
        return rfc8785.dumps(entry)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as err:
        raise RejectedInputError(
            f"This custody entry cannot be written as canonical JSON: {err}"
        ) from err


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _describe_time(timestamp_ms: int) -> str:
    try:
        moment = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return f"{timestamp_ms} ms"
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


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


_SUBTREE_QUERY = union_all(
    select(
        (_leaves.c.idx * 2).label("position"),
        _leaves.c.leaf_hash.label("hash"),
    ).where(_leaves.c.idx.in_(bindparam("leaf_ids", expanding=True))),
    select(_nodes.c.position, _nodes.c.hash).where(
        _nodes.c.position.in_(bindparam("positions", expanding=True))
    ),
)


class _StoredSubtrees:
    """Subtree hashes read from the custody tables (leaves for level 0, nodes above), all
    in one indexed query."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def subtree_hashes(self, nodes: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        if not nodes:
            return {}
        leaf_ids = [index for level, index in nodes if level == 0]
        positions = [node_position(level, index) for level, index in nodes if level > 0]
        rows = self.session.connection().execute(
            _SUBTREE_QUERY, {"leaf_ids": leaf_ids, "positions": positions}
        )
        return {node_at(int(position)): bytes(value) for position, value in rows}


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


def _bulk_insert(session: Session, table: Table, rows: list[tuple[Any, ...]]) -> None:
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


class CustodyLog:
    """The append-only custody log of one civwatch database.

    Every method takes the caller's session; none commits. Writers call :meth:`lock` (or
    :meth:`append`, which calls it) so that concurrent appenders take turns.
    """

    def __init__(self, clock_ms: Callable[[], int] = _now_ms) -> None:
        self._clock_ms = clock_ms

    # ------------------------------------------------------------------ writing

    def lock(self, session: Session) -> int:
        """Make this transaction the log's only writer until it ends; return the size.

        Call it as the first statement of a writing transaction. It updates the state row,
        which takes SQLite's write lock at once and locks the row on PostgreSQL, so other
        appenders wait for this transaction to commit or roll back. (On PostgreSQL keep the
        default READ COMMITTED isolation: under REPEATABLE READ a waiting appender fails
        with a serialization error instead of continuing.)
        """
        touch = (
            update(_state)
            .where(_state.c.id == _STATE_ID)
            .values(tree_size=_state.c.tree_size)
            .returning(_state.c.tree_size)
        )
        size = session.execute(touch).scalar_one_or_none()
        if size is not None:
            return int(size)
        # First use of this database: create the state row without racing another writer.
        last = session.execute(select(func.max(_leaves.c.idx))).scalar_one_or_none()
        values = {"id": _STATE_ID, "tree_size": 0 if last is None else int(last) + 1}
        dialect = session.connection().dialect.name
        if dialect == "postgresql":
            session.execute(postgresql.insert(_state).values(values).on_conflict_do_nothing())
        elif dialect == "sqlite":
            session.execute(sqlite.insert(_state).values(values).on_conflict_do_nothing())
        else:
            session.execute(insert(_state).values(values))
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
                    f"Custody entry {position} is {type(entry).__name__}, not bytes."
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
        _bulk_insert(session, _leaves, leaf_rows)
        if node_rows:
            _bulk_insert(session, _nodes, node_rows)
        session.execute(update(_state).where(_state.c.id == _STATE_ID).values(tree_size=index))
        return list(range(size, index))

    def _frontier(self, session: Session, size: int) -> list[tuple[int, bytes]]:
        """The complete subtrees of the current tree, largest first, as (level, hash)."""
        wanted = range_subtrees(0, size)
        found = _StoredSubtrees(session).subtree_hashes(wanted)
        missing = [node for node in wanted if node not in found]
        if missing:
            level, index = missing[0]
            raise IntegrityError(
                f"The custody log is damaged: the hash of subtree (level {level}, index "
                f"{index}) is missing, so nothing more can be appended. Run a verification."
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
            latest = _head_from_row(latest_row)
            if latest.tree_size > size:
                raise IntegrityError(
                    f"The log has {size} leaves but was signed at {latest.tree_size}: "
                    "entries have been removed. Refusing to sign."
                )
            if latest.root_hash != self.root(session, latest.tree_size):
                raise IntegrityError(
                    f"The log no longer matches the tree head signed at size "
                    f"{latest.tree_size}: its history was changed. Refusing to sign."
                )
            if latest.tree_size == size and latest.public_key == signer:
                return _handed_out(session, latest)
            if timestamp_ms is not None and timestamp_ms < latest.timestamp_ms:
                raise RejectedInputError(
                    f"A tree head cannot be dated {_describe_time(timestamp_ms)}, before the "
                    f"latest head ({_describe_time(latest.timestamp_ms)})."
                )
        when = self._clock_ms() if timestamp_ms is None else timestamp_ms
        if latest_row is not None:
            when = max(when, int(latest_row.timestamp_ms))
        head = sign_tree_head(key, size, self.root(session, size), when)
        session.execute(
            insert(_heads).values(
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
        stored = session.execute(
            select(_state.c.tree_size).where(_state.c.id == _STATE_ID)
        ).scalar_one_or_none()
        if stored is not None:
            return int(stored)
        last = session.execute(select(func.max(_leaves.c.idx))).scalar_one_or_none()
        return 0 if last is None else int(last) + 1

    def _never_had(self, session: Session, tree_size: int) -> ProofError:
        return ProofError(
            f"The custody log has {self.size(session)} entries; it never had a tree of {tree_size}."
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
            return hash_ranges(_StoredSubtrees(session), ranges)
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
                f"Entries {start} to {end} are not in the custody log of {size} entries."
            )
        query = (
            select(_leaves.c.idx, _leaves.c.entry)
            .where(_leaves.c.idx >= start, _leaves.c.idx < end)
            .order_by(_leaves.c.idx)
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

    def _latest_head_row(self, session: Session) -> _AnyRow | None:
        return session.execute(select(_heads).order_by(_heads.c.id.desc()).limit(1)).first()

    def latest_head(self, session: Session) -> TreeHead | None:
        """The most recently signed tree head, or None before the first signature."""
        row = self._latest_head_row(session)
        return None if row is None else _head_from_row(row)

    def heads(self, session: Session) -> list[TreeHead]:
        """Every signed tree head, oldest first."""
        rows = session.execute(select(_heads).order_by(_heads.c.id))
        return [_head_from_row(row) for row in rows]

    # ------------------------------------------------------------------ checking

    def verify(
        self,
        session: Session,
        public_key: Ed25519PublicKey | bytes,
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
        public_key: Ed25519PublicKey | bytes,
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
        return _Verification(session, public_key, progress, visit, kept_heads).run()


def _handed_out(session: Session, head: TreeHead) -> TreeHead:
    """Note ``head`` in the session as signed or handed out in this transaction: a
    :class:`~civwatch.custody.heads_file.HeadsFile` watching the session keeps it once the
    transaction commits."""
    session.info.setdefault(SIGNED_HEADS_KEY, []).append(head)
    return head


def _head_from_row(row: _AnyRow) -> TreeHead:
    return _head_of(row.tree_size, row.root_hash, row.timestamp_ms, row.signature, row.public_key)


def _head_of(size: Any, root: Any, timestamp: Any, signature: Any, public_key: Any) -> TreeHead:
    """A head from stored values; TypeError if one has the wrong type."""
    values = (_as_bytes(root), _as_bytes(signature), _as_bytes(public_key))
    if not isinstance(size, int) or not isinstance(timestamp, int) or None in values:
        raise TypeError("a size or time that is not a whole number, or a hash that is not bytes")
    root_hash, sig, key = (v or b"" for v in values)
    return TreeHead(size, root_hash, timestamp, sig, key)


def _fetch_raw(session: Session, query: _AnySelect) -> list[tuple[Any, ...]]:
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


def _paged(
    session: Session, columns: Sequence[Any], key: Any, below: int
) -> Iterator[tuple[Any, ...]]:
    """Rows with ``key < below`` in key order, fetched a page at a time (keyset paging)."""
    after: int | None = None
    while True:
        query = select(*columns).where(key < below).order_by(key).limit(_PAGE_ROWS)
        if after is not None:
            query = query.where(key > after)
        rows = _fetch_raw(session, query)
        yield from rows
        if len(rows) < _PAGE_ROWS:
            return
        after = int(rows[-1][0])


@dataclass(frozen=True)
class LogProblem:
    """One thing wrong with the log; ``index`` is the entry concerned, when there is one."""

    message: str
    index: int | None = None


@dataclass(frozen=True)
class KeptHead:
    """A signed head kept outside the database (``where`` says where, for messages)."""

    where: str
    head: TreeHead


def _as_bytes(value: Any) -> bytes | None:
    """A BLOB column's value as bytes, or None when it holds something else (a database
    lets text or numbers be stored there)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return None


@dataclass
class _DueHead:
    """A head whose root is compared with the log's when the pass reaches its size."""

    what: str
    tree_size: int
    root_hash: bytes


class _Verification:
    """One pass over leaves and nodes, both in key order; state for
    :meth:`CustodyLog.audit`."""

    def __init__(
        self,
        session: Session,
        public_key: Ed25519PublicKey | bytes,
        progress: Callable[[int, int], None] | None,
        visit: Callable[[int, bytes], None] | None,
        kept_heads: Sequence[KeptHead],
    ) -> None:
        self.session = session
        self.public_key = public_key
        self.progress = progress
        self.visit = visit
        self.kept_heads = kept_heads
        self.problems: list[LogProblem] = []

    def _problem(self, message: str, index: int | None = None) -> None:
        self.problems.append(LogProblem(message, index))

    def _size(self) -> int:
        session = self.session
        last_leaf = select(func.max(_leaves.c.idx)).scalar_subquery()
        state = session.execute(
            select(_state.c.tree_size, last_leaf).where(_state.c.id == _STATE_ID)
        ).first()
        if state is None:
            stored_size = None
            last = session.execute(select(last_leaf)).scalar_one_or_none()
        else:
            stored_size, last = state
        if not isinstance(last, int | None):
            self._problem(f"The last leaf's index {last!r} is not a whole number.")
            last = None
        stored_leaves = 0 if last is None else int(last) + 1
        if stored_size is not None and not isinstance(stored_size, int):
            self._problem(f"The log's state row holds {stored_size!r}, not a number of entries.")
            stored_size = stored_leaves
        size = max(stored_leaves, 0 if stored_size is None else int(stored_size))
        if stored_size is None:
            if size:
                self._problem("The log's state row is missing.")
        elif int(stored_size) != stored_leaves:
            self._problem(
                f"The log records {stored_size} entries but its last stored leaf is "
                f"{stored_leaves - 1}."
            )
        return size

    def run(self) -> list[LogProblem]:
        size = self._size()
        due = self._heads(size)
        while due and due[-1].tree_size == 0:
            self._check_root(due.pop(), EMPTY_ROOT)

        sha256 = hashlib.sha256
        progress = self.progress
        visit = self.visit
        # Complete subtrees on the right edge so far: (level, hash, tainted). A tainted
        # subtree already had a problem reported inside it; its parents are not blamed.
        stack: list[tuple[int, bytes, bool]] = []
        # Stored nodes arrive in position order; those read ahead of their check wait here.
        nodes = _paged(
            self.session, [_nodes.c.position, _nodes.c.hash], _nodes.c.position, 2 * size
        )
        next_node = next(nodes, None)
        waiting: dict[int, Any] = {}
        for index, entry, stored_hash in self._every_leaf(size):
            tainted = entry is None
            if entry is not None:
                if sha256(b"\x00" + entry).digest() != stored_hash:
                    self._problem(
                        f"Leaf {index}: the stored entry bytes do not match its leaf hash "
                        "(the entry was altered).",
                        index,
                    )
                if visit is not None:
                    visit(index, entry)
            value, level, position = stored_hash, 0, 2 * index
            while stack and stack[-1][0] == level:
                _, left, left_tainted = stack.pop()
                value = sha256(b"\x01" + left + value).digest()
                position -= 1 << level
                level += 1
                tainted = tainted or left_tainted
                while next_node is not None and next_node[0] <= position:
                    waiting[int(next_node[0])] = next_node[1]
                    next_node = next(nodes, None)
                stored = waiting.pop(position, None)
                if stored is None:
                    self._report_node(position, "is missing")
                    tainted = True
                elif stored != value and not tainted:
                    self._report_node(
                        position, "the stored hash does not match the leaves below it (altered)"
                    )
                    tainted = True
            stack.append((level, value, tainted))
            done = index + 1
            while due and due[-1].tree_size == done:
                self._check_root(due.pop(), _stack_root(stack))
            if progress is not None and done % _PROGRESS_EVERY == 0:
                progress(done, size)
        if next_node is not None:
            waiting[int(next_node[0])] = next_node[1]
            waiting.update((int(position), value) for position, value in nodes)
        self._report_extra_nodes(waiting, size)
        if progress is not None:
            progress(size, size)
        return self.problems

    def _every_leaf(self, size: int) -> Iterator[tuple[int, bytes | None, bytes]]:
        """``(index, entry, leaf hash)`` for 0 .. size - 1; a missing leaf is reported and
        given as ``(index, None, b"")``, as is a leaf whose columns hold values of the
        wrong type (text where bytes belong, NULL)."""
        expected = 0
        columns = [_leaves.c.idx, _leaves.c.entry, _leaves.c.leaf_hash]
        for index, raw_entry, raw_hash in _paged(self.session, columns, _leaves.c.idx, size):
            if not isinstance(index, int):
                continue  # only whole numbers run 0, 1, 2, ...: its slot shows as missing
            if index != expected:
                self._report_missing(expected, index)
                for absent in range(expected, index):
                    yield absent, None, b""
            expected = index + 1
            entry, stored_hash = _as_bytes(raw_entry), _as_bytes(raw_hash)
            if entry is None:
                self._problem(
                    f"Leaf {index}: its entry is stored as {_kind(raw_entry)}, not as bytes "
                    "(the row was altered).",
                    index,
                )
            if stored_hash is None:
                self._problem(
                    f"Leaf {index}: its leaf hash is stored as {_kind(raw_hash)}, not as 32 "
                    "bytes (the row was altered).",
                    index,
                )
                stored_hash = b""
            yield index, entry, stored_hash
        if expected < size:
            self._report_missing(expected, size)
            for absent in range(expected, size):
                yield absent, None, b""

    def _report_missing(self, start: int, end: int) -> None:
        if end - start == 1:
            self._problem(f"Leaf {start} is missing from the log.", start)
        else:
            self._problem(f"Leaves {start} to {end - 1} are missing from the log.", start)

    def _report_node(self, position: int, what: str) -> None:
        level, index = node_at(position)
        first, last = index << level, ((index + 1) << level) - 1
        sep = " " if what.startswith("is ") else ": "
        self._problem(
            f"Node (level {level}, index {index}) over leaves {first} to {last}{sep}{what}."
        )

    def _report_extra_nodes(self, leftover: Mapping[int, Any], size: int) -> None:
        """Name stored nodes that belong to no complete subtree of the log.

        Nodes completed by entries appended while the check ran are not blamed: the size
        is read again now.
        """
        size = max(size, CustodyLog().size(self.session))
        for position in sorted(leftover):
            if position >= 0:
                level, index = node_at(position)
                if level >= 1 and (index + 1) << level <= size:
                    continue  # appended meanwhile
            else:
                level, index = -1, position
            self._problem(
                f"Node (level {level}, index {index}) does not belong to a log of {size} "
                "entries (added from outside)."
            )

    def _heads(self, size: int) -> list[_DueHead]:
        """Check every head's signature (database and kept ones); return those whose root
        the pass must compare, the next due last."""
        due: list[_DueHead] = []
        stored: set[tuple[int, bytes, int, bytes]] = set()
        previous: tuple[int, int] | None = None  # (id, size) of the previous database head
        columns = [
            _heads.c.id,
            _heads.c.tree_size,
            _heads.c.root_hash,
            _heads.c.timestamp_ms,
            _heads.c.signature,
            _heads.c.public_key,
        ]
        for head_id, *values in _fetch_raw(self.session, select(*columns).order_by(_heads.c.id)):
            what = f"Tree head #{head_id}"
            try:
                head = _head_of(*values)
            except TypeError as err:
                self._problem(f"{what} is malformed ({err}).")
                continue
            what = f"{what} (size {head.tree_size}, signed {_describe_time(head.timestamp_ms)})"
            stored.add((head.tree_size, head.root_hash, head.timestamp_ms, head.signature))
            if self._check_head(what, head, size, "the log has only {size} entries."):
                due.append(_DueHead(what, head.tree_size, head.root_hash))
            if previous is not None and head.tree_size < previous[1]:
                self._problem(
                    f"{what} covers fewer entries than the earlier head #{previous[0]} "
                    f"(size {previous[1]})."
                )
            previous = (head_id, head.tree_size)
        for kept in self.kept_heads:
            head = kept.head
            what = (
                f"The signed head of size {head.tree_size} ({kept.where}, signed "
                f"{_describe_time(head.timestamp_ms)})"
            )
            cut = (
                "the log now holds only {size} entries: entries it covered were removed "
                "(the log was cut back)."
            )
            if self._check_head(what, head, size, cut):
                due.append(_DueHead(what, head.tree_size, head.root_hash))
            key = (head.tree_size, head.root_hash, head.timestamp_ms, head.signature)
            if key not in stored:
                self._problem(
                    f"{what} is missing from the database's table of signed heads (it was deleted)."
                )
        due.sort(key=lambda d: -d.tree_size)
        return due

    def _check_head(self, what: str, head: TreeHead, size: int, too_big: str) -> bool:
        """Report a bad signature or a size beyond the log; whether its root is due."""
        try:
            verify_tree_head(head, self.public_key)
        except ProofError as err:
            self._problem(f"{what}: {err.message}")
        if head.tree_size > size:
            self._problem(f"{what}: {too_big.format(size=size)}", size)
            return False
        return True

    def _check_root(self, head: _DueHead, root: bytes) -> None:
        if head.root_hash != root:
            self._problem(
                f"{head.what}: its root hash does not match the log's entries "
                "(the head or the entries were altered).",
                head.tree_size - 1 if head.tree_size else None,
            )


def _kind(value: Any) -> str:
    """What a stored value is, for a message."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def _stack_root(stack: Sequence[tuple[int, bytes, bool]]) -> bytes:
    """The root of the tree whose right-edge complete subtrees are ``stack``."""
    root = stack[-1][1]
    for _, value, _ in reversed(stack[:-1]):
        root = node_hash(value, root)
    return root
