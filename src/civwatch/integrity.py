"""``civwatch verify``: everything civwatch vouches for, checked against the custody logs.

Each domain declares what its tables record (``<domain>/integrity.py``); the custody
engine (``custody/check_tasks.py``) runs the one pass over a log and the rows. This module
only gathers the declarations, the heads kept outside the database and the blobs. Each log
is checked the same way against its own declarations and heads file: the evidence custody
log (:data:`DOMAINS`) and the protection desk's audit log (:data:`PROTECTION_DOMAINS`).

To check one more table, add a :class:`~civwatch.custody.bindings.Binding` (or a
``LogState``) to its domain's ``declarations()``; a new domain adds its module to
:data:`DOMAINS` (or, for the protection audit log, :data:`PROTECTION_DOMAINS`).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from civwatch.accounts import integrity as accounts
from civwatch.config import Settings
from civwatch.custody.audit import KeptHead
from civwatch.custody.bindings import AnySelect, Declarations, Problem, Progress
from civwatch.custody.check_tasks import Task, TaskResult, combine, plan, run_task
from civwatch.custody.heads_file import HeadsFile
from civwatch.custody.key_chain import KeyChain
from civwatch.custody.key_rotation import signing_chain
from civwatch.custody.log import CustodyLog
from civwatch.custody.row_stream import rows_of
from civwatch.custody.signing import public_key_bytes
from civwatch.db import read_snapshot
from civwatch.errors import CivwatchError, IntegrityError
from civwatch.evidence import integrity as evidence
from civwatch.i18n import _
from civwatch.incidents import integrity as incidents
from civwatch.intake import integrity as intake
from civwatch.intake import testimony_integrity as testimony
from civwatch.protection import integrity as protection
from civwatch.publish import integrity as publish
from civwatch.relief import integrity as relief
from civwatch.workspace import (
    HEADS_FILE,
    PROTECTION_HEADS_FILE,
    PROTECTION_LOG,
    RELIEF_HEADS_FILE,
    RELIEF_LOG,
    Workspace,
)

#: Each domain's declarations, in the order they are checked.
DOMAINS: tuple[Callable[[], Declarations], ...] = (
    evidence.declarations,
    incidents.declarations,
    publish.declarations,
    accounts.declarations,
    intake.declarations,
    testimony.declarations,
)
#: The declarations about the protection audit log's entries (its own log).
PROTECTION_DOMAINS: tuple[Callable[[], Declarations], ...] = (protection.declarations,)
#: The declarations about the relief log's entries (the relief fund's money, its own log).
RELIEF_DOMAINS: tuple[Callable[[], Declarations], ...] = (relief.declarations,)
#: Each domain's blobs (originals, redacted copies): its table and a query of them.
BLOBS: tuple[Callable[[], tuple[str, AnySelect]], ...] = (evidence.blobs, publish.blobs)


def _gathered(domains: Sequence[Callable[[], Declarations]]) -> Declarations:
    everything = Declarations()
    for declare in domains:
        everything.extend(declare())
    return everything


def declarations() -> Declarations:
    """Every domain's declarations about the evidence custody log, together."""
    return _gathered(DOMAINS)


def protection_declarations() -> Declarations:
    """The declarations about the protection audit log."""
    return _gathered(PROTECTION_DOMAINS)


def relief_declarations() -> Declarations:
    """The declarations about the relief log."""
    return _gathered(RELIEF_DOMAINS)


@dataclass(frozen=True)
class _Checked:
    """One log as ``civwatch verify`` checks it: the log, its heads file (and that file's
    name in problems) and what its entries record."""

    log: CustodyLog
    heads: HeadsFile
    heads_path: Path
    heads_table: str
    declarations: Declarations


def _checked_logs(ws: Workspace) -> list[_Checked]:
    return [
        _Checked(ws.custody, ws.heads, HEADS_FILE, "heads file", declarations()),
        _Checked(
            ws.protection_log,
            ws.protection_heads,
            PROTECTION_HEADS_FILE,
            "protection heads file",
            protection_declarations(),
        ),
        _Checked(
            ws.relief_log,
            ws.relief_heads,
            RELIEF_HEADS_FILE,
            "relief heads file",
            relief_declarations(),
        ),
    ]


def _log_named(ws: Workspace, name: str) -> CustodyLog:
    return {PROTECTION_LOG: ws.protection_log, RELIEF_LOG: ws.relief_log}.get(name, ws.custody)


