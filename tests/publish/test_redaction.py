"""Redacted derivatives: real faces (scikit-image's astronaut photo and its LFW sample)
blurred, metadata gone as exiftool reads it, the original untouched, a second person's
approval before anything is published."""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data
from skimage.transform import resize
from sqlalchemy import select

from civwatch.config import DEFAULT_MAX_IMAGE_PIXELS as LIMIT
from civwatch.custody.models import CustodyLeaf
from civwatch.errors import PermissionDeniedError, RejectedInputError
from civwatch.evidence.ingest import SourceInfo, ingest_paths
from civwatch.geo.gazetteer import Gazetteer
from civwatch.incidents.service import create_incident, link_evidence
from civwatch.media.faces import detect_faces
from civwatch.media.metadata_check import check_clean, metadata_problems, read_metadata
from civwatch.media.redact_pixels import redact_image, redact_video
from civwatch.publish.redaction import (
    approve_redaction,
    create_redaction,
    list_redactions,
    published_media,
)
from civwatch.workspace import Workspace
from tests.incidents import helpers
from tests.incidents.helpers import incident_doc
from tests.support.files import huge_png_header

#: Fixtures shared with the incident tests.
gazetteer_cache, places, team = helpers.gazetteer_cache, helpers.places, helpers.team

#: The astronaut's face in skimage.data.astronaut() (x, y, w, h), by eye.
FACE = (180, 70, 85, 90)
#: A patch of the picture far from the face and the badges (the dark background, top left).
CALM = (0, 200, 40, 60)


