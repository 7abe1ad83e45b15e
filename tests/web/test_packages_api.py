"""The evidence package download: preview, ZIP download that verifies on its own, the
export in the custody and audit logs, refusals."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import bagit
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, link_evidence
from civwatch.publish.models import PackageExport
from tests.incidents.helpers import incident_doc
from tests.support.files import noise_jpeg
from tests.web.conftest import Team, bearer, sign_in


@pytest.fixture
def incident_id(team: Team, tmp_path: Path, places: Gazetteer) -> int:
    path = noise_jpeg(tmp_path / "strike.jpg", size=(48, 48))
    (outcome,) = Ingest(team.ws, source=SourceInfo(), collector="investigator").run(
        [Candidate(path, path.name)]
    )
    assert outcome.sha256
    incident = create_incident(team.ws, incident_doc(), actor="investigator", places=places)
    link_evidence(team.ws, incident["id"], outcome.sha256, actor="investigator")
    return int(incident["id"])


def _unzip(content: bytes, into: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        assert all(not n.startswith("/") and ".." not in n.split("/") for n in names)
        archive.extractall(into)
    (top,) = {n.split("/")[0] for n in names}
    return into / top


def test_preview_then_download_a_package_that_verifies(
    team: Team, client: TestClient, incident_id: int, tmp_path: Path
) -> None:
    headers = bearer(team.tokens["verifier"])
    preview = client.get(f"/api/v1/incidents/{incident_id}/package", headers=headers)
    assert preview.status_code == 200, preview.text
    plan = preview.json()
    assert len(plan["items"]) == 1 and plan["items"][0]["redacted_copy"] is False
    assert any("witnesses" in line for line in plan["excluded"])

    r = client.post(
        f"/api/v1/incidents/{incident_id}/package",
        data={"recipient": "Prosecutor's office", "include_originals": "true"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert 'filename="civwatch-incident-' in r.headers["content-disposition"]
    bag = _unzip(r.content, tmp_path / "unzipped")
    bagit.Bag(str(bag)).validate()
    assert list((bag / "data" / "items").glob("*/original.jpg"))
    # Checked against the key fingerprint the organisation publishes (the custody head).
    fingerprint = client.get("/api/v1/custody/head", headers=headers).json()["key_fingerprint"]
    assert len(fingerprint) == 64
    assert fingerprint in (bag / "README.txt").read_text()
    for key, status in ((["--key", fingerprint], 0), ([], 3), (["--key", "f" * 64], 1)):
        proc = subprocess.run(
            [sys.executable, "-I", "-S", str(bag / "verify.py"), str(bag), *key],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == status, proc.stdout
    assert "to Prosecutor's office" in proc.stdout

    # The export has its row, written with its custody entry.
    with team.ws.sessions() as session:
        (row,) = session.scalars(select(PackageExport)).all()
    assert (row.actor, row.recipient, row.media) == ("verifier", "Prosecutor's office", "originals")

    # Recorded in the audit log, and no working files are left in the data folder.
    audit = client.get(
        "/api/v1/audit", params={"action": "package-export"}, headers=bearer(team.tokens["admin"])
    ).json()
    assert audit[0]["actor"] == "verifier" and audit[0]["target"] == f"incident:{incident_id}"
    assert audit[0]["detail"]["recipient"] == "Prosecutor's office"
    assert audit[0]["detail"]["media"] == "originals"
    assert not list(team.ws.data_dir.glob(".export-*"))
    info = json.loads((bag / "civwatch-package.json").read_text())
    assert info["export_leaf"] == audit[0]["detail"]["export_leaf"]


def test_a_browser_form_needs_its_csrf_token(
    team: Team, client: TestClient, incident_id: int
) -> None:
    token = sign_in(client, "investigator")
    url = f"/api/v1/incidents/{incident_id}/package"
    assert client.post(url, data={"recipient": "x"}).status_code == 403
    r = client.post(url, data={"recipient": "x", "csrf_token": token})
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_refusals_and_bad_requests(team: Team, client: TestClient, incident_id: int) -> None:
    viewer = bearer(team.tokens["viewer"])
    url = f"/api/v1/incidents/{incident_id}/package"
    assert client.post(url, headers=viewer).status_code == 403
    assert client.get(url, headers=viewer).status_code == 403
    investigator = bearer(team.tokens["investigator"])
    missing = client.post("/api/v1/incidents/424242/package", headers=investigator)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "No incident 424242" in missing.json()["detail"]
    too_long = client.post(
        f"/api/v1/incidents/{incident_id}/package",
        data={"recipient": "x" * 501},
        headers=investigator,
    )
    assert too_long.status_code == 422
    assert not list(team.ws.data_dir.glob(".export-*"))
