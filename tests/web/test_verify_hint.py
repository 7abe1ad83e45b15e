"""The incident page says before anyone submits what proposing it as verified needs (a
linked evidence item that is verified), instead of answering 422 afterwards."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, link_evidence
from civwatch.incidents.workflow import set_incident_status
from tests.incidents.helpers import incident_doc
from tests.support.files import photo
from tests.web.conftest import Team, sign_in

HINT = "“Verified” needs at least one linked evidence item that is verified"


def test_the_verified_outcome_says_what_it_needs_before_submitting(
    team: Team, client: TestClient, places: Gazetteer, tmp_path: Path
) -> None:
    ws = team.ws
    path = photo(tmp_path / "p.jpg", seed=8)
    (outcome,) = Ingest(ws, source=SourceInfo(), collector="investigator").run(
        [Candidate(path, path.name)]
    )
    assert outcome.sha256
    made = create_incident(ws, incident_doc(), actor="investigator", places=places)
    link_evidence(ws, made["id"], outcome.sha256, role="primary", actor="investigator")
    set_incident_status(ws, made["id"], "under_verification", actor="investigator")
    sign_in(client, "investigator")
    page = client.get(f"/incidents/{made['id']}").text
    assert HINT in page
    verified = page.split('value="verified"', 1)[1].split(">", 1)[0]
    assert "disabled" in verified  # it cannot be chosen; the others can
    other = page.split('value="unverifiable"', 1)[1].split(">", 1)[0]
    assert "disabled" not in other