def _xmp() -> bytes:
    return (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Olena"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )


def astronaut_jpeg(path: Path, orientation: int = 1) -> Path:
    """The astronaut photo with GPS, camera, serial, capture time and XMP."""
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS 5D"
    exif[0x0112] = orientation
    exif[0x0132] = "2022:03:09 14:05:00"
    exif[0x8825] = {1: "N", 2: (49.0, 59.0, 36.6), 3: "E", 4: (36.0, 13.0, 49.4)}
    exif.get_ifd(0x8769)[0xA431] = "SN-0042-7781"  # BodySerialNumber
    exif.get_ifd(0x8769)[0x9003] = "2022:03:09 14:05:00"  # DateTimeOriginal
    Image.fromarray(data.astronaut()).save(path, "JPEG", exif=exif.tobytes(), xmp=_xmp())
    return path


def _patch(rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x, y, w, h = box
    return rgb[y : y + h, x : x + w].astype(np.int16)


def _change(a: np.ndarray, b: np.ndarray, box: tuple[int, int, int, int]) -> float:
    return float(np.abs(_patch(a, box) - _patch(b, box)).mean())


def _rgb(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def test_a_real_face_is_blurred_and_the_rest_barely_changes(tmp_path: Path) -> None:
    source = astronaut_jpeg(tmp_path / "astronaut.jpg")
    before = source.read_bytes()
    tags = read_metadata(source)
    assert {"GPS:GPSLatitude", "IFD0:Make", "IFD0:Model", "ExifIFD:SerialNumber"} <= set(tags)
    assert any(k.startswith("XMP") for k in tags)
    made = redact_image(source, tmp_path, max_pixels=LIMIT)
    assert source.read_bytes() == before  # the original is never touched
    assert made.faces, "the astronaut's face was not found"
    fx, fy, fw, fh = FACE
    centre = (fx + fw // 2, fy + fh // 2)
    assert any(
        f["x"] <= centre[0] <= f["x"] + f["w"] and f["y"] <= centre[1] <= f["y"] + f["h"]
        for f in made.faces
    )
    original, redacted = np.asarray(data.astronaut()), _rgb(made.path)
    assert _change(original, redacted, FACE) > 25  # the face is gone
    assert _change(original, redacted, CALM) < 4  # JPEG noise only
    # the face cannot be recognised: its fine detail (edges) is gone
    edges = np.abs(np.diff(_patch(redacted, FACE), axis=1)).mean()
    assert edges < 0.3 * np.abs(np.diff(_patch(original, FACE), axis=1)).mean()
    left = read_metadata(made.path)
    assert not any(
        k.startswith(("GPS", "IFD0", "ExifIFD", "XMP", "IPTC", "MakerNotes")) for k in left
    )
    assert not any(("Make" in k or "Model" in k or "Serial" in k) for k in left)
    assert "Olena" not in json.dumps(left) and "SN-0042" not in json.dumps(left)
    check_clean(made.path)


def test_what_exiftool_finds_in_the_original_fails_the_check(tmp_path: Path) -> None:
    source = astronaut_jpeg(tmp_path / "astronaut.jpg")
    problems = metadata_problems(read_metadata(source))
    assert "GPS:GPSLatitude" in problems and "IFD0:Make" in problems
    with pytest.raises(RejectedInputError, match=r"still holds metadata.*GPS"):
        check_clean(source)


def test_faces_of_the_lfw_sample_are_found_and_non_faces_rarely(tmp_path: Path) -> None:
    lfw = data.lfw_subset()

    def grid(tiles: np.ndarray) -> np.ndarray:
        board = np.full((10 * 120, 10 * 120), 128, dtype=np.uint8)
        for i, tile in enumerate(tiles):
            r, c = divmod(i, 10)
            board[r * 120 + 20 : r * 120 + 100, c * 120 + 20 : c * 120 + 100] = (
                resize(tile, (80, 80)) * 255
            ).astype(np.uint8)
        return np.repeat(board[:, :, None], 3, axis=2)

    def tiles_hit(board: np.ndarray) -> int:
        hit = set()
        for x, y, w, h in detect_faces(board):
            hit.add(((y + h // 2) // 120, (x + w // 2) // 120))
        return len(hit)

    faces = tiles_hit(grid(lfw[:100]))
    others = tiles_hit(grid(lfw[100:]))
    assert faces >= 90, f"only {faces} of 100 faces found"
    assert others <= 5, f"{others} of 100 non-face pictures taken for faces"


def test_orientation_is_applied_and_manual_regions_blurred(tmp_path: Path) -> None:
    source = astronaut_jpeg(tmp_path / "rotated.jpg", orientation=6)  # shown turned 90 deg
    made = redact_image(
        source,
        tmp_path,
        [
            {"x": 10, "y": 10, "w": 60, "h": 40},
            {"x": 0.5, "y": 0.8, "w": 0.2, "h": 0.1, "unit": "fraction"},
        ],
        blur_faces=False,
        max_pixels=LIMIT,
    )
    assert "EXIF orientation 6 applied" in made.actions
    assert made.faces == [] and "face detection not asked for" in made.actions
    assert made.regions == [
        {"x": 10, "y": 10, "w": 60, "h": 40},
        {"x": 256, "y": 409, "w": 103, "h": 52},
    ]
    shown = np.asarray(Image.fromarray(data.astronaut()).transpose(Image.Transpose.ROTATE_270))
    out = _rgb(made.path)
    assert out.shape == shown.shape
    assert _change(shown, out, (10, 10, 60, 40)) > 10
    assert _change(shown, out, (256, 409, 103, 52)) > 10
    assert _change(shown, out, (300, 100, 100, 100)) < 4


@pytest.mark.parametrize(
    ("regions", "message"),
    [
        ([{"x": 600, "y": 10, "w": 50, "h": 50}], "outside the picture, which is 512 x 512"),
        ([{"x": 10, "y": 10, "w": 0, "h": 50}], "no area"),
        ([{"x": 10, "y": 10, "w": "wide", "h": 50}], "needs a number w"),
        ([{"x": 1, "y": 1, "w": 1, "h": 1, "colour": "red"}], "unknown field"),
        ([{"x": 0.1, "y": 0.1, "w": 5, "h": 0.1, "unit": "fraction"}], "between 0 and 1"),
    ],
)
def test_bad_regions_are_refused_clearly(
    tmp_path: Path, regions: list[dict[str, object]], message: str
) -> None:
    source = astronaut_jpeg(tmp_path / "a.jpg")
    with pytest.raises(RejectedInputError, match=message):
        redact_image(source, tmp_path, regions, blur_faces=False, max_pixels=LIMIT)


def test_damaged_and_oversized_images_are_refused(tmp_path: Path) -> None:
    whole = astronaut_jpeg(tmp_path / "a.jpg").read_bytes()
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(RejectedInputError, match="truncated or damaged"):
        redact_image(truncated, tmp_path, max_pixels=LIMIT)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(huge_png_header())
    with pytest.raises(
        RejectedInputError,
        match="100000 x 100000 pixels, more than the limit of 200,000,000; it is not decoded",
    ):
        redact_image(bomb, tmp_path, max_pixels=LIMIT)
    (tmp_path / "sixty.png").write_bytes(png_declaring(60_000, 60_000))
    with pytest.raises(
        RejectedInputError, match="60000 pixels, more than the limit of 100,000,000"
    ):
        redact_image(tmp_path / "sixty.png", tmp_path, max_pixels=100_000_000)
    # below Pillow's own bomb guard, the configured limit still holds
    (tmp_path / "twelve.png").write_bytes(png_declaring(12_000, 12_000))
    with pytest.raises(RejectedInputError, match="12000 x 12000 pixels, more than the limit"):
        redact_image(tmp_path / "twelve.png", tmp_path, max_pixels=100_000_000)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` pixels (with little data)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def _video(path: Path, frames_png: Path) -> Path:
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", str(frames_png),
            "-f", "lavfi", "-i", "sine=frequency=440:duration=1.5",
            "-t", "1.5", "-r", "6", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-shortest", "-metadata", "title=Filmed by Olena",
            "-metadata", "location=+49.9935+036.2304/",
            "-metadata", "creation_time=2022-03-09T10:00:00Z", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


def test_a_video_is_reencoded_without_metadata_and_its_face_blurred(tmp_path: Path) -> None:
    Image.fromarray(data.astronaut()).save(tmp_path / "still.png")
    source = _video(tmp_path / "clip.mp4", tmp_path / "still.png")
    assert "UserData:LocationInformation" in metadata_problems(read_metadata(source))
    made = redact_video(source, tmp_path, [{"x": 0, "y": 400, "w": 100, "h": 100}])
    check_clean(made.path)
    tags = read_metadata(made.path)
    assert "Olena" not in json.dumps(tags)
    assert made.faces and made.regions == [{"x": 0, "y": 400, "w": 100, "h": 100}]
    frame = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", "0.5", "-i", str(made.path), "-frames:v", "1",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    out = np.frombuffer(frame, dtype=np.uint8).reshape(512, 512, 3)
    original = np.asarray(data.astronaut())
    assert _change(original, out, FACE) > 20
    assert _change(original, out, (0, 400, 100, 100)) > 10
    assert _change(original, out, CALM) < 8
    assert any(track.startswith("Track2") for track in tags)  # the sound is kept


def test_redaction_records_need_a_link_and_a_second_persons_approval(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    source = astronaut_jpeg(tmp_path / "in" / "astronaut.jpg")
    (outcome,) = list(ingest_paths(team, [source], source=SourceInfo(), collector="ivan"))
    sha = outcome.sha256
    assert sha is not None
    with pytest.raises(RejectedInputError, match="not linked to any incident"):
        create_redaction(team, sha, actor="ivan")
    inc = create_incident(team, incident_doc(), actor="ivan", places=places)["id"]
    link_evidence(team, inc, sha, actor="ivan")
    with pytest.raises(PermissionDeniedError):
        create_redaction(team, sha, actor="val")
    draft = create_redaction(
        team, sha, [{"x": 0, "y": 0, "w": 50, "h": 50}], graphic=True, actor="ivan"
    )
    assert draft["status"] == "draft" and draft["graphic"] and draft["faces_found"] >= 1
    assert draft["original_sha256"] == sha and draft["derivative_sha256"] != sha
    assert hashlib.sha256(source.read_bytes()).hexdigest() == sha
    assert team.vault.rehash(sha) == sha  # the stored original is unchanged
    assert team.vault.exists(draft["derivative_sha256"])
    with team.sessions() as session:
        assert published_media(session, inc) == []  # a draft is never published
    with pytest.raises(PermissionDeniedError, match="publisher role"):
        approve_redaction(team, draft["id"], actor="vera")
    approved = approve_redaction(team, draft["id"], actor="pat", note="Checked the preview.")
    assert approved["status"] == "approved" and approved["decided_by"] == "pat"
    with pytest.raises(RejectedInputError, match="only a draft"):
        approve_redaction(team, draft["id"], actor="pat")
    with team.sessions() as session:
        (media,) = published_media(session, inc)
    assert media["derivative_sha256"] == draft["derivative_sha256"] and media["graphic"]
    # a new draft, approved, supersedes the first
    second = create_redaction(team, sha, blur_faces=False, actor="vera")
    approve_redaction(team, second["id"], actor="pat")
    statuses = {r["id"]: r["status"] for r in list_redactions(team, sha)}
    assert statuses == {draft["id"]: "superseded", second["id"]: "approved"}
    with team.sessions() as session:
        entries = [json.loads(leaf.entry) for leaf in session.scalars(select(CustodyLeaf))]
    made = [e for e in entries if e["act"] == "redaction-create"]
    assert [e["actor"] for e in made] == ["ivan", "vera"]
    assert made[0]["regions"] == [{"x": 0, "y": 0, "w": 50, "h": 50}]
    assert made[0]["derivative_sha256"] == draft["derivative_sha256"]
    assert [e["actor"] for e in entries if e["act"] == "redaction-approve"] == ["pat", "pat"]


def test_the_maker_of_a_redaction_cannot_approve_it(
    team: Workspace, places: Gazetteer, tmp_path: Path
) -> None:
    from civwatch.accounts.service import add_user

    add_user(team, "both", "Both", ["investigator", "publisher"], actor="ada")
    (tmp_path / "in").mkdir()
    source = astronaut_jpeg(tmp_path / "in" / "a.jpg")
    (outcome,) = list(ingest_paths(team, [source], source=SourceInfo(), collector="both"))
    assert outcome.sha256
    inc = create_incident(team, incident_doc(), actor="both", places=places)["id"]
    link_evidence(team, inc, outcome.sha256, actor="both")
    draft = create_redaction(team, outcome.sha256, blur_faces=False, actor="both")
    with pytest.raises(PermissionDeniedError, match="second person"):
        approve_redaction(team, draft["id"], actor="both")
