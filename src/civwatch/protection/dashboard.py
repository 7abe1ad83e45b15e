"""The officer's dashboard: my cases, overdue check-ins, risk reviews due, new requests
for help.

Counts and ids, and no names unless asked for (``names=True``): then the names of the people
of the caller's own cases shown, each recorded as read in the same transaction, before the
board is returned ("no read without its record"). Without names the board decrypts nothing
and writes nothing, so officers' views do not queue on the database's write lock. One
transaction answers the whole dashboard.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.db import in_probed
from civwatch.errors import CivwatchError
from civwatch.protection import access, audit
from civwatch.protection.checkins import alerts_in
from civwatch.protection.crypto_fields import open_value, person_key
from civwatch.protection.desk import desk_key
from civwatch.protection.models import (
    ProtectionCase,
    ProtectionCaseMember,
    ProtectionHelpRequest,
    ProtectionPerson,
    ProtectionPersonField,
)
from civwatch.protection.risk import reviews_due_first
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
    # Their rows in one query, held while the keys are unwrapped: person_key then finds
    # each in the session instead of asking the database once a name.
    people = session.scalars(select(ProtectionPerson).where(ProtectionPerson.id.in_(wanted))).all()
    shown = []
    for person_id in wanted:
        try:
            key = person_key(session, desk, person_id)
        except CivwatchError:  # deleted meanwhile
            continue
        value = open_value(key, sealed.get(person_id), record=person_id, field="names")
        found[person_id] = _display_name(value)
        shown.append(person_id)
    del people
    return found, shown


def dashboard(
    ws: Workspace, principal: Principal, now: datetime, *, names: bool = False
) -> dict[str, Any]:
    """What the caller should act on now (see the module's description); with ``names``,
    the names of the people of the caller's cases shown, each recorded as read."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        member = ProtectionCaseMember
        my_cases = select(member.case_id).where(member.user_id == principal.user_id)
        mine = (
            select(
                ProtectionCase.id,
                ProtectionCase.person_id,
                ProtectionCase.kind,
                ProtectionCase.state,
                member.role,
            )
            .join(member, member.case_id == ProtectionCase.id)
            .where(
                member.user_id == principal.user_id,
                # The caller's cases found by their ids (one probe each), not by reading
                # every case of the desk for a hash join with them.
                in_probed(session.get_bind().dialect.name, ProtectionCase.id, my_cases),
                ProtectionCase.state.not_in(CLOSED_STATES),
            )
        )
        shown = session.execute(
            mine.add_columns(func.count().over().label("total"))
            .order_by(ProtectionCase.opened_at.desc(), ProtectionCase.id)
            .limit(SHOWN)
        ).all()
        case_count = shown[0].total if shown else 0
        found: dict[str, str | None] = {}
        opened: list[str] = []
        if names:
            found, opened = _names(ws, session, [row.person_id for row in shown])
        cases = [
            {
                "id": row.id,
                "person_id": row.person_id,
                "person_name": found.get(row.person_id),
                "kind": row.kind,
                "state": row.state,
                "role": row.role,
            }
            for row in shown
        ]
        alerts = alerts_in(session, principal)
        first_due, due_count = reviews_due_first(session, principal, now.date(), SHOWN)
        due = [
            {"person_id": pid, "risk_level": level, "next_review": review.isoformat()}
            for pid, level, review in first_due
        ]
        new_requests = session.execute(
            select(
                ProtectionHelpRequest.id,
                ProtectionHelpRequest.reference,
                func.count().over().label("total"),
            )
            .where(ProtectionHelpRequest.state == "new")
            .order_by(ProtectionHelpRequest.received_at, ProtectionHelpRequest.id)
            .limit(SHOWN)
        ).all()
        new_count = new_requests[0].total if new_requests else 0
        # Recorded last, in the same transaction: SQLite's write lock is held only for the
        # append and the commit, not for the board's reads (10 officers at once queue less).
        if opened:
            audit.record_reads(session, principal, opened, ("names",))
    return {
        "at": now.isoformat(),
        "cases": {"count": int(case_count or 0), "items": cases},
        "alerts": {"count": len(alerts), "items": alerts[:SHOWN]},
        "reviews_due": {"count": due_count, "items": due},
        "help_requests": {
            "count": int(new_count or 0),
            "items": [{"id": r.id, "reference": r.reference} for r in new_requests],
        },
    }
