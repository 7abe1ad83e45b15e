"""The protection audit trail: who read or changed which person or case, which fields, and
what was done to the desk - in the protection audit log (a custody log of its own:
RFC 9162 Merkle tree, signed heads, its own heads file), with a row of
``protection_audit_event`` per entry for "who has seen this record".

Every function runs in the caller's transaction: a read is recorded in the transaction that
returned the data, so there is no read without its record (and no record of a read that
was rolled back). Entries and rows hold ids, field names and the kind of change only:
anything that is not an id of the desk or a field name is refused before anything is
written, and the refusal never repeats what it was given. The actor is the user's username
(officers are staff, not people at risk). ``civwatch verify`` checks each row against its
entry (:mod:`civwatch.protection.integrity`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from civwatch.accounts.principal import Principal
from civwatch.accounts.service import username_of
from civwatch.custody import entries
from civwatch.custody.entries import Act
from civwatch.custody.log import CustodyLog
from civwatch.db import utcnow
from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.protection.acts import (
    ACCESS_STEPS,
    DESK_ACTS,
    ID_PATTERN,
    PERSON_DELETE,
    PROTECTION_ACCESS,
    PROTECTION_CHANGE,
    PROTECTION_READ,
    WORD_PATTERN,
)
from civwatch.protection.models import PROTECTION_AUDIT_LOG, ProtectionAuditEvent

#: The protection audit log (the same tables as ``Workspace.protection_log``).
LOG = CustodyLog(tables=PROTECTION_AUDIT_LOG)
_ID = re.compile(ID_PATTERN)
_WORD = re.compile(WORD_PATTERN)
#: A kind of change: it is also the row's ``act`` (at most 32 characters).
_WHAT = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


def _id(value: str | None, prefix: str) -> str | None:
    """``value`` if it is an id of the kind ``prefix`` (or None); never a name or value."""
    if value is None:
        return None
    if not isinstance(value, str) or not _ID.fullmatch(value) or not value.startswith(prefix):
        # The value itself is never repeated: it might be what must not be logged.
        raise RejectedInputError(
            _(
                "The protection audit log takes record ids only (%(prefix)s...): what was "
                "given is not one, and was not recorded.",
                prefix=prefix,
            )
        )
    return value


def _fields(fields: Sequence[str]) -> list[str]:
    """The field names, each once, in the order given; refused if one is not a name."""
    if isinstance(fields, str) or not all(
        isinstance(f, str) and _WORD.fullmatch(f) for f in fields
    ):
        raise RejectedInputError(
            _(
                "The protection audit log takes field names only (lower-case words): "
                "a value was given, and was not recorded."
            )
        )
    return list(dict.fromkeys(fields))


def _what(what: str) -> str:
    if not isinstance(what, str) or not _WHAT.fullmatch(what):
        raise RejectedInputError(
            _(
                "A change in the protection audit log is named by a lower-case word "
                "(e.g. person-add); what was given is not one, and was not recorded."
            )
        )
    return what


def _append(
    session: Session,
    actor: Principal | None,
    act: Act,
    subject: dict[str, Any],
    *,
    row_act: str,
    person_id: str | None = None,
    case_id: str | None = None,
    fields: list[str] | None = None,
) -> None:
    """Append one entry of ``act`` (``subject``: its fields beyond the envelope) to the
    protection audit log, and its row."""
    at = utcnow()
    username = None if actor is None else actor.username
    (leaf,) = LOG.append(session, [entries.build(act, username, at, **subject)])
    session.add(
        ProtectionAuditEvent(
            leaf_idx=leaf,
            act=row_act,
            actor_id=None if actor is None else actor.user_id,
            person_id=person_id,
            case_id=case_id,
            fields=fields or [],
            at=at,
        )
    )
    session.flush()


def record_read(
    session: Session,
    actor: Principal,
    *,
    person_id: str | None,
    case_id: str | None,
    fields: Sequence[str],
) -> None:
    """Record that ``actor`` read ``fields`` (their names) of a person or a case, in the
    caller's transaction: no read without its record."""
    person, case, names = _id(person_id, "per_"), _id(case_id, "case_"), _fields(fields)
    _append_read(session, actor, person, case, names)


def _append_read(
    session: Session, actor: Principal, person: str | None, case: str | None, names: list[str]
) -> None:
    _append(
        session,
        actor,
        PROTECTION_READ,
        {"person": person, "case": case, "fields": names},
        row_act=PROTECTION_READ.name,
        person_id=person,
        case_id=case,
        fields=names,
    )


def record_reads(
    session: Session, actor: Principal, person_ids: Sequence[str], fields: Sequence[str]
) -> None:
    """Record that ``actor`` read the same ``fields`` of each of several people (a list
    showing their names): one entry per person, as :func:`record_read` writes, appended
    to the log in one step, so a page of names costs one append, not one per name."""
    people = [p for p in dict.fromkeys(_id(p, "per_") for p in person_ids) if p is not None]
    if not people:
        return
    names = _fields(fields)
    at = utcnow()
    built = [
        entries.build(PROTECTION_READ, actor.username, at, person=person, case=None, fields=names)
        for person in people
    ]
    leaves = LOG.append(session, built)
    session.add_all(
        ProtectionAuditEvent(
            leaf_idx=leaf,
            act=PROTECTION_READ.name,
            actor_id=actor.user_id,
            person_id=person,
            case_id=None,
            fields=names,
            at=at,
        )
        for leaf, person in zip(leaves, people, strict=True)
    )
    session.flush()


