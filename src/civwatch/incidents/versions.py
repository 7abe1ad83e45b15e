"""Versions of what is shown of incidents: the tokens cached answers are made at.

:func:`incidents_version` moves with every change the team sees; :func:`public_version`
only when something public changes (:func:`mark_public_change`), so public answers and
their ETags reveal nothing of internal work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civwatch.incidents.links import current_links_of_items
from civwatch.incidents.models import Incident


def incidents_version(session: Session) -> str:
    """A token that changes whenever anything the team sees of incidents may have changed:
    every edit, proposed change, status change, publication, withdrawal, correction and
    change of location precision stamps ``Incident.updated_at``. One index lookup. For
    the team's answers only: public answers use :func:`public_version`."""
    newest = session.scalar(select(func.max(Incident.updated_at)))
    return "empty" if newest is None else newest.isoformat()


def public_version(session: Session) -> str:
    """A token that changes only when something public changes (see
    :func:`mark_public_change`): cached public answers and their ETags are made at it, so
    they reveal nothing of internal work. One index lookup."""
    newest = session.scalar(select(func.max(Incident.public_changed_at)))
    return "public:empty" if newest is None else "public:" + newest.isoformat()


def mark_public_change(incident: Incident, now: datetime) -> None:
    """Record that what the public sees of ``incident`` changed (THE one place that moves
    :func:`public_version`). Called for a publication, a withdrawal (and a reopening or an
    automatic withdrawal of a public incident), a correction, a change of the public
    location precision, of the linked evidence or of the approved media of a public
    incident; never for internal work, so the public version reveals none of it."""
    incident.public_changed_at = now


def mark_public_items(session: Session, item_ids: Sequence[int], now: datetime) -> None:
    """:func:`mark_public_change` for every public incident the items are linked to (their
    public media or sources changed)."""
    ids = {lk.incident_id for lk in current_links_of_items(session, item_ids)}
    if not ids:
        return
    for incident in session.scalars(
        select(Incident).where(Incident.id.in_(ids), Incident.visibility == "public")
    ):
        mark_public_change(incident, now)
