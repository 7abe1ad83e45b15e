"""Witnesses and internal notes are seen only by the people who work on the incident (and
by reviewers while it waits for review), and every read or refusal is in the audit log,
with ids and never a witness's name.

The attack: any investigator or verifier could read the names, contacts and locations of
the witnesses of every incident, and nothing recorded that they had.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from civwatch.accounts import add_user
from civwatch.accounts.credentials import set_password
from civwatch.accounts.models import AuditRecord, User
from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import create_token
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.internal_fields import add_witness
from civwatch.incidents.service import create_incident, link_evidence
from civwatch.incidents.workflow import set_incident_status
from civwatch.workspace import Workspace
from tests.incidents.helpers import incident_doc, ingest_photo, verify_item
from tests.web.conftest import PASSWORD, Team, bearer, sign_in

API = "/api/v1"
#: In every witness field: must never reach the audit log.
NAME = "Olena WITNESS-4c1d"


@dataclass
class Case:
    incident: int
    witness: int
    sha256: str
    outsider: dict[str, str]


def _token(ws: Workspace, username: str, role: str) -> str:
    with ws.sessions() as session:
        u = session.scalars(select(User).where(User.username == username)).one()
        who = Principal(u.id, u.username, u.display_name, frozenset(u.roles), "session")
    token: str = create_token(ws, who, "tests", role)["token"]
    return token


@pytest.fixture
def case(team: Team, places: Gazetteer, tmp_path: Path) -> Case:
    """An incident of 'investigator' with a witness; 'outsider', another investigator."""
    ws = team.ws
    inc = create_incident(ws, incident_doc(), actor="investigator", places=places)["id"]
    witness = add_witness(
        ws, inc, NAME, contact=f"+380 {NAME}", lat=49.99, lon=36.23, note=NAME, actor="investigator"
    )
    add_user(ws, "outsider", "Outsider", ["investigator"], actor="admin")
    set_password(ws, "outsider", PASSWORD, actor="admin")
    sha = ingest_photo(ws, tmp_path / "photos", caption="Missile hit the hospital")
    verify_item(ws, sha, author="investigator", reviewer="verifier")
    return Case(inc, witness["id"], sha, bearer(_token(ws, "outsider", "investigator")))


def _audit(ws: Workspace) -> list[AuditRecord]:
    with ws.sessions() as session:
        return list(session.scalars(select(AuditRecord).order_by(AuditRecord.id)))


def _reads(ws: Workspace) -> list[dict[str, Any]]:
    return [
        {"actor": a.actor, "outcome": a.outcome, "target": a.target, "detail": a.detail}
        for a in _audit(ws)
        if a.action == "incident-internal-read"
    ]


def _no_name_in_the_audit_log(ws: Workspace) -> None:
    for a in _audit(ws):
        row = json.dumps([a.actor, a.action, a.target, a.client, a.detail])
        assert "Olena" not in row and "WITNESS" not in row, row


def test_an_investigator_not_on_the_incident_is_refused_and_it_is_audited(
    team: Team, client: TestClient, case: Case
) -> None:
    inc, out = case.incident, case.outsider
    r = client.get(f"{API}/incidents/{inc}/internal", headers=out)
    assert r.status_code == 403 and "work on" in r.json()["detail"]
    assert NAME not in r.text
    assert _reads(team.ws)[-1] == {
        "actor": "outsider",
        "outcome": "denied",
        "target": f"incident:{inc}",
        "detail": {"reason": "not on the team"},
    }
    # nor may they write: each answer would show the witnesses
    refused = [
        client.put(f"{API}/incidents/{inc}/internal-notes", json={"notes": "n"}, headers=out),
        client.post(f"{API}/incidents/{inc}/witnesses", json={"name": "X"}, headers=out),
        client.delete(f"{API}/incidents/{inc}/witnesses/{case.witness}", headers=out),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert all(NAME not in r.text for r in refused)
    inv = bearer(team.tokens["investigator"])
    shown = client.get(f"{API}/incidents/{inc}/internal", headers=inv).json()
    assert [w["name"] for w in shown["witnesses"]] == [NAME] and shown["internal_notes"] == ""
    # a verifier who has not worked on it is refused too while it is not in review
    r = client.get(f"{API}/incidents/{inc}/internal", headers=bearer(team.tokens["verifier"]))
    assert r.status_code == 403
    # a publisher never (the route's permission), and that refusal is audited as well
    r = client.get(f"{API}/incidents/{inc}/internal", headers=bearer(team.tokens["publisher"]))
    assert r.status_code == 403
    assert [a.outcome for a in _audit(team.ws) if a.action == "authorise"][-1] == "denied"
    _no_name_in_the_audit_log(team.ws)


def test_the_team_reads_and_each_read_is_audited_with_ids_only(
    team: Team, client: TestClient, case: Case
) -> None:
    inc = case.incident
    inv = bearer(team.tokens["investigator"])
    r = client.get(f"{API}/incidents/{inc}/internal", headers=inv)
    assert r.status_code == 200 and r.json()["witnesses"][0]["contact"] == f"+380 {NAME}"
    assert _reads(team.ws)[-1] == {
        "actor": "investigator",
        "outcome": "ok",
        "target": f"incident:{inc}",
        "detail": {"witnesses": [case.witness], "access": "team"},
    }
    # a witness removed: the answer lists the others, and is a read too
    other = client.post(f"{API}/incidents/{inc}/witnesses", json={"name": NAME}, headers=inv)
    assert other.status_code == 201
    r = client.delete(f"{API}/incidents/{inc}/witnesses/{case.witness}", headers=inv)
    assert [w["id"] for w in r.json()["witnesses"]] == [other.json()["id"]]
    assert _reads(team.ws)[-1]["detail"] == {"witnesses": [other.json()["id"]], "access": "team"}
    # linking evidence to the incident is work on it: the outsider joins its team
    out = case.outsider
    assert client.get(f"{API}/incidents/{inc}/internal", headers=out).status_code == 403
    set_incident_status(team.ws, inc, "under_verification", actor="investigator")
    r = client.post(
        f"{API}/incidents/{inc}/evidence",
        json={"sha256": case.sha256, "role": "primary"},
        headers=out,
    )
    assert r.status_code in (200, 201), r.text
    assert client.get(f"{API}/incidents/{inc}/internal", headers=out).status_code == 200
    assert _reads(team.ws)[-1]["actor"] == "outsider"
    _no_name_in_the_audit_log(team.ws)


def test_a_reviewer_sees_the_internal_fields_while_the_incident_waits_for_review(
    team: Team, client: TestClient, case: Case
) -> None:
    inc = case.incident
    ver = bearer(team.tokens["verifier"])
    assert client.get(f"{API}/incidents/{inc}/internal", headers=ver).status_code == 403
    set_incident_status(team.ws, inc, "under_verification", actor="investigator")
    link_evidence(team.ws, inc, case.sha256, role="primary", actor="investigator")
    set_incident_status(team.ws, inc, "verified", actor="investigator")  # to review
    r = client.get(f"{API}/incidents/{inc}/internal", headers=ver)
    assert r.status_code == 200 and r.json()["witnesses"][0]["name"] == NAME
    assert _reads(team.ws)[-1]["detail"] == {"witnesses": [case.witness], "access": "review"}


def test_the_incident_page_shows_the_internal_section_to_the_team_only(
    team: Team, client: TestClient, case: Case
) -> None:
    inc = case.incident
    sign_in(client, "outsider")
    page = client.get(f"/incidents/{inc}").text
    assert "Witnesses and internal notes" not in page and f"/incidents/{inc}/internal" not in page
    r = client.get(f"/incidents/{inc}/internal")
    assert r.status_code == 403 and NAME not in r.text
    assert _reads(team.ws)[-1]["outcome"] == "denied"
    sign_in(client, "investigator")
    page = client.get(f"/incidents/{inc}").text
    assert "Witnesses and internal notes" in page and f'href="/incidents/{inc}/internal"' in page
    assert NAME not in page  # shown only on its own page, each opening recorded
    r = client.get(f"/incidents/{inc}/internal")
    assert r.status_code == 200 and NAME in r.text and "+380" in r.text
    assert "recorded" in r.text
    assert _reads(team.ws)[-1] == {
        "actor": "investigator",
        "outcome": "ok",
        "target": f"incident:{inc}",
        "detail": {"witnesses": [case.witness], "access": "team"},
    }
    _no_name_in_the_audit_log(team.ws)
