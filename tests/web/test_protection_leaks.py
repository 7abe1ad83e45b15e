"""Nothing of a person at risk reaches an output outside the desk.

A person is registered with a marker string in every field, assessed (marker sources and
indicators), given a safe-exit case (marker summary, task, route checkpoint, check-in place
and note), referred to a partner and sent a request for help with marker text. Then every
GET route of the app is walked as every role and as a stranger (the public site, feeds, open
data, the evidence and incident pages and API, the admins' audit log, the custody browser,
jobs...), `civwatch verify` and an evidence package are made, and the logs are read: the
markers appear only in the desk's own answers to the desk's team, and in no stored file in
plaintext (UTF-8 or UTF-16).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from civwatch.accounts.permissions import ALL_ROLES
from civwatch.db import utcnow
from civwatch.protection.cases import add_checkpoint, add_task
from civwatch.protection.checkins import record_checkin
from civwatch.protection.consent import record_consent
from civwatch.protection.help_limits import AddressLimiter
from civwatch.protection.help_requests import HelpRequestInput, submit_help_request
from civwatch.protection.persons import add_person
from civwatch.protection.risk import RiskInput, add_assessment
from civwatch.web.app import declared_routes
from tests.protection.helpers import (
    MARKERS,
    encodings,
    files_holding,
    marker_person,
    run_verify,
)
from tests.web.conftest import Team, bearer
from tests.web.desk import principal_of
from tests.web.test_permissions import CALLS, samples  # noqa: F401  (the walk's fixture)

MARKER_SUMMARY = "MARKERSUMMARY flat on the third floor"
MARKER_PLACE = "MARKERPLACE bus station"
MARKER_SOURCES = "MARKERSOURCE the neighbour"
MARKER_HELP = "MARKERHELP my brother is hiding in the cellar"
EXTRA = (
    MARKER_SUMMARY,
    "MARKERSUMMARY",
    "MARKERPLACE",
    "MARKERSOURCE",
    "MARKERHELP",
    "MARKERGENDER",
    "MARKEROBLAST",
    "MARKERHROMADA",
    "MARKERMINORITY",
    "MARKERNEEDS",
    "MARKERCHILD",
    "MARKERTASK",
    "203.0.113.9",  # the address a request for help came from
)
ALL = tuple(dict.fromkeys((*MARKERS, *EXTRA)))
DESK_ROLES = {"protection_officer", "protection_lead"}


def _desk_path(path: str) -> bool:
    return path.startswith(("/protection", "/api/v1/protection"))


@pytest.fixture
def marked(team: Team, samples: dict[str, str]) -> dict[str, str]:  # noqa: F811
    """The walk's samples, plus a person of the walk's protection officer with markers
    everywhere the desk takes text."""
    ws = team.ws
    officer = principal_of(ws, "protection-officer")
    person_id = add_person(ws, officer, marker_person())
    record_consent(ws, officer, person_id, "case-handling", how="verbal")
    add_assessment(
        ws,
        officer,
        person_id,
        RiskInput(
            threats=["detention"],
            likelihood=4,
            impact=5,
            sources=MARKER_SOURCES,
            indicators="MARKERSOURCE indicators",
        ),
    )
    from civwatch.web.protection_adapters import open_case

    case_id = open_case(ws, officer, person_id, "safe-exit")
    add_task(ws, officer, case_id, "transport", "MARKERTASK bus tickets")
    checkpoint = add_checkpoint(ws, officer, case_id, MARKER_PLACE, utcnow() + timedelta(hours=1))
    record_checkin(
        ws, officer, case_id, MARKER_PLACE, checkpoint_id=checkpoint, note=MARKER_SUMMARY
    )
    submit_help_request(
        ws,
        HelpRequestInput(about=MARKER_HELP),
        "uk",
        client="203.0.113.9",
        limiter=AddressLimiter(),
    )
    return {**samples, "person_id": person_id, "case_id": case_id}


def _leaks(text: str) -> list[str]:
    return [m for m in ALL if m in text]


def test_no_output_outside_the_desk_shows_a_person_at_risk(
    team: Team, client: TestClient, marked: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong: list[str] = []
    seen_by_team = False
    for role in (None, *sorted(ALL_ROLES)):
        headers = bearer(team.tokens[role]) if role else {}
        for method, path, _perm in declared_routes():
            if method != "GET":
                continue
            spec = dict(CALLS[(method, path)])
            url = re.sub(r"\{(\w+)\}", lambda m: marked.get(m.group(1), "999999"), path)
            r = client.get(url, headers=headers, follow_redirects=False, **spec)
            body = r.content.decode("utf-8", "replace")
            found = _leaks(body) + _leaks(json.dumps(dict(r.headers)))
            if found and _desk_path(path) and role in DESK_ROLES:
                seen_by_team = True
                continue
            if found:
                wrong.append(f"GET {path} as {role}: {found}")
    assert seen_by_team, "the team never saw the person: the walk reads nothing"
    assert not wrong, "\n".join(wrong)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert not _leaks(logged), _leaks(logged)


def test_verify_packages_and_files_hold_no_marker(
    team: Team, marked: dict[str, str], tmp_path: Path
) -> None:
    from civwatch.publish.package import build_package

    ws = team.ws
    build_package(ws, int(marked["incident_id"]), tmp_path / "pkg", actor="investigator")
    package = b"".join(p.read_bytes() for p in (tmp_path / "pkg").rglob("*") if p.is_file())
    needles = [n for marker in ALL for n in encodings(marker)]
    assert not [n for n in needles if n in package]
    done = run_verify(ws)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not _leaks(done.stdout + done.stderr)
    assert files_holding(ws, needles) == []
