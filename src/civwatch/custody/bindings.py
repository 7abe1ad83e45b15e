"""Rows bound to custody entries: declarations of which table records which acts, and the
one pass that checks them all.

Engine level: it knows tables only as the SQL and labelled columns a domain gives it, and
entries only as JSON objects with an ``"act"``, read under today's field names (an entry
of an older layout is renamed by ``custody.entries.current``, so a declaration names each
field once and checks old and new entries alike). A domain declares, per table:

* a :class:`Binding`: each row records the entry at its leaf column (or, for a table with
  no leaf column, the entry found by a key both carry); the entry's fields must equal the
  row's, and - unless ``claims`` is off - every entry of those acts must have its row;
* a :class:`LogState`: a value the log sets by entries with no row of their own (the
  latest internal-notes digest of an incident, a user disabled), which the row must hold;
* a :class:`RowCheck`: anything else read from rows alone (a state replayed from its
  history rows, content equal to its current revision).

:func:`check_all` reads the log once (through :meth:`CustodyLog.audit`), then each
declaration's rows once, streamed straight from the driver in one query each (the entry
joined in SQL on the leaf), with a bitmap per binding to find entries left without a row.
Memory stays bounded by the log's size in bits, not by its entries. A row holding a value
of the wrong type is named, never fatal.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
import rfc8785
from sqlalchemy import Select, Table, func, select
from sqlalchemy.orm import Session

from civwatch.custody.audit import KeptHead
from civwatch.custody.entries import current
from civwatch.custody.log import CustodyLog
from civwatch.custody.models import CustodyLeaf

Row = dict[str, Any]
#: A SELECT of any columns.
AnySelect = Select[*tuple[Any, ...]]
Entry = dict[str, Any]
#: A declaration's progress: (stage name, done, total).
Progress = Callable[[str, int, int], None]

_leaves: Table = CustodyLeaf.__table__  # type: ignore[assignment]
_STREAM_ROWS = 10_000
_FETCH_CHUNK = 1_000
_ACT_PREFIX = b'{"act":"'
_CURSORS = itertools.count()


@dataclass(frozen=True)
class Problem:
    """Something that does not match. ``table`` and ``row`` name the row (``row`` None
    for the log itself or an entry without its row); ``leaf`` the custody entry."""

    table: str
    row: str | None
    message: str
    leaf: int | None = None

    @property
    def target(self) -> str:
        """The row or entry concerned, in words."""
        if self.table == "custody log":
            return "custody log" if self.leaf is None else f"custody entry {self.leaf}"
        if self.row is None:
            return self.table if self.leaf is None else f"{self.table} (custody entry {self.leaf})"
        return f"{self.table} row {self.row}"

    def __str__(self) -> str:
        return f"{self.target}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        """The problem as the ``--json`` output lists it."""
        return {
            "table": self.table,
            "row": self.row,
            "custody_index": self.leaf,
            "message": self.message,
            "target": self.target,
        }


# --- reading values as the driver gives them --------------------------------------------------


def as_time(value: Any) -> datetime | None:
    """A stored or logged time as an aware datetime (SQLite gives text, PostgreSQL a
    datetime; entries hold ISO 8601). ValueError or TypeError when it is none."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"{value!r} is not a time")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def loads(text: str | bytes) -> Any:
    """Parse JSON text (orjson, several times faster than the standard library; the
    standard library for what orjson refuses, such as integers beyond 64 bits). NaN and
    Infinity are refused: they are not JSON, and no civwatch record holds them."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text, parse_constant=_no_constant)


def as_json(value: Any) -> Any:
    """A JSON column's value (SQLite gives its text; PostgreSQL the parsed value)."""
    return loads(value) if isinstance(value, str | bytes) else value


def as_bool(value: Any) -> bool:
    """A boolean column's value (SQLite gives 0 or 1)."""
    if value in (0, 1):
        return bool(value)
    raise ValueError(f"{value!r} is not a boolean")


