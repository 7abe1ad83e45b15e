"""The officer's dashboard: my cases (with names when asked, each recorded as read), alerts,
reviews due, new requests; nothing of other teams' people."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from civwatch.protection import audit, cases
from civwatch.protection import dashboard as dashboard_module
from civwatch.protection.checkins import raise_overdue_alerts
from civwatch.protection.dashboard import dashboard
from civwatch.protection.help_limits import AddressLimiter
from civwatch.protection.help_requests import HelpRequestInput, submit_help_request
from civwatch.protection.risk import RiskInput, add_assessment
from civwatch.workspace import Workspace
from tests.protection.case_helpers import MARK_NAME, open_marked_case
from tests.protection.conftest import PrincipalOf


def test_the_dashboard_shows_my_work_and_nothing_of_other_teams(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer1, officer2 = principal("officer1"), principal("officer2")
    person_id, case_id = open_marked_case(desk, officer1)
    cases.transition(desk, officer1, case_id, "assessment")
    now = datetime.now(UTC)
    cases.add_checkpoint(desk, officer1, case_id, "Chop", now - timedelta(hours=3))
    raise_overdue_alerts(desk)
    add_assessment(
        desk,
        officer1,
        person_id,
        RiskInput(threats=["detention"], likelihood=3, impact=3, next_review=now.date()),
    )
    reference = submit_help_request(
        desk, HelpRequestInput(about="help"), "en", limiter=AddressLimiter()
    )
    mine = dashboard(desk, officer1, now + timedelta(days=1), names=True)
    (case,) = mine["cases"]["items"]
    assert (case["id"], case["person_name"], case["role"]) == (case_id, MARK_NAME, "lead")
    assert mine["alerts"]["count"] == 1 and mine["reviews_due"]["count"] == 1
    assert mine["help_requests"]["items"][0]["reference"] == reference
    theirs = dashboard(desk, officer2, now + timedelta(days=1), names=True)
    assert theirs["cases"]["count"] == 0 and theirs["alerts"]["count"] == 0
    assert theirs["reviews_due"]["count"] == 0 and theirs["help_requests"]["count"] == 1
    assert MARK_NAME not in repr(theirs)
    with desk.sessions() as session:
        reads = [
            (h["actor"], h["fields"])
            for h in audit.history(session, person_id=person_id)
            if h["act"] == "protection-read"
        ]
    assert ("officer1", ["names"]) in reads


def _name_reads(desk: Workspace, person_id: str) -> list[tuple[str | None, list[str]]]:
    with desk.sessions() as session:
        return [
            (h["actor"], h["fields"])
            for h in audit.history(session, person_id=person_id)
            if h["act"] == "protection-read"
        ]


def test_the_dashboard_shows_names_only_when_asked_and_records_each_one_shown(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer1 = principal("officer1")
    person_id, case_id = open_marked_case(desk, officer1)
    before = _name_reads(desk, person_id)
    board = dashboard(desk, officer1, datetime.now(UTC))
    (case,) = board["cases"]["items"]
    assert (case["id"], case["person_id"], case["person_name"]) == (case_id, person_id, None)
    assert board["cases"]["count"] == 1
    assert MARK_NAME not in repr(board)
    assert _name_reads(desk, person_id) == before  # nothing opened, nothing recorded
    named = dashboard(desk, officer1, datetime.now(UTC), names=True)
    assert named["cases"]["items"][0]["person_name"] == MARK_NAME
    assert _name_reads(desk, person_id) == [("officer1", ["names"]), *before]


def test_the_dashboard_counts_everything_and_lists_the_first_shown(
    desk: Workspace, principal: PrincipalOf, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer1 = principal("officer1")
    monkeypatch.setattr(dashboard_module, "SHOWN", 1)
    for _ in range(2):
        person_id, _case_id = open_marked_case(desk, officer1)
        add_assessment(
            desk,
            officer1,
            person_id,
            RiskInput(threats=["detention"], likelihood=3, impact=3, next_review=date.today()),
        )
    board = dashboard(desk, officer1, datetime.now(UTC) + timedelta(days=1))
    assert board["cases"]["count"] == 2 and len(board["cases"]["items"]) == 1
    assert board["reviews_due"]["count"] == 2 and len(board["reviews_due"]["items"]) == 1
