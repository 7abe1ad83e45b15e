"""A face box the reviewer removes is recorded as removed, apart from the faces found and
blurred and the areas marked by hand (row, custody entry, `civwatch verify`); a redaction's
steps and counts read in the reader's language with their plural forms."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import select

from civwatch.custody.models import CustodyLeaf
from civwatch.evidence.ingest import SourceInfo, ingest_paths
from civwatch.geo.gazetteer import Gazetteer
from civwatch.i18n import use_language
from civwatch.incidents.service import create_incident, link_evidence
from civwatch.integrity import verify_workspace
from civwatch.publish.redaction import create_redaction
from civwatch.publish.redaction_words import action_text, areas_text, faces_text
from civwatch.workspace import Workspace
from tests.incidents.helpers import incident_doc
from tests.publish.test_redaction import astronaut_jpeg


def test_a_removed_face_box_is_recorded_as_removed_and_left_unblurred(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    source = astronaut_jpeg(tmp_path / "in" / "astronaut.jpg")
    (outcome,) = list(ingest_paths(team, [source], source=SourceInfo(), collector="ivan"))
    sha = outcome.sha256
    assert sha is not None
    inc = create_incident(team, incident_doc(), actor="ivan", places=places)["id"]
    link_evidence(team, inc, sha, actor="ivan")
    found = create_redaction(team, sha, actor="ivan")
    assert found["faces_found"] >= 1 and found["removed_faces"] == []
    face = found["face_boxes"][0]
    # the reviewer removes that box (a few pixels off, as the preview's finder drew it)
    # and draws an area by hand
    shifted = {**face, "x": face["x"] + 3, "y": face["y"] - 2}
    manual = {"x": 0, "y": 0, "w": 40, "h": 40}
    made = create_redaction(team, sha, [manual], removed_faces=[shifted], actor="ivan")
    assert made["removed_faces"] == [face]
    assert face not in made["face_boxes"]
    assert made["regions"] == [manual]
    assert "1 face box(es) removed by the reviewer, not blurred" in made["actions"]
    # the face the reviewer removed is not blurred: its pixels are the original's
    with Image.open(source) as original, team.vault.open(made["derivative_sha256"]) as f:
        before = np.asarray(original.convert("RGB"), dtype=np.float64)
        after = np.asarray(Image.open(f).convert("RGB"), dtype=np.float64)
    x, y, w, h = face["x"], face["y"], face["w"], face["h"]
    inner = (slice(y + h // 4, y + 3 * h // 4), slice(x + w // 4, x + 3 * w // 4))
    assert np.abs(before[inner] - after[inner]).mean() < 6  # JPEG noise only
    with team.sessions() as session:
        entries = [json.loads(leaf.entry) for leaf in session.scalars(select(CustodyLeaf))]
    entry = [e for e in entries if e["act"] == "redaction-create"][-1]
    assert entry["removed_faces"] == [face] and entry["regions"] == [manual]
    assert entry["face_boxes"] == made["face_boxes"]
    assert verify_workspace(team, rehash=False) == []


def test_counts_and_steps_read_with_plural_forms_in_both_languages() -> None:
    record = {
        "blur_faces": True,
        "face_boxes": [{}] * 4,
        "removed_faces": [{}],
        "faces_found": 4,
    }
    with use_language("en"):
        assert action_text("1 face(s) found and blurred") == "1 face found and blurred"
        assert action_text("4 face(s) found and blurred") == "4 faces found and blurred"
        assert action_text("2 region(s) blurred by hand") == "2 areas blurred by hand"
        assert faces_text(record) == (
            "4 faces found and blurred; 1 more found and removed by the reviewer (not blurred)"
        )
        assert areas_text(1) == "1 area"
        assert action_text("something new") == "something new"
    with use_language("uk"):
        assert action_text("1 face(s) found and blurred") == "1 обличчя знайдено й розмито"
        assert action_text("4 face(s) found and blurred") == "4 обличчя знайдено й розмито"
        assert action_text("5 face(s) found and blurred") == "5 облич знайдено й розмито"
        assert areas_text(1) == "1 ділянка" and areas_text(3) == "3 ділянки"
        assert areas_text(7) == "7 ділянок"
        assert action_text("face detection not asked for") == "обличчя не шукали"
        assert action_text("re-encoded as image/jpeg without metadata") == (
            "перекодовано в image/jpeg без метаданих"
        )
        assert faces_text({"blur_faces": False}) == "не шукали"
