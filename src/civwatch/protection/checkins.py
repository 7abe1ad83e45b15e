"""Check-ins: a person on a route reports being safe at a checkpoint (an officer records
it). A checkpoint whose expected time plus the case's grace period has passed without a
check-in there, or at a later checkpoint, is overdue: the job in
:mod:`civwatch.protection.jobs` raises one alert for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.db import utcnow
from civwatch.errors import CivwatchError, RecordNotFoundError, RejectedInputError
from civwatch.i18n import _, ngettext
from civwatch.protection import access, audit
from civwatch.protection.cases import FINAL_STATES, sealed_text
from civwatch.protection.ids import new_id
from civwatch.protection.keys import person_key_for
from civwatch.protection.models import (
    ProtectionAlert,
    ProtectionCase,
    ProtectionCaseMember,
    ProtectionCheckin,
    ProtectionCheckpoint,
)
from civwatch.workspace import Workspace

log = logging.getLogger("civwatch.protection")

#: The kind of alert a missed check-in raises.
CHECKIN_OVERDUE = "checkin-overdue"
#: Cases whose route is no longer watched.
UNWATCHED_STATES = FINAL_STATES | {"suspended"}


@dataclass(frozen=True)
class RoutePoint:
    """A checkpoint of a route as the overdue rule sees it."""

    id: str
    position: int
    expected_at: datetime | None


def overdue_points(
    points: Sequence[RoutePoint],
    checked_in_at: Iterable[str],
    *,
    grace: timedelta,
    now: datetime,
) -> list[str]:
    """The ids of ``points`` overdue at ``now``: expected at a time ``grace`` ago or
    earlier, and neither checked in at (``checked_in_at``: checkpoint ids of the case's
    check-ins) nor passed (a check-in at a later checkpoint)."""
    reached = set(checked_in_at)
    furthest = max((p.position for p in points if p.id in reached), default=None)
    return [
        p.id
        for p in sorted(points, key=lambda p: p.position)
        if p.expected_at is not None
        and p.expected_at + grace < now
        and (furthest is None or p.position > furthest)
    ]


def record_checkin(
    ws: Workspace,
    principal: Principal,
    case_id: str,
    place: str,
    checkpoint_id: str | None = None,
    note: str | None = None,
) -> str:
    """Record that the person of a case reported being safe at ``place`` (at one of the
    case's checkpoints, if given). Returns the check-in's id."""
    if not place.strip():
        raise RejectedInputError(_("Say where the person checked in."))
    checkin_id = new_id("ci")
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        case = access.require_case(session, principal, case_id)
        if checkpoint_id is not None:
            point = session.get(ProtectionCheckpoint, checkpoint_id)
            if point is None or point.case_id != case_id:
                raise RejectedInputError(
                    _(
                        "%(checkpoint)s is not a checkpoint of this case.",
                        checkpoint=repr(checkpoint_id),
                    )
                )
        key = person_key_for(ws, session, case.person_id)
        session.add(
            ProtectionCheckin(
                id=checkin_id,
                case_id=case_id,
                checkpoint_id=checkpoint_id,
                place=sealed_text(key, place, record=checkin_id, field="place"),
                at=utcnow(),
                recorded_by=principal.user_id,
                note=sealed_text(key, note, record=checkin_id, field="note"),
            )
        )
        audit.record_change(
            session,
            principal,
            "checkin",
            person_id=case.person_id,
            case_id=case_id,
            fields=("checkins",),
        )
    return checkin_id


def overdue(session: Session, now: datetime) -> list[tuple[str, str]]:
    """Every (case id, checkpoint id) overdue at ``now`` on a case still under way, over
    the whole desk (the job's question: no reader, no need-to-know filter)."""
    due = session.execute(
        select(ProtectionCase.id, ProtectionCase.grace_minutes)
        .join(ProtectionCheckpoint, ProtectionCheckpoint.case_id == ProtectionCase.id)
        .where(
            ProtectionCheckpoint.expected_at.is_not(None),
            ProtectionCheckpoint.expected_at < now,
            ProtectionCase.state.not_in(UNWATCHED_STATES),
        )
        .distinct()
    ).all()
    grace = {case_id: int(minutes) for case_id, minutes in due}
    if not grace:
        return []
    routes: dict[str, list[RoutePoint]] = {}
    for case_id, point_id, position, expected_at in session.execute(
        select(
            ProtectionCheckpoint.case_id,
            ProtectionCheckpoint.id,
            ProtectionCheckpoint.position,
            ProtectionCheckpoint.expected_at,
        ).where(ProtectionCheckpoint.case_id.in_(grace))
    ):
        routes.setdefault(case_id, []).append(RoutePoint(point_id, position, expected_at))
    reached: dict[str, set[str]] = {}
    for checked_case, checked_point in session.execute(
        select(ProtectionCheckin.case_id, ProtectionCheckin.checkpoint_id).where(
            ProtectionCheckin.case_id.in_(grace), ProtectionCheckin.checkpoint_id.is_not(None)
        )
    ):
        if checked_point is not None:
            reached.setdefault(checked_case, set()).add(checked_point)
    return [
        (case_id, point_id)
        for case_id in sorted(routes)
        for point_id in overdue_points(
            routes[case_id],
            reached.get(case_id, set()),
            grace=timedelta(minutes=grace[case_id]),
            now=now,
        )
    ]


#: Sends one e-mail: (subject, body). The default sends nothing (no SMTP configured).
Sender = Callable[[str, str], None]


def raise_overdue_alerts(
    ws: Workspace, now: datetime | None = None, *, send: Sender | None = None
) -> list[str]:
    """Raise one alert for every overdue checkpoint that has none yet (running it again
    raises nothing new) and tell the desk through ``send``. Returns the new alerts' ids."""
    at = now or utcnow()
    raised: list[tuple[str, str]] = []
    with ws.sessions() as session, session.begin():
        due = overdue(session, at)
        known = {
            (case_id, point_id)
            for case_id, point_id in session.execute(
                select(ProtectionAlert.case_id, ProtectionAlert.checkpoint_id).where(
                    ProtectionAlert.kind == CHECKIN_OVERDUE,
                    ProtectionAlert.case_id.in_({case_id for case_id, _point in due}),
                )
            )
        }
        for case_id, point_id in due:
            if (case_id, point_id) in known:
                continue
            alert_id = new_id("al")
            try:
                with session.begin_nested():
                    session.add(
                        ProtectionAlert(
                            id=alert_id,
                            case_id=case_id,
                            checkpoint_id=point_id,
                            kind=CHECKIN_OVERDUE,
                            raised_at=at,
                        )
                    )
            except IntegrityError:  # another worker raised it at the same moment
                continue
            raised.append((alert_id, case_id))
    if raised:
        notify(ws, [case_id for _alert, case_id in raised], send=send)
    return [alert_id for alert_id, _case in raised]


def notify(ws: Workspace, case_ids: Sequence[str], *, send: Sender | None = None) -> bool:
    """Tell the desk that check-ins are overdue on ``case_ids`` (case ids only, never a
    name or a place): through ``send``, else by e-mail where SMTP and the desk's alert
    address are configured. Returns whether a message was sent."""
    sender = send or smtp_sender(ws)
    if sender is None:
        return False
    cases = ", ".join(sorted(set(case_ids)))
    subject = ngettext(
        "civwatch: %(num)s check-in is overdue",
        "civwatch: %(num)s check-ins are overdue",
        len(case_ids),
    )
    body = _(
        "A person on a route has not checked in on time (cases: %(cases)s). Open the "
        "protection desk's dashboard now.",
        cases=cases,
    )
    try:
        sender(str(subject), str(body))
    except (OSError, CivwatchError):
        # The alerts are on the dashboard already; a mail server down must not hide them.
        log.warning("the overdue check-in e-mail could not be sent", exc_info=True)
        return False
    return True


def smtp_sender(ws: Workspace) -> Sender | None:
    """A sender mailing the desk's alert address through ``Settings.smtp_url``, or None
    when either is not configured."""
    url = ws.settings.smtp_url
    to = ws.settings.protection_alert_to
    if url is None or not to:
        return None
    from civwatch.mail import smtp_send

    secret = url.get_secret_value()

    def send(subject: str, body: str) -> None:
        smtp_send(secret, to, subject, body)

    return send


def alerts_for(ws: Workspace, principal: Principal) -> list[dict[str, Any]]:
    """Alerts not yet acknowledged on the cases the caller's team works (a protection
    lead: every case), oldest first: ids only."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        return alerts_in(session, principal)


def alerts_in(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """:func:`alerts_for` in the caller's session."""
    query = (
        select(ProtectionAlert)
        .where(ProtectionAlert.acknowledged_at.is_(None))
        .order_by(ProtectionAlert.raised_at, ProtectionAlert.id)
    )
    if not allows(principal.roles, Permission.PROTECTION_LEAD):
        query = query.join(
            ProtectionCaseMember, ProtectionCaseMember.case_id == ProtectionAlert.case_id
        ).where(ProtectionCaseMember.user_id == principal.user_id)
    return [
        {
            "id": a.id,
            "case_id": a.case_id,
            "checkpoint_id": a.checkpoint_id,
            "kind": a.kind,
            "raised_at": a.raised_at.isoformat(),
        }
        for a in session.scalars(query)
    ]


def acknowledge_alert(ws: Workspace, principal: Principal, alert_id: str) -> None:
    """Mark an alert of a case the caller may reach as seen (it leaves the dashboard)."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        missing = RecordNotFoundError(_("No alert %(id)s.", id=repr(alert_id)))
        alert = session.get(ProtectionAlert, alert_id)
        if alert is None:
            raise missing
        try:
            case = access.require_case(session, principal, alert.case_id)
        except RecordNotFoundError:  # out of reach: answered as a missing alert, no case named
            raise missing from None
        if alert.acknowledged_at is None:
            alert.acknowledged_at = utcnow()
            alert.acknowledged_by = principal.user_id
        audit.record_change(
            session,
            principal,
            "alert-acknowledge",
            person_id=case.person_id,
            case_id=case.id,
            fields=("alerts",),
        )
