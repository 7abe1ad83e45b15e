"""The verification state machine, shared by incidents and evidence items, and the
incident's status and visibility changes.

States: reported (incidents) or unverified (items) -> under_verification -> in_review
(an outcome proposed: verified, unverifiable or false_or_misattributed) -> the outcome,
when a *second* person with the verifier role approves; a rejection (with a reason) sends
it back to under_verification. A final state can be reopened (with a reason). No state can
be skipped, and nobody reviews their own work: not the one who proposed it, and for an
incident none of its authors (:func:`incident_authors`). Every act is a row and a custody
entry.

An edit to a concluded incident is a proposed change (:mod:`civwatch.incidents.changes`);
:func:`review_incident` decides on it too. A public incident always has verified evidence:
publishing needs it (:func:`publish_in_session`), and a withdrawal
(:func:`withdraw_in_session`) follows at once when its last verified item stops being
verified. Publishing and withdrawing are done through the publication service,
:mod:`civwatch.publish.publication`, which calls these two inside its transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import PermissionDeniedError, RejectedInputError
from civwatch.i18n import N_, _
from civwatch.incidents import changes
from civwatch.incidents.acts import INCIDENT_STEPS
from civwatch.incidents.links import current_links, verified_item_ids
from civwatch.incidents.models import (
    Incident,
    IncidentRevision,
    IncidentTransition,
    VerificationRecord,
)
from civwatch.incidents.versions import mark_public_change
from civwatch.incidents.view import incident_json, incident_row
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
        raise RejectedInputError(_("Say why (%(act)s needs a reason).", act=act))
    if len(text) > MAX_REASON:
        raise RejectedInputError(_("A reason is at most %(limit)s characters.", limit=MAX_REASON))
    return text or None


def plan(what: str, current: str, target: str, initial: str) -> Step:
    """The act that moves ``what`` from ``current`` towards ``target``, or a clear error."""
    if target == current:
        raise RejectedInputError(_("%(what)s is already %(current)s.", what=what, current=current))
    if target == initial:
        raise RejectedInputError(
            _(
                "%(what)s cannot go back to %(initial)s; reopen it instead.",
                what=what,
                initial=initial,
            )
        )
    if target == "in_review":
        raise RejectedInputError(
            _(
                "Say which outcome you propose for %(what)s: %(names)s; it then goes to review.",
                what=what,
                names=", ".join(OUTCOMES),
            )
        )
    if current == "in_review":
        raise RejectedInputError(
            _(
                "%(what)s is in review (proposed outcome pending): a verifier other than the "
                "one who submitted it must approve or reject it first.",
                what=what,
            )
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
                _(
                    "%(what)s is %(current)s: it cannot become %(target)s without "
                    "verification. Start verification first (status under_verification), "
                    "then submit it for review.",
                    what=what,
                    current=current,
                    target=target,
                )
            )
        raise RejectedInputError(
            _(
                "%(what)s is already %(current)s; reopen it (status under_verification, with "
                "a reason) before proposing %(target)s.",
                what=what,
                current=current,
                target=target,
            )
        )
    raise RejectedInputError(_("Unknown status %(target)s.", target=repr(target)))


#: Why someone may not decide on a piece of work, by the part they had in it.
NOT_YOURS = {
    "submitter": N_(
        "%(reviewer)s submitted %(what)s for review and cannot review it: a second verifier must."
    ),
    "item-records": N_(
        "%(reviewer)s wrote verification records for %(what)s and cannot approve or "
        "reject them: a second verifier must."
    ),
    "created": N_(
        "%(reviewer)s recorded %(what)s and cannot approve or reject it: a second verifier must."
    ),
    "revision": N_(
        "%(reviewer)s wrote a revision of %(what)s and cannot approve or reject it: a "
        "second verifier must."
    ),
    "records": N_(
        "%(reviewer)s wrote verification records of evidence linked to %(what)s and "
        "cannot approve or reject it: a second verifier must."
    ),
    "proposer": N_(
        "%(reviewer)s proposed the change to %(what)s and cannot approve or reject it: "
        "a second verifier must."
    ),
}


def check_reviewer(
    what: str, reviewer: str, submitter: str | None, authors: Mapping[str, str]
) -> None:
    """The two-person rule: a reviewer reviews someone else's work, never their own.

    ``authors`` maps each author of the work to their part in it (a key of
    :data:`NOT_YOURS`), which the refusal names.
    """
    if reviewer == submitter:
        raise PermissionDeniedError(_(NOT_YOURS["submitter"], reviewer=reviewer, what=what))
    part = authors.get(reviewer)
    if part is not None:
        raise PermissionDeniedError(_(NOT_YOURS[part], reviewer=reviewer, what=what))


def authors_of(session: Session, incident_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """incident id -> {username: part} of everyone who authored the incident: its creator
    ("created"), anyone who wrote a revision of it, pending and rejected ones included
    ("revision"), and anyone who wrote a verification record of evidence linked to it now
    ("records"). None of them may approve or reject its outcome or a change to it."""
    out: dict[int, dict[str, str]] = {i: {} for i in incident_ids}
    if not incident_ids:
        return out
    ids = list(incident_ids)
    for incident_id, who in session.execute(
        select(Incident.id, Incident.created_by).where(Incident.id.in_(ids))
    ):
        out[incident_id].setdefault(who, "created")
    for incident_id, who in session.execute(
        select(IncidentRevision.incident_id, IncidentRevision.actor)
        .where(IncidentRevision.incident_id.in_(ids))
        .order_by(IncidentRevision.id)
    ):
        out[incident_id].setdefault(who, "revision")
    incidents_of: dict[int, set[int]] = {}
    for link in current_links(session, ids):
        incidents_of.setdefault(link.item_id, set()).add(link.incident_id)
    if incidents_of:
        for item_id, who in session.execute(
            select(VerificationRecord.item_id, VerificationRecord.author)
            .where(VerificationRecord.item_id.in_(list(incidents_of)))
            .order_by(VerificationRecord.id)
        ):
            for incident_id in incidents_of[item_id]:
                out[incident_id].setdefault(who, "records")
    return out


def incident_authors(session: Session, incident_id: int) -> dict[str, str]:
    """:func:`authors_of` one incident."""
    return authors_of(session, [incident_id])[incident_id]


def get_incident_authors(ws: Workspace, incident_id: int) -> dict[str, str]:
    """Who authored the incident and how (:func:`authors_of`), for pages that offer the
    review only to those who may give it."""
    with ws.sessions() as session:
        return incident_authors(session, incident_row(session, incident_id).id)


def review_step(what: str, current: str, proposed: str | None, decision: str) -> Step:
    decision = choose(decision, ("approve", "reject"), _("review decision"))
    if current != "in_review" or proposed is None:
        raise RejectedInputError(
            _(
                "%(what)s is %(current)s, not in review: there is nothing to %(decision)s. "
                "Submit it for review first.",
                what=what,
                current=current,
                decision=decision,
            )
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
    return len(verified_item_ids(session, [incident.id]).get(incident.id, set()))


def _needs_verified_evidence(session: Session, incident: Incident, doing: str) -> None:
    if _verified_items(session, incident) == 0:
        raise RejectedInputError(
            # TRANSLATORS: %(doing)s is "proposing the incident as verified", "approving it as
            # verified" or "publishing it" (each translated on its own).
            _(
                "Incident %(id)s has no linked evidence item that is verified: link evidence "
                "and have it verified (and reviewed) before %(doing)s.",
                id=incident.id,
                doing=doing,
            )
        )


def _transition(
    ws: Workspace,
    session: Session,
    incident: Incident,
    step: Step,
    actor: str,
    reason: str | None,
    *,
    visibility: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    now = utcnow()
    before = incident.status
    extra: dict[str, Any] = dict(details or {})
    if visibility is not None:
        extra["visibility"] = visibility
    leaf = entries.append(
        ws.custody,
        session,
        INCIDENT_STEPS[step.act],
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
    target = choose(target, INCIDENT_STATUSES, _("incident status"))
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        incident = incident_row(session, incident_id, for_update=True)
        what = _("Incident %(id)s", id=incident.id)
        step = plan(what, incident.status, target, "reported")
        text = _reason(reason, step.act == "reopen", step.act)
        if step.proposed == "verified":
            _needs_verified_evidence(session, incident, _("proposing the incident as verified"))
        change = changes.open_change(session, incident.id)
        if step.act == "reopen" and change is not None and change.state == "pending":
            raise RejectedInputError(
                _(
                    "%(what)s has a change in review (revision %(revision)s): a verifier "
                    "must approve or reject it before the incident can be reopened.",
                    what=what,
                    revision=change.revision,
                )
            )
        made_internal = step.act == "reopen" and incident.visibility == "public"
        if made_internal:
            # Reopening takes it off the public site: a withdrawal.
            changes.apply_waiting(ws, session, incident, user.username, utcnow(), on="withdrawal")
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
            mark_public_change(incident, incident.updated_at)
        session.flush()
        return incident_json(session, incident)


def review_incident(
    ws: Workspace,
    incident_id: int,
    decision: str,
    *,
    actor: str | None,
    reason: str | None = None,
) -> dict[str, Any]:
    """A second verifier approves the proposed outcome or rejects it with a reason; for a
    concluded incident with a change in review, the decision is on that change."""
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.REVIEW)
        incident = incident_row(session, incident_id, for_update=True)
        what = _("incident %(id)s", id=incident.id)
        authors = incident_authors(session, incident.id)
        change = None
        if incident.status != "in_review":
            change = changes.open_change(session, incident.id)
        if change is not None and change.state == "approved":
            raise RejectedInputError(
                _(
                    "The change to %(what)s (revision %(revision)s) is approved already: it "
                    "waits for a publisher to publish it as a correction. There is nothing "
                    "to review.",
                    what=what,
                    revision=change.revision,
                )
            )
        if change is not None:
            choice = choose(decision, ("approve", "reject"), _("review decision"))
            text = _reason(reason, choice == "reject", "a rejection")
            check_reviewer(what, user.username, None, {**authors, change.actor: "proposer"})
            changes.decide(ws, session, incident, change, choice, user.username, text, utcnow())
            session.flush()
            return incident_json(session, incident)
        step = review_step(what, incident.status, incident.proposed_status, decision)
        text = _reason(reason, step.act == "reject", "a rejection")
        check_reviewer(what, user.username, _submitter(session, incident.id), authors)
        if step.act == "approve" and step.to_status == "verified":
            _needs_verified_evidence(session, incident, _("approving it as verified"))
        _transition(ws, session, incident, step, user.username, text)
        session.flush()
        return incident_json(session, incident)


def withdraw_in_session(
    ws: Workspace,
    session: Session,
    incident: Incident,
    actor: str,
    reason: str | None,
    *,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Take a public incident off the public site inside the caller's transaction: an
    approved change waiting for publication is applied, the withdrawal is a transition
    (act "unpublish", ``reason`` shown in its public history) and a public change."""
    changes.apply_waiting(ws, session, incident, actor, utcnow(), on="withdrawal")
    _transition(
        ws,
        session,
        incident,
        Step("unpublish", incident.status),
        actor,
        reason,
        visibility="internal",
        details=details,
    )
    incident.visibility = "internal"
    mark_public_change(incident, incident.updated_at)


def publish_in_session(
    ws: Workspace, session: Session, incident: Incident, actor: str, note: str | None
) -> None:
    """Put a verified incident on the public site inside the caller's transaction: the
    publication is a transition (act "publish", ``note`` shown in its public history) and
    a public change. Refused unless the incident is verified, internal and has verified
    evidence. The publication service (:func:`civwatch.publish.publication.publish_incident`)
    is the one caller: it checks who acts."""
    if incident.visibility == "public":
        raise RejectedInputError(_("Incident %(id)s is already public.", id=incident.id))
    if incident.status != "verified":
        raise RejectedInputError(
            _(
                "Incident %(id)s is %(status)s: only verified incidents are published.",
                id=incident.id,
                status=incident.status,
            )
        )
    _needs_verified_evidence(session, incident, _("publishing it"))
    _transition(
        ws,
        session,
        incident,
        Step("publish", incident.status),
        actor,
        note,
        visibility="public",
    )
    incident.visibility = "public"
    mark_public_change(incident, incident.updated_at)


ITEM_INITIAL = ITEM_STATUSES[0]
