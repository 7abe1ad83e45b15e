"""Background jobs: long work (uploads, copy finding) run by queue workers, with progress
its owner can follow.

``submit`` records a job and puts it on the queue; workers (``civwatch worker``, or the
threads ``civwatch serve`` starts) claim and run it; ``get_job``/``list_jobs`` show it.
The queue is huey, on a SQLite file in the data folder by default and on Redis when
``CIVWATCH_QUEUE_URL`` says so (see :mod:`civwatch.jobs.queue`).
"""

from __future__ import annotations

from typing import Any

from civwatch.errors import CivwatchError
from civwatch.i18n import N_, _
from civwatch.jobs.service import JobContext, fail, get_job, job_json, list_jobs
from civwatch.workspace import Workspace

__all__ = ["JobContext", "QueueUnavailableError", "get_job", "list_jobs", "submit"]


class QueueUnavailableError(CivwatchError):
    """The job queue's store cannot be reached."""

    status_code = 503
    kind = "queue-unavailable"


def submit(
    ws: Workspace, kind: str, owner: str, params: dict[str, Any], *, total: int = 0
) -> dict[str, Any]:
    """Record a job of ``kind`` for ``owner`` and queue it; returns the job as its owner
    sees it. The row is committed before the message is queued, so a worker always finds
    it; a job whose message is lost is queued again when a worker starts."""
    from civwatch.jobs.queue import queue_for
    from civwatch.jobs.registry import KINDS
    from civwatch.jobs.service import create_job, find_job

    queue = queue_for(ws.settings)
    if kind not in KINDS:
        raise CivwatchError(_("There is no kind of job called %(kind)s.", kind=repr(kind)))
    job = create_job(ws, kind, owner, params, total=total)
    try:
        queue.enqueue(job.id)
    except Exception as exc:
        # Stored in English, as every job message is; shown translated (gettext).
        fail(ws, job.id, N_("The job queue could not be reached; nothing was done."))
        raise QueueUnavailableError(
            _(
                "The job queue cannot be reached right now: try again in a minute, "
                "or tell an administrator."
            )
        ) from exc
    return job_json(find_job(ws, job.id))
