"""Field testimony over HTTP: the API and the pages take a testimony and show the witness
by code; the identity answers the team only ("not found" to anyone else, as a missing
testimony); malformed input is refused with a clear problem and keeps nothing; the offline
form and its service worker are served."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from civwatch.accounts.credentials import reset_totp
from civwatch.db import utcnow
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident
from tests.incidents.helpers import incident_doc
from tests.web.conftest import Team, bearer, sign_in, totp_now
from tests.web.desk import ensure_desk

NAME = "Olha Witnesska"


#: TOTP secrets of the users who read identities: reading one needs a second factor.
SECOND_FACTOR: dict[str, str] = {}


@pytest.fixture
def incident(team: Team, places: Gazetteer) -> int:
    ensure_desk(team.ws, "protection-lead")
    for user in ("investigator", "verifier"):
        SECOND_FACTOR[user] = reset_totp(team.ws, user, actor="admin")["secret"]
    made = create_incident(team.ws, incident_doc(), actor="investigator", places=places)
    return int(made["id"])


def _body(incident: int, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "statement": "The shell hit the school's gym at noon.",
        "taken_at": "2024-05-02T12:30:00+03:00",
        "language": "uk",
        "taken_place": "Izium",
        "incidents": [incident],
        "witness": {"name": NAME, "contacts": ["+380501112233"], "birth_date": "1970"},
    }
    body.update(over)
    return body


def test_the_api_takes_testimony_and_only_the_team_reads_the_witness(
    team: Team, client: TestClient, incident: int
) -> None:
    inv = bearer(team.tokens["investigator"])
    r = client.post("/api/v1/testimony", json=_body(incident), headers=inv)
    assert r.status_code == 201, r.text
    made = r.json()
    listed = client.get("/api/v1/testimony", params={"incident": incident}, headers=inv).json()
    assert [t["witness"] for t in listed] == [made["witness"]] and NAME not in str(listed)
    ver = bearer(team.tokens["verifier"])
    assert client.get(f"/api/v1/testimony/{made['id']}", headers=ver).status_code == 200
    hidden = client.get(f"/api/v1/testimony/{made['id']}/witness", headers=ver)
    missing = client.get("/api/v1/testimony/999999/witness", headers=ver)
    assert hidden.status_code == missing.status_code == 404
    opened = client.get(f"/api/v1/testimony/{made['id']}/witness", headers=inv).json()
    assert opened["name"] == NAME and opened["witness"] == made["witness"]
    # a risk flag hides the testimony itself from the verifier
    r = client.put(
        f"/api/v1/testimony/{made['id']}/flags", json={"flags": ["reprisal"]}, headers=inv
    )
    assert r.status_code == 200 and r.json()["flags"] == ["reprisal"]
    assert client.get(f"/api/v1/testimony/{made['id']}", headers=ver).status_code == 404
    assert client.get("/api/v1/testimony", headers=ver).json() == []
    # consent, and its withdrawal
    r = client.post(
        f"/api/v1/testimony/{made['id']}/consents",
        json={"purpose": "share", "given_on": "2024-05-02", "recipient": "ICC"},
        headers=inv,
    )
    assert r.status_code == 201, r.text
    consent = r.json()["id"]
    r = client.post(f"/api/v1/testimony/{made['id']}/consents/{consent}/withdraw", headers=inv)
    assert r.status_code == 200
    shown = client.get(f"/api/v1/testimony/{made['id']}", headers=inv).json()
    assert shown["consents"][0]["withdrawn_at"] is not None
    # the interviewer puts the verifier on the team: the flagged testimony and its witness
    r = client.post(
        f"/api/v1/testimony/{made['id']}/team", json={"username": "verifier"}, headers=inv
    )
    assert r.status_code == 200, r.text
    assert client.get(f"/api/v1/testimony/{made['id']}", headers=ver).status_code == 200
    assert client.get(f"/api/v1/testimony/{made['id']}/witness", headers=ver).json()["name"] == NAME
    # destroying the identity: it never opens again, the code stays
    r = client.post(f"/api/v1/testimony/{made['id']}/witness/shred", headers=inv)
    assert r.status_code == 200
    gone = client.get(f"/api/v1/testimony/{made['id']}/witness", headers=inv).json()
    assert gone == {"witness": made["witness"], "shredded": True}


@pytest.mark.parametrize(
    "over",
    [
        {"statement": ""},
        {"statement": "x" * 100_001},
        {"taken_at": "not a time"},
        {"language": "ukrainian"},
        {"flags": ["vip"]},
        {"incidents": [0]},
        {"incidents": ["1; DROP TABLE testimony"]},
        {"attachments": ["../../../etc/passwd"]},
        {"witness": {"name": "x" * 301}},
        {"witness": {"contacts": ["1"] * 6}},
        {"witness": {"name": "A", "religion": "none of your business"}},
        {"extra": "field"},
        {"taken_at": "2999-01-01T00:00:00+00:00"},
    ],
)
def test_malformed_testimony_is_refused_and_keeps_nothing(
    team: Team, client: TestClient, incident: int, over: dict[str, Any]
) -> None:
    inv = bearer(team.tokens["investigator"])
    r = client.post("/api/v1/testimony", json=_body(incident, **over), headers=inv)
    assert r.status_code in (404, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/testimony", headers=inv).json() == []


def test_a_body_that_is_not_json_is_refused(team: Team, client: TestClient) -> None:
    r = client.post(
        "/api/v1/testimony",
        content=b"\xff\xfe not json",
        headers={**bearer(team.tokens["investigator"]), "Content-Type": "application/json"},
    )
    assert r.status_code in (400, 422)
    assert r.headers["content-type"].startswith("application/problem+json")


def test_the_form_takes_testimony_and_the_pages_show_the_code_and_the_identity_to_the_team(
    team: Team, client: TestClient, incident: int
) -> None:
    token = sign_in(client, "investigator", code=totp_now(SECOND_FACTOR["investigator"]))
    refused = client.post(
        "/testimony/new",
        data={
            "csrf_token": token,
            "statement": "",
            "taken_at": "2024-05-02T12:30",
            "language": "uk",
            "witness_name": NAME,
        },
    )
    assert refused.status_code == 422 and NAME not in refused.text  # typed again, never echoed
    r = client.post(
        "/testimony/new",
        data={
            "csrf_token": token,
            "statement": "The shell hit the gym.",
            "taken_at": "2024-05-02T12:30",
            "language": "uk",
            "incidents": str(incident),
            "flags": ["occupied"],
            "witness_name": NAME,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and NAME not in page.text and "W-" in page.text
    assert "2024-05-02 09:30 UTC" in page.text  # the form's time is Kyiv time
    witness = client.get(r.headers["location"] + "/witness")
    assert witness.status_code == 200 and NAME in witness.text
    assert witness.headers["cache-control"] == "no-store"
    listing = client.get("/testimony", params={"incident": incident})
    assert "The shell hit the gym." in listing.text and NAME not in listing.text


def test_the_offline_form_and_its_service_worker_are_served_in_ukrainian(
    team: Team, client: TestClient
) -> None:
    sign_in(client, "investigator")
    page = client.get("/testimony/offline", params={"lang": "uk"})
    assert page.status_code == 200
    assert "Свідчення без мережі" in page.text and "testimony-offline.js" in page.text
    assert "data-identity" in page.text
    sw = client.get("/testimony/sw.js")
    assert sw.headers["service-worker-allowed"] == "/testimony"
    script = client.get("/static/testimony-offline.js").text
    # the draft leaves the witness's fields out; the queue's key is never exported
    assert "isIdentity(el)) return" in script and '"encrypt", "decrypt"]' in script
    assert "exportKey" not in script


def _made(client: TestClient, team: Team, incident: int, **over: Any) -> dict[str, Any]:
    r = client.post(
        "/api/v1/testimony",
        json=_body(incident, **over),
        headers=bearer(team.tokens["investigator"]),
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_an_investigator_without_a_second_factor_is_refused_the_identity(
    team: Team, client: TestClient, places: Gazetteer
) -> None:
    """Attack: the interviewer's account has a password only (phished, or never enrolled);
    the identity page and API refuse it, and nothing is recorded as read."""
    ensure_desk(team.ws, "protection-lead")
    made_by = create_incident(team.ws, incident_doc(), actor="investigator", places=places)
    made = _made(client, team, int(made_by["id"]))
    r = client.get(
        f"/api/v1/testimony/{made['id']}/witness", headers=bearer(team.tokens["investigator"])
    )
    assert r.status_code == 403 and "second factor" in r.text and NAME not in r.text
    sign_in(client, "investigator")
    page = client.get(f"/testimony/{made['id']}/witness")
    assert page.status_code == 403 and NAME not in page.text


def test_the_identity_page_locks_after_the_desks_idle_time(
    team: Team, client: TestClient, incident: int
) -> None:
    made = _made(client, team, incident)
    start = utcnow()
    client.app.state.clock = lambda: start  # type: ignore[attr-defined]
    sign_in(client, "investigator", code=totp_now(SECOND_FACTOR["investigator"]))
    assert NAME in client.get(f"/testimony/{made['id']}/witness").text
    later = start + timedelta(minutes=16)
    client.app.state.clock = lambda: later  # type: ignore[attr-defined]
    r = client.get(f"/testimony/{made['id']}/witness", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")
    assert NAME not in r.text


def test_the_incident_page_lists_the_testimonies_its_reader_may_read(
    team: Team, client: TestClient, incident: int
) -> None:
    plain = _made(client, team, incident)
    flagged = _made(client, team, incident, flags=["minor"])
    inv = bearer(team.tokens["investigator"])
    client.post(
        f"/api/v1/testimony/{plain['id']}/consents",
        json={"purpose": "share", "given_on": "2024-05-02", "recipient": "ICC"},
        headers=inv,
    )
    mine = client.get(f"/incidents/{incident}", headers=inv).text
    assert plain["witness"] in mine and flagged["witness"] in mine and "ICC" in mine
    assert "2024-05-02" in mine and NAME not in mine
    theirs = client.get(f"/incidents/{incident}", headers=bearer(team.tokens["verifier"])).text
    assert plain["witness"] in theirs and flagged["witness"] not in theirs  # a minor: the team
    viewer = client.get(f"/incidents/{incident}", headers=bearer(team.tokens["viewer"]))
    assert viewer.status_code == 200 and plain["witness"] not in viewer.text
    assert 'id="testimonies"' not in viewer.text  # no testimony.read: no list at all


def test_the_decision_forms_disclose_to_the_named_court_after_a_second_lead(
    team: Team, client: TestClient, incident: int
) -> None:
    made = _made(client, team, incident)
    inv = bearer(team.tokens["investigator"])
    client.post(
        f"/api/v1/testimony/{made['id']}/consents",
        json={"purpose": "share", "given_on": "2024-05-02", "recipient": "ICC"},
        headers=inv,
    )
    # an investigator holds no desk role: the proposal is refused
    token = sign_in(client, "investigator", code=totp_now(SECOND_FACTOR["investigator"]))
    r = client.post(
        f"/testimony/{made['id']}/disclosures",
        data={"csrf_token": token, "recipient": "ICC", "reason": "Summons"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    page = client.get(f"/testimony/{made['id']}").text
    assert "No decision: the identity never leaves." in page
