"""An incident's internal fields: its internal notes and its witnesses.

Internal by nature: they are never part of the incident document (revisions), of
``get_incident``, or of any public output or export. Their custody entries hold digests
only, so the custody log (which goes into evidence packages) never names a witness. Only
the people who work on the incident may see or change them (see
:mod:`civwatch.incidents.team`); every read and refusal is in the audit log.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts import audit
from civwatch.accounts.permissions import Permission
from civwatch.accounts.service import require
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import NotFoundError, PermissionDeniedError, RejectedInputError
from civwatch.geo import validation
from civwatch.i18n import _
from civwatch.incidents import team
from civwatch.incidents.acts import INTERNAL_NOTES, WITNESS_ADD, WITNESS_REMOVE
from civwatch.incidents.document import clean_text, iso
from civwatch.incidents.input import MAX_TEXT
from civwatch.incidents.models import Incident, Witness
from civwatch.incidents.view import incident_row
from civwatch.workspace import Workspace

MAX_NAME = 255
MAX_CONTACT = 2000


def _witness_json(w: Witness) -> dict[str, Any]:
    return {
        "id": w.id,
        "name": w.name,
        "contact": w.contact,
        "lat": w.lat,
        "lon": w.lon,
        "note": w.note,
        "added_by": w.added_by,
        "added_at": iso(w.added_at),
    }


#: The audit action of every showing of an incident's internal fields (and its refusals).
INTERNAL_READ = "incident-internal-read"


def _internal(
    session: Session,
    incident: Incident,
    reader: str,
    access: team.Access,
    client: str | None,
) -> dict[str, Any]:
    """The internal fields, shown to ``reader``: recorded in the audit log with the same
    transaction (the incident and the witnesses' ids, never what they hold)."""
    witnesses = session.scalars(
        select(Witness).where(Witness.incident_id == incident.id).order_by(Witness.id)
    ).all()
    audit.record(
        session,
        INTERNAL_READ,
        actor=reader,
        target=f"incident:{incident.id}",
        client=client,
        detail={"witnesses": [w.id for w in witnesses], "access": access},
    )
    return {
        "incident_id": incident.id,
        "internal_notes": incident.internal_notes,
        "witnesses": [_witness_json(w) for w in witnesses],
    }


def internal_access(ws: Workspace, incident_id: int, actor: str | None) -> team.Access | None:
    """Why ``actor`` may see the incident's witnesses and internal notes ("team": they work
    on it; "review": they review it), or None (see :mod:`civwatch.incidents.team`)."""
    with ws.sessions() as session:
        try:
            user = require(session, actor, Permission.INCIDENTS_WRITE)
        except PermissionDeniedError:
            return None
        return team.internal_access(session, incident_row(session, incident_id), user)


def _internal_access(
    ws: Workspace, incident_id: int, actor: str | None, action: str, client: str | None
) -> tuple[str, team.Access]:
    """Who acts and why they may reach the internal fields; a refusal (not on the team) is
    recorded in the audit log under ``action`` and raised. Checked before any lock."""
    with ws.sessions() as session:
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        access = team.internal_access(session, incident_row(session, incident_id), user)
    if access is None:
        audit.record_now(
            ws,
            action,
            actor=user.username,
            target=f"incident:{incident_id}",
            outcome="denied",
            client=client,
            detail={"reason": "not on the team"},
        )
        raise PermissionDeniedError(
            _(
                "Only the people who work on incident %(incident_id)s (who recorded, edited "
                "or verified it, linked its evidence, moved its status or added its "
                "witnesses) may see or change its witnesses and internal notes; verifiers "
                "may while it waits for review. Ask its team to add you to the work.",
                incident_id=incident_id,
            )
        )
    return user.username, access


def internal_fields(
    ws: Workspace, incident_id: int, *, actor: str | None, client: str | None = None
) -> dict[str, Any]:
    """The incident's internal notes and witnesses, for the people who work on it (and
    its reviewers while it waits for review); every read and refusal is audited."""
    reader, access = _internal_access(ws, incident_id, actor, INTERNAL_READ, client)
    with ws.sessions() as session, session.begin():
        return _internal(session, incident_row(session, incident_id), reader, access, client)


def set_internal_notes(
    ws: Workspace, incident_id: int, notes: str, *, actor: str | None, client: str | None = None
) -> dict[str, Any]:
    """Replace the incident's internal notes (logged as a digest)."""
    text = clean_text(notes, _("The internal notes"), MAX_TEXT)
    _row, access = _internal_access(ws, incident_id, actor, "incident-internal-notes", client)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        incident = incident_row(session, incident_id, for_update=True)
        if incident.internal_notes == text:
            raise RejectedInputError(_("These internal notes are already recorded."))
        now = utcnow()
        entries.append(
            ws.custody,
            session,
            INTERNAL_NOTES,
            user.username,
            now,
            incident=incident.id,
            notes_sha256=entries.digest({"notes": text}),
        )
        incident.internal_notes = text
        session.flush()
        return _internal(session, incident, user.username, access, client)


def add_witness(
    ws: Workspace,
    incident_id: int,
    name: str,
    *,
    contact: str = "",
    lat: float | None = None,
    lon: float | None = None,
    note: str = "",
    actor: str | None,
    client: str | None = None,
) -> dict[str, Any]:
    """Record a witness of an incident (internal: never published or exported). Only the
    people who may see its witnesses may add one."""
    record: dict[str, Any] = {
        "name": clean_text(name, _("The witness's name"), MAX_NAME, required=True),
        "contact": clean_text(contact, _("The contact"), MAX_CONTACT),
        "note": clean_text(note, _("The note"), MAX_TEXT),
        "lat": None,
        "lon": None,
    }
    if (lat is None) != (lon is None):
        raise RejectedInputError(_("Give both the latitude and the longitude of the witness."))
    if lat is not None and lon is not None:
        record["lat"], record["lon"] = validation.point(lat, lon, _("The witness's location"))
    _internal_access(ws, incident_id, actor, "incident-witness-add", client)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        incident = incident_row(session, incident_id, for_update=True)
        now = utcnow()
        witness = Witness(
            incident_id=incident.id, added_by=user.username, added_at=now, custody_leaf=0, **record
        )
        session.add(witness)
        session.flush()
        witness.custody_leaf = entries.append(
            ws.custody,
            session,
            WITNESS_ADD,
            user.username,
            now,
            incident=incident.id,
            witness=witness.id,
            record_sha256=entries.digest(record),
        )
        session.flush()
        return _witness_json(witness)


def remove_witness(
    ws: Workspace,
    incident_id: int,
    witness_id: int,
    *,
    actor: str | None,
    client: str | None = None,
) -> dict[str, Any]:
    """Delete a witness record for good (the custody log keeps that it existed, not who);
    the answer, the remaining witnesses, is a read and audited as one."""
    _row, access = _internal_access(ws, incident_id, actor, "incident-witness-remove", client)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE)
        incident = incident_row(session, incident_id, for_update=True)
        witness = session.get(Witness, witness_id)
        if witness is None or witness.incident_id != incident.id:
            raise NotFoundError(
                _(
                    "Incident %(id)s has no witness %(witness_id)s.",
                    id=incident.id,
                    witness_id=witness_id,
                )
            )
        entries.append(
            ws.custody,
            session,
            WITNESS_REMOVE,
            user.username,
            utcnow(),
            incident=incident.id,
            witness=witness.id,
            added_leaf=witness.custody_leaf,
        )
        session.delete(witness)
        session.flush()
        return _internal(session, incident, user.username, access, client)
