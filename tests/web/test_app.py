"""The first, read-only web interface: JSON API, problem documents, the evidence page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.web.app import create_app
from civwatch.workspace import Workspace
from tests.support.files import noise_jpeg


@pytest.fixture
def client(workspace: Workspace, tmp_path) -> Iterator[TestClient]:
    path = noise_jpeg(tmp_path / "<script>alert(1)<script>.jpg", size=(32, 32))
    source = SourceInfo(caption="<img src=x onerror=alert(2)>", platform="telegram")
    list(Ingest(workspace, source=source, collector="alice").run([Candidate(path, path.name)]))
    with TestClient(create_app(workspace.settings)) as c:
        yield c


def test_evidence_list_item_and_head(client: TestClient) -> None:
    listing = client.get("/api/v1/evidence").json()
    assert listing["total"] == 1
    sha = listing["items"][0]["sha256"]
    item = client.get(f"/api/v1/evidence/{sha}").json()
    assert item["media_type"] == "image/jpeg" and item["sightings"][0]["collected_by"] == "alice"
    head = client.get("/api/v1/custody/head").json()
    assert head["current_size"] == 2 and head["public_key"]


def test_errors_are_problem_documents(client: TestClient) -> None:
    r = client.get("/api/v1/evidence/" + "0" * 64)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 404 and "No evidence item" in r.json()["detail"]
    r = client.get("/api/v1/evidence/not-hex")
    assert r.status_code == 422 and r.json()["detail"]


def test_page_renders_markup_inert_with_strict_headers(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text
    assert "&lt;script&gt;alert(1)&lt;script&gt;" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/evidence" in schema["paths"]
