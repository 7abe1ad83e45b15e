"""Cases of the protection desk: safe exit, relocation, protection support.

A case goes intake -> assessment -> plan -> approved -> in progress -> completed; it may
be withdrawn from any open state, suspended and resumed where it stopped, and a plan or an
approval may go one step back. :func:`allowed_moves` is the state machine; every
transition is a row and a protection audit entry.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import active_user_id, roles_of, usernames_by_id
from civwatch.db import utcnow
from civwatch.errors import (
    ConflictError,
    NotFoundError,
    RecordNotFoundError,
    RejectedInputError,
)
from civwatch.i18n import _
from civwatch.protection import access, audit, consent
from civwatch.protection.crypto_fields import open_value, seal_value
from civwatch.protection.desk import desk_key
from civwatch.protection.ids import new_id
from civwatch.protection.keys import person_key_for
from civwatch.protection.models import (
    ProtectionAlert,
    ProtectionCase,
    ProtectionCaseMember,
    ProtectionCaseTransition,
    ProtectionCheckin,
    ProtectionCheckpoint,
    ProtectionReferral,
    ProtectionTask,
)
from civwatch.protection.vocabulary import CASE_STATES, check_code, label
from civwatch.workspace import Workspace

#: The states a case ends in: nothing moves it out of them.
FINAL_STATES: Final = frozenset({"completed", "withdrawn"})
#: The states a case works through, in order (a suspended case resumes into one of them).
WORKING_STATES: Final = ("intake", "assessment", "plan", "approved", "in-progress")
#: Forward and one-step-back moves between working states.
_MOVES: Final[dict[str, frozenset[str]]] = {
    "intake": frozenset({"assessment"}),
    "assessment": frozenset({"plan"}),
    "plan": frozenset({"approved", "assessment"}),
    "approved": frozenset({"in-progress", "plan"}),
    "in-progress": frozenset({"completed"}),
}


def allowed_moves(state: str, *, suspended_from: str | None = None) -> frozenset[str]:
    """The states a case in ``state`` may move to. A suspended case resumes only into the
    state it was suspended from (``suspended_from``), or is withdrawn."""
    if state in FINAL_STATES:
        return frozenset()
    if state == "suspended":
        back = {suspended_from} if suspended_from in WORKING_STATES else set()
        return frozenset({*back, "withdrawn"})
    return _MOVES[state] | {"withdrawn", "suspended"}


def check_move(state: str, to_state: str, *, suspended_from: str | None = None) -> None:
    """Refuse a move the state machine does not allow, naming both states."""
    if to_state not in CASE_STATES:
        raise ConflictError(
            _(
                "%(state)s is not a state of a case; the states are: %(known)s.",
                state=repr(to_state),
                known=", ".join(CASE_STATES),
            )
        )
    if to_state not in allowed_moves(state, suspended_from=suspended_from):
        raise ConflictError(
            _(
                "A case cannot go from %(from_state)s to %(to_state)s.",
                from_state=label("case-state", state),
                to_state=label("case-state", to_state),
            )
        )


MAX_TEXT = 10_000
DEFAULT_GRACE_MINUTES = 120
#: The most a check-in may be late before an alert (a week).
MAX_GRACE_MINUTES = 7 * 24 * 60
#: What a reader of a case is shown (the fields recorded with the read).
CASE_FIELDS: Final = (
    "kind",
    "state",
    "summary",
    "team",
    "transitions",
    "tasks",
    "checkpoints",
    "checkins",
    "referrals",
    "alerts",
)


def checked_text(text: str | None) -> str | None:
    """``text`` stripped (None when empty), refused over :data:`MAX_TEXT` characters."""
    value = (text or "").strip()
    if len(value) > MAX_TEXT:
        raise RejectedInputError(_("A text is at most %(limit)s characters.", limit=MAX_TEXT))
    return value or None


def sealed_text(key: bytes, text: str | None, *, record: str, field: str) -> bytes | None:
    """``text`` (:func:`checked_text`) sealed for ``record`` and ``field`` with the
    person's ``key``; None when empty."""
    return seal_value(key, checked_text(text), record=record, field=field)


def opened_text(key: bytes, value: bytes | None, *, record: str, field: str) -> str | None:
    """A text sealed with :func:`sealed_text`, opened (None when none was given)."""
    opened = open_value(key, value, record=record, field=field)
    return None if opened is None else str(opened)


