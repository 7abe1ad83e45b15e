"""The task queue: huey on its SQLite store by default, on Redis at scale.

``CIVWATCH_QUEUE_URL`` chooses the store: unset, the SQLite file ``<data>/queue.db``
(safe across processes, fsynced); ``redis://host:port/db`` for many worker machines;
``sqlite:///path`` for another SQLite file. Nothing else changes between them.

One huey task, ``civwatch.run-job``, carries a job id; the job's kind (in the ``job``
table) says which function runs it, among those the domains registered in
:mod:`civwatch.jobs.registry` (the queue itself knows none). Workers are huey consumers:
thread workers inside ``civwatch serve``, or ``civwatch worker`` processes on any machine.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from huey.exceptions import TaskLockedException

from civwatch.config import Settings
from civwatch.errors import CivwatchError, ConfigurationError
from civwatch.i18n import _
from civwatch.jobs import registry
from civwatch.jobs.registry import Schedule
from civwatch.jobs.service import (
    DONE,
    HEARTBEAT_S,
    STALE_AFTER_S,
    Exclusive,
    JobContext,
    claim,
    fail,
    local_lock,
    stale_jobs,
)
from civwatch.workspace import Workspace

log = logging.getLogger("civwatch.jobs")

QUEUE_NAME = "civwatch"
TASK_NAME = "civwatch.run-job"


def queue_store(settings: Settings) -> str:
    """Where the queue lives, as a URL (for messages and ``civwatch worker``)."""
    if settings.queue_url:
        return settings.queue_url
    return f"sqlite:///{(settings.data_dir / 'queue.db').resolve()}"


def add_schedule(huey: Huey, schedule: Schedule, open_workspace: Callable[[], Workspace]) -> Any:
    """Add ``schedule`` to ``huey`` as a periodic task run in ``open_workspace()`` (the
    consumer must run with periodic tasks enabled for it to fire); returns the task."""

    every = crontab(**schedule.when)

    @huey.periodic_task(every, name=schedule.name)  # type: ignore[untyped-decorator]
    def scheduled() -> Any:
        return schedule.run(open_workspace())

    return scheduled


def make_huey(settings: Settings) -> Huey:
    url = queue_store(settings)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(QUEUE_NAME, url=url, results=False)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # fsync: a job acknowledged to its owner survives a power cut.
        return SqliteHuey(QUEUE_NAME, filename=str(path), results=False, fsync=True, timeout=30)
    raise ConfigurationError(
        _(
            "CIVWATCH_QUEUE_URL must start with redis:// or sqlite:/// (given: %(url)s).",
            url=repr(url),
        )
    )


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """A consumer running beside a server: the server owns the process's signals."""

    def _set_signal_handlers(self) -> None:
        pass


