"""The incident page says before anyone submits what proposing it as verified needs (a
linked evidence item that is verified), instead of answering 422 afterwards; and those
allowed to export download its evidence package from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, link_evidence
from civwatch.incidents.workflow import set_incident_status
from tests.incidents.helpers import incident_doc
from tests.support.files import photo
from tests.web.conftest import Team, sign_in


def _with_evidence(team: Team, places: Gazetteer, tmp_path: Path) -> dict[str, Any]:
    """An incident with one linked, unverified photo."""
    path = photo(tmp_path / "p.jpg", seed=8)
    (outcome,) = Ingest(team.ws, source=SourceInfo(), collector="investigator").run(
        [Candidate(path, path.name)]
    )
    assert outcome.sha256
    made = create_incident(team.ws, incident_doc(), actor="investigator", places=places)
    link_evidence(team.ws, made["id"], outcome.sha256, role="primary", actor="investigator")
    return made


HINT = "“Verified” needs at least one linked evidence item that is verified"


def test_the_verified_outcome_says_what_it_needs_before_submitting(
    team: Team, client: TestClient, places: Gazetteer, tmp_path: Path
) -> None:
    ws = team.ws
    made = _with_evidence(team, places, tmp_path)
    set_incident_status(ws, made["id"], "under_verification", actor="investigator")
    sign_in(client, "investigator")
    page = client.get(f"/incidents/{made['id']}").text
    assert HINT in page
    verified = page.split('value="verified"', 1)[1].split(">", 1)[0]
    assert "disabled" in verified  # it cannot be chosen; the others can
    other = page.split('value="unverifiable"', 1)[1].split(">", 1)[0]
    assert "disabled" not in other


def test_those_allowed_to_export_download_the_package_from_the_incident_page(
    team: Team, client: TestClient, places: Gazetteer, tmp_path: Path
) -> None:
    made = _with_evidence(team, places, tmp_path)
    csrf = sign_in(client, "investigator")
    page = client.get(f"/incidents/{made['id']}").text
    assert "Download the evidence package (ZIP)" in page
    got = client.post(
        f"/api/v1/incidents/{made['id']}/package",
        data={"csrf_token": csrf, "recipient": "Prosecutor's office"},
    )
    assert got.status_code == 200 and got.content[:2] == b"PK", got.text[:300]
    assert got.headers["content-disposition"].endswith('.zip"')
    viewer = client.get(
        f"/incidents/{made['id']}", headers={"Authorization": f"Bearer {team.tokens['viewer']}"}
    )
    assert viewer.status_code == 200 and "Download the evidence package" not in viewer.text