def open_case(
    ws: Workspace,
    principal: Principal,
    person_id: str,
    kind: str,
    *,
    summary: str | None = None,
    grace_minutes: int = DEFAULT_GRACE_MINUTES,
) -> str:
    """Open a case for a person the caller may read, with the caller as its lead officer.
    Needs the person's consent to case handling (or a protection lead's recorded
    override). Returns the case's id."""
    code = check_code("case-kind", kind)
    if not 0 <= grace_minutes <= MAX_GRACE_MINUTES:
        raise RejectedInputError(
            _(
                "The grace period of check-ins is from 0 to %(limit)s minutes.",
                limit=MAX_GRACE_MINUTES,
            )
        )
    case_id = new_id("case")
    now = utcnow()
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        access.require_person(session, principal, person_id)
        consent.require_consent(session, person_id, "case-handling")
        key = person_key_for(ws, session, person_id)
        session.add(
            ProtectionCase(
                id=case_id,
                person_id=person_id,
                kind=code,
                state="intake",
                opened_at=now,
                opened_by=principal.user_id,
                grace_minutes=grace_minutes,
                summary=sealed_text(key, summary, record=case_id, field="summary"),
            )
        )
        session.flush()
        session.add(
            ProtectionCaseMember(
                case_id=case_id,
                user_id=principal.user_id,
                role="lead",
                added_at=now,
                added_by=principal.user_id,
            )
        )
        session.add(
            ProtectionCaseTransition(
                id=new_id("tr"),
                case_id=case_id,
                from_state=None,
                to_state="intake",
                actor_id=principal.user_id,
                at=now,
            )
        )
        audit.record_change(
            session,
            principal,
            "case-open",
            person_id=person_id,
            case_id=case_id,
            fields=("kind", "state", "summary", "team"),
        )
    return case_id


def suspended_from(session: Session, case_id: str) -> str | None:
    """The state a suspended case was in when it was suspended (None if it never was)."""
    return session.scalars(
        select(ProtectionCaseTransition.from_state)
        .where(
            ProtectionCaseTransition.case_id == case_id,
            ProtectionCaseTransition.to_state == "suspended",
        )
        .order_by(ProtectionCaseTransition.at.desc(), ProtectionCaseTransition.id.desc())
        .limit(1)
    ).first()


def transition(
    ws: Workspace, principal: Principal, case_id: str, to_state: str, reason: str | None = None
) -> dict[str, str]:
    """Move a case the caller may reach to ``to_state`` if the state machine allows it
    from where it is; the move is a row (with its sealed reason) and an audit entry."""
    target = to_state.strip().casefold().replace(" ", "-").replace("_", "-")
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        case = access.require_case(session, principal, case_id)
        here = case.state
        check_move(here, target, suspended_from=suspended_from(session, case_id))
        key = person_key_for(ws, session, case.person_id)
        move_id = new_id("tr")
        session.add(
            ProtectionCaseTransition(
                id=move_id,
                case_id=case_id,
                from_state=here,
                to_state=target,
                actor_id=principal.user_id,
                at=utcnow(),
                reason=sealed_text(key, reason, record=move_id, field="reason"),
            )
        )
        case.state = target
        audit.record_change(
            session,
            principal,
            "case-transition",
            person_id=case.person_id,
            case_id=case_id,
            fields=("state",),
        )
    return {"id": case_id, "from_state": here, "state": target}


def assign(
    ws: Workspace, principal: Principal, case_id: str, username: str, role: str = "member"
) -> dict[str, str]:
    """Put ``username`` (a protection officer or lead) on a case's team as ``role``
    (lead or member); assigning again changes their role."""
    role = check_code("member-role", role)
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        case = access.require_case(session, principal, case_id)
        user_id = _user_id(session, username)
        if user_id is None or not allows(roles_of(session, user_id), Permission.PROTECTION_READ):
            raise NotFoundError(
                _(
                    "No protection officer %(username)s: a case team is made of protection "
                    "officers and leads.",
                    username=repr(username),
                )
            )
        member = session.get(ProtectionCaseMember, (case_id, user_id))
        if member is None:
            session.add(
                ProtectionCaseMember(
                    case_id=case_id,
                    user_id=user_id,
                    role=role,
                    added_at=utcnow(),
                    added_by=principal.user_id,
                )
            )
        else:
            member.role = role
        audit.record_change(
            session,
            principal,
            "case-assign",
            person_id=case.person_id,
            case_id=case_id,
            fields=("team",),
        )
    return {"case_id": case_id, "username": username, "role": role}


def add_task(
    ws: Workspace,
    principal: Principal,
    case_id: str,
    kind: str,
    title: str,
    *,
    owner: str | None = None,
    due: date | None = None,
) -> str:
    """Add a task (documents, transport, route...) to a case, with an owner from the
    team and a due date. Returns its id."""
    code = check_code("task-kind", kind)
    if not title.strip():
        raise RejectedInputError(_("Say what the task is."))
    task_id = new_id("task")
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        case = access.require_case(session, principal, case_id)
        owner_id = None if owner is None else _team_member_id(session, case_id, owner)
        key = person_key_for(ws, session, case.person_id)
        session.add(
            ProtectionTask(
                id=task_id,
                case_id=case_id,
                kind=code,
                title=sealed_text(key, title, record=task_id, field="title"),
                owner_id=owner_id,
                due=due,
            )
        )
        audit.record_change(
            session,
            principal,
            "task-add",
            person_id=case.person_id,
            case_id=case_id,
            fields=("tasks",),
        )
    return task_id


