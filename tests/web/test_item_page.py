"""The evidence item page: preview, metadata, copies, custody, verification forms; what each
role sees and may do; script payloads in names, captions and EXIF rendered inert."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from civwatch.accounts.credentials import set_password
from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, link_evidence
from tests.incidents.helpers import incident_doc
from tests.support.files import photo
from tests.web.conftest import PASSWORD, Team, bearer, csrf_of, sign_in

XSS = "<script>alert(1)</script>"


def _ingest(team: Team, path: Path, caption: str | None = None) -> str:
    (outcome,) = Ingest(
        team.ws, source=SourceInfo(caption=caption, platform="telegram"), collector="alice"
    ).run([Candidate(path, path.name)])
    assert outcome.sha256, outcome
    return outcome.sha256


@pytest.fixture
def hostile(team: Team, tmp_path: Path) -> str:
    """A photo with GPS whose EXIF description, file name and caption carry script."""
    path = photo(tmp_path / "<img src=x onerror=alert(2)>.jpg", lat=49.99, lon=36.23)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", f"-ImageDescription={XSS}", str(path)],
        check=True,
    )
    return _ingest(team, path, caption='"><svg onload=alert(3)>')


@pytest.fixture
def note(team: Team, tmp_path: Path) -> str:
    path = tmp_path / "note.html"
    path.write_text("<html><script>alert(4)</script></html>\n")
    return _ingest(team, path)


def _passwords(team: Team, *names: str) -> None:
    for name in names:
        set_password(team.ws, name, PASSWORD, actor="admin")


def test_page_shows_the_item_and_renders_hostile_text_inert(
    team: Team, client: TestClient, hostile: str
) -> None:
    r = client.get(f"/evidence/{hostile}", headers=bearer(team.tokens["investigator"]))
    assert r.status_code == 200
    page = r.text
    for raw in (XSS, "<img src=x", "<svg onload"):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the EXIF description, escaped
    assert "&lt;img src=x onerror=alert(2)&gt;.jpg" in page  # the file name
    assert "&#34;&gt;&lt;svg onload=alert(3)&gt;" in page  # the caption
    # metadata, EXIF location (as text without JavaScript, and a map box), custody, download
    assert "gps lat" in page and "Latitude 49.99" in page and 'id="item-map"' in page
    assert f'src="/evidence/{hostile}/preview"' in page
    assert f'href="/api/v1/evidence/{hostile}/media"' in page
    assert f'href="/api/v1/evidence/{hostile}/proof"' in page
    assert 'data-label="Act">ingest</td>' in page and 'data-label="Act">extract</td>' in page
    assert "All metadata read by exiftool" in page
    assert "No known copies" in page and "Not linked to any incident" in page
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_viewer_sees_no_download_and_cannot_download(
    team: Team, client: TestClient, hostile: str
) -> None:
    auth = bearer(team.tokens["viewer"])
    page = client.get(f"/evidence/{hostile}", headers=auth).text
    assert "/media" not in page and "Download the original" not in page
    assert "Add a verification record" not in page and "Start verification" not in page
    assert client.get(f"/api/v1/evidence/{hostile}/media", headers=auth).status_code == 403
    # the viewer still sees the preview (a derivative, not the original)
    assert client.get(f"/evidence/{hostile}/preview", headers=auth).status_code == 200


def test_preview_is_a_small_clean_image_never_the_original(
    team: Team, client: TestClient, hostile: str
) -> None:
    auth = bearer(team.tokens["viewer"])
    r = client.get(f"/evidence/{hostile}/preview", headers=auth)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "no-cache" in r.headers["cache-control"]  # revalidated: see test_thumbnails
    with team.ws.vault.open(hostile) as f:
        original = f.read()
    assert r.content != original and b"alert" not in r.content
    image = Image.open(io.BytesIO(r.content))
    assert max(image.size) <= 1024 and not image.getexif()
    assert b"GPS" not in r.content and b"Exif" not in r.content
    again = client.get(f"/evidence/{hostile}/preview", headers=auth)  # from the cache
    assert again.content == r.content


def test_preview_refuses_other_types_cleanly(team: Team, client: TestClient, note: str) -> None:
    auth = bearer(team.tokens["investigator"])
    r = client.get(f"/evidence/{note}/preview", headers=auth)
    assert r.status_code == 422 and "no preview of text/html" in r.text
    assert "alert(4)" not in r.text
    page = client.get(f"/evidence/{note}", headers=auth).text
    assert "No preview for this type of file (text/html)" in page and "/preview" not in page
    media = client.get(f"/api/v1/evidence/{note}/media", headers=auth)
    assert media.headers["content-type"] == "application/octet-stream"
    assert media.headers["content-disposition"].startswith("attachment")


def test_video_preview_is_one_frame(team: Team, client: TestClient, tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10",
         "-t", "2", "-pix_fmt", "yuv420p", str(video)],
        check=True,
    )  # fmt: skip
    sha = _ingest(team, video)
    auth = bearer(team.tokens["viewer"])
    r = client.get(f"/evidence/{sha}/preview", headers=auth)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(r.content)).size == (320, 240)
    assert "One frame of the video" in client.get(f"/evidence/{sha}", headers=auth).text


def test_verification_through_the_forms_with_two_people(
    team: Team, client: TestClient, hostile: str, places: Gazetteer
) -> None:
    incident = create_incident(team.ws, incident_doc(), actor="investigator", places=places)
    link_evidence(team.ws, incident["id"], hostile, actor="investigator")
    _passwords(team, "verifier")
    csrf = sign_in(client, "investigator")
    url = f"/evidence/{hostile}"
    page = client.get(url).text
    assert f'href="/incidents/{incident["id"]}"' in page
    assert "Add geolocation record" in page and "Review the proposed outcome" not in page
    # without the CSRF token nothing is written
    r = client.post(f"{url}/records", data={"kind": "source", "account": "@x"})
    assert r.status_code == 403
    geo = {
        "csrf_token": csrf,
        "kind": "geolocation",
        "lat": "49.99",
        "lon": "36,23",
        "precision_m": "50",
        "method": "skyline matched to satellite imagery",
        "references": "https://example.org/a\n\nhttps://example.org/b",
    }
    r = client.post(f"{url}/records", data=geo, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=record#verification")
    chrono = {
        "csrf_token": csrf,
        "kind": "chronolocation",
        "window_start": "2022-03-09T10:00",
        "window_end": "2022-03-09T12:00",
        "method": "shadows",
    }
    assert client.post(f"{url}/records", data=chrono, follow_redirects=False).status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Verification record added." in page
    assert "skyline matched to satellite imagery" in page
    assert "https://example.org/a, https://example.org/b" in page
    # a bad record is refused with the service's message, on the page
    bad = client.post(f"{url}/records", data={**geo, "lat": "north"})
    assert bad.status_code == 422 and "Lat must be a number" in bad.text
    r = client.post(
        f"{url}/status", data={"csrf_token": csrf, "status": "verified"}, follow_redirects=False
    )
    assert r.status_code == 303
    page = client.get(url).text
    assert "waiting for a second verifier" in page
    # the investigator holds no REVIEW permission
    assert (
        client.post(f"{url}/review", data={"csrf_token": csrf, "decision": "approve"}).status_code
        == 403
    )
    client.post("/signout", data={"csrf_token": csrf})
    csrf = sign_in(client, "verifier")
    page = client.get(url).text
    assert "Review the proposed outcome" in page
    reject = client.post(f"{url}/review", data={"csrf_token": csrf, "decision": "reject"})
    assert reject.status_code == 422 and "needs a reason" in reject.text
    r = client.post(
        f"{url}/review",
        data={"csrf_token": csrf, "decision": "approve"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "status-verified" in page and "Review decision recorded." in page
    assert "Reopen" in page
    audit = client.get(
        "/api/v1/audit", params={"action": "item-review"}, headers=bearer(team.tokens["admin"])
    ).json()
    assert audit[0]["actor"] == "verifier" and audit[0]["target"] == f"evidence:{hostile}"


def test_proposer_is_not_offered_the_review(team: Team, client: TestClient, hostile: str) -> None:
    from civwatch.incidents.verification import add_record, set_item_status

    add_record(
        team.ws,
        hostile,
        "content",
        {"damage": "roof collapsed"},
        actor="verifier",
    )
    set_item_status(team.ws, hostile, "unverifiable", actor="verifier")
    _passwords(team, "verifier")
    csrf = sign_in(client, "verifier")
    page = client.get(f"/evidence/{hostile}").text
    assert "a different verifier must review it" in page
    assert "Review the proposed outcome" not in page
    r = client.post(f"/evidence/{hostile}/review", data={"csrf_token": csrf, "decision": "approve"})
    assert r.status_code == 403 and "cannot review it" in r.text


def test_unknown_item_and_stranger(team: Team, client: TestClient) -> None:
    r = client.get("/evidence/" + "0" * 64, headers=bearer(team.tokens["viewer"]))
    assert r.status_code == 404 and "No evidence item" in r.text
    r = client.get("/evidence/" + "0" * 64, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
    assert csrf_of(client.get("/signin").text)
