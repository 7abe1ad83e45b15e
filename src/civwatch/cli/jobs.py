"""Background jobs on the command line: run a worker, list and show jobs.

The command line itself runs its long work in-process with progress bars; the queue's
jobs come from the web (uploads, copy finding). ``civwatch worker`` runs them on any
machine that reaches the queue (``CIVWATCH_QUEUE_URL``) and the database.
"""

from __future__ import annotations

import signal
import threading
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from civwatch.cli.common import AsJson, DataDir, emit, err, out, settings_for, workspace
from civwatch.i18n import _, ngettext

app = typer.Typer()
jobs_app = typer.Typer(no_args_is_help=True, help="Background jobs (uploads, copy finding).")


@app.command()
def worker(
    threads: Annotated[
        int, typer.Option("--threads", "-t", min=1, max=64, help="Jobs run at once.")
    ] = 2,
    stale_after: Annotated[
        float | None,
        typer.Option(
            "--stale-after",
            min=1.0,
            help="Seconds without a heartbeat after which a running job is taken to have "
            "lost its worker and is run again here (default: 120).",
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Run background jobs until stopped (Ctrl-C or SIGTERM: running jobs finish first)."""
    from civwatch import extensions
    from civwatch.jobs.queue import Workers, queue_for, queue_store
    from civwatch.jobs.service import STALE_AFTER_S
    from civwatch.workspace import Workspace

    extensions.load()
    settings = settings_for(data_dir)
    Workspace.open(settings).close()  # fail early, with a clear message, if not initialised
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    queue = queue_for(settings)
    running = Workers(queue, threads, stale_after=stale_after or STALE_AFTER_S).start()
    err.print(
        ngettext(
            "civwatch worker: %(num)s thread on %(queue)s; Ctrl-C stops after the running jobs.",
            "civwatch worker: %(num)s threads on %(queue)s; Ctrl-C stops after the running jobs.",
            threads,
            queue=escape(queue_store(settings)),
        )
    )
    try:
        stop.wait()
    finally:
        err.print(_("Stopping: waiting for running jobs…"))
        running.stop()
        queue.close()


def _row(job: dict[str, Any]) -> list[str]:
    return [
        str(job["id"]),
        job["kind"],
        job["owner"],
        job["state"],
        f"{job['done']}/{job['total']}",
        escape(job["message"]),
    ]


@jobs_app.command("list")
def jobs_list(
    owner: Annotated[str | None, typer.Option(help="Only this user's jobs.")] = None,
    state: Annotated[str | None, typer.Option(help="queued, running, done or failed.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Jobs, newest first."""
    from civwatch.jobs import list_jobs

    with workspace(data_dir) as ws:
        listing = list_jobs(ws, owner=owner, state=state, limit=limit)
    if as_json:
        emit(listing)
        return
    table = Table(_("id"), _("kind"), _("owner"), _("state"), _("progress"), _("message"))
    for job in listing["jobs"]:
        table.add_row(*_row(job))
    out.print(table)
    out.print(ngettext("%(num)s job.", "%(num)s jobs.", listing["total"]))


@jobs_app.command("show")
def jobs_show(
    job_id: Annotated[int, typer.Argument(help="The job's number.")],
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """One job with each file's outcome."""
    from civwatch.jobs import get_job

    with workspace(data_dir) as ws:
        job = get_job(ws, job_id)
    if as_json:
        emit(job)
        return
    # TRANSLATORS: a job: its number, kind and owner, its state (a code), its progress
    # and its message.
    out.print(
        _(
            "job %(id)s (%(kind)s, by %(owner)s): %(state)s, %(done)s of %(total)s — %(text)s",
            id=job["id"],
            kind=job["kind"],
            owner=escape(job["owner"]),
            state=job["state"],
            done=job["done"],
            total=job["total"],
            text=escape(job["message"]),
        )
    )
    for o in job["result"].get("outcomes", []):
        out.print("  " + _outcome_line(o))


def _outcome_line(o: dict[str, Any]) -> str:
    """One file of an upload job: its name and status (a code), why it was refused, and how
    many stored items it is a copy of."""
    path, status = escape(o["path"]), o["status"]
    copies = (o.get("copies") or {}).get("count")
    if o.get("error"):
        line = _(
            "%(path)s: %(status)s — %(error)s", path=path, status=status, error=escape(o["error"])
        )
    else:
        line = _("%(path)s: %(status)s", path=path, status=status)
    if copies:
        return ngettext(
            "%(file)s; copy of %(num)s other item",
            "%(file)s; copy of %(num)s other items",
            copies,
            file=line,
        )
    return line
