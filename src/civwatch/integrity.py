"""``civwatch verify``: everything civwatch vouches for, checked against the custody log.

Each domain declares what its tables record (``<domain>/integrity.py``); the custody
engine (``custody/check_tasks.py``) runs the one pass over the log and the rows. This module
only gathers the declarations, the heads kept outside the database and the blobs.

To check one more table, add a :class:`~civwatch.custody.bindings.Binding` (or a
``LogState``) to its domain's ``declarations()``; a new domain adds its module to
:data:`DOMAINS`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from sqlalchemy.orm import Session

from civwatch.accounts import integrity as accounts
from civwatch.config import Settings
from civwatch.custody.audit import KeptHead
from civwatch.custody.bindings import AnySelect, Declarations, Problem, Progress
from civwatch.custody.check_tasks import Task, TaskResult, combine, plan, run_task
from civwatch.custody.row_stream import rows_of
from civwatch.custody.signing import public_key_bytes
from civwatch.db import read_snapshot
from civwatch.errors import CivwatchError, IntegrityError
from civwatch.evidence import integrity as evidence
from civwatch.i18n import _
from civwatch.incidents import integrity as incidents
from civwatch.publish import integrity as publish
from civwatch.workspace import HEADS_FILE, Workspace

#: Each domain's declarations, in the order they are checked.
DOMAINS: tuple[Callable[[], Declarations], ...] = (
    evidence.declarations,
    incidents.declarations,
    publish.declarations,
    accounts.declarations,
)
#: Each domain's blobs (originals, redacted copies): its table and a query of them.
BLOBS: tuple[Callable[[], tuple[str, AnySelect]], ...] = (evidence.blobs, publish.blobs)


def declarations() -> Declarations:
    """Every domain's declarations together."""
    everything = Declarations()
    for declare in DOMAINS:
        everything.extend(declare())
    return everything


def _kept_heads(ws: Workspace, problems: list[Problem]) -> list[KeptHead]:
    kept: list[KeptHead] = []
    for line in ws.heads.read():
        where = f"{HEADS_FILE} line {line.line}"
        if line.head is None:
            problems.append(Problem("heads file", str(line.line), f"{where}: {line.error}."))
        else:
            kept.append(KeptHead(where, line.head))
    return kept


def _blobs(session: Session) -> Iterator[tuple[str, str]]:
    """(what, SHA-256) of every blob the database names: originals and redacted copies."""
    for blobs in BLOBS:
        table, query = blobs()
        for row in rows_of(session, query):
            yield table, row["sha256"]


def _rehash(ws: Workspace, session: Session, progress: Progress | None) -> Iterator[Problem]:
    total = evidence.blob_count(session)
    for done, (table, sha256) in enumerate(_blobs(session), 1):
        if not isinstance(sha256, str):
            continue  # the row checks name it
        try:
            actual = ws.vault.rehash(sha256)
        except CivwatchError as exc:
            yield Problem(table, None, f"Blob {sha256}: {exc.message}")
        else:
            if actual != sha256:
                yield Problem(
                    table,
                    None,
                    f"Blob {sha256}: the stored blob has changed: it now hashes to {actual}.",
                )
        if progress is not None:
            progress("blobs", done, max(done, total))


#: From this many custody entries on, the work is spread over worker processes.
PARALLEL_FROM = 200_000


class _Board:
    """Progress of many tasks shown as one bar per stage (chunks of a table add up)."""

    def __init__(self, tasks: Sequence[Task], progress: Progress | None) -> None:
        self.progress = progress
        self.totals: dict[str, int] = {}
        for task in tasks:
            self.totals[task.stage] = self.totals.get(task.stage, 0) + task.rows
        self.done: dict[tuple[int, str], int] = {}

    def update(self, number: int, stage: str, done: int, total: int) -> None:
        if self.progress is None:
            return
        self.done[(number, stage)] = done
        so_far = sum(n for (_, s), n in self.done.items() if s == stage)
        self.progress(stage, so_far, max(total, self.totals.get(stage, 0), so_far))

    def reporter(self, number: int) -> Progress:
        return lambda stage, done, total: self.update(number, stage, done, total)