def digest_matches(doc: Any, expected: Any) -> bool:
    """Whether SHA-256 of the RFC 8785 canonical JSON of ``doc`` is ``expected``.

    orjson with sorted keys writes the same bytes as RFC 8785 for most documents (not for
    integral or very large or small floats) and is many times faster than the reference
    encoder, so it is tried first; only a mismatch is decided by the reference encoder. A
    fast match cannot hide a change: equal digests mean equal bytes, and those bytes parse
    to ``doc`` (which holds no NaN: :func:`loads` refuses it).
    """
    if not isinstance(expected, str):
        return False
    try:
        fast = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
        if hashlib.sha256(fast).hexdigest() == expected:
            return True
    except TypeError:
        pass
    try:
        return hashlib.sha256(rfc8785.dumps(doc)).hexdigest() == expected
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        return False


def _same_time(row_value: Any, entry_value: Any) -> bool:
    if (
        isinstance(row_value, str)
        and isinstance(entry_value, str)
        and len(row_value) == 26
        and len(entry_value) == 32
        and entry_value.endswith("+00:00")
        and entry_value[10] == "T"
        and row_value[10] == " "
        and row_value[:10] == entry_value[:10]
        and row_value[11:] == entry_value[11:26]
    ):
        return True  # SQLite's stored UTC text and the entry's ISO 8601 UTC time agree
    return as_time(row_value) == as_time(entry_value)


def _same_json(row_value: Any, entry_value: Any) -> bool:
    return bool(as_json(row_value) == entry_value)


def _same_bool(row_value: Any, entry_value: Any) -> bool:
    return as_bool(row_value) is entry_value


def _same_number(row_value: Any, entry_value: Any) -> bool:
    if row_value is None or entry_value is None:
        return row_value is entry_value
    return (
        isinstance(row_value, int | float)
        and not isinstance(row_value, bool)
        and row_value == entry_value
    )


def _same_value(row_value: Any, entry_value: Any) -> bool:
    """Equal, and not a number standing in for text (or text for a number)."""
    if isinstance(row_value, str) != isinstance(entry_value, str):
        return False
    return bool(row_value == entry_value)


#: How a row value and an entry value compare, by :attr:`Field.kind`.
_SAME: dict[str, Callable[[Any, Any], bool]] = {
    "value": _same_value,
    "number": _same_number,
    "time": _same_time,
    "json": _same_json,
    "bool": _same_bool,
}


@dataclass(frozen=True)
class Field:
    """An entry field that must equal a row column: ``entry`` is its key (dots reach into
    nested objects, e.g. ``source.url``), ``column`` the row's label, ``kind`` how they
    compare: "value" (equal, same type), "number", "time" (the same instant), "json", "bool".
    """

    entry: str
    column: str
    kind: str = "value"
    path: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in _SAME:
            raise ValueError(f"unknown kind of field {self.kind!r}")
        object.__setattr__(self, "path", tuple(self.entry.split(".")))


def fields(*pairs: str | tuple[str, str] | tuple[str, str, str]) -> tuple[Field, ...]:
    """:class:`Field` s from ``"name"`` (same key and label), ``(entry key, column)`` or
    ``(entry key, column, kind)``."""
    out = []
    for pair in pairs:
        out.append(Field(pair, pair) if isinstance(pair, str) else Field(*pair))
    return tuple(out)


def _entry_value(entry: Entry, path: tuple[str, ...]) -> Any:
    if len(path) == 1:
        return entry.get(path[0])
    value: Any = entry
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


# --- declarations -------------------------------------------------------------------------------

#: Extra checks of a row against its entry: yields one message per difference.
EntryCheck = Callable[[Row, Entry], Iterable[str]]


@dataclass(frozen=True)
class Binding:
    """Rows of ``table``, each recorded by one custody entry of one of ``acts``.

    ``query`` returns a SELECT whose columns are labelled: ``id`` (named in problems),
    ``leaf`` (the entry's index; absent for a keyed binding), and whatever ``fields`` and
    ``check`` read. ``rows`` may replace it with a generator of such rows (when a row is
    assembled from several tables). A table without a leaf column gives ``row_key`` and
    ``entry_key``: the row's entry is the one of ``acts`` whose key is the row's.
    """

    table: str
    acts: tuple[str, ...]
    query: Callable[[], AnySelect] | None = None
    fields: tuple[Field, ...] = ()
    check: EntryCheck | None = None
    #: The act this row's entry must have, when it depends on the row (e.g. link/unlink).
    act_of: Callable[[Row], str] | None = None
    #: Every entry of ``acts`` must have a row of this binding.
    claims: bool = True
    #: (act, entry key): such an entry releases the entry at the leaf it names from having
    #: a row (a witness removed deletes its row) and forbids that row.
    released_by: tuple[tuple[str, str], ...] = ()
    #: A NULL leaf means not recorded yet (a decision not taken), not a problem.
    optional_leaf: bool = False
    rows: Callable[[Session], Iterator[Row]] | None = None
    row_key: Callable[[Row], Hashable] | None = None
    entry_key: Callable[[Entry], Hashable] | None = None
    #: Shown in progress.
    stage: str = ""


