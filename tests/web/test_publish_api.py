"""The publishing API: each route with each role, and a publication from start to end over
HTTP (verified incident, redacted photo previewed and approved, correction, withdrawal)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from civwatch.accounts.permissions import ALL_ROLES, Permission, allows
from civwatch.evidence.ingest import SourceInfo, ingest_paths
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, link_evidence
from civwatch.incidents.verification import add_record, review_item, set_item_status
from civwatch.incidents.workflow import review_incident, set_incident_status
from civwatch.media.metadata_check import check_clean
from civwatch.web.app import declared_routes
from tests.incidents.helpers import CHRONO, GEO, incident_doc
from tests.publish.test_redaction import astronaut_jpeg
from tests.web import calls_publish, test_permissions
from tests.web.conftest import Team, bearer
from tests.web.test_permissions import _call

#: The route walk's sample item and incident (a fixture).
samples = test_permissions.samples
MARKER = "MARKER-51b2-INTERNAL"


@pytest.mark.parametrize("role", [None, *sorted(ALL_ROLES)])
def test_publish_routes_follow_the_permission_table(
    team: Team,
    client: TestClient,
    samples: dict[str, str],
    role: str | None,
) -> None:
    declared = {(m, p): perm for m, p, perm in declared_routes()}
    assert set(calls_publish.CALLS) <= set(declared)
    headers = bearer(team.tokens[role]) if role else {}
    wrong = []
    for method, path in calls_publish.CALLS:
        perm = declared[(method, path)]
        assert perm is not None
        status = _call(client, method, path, samples, headers, role)
        allowed = role is not None and allows({role}, perm)
        refusal = 401 if role is None else 403
        if (allowed and status in (401, 403)) or (not allowed and status != refusal):
            wrong.append(f"{method} {path} as {role}: {status} ({perm})")
    assert not wrong, "\n".join(wrong)
    assert declared[("POST", "/api/v1/redactions/{redaction_id}/approve")] is Permission.PUBLISH
    assert declared[("POST", "/api/v1/evidence/{sha256}/redactions")] is Permission.INCIDENTS_WRITE


def _verified_incident(team: Team, places: Gazetteer, folder: Path) -> tuple[int, str]:
    ws = team.ws
    folder.mkdir()
    photo = astronaut_jpeg(folder / "astronaut.jpg")
    (outcome,) = list(ingest_paths(ws, [photo], source=SourceInfo(), collector="investigator"))
    sha = outcome.sha256
    assert sha
    add_record(ws, sha, "geolocation", GEO, actor="investigator")
    add_record(ws, sha, "chronolocation", CHRONO, actor="investigator")
    set_item_status(ws, sha, "verified", actor="investigator")
    review_item(ws, sha, "approve", actor="verifier")
    inc = create_incident(ws, incident_doc(), actor="investigator", places=places)["id"]
    set_incident_status(ws, inc, "under_verification", actor="investigator")
    link_evidence(ws, inc, sha, role="primary", actor="investigator")
    set_incident_status(ws, inc, "verified", actor="investigator")
    review_incident(ws, inc, "approve", actor="verifier")
    return int(inc), sha


def test_a_publication_over_http(
    team: Team, client: TestClient, places: Gazetteer, tmp_path: Path
) -> None:
    inc, sha = _verified_incident(team, places, tmp_path / "in")
    pub, inv = bearer(team.tokens["publisher"]), bearer(team.tokens["investigator"])

    # internal fields: investigators only, never in the incident record
    r = client.put(f"/api/v1/incidents/{inc}/internal-notes", json={"notes": MARKER}, headers=inv)
    assert r.status_code == 200 and r.json()["internal_notes"] == MARKER
    r = client.post(
        f"/api/v1/incidents/{inc}/witnesses",
        json={"name": f"Olena {MARKER}", "contact": "+380 00", "lat": 49.99, "lon": 36.23},
        headers=inv,
    )
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/incidents/{inc}/internal", headers=pub).status_code == 403
    bad = client.post(
        f"/api/v1/incidents/{inc}/witnesses", json={"name": "X", "lat": 91, "lon": 0}, headers=inv
    )
    assert bad.status_code == 422 and "latitude" in bad.json()["detail"].lower()

    # the public location: settlement by default, exact only when a publisher says so
    r = client.put(
        f"/api/v1/incidents/{inc}/location-precision", json={"precision": "exact"}, headers=pub
    )
    assert r.status_code == 200 and r.json()["public_location"]["precision"] == "exact"
    r = client.put(
        f"/api/v1/incidents/{inc}/location-precision", json={"precision": "nearby"}, headers=pub
    )
    assert r.status_code == 422

    # publish: the photo is not shown until a redaction of it is approved
    r = client.post(f"/api/v1/incidents/{inc}/publish", json={"note": "First."}, headers=pub)
    assert r.status_code == 200, r.text
    assert r.json()["unredacted_media"] == [sha]
    assert MARKER not in r.text and "Olena" not in r.text

    # draft a redaction, preview it, approve it as a second person
    r = client.post(
        f"/api/v1/evidence/{sha}/redactions",
        json={"regions": [{"x": 0, "y": 0, "w": 0.1, "h": 0.1, "unit": "fraction"}]},
        headers=inv,
    )
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["status"] == "draft" and draft["faces_found"] >= 1
    assert draft["regions"] == [{"x": 0, "y": 0, "w": 52, "h": 52}]
    outside = client.post(
        f"/api/v1/evidence/{sha}/redactions",
        json={"regions": [{"x": 900, "y": 0, "w": 10, "h": 10}]},
        headers=inv,
    )
    assert outside.status_code == 422 and "outside the picture" in outside.json()["detail"]
    assert draft["removed_faces"] == []
    for junk in ([{"x": "a", "y": 0, "w": 5, "h": 5}], "1,2,3,4", [{"x": 0}]):
        bad = client.post(
            f"/api/v1/evidence/{sha}/redactions", json={"removed_faces": junk}, headers=inv
        )
        assert bad.status_code == 422, bad.text
    preview = client.get(f"/api/v1/redactions/{draft['id']}/preview", headers=pub)
    assert preview.status_code == 200
    assert preview.headers["content-type"] == "image/jpeg"
    assert preview.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in preview.headers["content-security-policy"]
    assert Image.open(io.BytesIO(preview.content)).size == (512, 512)
    saved = tmp_path / "preview.jpg"
    saved.write_bytes(preview.content)
    check_clean(saved)
    r = client.post(f"/api/v1/redactions/{draft['id']}/approve", json={}, headers=pub)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert client.get(f"/api/v1/redactions/{draft['id']}", headers=inv).json()["decided_by"] == (
        "publisher"
    )

    # correct, then withdraw: the public history keeps every notice
    r = client.post(
        f"/api/v1/incidents/{inc}/corrections", json={"note": "Time corrected."}, headers=pub
    )
    assert r.status_code == 201 and r.json()["visibility"] == "public"
    r = client.post(f"/api/v1/incidents/{inc}/withdraw", json={"reason": ""}, headers=pub)
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/incidents/{inc}/withdraw", json={"reason": "Location disputed."}, headers=pub
    )
    assert r.status_code == 200 and r.json()["visibility"] == "internal"
    history = client.get(f"/api/v1/incidents/{inc}/public-history", headers=inv).json()
    assert [h["kind"] for h in history] == ["published", "corrected", "withdrawn"]
    assert all(re.match(r"\d{4}-\d\d-\d\dT", h["at"]) for h in history)
    assert MARKER not in client.get("/api/v1/custody/head", headers=inv).text
