"""Cases: need to know on every path, every read recorded, the state machine enforced at
the service, consent to case handling required."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civwatch.errors import (
    ConflictError,
    ConsentMissingError,
    NotFoundError,
    PermissionDeniedError,
    RecordNotFoundError,
)
from civwatch.protection import audit, cases, checkins, referrals, risk
from civwatch.protection.cases import CASE_FIELDS, open_case, show_case, transition
from civwatch.workspace import Workspace
from tests.protection.case_helpers import (
    MARK_NAME,
    PASSWORD,
    add_marked_person,
    give_consent,
    open_marked_case,
    set_password,
)
from tests.protection.conftest import PrincipalOf


def _history(ws: Workspace, **ids: str) -> list[dict[str, object]]:
    with ws.sessions() as session:
        return audit.history(session, **ids)


def test_an_officer_outside_the_team_gets_not_found_on_every_path(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer1, officer2 = principal("officer1"), principal("officer2")
    person_id, case_id = open_marked_case(desk, officer1)
    set_password(desk, "officer2")
    when = datetime.now(UTC) + timedelta(hours=1)
    attempts = {
        "show": lambda: show_case(desk, officer2, case_id),
        "transition": lambda: transition(desk, officer2, case_id, "assessment"),
        "assign": lambda: cases.assign(desk, officer2, case_id, "officer2"),
        "task": lambda: cases.add_task(desk, officer2, case_id, "visa", "apply"),
        "checkpoint": lambda: cases.add_checkpoint(desk, officer2, case_id, "Uzhhorod", when),
        "checkin": lambda: checkins.record_checkin(desk, officer2, case_id, "Uzhhorod"),
        "referral": lambda: referrals.refer(
            desk, officer2, case_id, "prt_none", ["names"], PASSWORD
        ),
        "risk": lambda: risk.assessments(desk, officer2, person_id),
        "open": lambda: open_case(desk, officer2, person_id, "relocation"),
    }
    for what, attempt in attempts.items():
        with pytest.raises(RecordNotFoundError) as refused:
            attempt()
        assert MARK_NAME not in str(refused.value), what
    # The same answer as for a case that does not exist.
    with pytest.raises(RecordNotFoundError) as missing:
        show_case(desk, officer1, "case_doesnotexist")
    with pytest.raises(RecordNotFoundError) as hidden:
        show_case(desk, officer2, case_id)
    assert str(hidden.value) == str(missing.value).replace("case_doesnotexist", case_id)
    assert cases.my_cases(desk, officer2) == []
    # A protection lead reaches every case; the case was not changed by the attempts.
    doc = show_case(desk, principal("lead1"), case_id)
    assert doc["state"] == "intake" and [m["username"] for m in doc["team"]] == ["officer1"]
    assert doc["checkins"] == [] and doc["tasks"] == [] and doc["referrals"] == []


def test_an_admin_has_no_way_into_the_desk(desk: Workspace, principal: PrincipalOf) -> None:
    _person, case_id = open_marked_case(desk, principal("officer1"))
    with pytest.raises(PermissionDeniedError):
        show_case(desk, principal("admin"), case_id)


def test_every_read_of_a_case_is_recorded_with_its_fields(
    desk: Workspace, principal: PrincipalOf
) -> None:
    person_id, case_id = open_marked_case(desk, principal("officer1"))
    show_case(desk, principal("officer1"), case_id)
    show_case(desk, principal("lead1"), case_id)
    reads = [h for h in _history(desk, case_id=case_id) if h["act"] == "protection-read"]
    assert [(h["actor"], h["fields"]) for h in reads] == [
        ("lead1", list(CASE_FIELDS)),
        ("officer1", list(CASE_FIELDS)),
    ]
    assert all(MARK_NAME not in repr(h) for h in _history(desk, person_id=person_id))


def test_a_move_the_state_machine_does_not_allow_is_refused_and_changes_nothing(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer = principal("officer1")
    _person, case_id = open_marked_case(desk, officer)
    with pytest.raises(ConflictError, match="from Intake to Completed"):
        transition(desk, officer, case_id, "completed")
    doc = show_case(desk, officer, case_id)
    assert doc["state"] == "intake" and len(doc["transitions"]) == 1


def test_a_case_moves_through_its_states_with_every_move_recorded(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer = principal("officer1")
    _person, case_id = open_marked_case(desk, officer)
    for state in ("assessment", "plan", "approved", "in-progress", "suspended"):
        transition(desk, officer, case_id, state, reason=f"reason {state}")
    with pytest.raises(ConflictError, match="from Suspended to Planning"):
        transition(desk, officer, case_id, "plan")
    transition(desk, officer, case_id, "in-progress")
    transition(desk, officer, case_id, "completed")
    doc = show_case(desk, officer, case_id)
    assert doc["state"] == "completed"
    assert [(t["from_state"], t["to_state"]) for t in doc["transitions"]] == [
        (None, "intake"),
        ("intake", "assessment"),
        ("assessment", "plan"),
        ("plan", "approved"),
        ("approved", "in-progress"),
        ("in-progress", "suspended"),
        ("suspended", "in-progress"),
        ("in-progress", "completed"),
    ]
    assert doc["transitions"][1]["reason"] == "reason assessment"
    changes = [h["act"] for h in _history(desk, case_id=case_id) if h["act"] != "protection-read"]
    assert changes == ["case-transition"] * 7 + ["case-open"]  # newest first


def test_a_case_needs_consent_to_case_handling_unless_a_lead_overrides(
    desk: Workspace, principal: PrincipalOf
) -> None:
    from civwatch.protection.consent import override_consent

    officer, lead = principal("officer1"), principal("lead1")
    person_id = add_marked_person(desk, officer)
    give_consent(desk, officer, person_id, "relief-grant")  # another purpose is not enough
    with pytest.raises(ConsentMissingError):
        open_case(desk, officer, person_id, "safe-exit")
    assert cases.my_cases(desk, officer) == []
    override_consent(desk, lead, person_id, "case-handling", "in hiding, cannot be reached")
    case_id = open_case(desk, officer, person_id, "safe-exit")
    assert [c["id"] for c in cases.my_cases(desk, officer)] == [case_id]


def test_a_team_member_added_reaches_the_case(desk: Workspace, principal: PrincipalOf) -> None:
    officer1, officer2 = principal("officer1"), principal("officer2")
    _person, case_id = open_marked_case(desk, officer1)
    with pytest.raises(RecordNotFoundError):
        show_case(desk, officer2, case_id)
    cases.assign(desk, officer1, case_id, "officer2")
    assert show_case(desk, officer2, case_id)["id"] == case_id
    with pytest.raises(NotFoundError, match="protection officer"):
        cases.assign(desk, officer1, case_id, "admin")  # not a protection role
    task_id = cases.add_task(desk, officer2, case_id, "visa", "visa appointment", owner="officer1")
    cases.complete_task(desk, officer1, task_id)
    (task,) = show_case(desk, officer1, case_id)["tasks"]
    assert task["title"] == "visa appointment" and task["owner"] == "officer1" and task["done_at"]


def test_what_a_case_holds_is_never_on_disk_in_plaintext_nor_in_logs(
    desk: Workspace, principal: PrincipalOf, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.protection.case_helpers import MARK_NOTE, MARK_PLACE, files_holding

    officer = principal("officer1")
    person_id = add_marked_person(desk, officer)
    give_consent(desk, officer, person_id, "case-handling")
    summary, reason, title = "MARKERSUMMARY-Ґ-1", "MARKERREASON-Є-2", "MARKERTASK-Ї-3"
    with caplog.at_level("DEBUG"):
        case_id = open_case(desk, officer, person_id, "relocation", summary=summary)
        transition(desk, officer, case_id, "assessment", reason=reason)
        cases.add_task(desk, officer, case_id, "documents", title)
        when = datetime.now(UTC) - timedelta(hours=5)
        cases.add_checkpoint(desk, officer, case_id, MARK_PLACE, when)
        checkins.record_checkin(desk, officer, case_id, MARK_PLACE, note=MARK_NOTE)
        checkins.raise_overdue_alerts(desk)
        doc = show_case(desk, officer, case_id)
    assert doc["summary"] == summary and doc["tasks"][0]["title"] == title
    assert doc["transitions"][1]["reason"] == reason
    markers = (MARK_NAME, summary, reason, title, MARK_PLACE, MARK_NOTE)
    assert files_holding(desk.settings.data_dir, *markers) == []
    assert not any(m in caplog.text for m in markers)


def test_a_locked_desk_refuses_every_read_of_a_case(
    desk: Workspace, principal: PrincipalOf
) -> None:
    from civwatch.errors import DeskLockedError
    from civwatch.protection.dashboard import dashboard
    from civwatch.protection.desk import lock_desk

    officer = principal("officer1")
    person_id, case_id = open_marked_case(desk, officer)
    lock_desk(desk, principal("lead1"))
    for attempt in (
        lambda: show_case(desk, officer, case_id),
        lambda: risk.assessments(desk, officer, person_id),
        lambda: checkins.record_checkin(desk, officer, case_id, "Chop"),
        lambda: transition(desk, officer, case_id, "assessment"),
    ):
        with pytest.raises(DeskLockedError):
            attempt()
    board = dashboard(desk, officer, datetime.now(UTC), names=True)
    assert board["cases"]["items"][0]["person_name"] is None  # the rest of the board stands


def test_an_alert_out_of_reach_answers_as_a_missing_one_naming_no_case(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer1, officer2 = principal("officer1"), principal("officer2")
    _person_id, case_id = open_marked_case(desk, officer1)
    cases.add_checkpoint(desk, officer1, case_id, "Chop", datetime.now(UTC) - timedelta(days=1))
    (alert_id,) = checkins.raise_overdue_alerts(desk, send=lambda _s, _b: None)
    with pytest.raises(RecordNotFoundError) as real:
        checkins.acknowledge_alert(desk, officer2, alert_id)
    with pytest.raises(RecordNotFoundError) as missing:
        checkins.acknowledge_alert(desk, officer2, "al_nothingnothingnothing")
    assert case_id not in str(real.value)
    assert str(real.value).replace(alert_id, "X") == str(missing.value).replace(
        "al_nothingnothingnothing", "X"
    )


def test_the_cases_of_a_person_are_listed_for_a_lead_outside_the_team(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer1, officer2, lead = principal("officer1"), principal("officer2"), principal("lead1")
    person_id, case_id = open_marked_case(desk, officer1)
    assert [(c["id"], c["role"]) for c in cases.cases_of_person(desk, lead, person_id)] == [
        (case_id, None)
    ]
    assert [c["role"] for c in cases.cases_of_person(desk, officer1, person_id)] == ["lead"]
    with pytest.raises(RecordNotFoundError):
        cases.cases_of_person(desk, officer2, person_id)
    reads = [e for e in _history(desk, person_id=person_id) if e["fields"] == ["cases"]]
    assert {e["actor"] for e in reads} == {"lead1", "officer1"}
