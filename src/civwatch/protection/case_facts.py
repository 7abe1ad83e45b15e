"""What the relief fund may know of a protection case, through the desk's own rules: the
case's person (for an officer who may read the case), whether that person has a current
risk assessment (a yes or no, for anyone vetting a grant), and values sealed with the
person's data key (a grant's justification, a vetting note), so that nothing written
about a person at risk is kept outside the desk's encryption."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from civwatch.accounts.principal import Principal
from civwatch.protection import audit
from civwatch.protection.access import require_case, require_person
from civwatch.protection.crypto_fields import open_value, person_key, seal_value
from civwatch.protection.desk import desk_key
from civwatch.protection.keys import person_key_for
from civwatch.protection.models import ProtectionRiskAssessment
from civwatch.protection.persons import read_fields
from civwatch.workspace import Workspace


@dataclass(frozen=True)
class CaseFacts:
    """A case's id, its person's id and its state."""

    case_id: str
    person_id: str
    state: str


def case_facts(session: Session, principal: Principal, case_id: str) -> CaseFacts:
    """Case ``case_id`` if ``principal`` may read its person (need to know); "not found"
    otherwise. The caller has authorised its own act first."""
    case = require_case(session, principal, case_id)
    return CaseFacts(case.id, case.person_id, case.state)


@dataclass(frozen=True)
class PersonIdentity:
    """What the relief fund compares of a person (a sanctions screening, partner hashes):
    every name they are known by, the full date of birth when it is known (a year alone is
    not compared), and their document numbers when asked for."""

    names: tuple[str, ...]
    date_of_birth: date | None
    documents: tuple[str, ...] = ()


def person_identities(
    ws: Workspace,
    session: Session,
    principal: Principal,
    person_ids: Sequence[str],
    *,
    documents: bool = False,
) -> dict[str, PersonIdentity]:
    """The names and date of birth (and document numbers when ``documents``) of each of
    ``person_ids``, opened for ``principal`` if they may read every one of them (need to
    know; "not found" otherwise), each read recorded in the protection audit log in the
    caller's transaction. The caller authorised its act."""
    wanted = ["names", "birth", *(["documents"] if documents else [])]
    found: dict[str, PersonIdentity] = {}
    if not person_ids:
        return found
    key = desk_key(ws, session)
    for person_id in dict.fromkeys(person_ids):
        require_person(session, principal, person_id)
        values = read_fields(session, person_id, person_key(session, key, person_id), wanted)
        birth = (values.get("birth") or {}).get("date")
        found[person_id] = PersonIdentity(
            names=tuple(n["name"] for n in values.get("names") or [] if n.get("name")),
            date_of_birth=date.fromisoformat(birth) if birth else None,
            documents=tuple(d["number"] for d in values.get("documents") or [] if d.get("number")),
        )
    audit.record_reads(session, principal, list(found), wanted)
    return found


def has_current_assessment(session: Session, person_id: str, today: date) -> bool:
    """Whether ``person_id`` has a risk assessment not yet due for review on ``today``."""
    row = session.scalars(
        select(ProtectionRiskAssessment.id)
        .where(
            ProtectionRiskAssessment.person_id == person_id,
            or_(
                ProtectionRiskAssessment.next_review.is_(None),
                ProtectionRiskAssessment.next_review >= today,
            ),
        )
        .limit(1)
    ).first()
    return row is not None


def seal_for_person(
    ws: Workspace, session: Session, person_id: str, value: Any, *, record: str, field: str
) -> bytes | None:
    """``value`` sealed with ``person_id``'s data key for ``record``'s ``field`` (None
    stays None; DeskLockedError while the desk is locked)."""
    if value is None:
        return None
    return seal_value(person_key_for(ws, session, person_id), value, record=record, field=field)


def open_for_person(
    ws: Workspace,
    session: Session,
    person_id: str,
    sealed: bytes | None,
    *,
    record: str,
    field: str,
) -> Any:
    """What :func:`seal_for_person` sealed."""
    if sealed is None:
        return None
    return open_value(person_key_for(ws, session, person_id), sealed, record=record, field=field)
