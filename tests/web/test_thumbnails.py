"""Thumbnails of evidence (inbox, copies, review queue, pickers): made from the preview
pipeline (re-encoded, no metadata, never the original), and never left in a browser's
cache for whoever uses that browser after the person allowed to see them signed out."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image

from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from civwatch.web.app import create_app
from tests.support.files import photo
from tests.web.conftest import BASE, Team, bearer


def _ingest(team: Team, path: Path) -> str:
    (outcome,) = Ingest(team.ws, source=SourceInfo(), collector="alice").run(
        [Candidate(path, path.name)]
    )
    assert outcome.sha256, outcome
    return outcome.sha256


def test_thumbnail_is_small_clean_and_never_the_original(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    path = photo(tmp_path / "strike.jpg", lat=49.99, lon=36.23)
    with Image.open(path) as small:
        small.resize((1600, 1200)).save(path, "JPEG", exif=small.getexif())
    sha = _ingest(team, path)
    auth = bearer(team.tokens["viewer"])
    r = client.get(f"/evidence/{sha}/thumbnail", headers=auth)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.content != path.read_bytes() and b"GPS" not in r.content and b"Exif" not in r.content
    shown = Image.open(io.BytesIO(r.content))
    assert max(shown.size) == 160 and not shown.getexif()
    assert "max-age" not in r.headers["cache-control"]
    # no parameter gets a bigger picture out of the thumbnail route
    bigger = client.get(f"/evidence/{sha}/thumbnail?side=4000&size=4000", headers=auth)
    assert Image.open(io.BytesIO(bigger.content)).size == shown.size
    # someone not signed in gets no picture at all
    with TestClient(create_app(team.ws.settings), base_url=BASE) as stranger:
        r = stranger.get(f"/evidence/{sha}/thumbnail", follow_redirects=False)
        assert r.status_code in (303, 401) and not r.headers.get("content-type", "").startswith(
            "image/"
        )


def test_signed_out_browser_cannot_replay_a_cached_picture(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    """The attack: on a shared computer the next person opens the picture's address after
    the investigator signed out. A response a browser may reuse without asking (max-age)
    would show them the unredacted photo from the cache; each use must be revalidated with
    the server, which asks who is asking before answering 304."""
    sha = _ingest(team, photo(tmp_path / "a.jpg"))
    auth = bearer(team.tokens["investigator"])
    for kind in ("preview", "thumbnail"):
        r = client.get(f"/evidence/{sha}/{kind}", headers=auth)
        assert r.status_code == 200
        cache = r.headers["cache-control"]
        assert "private" in cache and ("no-cache" in cache or "no-store" in cache), (kind, cache)
        tag = r.headers["etag"]
        again = client.get(f"/evidence/{sha}/{kind}", headers={**auth, "If-None-Match": tag})
        assert again.status_code == 304 and not again.content
        with TestClient(create_app(team.ws.settings), base_url=BASE) as stranger:
            replay = stranger.get(
                f"/evidence/{sha}/{kind}", headers={"If-None-Match": tag}, follow_redirects=False
            )
            assert replay.status_code in (303, 401), (kind, replay.status_code)
