"""The verification state machine, shared by incidents and evidence items, and the
incident's status and visibility changes.

States: reported (incidents) or unverified (items) -> under_verification -> in_review
(an outcome proposed: verified, unverifiable or false_or_misattributed) -> the outcome,
when a *second* person with the verifier role approves; a rejection (with a reason) sends
it back to under_verification. A final state can be reopened (with a reason). No state can
be skipped, and nobody reviews their own work. Every act is a row and a custody entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.service import require_role
from civwatch.db import utcnow
from civwatch.errors import PermissionDeniedError, RejectedInputError
from civwatch.incidents import entries
from civwatch.incidents.models import Incident, IncidentTransition, ItemVerification
from civwatch.incidents.service import WRITERS, _incident, _show, current_links
from civwatch.incidents.vocabulary import INCIDENT_STATUSES, ITEM_STATUSES, OUTCOMES, choose
from civwatch.workspace import Workspace

FINAL = OUTCOMES
MAX_REASON = 5000


@dataclass(frozen=True)
class Step:
    """One planned move: the act, the status it leads to, and the outcome proposed."""

    act: str
    to_status: str
    proposed: str | None = None


def _reason(reason: str | None, needed: bool, act: str) -> str | None:
    text = (reason or "").strip()
    if needed and not text:
        raise RejectedInputError(f"Say why ({act} needs a reason).")
    if len(text) > MAX_REASON:
        raise RejectedInputError(f"A reason is at most {MAX_REASON} characters.")
    return text or None


def plan(what: str, current: str, target: str, initial: str) -> Step:
    """The act that moves ``what`` from ``current`` towards ``target``, or a clear error."""
    if target == current:
        raise RejectedInputError(f"{what} is already {current}.")
    if target == initial:
        raise RejectedInputError(f"{what} cannot go back to {initial}; reopen it instead.")
    if target == "in_review":
        raise RejectedInputError(
            f"Say which outcome you propose for {what}: {', '.join(OUTCOMES)}; it then goes "
            "to review."
        )
    if current == "in_review":
        raise RejectedInputError(
            f"{what} is in review (proposed outcome pending): a verifier other than the one "
            "who submitted it must approve or reject it first."
        )
    if target == "under_verification":
        if current == initial:
            return Step("start", "under_verification")
        return Step("reopen", "under_verification")  # from a final state
    if target in OUTCOMES:
        if current == "under_verification":
            return Step("submit", "in_review", target)
        if current == initial:
            raise RejectedInputError(
                f"{what} is {current}: it cannot become {target} without verification. "
                "Start verification first (status under_verification), then submit it for "
                "review."
            )
        raise RejectedInputError(
            f"{what} is already {current}; reopen it (status under_verification, with a "
            f"reason) before proposing {target}."
        )
    raise RejectedInputError(f"Unknown status {target!r}.")


def check_reviewer(what: str, reviewer: str, submitter: str | None, authors: set[str]) -> None:
    """The two-person rule: a reviewer reviews someone else's work, never their own."""
    if reviewer == submitter:
        raise PermissionDeniedError(
            f"{reviewer} submitted {what} for review and cannot review it: a second verifier must."
        )
    if reviewer in authors:
        raise PermissionDeniedError(
            f"{reviewer} wrote verification records for {what} and cannot approve or reject "
            "them: a second verifier must."
        )


def review_step(what: str, current: str, proposed: str | None, decision: str) -> Step:
    decision = choose(decision, ("approve", "reject"), "review decision")
    if current != "in_review" or proposed is None:
        raise RejectedInputError(
            f"{what} is {current}, not in review: there is nothing to {decision}. Submit it "
            "for review first."
        )
    if decision == "approve":
        return Step("approve", proposed, proposed)
    return Step("reject", "under_verification", proposed)


# --- incidents ---------------------------------------------------------------------------------


def _submitter(session: Session, incident_id: int) -> str | None:
    return session.scalars(
        select(IncidentTransition.actor)
        .where(IncidentTransition.incident_id == incident_id, IncidentTransition.act == "submit")
        .order_by(IncidentTransition.id.desc())
        .limit(1)
    ).first()


