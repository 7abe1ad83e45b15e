"""The pass over the custody log that row checks need: which entries must have a row,
the keys of keyed bindings and the values of logged states, learnt while
:meth:`~civwatch.custody.log.CustodyLog.audit` checks the log itself. Engine level.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from civwatch.custody.audit import KeptHead
from civwatch.custody.bindings import (
    Declarations,
    Entry,
    LogState,
    Problem,
    Progress,
    key64,
    parse_entry,
)
from civwatch.custody.key_chain import KeyChain
from civwatch.custody.log import CustodyLog
from civwatch.i18n import _

_ACT_PREFIX = b'{"act":"'


def _act_of(entry: bytes) -> str | None:
    """The act of an entry, read from its first bytes when it is canonical JSON."""
    if entry.startswith(_ACT_PREFIX):
        end = entry.find(b'"', 8)
        if end > 0:
            try:
                return entry[8:end].decode("utf-8")
            except UnicodeDecodeError:
                return None
    doc = parse_entry(entry)
    if isinstance(doc, dict) and isinstance(doc.get("act"), str):
        return str(doc["act"])
    return None


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

    def __init__(self, declarations: Declarations, limit: int, label: str) -> None:
        self.limit = limit
        self.label = label
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
            doc = parse_entry(entry)
            if not isinstance(doc, dict):
                return
            for handler in handlers:
                try:
                    handler(index, doc)
                except (TypeError, ValueError, KeyError, AttributeError) as err:
                    self.found.problems.append(
                        Problem(
                            self.label,
                            None,
                            _(
                                "Custody entry %(index)s (%(act)s) is malformed: %(reason)s.",
                                index=index,
                                act=act,
                                reason=err,
                            ),
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
        keys[0].append(key64(entry_key(entry)))
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
    public_key: bytes | KeyChain,
    declarations: Declarations,
    *,
    limit: int,
    kept_heads: Sequence[KeptHead] = (),
    progress: Progress | None = None,
) -> LogFindings:
    """Check the whole log (as :meth:`CustodyLog.audit` does) and learn, from its entries
    below ``limit``, which need rows, the keys of keyed bindings and the logged states."""
    label = log.tables.label
    reader = _LogReader(declarations, limit, label)

    def log_progress(done: int, total: int) -> None:
        if progress is not None:
            progress(label, done, total)

    for p in log.audit(
        session, public_key, log_progress, visit=reader.visit, kept_heads=kept_heads
    ):
        reader.found.problems.append(Problem(label, None, p.message, p.index))
    return reader.findings()
