"""The face finder's boxes for the redaction form's preview: found on a photo of a face,
in pixels of the full picture, none on a picture without one; for those who make drafts."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from skimage import data

from civwatch.evidence.collect import Candidate
from civwatch.evidence.ingest import Ingest, SourceInfo
from tests.support.files import noise_jpeg
from tests.web.conftest import Team, bearer


def _ingest(team: Team, path: Path) -> str:
    (outcome,) = Ingest(team.ws, source=SourceInfo(), collector="alice").run(
        [Candidate(path, path.name)]
    )
    assert outcome.sha256, outcome
    return outcome.sha256


def test_faces_are_boxes_in_pixels_of_the_full_picture(
    team: Team, client: TestClient, tmp_path: Path
) -> None:
    path = tmp_path / "astronaut.jpg"
    Image.fromarray(data.astronaut()).resize((2048, 2048)).save(path, "JPEG", quality=90)
    sha = _ingest(team, path)
    r = client.get(f"/evidence/{sha}/faces", headers=bearer(team.tokens["investigator"]))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["width"], doc["height"]) == (2048, 2048)
    assert len(doc["faces"]) >= 1
    # a box covers the astronaut's face (centred near 764,404 of the full-size picture)
    assert any(
        f["x"] < 764 < f["x"] + f["w"] and f["y"] < 404 < f["y"] + f["h"] and f["w"] < 1024
        for f in doc["faces"]
    ), doc["faces"]
    plain = _ingest(team, noise_jpeg(tmp_path / "noise.jpg"))
    assert (
        client.get(f"/evidence/{plain}/faces", headers=bearer(team.tokens["investigator"])).json()[
            "faces"
        ]
        == []
    )
    # the answer is kept: asked again, the finder does not run again
    kept = list((team.ws.data_dir / "cache" / "previews").glob(f"{sha}.faces-*.json"))
    assert len(kept) == 1
    again = client.get(f"/evidence/{sha}/faces", headers=bearer(team.tokens["investigator"]))
    assert again.json() == doc
    # a reader who cannot make drafts is not given the boxes
    viewer = client.get(f"/evidence/{sha}/faces", headers=bearer(team.tokens["viewer"]))
    assert viewer.status_code == 403
