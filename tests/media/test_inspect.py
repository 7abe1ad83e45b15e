"""Structure checks read headers only and find what was cut off."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from civwatch.config import DEFAULT_MAX_IMAGE_PIXELS as LIMIT
from civwatch.media import safe_image_size, structural_warnings
from tests.matching.large import gif_declaring, png_declaring
from tests.media.conftest import bomb_png, make_video


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP"])
@pytest.mark.parametrize("size", [(1, 1), (641, 479), (4000, 3000)])
def test_safe_image_size_matches_pillow(tmp_path: Path, fmt: str, size: tuple[int, int]) -> None:
    path = tmp_path / "img"
    Image.new("RGB", size, (10, 20, 30)).save(path, fmt)
    assert safe_image_size(path) == size


def test_progressive_jpeg_size(tmp_path: Path) -> None:
    path = tmp_path / "p.jpg"
    Image.new("RGB", (300, 200)).save(path, "JPEG", progressive=True)
    assert safe_image_size(path) == (300, 200)


def test_bomb_size_read_without_decoding(tmp_path: Path) -> None:
    bomb = bomb_png(tmp_path / "bomb.png")
    assert safe_image_size(bomb) == (100_000, 100_000)
    warnings = structural_warnings(bomb, "image/png", max_image_pixels=LIMIT)
    assert warnings == [
        "The image declares 100000x100000 pixels, more than the 200,000,000 allowed; "
        "it was not decoded."
    ]
    assert structural_warnings(bomb, "image/png", max_image_pixels=10**11) == []


def test_a_large_image_that_cannot_be_decoded_reduced_is_kept_with_a_warning(
    tmp_path: Path,
) -> None:
    gif = tmp_path / "big.gif"
    gif.write_bytes(gif_declaring(5000, 4000))
    assert structural_warnings(gif, "image/gif", max_image_pixels=LIMIT) == [
        "The image declares 5000x4000 pixels, more than the 16,000,000 decoded at once in a "
        "format that cannot be decoded reduced; it was not decoded."
    ]
    # as large a PNG is decoded reduced: nothing to warn of
    png = tmp_path / "big.png"
    png.write_bytes(png_declaring(5000, 4000))
    assert structural_warnings(png, "image/png", max_image_pixels=LIMIT) == []


def test_whole_files_have_no_warnings(tmp_path: Path) -> None:
    for fmt, media_type in (("JPEG", "image/jpeg"), ("PNG", "image/png"), ("GIF", "image/gif")):
        path = tmp_path / f"ok.{fmt}"
        Image.new("RGB", (64, 64)).save(path, fmt)
        assert structural_warnings(path, media_type, max_image_pixels=LIMIT) == []
    video = make_video(tmp_path / "ok.mp4", seconds=0.5, size="64x48")
    assert structural_warnings(video, "video/mp4", max_image_pixels=LIMIT) == []


def test_png_with_altered_header(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    Image.new("RGB", (64, 64)).save(path)
    data = bytearray(path.read_bytes())
    data[19] = 0x80  # width byte changed, checksum not updated
    path.write_bytes(bytes(data))
    assert any(
        "checksum is wrong" in w
        for w in structural_warnings(path, "image/png", max_image_pixels=LIMIT)
    )


def test_data_after_jpeg_end(tmp_path: Path) -> None:
    path = tmp_path / "x.jpg"
    Image.new("RGB", (64, 64)).save(path)
    path.write_bytes(path.read_bytes() + b"PK\x03\x04 hidden archive" * 10)
    assert structural_warnings(path, "image/jpeg", max_image_pixels=LIMIT) == [
        "The JPEG has 190 bytes of unknown data after its end-of-image marker."
    ]


def test_video_without_index(tmp_path: Path) -> None:
    path = tmp_path / "x.mp4"
    # ftyp and mdat boxes only, both complete: a recording that was never finalised.
    ftyp = b"\x00\x00\x00\x14ftypisom\x00\x00\x02\x00isom"
    mdat = b"\x00\x00\x00\x10mdat" + b"\x00" * 8
    path.write_bytes(ftyp + mdat)
    assert structural_warnings(path, "video/mp4", max_image_pixels=LIMIT) == [
        "The video has no 'moov' index box: the recording or upload was not finished."
    ]


def test_impossible_box_size(tmp_path: Path) -> None:
    path = tmp_path / "x.mp4"
    path.write_bytes(b"\x00\x00\x00\x14ftypisom\x00\x00\x02\x00isom" + b"\x00\x00\x00\x03junk")
    assert "impossible size" in structural_warnings(path, "video/mp4", max_image_pixels=LIMIT)[0]
