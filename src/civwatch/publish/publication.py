"""Publishing incidents: what location the public sees, publication, correction and
withdrawal, and the public history of an incident.

Publication and withdrawal (:func:`publish_incident`, :func:`withdraw_incident`: the one
way to publish, for the API, the pages and the command line alike) are the incident's
visibility transitions: only verified incidents with verified evidence are published, and
both acts are custody entries. A correction is how a published
incident changes in public: it applies the change a second verifier approved (edits to a
concluded incident wait for review, see :mod:`civwatch.incidents.changes`) and adds a
notice ("corrected on DATE: TEXT") that keeps the incident public and keeps the earlier
notices. Every act that changes what the public sees stamps the incident with
:func:`civwatch.incidents.versions.mark_public_change`, the public version cached public
answers are checked on.

The location the public sees is coarsened per incident (``public_location_precision``:
exact, settlement, raion or oblast; see :mod:`civwatch.geo.coarsening` for the geometry
and :mod:`civwatch.incidents.public_location` for the point stored on each incident).
Choosing the precision is a publication decision: :func:`set_location_precision`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission, allows
from civwatch.accounts.service import require
from civwatch.custody import entries
from civwatch.db import utcnow
from civwatch.errors import PermissionDeniedError, RejectedInputError
from civwatch.geo.coarsening import DEFAULT_PRECISION, PRECISIONS
from civwatch.geo.gazetteer import Gazetteer
from civwatch.i18n import _
from civwatch.incidents.document import gazetteer_for
from civwatch.incidents.public_location import place_publicly
from civwatch.incidents.records import visibility_transitions
from civwatch.incidents.versions import mark_public_change
from civwatch.incidents.view import incident_json, incident_row
from civwatch.incidents.vocabulary import choose
from civwatch.publish.acts import INCIDENT_CORRECTION, INCIDENT_PRECISION
from civwatch.publish.models import Correction
from civwatch.workspace import Workspace

MAX_NOTE = 5000


def set_location_precision(
    ws: Workspace,
    incident_id: int,
    precision: str,
    *,
    actor: str | None,
    reason: str | None = None,
    places: Gazetteer | None = None,
) -> dict[str, Any]:
    """Choose how precisely the public sees an incident's location (logged).

    Investigators and verifiers may make it coarser; only a publisher may make it more
    precise (that exposes more, and is a publication decision).
    """
    precision = choose(precision, PRECISIONS, _("location precision"))
    note = _note(reason, _("The reason"), required=False)
    if places is None:
        places = gazetteer_for(ws)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.INCIDENTS_WRITE, Permission.PUBLISH)
        incident = incident_row(session, incident_id, for_update=True)
        before = incident.public_location_precision or DEFAULT_PRECISION
        if before == precision:
            raise RejectedInputError(
                _(
                    "Incident %(id)s is already shown at %(precision)s precision.",
                    id=incident.id,
                    precision=precision,
                )
            )
        finer = PRECISIONS.index(precision) < PRECISIONS.index(before)
        if finer and not allows(user.roles, Permission.PUBLISH):
            raise PermissionDeniedError(
                _(
                    "Only a publisher may make the public location more precise (%(before)s "
                    "-> %(precision)s); you may make it coarser.",
                    before=before,
                    precision=precision,
                )
            )
        now = utcnow()
        incident.public_location_precision = precision
        place_publicly(incident, places)
        incident.updated_at = now
        if incident.visibility == "public":
            mark_public_change(incident, now)
        entries.append(
            ws.custody,
            session,
            INCIDENT_PRECISION,
            user.username,
            now,
            incident=incident.id,
            revision=incident.revision,
            **{"from": before, "to": precision},
            reason=note,
        )
        session.flush()
        return incident_json(session, incident)


# --- publication, correction, withdrawal -------------------------------------------------------


def _note(text: Any, what: str, *, required: bool = True) -> str | None:
    if text is not None and not isinstance(text, str):
        raise RejectedInputError(_("%(what)s must be text.", what=what))
    cleaned = (text or "").replace("\x00", "").strip()
    if required and not cleaned:
        raise RejectedInputError(_("%(what)s must not be empty.", what=what))
    if len(cleaned) > MAX_NOTE:
        raise RejectedInputError(
            _("%(what)s is at most %(limit)s characters.", what=what, limit=MAX_NOTE)
        )
    return cleaned or None


def unredacted_media(session: Session, incident_id: int) -> list[str]:
    """SHA-256 of linked media items with no approved redaction: they stay unpublished."""
    from civwatch.evidence.records import items_by_id
    from civwatch.incidents.links import current_links
    from civwatch.publish.redaction import approved_by_item

    links = current_links(session, [incident_id])
    items = list(items_by_id(session, [lk.item_id for lk in links]).values())
    approved = approved_by_item(session, [i.id for i in items])
    return sorted(
        i.sha256
        for i in items
        if i.media_type.startswith(("image/", "video/")) and i.id not in approved
    )


def publish_incident(
    ws: Workspace, incident_id: int, *, actor: str | None, note: str | None = None
) -> dict[str, Any]:
    """Publish a verified incident with verified evidence (a publisher; ``note`` is shown
    in its public history). This is the one way an incident is published. The answer
    lists linked media that have no approved redaction (``unredacted_media``): those are
    not shown until one is approved."""
    from civwatch.incidents.workflow import publish_in_session

    text = _note(note, _("The note"), required=False)
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.PUBLISH)
        incident = incident_row(session, incident_id, for_update=True)
        publish_in_session(ws, session, incident, user.username, text)
        session.flush()
        shown = incident_json(session, incident)
        shown["unredacted_media"] = unredacted_media(session, incident.id)
        return shown


def withdraw_incident(
    ws: Workspace, incident_id: int, *, reason: str, actor: str | None
) -> dict[str, Any]:
    """Take a published incident off the public site (a publisher), saying why: the
    reason is kept in its public history. This is the one way a publisher withdraws one
    (a reopening, or its last verified evidence losing its status, also withdraws it)."""
    from civwatch.incidents.workflow import withdraw_in_session

    text = _note(reason, _("The reason"))
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.PUBLISH)
        incident = incident_row(session, incident_id, for_update=True)
        if incident.visibility != "public":
            raise RejectedInputError(_("Incident %(id)s is already internal.", id=incident.id))
        withdraw_in_session(ws, session, incident, user.username, text)
        session.flush()
        return incident_json(session, incident)


def correct_incident(
    ws: Workspace, incident_id: int, note: str, *, actor: str | None
) -> dict[str, Any]:
    """Publish a correction of a published incident: the change a second verifier approved
    (if one waits, see :mod:`civwatch.incidents.changes`) becomes what the public sees, and
    the notice ("corrected on DATE: TEXT") joins its public history, after every earlier
    one. The incident stays public. This is the only way a public incident's content
    changes in public."""
    from civwatch.incidents.changes import apply_waiting

    text = _note(note, _("The correction"))
    with ws.sessions() as session, session.begin():
        ws.custody.lock(session)
        user = require(session, actor, Permission.PUBLISH)
        incident = incident_row(session, incident_id, for_update=True)
        if incident.visibility != "public":
            raise RejectedInputError(
                _(
                    "Incident %(id)s is not published: a correction is a public notice on a "
                    "published incident. Edit the incident instead.",
                    id=incident.id,
                )
            )
        now = utcnow()
        apply_waiting(ws, session, incident, user.username, now, on="correction")
        leaf = entries.append(
            ws.custody,
            session,
            INCIDENT_CORRECTION,
            user.username,
            now,
            incident=incident.id,
            revision=incident.revision,
            note=text,
        )
        session.add(
            Correction(
                incident_id=incident.id,
                note=text,
                revision=incident.revision,
                actor=user.username,
                at=now,
                custody_leaf=leaf,
            )
        )
        incident.updated_at = now
        mark_public_change(incident, now)
        session.flush()
        shown = incident_json(session, incident)
        shown["public_history"] = _history_json(public_history(session, incident.id))
        return shown


def public_history(session: Session, incident_id: int) -> list[dict[str, Any]]:
    """What the public may know of an incident's publication, oldest first:
    ``[{"at": datetime, "kind": "published"|"corrected"|"withdrawn", "note": str}]``.

    A reopening for verification while public counts as a withdrawal (it takes the
    incident off the public site). Names of staff are not included.
    """
    return public_histories(session, [incident_id]).get(incident_id, [])


def public_histories(session: Session, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """:func:`public_history` of many incidents in two queries (exports read 100,000)."""
    if not ids:
        return {}
    events: dict[int, list[tuple[datetime, int, str, str]]] = defaultdict(list)
    public: dict[int, bool] = defaultdict(bool)
    for t in visibility_transitions(session, ids):
        if t.act == "publish":
            public[t.incident_id] = True
            events[t.incident_id].append((t.at, t.custody_leaf, "published", t.reason or ""))
        elif t.act == "unpublish" or (t.act == "reopen" and public[t.incident_id]):
            public[t.incident_id] = False
            note = t.reason or ""
            if t.act == "reopen":
                note = (
                    _("Reopened for verification: %(note)s", note=note)
                    if note
                    else _("Reopened for verification.")
                )
            events[t.incident_id].append((t.at, t.custody_leaf, "withdrawn", note))
    for c in session.connection().execute(
        select(Correction.incident_id, Correction.at, Correction.custody_leaf, Correction.note)
        .where(Correction.incident_id.in_(list(ids)))
        .order_by(Correction.id)
    ):
        events[c.incident_id].append((c.at, c.custody_leaf, "corrected", c.note))
    out: dict[int, list[dict[str, Any]]] = {}
    for incident_id, found in events.items():
        found.sort(key=lambda e: (e[0], e[1]))
        out[incident_id] = [{"at": at, "kind": k, "note": n} for at, _leaf, k, n in found]
    return out


def _history_json(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**h, "at": h["at"].isoformat()} for h in history]


def get_public_history(ws: Workspace, incident_id: int) -> list[dict[str, Any]]:
    """:func:`public_history` as JSON-ready dicts (times as ISO 8601 text)."""
    with ws.sessions() as session:
        incident = incident_row(session, incident_id)
        return _history_json(public_history(session, incident.id))