def record_change(
    session: Session,
    actor: Principal | None,
    what: str,
    *,
    person_id: str | None = None,
    case_id: str | None = None,
    fields: Sequence[str] = (),
) -> None:
    """Record a change to the desk's records: ``what`` names it (e.g. "person-add",
    "risk-add", "case-transition"; it is the ``act`` :func:`history` shows), with the
    names of the ``fields`` changed. "person-delete" is written as an act of its own."""
    kind = _what(what)
    person, case, names = _id(person_id, "per_"), _id(case_id, "case_"), _fields(fields)
    if kind == PERSON_DELETE.name:
        if person is None or actor is None or case is not None or names:
            raise RejectedInputError(
                _("A person deleted is recorded with the person's id and who deleted them.")
            )
        _append(session, actor, PERSON_DELETE, {"person": person}, row_act=kind, person_id=person)
        return
    _append(
        session,
        actor,
        PROTECTION_CHANGE,
        {"what": kind, "person": person, "case": case, "fields": names},
        row_act=kind,
        person_id=person,
        case_id=case,
        fields=names,
    )


def record_access(
    session: Session, actor: Principal | None, what: str, *, person_id: str, grant_id: str
) -> None:
    """Record a step of emergency access to a person (``what``: request, approve, expire,
    revoke) by the grant's id; :func:`history` shows it as "access-<what>"."""
    if what not in ACCESS_STEPS:
        raise RejectedInputError(
            _(
                "A step of emergency access is one of %(steps)s.",
                steps=", ".join(ACCESS_STEPS),
            )
        )
    person, grant = _id(person_id, "per_"), _id(grant_id, "grant_")
    _append(
        session,
        actor,
        PROTECTION_ACCESS,
        {"what": what, "person": person, "grant": grant},
        row_act=access_act(what),
        person_id=person,
    )


def access_act(what: str) -> str:
    """The ``act`` a row (and :func:`history`) shows for a step of emergency access."""
    return f"access-{what}"


def record_desk(session: Session, actor: Principal | None, act: str) -> None:
    """Record an act on the desk itself: "desk-init", "desk-lock", "desk-unlock" or
    "desk-key-rotate"."""
    chosen = DESK_ACTS.get(act)
    if chosen is None:
        raise RejectedInputError(
            _(
                "An act on the protection desk is one of %(acts)s.",
                acts=", ".join(sorted(DESK_ACTS)),
            )
        )
    _append(session, actor, chosen, {}, row_act=chosen.name)


def history(
    session: Session, *, person_id: str | None = None, case_id: str | None = None
) -> list[dict[str, Any]]:
    """Who read or changed a person or a case (either, when both are given), newest
    first: ``{"actor": username or None, "at": ISO 8601, "act": "protection-read" or the
    change (e.g. "person-add"), "fields": [field names]}``. Without an id, every entry."""
    event = ProtectionAuditEvent
    query = select(
        username_of(event.actor_id).label("actor"), event.at, event.act, event.fields
    ).order_by(event.leaf_idx.desc())
    conditions = []
    if person_id is not None:
        conditions.append(event.person_id == person_id)
    if case_id is not None:
        conditions.append(event.case_id == case_id)
    if conditions:
        query = query.where(or_(*conditions))
    return [
        {"actor": actor, "at": at.isoformat(), "act": act, "fields": list(fields or [])}
        for actor, at, act, fields in session.execute(query)
    ]


#: The prefix of the ids of witnesses (testimony, :mod:`civwatch.intake`), whose
#: identities the desk protects with a held key (:mod:`civwatch.protection.held_keys`).
WITNESS_PREFIX = "wit_"


def record_witness_read(
    session: Session, actor: Principal, witness_id: str, fields: Sequence[str]
) -> None:
    """Record that ``actor`` read ``fields`` of a witness's identity (in the caller's
    transaction), as a read of a person is recorded: :func:`history` with the witness's
    id as ``person_id`` answers "who has seen this witness"."""
    _append_read(session, actor, _id(witness_id, WITNESS_PREFIX), None, _fields(fields))


def record_witness_change(
    session: Session, actor: Principal, what: str, witness_id: str, fields: Sequence[str] = ()
) -> None:
    """Record a change to a witness's protected identity (``what``: e.g. witness-add,
    witness-delete), with the names of the fields changed."""
    kind, witness, names = _what(what), _id(witness_id, WITNESS_PREFIX), _fields(fields)
    _append(
        session,
        actor,
        PROTECTION_CHANGE,
        {"what": kind, "person": witness, "case": None, "fields": names},
        row_act=kind,
        person_id=witness,
        fields=names,
    )