@dataclass(frozen=True)
class LogState:
    """A value set by entries that have no row of their own, which a row must hold.

    ``changes(entry)`` gives the (key, value) pairs an entry of ``acts`` sets; ``fold``
    combines a key's earlier value with a new one (default: the newest wins). ``query``
    gives rows labelled ``id``; ``row_value(row)`` their (key, value). A key no entry set
    must hold ``default``.
    """

    table: str
    what: str
    acts: tuple[str, ...]
    changes: Callable[[Entry], Iterable[tuple[Hashable, Any]]]
    query: Callable[[], AnySelect]
    row_value: Callable[[Row], tuple[Hashable, Any]]
    default: Any = None
    fold: Callable[[Any, Any], Any] | None = None


@dataclass(frozen=True)
class RowCheck:
    """A check of rows alone: ``run(session, progress)`` yields the problems it finds."""

    name: str
    run: Callable[[Session, Progress | None], Iterator[Problem]]


@dataclass
class Declarations:
    """Everything a domain declares for ``civwatch verify``."""

    bindings: list[Binding] = field(default_factory=list)
    states: list[LogState] = field(default_factory=list)
    checks: list[RowCheck] = field(default_factory=list)
    #: Acts that record nothing kept in a table (e.g. unpacking an archive to a folder).
    rowless_acts: set[str] = field(default_factory=set)

    def extend(self, other: Declarations) -> None:
        self.bindings += other.bindings
        self.states += other.states
        self.checks += other.checks
        self.rowless_acts |= other.rowless_acts

    def known_acts(self) -> set[str]:
        """Every act some declaration reads."""
        acts = set(self.rowless_acts)
        for binding in self.bindings:
            acts.update(binding.acts)
            acts.update(act for act, _ in binding.released_by)
        for state in self.states:
            acts.update(state.acts)
        return acts


# --- streaming rows -----------------------------------------------------------------------------


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
        cursor.itersize = _STREAM_ROWS
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(compiled.string, params)
        while batch := cursor.fetchmany(_STREAM_ROWS):
            for values_ in batch:
                yield dict(zip(keys, values_))  # noqa: B905 - the driver gives every column
    finally:
        cursor.close()


def _parse(raw: Any) -> Entry | str:
    """An entry's JSON object under today's field names (``entries.current``: fields an
    older layout named otherwise are renamed), or why it is none."""
    if isinstance(raw, memoryview | bytearray):
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        return f"is stored as {'text' if isinstance(raw, str) else type(raw).__name__}"
    try:
        doc = loads(raw)
    except (ValueError, UnicodeDecodeError):
        return "is not JSON"
    return current(doc) if isinstance(doc, dict) else "is not a JSON object"


def _act_of(entry: bytes) -> str | None:
    """The act of an entry, read from its first bytes when it is canonical JSON."""
    if entry.startswith(_ACT_PREFIX):
        end = entry.find(b'"', 8)
        if end > 0:
            try:
                return entry[8:end].decode("utf-8")
            except UnicodeDecodeError:
                return None
    doc = _parse(entry)
    if isinstance(doc, dict) and isinstance(doc.get("act"), str):
        return str(doc["act"])
    return None


def _key64(key: Hashable) -> int:
    """A stable 63-bit number for a key (the same in every process)."""
    data = repr(key).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big") >> 1


def _set_bits(bitmap: bytearray) -> Iterator[int]:
    """Indexes of the set bits, in order (fast over long runs of zero bytes)."""
    view = np.frombuffer(bytes(bitmap), dtype=np.uint8)
    for byte_index in np.flatnonzero(view):
        byte = int(view[byte_index])
        for bit in range(8):
            if byte & (1 << bit):
                yield int(byte_index) * 8 + bit


# --- the log pass -------------------------------------------------------------------------------


