"""Running a queue's workers in a test, and waiting for a job."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from civwatch.config import Settings
from civwatch.jobs import get_job
from civwatch.jobs.queue import JobQueue, Workers, forget_queue, queue_for
from civwatch.workspace import Workspace


@contextmanager
def running_workers(
    settings: Settings, threads: int = 2, *, stale_after: float = 120.0
) -> Iterator[JobQueue]:
    """The queue of ``settings`` with ``threads`` workers running in this process."""
    queue = queue_for(settings)
    workers = Workers(queue, threads, stale_after=stale_after).start()
    try:
        yield queue
    finally:
        workers.stop(timeout=30)
        forget_queue(settings)


def restart_queue(settings: Settings) -> JobQueue:
    """Drop this process's queue object and open it afresh (as a restarted process would)."""
    forget_queue(settings)
    return queue_for(settings)


def wait_until(condition: Callable[[], bool], *, timeout: float = 60, what: str = "") -> None:
    """Wait until ``condition()`` holds (a test's bound, not a guess at how long it takes)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not so after {timeout}s: {what or condition}")
        time.sleep(0.05)


def wait_for_job(
    ws: Workspace, job_id: int, *, timeout: float = 60, states: tuple[str, ...] = ("done", "failed")
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = get_job(ws, job_id)
        if job["state"] in states:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['state']} after {timeout}s: {job}")
        time.sleep(0.05)