class JobQueue:
    """The queue of one data folder: enqueue jobs, and run them in consumers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.huey = make_huey(settings)
        self._ws: Workspace | None = None
        self._ws_lock = threading.Lock()
        #: A running job without a heartbeat for this long is taken over (see Workers).
        self.stale_after = STALE_AFTER_S
        self._task = self.huey.task(name=TASK_NAME)(self._run)
        for schedule in list(registry.SCHEDULES.values()):
            add_schedule(self.huey, schedule, self.workspace)

    # -- producing ---------------------------------------------------------------------------
    def enqueue(self, job_id: int) -> None:
        self._task(job_id)

    def pending(self) -> int:
        """Messages waiting on the queue."""
        return int(self.huey.pending_count())

    # -- consuming ---------------------------------------------------------------------------
    def workspace(self) -> Workspace:
        """The workspace tasks run in (one per queue, opened on first use)."""
        with self._ws_lock:
            if self._ws is None:
                self._ws = Workspace.open(self.settings)
            return self._ws

    def _run(self, job_id: int) -> None:
        run_job(self.workspace(), job_id, exclusive=self.exclusive, stale_after=self.stale_after)

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """A lock in the queue's store: one holder across every worker and machine.

        Waits for it. A worker killed while holding it leaves it set; workers clear the
        queue's locks when they start (``flush_locks``).
        """
        lock = self.huey.lock_task(name)
        delay = 0.02
        while True:
            try:
                lock.acquire()
                break
            except TaskLockedException:
                time.sleep(delay)
                delay = min(delay * 1.5, 0.5)
        try:
            yield
        finally:
            lock.release()

    def recover(self, *, older_than: float = STALE_AFTER_S, queued_too: bool = False) -> list[int]:
        """Queue again the jobs a stopped worker left behind (claiming makes it safe)."""
        found = stale_jobs(self.workspace(), older_than=older_than, queued_too=queued_too)
        for job_id in found:
            self.enqueue(job_id)
        if found:
            log.warning("queued again %d job(s) left by a stopped worker: %s", len(found), found)
        return found

    def consumer(self, workers: int = 2, *, embedded: bool = True) -> Consumer:
        """A consumer with ``workers`` threads (not started)."""
        cls = _EmbeddedConsumer if embedded else Consumer
        return cls(
            self.huey,
            workers=workers,
            worker_type="thread",
            periodic=True,
            initial_delay=0.05,
            max_delay=0.5,
            backoff=1.3,
            extra_locks=",".join(sorted(registry.LOCKS)) or None,
            shutdown_timeout=60,
        )

    def close(self) -> None:
        with self._ws_lock:
            if self._ws is not None:
                self._ws.close()
                self._ws = None
        self.huey.storage.close()


class Workers:
    """Thread workers running a queue's jobs in this process, and a watch that queues
    again the jobs a stopped worker (here or on another machine) left behind."""

    def __init__(
        self, queue: JobQueue, workers: int = 2, *, stale_after: float = STALE_AFTER_S
    ) -> None:
        self.queue = queue
        self.count = workers
        self.stale_after = stale_after
        queue.stale_after = stale_after
        self.consumer = queue.consumer(workers)
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._recover, name="job-recovery", daemon=True)

    def _recover(self) -> None:
        first = True
        while True:
            try:
                # Queued jobs only once, at start: a long queue is not a lost message.
                self.queue.recover(older_than=self.stale_after, queued_too=first)
                first = False
            except Exception:  # the store may be briefly unreachable: try again later
                log.exception("recovering abandoned jobs failed")
            if self._stop.wait(max(self.stale_after / 2, 0.5)):
                return

    def start(self) -> Workers:
        self.consumer.start()
        self._watch.start()
        return self

    def stop(self, *, timeout: float = 60.0) -> None:
        """Stop taking jobs; wait up to ``timeout`` s for running ones (a job cut short
        is taken up again later: its steps are safe to repeat)."""
        self._stop.set()
        self.consumer.shutdown_timeout = timeout
        self.consumer.stop(graceful=True)
        if self._watch.is_alive():
            self._watch.join()

    def __enter__(self) -> Workers:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


_QUEUES: dict[tuple[str, str], JobQueue] = {}
_QUEUES_LOCK = threading.Lock()


def queue_for(settings: Settings) -> JobQueue:
    """The queue of ``settings`` (one per process and data folder)."""
    key = (queue_store(settings), str(settings.data_dir.resolve()))
    with _QUEUES_LOCK:
        queue = _QUEUES.get(key)
        if queue is None:
            queue = _QUEUES[key] = JobQueue(settings)
        return queue


def forget_queue(settings: Settings) -> None:
    """Close and drop the cached queue of ``settings`` (tests, shutdown)."""
    key = (queue_store(settings), str(settings.data_dir.resolve()))
    with _QUEUES_LOCK:
        queue = _QUEUES.pop(key, None)
    if queue is not None:
        queue.close()


class _Heartbeat:
    """Touches a running job's row every HEARTBEAT_S so no other worker takes it over."""

    def __init__(self, ctx: JobContext, every: float) -> None:
        self.ctx = ctx
        self.every = every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-{ctx.job_id}", daemon=True)

    def _beat(self) -> None:
        while not self.stop.wait(self.every):
            try:
                self.ctx.heartbeat()
            except Exception:  # a missed beat is retried; the job itself goes on
                log.exception("heartbeat of job %s failed", self.ctx.job_id)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()


def run_job(
    ws: Workspace,
    job_id: int,
    *,
    exclusive: Exclusive = local_lock,
    stale_after: float = STALE_AFTER_S,
) -> str:
    """Claim and run one job; returns its final state ('skipped' if another has it).

    Its heartbeat is written often enough (a quarter of ``stale_after``) that no other
    worker takes it over while it runs."""
    job = claim(ws, job_id, stale_after=stale_after)
    if job is None:
        return "skipped"
    kind = registry.kind(job.kind)
    if kind is None:
        fail(
            ws, job_id, _("This civwatch does not know jobs of kind %(kind)s.", kind=repr(job.kind))
        )
        return "failed"
    ctx = JobContext(ws, job, exclusive)
    try:
        with _Heartbeat(ctx, min(HEARTBEAT_S, stale_after / 4)):
            result = kind.run(ctx)
            if not ctx.finished:
                with ws.sessions() as session, session.begin():
                    ctx.finish(session, result or {}, DONE)
    except CivwatchError as exc:
        fail(ws, job_id, exc.message)
        return "failed"
    except Exception as exc:
        log.exception("job %s (%s) failed", job_id, job.kind)
        fail(
            ws,
            job_id,
            _(
                "The job stopped on an unexpected error (%(error)s); what it finished is kept. "
                "Try again, or tell an administrator.",
                error=type(exc).__name__,
            ),
        )
        return "failed"
    return "done"
