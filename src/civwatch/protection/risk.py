"""Risk assessments of a person at risk: a history, never overwritten.

Each assessment names the threats a person faces, their sources and indicators, and rates
likelihood and impact from 1 to 5; :func:`risk_level` turns the two into a level (the
table is pinned by a test). A new assessment is a new row; the person's ``risk_level`` and
``next_review`` follow the newest one, and :func:`reviews_due` lists the people whose
review date has passed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import false, func, select, union
from sqlalchemy.orm import Session

from civwatch.accounts.permissions import Permission
from civwatch.accounts.principal import Principal
from civwatch.crypto.envelope import seal_json, unseal_json
from civwatch.db import utcnow
from civwatch.errors import RejectedInputError
from civwatch.i18n import _
from civwatch.protection import access, audit
from civwatch.protection.cases import checked_text
from civwatch.protection.ids import new_id
from civwatch.protection.keys import person_key_for
from civwatch.protection.models import (
    ProtectionPerson,
    ProtectionRiskAssessment,
)
from civwatch.protection.vocabulary import check_code
from civwatch.workspace import Workspace

#: Score (likelihood x impact) bands, highest first: a score at or above the bound has the level.
LEVEL_BANDS: Final = ((20, "critical"), (10, "high"), (5, "medium"), (1, "low"))
SCALE: Final = range(1, 6)


def check_rating(value: int, what: str) -> int:
    """``value`` if it is on the 1-5 scale, else a clear error naming ``what`` it rates."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE:
        raise RejectedInputError(
            _("%(what)s is rated from 1 to 5 (given: %(value)s).", what=what, value=value)
        )
    return value


def risk_level(likelihood: int, impact: int) -> str:
    """The level of a risk rated ``likelihood`` and ``impact`` (1-5 each): by their
    product, 1-4 low, 5-9 medium, 10-16 high, 20-25 critical."""
    score = check_rating(likelihood, _("Likelihood")) * check_rating(impact, _("Impact"))
    for bound, level in LEVEL_BANDS:
        if score >= bound:
            return level
    raise AssertionError(score)  # pragma: no cover - every score is >= 1


#: When the next review falls by default, by level (a critical risk is looked at weekly).
REVIEW_AFTER: Final = {
    "critical": timedelta(days=7),
    "high": timedelta(days=30),
    "medium": timedelta(days=90),
    "low": timedelta(days=180),
}
#: The sealed parts of an assessment (one sealed JSON value, ``detail``).
DETAIL_FIELDS: Final = ("threats", "sources", "indicators", "other")
#: Every field of an assessment a reader is shown.
READ_FIELDS: Final = ("likelihood", "impact", "level", "next_review", "detail")


class RiskInput(BaseModel):
    """A risk assessment as the API, the pages and the command line give it."""

    model_config = ConfigDict(extra="forbid")

    threats: list[str] = Field(min_length=1, max_length=20)
    likelihood: int
    impact: int
    next_review: date | None = None
    sources: str | None = None
    indicators: str | None = None
    other: str | None = None


def add_assessment(ws: Workspace, principal: Principal, person_id: str, data: RiskInput) -> str:
    """Record a new risk assessment of a person the caller may read (never replacing an
    earlier one); the person's level and next review follow it. Returns its id."""
    threats = sorted({check_code("threat", t) for t in data.threats})
    level = risk_level(data.likelihood, data.impact)
    now = utcnow()
    today = now.date()
    next_review = data.next_review or today + REVIEW_AFTER[level]
    if next_review < today:
        raise RejectedInputError(
            _("The next review cannot be in the past (%(day)s).", day=next_review.isoformat())
        )
    detail = {
        "threats": threats,
        "sources": checked_text(data.sources),
        "indicators": checked_text(data.indicators),
        "other": checked_text(data.other),
    }
    assessment_id = new_id("ra")
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_WRITE)
        person = access.require_person(session, principal, person_id)
        key = person_key_for(ws, session, person_id)
        session.add(
            ProtectionRiskAssessment(
                id=assessment_id,
                person_id=person_id,
                assessed_at=now,
                assessor_id=principal.user_id,
                likelihood=data.likelihood,
                impact=data.impact,
                level=level,
                next_review=next_review,
                detail=seal_json(key, detail, record=assessment_id, field="detail"),
            )
        )
        person.risk_level = level
        person.next_review = next_review
        audit.record_change(session, principal, "risk-add", person_id=person_id, fields=READ_FIELDS)
    return assessment_id