@dataclass
class LogFindings:
    """What the log pass learnt that row checks need; only entries below ``limit`` count
    (picklable: it may be made in another process)."""

    limit: int
    problems: list[Problem] = field(default_factory=list)
    #: Per binding: the entries (as bits) that must have a row of it.
    needs: list[bytearray] = field(default_factory=list)
    #: Per binding: leaf released -> the entry that released it (a witness removed).
    released: list[dict[int, int]] = field(default_factory=list)
    #: Per keyed binding: (int64 keys, int64 leaves), both as bytes.
    keys: list[tuple[bytes, bytes]] = field(default_factory=list)
    #: Per logged state: key -> (value, leaf of the entry that set it).
    states: list[dict[Hashable, tuple[Any, int]]] = field(default_factory=list)


class _LogReader:
    """The visitor of :meth:`CustodyLog.audit`: which entries need rows, keys, states."""

    def __init__(self, declarations: Declarations, limit: int) -> None:
        self.limit = limit
        nbytes = (limit + 7) // 8
        self.found = LogFindings(limit)
        self.key_arrays: list[tuple[array[int], array[int]]] = []
        self.needs_by_act: dict[str, list[bytearray]] = {}
        self.parsed_by_act: dict[str, list[Callable[[int, Entry], None]]] = {}
        for b in declarations.bindings:
            needs = bytearray(nbytes)
            released: dict[int, int] = {}
            keys: tuple[array[int], array[int]] = (array("q"), array("q"))
            self.found.needs.append(needs)
            self.found.released.append(released)
            self.key_arrays.append(keys)
            for act in b.acts:
                if b.claims:
                    self.needs_by_act.setdefault(act, []).append(needs)
                if b.entry_key is not None:
                    self.parsed_by_act.setdefault(act, []).append(_keeper(b.entry_key, keys))
            for act, key in b.released_by:
                self.parsed_by_act.setdefault(act, []).append(
                    _releaser(key, needs, released, limit)
                )
        for s in declarations.states:
            values: dict[Hashable, tuple[Any, int]] = {}
            self.found.states.append(values)
            for act in s.acts:
                self.parsed_by_act.setdefault(act, []).append(_stater(s, values))

    def visit(self, index: int, entry: bytes) -> None:
        if index >= self.limit:
            return  # appended after the snapshot the rows are compared in
        if entry.startswith(_ACT_PREFIX):
            end = entry.find(b'"', 8)
            act = entry[8:end].decode("utf-8", "replace") if end > 0 else _act_of(entry)
        else:
            act = _act_of(entry)
        if act is None:
            return
        needs = self.needs_by_act.get(act)
        if needs is not None:
            byte, bit = index >> 3, 1 << (index & 7)
            for bitmap in needs:
                bitmap[byte] |= bit
        handlers = self.parsed_by_act.get(act)
        if handlers:
            doc = _parse(entry)
            if not isinstance(doc, dict):
                return
            for handler in handlers:
                try:
                    handler(index, doc)
                except (TypeError, ValueError, KeyError, AttributeError) as err:
                    self.found.problems.append(
                        Problem(
                            "custody log",
                            None,
                            f"Custody entry {index} ({act}) is malformed: {err}.",
                            index,
                        )
                    )

    def findings(self) -> LogFindings:
        self.found.keys = [(k.tobytes(), v.tobytes()) for k, v in self.key_arrays]
        return self.found


def _keeper(
    entry_key: Callable[[Entry], Hashable], keys: tuple[array[int], array[int]]
) -> Callable[[int, Entry], None]:
    def keep(index: int, entry: Entry) -> None:
        keys[0].append(_key64(entry_key(entry)))
        keys[1].append(index)

    return keep


def _releaser(
    key: str, needs: bytearray, released: dict[int, int], limit: int
) -> Callable[[int, Entry], None]:
    def release(index: int, entry: Entry) -> None:
        leaf = entry.get(key)
        if isinstance(leaf, int) and 0 <= leaf < limit:
            needs[leaf >> 3] &= ~(1 << (leaf & 7)) & 0xFF
            released[leaf] = index

    return release


