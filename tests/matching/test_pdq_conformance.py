"""Our PDQ agrees with the reference implementations' published hashes.

Data: ``<repo>/../shared/data/pdq-reference`` (images and hashes from Meta's ThreatExchange
repository, BSD licence, see its LICENSE). A missing folder fails the test: conformance
must never be silently skipped.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from civwatch.matching.pdq import PdqHash, dihedral_hashes, hamming, pdq_hash
from civwatch.matching.video import video_frame_hashes, video_match

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "pdq-reference"
TRANSFORM_OF_FILE = {
    "rotate-90": "rotate90",
    "rotate-180": "rotate180",
    "rotate-270": "rotate270",
    "flipx": "flipx",
    "flipy": "flipy",
    "flip-plus-1": "flip_plus1",
    "flip-minus-1": "flip_minus1",
}


def _rows() -> list[dict[str, str]]:
    table = DATA / "expected_hashes.csv"
    assert table.is_file(), f"PDQ reference data missing: {table} must exist"
    with table.open(newline="") as src:
        return list(csv.DictReader(src))


def _present(kind_prefix: str) -> list[dict[str, str]]:
    rows = [r for r in _rows() if r["source_kind"].startswith(kind_prefix)]
    present = [r for r in rows if (DATA / r["image_path"]).is_file()]
    assert present, f"no reference images of kind {kind_prefix!r} present under {DATA}"
    return present


def test_reference_data_is_present() -> None:
    assert (DATA / "LICENSE").is_file()
    kinds = {r["source_kind"] for r in _rows()}
    assert {"java_unittest_exact", "cpp_reference_readme", "pure_python_unittest_tol16"} <= kinds


def test_java_reference_hashes_exactly() -> None:
    for row in _present("java_unittest_exact"):
        ours = pdq_hash(DATA / row["image_path"], reduced_decode=False)
        assert ours.hex == row["pdq_hex"], row["image_path"]


@pytest.mark.parametrize("kind", ["cpp_reference", "pure_python", "wasm"])
def test_other_reference_hashes_within_16(kind: str) -> None:
    for row in _present(kind):
        ours = pdq_hash(DATA / row["image_path"], reduced_decode=False)
        expected = PdqHash.from_hex(row["pdq_hex"], quality=int(row["quality"] or 0))
        assert hamming(ours, expected) <= 16, (row["image_path"], ours.hex, row["pdq_hex"])
        if row["quality"]:
            assert ours.quality == int(row["quality"]), row["image_path"]


def test_bridge_edits_within_31_of_the_original() -> None:
    original = pdq_hash(DATA / "pdq/data/reg-test-input/dih/bridge-1-original.jpg")
    reference_original = next(
        PdqHash.from_hex(r["pdq_hex"], 100)
        for r in _rows()
        if r["image_path"].endswith("bridge-mods/aaa-orig.jpg")
    )
    edits = sorted((DATA / "pdq/data/bridge-mods").glob("*.jpg"))
    assert len(edits) >= 4
    for edit in edits:
        ours = pdq_hash(edit)
        assert hamming(ours, original) <= 31, edit.name
        assert hamming(ours, reference_original) <= 31, edit.name


def test_rotations_match_only_through_dihedral_variants() -> None:
    folder = DATA / "pdq/data/reg-test-input/dih"
    variants = dict(dihedral_hashes(folder / "bridge-1-original.jpg", reduced_decode=False))
    original = variants["original"]
    rotated_files = [f for f in folder.glob("bridge-*.jpg") if "original" not in f.name]
    assert len(rotated_files) == 7
    for path in rotated_files:
        transform = TRANSFORM_OF_FILE[path.stem.split("-", 2)[2]]
        ours = pdq_hash(path, reduced_decode=False)
        assert hamming(ours, original) > 31, path.name
        distances = {name: hamming(ours, h) for name, h in variants.items()}
        assert distances[transform] <= 16, (path.name, distances)
        assert min(distances, key=lambda name: distances[name]) == transform


def test_reduced_decode_stays_within_10_of_full_decode() -> None:
    images = sorted((DATA / "pdq/data").rglob("*.jpg"))
    assert images
    for image in images:
        full = pdq_hash(image, reduced_decode=False)
        reduced = pdq_hash(image, reduced_decode=True)
        assert hamming(full, reduced) <= 10, image.name


def _reference_frames() -> list[tuple[float, PdqHash]]:
    sample = DATA / "vpdq/sample-hashes/doorknob-hd-no-bar.txt"
    frames = []
    for line in sample.read_text().splitlines():
        _, quality, hex_hash, seconds = line.strip().split(",")
        frames.append((float(seconds), PdqHash.from_hex(hex_hash, int(quality))))
    return frames


def test_vpdq_frames_agree_with_reference_sample_hashes() -> None:
    reference = _reference_frames()
    ours = video_frame_hashes(DATA / "tmk/sample-videos/doorknob-hd-no-bar.mp4", fold_distance=-1)
    assert [t for t, _ in ours] == [0.0, 1.0, 2.0, 3.0]
    for seconds, frame in ours:
        expected = min(reference, key=lambda r: abs(r[0] - seconds))[1]
        assert hamming(frame, expected) <= 16, seconds
    match = video_match(ours, reference)
    assert match.matched and match.query_in_other == 1.0
