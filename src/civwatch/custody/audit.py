"""The check of the whole custody log: one pass over its leaves, stored nodes and signed
heads (and heads kept outside the database), naming everything that does not match.

:meth:`CustodyLog.verify <civwatch.custody.log.CustodyLog.verify>` and
:meth:`CustodyLog.audit <civwatch.custody.log.CustodyLog.audit>` run it; ``civwatch verify``
reads the entries through the same pass. A malformed row (a
value of the wrong type) is named, never fatal. Engine level.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civwatch.custody.merkle import EMPTY_ROOT, node_at, node_hash
from civwatch.custody.signing import TreeHead, verify_tree_head
from civwatch.custody.stored import (
    HEADS,
    LEAVES,
    NODES,
    STATE,
    STATE_ID,
    as_bytes,
    describe_time,
    fetch_raw,
    head_of,
    paged,
)
from civwatch.errors import ProofError

_PROGRESS_EVERY = 1 << 16


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


def audit_log(
    session: Session,
    public_key: Ed25519PublicKey | bytes,
    *,
    size_now: Callable[[Session], int],
    progress: Callable[[int, int], None] | None = None,
    visit: Callable[[int, bytes], None] | None = None,
    kept_heads: Sequence[KeptHead] = (),
) -> list[LogProblem]:
    """Check the whole log in ``session``; return the problems found (none: sound).

    See :meth:`civwatch.custody.log.CustodyLog.audit`. ``size_now(session)`` reads the
    log's size again at the end, so that nodes completed by entries appended while the
    check ran are not blamed.
    """
    return _Verification(session, public_key, progress, visit, kept_heads, size_now).run()


@dataclass
class _DueHead:
    """A head whose root is compared with the log's when the pass reaches its size."""

    what: str
    tree_size: int
    root_hash: bytes


class _Verification:
    """One pass over leaves and nodes, both in key order; state for
    :func:`audit_log`."""

    def __init__(
        self,
        session: Session,
        public_key: Ed25519PublicKey | bytes,
        progress: Callable[[int, int], None] | None,
        visit: Callable[[int, bytes], None] | None,
        kept_heads: Sequence[KeptHead],
        size_now: Callable[[Session], int],
    ) -> None:
        self.session = session
        self.public_key = public_key
        self.progress = progress
        self.visit = visit
        self.kept_heads = kept_heads
        self.size_now = size_now
        self.problems: list[LogProblem] = []

    def _problem(self, message: str, index: int | None = None) -> None:
        self.problems.append(LogProblem(message, index))

    def _size(self) -> int:
        session = self.session
        last_leaf = select(func.max(LEAVES.c.idx)).scalar_subquery()
        state = session.execute(
            select(STATE.c.tree_size, last_leaf).where(STATE.c.id == STATE_ID)
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
        nodes = paged(self.session, [NODES.c.position, NODES.c.hash], NODES.c.position, 2 * size)
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
        columns = [LEAVES.c.idx, LEAVES.c.entry, LEAVES.c.leaf_hash]
        for index, raw_entry, raw_hash in paged(self.session, columns, LEAVES.c.idx, size):
            if not isinstance(index, int):
                continue  # only whole numbers run 0, 1, 2, ...: its slot shows as missing
            if index != expected:
                self._report_missing(expected, index)
                for absent in range(expected, index):
                    yield absent, None, b""
            expected = index + 1
            entry, stored_hash = as_bytes(raw_entry), as_bytes(raw_hash)
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
        size = max(size, self.size_now(self.session))
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
            HEADS.c.id,
            HEADS.c.tree_size,
            HEADS.c.root_hash,
            HEADS.c.timestamp_ms,
            HEADS.c.signature,
            HEADS.c.public_key,
        ]
        for head_id, *values in fetch_raw(self.session, select(*columns).order_by(HEADS.c.id)):
            what = f"Tree head #{head_id}"
            try:
                head = head_of(*values)
            except TypeError as err:
                self._problem(f"{what} is malformed ({err}).")
                continue
            what = f"{what} (size {head.tree_size}, signed {describe_time(head.timestamp_ms)})"
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
                f"{describe_time(head.timestamp_ms)})"
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
