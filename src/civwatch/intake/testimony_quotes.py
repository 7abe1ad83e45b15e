"""Anonymised quotes: excerpts of a statement published on the incident's public page and
in the open data, attributed to "a witness" and nothing more.

- Only where the witness consented to anonymised publication (``publish-anonymised``),
  and only while that consent stands: withdrawing it takes every quote of the testimony
  off the public site and the open data at once (checked when they are read, nothing to
  remember to undo).
- An investigator of the testimony's team marks the quote: an exact excerpt of the
  statement, which they say they reviewed so that it names no one and tells nothing that
  identifies the witness. The excerpt is kept, its SHA-256 is in the custody entry
  (``testimony-quote``); it may be taken back.
- A testimony with a risk flag (a minor, occupied territory, fear of reprisal) is never
  quoted in public, whatever the consent.
- What is published is the excerpt, the incident, and "a witness": no code, no date or
  place of the statement, no interviewer, nothing the incident's own page does not show.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.accounts.service import usernames_by_id
from civwatch.custody import entries
from civwatch.db import read_snapshot, utcnow
from civwatch.errors import ConflictError, NotFoundError, RecordNotFoundError, RejectedInputError
from civwatch.i18n import _
from civwatch.intake.testimony import _consent_for, _consents, _readable, _row_id, _team_only
from civwatch.intake.testimony_acts import TESTIMONY_QUOTE
from civwatch.intake.testimony_models import Testimony, TestimonyIncident, TestimonyQuote
from civwatch.protection.access import authorise
from civwatch.publish.public import public_incident
from civwatch.workspace import Workspace

PUBLISH = "publish-anonymised"
MAX_QUOTE = 1000
MIN_QUOTE = 10


def _words(text: str) -> str:
    return " ".join(text.split())


def _excerpt(statement: str, excerpt: Any) -> str:
    if not isinstance(excerpt, str) or len(_words(excerpt)) < MIN_QUOTE:
        raise RejectedInputError(
            _("A quote is an excerpt of at least %(limit)s characters.", limit=MIN_QUOTE)
        )
    text = _words(excerpt)
    if len(text) > MAX_QUOTE:
        raise RejectedInputError(_("A quote is at most %(limit)s characters.", limit=MAX_QUOTE))
    if text not in _words(statement):
        raise RejectedInputError(
            _("A quote is an exact excerpt of the statement: this text is not in it.")
        )
    return text


def _append(
    ws: Workspace, session: Session, principal: Principal, row: TestimonyQuote, what: str
) -> int:
    ws.custody.lock(session)
    return entries.append(
        ws.custody,
        session,
        TESTIMONY_QUOTE,
        principal.username,
        row.withdrawn_at if what == "withdraw" and row.withdrawn_at else row.marked_at,
        testimony=row.testimony_id,
        quote=row.id,
        what=what,
        excerpt_sha256=hashlib.sha256(row.excerpt.encode()).hexdigest(),
    )


def mark_quote(
    ws: Workspace, principal: Principal, testimony_id: int, excerpt: str, *, reviewed: bool = True
) -> int:
    """Mark an excerpt of the statement for anonymised publication (the testimony's team,
    the witness's consent standing, no risk flag; ``reviewed``: the marker read it and it
    names no one). Returns the quote's id."""
    if reviewed is not True:
        raise RejectedInputError(
            _(
                "Confirm that you reviewed the quote: it names no one and cannot identify "
                "the witness."
            )
        )
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.TESTIMONY_WRITE)
        testimony = _readable(session, principal, testimony_id)
        _team_only(session, principal, testimony)
        if testimony.flags:
            raise ConflictError(_("A testimony with a risk flag is never quoted in public."))
        if not _consent_for(_consents(session, testimony.id), PUBLISH, None):
            raise ConflictError(
                _("The witness has not consented to anonymised publication (or withdrew it).")
            )
        row = TestimonyQuote(
            testimony_id=testimony.id,
            excerpt=_excerpt(testimony.statement, excerpt),
            marked_by=principal.user_id,
            marked_at=utcnow(),
            custody_leaf=0,
        )
        session.add(row)
        session.flush()
        row.custody_leaf = _append(ws, session, principal, row, "mark")
        return row.id


