"""Jobs as their owners see them: created queued, claimed by one worker, reporting progress,
finished done or failed.

A job row is written (and committed) before its message goes on the queue, and a worker
*claims* it before running it, in one conditional update: a message delivered twice, or a
job re-queued after a crash, runs once. A running job whose worker stopped sending its
heartbeat is taken up again by the next worker that starts (its task must be safe to
re-run: ingest is, by hash and sighting fingerprint).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from civwatch.db import utcnow
from civwatch.errors import NotFoundError
from civwatch.i18n import N_, SOURCE_LANGUAGE, Message, _, localise
from civwatch.jobs.models import Job
from civwatch.workspace import Workspace

#: A running job whose heartbeat is older than this is taken to have lost its worker.
STALE_AFTER_S = 120.0
#: How often a running job's heartbeat is written.
HEARTBEAT_S = 15.0
#: Progress is written at most this often (the last report of a phase always is).
REPORT_EVERY_S = 0.25


def job_json(job: Job) -> dict[str, Any]:
    """What the owner sees of a job (never its parameters); its message in the language
    in force."""
    return {
        "id": job.id,
        "kind": job.kind,
        "owner": job.owner,
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "message": shown(job.message),
        "result": job.result or {},
        "attempts": job.attempts,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "url": f"/api/v1/jobs/{job.id}",
        "page": f"/jobs/{job.id}",
    }


def create_job(
    ws: Workspace,
    kind: str,
    owner: str,
    params: dict[str, Any],
    *,
    total: int = 0,
    message: str = N_("Waiting for a worker."),
) -> Job:
    """A queued job, committed (so a worker that picks its message up finds it)."""
    now = utcnow()
    job = Job(
        kind=kind,
        owner=owner,
        state="queued",
        done=0,
        total=total,
        message=message,
        params=params,
        result={},
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    with ws.sessions() as session, session.begin():
        session.add(job)
        session.flush()
    return job


def find_job(ws: Workspace, job_id: int, *, viewer: str | None = None) -> Job:
    """The job; with ``viewer``, only if it is theirs (else it does not exist for them)."""
    with ws.sessions() as session:
        job = session.get(Job, job_id)
    if job is None or (viewer is not None and job.owner != viewer):
        raise NotFoundError(_("There is no job %(id)s that you can see.", id=job_id))
    return job


def get_job(ws: Workspace, job_id: int, *, viewer: str | None = None) -> dict[str, Any]:
    return job_json(find_job(ws, job_id, viewer=viewer))


def list_jobs(
    ws: Workspace,
    *,
    owner: str | None = None,
    state: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Jobs newest first (of one owner, or everyone's), with the total count."""
    query = select(Job)
    if owner is not None:
        query = query.where(Job.owner == owner)
    if state:
        query = query.where(Job.state == state)
    with ws.sessions() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(Job.id.desc()).limit(limit).offset(offset))
        return {"total": total, "jobs": [job_json(j) for j in rows]}


def claim(ws: Workspace, job_id: int, *, stale_after: float = STALE_AFTER_S) -> Job | None:
    """Take a job up to run it: only if it is queued, or running with a dead worker."""
    now = utcnow()
    stale = now - timedelta(seconds=stale_after)
    with ws.sessions() as session, session.begin():
        taken = session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                or_(Job.state == "queued", (Job.state == "running") & (Job.updated_at < stale)),
            )
            .values(
                state="running",
                started_at=now,
                updated_at=now,
                attempts=Job.attempts + 1,
                message=N_("Started."),
            )
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return session.get(Job, job_id)


def stale_jobs(
    ws: Workspace, *, older_than: float = STALE_AFTER_S, queued_too: bool = False
) -> list[int]:
    """Jobs to queue again: running without a heartbeat for ``older_than`` seconds; with
    ``queued_too``, also jobs queued that long (their message may have been lost between
    the commit and the queue, e.g. in a crash)."""
    stale = utcnow() - timedelta(seconds=older_than)
    states = ("queued", "running") if queued_too else ("running",)
    with ws.sessions() as session:
        return list(
            session.scalars(
                select(Job.id).where(Job.state.in_(states), Job.updated_at < stale).order_by(Job.id)
            )
        )


