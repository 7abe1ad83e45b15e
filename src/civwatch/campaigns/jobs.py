"""The campaigns' background work on the job queue: sending due mail every minute (and at
once, as a job the web starts after a supporter acts), and purging supporters' data whose
retention period has passed (daily)."""

from __future__ import annotations

from typing import Any

from civwatch.i18n import N_
from civwatch.jobs import registry
from civwatch.jobs.service import JobContext
from civwatch.workspace import Workspace

#: The job kind that sends due campaign mail now.
SEND_MAIL = "campaign-send-mail"


def send_mail(ws: Workspace) -> dict[str, Any]:
    """Send the campaign mail that is due (a minute's worth)."""
    from civwatch.campaigns.outbox import send_due

    return send_due(ws).json()


def send_mail_job(ctx: JobContext) -> dict[str, Any]:
    """The job kind's runner: :func:`send_mail` in the job's workspace."""
    return send_mail(ctx.ws)


def purge(ws: Workspace) -> dict[str, Any]:
    """Purge supporters' data past its campaign's retention period."""
    from civwatch.campaigns.retention import purge_expired

    return purge_expired(ws)


MAIL = registry.Schedule("civwatch.campaign-mail", send_mail, {"minute": "*"})
PURGE = registry.Schedule("civwatch.campaign-purge", purge, {"minute": "17", "hour": "3"})


def register() -> None:
    """Register the mail job kind and the schedules (mail every minute, purge daily)."""
    registry.register_kind(SEND_MAIL, N_("Send campaign mail"), send_mail_job)
    registry.register_schedule(MAIL.name, MAIL.run, **MAIL.when)
    registry.register_schedule(PURGE.name, PURGE.run, **PURGE.when)