def withdraw_quote(ws: Workspace, principal: Principal, testimony_id: int, quote_id: int) -> None:
    """Take a quote back: it is published no more."""
    with ws.sessions() as session, session.begin():
        authorise(session, principal, Permission.TESTIMONY_WRITE)
        testimony = _readable(session, principal, testimony_id)
        _team_only(session, principal, testimony)
        row = session.get(TestimonyQuote, quote_id) if _row_id(quote_id) else None
        if row is None or row.testimony_id != testimony.id:
            raise RecordNotFoundError(_("No quote %(id)s on this testimony.", id=quote_id))
        if row.withdrawn_at is not None:
            raise ConflictError(_("This quote was taken back already."))
        row.withdrawn_by = principal.user_id
        row.withdrawn_at = utcnow()
        row.withdraw_leaf = _append(ws, session, principal, row, "withdraw")


def quotes_of(session: Session, testimony: Testimony) -> list[dict[str, Any]]:
    """The quotes of a testimony as its page shows them, each saying whether it is
    published now."""
    rows = list(
        session.scalars(
            select(TestimonyQuote)
            .where(TestimonyQuote.testimony_id == testimony.id)
            .order_by(TestimonyQuote.id)
        )
    )
    names = usernames_by_id(session, {r.marked_by for r in rows})
    allowed = not testimony.flags and _consent_for(_consents(session, testimony.id), PUBLISH, None)
    return [
        {
            "id": r.id,
            "excerpt": r.excerpt,
            "marked_by": names.get(r.marked_by),
            "marked_at": r.marked_at.isoformat(),
            "withdrawn_at": r.withdrawn_at.isoformat() if r.withdrawn_at else None,
            "published": allowed and r.withdrawn_at is None,
        }
        for r in rows
    ]


def quotes(ws: Workspace, principal: Principal, testimony_id: int) -> list[dict[str, Any]]:
    """The quotes of a testimony (its team)."""
    with ws.sessions() as session:
        authorise(session, principal, Permission.TESTIMONY_READ)
        testimony = _readable(session, principal, testimony_id)
        _team_only(session, principal, testimony)
        return quotes_of(session, testimony)


def _publishable(session: Session, incident_id: int | None) -> dict[int, list[str]]:
    """Quotes allowed out now, by incident (of ``incident_id`` alone when given)."""
    query = (
        select(TestimonyIncident.incident_id, TestimonyQuote, Testimony)
        .join(Testimony, Testimony.id == TestimonyQuote.testimony_id)
        .join(TestimonyIncident, TestimonyIncident.testimony_id == Testimony.id)
        .where(TestimonyQuote.withdrawn_at.is_(None))
        .order_by(TestimonyIncident.incident_id, TestimonyQuote.id)
    )
    if incident_id is not None:
        query = query.where(TestimonyIncident.incident_id == incident_id)
    found: dict[int, list[str]] = {}
    allowed: dict[int, bool] = {}
    for incident, quote, testimony in session.execute(query):
        if testimony.id not in allowed:
            allowed[testimony.id] = not testimony.flags and _consent_for(
                _consents(session, testimony.id), PUBLISH, None
            )
        if allowed[testimony.id]:
            found.setdefault(incident, []).append(quote.excerpt)
    return found


def public_quotes(ws: Workspace, incident_id: int) -> list[str]:
    """The quotes the public page of a published incident shows ("a witness" each)."""
    with ws.sessions() as session:
        read_snapshot(session)
        return _publishable(session, incident_id).get(incident_id, [])


def open_data_quotes(ws: Workspace) -> list[dict[str, Any]]:
    """Every quote published now, for the open data: the incident (published ones only),
    the quote and its attribution, nothing else."""
    with ws.sessions() as session:
        read_snapshot(session)
        by_incident = _publishable(session, None)
    out: list[dict[str, Any]] = []
    for incident_id, quotes in sorted(by_incident.items()):
        try:
            public_incident(ws, incident_id)
        except NotFoundError:
            continue
        out.extend(
            {"incident": incident_id, "attribution": "a witness", "quote": quote}
            for quote in quotes
        )
    return out
