"""Each declared row against the custody entry that recorded it, and each logged state
against its row: the row half of ``civwatch verify``. Rows are streamed straight from the
driver, the entry joined in SQL on the leaf (or found by key), and the entries the rows
claim kept as a bitmap. Engine level.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.custody.bindings import (
    NOT_JSON,
    NOT_OBJECT,
    SAME,
    STORED_AS,
    Binding,
    Declarations,
    Entry,
    Field,
    LogState,
    Problem,
    Progress,
    Row,
    entry_value,
    key64,
    parse_entry,
)
from civwatch.custody.log import CustodyLog
from civwatch.custody.row_stream import STREAM_ROWS, stream
from civwatch.i18n import _

_FETCH_CHUNK = 1_000


@dataclass
class RowFindings:
    """What row checks found: problems, and per binding the entries its rows claim (as
    bits) and, where entries may release rows, which row claims which entry."""

    problems: list[Problem] = field(default_factory=list)
    has: dict[int, bytearray] = field(default_factory=dict)
    rows_by_leaf: dict[int, dict[int, str | None]] = field(default_factory=dict)


#: A field as the row check runs it: entry key, nested path (None for a plain key),
#: row column, and the comparison (None for plain equality of "value" fields).
_FieldStep = tuple[str, tuple[str, ...] | None, str, Callable[[Any, Any], bool] | None]


def _field_plan(declared: Sequence[Field]) -> list[_FieldStep]:
    return [
        (
            f.entry,
            None if len(f.path) == 1 else f.path,
            f.column,
            None if f.kind == "value" else SAME[f.kind],
        )
        for f in declared
    ]


class RowChecker:
    """Checks rows of one snapshot: each binding's rows against their entries
    (:meth:`check_binding`) and each logged state against its rows (:meth:`check_state`);
    what it finds gathers in :attr:`found`. The entries are those of ``log`` (default:
    the evidence custody log)."""

    def __init__(
        self, session: Session, declarations: Declarations, log: CustodyLog | None = None
    ) -> None:
        self.session = session
        self.declarations = declarations
        log = CustodyLog() if log is None else log
        self.leaves = log.tables.leaves
        #: The log's size in this snapshot: rows pointing at or past it are named.
        self.size = log.size(session)
        self.found = RowFindings()
        self._plans: dict[int, list[_FieldStep]] = {}

    def _problem(self, table: str, row: Row, message: str, leaf: Any = None) -> None:
        leaf_index = leaf if isinstance(leaf, int) and not isinstance(leaf, bool) else None
        self.found.problems.append(Problem(table, _row_id(row), message, leaf_index))

    def check_binding(
        self,
        index: int,
        progress: Progress | None,
        id_range: tuple[int, int] | None = None,
        keys: tuple[Any, Any] | None = None,
    ) -> None:
        """Check the rows of binding ``index`` (those with ``low <= id < high`` when
        ``id_range`` is given; a keyed binding finds each row's entry in ``keys``, the
        (keys, leaves) the log pass learnt)."""
        b = self.declarations.bindings[index]
        has = self.found.has.setdefault(index, bytearray((self.size + 7) // 8))
        by_leaf = self.found.rows_by_leaf.setdefault(index, {}) if b.released_by else None
        stage = b.stage or b.table
        done = 0
        chunks = self._keyed(b, keys) if b.row_key is not None else self._joined(b, id_range)
        for chunk in chunks:
            for row, leaf, raw in chunk:
                self._check_row(b, has, by_leaf, row, leaf, raw)
            done += len(chunk)
            if progress is not None:
                progress(stage, done, 0)

    def _joined(
        self, b: Binding, id_range: tuple[int, int] | None
    ) -> Iterator[list[tuple[Row, Any, Any]]]:
        """Chunks of (row, leaf, entry bytes), the entry joined in SQL on the leaf."""
        assert b.query is not None
        query = b.query()
        if id_range is not None:
            row_id = query.selected_columns["id"]
            query = query.where(row_id >= id_range[0], row_id < id_range[1])
        leaf_column = query.selected_columns["leaf"]
        leaves = self.leaves
        joined = query.add_columns(leaves.c.entry.label("_entry")).outerjoin(
            leaves, leaves.c.idx == leaf_column
        )
        chunk: list[tuple[Row, Any, Any]] = []
        for row in stream(self.session, joined):
            chunk.append((row, row.get("leaf"), row.pop("_entry")))
            if len(chunk) >= STREAM_ROWS:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _keyed(
        self, b: Binding, keys: tuple[Any, Any] | None
    ) -> Iterator[list[tuple[Row, Any, Any]]]:
        """Chunks of (row, leaf, entry bytes), the entry found by the row's key."""
        assert keys is not None
        key_values = np.frombuffer(keys[0], dtype=np.int64)
        order = np.argsort(key_values, kind="stable")
        sorted_keys = key_values[order]
        sorted_leaves = np.frombuffer(keys[1], dtype=np.int64)[order]
        rows = b.rows(self.session) if b.rows is not None else stream(self.session, b.query())  # type: ignore[misc]
        batch: list[Row] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= _FETCH_CHUNK:
                yield self._keyed_chunk(b, batch, sorted_keys, sorted_leaves)
                batch = []
        if batch:
            yield self._keyed_chunk(b, batch, sorted_keys, sorted_leaves)

    def _keyed_chunk(
        self, b: Binding, rows: list[Row], sorted_keys: Any, sorted_leaves: Any
    ) -> list[tuple[Row, Any, Any]]:
        row_key = b.row_key
        assert row_key is not None
        leaves: list[int | None] = []
        for row in rows:
            try:
                key = key64(row_key(row))
            except (TypeError, ValueError, KeyError):
                leaves.append(None)
                continue
            at = int(np.searchsorted(sorted_keys, key))
            found = at < len(sorted_keys) and int(sorted_keys[at]) == key
            leaves.append(int(sorted_leaves[at]) if found else None)
        wanted = sorted({leaf for leaf in leaves if leaf is not None})
        entries: dict[int, Any] = {}
        if wanted:
            found_rows = self.session.connection().execute(
                select(self.leaves.c.idx, self.leaves.c.entry).where(self.leaves.c.idx.in_(wanted))
            )
            entries = {int(idx): entry for idx, entry in found_rows}
        return [
            (row, leaf, None if leaf is None else entries.get(leaf))
            for row, leaf in zip(rows, leaves, strict=True)
        ]

    def _check_row(
        self,
        b: Binding,
        has: bytearray,
        by_leaf: dict[int, str | None] | None,
        row: Row,
        leaf: Any,
        raw: Any,
    ) -> None:
        table = b.table
        if leaf is None:
            if b.row_key is not None:
                self._problem(
                    table,
                    row,
                    _(
                        "No custody entry (%(acts)s) records this row (added from outside, "
                        "or its entry was removed).",
                        acts=" or ".join(b.acts),
                    ),
                )
            elif not b.optional_leaf:
                self._problem(table, row, _("The row names no custody entry (its leaf is empty)."))
            return
        if not isinstance(leaf, int) or isinstance(leaf, bool):
            self._problem(
                table,
                row,
                _("Its custody leaf %(leaf)s is not an entry number.", leaf=repr(leaf)),
            )
            return
        if leaf < 0 or leaf >= self.size:
            self._problem(
                table,
                row,
                _(
                    "It points at custody entry %(leaf)s, beyond the end of the log "
                    "(%(size)s entries): the log was cut back, or the row was added from "
                    "outside.",
                    leaf=leaf,
                    size=self.size,
                ),
                leaf,
            )
            return
        if raw is None:
            self._problem(
                table,
                row,
                _("Its custody entry %(leaf)s is missing from the log.", leaf=leaf),
                leaf,
            )
            return
        byte, bit = leaf >> 3, 1 << (leaf & 7)
        if has[byte] & bit:
            self._problem(
                table,
                row,
                _(
                    "Custody entry %(leaf)s is also claimed by another row of %(table)s.",
                    leaf=leaf,
                    table=table,
                ),
                leaf,
            )
        has[byte] |= bit
        if by_leaf is not None:
            by_leaf[leaf] = _row_id(row)
        entry = parse_entry(raw)
        if isinstance(entry, str):
            self._problem(table, row, _unreadable_entry(leaf, entry), leaf)
            return
        try:
            self._compare(b, row, leaf, entry)
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as err:
            self._problem(
                table,
                row,
                _(
                    "The row holds a malformed value and cannot be checked (%(reason)s).",
                    reason=err,
                ),
                leaf,
            )

    def _compare(self, b: Binding, row: Row, leaf: int, entry: Entry) -> None:
        act = entry.get("act")
        expected = b.act_of(row) if b.act_of is not None else None
        if (expected is not None and act != expected) or act not in b.acts:
            wanted = expected or " or ".join(b.acts)
            self._problem(
                b.table,
                row,
                _(
                    "Custody entry %(leaf)s is a %(act)s entry, not the %(wanted)s entry that "
                    "recorded this row.",
                    leaf=leaf,
                    act=repr(act),
                    wanted=repr(wanted),
                ),
                leaf,
            )
            return
        plan = self._plans.get(id(b))
        if plan is None:
            plan = self._plans[id(b)] = _field_plan(b.fields)
        for key, path, column, same in plan:
            logged = entry.get(key) if path is None else entry_value(entry, path)
            stored = row.get(column)
            if same is None:  # "value": equal, and text only for text
                if stored == logged and (type(stored) is str) == (type(logged) is str):
                    continue
            elif same(stored, logged):
                continue
            self._problem(
                b.table,
                row,
                # TRANSLATORS: %(column)s is the name of a database column, as it is.
                _(
                    "%(column)s in the database (%(stored)s) differs from custody entry "
                    "%(leaf)s (%(logged)s).",
                    column=column,
                    stored=_shown(stored),
                    leaf=leaf,
                    logged=_shown(logged),
                ),
                leaf,
            )
        if b.check is not None:
            for message in b.check(row, entry):
                # TRANSLATORS: a difference between a row and its custody entry, then the entry.
                found = _("%(problem)s (custody entry %(leaf)s).", problem=message, leaf=leaf)
                self._problem(b.table, row, found, leaf)

    def check_state(
        self, s: LogState, values: dict[Hashable, tuple[Any, int]], progress: Progress | None
    ) -> None:
        """Check that each row of ``s`` holds the value the log set (``values``: key ->
        (value, leaf) from the log pass), and that every key the log set has its row."""
        pending = dict(values)
        for done, row in enumerate(stream(self.session, s.query()), 1):
            try:
                key, value = s.row_value(row)
            except (TypeError, ValueError, KeyError, AttributeError) as err:
                self._problem(
                    s.table, row, _("The row holds a malformed value (%(reason)s).", reason=err)
                )
                continue
            logged, leaf = pending.pop(key, (s.default, None))
            if value != logged:
                # TRANSLATORS: %(what)s is the name of a database column, as it is.
                found = (
                    _(
                        "%(what)s is %(value)s in the database, but no custody entry changed it.",
                        what=s.what,
                        value=_shown(value),
                    )
                    if leaf is None
                    else _(
                        "%(what)s is %(value)s in the database, but custody entry %(leaf)s set "
                        "it to %(logged)s.",
                        what=s.what,
                        value=_shown(value),
                        leaf=leaf,
                        logged=_shown(logged),
                    )
                )
                self._problem(s.table, row, found, leaf)
            if progress is not None and done % STREAM_ROWS == 0:
                progress(s.what, done, 0)
        for key, (logged, leaf) in pending.items():
            self.found.problems.append(
                Problem(
                    s.table,
                    None,
                    _(
                        "Custody entry %(leaf)s set the %(what)s of %(key)s to %(logged)s, but "
                        "no such row exists (deleted?).",
                        leaf=leaf,
                        what=s.what,
                        key=repr(key),
                        logged=_shown(logged),
                    ),
                    leaf,
                )
            )


def _unreadable_entry(leaf: int, reason: str) -> str:
    """Why the custody entry ``leaf`` of a row cannot be read (``reason`` from
    :func:`parse_entry`), in a sentence."""
    if reason == NOT_JSON:
        return _("Its custody entry %(leaf)s is not JSON.", leaf=leaf)
    if reason == NOT_OBJECT:
        return _("Its custody entry %(leaf)s is not a JSON object.", leaf=leaf)
    return _(
        "Its custody entry %(leaf)s is stored as %(kind)s.",
        leaf=leaf,
        kind=reason.removeprefix(STORED_AS),
    )


def _row_id(row: Row) -> str | None:
    value = row.get("id")
    return None if value is None else str(value)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
