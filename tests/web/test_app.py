"""The evidence API and inbox as a signed-in user sees them: problems, markup made inert."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from tests.support.files import noise_jpeg
from tests.web.conftest import Team, bearer, sign_in


@pytest.fixture
def ingested(team: Team, tmp_path: Path) -> Team:
    path = noise_jpeg(tmp_path / "<script>alert(1)<script>.jpg", size=(32, 32))
    source = SourceInfo(caption="<img src=x onerror=alert(2)>", platform="telegram")
    list(Ingest(team.ws, source=source, collector="alice").run([Candidate(path, path.name)]))
    return team


def test_evidence_list_item_and_head(ingested: Team, client: TestClient) -> None:
    auth = bearer(ingested.tokens["viewer"])
    listing = client.get("/api/v1/evidence", headers=auth).json()
    assert listing["total"] == 1
    sha = listing["items"][0]["sha256"]
    item = client.get(f"/api/v1/evidence/{sha}", headers=auth).json()
    assert item["media_type"] == "image/jpeg" and item["sightings"][0]["collected_by"] == "alice"
    head = client.get("/api/v1/custody/head", headers=auth).json()
    assert head["current_size"] >= 2 and head["public_key"]


def test_errors_are_problem_documents(ingested: Team, client: TestClient) -> None:
    auth = bearer(ingested.tokens["viewer"])
    r = client.get("/api/v1/evidence/" + "0" * 64, headers=auth)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 404 and "No evidence item" in r.json()["detail"]
    r = client.get("/api/v1/evidence/not-hex", headers=auth)
    assert r.status_code == 422 and r.json()["detail"]
    r = client.get("/api/v1/evidence?limit=0", headers=auth)
    assert r.status_code == 422 and "limit" in r.json()["detail"]
    assert r.headers["content-type"] == "application/problem+json"
    r = client.get("/api/v1/no-such-route", headers=auth)
    assert r.status_code == 404 and r.json()["title"] == "Not found"
    r = client.get("/api/v1/evidence")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert "Sign in" in r.json()["detail"]
    r = client.get("/api/v1/evidence", headers=bearer("cw_not-a-real-token"))
    assert r.status_code == 401 and "unknown, revoked" in r.json()["detail"]


def test_page_renders_markup_inert_with_strict_headers(ingested: Team, client: TestClient) -> None:
    sign_in(client, "investigator")
    r = client.get("/")
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text
    assert "&lt;script&gt;alert(1)&lt;script&gt;" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "'unsafe-inline'" not in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/evidence" in schema["paths"]
    assert "401" in schema["paths"]["/api/v1/evidence"]["get"]["responses"]
