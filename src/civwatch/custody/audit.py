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
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civwatch.custody.key_chain import KeyChain
from civwatch.custody.merkle import EMPTY_ROOT, node_at, node_hash
from civwatch.custody.models import LogTables
from civwatch.custody.signing import TreeHead, verify_tree_head
from civwatch.custody.stored import (
    STATE_ID,
    as_bytes,
    describe_time,
    fetch_raw,
    head_of,
    paged,
)
from civwatch.errors import ProofError
from civwatch.i18n import _

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
    public_key: Ed25519PublicKey | bytes | KeyChain,
    *,
    tables: LogTables,
    size_now: Callable[[Session], int],
    progress: Callable[[int, int], None] | None = None,
    visit: Callable[[int, bytes], None] | None = None,
    kept_heads: Sequence[KeptHead] = (),
) -> list[LogProblem]:
    """Check the whole log kept in ``tables`` in ``session``; return the problems found
    (none: sound).

    See :meth:`civwatch.custody.log.CustodyLog.audit`. ``size_now(session)`` reads the
    log's size again at the end, so that nodes completed by entries appended while the
    check ran are not blamed. A head (in the table or kept) must be signed as a head of
    this log: one signed for another log does not verify.
    """
    return _Verification(session, public_key, tables, progress, visit, kept_heads, size_now).run()


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
        public_key: Ed25519PublicKey | bytes | KeyChain,
        tables: LogTables,
        progress: Callable[[int, int], None] | None,
        visit: Callable[[int, bytes], None] | None,
        kept_heads: Sequence[KeptHead],
        size_now: Callable[[Session], int],
    ) -> None:
        self.session = session
        self.public_key = public_key
        self.tables = tables
        self.progress = progress
        self.visit = visit
        self.kept_heads = kept_heads
        self.size_now = size_now
        self.problems: list[LogProblem] = []

    def _problem(self, message: str, index: int | None = None) -> None:
        self.problems.append(LogProblem(message, index))

    def _size(self) -> int:
        session = self.session
        table = self.tables.state
        last_leaf = select(func.max(self.tables.leaves.c.idx)).scalar_subquery()
        state = session.execute(
            select(table.c.tree_size, last_leaf).where(table.c.id == STATE_ID)
        ).first()
        if state is None:
            stored_size = None
            last = session.execute(select(last_leaf)).scalar_one_or_none()
        else:
            stored_size, last = state
        if not isinstance(last, int | None):
            self._problem(
                _("The last leaf's index %(index)s is not a whole number.", index=repr(last))
            )
            last = None
        stored_leaves = 0 if last is None else int(last) + 1
        if stored_size is not None and not isinstance(stored_size, int):
            self._problem(
                _(
                    "The log's state row holds %(value)s, not a number of entries.",
                    value=repr(stored_size),
                )
            )
            stored_size = stored_leaves
        size = max(stored_leaves, 0 if stored_size is None else int(stored_size))
        if stored_size is None:
            if size:
                self._problem(_("The log's state row is missing."))
        elif int(stored_size) != stored_leaves:
            self._problem(
                _(
                    "The log records %(size)s entries but its last stored leaf is %(last)s.",
                    size=stored_size,
                    last=stored_leaves - 1,
                )
            )
        return size

    def run(self) -> list[LogProblem]:
        if isinstance(self.public_key, KeyChain) and self.public_key.log == self.tables.name:
            for message in self.public_key.problems:
                self._problem(message)
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
        stored_nodes = self.tables.nodes
        nodes = paged(
            self.session,
            [stored_nodes.c.position, stored_nodes.c.hash],
            stored_nodes.c.position,
            2 * size,
        )
        next_node = next(nodes, None)
        waiting: dict[int, Any] = {}
        for index, entry, stored_hash in self._every_leaf(size):
            tainted = entry is None
            if entry is not None:
                if sha256(b"\x00" + entry).digest() != stored_hash:
                    self._problem(
                        _(
                            "Leaf %(index)s: the stored entry bytes do not match its leaf hash "
                            "(the entry was altered).",
                            index=index,
                        ),
                        index,
                    )
                if visit is not None:
                    visit(index, entry)
            value, level, position = stored_hash, 0, 2 * index
            while stack and stack[-1][0] == level:
                _level, left, left_tainted = stack.pop()
                value = sha256(b"\x01" + left + value).digest()
                position -= 1 << level
                level += 1
                tainted = tainted or left_tainted
                while next_node is not None and next_node[0] <= position:
                    waiting[int(next_node[0])] = next_node[1]
                    next_node = next(nodes, None)
                stored = waiting.pop(position, None)
                if stored is None:
                    self._report_node(position, altered=False)
                    tainted = True
                elif stored != value and not tainted:
                    self._report_node(position, altered=True)
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
        leaves = self.tables.leaves
        columns = [leaves.c.idx, leaves.c.entry, leaves.c.leaf_hash]
        for index, raw_entry, raw_hash in paged(self.session, columns, leaves.c.idx, size):
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
                    _(
                        "Leaf %(index)s: its entry is stored as %(kind)s, not as bytes "
                        "(the row was altered).",
                        index=index,
                        kind=_kind(raw_entry),
                    ),
                    index,
                )
            if stored_hash is None:
                self._problem(
                    _(
                        "Leaf %(index)s: its leaf hash is stored as %(kind)s, not as 32 bytes "
                        "(the row was altered).",
                        index=index,
                        kind=_kind(raw_hash),
                    ),
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
            self._problem(_("Leaf %(index)s is missing from the log.", index=start), start)
        else:
            self._problem(
                _(
                    "Leaves %(first)s to %(last)s are missing from the log.",
                    first=start,
                    last=end - 1,
                ),
                start,
            )

    def _report_node(self, position: int, *, altered: bool) -> None:
        level, index = node_at(position)
        place = {"level": level, "index": index, "first": index << level}
        place["last"] = ((index + 1) << level) - 1
        self._problem(
            _(
                "Node (level %(level)s, index %(index)s) over leaves %(first)s to %(last)s: "
                "the stored hash does not match the leaves below it (altered).",
                **place,
            )
            if altered
            else _(
                "Node (level %(level)s, index %(index)s) over leaves %(first)s to %(last)s "
                "is missing.",
                **place,
            )
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
                _(
                    "Node (level %(level)s, index %(index)s) does not belong to a log of "
                    "%(size)s entries (added from outside).",
                    level=level,
                    index=index,
                    size=size,
                )
            )

    def _heads(self, size: int) -> list[_DueHead]:
        """Check every head's signature (database and kept ones); return those whose root
        the pass must compare, the next due last."""
        due: list[_DueHead] = []
        stored: set[tuple[int, bytes, int, bytes]] = set()
        previous: tuple[int, int] | None = None  # (id, size) of the previous database head
        heads = self.tables.heads
        columns = [
            heads.c.id,
            heads.c.tree_size,
            heads.c.root_hash,
            heads.c.timestamp_ms,
            heads.c.signature,
            heads.c.public_key,
        ]
        for head_id, *values in fetch_raw(self.session, select(*columns).order_by(heads.c.id)):
            try:
                head = head_of(*values, log=self.tables.name)
            except TypeError as err:
                self._problem(
                    _("Tree head #%(id)s is malformed (%(reason)s).", id=head_id, reason=err)
                )
                continue
            what = _(
                "Tree head #%(id)s (size %(size)s, signed %(time)s)",
                id=head_id,
                size=head.tree_size,
                time=describe_time(head.timestamp_ms),
            )
            stored.add((head.tree_size, head.root_hash, head.timestamp_ms, head.signature))
            too_big = _("the log has only %(size)s entries.", size=size)
            if self._check_head(what, head, size, too_big):
                due.append(_DueHead(what, head.tree_size, head.root_hash))
            if previous is not None and head.tree_size < previous[1]:
                self._problem(
                    _(
                        "%(head)s covers fewer entries than the earlier head #%(id)s "
                        "(size %(size)s).",
                        head=what,
                        id=previous[0],
                        size=previous[1],
                    )
                )
            previous = (head_id, head.tree_size)
        for kept in self.kept_heads:
            # Checked as a head of this log, whatever log its keeper said it was of.
            head = replace(kept.head, log=self.tables.name)
            # TRANSLATORS: %(where)s says where the head was kept (e.g. a file's path).
            what = _(
                "The signed head of size %(size)s (%(where)s, signed %(time)s)",
                size=head.tree_size,
                where=kept.where,
                time=describe_time(head.timestamp_ms),
            )
            cut = _(
                "the log now holds only %(size)s entries: entries it covered were removed "
                "(the log was cut back).",
                size=size,
            )
            if self._check_head(what, head, size, cut):
                due.append(_DueHead(what, head.tree_size, head.root_hash))
            key = (head.tree_size, head.root_hash, head.timestamp_ms, head.signature)
            if key not in stored:
                self._problem(
                    _(
                        "%(head)s is missing from the database's table of signed heads (it was "
                        "deleted).",
                        head=what,
                    )
                )
        due.sort(key=lambda d: -d.tree_size)
        return due

    def _check_head(self, what: str, head: TreeHead, size: int, too_big: str) -> bool:
        """Report a bad signature or a size beyond the log; whether its root is due."""
        problem: str | None = None
        if isinstance(self.public_key, KeyChain):
            problem = self.public_key.head_problem(head)
        else:
            try:
                verify_tree_head(head, self.public_key)
            except ProofError as err:
                problem = err.message
        if problem is not None:
            # TRANSLATORS: a tree head, then what is wrong with it.
            self._problem(_("%(head)s: %(problem)s", head=what, problem=problem))
        if head.tree_size > size:
            self._problem(_("%(head)s: %(problem)s", head=what, problem=too_big), size)
            return False
        return True

    def _check_root(self, head: _DueHead, root: bytes) -> None:
        if head.root_hash != root:
            self._problem(
                _(
                    "%(head)s: its root hash does not match the log's entries (the head or "
                    "the entries were altered).",
                    head=head.what,
                ),
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
    for _level, value, _tainted in reversed(stack[:-1]):
        root = node_hash(value, root)
    return root
