"""Check-ins and the route watch: an overdue checkpoint raises exactly one alert (also
through the real queue, run twice), a check-in in time raises none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from civwatch import extensions
from civwatch.errors import RecordNotFoundError, RejectedInputError
from civwatch.jobs import registry, submit
from civwatch.protection import cases, checkins, jobs
from civwatch.protection.checkins import alerts_for, raise_overdue_alerts, record_checkin
from civwatch.workspace import Workspace
from tests.jobs.helpers import running_workers, wait_for_job
from tests.protection.case_helpers import (
    MARK_NAME,
    MARK_NOTE,
    MARK_PLACE,
    files_holding,
    open_marked_case,
)
from tests.protection.conftest import PrincipalOf


def _route(ws: Workspace, principal: PrincipalOf, *hours_ago: float) -> tuple[str, list[str]]:
    """A case of officer1 in progress with checkpoints expected ``hours_ago`` each."""
    officer = principal("officer1")
    _person, case_id = open_marked_case(ws, officer)
    for state in ("assessment", "plan", "approved", "in-progress"):
        cases.transition(ws, officer, case_id, state)
    now = datetime.now(UTC)
    points = [
        cases.add_checkpoint(ws, officer, case_id, f"{MARK_PLACE} {n}", now - timedelta(hours=h))
        for n, h in enumerate(hours_ago)
    ]
    return case_id, points


def _alerts(ws: Workspace) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from civwatch.protection.models import ProtectionAlert

    with ws.sessions() as session:
        return [
            (a.case_id, a.checkpoint_id)
            for a in session.scalars(select(ProtectionAlert).order_by(ProtectionAlert.raised_at))
        ]


def test_an_overdue_checkpoint_raises_exactly_one_alert(
    desk: Workspace, principal: PrincipalOf
) -> None:
    case_id, (late, not_yet) = _route(desk, principal, 3, 1)  # grace is 120 minutes
    raised = raise_overdue_alerts(desk)
    assert len(raised) == 1 and _alerts(desk) == [(case_id, late)]
    assert raise_overdue_alerts(desk) == []  # running again raises nothing new
    later = datetime.now(UTC) + timedelta(hours=2)
    assert len(raise_overdue_alerts(desk, later)) == 1
    assert _alerts(desk) == [(case_id, late), (case_id, not_yet)]
    assert [a["checkpoint_id"] for a in alerts_for(desk, principal("officer1"))] == [
        late,
        not_yet,
    ]
    assert alerts_for(desk, principal("officer2")) == []
    assert len(alerts_for(desk, principal("lead1"))) == 2


def test_a_checkin_in_time_raises_no_alert(desk: Workspace, principal: PrincipalOf) -> None:
    officer = principal("officer1")
    case_id, (first, second) = _route(desk, principal, 4, 3)
    record_checkin(desk, officer, case_id, MARK_PLACE, second, note=MARK_NOTE)
    assert raise_overdue_alerts(desk) == []  # the later checkpoint reached passes the first
    doc = cases.show_case(desk, officer, case_id)
    assert [(c["place"], c["note"]) for c in doc["checkins"]] == [(MARK_PLACE, MARK_NOTE)]
    assert files_holding(desk.settings.data_dir, MARK_PLACE, MARK_NOTE, MARK_NAME) == []
    assert first


def test_a_suspended_or_completed_case_is_not_watched(
    desk: Workspace, principal: PrincipalOf
) -> None:
    officer = principal("officer1")
    case_id, _points = _route(desk, principal, 5)
    cases.transition(desk, officer, case_id, "suspended")
    assert raise_overdue_alerts(desk) == []


def test_checkins_are_refused_outside_the_team_and_at_another_case_checkpoint(
    desk: Workspace, principal: PrincipalOf
) -> None:
    case_id, _points = _route(desk, principal, 1)
    _other_case, (other_point,) = _route(desk, principal, 1)
    with pytest.raises(RecordNotFoundError):
        record_checkin(desk, principal("officer2"), case_id, "Uzhhorod")
    with pytest.raises(RejectedInputError, match="not a checkpoint of this case"):
        record_checkin(desk, principal("officer1"), case_id, "Uzhhorod", other_point)


def test_the_notification_names_cases_only(desk: Workspace, principal: PrincipalOf) -> None:
    sent: list[tuple[str, str]] = []
    case_id, _points = _route(desk, principal, 3)
    raise_overdue_alerts(desk, send=lambda subject, body: sent.append((subject, body)))
    ((subject, body),) = sent
    assert "overdue" in subject and case_id in body
    assert MARK_PLACE not in body and MARK_NAME not in body
    # Without a sender and without SMTP configured, nothing is sent and nothing fails.
    assert checkins.notify(desk, [case_id]) is False

    def down(subject: str, body: str) -> None:
        raise ConnectionRefusedError(subject)

    assert checkins.notify(desk, [case_id], send=down) is False  # a mail server down


def test_the_mail_goes_through_the_configured_smtp_server(
    desk: Workspace, principal: PrincipalOf
) -> None:
    ws = Workspace.open(
        desk.settings.model_copy(
            update={
                "smtp_url": SecretStr("smtp://127.0.0.1:9"),
                "protection_alert_to": "desk@example.org",
            }
        )
    )
    try:
        sender = checkins.smtp_sender(ws)
        assert sender is not None  # configured: a real sender (nothing listens on port 9)
        assert checkins.notify(ws, ["case_x"], send=None) is False
    finally:
        ws.close()
    assert checkins.smtp_sender(desk) is None


def test_the_route_watch_runs_through_the_real_queue(
    desk: Workspace, principal: PrincipalOf
) -> None:
    extensions.load()
    assert jobs.register in extensions.DOMAINS
    assert registry.SCHEDULES[jobs.CHECKINS.name].when == {"minute": "*"}
    case_id, (late,) = _route(desk, principal, 3)
    with running_workers(desk.settings) as queue:
        due = [t.name for t in queue.huey.read_periodic(datetime(2026, 3, 2, 6, 7))]
        assert jobs.CHECKINS.name in due
        for _run in range(2):
            job = submit(desk, jobs.CHECK_ROUTES, "officer1", {})
            done = wait_for_job(desk, job["id"])
            assert done["state"] == "done", done
    assert _alerts(desk) == [(case_id, late)]