def complete_task(ws: Workspace, principal: Principal, task_id: str) -> None:
    """Mark a task of a case the caller may reach as done."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        task = session.get(ProtectionTask, task_id)
        if task is None:
            raise RecordNotFoundError(_("No task %(id)s.", id=repr(task_id)))
        case = access.require_case(session, principal, task.case_id)
        if task.done_at is None:
            task.done_at = utcnow()
            task.done_by = principal.user_id
        audit.record_change(
            session,
            principal,
            "task-done",
            person_id=case.person_id,
            case_id=case.id,
            fields=("tasks",),
        )


def _team_member_id(session: Session, case_id: str, username: str) -> int:
    found = _user_id(session, username)
    member = None if found is None else session.get(ProtectionCaseMember, (case_id, found))
    if found is None or member is None:
        raise RejectedInputError(
            _(
                "%(username)s is not on this case's team: assign them to it first.",
                username=repr(username),
            )
        )
    return found


def _user_id(session: Session, username: str) -> int | None:
    try:
        return active_user_id(session, username)
    except NotFoundError:
        return None


def add_checkpoint(
    ws: Workspace,
    principal: Principal,
    case_id: str,
    place: str,
    expected_at: datetime | None,
    *,
    position: int | None = None,
) -> str:
    """Add a checkpoint to a case's route: where the person is expected, and when
    (timezone-aware). ``position`` defaults to after the last one. Returns its id."""
    if expected_at is not None and expected_at.tzinfo is None:
        raise RejectedInputError(_("Give the expected time with its time zone."))
    if not place.strip():
        raise RejectedInputError(_("Say where the checkpoint is."))
    checkpoint_id = new_id("cp")
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        case = access.require_case(session, principal, case_id)
        if position is None:
            last = session.scalars(
                select(ProtectionCheckpoint.position)
                .where(ProtectionCheckpoint.case_id == case_id)
                .order_by(ProtectionCheckpoint.position.desc())
                .limit(1)
            ).first()
            position = 1 if last is None else last + 1
        key = person_key_for(ws, session, case.person_id)
        session.add(
            ProtectionCheckpoint(
                id=checkpoint_id,
                case_id=case_id,
                position=position,
                place=sealed_text(key, place, record=checkpoint_id, field="place"),
                expected_at=expected_at,
            )
        )
        audit.record_change(
            session,
            principal,
            "checkpoint-add",
            person_id=case.person_id,
            case_id=case_id,
            fields=("checkpoints",),
        )
    return checkpoint_id


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def case_json(session: Session, case: ProtectionCase, key: bytes) -> dict[str, Any]:
    """A case as its team sees it: states, team, timeline, tasks, route, check-ins,
    referrals, alerts (sealed values opened with the person's ``key``)."""
    cid = case.id
    members = session.scalars(
        select(ProtectionCaseMember)
        .where(ProtectionCaseMember.case_id == cid)
        .order_by(ProtectionCaseMember.added_at, ProtectionCaseMember.user_id)
    ).all()
    moves = session.scalars(
        select(ProtectionCaseTransition)
        .where(ProtectionCaseTransition.case_id == cid)
        .order_by(ProtectionCaseTransition.at, ProtectionCaseTransition.id)
    ).all()
    tasks = session.scalars(
        select(ProtectionTask).where(ProtectionTask.case_id == cid).order_by(ProtectionTask.due)
    ).all()
    points = session.scalars(
        select(ProtectionCheckpoint)
        .where(ProtectionCheckpoint.case_id == cid)
        .order_by(ProtectionCheckpoint.position)
    ).all()
    checkins = session.scalars(
        select(ProtectionCheckin)
        .where(ProtectionCheckin.case_id == cid)
        .order_by(ProtectionCheckin.at)
    ).all()
    referrals = session.scalars(
        select(ProtectionReferral)
        .where(ProtectionReferral.case_id == cid)
        .order_by(ProtectionReferral.sent_at)
    ).all()
    alerts = session.scalars(
        select(ProtectionAlert)
        .where(ProtectionAlert.case_id == cid)
        .order_by(ProtectionAlert.raised_at)
    ).all()
    names = usernames_by_id(
        session,
        {
            *(m.user_id for m in members),
            *(t.actor_id for t in moves),
            *(t.owner_id for t in tasks if t.owner_id is not None),
            *(c.recorded_by for c in checkins),
            *(r.sent_by for r in referrals),
        },
    )
    return {
        "id": cid,
        "person_id": case.person_id,
        "kind": case.kind,
        "state": case.state,
        "opened_at": _iso(case.opened_at),
        "grace_minutes": case.grace_minutes,
        "summary": opened_text(key, case.summary, record=cid, field="summary"),
        "team": [
            {"username": names.get(m.user_id), "role": m.role, "added_at": _iso(m.added_at)}
            for m in members
        ],
        "transitions": [
            {
                "from_state": t.from_state,
                "to_state": t.to_state,
                "actor": names.get(t.actor_id),
                "at": _iso(t.at),
                "reason": opened_text(key, t.reason, record=t.id, field="reason"),
            }
            for t in moves
        ],
        "tasks": [
            {
                "id": t.id,
                "kind": t.kind,
                "title": opened_text(key, t.title, record=t.id, field="title"),
                "owner": None if t.owner_id is None else names.get(t.owner_id),
                "due": _iso(t.due),
                "done_at": _iso(t.done_at),
            }
            for t in tasks
        ],
        "checkpoints": [
            {
                "id": p.id,
                "position": p.position,
                "place": opened_text(key, p.place, record=p.id, field="place"),
                "expected_at": _iso(p.expected_at),
            }
            for p in points
        ],
        "checkins": [
            {
                "id": c.id,
                "checkpoint_id": c.checkpoint_id,
                "place": opened_text(key, c.place, record=c.id, field="place"),
                "note": opened_text(key, c.note, record=c.id, field="note"),
                "at": _iso(c.at),
                "recorded_by": names.get(c.recorded_by),
            }
            for c in checkins
        ],
        "referrals": [
            {
                "id": r.id,
                "partner_id": r.partner_id,
                "fields": list(r.fields),
                "state": r.state,
                "sent_at": _iso(r.sent_at),
                "sent_by": names.get(r.sent_by),
                "packet_sha256": r.packet_sha256,
            }
            for r in referrals
        ],
        "alerts": [
            {
                "id": a.id,
                "checkpoint_id": a.checkpoint_id,
                "kind": a.kind,
                "raised_at": _iso(a.raised_at),
                "acknowledged_at": _iso(a.acknowledged_at),
            }
            for a in alerts
        ],
    }


def show_case(ws: Workspace, principal: Principal, case_id: str) -> dict[str, Any]:
    """A case the caller may reach, whole (the read is recorded with its fields, in the
    transaction that read it)."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        case = access.require_case(session, principal, case_id)
        key = person_key_for(ws, session, case.person_id)
        doc = case_json(session, case, key)
        audit.record_read(
            session, principal, person_id=case.person_id, case_id=case_id, fields=CASE_FIELDS
        )
    return doc


def my_cases(ws: Workspace, principal: Principal) -> list[dict[str, Any]]:
    """The cases whose team the caller is on: ids, kinds, states and roles (no names)."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        rows = session.execute(
            select(ProtectionCase, ProtectionCaseMember.role)
            .join(ProtectionCaseMember, ProtectionCaseMember.case_id == ProtectionCase.id)
            .where(ProtectionCaseMember.user_id == principal.user_id)
            .order_by(ProtectionCase.opened_at.desc(), ProtectionCase.id)
        ).all()
        return [
            {
                "id": case.id,
                "person_id": case.person_id,
                "kind": case.kind,
                "state": case.state,
                "role": role,
                "opened_at": _iso(case.opened_at),
            }
            for case, role in rows
        ]


