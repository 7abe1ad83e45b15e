"""Multi-hash descriptors, border trimming and the geometric copy check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from civwatch.errors import UnhashableMediaError
from civwatch.matching.features import describe, is_copy, trim_box, verify_geometry
from civwatch.matching.pdq import hamming


def _scene(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    """A synthetic 'photo': smooth colour field plus many random shapes (corners for ORB)."""
    rng = np.random.default_rng(seed)
    base = Image.fromarray(rng.integers(0, 256, (9, 12, 3), dtype=np.uint8)).resize(
        size, Image.BICUBIC
    )
    draw = ImageDraw.Draw(base)
    w, h = size
    for _ in range(120):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = int(rng.integers(5, 40))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.rectangle((x, y, x + r, y + r // 2), fill=colour)
        else:
            draw.polygon([(x, y), (x + r, y + r // 3), (x + r // 3, y + r)], fill=colour)
    return base


def test_trim_box_finds_the_photo_inside_borders_and_caption() -> None:
    photo = _scene(1, (400, 300))
    canvas = Image.new("RGB", (520, 480), (20, 20, 20))
    canvas.paste(photo, (60, 40))
    ImageDraw.Draw(canvas).text((70, 380), "caption text, share now", fill="white")
    top, bottom, left, right = trim_box(np.asarray(canvas))
    assert abs(top - 40) <= 2 and abs(bottom - 340) <= 2
    assert abs(left - 60) <= 2 and abs(right - 460) <= 2


def test_bordered_copy_matches_through_its_trimmed_hash() -> None:
    photo = _scene(2)
    canvas = Image.new("RGB", (1000, 800), "white")
    canvas.paste(photo, (100, 120))
    a, b = describe(photo), describe(canvas)
    assert hamming(a.hash_of("whole"), b.hash_of("whole")) > 31  # type: ignore[arg-type]
    decision = is_copy(b, a)
    assert decision.matched and decision.method == "pdq"
    assert decision.regions is not None and "trimmed" in decision.regions[0]


def test_stickered_and_slightly_rotated_copy_is_confirmed_geometrically() -> None:
    photo = _scene(3)
    copy = photo.rotate(4, resample=Image.BICUBIC)
    ImageDraw.Draw(copy).ellipse((450, 80, 650, 280), fill=(255, 210, 0))
    decision = is_copy(describe(copy), describe(photo))
    assert decision.matched
    if decision.method == "geometry":
        assert decision.geometry is not None and decision.geometry.inliers >= 20


def test_different_scenes_do_not_match() -> None:
    a, b = describe(_scene(4)), describe(_scene(5))
    decision = is_copy(a, b)
    assert not decision.matched and decision.method is None
    assert decision.geometry is not None and not decision.geometry.passed


def test_shared_caption_text_alone_is_not_a_match() -> None:
    caption = "BREAKING: strike on the market, share before it is deleted"
    images = []
    for seed in (6, 7):
        canvas = Image.new("RGB", (800, 700), "white")
        canvas.paste(_scene(seed, (800, 560)), (0, 0))
        ImageDraw.Draw(canvas).text((10, 600), caption, fill="black", font_size=28)
        images.append(describe(canvas))
    decision = is_copy(images[0], images[1])
    assert not decision.matched
    check = verify_geometry(images[0], images[1])
    assert not check.passed


def test_unhashable_image_gives_a_reason(tmp_path: Path) -> None:
    Image.new("RGB", (200, 200), "black").save(tmp_path / "black.png")
    with pytest.raises(UnhashableMediaError, match="uniform"):
        describe(tmp_path / "black.png")


def _phone_screenshot(photo: Image.Image) -> Image.Image:
    screen = Image.new("RGB", (720, 1560), (18, 18, 18))
    draw = ImageDraw.Draw(screen)
    draw.text((24, 14), "09:41          87%", fill="white", font_size=28)
    draw.text((24, 130), "Local News Channel", fill="white", font_size=34)
    scaled = photo.resize((720, round(photo.height * 720 / photo.width)))
    screen.paste(scaled, (0, 260))
    draw.text((24, 300 + scaled.height), "Footage from this morning.", fill="white", font_size=26)
    return screen


def test_phone_screenshot_of_a_photo_matches_but_shared_app_frame_does_not() -> None:
    a, b = _scene(8), _scene(9)
    original = describe(a)
    decision = is_copy(describe(_phone_screenshot(a)), original)
    assert decision.matched
    other = describe(_phone_screenshot(b))
    assert not is_copy(other, original).matched
    assert not is_copy(other, describe(_phone_screenshot(a))).matched
    assert not verify_geometry(other, describe(_phone_screenshot(a))).passed


def test_mirrored_copy_with_a_sticker_matches() -> None:
    photo = _scene(10)
    copy = photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    ImageDraw.Draw(copy).rectangle((100, 100, 260, 260), fill=(250, 30, 200))
    decision = is_copy(describe(copy), describe(photo))
    assert decision.matched
    if decision.method == "geometry":
        assert decision.geometry is not None and decision.geometry.mirrored
