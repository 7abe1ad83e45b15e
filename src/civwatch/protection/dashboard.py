"""The officer's dashboard: my cases, overdue check-ins, risk reviews due, new requests
for help.

Counts and ids, and no names except for the people of the caller's own cases (each name
read is recorded like any read). One transaction answers the whole dashboard.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.errors import CivwatchError
from civwatch.protection import access, audit
from civwatch.protection.checkins import alerts_in
from civwatch.protection.crypto_fields import open_value, person_key
from civwatch.protection.desk import desk_key
from civwatch.protection.models import (
    ProtectionCase,
    ProtectionCaseMember,
    ProtectionHelpRequest,
    ProtectionPersonField,
)
from civwatch.protection.risk import reviews_due_count, reviews_due_in
from civwatch.workspace import Workspace

#: How many ids of each list the dashboard gives (counts are whole).
SHOWN = 50
#: Cases in these states are no longer on the dashboard.
CLOSED_STATES = ("completed", "withdrawn")


def _display_name(names: Any) -> str | None:
    """The name to show for a person: the first legal name, else the first one."""
    if not isinstance(names, list) or not names:
        return None
    legal = [n for n in names if isinstance(n, dict) and n.get("kind") == "legal"]
    first = (legal or names)[0]
    return str(first.get("name")) if isinstance(first, dict) and first.get("name") else None


def _names(
    ws: Workspace, session: Session, person_ids: list[str]
) -> tuple[dict[str, str | None], list[str]]:
    """The display names of ``person_ids`` (the caller's own cases' people), and the ids
    of those whose name was opened (for the caller to record as read); none while the
    desk is locked, none for a deleted person."""
    wanted = list(dict.fromkeys(person_ids))
    found: dict[str, str | None] = dict.fromkeys(wanted)
    try:
        desk = desk_key(ws, session)
    except CivwatchError:  # locked or not set up: no names, the rest of the board stands
        return found, []
    sealed = dict(
        session.execute(
            select(ProtectionPersonField.person_id, ProtectionPersonField.value).where(
                ProtectionPersonField.person_id.in_(wanted),
                ProtectionPersonField.field == "names",
            )
        ).all()
    )
    shown = []
    for person_id in wanted:
        try:
            key = person_key(session, desk, person_id)
        except CivwatchError:  # deleted meanwhile
            continue
        value = open_value(key, sealed.get(person_id), record=person_id, field="names")
        found[person_id] = _display_name(value)
        shown.append(person_id)
    return found, shown


def dashboard(ws: Workspace, principal: Principal, now: datetime) -> dict[str, Any]:
    """What the caller should act on now (see the module's description)."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        rows = session.execute(
            select(ProtectionCase, ProtectionCaseMember.role)
            .join(ProtectionCaseMember, ProtectionCaseMember.case_id == ProtectionCase.id)
            .where(
                ProtectionCaseMember.user_id == principal.user_id,
                ProtectionCase.state.not_in(CLOSED_STATES),
            )
            .order_by(ProtectionCase.opened_at.desc(), ProtectionCase.id)
        ).all()
        shown = rows[:SHOWN]
        names, opened = _names(ws, session, [case.person_id for case, _role in shown])
        cases = [
            {
                "id": case.id,
                "person_id": case.person_id,
                "person_name": names.get(case.person_id),
                "kind": case.kind,
                "state": case.state,
                "role": role,
            }
            for case, role in shown
        ]
        alerts = alerts_in(session, principal)
        due = [
            {"person_id": pid, "risk_level": level, "next_review": review.isoformat()}
            for pid, level, review in reviews_due_in(session, principal, now.date(), limit=SHOWN)
        ]
        due_count = reviews_due_count(session, principal, now.date())
        new_requests = session.execute(
            select(ProtectionHelpRequest.id, ProtectionHelpRequest.reference)
            .where(ProtectionHelpRequest.state == "new")
            .order_by(ProtectionHelpRequest.received_at, ProtectionHelpRequest.id)
            .limit(SHOWN)
        ).all()
        new_count = session.scalar(
            select(func.count())
            .select_from(ProtectionHelpRequest)
            .where(ProtectionHelpRequest.state == "new")
        )
        # Recorded last, in the same transaction: SQLite's write lock is held only for the
        # append and the commit, not for the board's reads (10 officers at once queue less).
        audit.record_reads(session, principal, opened, ("names",))
    return {
        "at": now.isoformat(),
        "cases": {"count": len(rows), "items": cases},
        "alerts": {"count": len(alerts), "items": alerts[:SHOWN]},
        "reviews_due": {"count": due_count, "items": due},
        "help_requests": {
            "count": int(new_count or 0),
            "items": [{"id": i, "reference": r} for i, r in new_requests],
        },
    }