def _assessment_json(row: ProtectionRiskAssessment, key: bytes) -> dict[str, Any]:
    detail = (
        {} if row.detail is None else unseal_json(key, row.detail, record=row.id, field="detail")
    )
    return {
        "id": row.id,
        "person_id": row.person_id,
        "assessed_at": row.assessed_at.isoformat(),
        "assessor_id": row.assessor_id,
        "likelihood": row.likelihood,
        "impact": row.impact,
        "level": row.level,
        "next_review": None if row.next_review is None else row.next_review.isoformat(),
        **{name: detail.get(name) for name in DETAIL_FIELDS},
    }


def assessments(ws: Workspace, principal: Principal, person_id: str) -> list[dict[str, Any]]:
    """Every risk assessment of a person the caller may read, newest first (the read is
    recorded)."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        access.require_person(session, principal, person_id)
        key = person_key_for(ws, session, person_id)
        rows = session.scalars(
            select(ProtectionRiskAssessment)
            .where(ProtectionRiskAssessment.person_id == person_id)
            .order_by(ProtectionRiskAssessment.assessed_at.desc(), ProtectionRiskAssessment.id)
        ).all()
        found = [_assessment_json(row, key) for row in rows]
        audit.record_read(
            session, principal, person_id=person_id, case_id=None, fields=["risk_assessments"]
        )
    return found


def _due_rows(session: Session, principal: Principal, today: date) -> Any:
    """The people the caller may read whose review is due on ``today`` or overdue, as a
    subquery of (id, risk_level, next_review). An officer's are a UNION of the people they
    reach each way (:func:`access.reach_sources`), each answered from an index: what is read
    grows with the officer's own people, not with the reviews due in the whole registry."""
    person = ProtectionPerson
    due = [
        person.next_review.is_not(None),
        person.next_review <= today,
        person.deleted_at.is_(None),
    ]
    columns = (person.id, person.risk_level, person.next_review)
    officer = access.is_officer_only(session, principal)
    if officer is None:
        return select(*columns).where(false()).subquery()
    if not officer:
        return select(*columns).where(*due).subquery()
    sources = access.reach_sources(session, principal.user_id, utcnow())
    return union(*(select(*columns).where(*due, source) for source in sources)).subquery()


def reviews_due_in(
    session: Session, principal: Principal, today: date, *, limit: int | None = None
) -> list[tuple[str, str | None, date]]:
    """The people the caller may read whose review is due on ``today`` or overdue: (id,
    level, next review), the most overdue first (the first ``limit``), in the caller's
    session."""
    due = _due_rows(session, principal, today)
    query = select(due.c.id, due.c.risk_level, due.c.next_review)
    query = query.order_by(due.c.next_review, due.c.id).limit(limit)
    return [(r[0], r[1], r[2]) for r in session.execute(query).all() if r[2] is not None]


def reviews_due_first(
    session: Session, principal: Principal, today: date, limit: int
) -> tuple[list[tuple[str, str | None, date]], int]:
    """The first ``limit`` of :func:`reviews_due_in`, and how many there are in all, from
    one statement (the count is a window over the same rows: the caller's reach is
    evaluated once)."""
    due = _due_rows(session, principal, today)
    total = func.count().over().label("total")
    query = (
        select(due.c.id, due.c.risk_level, due.c.next_review, total)
        .order_by(due.c.next_review, due.c.id)
        .limit(limit)
    )
    rows = session.execute(query).all()
    first = [(r[0], r[1], r[2]) for r in rows if r[2] is not None]
    return first, int(rows[0].total) if rows else 0


def reviews_due(ws: Workspace, principal: Principal, today: date) -> list[dict[str, Any]]:
    """The people the caller may read whose risk review is due or overdue on ``today``:
    ids, levels and dates only, the most overdue first."""
    with ws.sessions() as session, session.begin():
        access.authorise(session, principal, Permission.PROTECTION_READ)
        return [
            {
                "person_id": person_id,
                "risk_level": level,
                "next_review": review.isoformat(),
                "days_overdue": (today - review).days,
            }
            for person_id, level, review in reviews_due_in(session, principal, today)
        ]
