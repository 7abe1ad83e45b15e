"""The answer models of /api/v1 describe what the services return, field for field.

FastAPI sends a route's answer through its ``response_model``: a field the model lacks
would vanish from the answer without a word. For rich answers (an incident with
casualties broken down by group, linked evidence, a witness, a pending change; an evidence
item with its metadata; a published incident) the JSON the API sends must equal what the
domain function returns. Routes that send their answer themselves (the open-data ones)
are not filtered, so there the model must still accept the answer as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from civwatch.accounts import add_user
from civwatch.accounts.models import User
from civwatch.accounts.principal import Principal
from civwatch.accounts.tokens import create_token
from civwatch.evidence.service import get_item
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.internal_fields import internal_fields
from civwatch.incidents.service import get_incident, update_incident
from civwatch.incidents.verification import item_verification
from civwatch.intake.capture_records import captures_of_item
from civwatch.publish.public import PublicFilter, public_incident, public_incidents
from civwatch.web.answers_public import PublicIncident, PublicIncidentPage
from civwatch.workspace import Workspace
from tests.incidents.helpers import TEAM
from tests.publish.published import marked_incident, published_incident, verified_item

API = "/api/v1"

GROUPED = {
    "killed": {
        "min": 2,
        "max": 4,
        "source": "Regional administration",
        "groups": {"children": {"min": 1, "max": 1, "source": "School director"}},
    },
    "injured": {"min": 5, "max": 5, "source": None},
}


def _token(ws: Workspace, username: str, role: str) -> dict[str, str]:
    with ws.sessions() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        who = Principal(user.id, user.username, user.display_name, frozenset(user.roles), "session")
    return {"Authorization": f"Bearer {create_token(ws, who, 'tests', role)['token']}"}


@pytest.fixture
def data(workspace: Workspace, places: Gazetteer, tmp_path: Path) -> dict[str, Any]:
    add_user(workspace, "ada", "Ada", ["admin"], actor=None)
    for name, roles in TEAM.items():
        if name != "ada":
            add_user(workspace, name, name.title(), roles, actor="ada")
    marked = marked_incident(workspace, places, tmp_path / "m")
    sha = verified_item(workspace, tmp_path / "v", seed=3)
    grouped = published_incident(workspace, places, sha, casualties=GROUPED, raion="Kharkivskyi")
    # a change to a published incident waits for a second person: the answer shows it
    current = get_incident(workspace, marked.incident_id)
    update_incident(
        workspace,
        marked.incident_id,
        {"narrative": "A missile hit a school; the roof fell in."},
        actor="ivan",
        expected_revision=current["revision"],
    )
    return {
        "marked": marked,
        "grouped": grouped,
        "sha": sha,
        "ivan": _token(workspace, "ivan", "investigator"),
    }


def _json(r: Any) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


def test_an_incident_answer_is_the_whole_incident(
    client: TestClient, workspace: Workspace, data: dict[str, Any]
) -> None:
    for incident_id in (data["marked"].incident_id, data["grouped"]):
        answer = _json(client.get(f"{API}/incidents/{incident_id}", headers=data["ivan"]))
        assert answer == get_incident(workspace, incident_id)
    marked = _json(
        client.get(f"{API}/incidents/{data['marked'].incident_id}", headers=data["ivan"])
    )
    assert marked["evidence"] and marked["history"] and marked["change"]["diff"]
    grouped = _json(client.get(f"{API}/incidents/{data['grouped']}", headers=data["ivan"]))
    assert grouped["casualties"] == GROUPED


def test_the_internal_fields_answer_keeps_every_witness_field(
    client: TestClient, workspace: Workspace, data: dict[str, Any]
) -> None:
    incident_id = data["marked"].incident_id
    answer = _json(client.get(f"{API}/incidents/{incident_id}/internal", headers=data["ivan"]))
    assert answer["witnesses"]
    assert answer == internal_fields(workspace, incident_id, actor="ivan")


def test_an_evidence_answer_keeps_its_metadata_and_sightings(
    client: TestClient, workspace: Workspace, data: dict[str, Any]
) -> None:
    sha = data["marked"].sha256
    answer = _json(client.get(f"{API}/evidence/{sha}", headers=data["ivan"]))
    assert answer["metadata"]["gps_lat"] is not None and answer["metadata"]["exiftool"]
    assert answer["sightings"][0]["platform"]
    # The API adds the web captures that stored the item (none here) to the item's answer.
    assert answer == {**get_item(workspace, sha), "captures": captures_of_item(workspace, sha)}
    verification = _json(client.get(f"{API}/evidence/{sha}/verification", headers=data["ivan"]))
    assert verification["records"] and verification["checks"]
    assert verification == item_verification(workspace, sha)


def test_the_public_answers_are_what_their_models_say(
    client: TestClient, workspace: Workspace, data: dict[str, Any]
) -> None:
    for incident_id in (data["marked"].incident_id, data["grouped"]):
        answer = _json(client.get(f"{API}/public/incidents/{incident_id}"))
        assert answer == public_incident(workspace, incident_id)
        shown = PublicIncident.model_validate(answer).model_dump(mode="json", exclude_unset=True)
        assert shown == answer
    page = _json(client.get(f"{API}/public/incidents"))
    expected = public_incidents(workspace, PublicFilter())
    assert page["incidents"] == expected["incidents"]
    PublicIncidentPage.model_validate(page)
