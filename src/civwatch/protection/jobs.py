"""The desk's background work: watching routes for overdue check-ins, and signing the
protection audit log's head when it grew.

Every minute the queue's workers run :data:`CHECKINS` (registered by :func:`register`,
which :func:`civwatch.extensions.load` calls when the app or a worker starts); the same
check is a job kind, so it can also be started at once and followed. Raising an alert is
idempotent (one per checkpoint), so overlapping runs on several machines raise each
alert once.
"""

from __future__ import annotations

from typing import Any

from civwatch.i18n import N_
from civwatch.jobs import registry
from civwatch.jobs.service import JobContext
from civwatch.workspace import Workspace

#: The job kind that checks routes now.
CHECK_ROUTES = "protection-check-routes"


def check_routes(ws: Workspace) -> dict[str, Any]:
    """Raise an alert for each checkpoint overdue now; returns the new alerts' ids."""
    from civwatch.protection.checkins import raise_overdue_alerts

    return {"alerts": raise_overdue_alerts(ws)}


def check_routes_job(ctx: JobContext) -> dict[str, Any]:
    """The job kind's runner: :func:`check_routes` in the job's workspace."""
    return check_routes(ctx.ws)


#: Every minute: a missed check-in shows on the team's dashboard at once.
CHECKINS = registry.Schedule("civwatch.protection-checkins", check_routes, {"minute": "*"})


def sign_audit_head(ws: Workspace) -> dict[str, Any]:
    """Sign the protection audit log's head if entries were added since the last signed
    head: reads and changes recorded through the web are covered by a signed head (kept
    in ``custody/protection-heads.jsonl``) within a minute."""
    head = ws.sign_head_if_grown(ws.protection_log)
    return {"tree_size": None if head is None else head.tree_size}


#: Every minute: the protection audit log's head, signed when the log grew.
AUDIT_HEADS = registry.Schedule("civwatch.protection-audit-heads", sign_audit_head, {"minute": "*"})


def register() -> None:
    """Register the route watch: the job kind and its schedule (every minute)."""
    registry.register_kind(CHECK_ROUTES, N_("Check routes for overdue check-ins"), check_routes_job)
    registry.register_schedule(CHECKINS.name, CHECKINS.run, **CHECKINS.when)
    registry.register_schedule(AUDIT_HEADS.name, AUDIT_HEADS.run, **AUDIT_HEADS.when)
