"""What the queue can run: job kinds and scheduled tasks, registered by the domains.

The queue is an engine: it knows no domain. A domain package that runs work in the
background registers it here (``register_kind`` for jobs a person starts and follows,
``register_schedule`` for work run on a timetable, ``register_lock`` for a lock its jobs
take), and the app and the worker call :func:`civwatch.extensions.load` at start, which
asks each domain to register what it has. A job whose kind is not registered fails with a
message that says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from civwatch.i18n import gettext
from civwatch.jobs.service import JobContext
from civwatch.workspace import Workspace

#: A job kind's function: runs the job, returns its result (or calls ``ctx.finish``).
JobFunction = Callable[[JobContext], dict[str, Any] | None]
#: A scheduled task's function: does its work in the workspace, returns what it made.
ScheduledFunction = Callable[[Workspace], Any]
#: A job kind's title for a job of ``total`` steps, in the language in force
#: (``ngettext("Upload of %(num)s file", "Upload of %(num)s files", total)``).
CountedTitle = Callable[[int], str]


@dataclass(frozen=True)
class JobKind:
    """A kind of job: its name (stored on each job), a title for its owner, its runner."""

    name: str
    #: What the job does, for its owner ("Find copies"): an English text marked with
    #: ``N_``, translated where it is shown (:func:`job_title`).
    title: str
    run: JobFunction
    #: The title of one job that counts its steps ("Upload of 3 files"), if the kind has one.
    counted: CountedTitle | None = None


@dataclass(frozen=True)
class Schedule:
    """Work the queue's workers run on a timetable (cron fields, UTC)."""

    #: The task's name in the queue ("civwatch.weekly-sitrep").
    name: str
    run: ScheduledFunction
    #: Cron fields: ``minute``, ``hour``, ``day``, ``month``, ``day_of_week``.
    when: Mapping[str, str] = field(default_factory=dict)


KINDS: dict[str, JobKind] = {}
SCHEDULES: dict[str, Schedule] = {}
#: Names of locks jobs take in the queue's store; a starting worker clears them (only a
#: worker killed while holding one leaves it set).
LOCKS: set[str] = set()
_LOCK = threading.Lock()


def register_kind(
    name: str, title: str, run: JobFunction, counted: CountedTitle | None = None
) -> JobKind:
    """Make ``run`` the runner of jobs of kind ``name`` (registering it again is harmless).

    ``title`` is marked with ``N_`` by the caller; ``counted`` makes the title of one job
    from its number of steps, whole sentence and plural forms (with ``ngettext``)."""
    kind = JobKind(name, title, run, counted)
    with _LOCK:
        KINDS[name] = kind
    return kind


def job_kind(name: str, title: str) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated function as the runner of jobs of kind ``name``."""

    def register(fn: JobFunction) -> JobFunction:
        register_kind(name, title, fn)
        return fn

    return register


def register_schedule(name: str, run: ScheduledFunction, **when: str) -> Schedule:
    """Run ``run`` on the timetable ``when`` (cron fields, e.g. ``day_of_week="1"``) in
    every queue opened after this call."""
    schedule = Schedule(name, run, dict(when))
    with _LOCK:
        SCHEDULES[name] = schedule
    return schedule


def register_lock(name: str) -> None:
    """Declare a lock jobs take with ``ctx.exclusive(name)`` (cleared when a worker starts)."""
    with _LOCK:
        LOCKS.add(name)


def kind(name: str) -> JobKind | None:
    """The registered kind called ``name``, if any."""
    return KINDS.get(name)


def job_title(job: Mapping[str, Any]) -> str:
    """A job's title for its owner, in the language in force (a job of a kind this
    civwatch does not know shows its kind's code)."""
    found = KINDS.get(job["kind"])
    if found is None:
        return str(job["kind"])
    if found.counted is not None:
        return found.counted(int(job["total"]))
    return gettext(found.title)
