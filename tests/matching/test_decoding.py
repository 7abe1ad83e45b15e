"""The one bounded decode: reduced when an image is larger than needed, refused when it
cannot be decoded within bounds, and hashing the same as a full decode within a few bits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from civwatch.errors import UnhashableMediaError
from civwatch.matching.decoding import (
    MAX_DECODED_PIXELS,
    decode_image,
    load_rgb,
    reduction_for,
)
from civwatch.matching.pdq import hamming, pdq_hash
from tests.matching.large import big_png, gif_declaring, png_declaring

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pdq-reference"
PICTURES = [
    REFERENCE / "pdq/data/reg-test-input/dih/bridge-1-original.jpg",
    REFERENCE / "pdq/data/reg-test-input/dih/bridge-8-flip-minus-1.jpg",
]
#: Bits a reduced decode's PDQ hash may differ from the full decode's (of 256; a copy is
#: declared at 31).
FEW_BITS = 10


def _enlarged(picture: Path, path: Path, fmt: str, scale: float, **options: object) -> Path:
    with Image.open(picture) as image:
        size = (round(image.width * scale), round(image.height * scale))
        image.convert("RGB").resize(size, Image.Resampling.BICUBIC).save(path, fmt, **options)
    return path


@pytest.mark.parametrize(
    ("fmt", "options"),
    [
        ("PNG", {"compress_level": 1}),
        ("TIFF", {"compression": "tiff_deflate"}),
        ("WEBP", {"lossless": True}),
        ("JPEG", {"quality": 92}),
    ],
)
@pytest.mark.parametrize("picture", PICTURES, ids=lambda p: p.stem)
def test_reduced_decode_hashes_within_a_few_bits_of_the_full_decode(
    tmp_path: Path, picture: Path, fmt: str, options: dict[str, object]
) -> None:
    # 4000 x 2510: big enough to be decoded reduced, small enough to decode whole here
    path = _enlarged(picture, tmp_path / f"big.{fmt.lower()}", fmt, 2.5, **options)
    decoded = decode_image(path, max_pixels=200_000_000)
    assert decoded.reduction >= 2, decoded
    assert min(decoded.image.size) >= 1004  # the shorter side kept for hashing
    full = pdq_hash(path, reduced_decode=False)
    reduced = pdq_hash(path)
    assert full.strong and reduced.strong
    assert hamming(full, reduced) <= FEW_BITS, (fmt, hamming(full, reduced))
    # and the reduced big copy still hashes as the original picture does
    assert hamming(pdq_hash(picture, reduced_decode=False), reduced) <= FEW_BITS


def test_a_13000_pixel_png_is_decoded_reduced_from_a_file_and_from_a_stream(
    tmp_path: Path,
) -> None:
    path = big_png(tmp_path / "huge.png")
    decoded = decode_image(path, max_pixels=200_000_000)
    assert (decoded.width, decoded.height, decoded.format) == (13_000, 13_000, "PNG")
    assert decoded.image.size == (1083, 1083) and decoded.reduction == pytest.approx(12, 0.01)
    assert decoded.image.mode == "RGB"
    with path.open("rb") as stream:
        again = decode_image(stream, max_pixels=200_000_000)
        assert stream.tell() == 0  # handed back where the next reader expects it
    assert np.array_equal(np.asarray(again.image), np.asarray(decoded.image))
    # the shapes are where they were: the red rectangle, the yellow disc
    rgb = load_rgb(path)
    assert tuple(rgb[300, 300]) == (230, 40, 40)
    assert tuple(rgb[700, 650]) == (250, 220, 50)


def test_reduction_keeps_the_shorter_side_and_bounds_the_pixels() -> None:
    assert reduction_for(1600, 1004, 1024) == 1
    assert reduction_for(4032, 3024, 1024) == 2  # a phone photo: as Pillow's draft did
    assert reduction_for(13_000, 13_000, 1024) == 12
    assert reduction_for(13_000, 13_000, None) == 1  # a full decode asked for
    # a long strip: the shorter side does not allow reducing, the pixel bound does
    factor = reduction_for(150_000, 1000, 1024)
    assert factor > 1 and (150_000 // factor) * (1000 // factor) <= MAX_DECODED_PIXELS


def test_orientation_is_applied_to_a_reduced_decode_when_asked(tmp_path: Path) -> None:
    picture = Image.new("RGB", (4400, 2200), (20, 20, 20))
    picture.paste((240, 240, 240), (0, 0, 1100, 550))  # a light block top left
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90 degrees clockwise
    picture.save(tmp_path / "turned.jpg", quality=90, exif=exif)
    stored = decode_image(tmp_path / "turned.jpg", max_pixels=200_000_000)
    upright = decode_image(tmp_path / "turned.jpg", max_pixels=200_000_000, orient=True)
    assert stored.reduction == 2 and stored.orientation == 6
    assert stored.image.size == (2200, 1100) and upright.image.size == (1100, 2200)
    # turned clockwise, the block is now top right
    assert upright.image.getpixel((1050, 20))[0] > 200
    assert upright.image.getpixel((20, 20))[0] < 60


def test_a_format_that_cannot_be_decoded_reduced_is_refused_past_the_bound(
    tmp_path: Path,
) -> None:
    # 5000 x 4000 pixels of GIF would be decoded whole: past MAX_DECODED_PIXELS, refused
    path = tmp_path / "big.gif"
    path.write_bytes(gif_declaring(5000, 4000))
    with pytest.raises(UnhashableMediaError, match="cannot be decoded reduced"):
        decode_image(path, max_pixels=200_000_000)
    # a full decode asked for (never by civwatch itself) is still bounded by the limit
    with pytest.raises(UnhashableMediaError, match="more than the limit of 1,000,000"):
        decode_image(path, max_pixels=1_000_000, min_side=None)


def test_the_configured_limit_holds_past_pillows_own_guard(tmp_path: Path) -> None:
    # 14000 x 14000 is over Pillow's bomb guard (about 179 million pixels) but within the
    # default limit: the size is read from the header, and only the data's damage stops it
    path = tmp_path / "tall.png"
    path.write_bytes(png_declaring(14_000, 14_000))
    with pytest.raises(UnhashableMediaError, match="more than the limit of 150,000,000"):
        decode_image(path, max_pixels=150_000_000)
    with pytest.raises(UnhashableMediaError, match="truncated or damaged"):
        decode_image(path, max_pixels=200_000_000)
    # a GIF far past both: its size is read all the same, and named
    (tmp_path / "wide.gif").write_bytes(gif_declaring(60_000, 60_000))
    with pytest.raises(UnhashableMediaError, match="60000 x 60000 pixels, more than the limit"):
        decode_image(tmp_path / "wide.gif", max_pixels=200_000_000)
