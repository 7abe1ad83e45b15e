"""What the domains add to the engines, set up once when a process starts.

The engines know no domain: the job queue runs the job kinds and scheduled tasks
registered in :mod:`civwatch.jobs.registry`. Each domain package that adds such things has
a ``register()`` function; :func:`load` calls them all. The app (``create_app``) and the
workers (``civwatch worker``, ``civwatch serve``) call :func:`load` before they take work,
so a new domain package adds its jobs by adding its ``register`` to :data:`DOMAINS`,
through the same registry a test or an outside module uses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Final

from civwatch.campaigns import jobs as campaign_jobs
from civwatch.evidence import jobs as evidence_jobs
from civwatch.intake import capture_job
from civwatch.intake import jobs as intake_jobs
from civwatch.protection import jobs as protection_jobs
from civwatch.publish import sitrep

#: Each domain's registration, in the order of the domains.
DOMAINS: Final[tuple[Callable[[], None], ...]] = (
    evidence_jobs.register,
    sitrep.register,
    protection_jobs.register,
    capture_job.register,
    intake_jobs.register,
    campaign_jobs.register,
)

_loaded = False
_lock = threading.Lock()


def load() -> None:
    """Register every domain's job kinds and scheduled tasks (once per process)."""
    global _loaded
    with _lock:
        if _loaded:
            return
        for register in DOMAINS:
            register()
        _loaded = True