def cases_of_person(ws: Workspace, principal: Principal, person_id: str) -> list[dict[str, Any]]:
    """Every case of a person the caller may read (their team, an emergency access, a
    protection lead), newest first: ids, kinds, states and the caller's role on each (None
    when not on its team). "Not found" when the person is out of reach, 423 while the desk
    is locked; the read is recorded."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        access.require_person(session, principal, person_id)
        desk_key(ws, session)  # a locked desk answers nothing of a person
        roles = dict(
            session.execute(
                select(ProtectionCaseMember.case_id, ProtectionCaseMember.role)
                .join(ProtectionCase, ProtectionCase.id == ProtectionCaseMember.case_id)
                .where(
                    ProtectionCase.person_id == person_id,
                    ProtectionCaseMember.user_id == principal.user_id,
                )
            ).all()
        )
        rows = session.scalars(
            select(ProtectionCase)
            .where(ProtectionCase.person_id == person_id)
            .order_by(ProtectionCase.opened_at.desc(), ProtectionCase.id)
        ).all()
        audit.record_read(session, principal, person_id=person_id, case_id=None, fields=("cases",))
        return [
            {
                "id": case.id,
                "person_id": case.person_id,
                "kind": case.kind,
                "state": case.state,
                "role": roles.get(case.id),
                "opened_at": _iso(case.opened_at),
            }
            for case in rows
        ]