def _stater(
    state: LogState, values: dict[Hashable, tuple[Any, int]]
) -> Callable[[int, Entry], None]:
    fold = state.fold

    def apply(index: int, entry: Entry) -> None:
        for key, value in state.changes(entry):
            if fold is not None and key in values:
                value = fold(values[key][0], value)
            values[key] = (value, index)

    return apply


def read_log(
    session: Session,
    log: CustodyLog,
    public_key: bytes,
    declarations: Declarations,
    *,
    limit: int,
    kept_heads: Sequence[KeptHead] = (),
    progress: Progress | None = None,
) -> LogFindings:
    """Check the whole log (as :meth:`CustodyLog.audit` does) and learn, from its entries
    below ``limit``, which need rows, the keys of keyed bindings and the logged states."""
    reader = _LogReader(declarations, limit)

    def log_progress(done: int, total: int) -> None:
        if progress is not None:
            progress("custody log", done, total)

    for p in log.audit(
        session, public_key, log_progress, visit=reader.visit, kept_heads=kept_heads
    ):
        reader.found.problems.append(Problem("custody log", None, p.message, p.index))
    return reader.findings()


# --- the row checks -----------------------------------------------------------------------------


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
            None if f.kind == "value" else _SAME[f.kind],
        )
        for f in declared
    ]


class _RowChecker:
    def __init__(self, session: Session, declarations: Declarations) -> None:
        self.session = session
        self.declarations = declarations
        #: The log's size in this snapshot: rows pointing at or past it are named.
        self.size = CustodyLog().size(session)
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
        joined = query.add_columns(_leaves.c.entry.label("_entry")).outerjoin(
            _leaves, _leaves.c.idx == leaf_column
        )
        chunk: list[tuple[Row, Any, Any]] = []
        for row in stream(self.session, joined):
            chunk.append((row, row.get("leaf"), row.pop("_entry")))
            if len(chunk) >= _STREAM_ROWS:
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
                key = _key64(row_key(row))
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
                select(_leaves.c.idx, _leaves.c.entry).where(_leaves.c.idx.in_(wanted))
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
                    f"No custody entry ({' or '.join(b.acts)}) records this row "
                    "(added from outside, or its entry was removed).",
                )
            elif not b.optional_leaf:
                self._problem(table, row, "The row names no custody entry (its leaf is empty).")
            return
        if not isinstance(leaf, int) or isinstance(leaf, bool):
            self._problem(table, row, f"Its custody leaf {leaf!r} is not an entry number.")
            return
        if leaf < 0 or leaf >= self.size:
            self._problem(
                table,
                row,
                f"It points at custody entry {leaf}, beyond the end of the log "
                f"({self.size} entries): the log was cut back, or the row was added from "
                "outside.",
                leaf,
            )
            return
        if raw is None:
            self._problem(table, row, f"Its custody entry {leaf} is missing from the log.", leaf)
            return
        byte, bit = leaf >> 3, 1 << (leaf & 7)
        if has[byte] & bit:
            self._problem(
                table, row, f"Custody entry {leaf} is also claimed by another row of {table}.", leaf
            )
        has[byte] |= bit
        if by_leaf is not None:
            by_leaf[leaf] = _row_id(row)
        entry = _parse(raw)
        if isinstance(entry, str):
            self._problem(table, row, f"Its custody entry {leaf} {entry}.", leaf)
            return
        try:
            self._compare(b, row, leaf, entry)
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as err:
            self._problem(
                table, row, f"The row holds a malformed value and cannot be checked ({err}).", leaf
            )

    def _compare(self, b: Binding, row: Row, leaf: int, entry: Entry) -> None:
        act = entry.get("act")
        expected = b.act_of(row) if b.act_of is not None else None
        if (expected is not None and act != expected) or act not in b.acts:
            wanted = expected or " or ".join(b.acts)
            self._problem(
                b.table,
                row,
                f"Custody entry {leaf} is a {act!r} entry, not the {wanted!r} entry that "
                "recorded this row.",
                leaf,
            )
            return
        plan = self._plans.get(id(b))
        if plan is None:
            plan = self._plans[id(b)] = _field_plan(b.fields)
        for key, path, column, same in plan:
            logged = entry.get(key) if path is None else _entry_value(entry, path)
            stored = row.get(column)
            if same is None:  # "value": equal, and text only for text
                if stored == logged and (type(stored) is str) == (type(logged) is str):
                    continue
            elif same(stored, logged):
                continue
            self._problem(
                b.table,
                row,
                f"{column} in the database ({_shown(stored)}) differs from custody "
                f"entry {leaf} ({_shown(logged)}).",
                leaf,
            )
        if b.check is not None:
            for message in b.check(row, entry):
                self._problem(b.table, row, f"{message} (custody entry {leaf}).", leaf)

    def check_state(
        self, s: LogState, values: dict[Hashable, tuple[Any, int]], progress: Progress | None
    ) -> None:
        pending = dict(values)
        for done, row in enumerate(stream(self.session, s.query()), 1):
            try:
                key, value = s.row_value(row)
            except (TypeError, ValueError, KeyError, AttributeError) as err:
                self._problem(s.table, row, f"The row holds a malformed value ({err}).")
                continue
            logged, leaf = pending.pop(key, (s.default, None))
            if value != logged:
                where = (
                    "no custody entry changed it"
                    if leaf is None
                    else f"custody entry {leaf} set it to {_shown(logged)}"
                )
                self._problem(
                    s.table, row, f"{s.what} is {_shown(value)} in the database, but {where}.", leaf
                )
            if progress is not None and done % _STREAM_ROWS == 0:
                progress(s.what, done, 0)
        for key, (logged, leaf) in pending.items():
            self.found.problems.append(
                Problem(
                    s.table,
                    None,
                    f"Custody entry {leaf} set the {s.what} of {key!r} to {_shown(logged)}, "
                    "but no such row exists (deleted?).",
                    leaf,
                )
            )


