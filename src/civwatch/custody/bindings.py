"""Rows bound to custody entries: declarations of which table records which acts, and the
values they compare.

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

The check that runs the declarations is in :mod:`civwatch.custody.check_tasks` (the
pieces of work and their combination), :mod:`civwatch.custody.log_findings` (the pass
over the log) and :mod:`civwatch.custody.row_checks` (each row against its entry); rows
are read through :mod:`civwatch.custody.row_stream`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import rfc8785
from sqlalchemy import Select
from sqlalchemy.orm import Session

from civwatch.custody.entries import current
from civwatch.i18n import SOURCE_LANGUAGE, _, localise

Row = dict[str, Any]
#: A SELECT of any columns.
AnySelect = Select[*tuple[Any, ...]]
Entry = dict[str, Any]
#: A declaration's progress: (stage name, done, total).
Progress = Callable[[str, int, int], None]


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
        """The row or entry concerned, in words (in the language in force; table names
        are as they are)."""
        if self.table == "custody log":
            if self.leaf is None:
                return _("custody log")
            return _("custody entry %(leaf)s", leaf=self.leaf)
        if self.row is None:
            if self.leaf is None:
                return self.table
            # TRANSLATORS: %(table)s is the name of a database table, as it is.
            return _("%(table)s (custody entry %(leaf)s)", table=self.table, leaf=self.leaf)
        return _("%(table)s row %(row)s", table=self.table, row=self.row)

    def __str__(self) -> str:
        # TRANSLATORS: the row or entry concerned, then what is wrong with it.
        return _("%(target)s: %(problem)s", target=self.target, problem=self.message)

    def as_json(self) -> dict[str, Any]:
        """The problem as the ``--json`` output lists it (machine-readable: English)."""
        return {
            "table": self.table,
            "row": self.row,
            "custody_index": self.leaf,
            "message": localise(self.message, SOURCE_LANGUAGE),
            "target": localise(self.target, SOURCE_LANGUAGE),
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
SAME: dict[str, Callable[[Any, Any], bool]] = {
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
        if self.kind not in SAME:
            raise ValueError(f"unknown kind of field {self.kind!r}")
        object.__setattr__(self, "path", tuple(self.entry.split(".")))


def fields(*pairs: str | tuple[str, str] | tuple[str, str, str]) -> tuple[Field, ...]:
    """:class:`Field` s from ``"name"`` (same key and label), ``(entry key, column)`` or
    ``(entry key, column, kind)``."""
    out = []
    for pair in pairs:
        out.append(Field(pair, pair) if isinstance(pair, str) else Field(*pair))
    return tuple(out)


def entry_value(entry: Entry, path: tuple[str, ...]) -> Any:
    """The value at ``path`` (keys into nested objects) of ``entry``; None where absent."""
    if len(path) == 1:
        return entry.get(path[0])
    value: Any = entry
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


#: Why :func:`parse_entry` found no entry (codes, read by the messages of row checks).
NOT_JSON = "is not JSON"
NOT_OBJECT = "is not a JSON object"
STORED_AS = "is stored as "


def parse_entry(raw: Any) -> Entry | str:
    """An entry's JSON object under today's field names (``entries.current``: fields an
    older layout named otherwise are renamed), or why it is none."""
    if isinstance(raw, memoryview | bytearray):
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        return STORED_AS + ("text" if isinstance(raw, str) else type(raw).__name__)
    try:
        doc = loads(raw)
    except (ValueError, UnicodeDecodeError):
        return NOT_JSON
    return current(doc) if isinstance(doc, dict) else NOT_OBJECT


def canonical_digest(doc: Mapping[str, Any]) -> str:
    """SHA-256 of the RFC 8785 canonical JSON of ``doc`` (for declarations that need it)."""
    return hashlib.sha256(rfc8785.dumps(dict(doc))).hexdigest()


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


def key64(key: Hashable) -> int:
    """A stable 63-bit number for a key (the same in every process)."""
    data = repr(key).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big") >> 1