def _set(session: Session, job_id: int, **values: Any) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )


#: The message of a job that finished without saying more.
DONE = N_("Done.")


def finish(session: Session, job_id: int, result: dict[str, Any], message: str = DONE) -> None:
    """Mark done inside ``session``: committed together with the job's last writes."""
    _set(session, job_id, state="done", result=result, message=message, finished_at=utcnow())


def fail(ws: Workspace, job_id: int, message: str) -> None:
    """Mark the job failed with ``message``, stored in English (a translated message is
    rendered again in English: the record stays language-neutral; see :func:`shown`)."""
    with ws.sessions() as session, session.begin():
        _set(
            session,
            job_id,
            state="failed",
            message=localise(message, SOURCE_LANGUAGE),
            finished_at=utcnow(),
        )


def mark_queued(ws: Workspace, job_id: int, message: str) -> None:
    """Set a queued job's message (stored in English)."""
    with ws.sessions() as session, session.begin():
        _set(session, job_id, message=localise(message, SOURCE_LANGUAGE))


def shown(message: str) -> str:
    """A job's stored (English) message in the language in force: translated when it is
    one of the catalogue's fixed messages ("Waiting for a worker.", "Done."...), else as
    stored. A :class:`Message`, so machine output can render it in English again."""
    return Message(message) if message else message


_LOCAL_LOCKS: dict[str, threading.Lock] = {}
_LOCAL_LOCKS_GUARD = threading.Lock()


@contextmanager
def local_lock(name: str) -> Iterator[None]:
    """A lock within this process (the queue gives tasks one shared by every worker)."""
    with _LOCAL_LOCKS_GUARD:
        lock = _LOCAL_LOCKS.setdefault(name, threading.Lock())
    with lock:
        yield


Exclusive = Callable[[str], AbstractContextManager[None]]


class JobContext:
    """What a running task gets: its job's parameters, a way to report progress, and
    ``exclusive(name)``: a lock that one job at a time holds, across every worker."""

    def __init__(self, ws: Workspace, job: Job, exclusive: Exclusive = local_lock) -> None:
        self.ws = ws
        self.exclusive = exclusive
        self.job_id = job.id
        self.kind = job.kind
        self.owner = job.owner
        self.params: dict[str, Any] = dict(job.params or {})
        self.attempt = job.attempts
        self.done = job.done
        self.total = job.total
        self.message = job.message
        self.result: dict[str, Any] = dict(job.result or {})
        self.finished = False
        self._written = 0.0
        self._lock = threading.Lock()

    def report(
        self,
        *,
        done: int | None = None,
        total: int | None = None,
        message: str | None = None,
        result: dict[str, Any] | None = None,
        force: bool = False,
    ) -> None:
        """Record progress (written at most every REPORT_EVERY_S unless ``force``)."""
        with self._lock:
            if done is not None:
                self.done = done
            if total is not None:
                self.total = total
            if message is not None:
                force = force or message != self.message
                self.message = message
            if result is not None:
                self.result = result
            now = time.monotonic()
            if not force and now - self._written < REPORT_EVERY_S:
                return
            self._written = now
            values = {
                "done": self.done,
                "total": self.total,
                "message": self.message,
                "result": self.result,
            }
        with self.ws.sessions() as session, session.begin():
            _set(session, self.job_id, **values)

    def record(
        self,
        session: Session,
        *,
        done: int,
        message: str,
        result: dict[str, Any],
    ) -> None:
        """Write progress inside ``session``, so it commits with the work it reports (a
        crash then never leaves work done that the job does not know it did)."""
        with self._lock:
            self.done, self.message, self.result = done, message, result
            self._written = time.monotonic()
            values = {"done": done, "total": self.total, "message": message, "result": result}
        _set(session, self.job_id, **values)

    def finish(self, session: Session, result: dict[str, Any], message: str = DONE) -> None:
        """Mark the job done in ``session``, so it commits with the task's last writes."""
        finish(session, self.job_id, result, message)
        self.result, self.message, self.finished = result, message, True

    def heartbeat(self) -> None:
        with self.ws.sessions() as session, session.begin():
            _set(session, self.job_id)
