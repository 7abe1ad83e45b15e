"""The publish domain's background jobs: making a redacted copy for publication.

Finding and blurring faces, and re-encoding a video without its metadata, can take minutes;
``POST /api/v1/evidence/{sha256}/redactions`` with ``Prefer: respond-async`` queues it as a
job a worker runs (:func:`submit_redaction`), instead of holding the request. The draft is
recorded in the same transaction that marks the job done, so a job delivered twice, or
taken up again after its worker stopped, makes one draft, never two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.evidence.service import find_item
from civwatch.i18n import N_
from civwatch.jobs import registry
from civwatch.jobs.service import JobContext
from civwatch.workspace import Workspace

REDACT = "redaction"


def submit_redaction(
    ws: Workspace,
    sha256: str,
    regions: Sequence[Mapping[str, Any]],
    *,
    blur_faces: bool,
    graphic: bool,
    removed_faces: Sequence[Mapping[str, Any]],
    actor: str,
) -> dict[str, Any]:
    """Queue a redaction of ``sha256`` by ``actor`` (who must be allowed to make one:
    checked now, and again when the job runs); returns the job."""
    from civwatch.jobs import submit

    item = find_item(ws, sha256)
    with ws.sessions() as session:
        require(session, actor, Permission.INCIDENTS_WRITE)
    params = {
        "sha256": item.sha256,
        "regions": [dict(r) for r in regions],
        "blur_faces": bool(blur_faces),
        "graphic": bool(graphic),
        "removed_faces": [dict(r) for r in removed_faces],
    }
    return submit(ws, REDACT, actor, params, total=1)


def redaction_job(ctx: JobContext) -> dict[str, Any] | None:
    """Make the draft, as its owner, and finish the job in the transaction that records it."""
    from civwatch.publish.redaction import create_redaction

    p = ctx.params

    def recorded(session: Session, made: dict[str, Any]) -> None:
        ctx.record(session, done=1, message="Made the redacted copy.", result={"redaction": made})
        ctx.finish(
            session,
            {"redaction": made},
            f"Redaction {made['id']} made: a draft for a second person to approve.",
        )

    ctx.report(message="Making the redacted copy.", force=True)
    create_redaction(
        ctx.ws,
        p["sha256"],
        p["regions"],
        blur_faces=bool(p["blur_faces"]),
        graphic=bool(p["graphic"]),
        removed_faces=p["removed_faces"],
        actor=ctx.owner,
        on_commit=recorded,
    )
    return None


def register() -> None:
    """Register the publish domain's job kinds."""
    registry.register_kind(REDACT, N_("Redaction for publication"), redaction_job)