def _kept_heads(checked: _Checked, problems: list[Problem]) -> list[KeptHead]:
    kept: list[KeptHead] = []
    for line in checked.heads.read():
        where = _("%(path)s line %(line)s", path=checked.heads_path, line=line.line)
        if line.head is None:
            problems.append(
                Problem(
                    checked.heads_table,
                    str(line.line),
                    _("%(where)s: %(error)s.", where=where, error=line.error),
                )
            )
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
            yield Problem(
                table, None, _("Blob %(sha256)s: %(error)s", sha256=sha256, error=exc.message)
            )
        else:
            if actual != sha256:
                yield Problem(
                    table,
                    None,
                    _(
                        "Blob %(sha256)s: the stored blob has changed: "
                        "it now hashes to %(actual)s.",
                        sha256=sha256,
                        actual=actual,
                    ),
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

    Checks each log - the custody log, the protection audit log and the relief log - (leaves, nodes,
    signed heads, and every head kept in its heads file), every record against the entry
    that recorded it, every entry against its record, every state against its history,
    and - with ``rehash`` - every blob. A large log is checked by ``processes`` worker
    processes (default: one per core), each task in its own snapshot; only entries that
    existed when the check began are compared with rows.
    """
    problems: list[Problem] = []
    logs = _checked_logs(ws)
    kept = [_kept_heads(checked, problems) for checked in logs]
    current = public_key_bytes(ws.signing_key)
    with ws.sessions() as session:
        read_snapshot(session)
        # Every head is checked with the key in force when it was signed: the chain from
        # the first key through each announcement in the custody log.
        public_key = signing_chain(session, ws.custody, ws.settings.signing_key_path, current)
        for checked, kept_heads in zip(logs, kept, strict=True):
            problems += _check_log(
                ws, session, checked, kept_heads, public_key, progress, processes
            )
        if rehash:
            problems += _rehash(ws, session, progress)
    return problems


def _check_log(
    ws: Workspace,
    session: Session,
    checked: _Checked,
    kept: list[KeptHead],
    public_key: KeyChain,
    progress: Progress | None,
    processes: int | None,
) -> list[Problem]:
    """Everything wrong with one log and the rows its entries record."""
    log, everything = checked.log, checked.declarations
    limit = log.size(session)
    workers = _workers(processes, limit)
    if workers == 1:
        tasks = plan(session, everything, limit, log_stage=log.tables.label)
        board = _Board(tasks, progress)
        results = [
            run_task(
                session,
                log,
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
        results = _in_processes(ws, session, checked, limit, kept, public_key, workers, progress)
    return combine(everything, limit, results)


# --- worker processes --------------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _start_worker(settings: Settings, counters: Any) -> None:
    """Run once in each worker process: open the workspace, keep the shared counters."""
    _worker["ws"] = Workspace.open(settings)
    _worker["counters"] = counters
    _worker["declarations"] = {
        checked.log.tables.name: checked.declarations for checked in _checked_logs(_worker["ws"])
    }


def _do_task(
    number: int, task: Task, limit: int, kept: list[KeptHead], log_name: str, chain: KeyChain
) -> TaskResult:
    ws: Workspace = _worker["ws"]
    counters = _worker["counters"]

    def report(stage: str, done: int, total: int) -> None:
        if stage == task.stage:
            counters[number] = done

    with ws.sessions() as session:
        read_snapshot(session)
        return run_task(
            session,
            _log_named(ws, log_name),
            chain,
            _worker["declarations"][log_name],
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
    checked: _Checked,
    limit: int,
    kept: list[KeptHead],
    chain: KeyChain,
    workers: int,
    progress: Progress | None,
) -> list[TaskResult]:
    """The tasks of one log done by ``workers`` processes, biggest first; progress shown
    meanwhile. The log pass, the longest task, starts while the other tasks are being
    planned."""
    name, label = checked.log.tables.name, checked.log.tables.label
    context = multiprocessing.get_context("spawn")
    counters = context.Array("q", MAX_TASKS, lock=False)
    results: list[TaskResult] = []
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(ws.settings, counters),
    ) as pool:
        tasks = [Task("log", stage=label, rows=limit)]
        pending = {pool.submit(_do_task, 0, tasks[0], limit, kept, name, chain): 0}
        # The first task of the plan is the log pass.
        tasks += plan(session, checked.declarations, limit, log_stage=label)[1:]
        if len(tasks) > MAX_TASKS:
            raise IntegrityError(_("This workspace is too large to check in pieces."))
        for number, task in enumerate(tasks[1:], 1):
            pending[pool.submit(_do_task, number, task, limit, kept, name, chain)] = number
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