# --- tasks: the work, in pieces any process can do ----------------------------------------------

#: Rows of one binding checked by one task (a bigger table is split by id ranges).
TASK_ROWS = 100_000


@dataclass(frozen=True)
class Task:
    """One piece of the work: "log" (the log pass, keyed bindings and logged states, which
    need it), "binding" ``index`` (rows ``low <= id < high``, or all) or "check" ``index``.
    ``cost`` orders the pieces, biggest first."""

    kind: str
    index: int = 0
    low: int | None = None
    high: int | None = None
    cost: int = 0
    stage: str = ""
    #: How many rows (or, for the log, entries) it reads: the total its progress counts to.
    rows: int = 0


@dataclass
class TaskResult:
    """What a task found (picklable)."""

    task: Task
    rows: RowFindings
    log: LogFindings | None = None


def plan(session: Session, declarations: Declarations, size: int) -> list[Task]:
    """The tasks of a full check, biggest first."""
    tasks = [Task("log", cost=size * 4, stage="custody log", rows=size)]
    for index, b in enumerate(declarations.bindings):
        stage = b.stage or b.table
        if b.row_key is not None or b.query is None:
            continue  # keyed bindings are checked in the log task, which knows the keys
        ids = b.query().with_only_columns(b.query().selected_columns["id"]).subquery()
        bounds = session.execute(select(func.count(), func.min(ids.c.id), func.max(ids.c.id))).one()
        count, low, high = bounds
        if not isinstance(low, int) or not isinstance(high, int) or count <= TASK_ROWS:
            rows = int(count or 0)
            tasks.append(Task("binding", index, cost=rows * 10, stage=stage, rows=rows))
            continue
        parts = -(-int(count) // TASK_ROWS)
        step = -(-(high + 1 - low) // parts)
        for start in range(low, high + 1, step):
            tasks.append(
                Task(
                    "binding",
                    index,
                    start,
                    start + step,
                    cost=int(count) * 10 // parts,
                    stage=stage,
                    rows=int(count) // parts,
                )
            )
    for index, check in enumerate(declarations.checks):
        tasks.append(Task("check", index, cost=size, stage=check.name, rows=0))
    # Keep the log task first: it is the longest, and the rest balance around it.
    return [tasks[0], *sorted(tasks[1:], key=lambda t: -t.cost)]


def run_task(
    session: Session,
    log: CustodyLog,
    public_key: bytes,
    declarations: Declarations,
    task: Task,
    *,
    limit: int,
    kept_heads: Sequence[KeptHead] = (),
    progress: Progress | None = None,
) -> TaskResult:
    """Do one task in ``session`` (one snapshot of the database)."""
    checker = _RowChecker(session, declarations)
    if task.kind == "binding":
        id_range = None if task.low is None or task.high is None else (task.low, task.high)
        checker.check_binding(task.index, progress, id_range)
        return TaskResult(task, checker.found)
    if task.kind == "check":
        check = declarations.checks[task.index]
        checker.found.problems.extend(check.run(session, progress))
        return TaskResult(task, checker.found)
    found = read_log(
        session,
        log,
        public_key,
        declarations,
        limit=limit,
        kept_heads=kept_heads,
        progress=progress,
    )
    for index, b in enumerate(declarations.bindings):
        if b.row_key is not None:
            checker.check_binding(index, progress, keys=found.keys[index])
    for s, values in zip(declarations.states, found.states, strict=True):
        checker.check_state(s, values, progress)
    return TaskResult(task, checker.found, found)


def combine(declarations: Declarations, limit: int, results: Sequence[TaskResult]) -> list[Problem]:
    """Every problem the tasks found, and what only their union shows: entries (below
    ``limit``) whose row is missing, entries claimed by rows of two tasks, rows of records
    the log says were removed."""
    problems: list[Problem] = []
    log: LogFindings | None = None
    has: dict[int, bytearray] = {}
    by_leaf: dict[int, dict[int, str | None]] = {}
    nbytes = (limit + 7) // 8
    for result in results:
        problems += result.rows.problems
        if result.log is not None:
            log = result.log
            problems += log.problems
        for index, bits in result.rows.has.items():
            mine = np.frombuffer(bytes(bits[:nbytes].ljust(nbytes, b"\0")), dtype=np.uint8)
            if index in has:
                both = np.frombuffer(bytes(has[index]), dtype=np.uint8) & mine
                table = declarations.bindings[index].table
                for leaf in _set_bits(bytearray(both.tobytes())):
                    problems.append(
                        Problem(
                            table,
                            None,
                            f"Custody entry {leaf} is claimed by two rows of {table}.",
                            leaf,
                        )
                    )
                has[index] = bytearray(
                    (np.frombuffer(bytes(has[index]), dtype=np.uint8) | mine).tobytes()
                )
            else:
                has[index] = bytearray(mine.tobytes())
        for index, rows in result.rows.rows_by_leaf.items():
            by_leaf.setdefault(index, {}).update(rows)
    if log is None:
        return problems
    for index, b in enumerate(declarations.bindings):
        if not b.claims:
            continue
        needs = np.frombuffer(bytes(log.needs[index]), dtype=np.uint8)
        claimed = np.frombuffer(bytes(has.get(index, bytearray(nbytes))), dtype=np.uint8)
        for leaf in _set_bits(bytearray((needs & ~claimed).tobytes())):
            problems.append(
                Problem(
                    b.table,
                    None,
                    f"Custody entry {leaf} records a row of {b.table} that is missing from "
                    "the database (deleted?).",
                    leaf,
                )
            )
        for leaf, remover in log.released[index].items():
            if leaf in by_leaf.get(index, {}):
                problems.append(
                    Problem(
                        b.table,
                        by_leaf[index][leaf],
                        f"Custody entry {remover} records that this row was removed, but it "
                        "is still here.",
                        leaf,
                    )
                )
    return problems


def check_all(
    session: Session,
    log: CustodyLog,
    public_key: bytes,
    declarations: Declarations,
    *,
    kept_heads: Sequence[KeptHead] = (),
    progress: Progress | None = None,
) -> list[Problem]:
    """Every task of a full check, one after the other in ``session``: the log (leaves,
    nodes, heads, ``kept_heads``), every declared row against its entry, every entry that
    needs a row against the rows, every logged state and every row check. Returns the
    problems, an empty list when all is sound."""
    limit = log.size(session)
    results = [
        run_task(
            session,
            log,
            public_key,
            declarations,
            task,
            limit=limit,
            kept_heads=kept_heads,
            progress=progress,
        )
        for task in plan(session, declarations, limit)
    ]
    return combine(declarations, limit, results)


def _row_id(row: Row) -> str | None:
    value = row.get("id")
    return None if value is None else str(value)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


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


def canonical_digest(doc: Mapping[str, Any]) -> str:
    """SHA-256 of the RFC 8785 canonical JSON of ``doc`` (for declarations that need it)."""
    return hashlib.sha256(rfc8785.dumps(dict(doc))).hexdigest()
