"""PDQ hashing of ordinary and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from civwatch.errors import RejectedInputError, UnhashableMediaError
from civwatch.matching.pdq import (
    DIHEDRAL_TRANSFORMS,
    PdqHash,
    dihedral_hashes,
    hamming,
    pdq_hash,
)


def _photo(size: tuple[int, int] = (640, 480), seed: int = 1) -> Image.Image:
    """A smooth random picture (blurred noise upscaled): has structure PDQ can see."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    return Image.fromarray(small).resize(size, Image.BICUBIC)


def test_path_pil_and_array_give_the_same_hash(tmp_path: Path) -> None:
    image = _photo()
    path = tmp_path / "p.png"
    image.save(path)
    from_path = pdq_hash(path)
    assert from_path == pdq_hash(image) == pdq_hash(np.asarray(image))
    assert from_path.quality >= 50 and from_path.strong
    assert (from_path.algorithm, from_path.version) == ("pdq", "1")


def test_hex_round_trip_and_validation() -> None:
    h = pdq_hash(_photo())
    again = PdqHash.from_hex(h.hex, h.quality)
    assert again == h and len(h.hex) == 64 and hamming(h, again) == 0
    with pytest.raises(RejectedInputError):
        PdqHash.from_hex("zz" * 32, 100)
    with pytest.raises(RejectedInputError):
        PdqHash.from_hex("ab" * 31, 100)
    with pytest.raises(RejectedInputError):
        PdqHash(bits=bytes(32), quality=101)


def test_different_pictures_are_far_apart_and_recompression_is_near(tmp_path: Path) -> None:
    a, b = _photo(seed=1), _photo(seed=2)
    a.save(tmp_path / "a.jpg", quality=30)
    assert hamming(pdq_hash(a), pdq_hash(b)) > 64
    assert hamming(pdq_hash(a), pdq_hash(tmp_path / "a.jpg")) <= 31


def test_exif_orientation_is_not_applied(tmp_path: Path) -> None:
    image = _photo()
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    image.save(tmp_path / "tagged.jpg", quality=95, exif=exif)
    image.save(tmp_path / "plain.jpg", quality=95)
    assert pdq_hash(tmp_path / "tagged.jpg") == pdq_hash(tmp_path / "plain.jpg")


def test_dihedral_variants_find_a_rotated_copy() -> None:
    image = _photo()
    variants = dihedral_hashes(image)
    assert [name for name, _ in variants] == list(DIHEDRAL_TRANSFORMS)
    rotated = pdq_hash(image.transpose(Image.Transpose.ROTATE_90))
    distances = {name: hamming(rotated, h) for name, h in variants}
    assert distances["original"] > 31
    assert min(distances, key=lambda n: distances[n]) == "rotate90"
    assert distances["rotate90"] <= 16


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("blank.png", lambda p: Image.new("RGB", (300, 200), (40, 90, 200)).save(p)),
        ("one-pixel.png", lambda p: Image.new("RGB", (1, 1), "red").save(p)),
        ("corrupt.jpg", lambda p: p.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg" * 10)),
        ("text.jpg", lambda p: p.write_text("hello")),
        ("empty.png", lambda p: p.write_bytes(b"")),
    ],
)
def test_unhashable_files_give_a_reason(tmp_path: Path, name: str, make: object) -> None:
    path = tmp_path / name
    make(path)  # type: ignore[operator]
    with pytest.raises(UnhashableMediaError) as caught:
        pdq_hash(path)
    assert name in str(caught.value) or "image" in str(caught.value)


def test_truncated_jpeg_is_rejected(tmp_path: Path) -> None:
    _photo((1600, 1200)).save(tmp_path / "full.jpg", quality=90)
    data = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    with pytest.raises(UnhashableMediaError, match=r"cut\.jpg"):
        pdq_hash(tmp_path / "cut.jpg")


def test_pixel_limit_is_checked_before_decoding(tmp_path: Path) -> None:
    _photo((1000, 1000)).save(tmp_path / "big.png")
    with pytest.raises(UnhashableMediaError, match="limit"):
        pdq_hash(tmp_path / "big.png", max_pixels=999_999)
    assert pdq_hash(tmp_path / "big.png", max_pixels=1_000_000).quality > 0


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UnhashableMediaError, match="does not exist"):
        pdq_hash(tmp_path / "nope.jpg")
