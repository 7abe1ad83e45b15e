"""``civwatch verify``'s check of every declaration, in pieces any process can do.

:func:`check_all` reads the log once (through :meth:`CustodyLog.audit
<civwatch.custody.log.CustodyLog.audit>`), then each declaration's rows once, streamed
straight from the driver in one query each (the entry joined in SQL on the leaf), with a
bitmap per binding to find entries left without a row. Memory stays bounded by the log's
size in bits, not by its entries. A row holding a value of the wrong type is named, never
fatal. :func:`plan` cuts the same work into :class:`Task` s that worker processes run in
their own snapshots; :func:`combine` joins what they found. Engine level.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civwatch.custody.audit import KeptHead
from civwatch.custody.bindings import Declarations, Problem, Progress
from civwatch.custody.key_chain import KeyChain
from civwatch.custody.log import CustodyLog
from civwatch.custody.log_findings import LogFindings, read_log
from civwatch.custody.row_checks import RowChecker, RowFindings
from civwatch.i18n import _

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


def plan(
    session: Session, declarations: Declarations, size: int, *, log_stage: str = "custody log"
) -> list[Task]:
    """The tasks of a full check of a log (``log_stage`` names its pass), biggest first."""
    tasks = [Task("log", cost=size * 4, stage=log_stage, rows=size)]
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
    public_key: bytes | KeyChain,
    declarations: Declarations,
    task: Task,
    *,
    limit: int,
    kept_heads: Sequence[KeptHead] = (),
    progress: Progress | None = None,
) -> TaskResult:
    """Do one task in ``session`` (one snapshot of the database)."""
    checker = RowChecker(session, declarations, log)
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
                for leaf in set_bits(bytearray(both.tobytes())):
                    problems.append(
                        Problem(
                            table,
                            None,
                            _(
                                "Custody entry %(leaf)s is claimed by two rows of %(table)s.",
                                leaf=leaf,
                                table=table,
                            ),
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
        for leaf in set_bits(bytearray((needs & ~claimed).tobytes())):
            problems.append(
                Problem(
                    b.table,
                    None,
                    _(
                        "Custody entry %(leaf)s records a row of %(table)s that is missing "
                        "from the database (deleted?).",
                        leaf=leaf,
                        table=b.table,
                    ),
                    leaf,
                )
            )
        for leaf, remover in log.released[index].items():
            if leaf in by_leaf.get(index, {}):
                problems.append(
                    Problem(
                        b.table,
                        by_leaf[index][leaf],
                        _(
                            "Custody entry %(leaf)s records that this row was removed, but it "
                            "is still here.",
                            leaf=remover,
                        ),
                        leaf,
                    )
                )
    return problems


def check_all(
    session: Session,
    log: CustodyLog,
    public_key: bytes | KeyChain,
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
        for task in plan(session, declarations, limit, log_stage=log.tables.label)
    ]
    return combine(declarations, limit, results)


def set_bits(bitmap: bytearray) -> Iterator[int]:
    """Indexes of the set bits, in order (fast over long runs of zero bytes)."""
    view = np.frombuffer(bytes(bitmap), dtype=np.uint8)
    for byte_index in np.flatnonzero(view):
        byte = int(view[byte_index])
        for bit in range(8):
            if byte & (1 << bit):
                yield int(byte_index) * 8 + bit