def _workers(processes: int | None, size: int) -> int:
    if processes is not None:
        return max(1, processes)
    if size < PARALLEL_FROM:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), 4))


def verify_workspace(
    ws: Workspace,
    *,
    rehash: bool = True,
    progress: Progress | None = None,
    processes: int | None = None,
) -> list[Problem]:
    """Everything that does not match; an empty list means all is sound.

    Checks the custody log (leaves, nodes, signed heads, and every head kept in the heads
    file), every record against the entry that recorded it, every entry against its
    record, every state against its history, and - with ``rehash`` - every blob. A large
    workspace is checked by ``processes`` worker processes (default: one per core), each
    task in its own snapshot; only entries that existed when the check began are compared
    with rows.
    """
    problems: list[Problem] = []
    kept = _kept_heads(ws, problems)
    public_key = public_key_bytes(ws.signing_key)
    everything = declarations()
    with ws.sessions() as session:
        read_snapshot(session)
        limit = ws.custody.size(session)
        workers = _workers(processes, limit)
        if workers == 1:
            tasks = plan(session, everything, limit)
            board = _Board(tasks, progress)
            results = [
                run_task(
                    session,
                    ws.custody,
                    public_key,
                    everything,
                    task,
                    limit=limit,
                    kept_heads=kept,
                    progress=board.reporter(number),
                )
                for number, task in enumerate(tasks)
            ]
        else:
            results = _in_processes(ws, session, everything, limit, kept, workers, progress)
        problems += combine(everything, limit, results)
        if rehash:
            problems += _rehash(ws, session, progress)
    return problems


# --- worker processes --------------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _start_worker(settings: Settings, counters: Any) -> None:
    """Run once in each worker process: open the workspace, keep the shared counters."""
    _worker["ws"] = Workspace.open(settings)
    _worker["counters"] = counters
    _worker["declarations"] = declarations()


def _do_task(number: int, task: Task, limit: int, kept: list[KeptHead]) -> TaskResult:
    ws: Workspace = _worker["ws"]
    counters = _worker["counters"]

    def report(stage: str, done: int, total: int) -> None:
        if stage == task.stage:
            counters[number] = done

    with ws.sessions() as session:
        read_snapshot(session)
        return run_task(
            session,
            ws.custody,
            public_key_bytes(ws.signing_key),
            _worker["declarations"],
            task,
            limit=limit,
            kept_heads=kept,
            progress=report,
        )


#: Most tasks one check may have (their progress counters are shared memory).
MAX_TASKS = 1 << 16


def _in_processes(
    ws: Workspace,
    session: Session,
    everything: Declarations,
    limit: int,
    kept: list[KeptHead],
    workers: int,
    progress: Progress | None,
) -> list[TaskResult]:
    """The tasks done by ``workers`` processes, biggest first; progress shown meanwhile.
    The log pass, the longest task, starts while the other tasks are being planned."""
    context = multiprocessing.get_context("spawn")
    counters = context.Array("q", MAX_TASKS, lock=False)
    results: list[TaskResult] = []
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(ws.settings, counters),
    ) as pool:
        tasks = [Task("log", stage="custody log", rows=limit)]
        pending = {pool.submit(_do_task, 0, tasks[0], limit, kept): 0}
        tasks += plan(session, everything, limit)[1:]  # the first is the log pass
        if len(tasks) > MAX_TASKS:
            raise IntegrityError(_("This workspace is too large to check in pieces."))
        for number, task in enumerate(tasks[1:], 1):
            pending[pool.submit(_do_task, number, task, limit, kept)] = number
        board = _Board(tasks, progress)
        while pending:
            finished, _waiting = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                results.append(future.result())
                number = pending.pop(future)
                counters[number] = max(counters[number], tasks[number].rows)
            for number, task in enumerate(tasks):
                board.update(number, task.stage, counters[number], task.rows)
    return results
