"""Risk assessments: a history never overwritten, the person's level following the newest,
reviews due, need to know."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civwatch.errors import RecordNotFoundError, RejectedInputError
from civwatch.protection.risk import RiskInput, add_assessment, assessments, reviews_due
from civwatch.workspace import Workspace
from tests.protection.case_helpers import add_marked_person, files_holding
from tests.protection.conftest import PrincipalOf

SOURCE_MARK = "MARKERSOURCE-ФСБ-31"


def _level(ws: Workspace, person_id: str) -> tuple[str | None, object]:
    from civwatch.protection.models import ProtectionPerson

    with ws.sessions() as session:
        person = session.get(ProtectionPerson, person_id)
        assert person is not None
        return person.risk_level, person.next_review


def test_a_second_assessment_adds_a_row_and_the_level_follows_the_newest(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer = principal("officer1")
    person_id = add_marked_person(desk, officer)
    today = datetime.now(UTC).date()
    first = add_assessment(
        desk,
        officer,
        person_id,
        RiskInput(threats=["filtration"], likelihood=5, impact=5, sources=SOURCE_MARK),
    )
    assert _level(desk, person_id) == ("critical", today + timedelta(days=7))
    second = add_assessment(
        desk,
        officer,
        person_id,
        RiskInput(
            threats=["surveillance", "detention"],
            likelihood=2,
            impact=2,
            next_review=today + timedelta(days=3),
        ),
    )
    assert first != second
    assert _level(desk, person_id) == ("low", today + timedelta(days=3))
    history = assessments(desk, officer, person_id)
    assert [(a["id"], a["level"]) for a in history] == [(second, "low"), (first, "critical")]
    assert history[1]["sources"] == SOURCE_MARK
    assert history[0]["threats"] == ["detention", "surveillance"]
    assert files_holding(desk.settings.data_dir, SOURCE_MARK) == []


def test_bad_ratings_threats_and_past_reviews_are_refused(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer = principal("officer1")
    person_id = add_marked_person(desk, officer)
    past = datetime.now(UTC).date() - timedelta(days=1)
    for data, words in [
        (RiskInput(threats=["detention"], likelihood=6, impact=1), "from 1 to 5"),
        (RiskInput(threats=["kidnap"], likelihood=1, impact=1), "filtration"),
        (RiskInput(threats=["detention"], likelihood=1, impact=1, next_review=past), "past"),
    ]:
        with pytest.raises(RejectedInputError, match=words):
            add_assessment(desk, officer, person_id, data)
    assert assessments(desk, officer, person_id) == []


def test_reviews_due_lists_the_overdue_ones_the_caller_may_read(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer1, officer2 = principal("officer1"), principal("officer2")
    today = datetime.now(UTC).date()
    soon = add_marked_person(desk, officer1)
    later = add_marked_person(desk, officer1)
    add_assessment(
        desk,
        officer1,
        soon,
        RiskInput(threats=["torture"], likelihood=4, impact=5, next_review=today),
    )
    add_assessment(
        desk,
        officer1,
        later,
        RiskInput(
            threats=["prosecution"],
            likelihood=2,
            impact=3,
            next_review=today + timedelta(days=30),
        ),
    )
    due = reviews_due(desk, officer1, today + timedelta(days=10))
    assert [(d["person_id"], d["risk_level"], d["days_overdue"]) for d in due] == [
        (soon, "critical", 10)
    ]
    assert [d["person_id"] for d in reviews_due(desk, officer1, today + timedelta(days=31))] == [
        soon,
        later,
    ]
    assert reviews_due(desk, officer2, today + timedelta(days=31)) == []
    assert len(reviews_due(desk, principal("lead1"), today + timedelta(days=31))) == 2
    with pytest.raises(RecordNotFoundError):
        add_assessment(desk, officer2, soon, RiskInput(threats=["torture"], likelihood=1, impact=1))


def test_reviews_due_follow_emergency_access_while_it_lasts(
    desk: Workspace, principal: PrincipalOf
) -> None:
    """An officer's emergency access shows the person's due review while it lasts; a
    grant waiting for approval, expired or revoked shows nothing."""
    from sqlalchemy import update

    from civwatch.protection.access import (
        approve_emergency_access,
        request_emergency_access,
        revoke_emergency_access,
    )
    from civwatch.protection.models import ProtectionAccessGrant

    officer1, officer2, lead = principal("officer1"), principal("officer2"), principal("lead1")
    today = datetime.now(UTC).date()
    person = add_marked_person(desk, officer1)
    add_assessment(
        desk,
        officer1,
        person,
        RiskInput(threats=["torture"], likelihood=4, impact=5, next_review=today),
    )
    later = today + timedelta(days=1)
    grant = request_emergency_access(desk, officer2, person, "covering for officer1 tonight")
    assert reviews_due(desk, officer2, later) == []
    approve_emergency_access(desk, lead, grant, hours=2)
    assert [d["person_id"] for d in reviews_due(desk, officer2, later)] == [person]
    with desk.sessions() as session, session.begin():
        session.execute(
            update(ProtectionAccessGrant)
            .where(ProtectionAccessGrant.id == grant)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    assert reviews_due(desk, officer2, later) == []
    grant = request_emergency_access(desk, officer2, person, "again")
    approve_emergency_access(desk, lead, grant, hours=2)
    assert len(reviews_due(desk, officer2, later)) == 1
    revoke_emergency_access(desk, lead, grant)
    assert reviews_due(desk, officer2, later) == []
