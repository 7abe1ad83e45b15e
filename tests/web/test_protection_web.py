"""The protection desk through HTTP: need to know answers "not found" on every read route
(pages and API) to an officer outside the team and to an admin, a locked desk answers 423,
a referral needs the password again, protection pages end an idle session after 15
minutes, and no personal value reaches a URL."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from civwatch.config import Settings
from civwatch.protection.audit import history
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.web.calls_protection import CALLS
from tests.web.conftest import BASE, PASSWORD
from tests.web.desk import (
    MARKER_NAME,
    MARKER_PHONE_E164,
    Desk,
    cheap_kdf,
    desk_roles,
    desk_session,
    desk_token,
    make_desk,
    principal_of,
)

#: Every route that reads one record of the desk (pages and API).
READ_ROUTES = sorted(p for (m, p) in CALLS if m == "GET" and "{" in p)
LOCKED = "The protection desk is locked. A protection lead must unlock it."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return cheap_kdf(settings)


@pytest.fixture
def desk(workspace: Workspace) -> Desk:
    return make_desk(workspace)


@pytest.fixture
def client(workspace: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(workspace.settings), base_url=BASE) as c:
        yield c


def _roles(desk: Desk) -> dict[str, dict[str, str]]:
    return desk_roles(desk)


def test_outside_the_team_every_read_route_is_not_found(desk: Desk, client: TestClient) -> None:
    tokens = _roles(desk)
    wrong = []
    for template in READ_ROUTES:
        path = desk.path(template)
        lead_only = path.endswith(("/audit", "/duplicates", "/delete"))
        # requests for help are the whole desk's (no team yet): any officer reads them
        outsiders = ("admin1",) if "help-requests" in path else ("officer2", "admin1")
        for who in outsiders:
            r = client.get(path, headers=tokens[who], follow_redirects=False)
            if r.status_code != 404:
                wrong.append(f"{template} as {who}: {r.status_code}")
            if MARKER_NAME in r.text or MARKER_PHONE_E164 in r.text:
                wrong.append(f"{template} as {who}: the person's details shown")
        # the team reads (except "who has seen this record", a lead's page)
        r = client.get(path, headers=tokens["officer1"], follow_redirects=False)
        if (r.status_code == 200) != (not lead_only):
            wrong.append(f"{template} as officer1: {r.status_code}")
        r = client.get(path, headers=tokens["lead1"], follow_redirects=False)
        if r.status_code != 200:
            wrong.append(f"{template} as lead1: {r.status_code}")
    assert not wrong, "\n".join(wrong)


def test_a_missing_id_and_a_record_out_of_reach_answer_alike(
    desk: Desk, client: TestClient
) -> None:
    outsider = _roles(desk)["officer2"]
    real = client.get(f"/api/v1/protection/persons/{desk.person_id}", headers=outsider)
    missing = client.get("/api/v1/protection/persons/per_nobodynobodynobody00", headers=outsider)
    assert real.status_code == missing.status_code == 404
    assert real.json()["title"] == missing.json()["title"]


def test_outside_the_team_writes_are_not_found_either(desk: Desk, client: TestClient) -> None:
    outsider = _roles(desk)["officer2"]
    api = "/api/v1/protection"
    for path, body in (
        (
            f"{api}/persons/{desk.person_id}/risk",
            {"threats": ["detention"], "likelihood": 5, "impact": 5},
        ),
        (f"{api}/persons/{desk.person_id}/consent", {"purpose": "case-handling"}),
        (f"{api}/persons/{desk.person_id}/cases", {"kind": "relocation"}),
        (f"{api}/cases/{desk.case_id}/transition", {"to_state": "withdrawn"}),
        (f"{api}/cases/{desk.case_id}/checkins", {"place": "Lviv"}),
        (f"{api}/cases/{desk.case_id}/assign", {"username": "officer2"}),
    ):
        r = client.post(path, json=body, headers=outsider)
        assert r.status_code == 404, (path, r.status_code, r.text)


def test_a_locked_desk_answers_423_and_still_takes_requests_for_help(
    desk: Desk, client: TestClient
) -> None:
    from civwatch.protection.desk import lock_desk

    lock_desk(desk.ws, principal_of(desk.ws, "lead1"))
    officer = desk_token(desk.ws, "officer1", "protection_officer")  # signed in again
    r = client.get(f"/api/v1/protection/persons/{desk.person_id}", headers=officer)
    assert r.status_code == 423, r.text
    assert r.json()["detail"] == LOCKED
    page = client.get(f"/protection/persons/{desk.person_id}", headers=officer)
    assert page.status_code == 423 and LOCKED in page.text
    assert MARKER_NAME not in page.text
    uk = client.get(f"/protection/cases/{desk.case_id}?lang=uk", headers=officer)
    assert uk.status_code == 423
    assert '<html lang="uk"' in uk.text
    form = client.get("/help")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    sent = client.post("/help", data={"about": "Still heard", "csrf_token": token.group(1)})
    assert sent.status_code == 200 and "HR-" in sent.text


def test_locking_from_the_page_needs_the_password_and_ends_the_officers_sessions(
    desk: Desk, client: TestClient
) -> None:
    officer = desk_token(desk.ws, "officer1", "protection_officer")
    csrf = desk_session(client, "lead1", desk.totp["lead1"])
    refused = client.post("/protection/lock", data={"csrf_token": csrf, "password": "wrong"})
    assert refused.status_code == 422
    assert client.get("/api/v1/protection/dashboard", headers=officer).status_code == 200
    done = client.post("/protection/lock", data={"csrf_token": csrf, "password": PASSWORD})
    assert done.status_code == 200 and "The desk is locked" in done.text
    assert client.get("/api/v1/protection/dashboard", headers=officer).status_code == 401
    assert client.get("/protection", follow_redirects=False).status_code == 303


def _partner_and_consent(desk: Desk) -> str:
    from civwatch.crypto.age_packets import new_identity
    from civwatch.protection.consent import record_consent
    from civwatch.protection.partners import add_partner

    _secret, public = new_identity()
    partner_id = add_partner(
        desk.ws, principal_of(desk.ws, "lead1"), "Safe Harbour", public, country="PL"
    )
    record_consent(
        desk.ws,
        principal_of(desk.ws, "officer1"),
        desk.person_id,
        "referral",
        partner_id=partner_id,
        how="written",
    )
    return partner_id


def test_a_referral_needs_the_password_again(desk: Desk, client: TestClient) -> None:
    partner_id = _partner_and_consent(desk)
    csrf = desk_session(client, "officer1", desk.totp["officer1"])
    page = f"/protection/cases/{desk.case_id}/referrals"
    form = {"csrf_token": csrf, "partner_id": partner_id, "fields": ["names", "contacts"]}
    for password in ("", "not my password"):
        r = client.post(page, data={**form, "password": password}, follow_redirects=False)
        assert r.status_code == 422, r.text
        assert "password" in r.text.lower()
    api = f"/api/v1/protection/cases/{desk.case_id}/referrals"
    headers = {"X-CSRF-Token": csrf}
    assert (
        client.post(
            api, json={"partner_id": partner_id, "fields": ["names"]}, headers=headers
        ).status_code
        == 422
    )
    case = client.get(f"/api/v1/protection/cases/{desk.case_id}").json()
    assert case["referrals"] == []
    sent = client.post(page, data={**form, "password": PASSWORD}, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/protection/cases/{desk.case_id}?done=referral"
    case = client.get(f"/api/v1/protection/cases/{desk.case_id}").json()
    assert [r["fields"] for r in case["referrals"]] == [["contacts", "names"]]
    # the packet for the partner is an export: the password again
    packet = f"/protection/referrals/{case['referrals'][0]['id']}/packet"
    wrong = client.post(packet, data={"csrf_token": csrf, "password": "nope"})
    assert wrong.status_code == 422
    got = client.post(packet, data={"csrf_token": csrf, "password": PASSWORD})
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.content.startswith(b"age-encryption.org/v1")
    assert hashlib.sha256(got.content).hexdigest() == case["referrals"][0]["packet_sha256"]
    assert MARKER_NAME.encode() not in got.content


def test_no_personal_value_goes_into_a_url(desk: Desk, client: TestClient) -> None:
    csrf = desk_session(client, "officer1", desk.totp["officer1"])
    r = client.post(
        "/protection/persons",
        data={"csrf_token": csrf, "name1": "Олена Маркерна", "phone": "+380 50 765 4321"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    location = r.headers["location"]
    assert re.fullmatch(r"/protection/persons/per_[A-Za-z0-9_-]+\?done=person", location)
    page = client.get(location)
    assert "Олена Маркерна" in page.text and "+380507654321" in page.text
    found = client.post("/protection/find", data={"csrf_token": csrf, "name": "Olena"})
    assert found.status_code == 200 and location.split("?")[0] in found.text
    # every link and form target on the desk's pages names ids only
    for html in (page.text, found.text, client.get("/protection").text):
        for target in re.findall(r'(?:href|action)="([^"]+)"', html):
            assert "Олена" not in target and "Olena" not in target and "380" not in target


def test_the_flow_through_the_api(desk: Desk, client: TestClient) -> None:
    officer = _roles(desk)["officer1"]
    api = "/api/v1/protection"
    made = client.post(
        f"{api}/persons",
        json={
            "names": [{"name": "Taras Flow"}],
            "contacts": [{"kind": "signal", "value": "@taras"}],
        },
        headers=officer,
    )
    assert made.status_code == 201, made.text
    person_id = made.json()["id"]
    risk = client.post(
        f"{api}/persons/{person_id}/risk",
        json={"threats": ["detention"], "likelihood": 4, "impact": 5},
        headers=officer,
    )
    assert risk.status_code == 201 and risk.json()["level"] == "critical"
    refused = client.post(
        f"{api}/persons/{person_id}/cases", json={"kind": "safe-exit"}, headers=officer
    )
    assert refused.status_code == 409  # no consent to case handling yet
    assert (
        client.post(
            f"{api}/persons/{person_id}/consent", json={"purpose": "case-handling"}, headers=officer
        ).status_code
        == 201
    )
    case = client.post(
        f"{api}/persons/{person_id}/cases", json={"kind": "safe-exit"}, headers=officer
    )
    assert case.status_code == 201
    case_id = case.json()["id"]
    moved = client.post(
        f"{api}/cases/{case_id}/transition", json={"to_state": "assessment"}, headers=officer
    )
    assert moved.status_code == 200 and moved.json()["state"] == "assessment"
    assert (
        client.post(
            f"{api}/cases/{case_id}/checkins", json={"place": "Uzhhorod"}, headers=officer
        ).status_code
        == 201
    )
    shown = client.get(f"{api}/cases/{case_id}", headers=officer).json()
    assert [c["place"] for c in shown["checkins"]] == ["Uzhhorod"]
    person = client.get(f"{api}/persons/{person_id}", headers=officer).json()
    assert person["risk_level"] == "critical"
    assert person["names"][0]["name"] == "Taras Flow"
    found = client.post(f"{api}/persons/find", json={"name": "taras"}, headers=officer)
    assert found.json() == {"ids": [person_id]}
    board = client.get(f"{api}/dashboard", headers=officer).json()
    assert case_id in [c["id"] for c in board["cases"]["items"]]
    lead = _roles(desk)["lead1"]
    seen = client.get(f"{api}/persons/{person_id}/audit", headers=lead).json()
    assert {"officer1"} <= {e["actor"] for e in seen}
    assert all(set(e) == {"actor", "at", "act", "fields"} for e in seen)


def test_an_officer_opens_a_request_for_help_and_registers_its_person(
    desk: Desk, client: TestClient
) -> None:
    csrf = desk_session(client, "officer2", desk.totp["officer2"])
    board = client.get("/protection")
    assert f"/protection/help-requests/{desk.request_id}" in board.text
    page = client.get(f"/protection/help-requests/{desk.request_id}")
    assert page.status_code == 200 and "Walk: someone needs help" in page.text
    assert f'href="/protection/help-requests/{desk.request_id}/person"' in page.text
    r = client.post(
        f"/protection/help-requests/{desk.request_id}/person",
        data={"csrf_token": csrf, "name1": "Someone Helped"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    person = client.get(r.headers["location"])
    assert person.status_code == 200  # officer2 registered them: on their team now
    again = client.get(f"/protection/help-requests/{desk.request_id}")
    assert r.headers["location"].split("?")[0] in again.text


def test_the_dashboard_names_people_only_when_asked_and_each_name_shown_is_recorded(
    desk: Desk, client: TestClient
) -> None:
    def name_reads() -> int:
        with desk.ws.sessions() as session:
            return sum(
                h["fields"] == ["names"] and h["actor"] == "officer1"
                for h in history(session, person_id=desk.person_id)
            )

    csrf = desk_session(client, "officer1", desk.totp["officer1"])
    assert csrf
    board = client.get("/protection")
    assert board.status_code == 200 and f"/protection/cases/{desk.case_id}" in board.text
    assert MARKER_NAME not in board.text and 'href="/protection?names=1#cases"' in board.text
    api = client.get("/api/v1/protection/dashboard", headers=_roles(desk)["officer1"])
    assert api.json()["cases"]["items"][0]["person_name"] is None
    assert name_reads() == 0
    named = client.get("/protection?names=1")
    assert MARKER_NAME in named.text and 'href="/protection#cases"' in named.text
    api = client.get("/api/v1/protection/dashboard?names=true", headers=_roles(desk)["officer1"])
    assert api.json()["cases"]["items"][0]["person_name"] == MARKER_NAME
    assert name_reads() == 2
