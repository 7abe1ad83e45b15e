"""Requests for help from the public form (no account).

A request is encrypted in the age format to the desk's public recipient the moment it
arrives, before it is stored: it is kept only as ciphertext, can be received while the
desk is locked, and is read only once the desk is unlocked (the desk's age identity is
wrapped by the desk key). Nothing of what the person wrote is logged. The sender is given
a reference to quote later (:mod:`civwatch.protection.help_limits`), and the form is
limited per client address without storing the address.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.crypto import age_packets
from civwatch.db import utcnow
from civwatch.errors import ConflictError, RecordNotFoundError, RejectedInputError
from civwatch.i18n import _, available_languages
from civwatch.protection import access, audit, desk
from civwatch.protection.help_limits import (
    HELP_FORM_LIMITER,
    AddressLimiter,
    new_reference,
    normalise_reference,
)
from civwatch.protection.ids import new_id
from civwatch.protection.models import ProtectionHelpRequest
from civwatch.protection.person_input import PersonInput
from civwatch.protection.persons import add_person
from civwatch.workspace import Workspace

MAX_TEXT = 5000
MAX_SHORT = 500
#: Tries at a fresh reference before giving up (a clash is one in 10^11).
REFERENCE_TRIES = 5
#: The packet's layout version.
PACKET_VERSION = 1


class HelpRequestInput(BaseModel):
    """What the public form asks: who needs help and what they need, how to reach them
    safely, where they are, and whether someone writes on their behalf."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    about: str = Field(max_length=MAX_TEXT)
    needs: str = Field(default="", max_length=MAX_TEXT)
    contact: str = Field(default="", max_length=MAX_SHORT)
    location: str = Field(default="", max_length=MAX_SHORT)
    on_behalf: bool = False


def _missing(request_id: str) -> RecordNotFoundError:
    return RecordNotFoundError(_("No request for help %(id)s.", id=repr(request_id)))


def submit_help_request(
    ws: Workspace,
    data: HelpRequestInput,
    language: str,
    *,
    client: str | None = None,
    limiter: AddressLimiter = HELP_FORM_LIMITER,
) -> str:
    """Receive a request for help (no account): encrypted to the desk's recipient at
    once and stored only so. ``client`` is the sender's address, used only for the rate
    limit (never stored). Returns the reference the sender quotes later."""
    limiter.check(client)
    if not data.about:
        raise RejectedInputError(_("Tell us who needs help and what is happening."))
    chosen = language if language in available_languages() else "en"
    document = {
        "civwatch_help_request": PACKET_VERSION,
        "received_at": utcnow().isoformat(),
        **data.model_dump(),
    }
    plain = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
    packet = age_packets.encrypt(plain, [desk.age_recipient(ws)])
    with ws.sessions() as session, session.begin():
        for _try in range(REFERENCE_TRIES):
            reference = new_reference()
            try:
                with session.begin_nested():
                    session.add(
                        ProtectionHelpRequest(
                            id=new_id("hr"),
                            reference=reference,
                            received_at=utcnow(),
                            packet=packet,
                            language=chosen,
                            state="new",
                        )
                    )
            except IntegrityError:
                continue
            return reference
    raise ConflictError(_("The request could not be given a reference: please send it again."))


def help_request_id(ws: Workspace, principal: Principal, reference: str) -> str:
    """The id of the request a sender quotes ``reference`` for."""
    wanted = normalise_reference(reference)
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        found = session.scalars(
            select(ProtectionHelpRequest.id).where(ProtectionHelpRequest.reference == wanted)
        ).first()
        if found is None:
            raise _missing(wanted)
        return str(found)


def list_help_requests(
    ws: Workspace, principal: Principal, *, states: tuple[str, ...] = ("new", "opened")
) -> list[dict[str, Any]]:
    """Requests in ``states``, oldest first: ids, references, times and languages only
    (reading one is :func:`open_help_request`)."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        rows = session.scalars(
            select(ProtectionHelpRequest)
            .where(ProtectionHelpRequest.state.in_(states))
            .order_by(ProtectionHelpRequest.received_at, ProtectionHelpRequest.id)
        ).all()
        return [
            {
                "id": r.id,
                "reference": r.reference,
                "received_at": r.received_at.isoformat(),
                "language": r.language,
                "state": r.state,
                "person_id": r.person_id,
            }
            for r in rows
        ]


def open_help_request(ws: Workspace, principal: Principal, request_id: str) -> dict[str, Any]:
    """Read a request (the desk must be unlocked: its age identity is unwrapped with the
    desk key); a new one becomes opened. The read is recorded."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        row = session.get(ProtectionHelpRequest, request_id)
        if row is None or row.packet is None:
            raise _missing(request_id)
        identity = desk.age_identity(ws, session)
        content = json.loads(age_packets.decrypt(row.packet, identity).decode("utf-8"))
        if row.state == "new":
            row.state = "opened"
            row.handled_by = principal.user_id
        audit.record_read(
            session,
            principal,
            person_id=row.person_id,
            case_id=None,
            fields=("help_request",),
        )
        return {
            "id": row.id,
            "reference": row.reference,
            "received_at": row.received_at.isoformat(),
            "language": row.language,
            "state": row.state,
            "person_id": row.person_id,
            **{k: content.get(k) for k in HelpRequestInput.model_fields},
        }


def convert_to_person(
    ws: Workspace, principal: Principal, request_id: str, person: PersonInput
) -> str:
    """Register the person a request is about (from what the officer read in it) and
    link the request to them. Returns the person's id. The request is claimed first, so
    two officers converting it at once register the person once."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        row = session.get(ProtectionHelpRequest, request_id)
        if row is None:
            raise _missing(request_id)
        before, reference = row.state, row.reference
        claimed = session.execute(
            update(ProtectionHelpRequest)
            .where(
                ProtectionHelpRequest.id == request_id,
                ProtectionHelpRequest.person_id.is_(None),
                ProtectionHelpRequest.state != "converted",
            )
            .values(state="converted", handled_by=principal.user_id),
            execution_options={"synchronize_session": False},
        )
        if getattr(claimed, "rowcount", 0) != 1:
            raise ConflictError(
                _("Request %(reference)s was already registered as a person.", reference=reference)
            )
    try:
        person_id = str(add_person(ws, principal, person))
    except BaseException:
        with ws.sessions() as session, session.begin():
            session.execute(
                update(ProtectionHelpRequest)
                .where(ProtectionHelpRequest.id == request_id)
                .values(state=before),
                execution_options={"synchronize_session": False},
            )
        raise
    with ws.sessions() as session, session.begin():
        session.execute(
            update(ProtectionHelpRequest)
            .where(ProtectionHelpRequest.id == request_id)
            .values(person_id=person_id),
            execution_options={"synchronize_session": False},
        )
        audit.record_change(
            session,
            principal,
            "help-request-convert",
            person_id=person_id,
            fields=("help_request",),
        )
    return person_id


def close_help_request(ws: Workspace, principal: Principal, request_id: str) -> None:
    """Close a request that needs nothing more from the desk (recorded against the
    person it is linked to, if any: ids only)."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        row = session.get(ProtectionHelpRequest, request_id)
        if row is None:
            raise _missing(request_id)
        row.state = "closed"
        row.handled_by = principal.user_id
        audit.record_change(
            session,
            principal,
            "help-request-close",
            person_id=row.person_id,
            fields=("help_request",),
        )