def _verified_items(session: Session, incident: Incident) -> int:
    links = current_links(session, [incident.id])
    if not links:
        return 0
    rows = session.scalars(
        select(ItemVerification.item_id).where(
            ItemVerification.item_id.in_([lk.item_id for lk in links]),
            ItemVerification.status == "verified",
        )
    ).all()
    return len(rows)


def _transition(
    ws: Workspace,
    session: Session,
    incident: Incident,
    step: Step,
    actor: str,
    reason: str | None,
    *,
    visibility: str | None = None,
) -> None:
    now = utcnow()
    before = incident.status
    extra: dict[str, Any] = {}
    if visibility is not None:
        extra["visibility"] = visibility
    leaf = entries.append(
        ws,
        session,
        f"incident-{step.act}",
        actor,
        now,
        incident=incident.id,
        revision=incident.revision,
        **{"from": before, "to": step.to_status},
        proposed=step.proposed,
        reason=reason,
        **extra,
    )
    session.add(
        IncidentTransition(
            incident_id=incident.id,
            act=step.act,
            from_status=before,
            to_status=step.to_status,
            proposed_status=step.proposed,
            reason=reason,
            actor=actor,
            at=now,
            custody_leaf=leaf,
        )
    )
    incident.status = step.to_status
    incident.proposed_status = step.proposed if step.to_status == "in_review" else None
    incident.updated_at = now


def set_incident_status(
    ws: Workspace,
    incident_id: int,
    target: str,
    *,
    actor: str | None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Move an incident one step: start verification, submit an outcome, or reopen."""
    target = choose(target, INCIDENT_STATUSES, "incident status")
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require_role(session, actor, *WRITERS)
        incident = _incident(session, incident_id, for_update=True)
        what = f"Incident {incident.id}"
        step = plan(what, incident.status, target, "reported")
        text = _reason(reason, step.act == "reopen", step.act)
        if step.proposed == "verified" and _verified_items(session, incident) == 0:
            raise RejectedInputError(
                f"{what} has no linked evidence item that is verified: link evidence and "
                "have it verified (and reviewed) before proposing the incident as verified."
            )
        made_internal = step.act == "reopen" and incident.visibility == "public"
        _transition(
            ws,
            session,
            incident,
            step,
            user.username,
            text,
            visibility="internal" if made_internal else None,
        )
        if made_internal:
            incident.visibility = "internal"
        session.flush()
        return _show(session, incident)


def review_incident(
    ws: Workspace,
    incident_id: int,
    decision: str,
    *,
    actor: str | None,
    reason: str | None = None,
) -> dict[str, Any]:
    """A second verifier approves the proposed outcome or rejects it with a reason."""
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require_role(session, actor, "verifier")
        incident = _incident(session, incident_id, for_update=True)
        what = f"incident {incident.id}"
        step = review_step(what, incident.status, incident.proposed_status, decision)
        text = _reason(reason, step.act == "reject", "a rejection")
        check_reviewer(what, user.username, _submitter(session, incident.id), set())
        _transition(ws, session, incident, step, user.username, text)
        session.flush()
        return _show(session, incident)


def set_visibility(
    ws: Workspace,
    incident_id: int,
    visibility: str,
    *,
    actor: str | None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Publish a verified incident, or take one back to internal (with a reason)."""
    visibility = choose(visibility, ("internal", "public"), "visibility")
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require_role(session, actor, "publisher")
        incident = _incident(session, incident_id, for_update=True)
        if incident.visibility == visibility:
            raise RejectedInputError(f"Incident {incident.id} is already {visibility}.")
        if visibility == "public" and incident.status != "verified":
            raise RejectedInputError(
                f"Incident {incident.id} is {incident.status}: only verified incidents are "
                "published."
            )
        act = "publish" if visibility == "public" else "unpublish"
        text = _reason(reason, act == "unpublish", act)
        _transition(
            ws,
            session,
            incident,
            Step(act, incident.status),
            user.username,
            text,
            visibility=visibility,
        )
        incident.visibility = visibility
        session.flush()
        return _show(session, incident)


ITEM_INITIAL = ITEM_STATUSES[0]
