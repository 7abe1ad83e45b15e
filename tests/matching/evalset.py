"""Evaluation set for copy detection: real photographs shipped with packages, and copies.

Used by ``tests/matching/test_accuracy.py`` and ``bench/matching_accuracy.py``. Photos
come from scikit-image's ``skimage.data`` and matplotlib's sample data; every copy is
made here, deterministically, with Pillow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

SKIMAGE_PHOTOS = (
    "astronaut", "camera", "coffee", "chelsea", "rocket", "coins", "moon", "clock",
    "hubble_deep_field", "immunohistochemistry", "retina", "cell", "brick", "grass",
    "gravel",
)  # fmt: skip


def photos() -> dict[str, Image.Image]:
    """The photographs, as RGB Pillow images, by name."""
    import matplotlib.cbook
    import skimage.data

    out: dict[str, Image.Image] = {}
    for name in SKIMAGE_PHOTOS:
        array = getattr(skimage.data, name)()
        out[name] = Image.fromarray(np.asarray(array, dtype=np.uint8)).convert("RGB")
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as src:
        out["grace_hopper"] = Image.open(src).convert("RGB")
    return out


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, size))


def _jpeg(quality: int) -> Callable[[Image.Image], Image.Image]:
    def apply(image: Image.Image) -> Image.Image:
        from io import BytesIO

        buffer = BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        buffer.seek(0)
        return Image.open(buffer).convert("RGB")

    return apply


def _resize(factor: float) -> Callable[[Image.Image], Image.Image]:
    def apply(image: Image.Image) -> Image.Image:
        w, h = image.size
        return image.resize((max(8, round(w * factor)), max(8, round(h * factor))), Image.LANCZOS)

    return apply


def _crop(share: float) -> Callable[[Image.Image], Image.Image]:
    def apply(image: Image.Image) -> Image.Image:
        w, h = image.size
        dx, dy = round(w * share), round(h * share)
        return image.crop((dx, dy, w - dx, h - dy))

    return apply


def caption_bar(image: Image.Image) -> Image.Image:
    w, h = image.size
    bar = max(24, h // 7)
    out = Image.new("RGB", (w, h + bar), "white")
    out.paste(image, (0, 0))
    ImageDraw.Draw(out).text(
        (10, h + bar // 4),
        "BREAKING: strike reported, share now",
        fill="black",
        font=_font(bar // 2),
    )
    return out


def watermark(image: Image.Image) -> Image.Image:
    w, h = image.size
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.text((w // 10, h // 2), "@channel_news", fill=(255, 255, 255, 140), font=_font(h // 10))
    draw.text(
        (w // 2, h - h // 8), "t.me/somewhere", fill=(255, 255, 255, 160), font=_font(h // 16)
    )
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def screenshot_border(image: Image.Image) -> Image.Image:
    w, h = image.size
    side, top = w // 12, h // 6
    out = Image.new("RGB", (w + 2 * side, h + top + side), (32, 32, 36))
    out.paste(image, (side, top))
    draw = ImageDraw.Draw(out)
    draw.text((side, top // 4), "Channel  ·  12:41", fill=(220, 220, 220), font=_font(top // 3))
    return out


def phone_screenshot(image: Image.Image) -> Image.Image:
    width, height = 720, 1560
    out = Image.new("RGB", (width, height), (18, 18, 18))
    draw = ImageDraw.Draw(out)
    draw.text((24, 14), "09:41", fill="white", font=_font(28))
    draw.text((width - 110, 14), "87%", fill="white", font=_font(28))
    draw.text((24, 130), "Local News Channel", fill="white", font=_font(34))
    draw.text((24, 180), "2.1K subscribers", fill=(150, 150, 150), font=_font(24))
    w, h = image.size
    scaled = image.resize((width, round(h * width / w)), Image.LANCZOS)
    y = 260
    out.paste(scaled, (0, y))
    text_y = y + scaled.height + 30
    draw.text(
        (24, text_y), "Footage from this morning. Please share.", fill="white", font=_font(26)
    )
    draw.text((24, text_y + 50), "👁 12.4K   10:02", fill=(150, 150, 150), font=_font(22))
    draw.rectangle((0, height - 90, width, height), fill=(30, 30, 30))
    return out


def sticker(image: Image.Image) -> Image.Image:
    out = image.copy()
    w, h = out.size
    r = round(min(w, h) * 0.16)
    cx, cy = round(w * 0.68), round(h * 0.3)
    draw = ImageDraw.Draw(out)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 205, 0), outline="black", width=3)
    draw.ellipse((cx - r // 3, cy - r // 3, cx - r // 6, cy - r // 6), fill="black")
    draw.ellipse((cx + r // 6, cy - r // 3, cx + r // 3, cy - r // 6), fill="black")
    draw.arc((cx - r // 2, cy - r // 4, cx + r // 2, cy + r // 2), 20, 160, fill="black", width=4)
    return out


def _rotate(degrees: float) -> Callable[[Image.Image], Image.Image]:
    def apply(image: Image.Image) -> Image.Image:
        return image.rotate(degrees, resample=Image.BICUBIC, expand=False)

    return apply


TRANSFORMS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "jpeg_q30": _jpeg(30),
    "jpeg_q70": _jpeg(70),
    "resize_50": _resize(0.5),
    "resize_25": _resize(0.25),
    "crop_5": _crop(0.05),
    "crop_10": _crop(0.10),
    "brightness": lambda im: ImageEnhance.Brightness(im).enhance(1.35),
    "contrast": lambda im: ImageEnhance.Contrast(im).enhance(1.5),
    "caption_bar": caption_bar,
    "watermark": watermark,
    "screenshot_border": screenshot_border,
    "hflip": ImageOps.mirror,
    "rotate_90": lambda im: im.transpose(Image.Transpose.ROTATE_90),
    "grayscale": lambda im: ImageOps.grayscale(im).convert("RGB"),
    "sticker": sticker,
    "rotate_4": _rotate(4),
    "phone_screenshot": phone_screenshot,
}


def build(folder: Path) -> list[tuple[str, str, Path]]:
    """Write originals and copies as JPEG files; return ``(photo, transform, path)`` rows.

    The transform of an original is ``"original"``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, Path]] = []
    for name, image in photos().items():
        path = folder / f"{name}--original.jpg"
        image.save(path, "JPEG", quality=95)
        rows.append((name, "original", path))
        for transform, apply in TRANSFORMS.items():
            path = folder / f"{name}--{transform}.jpg"
            apply(image).save(path, "JPEG", quality=90)
            rows.append((name, transform, path))
    return rows


# --- evaluation ------------------------------------------------------------------------

REQUIRED = (
    "jpeg_q30", "jpeg_q70", "resize_50", "resize_25", "crop_5", "crop_10", "brightness",
    "contrast", "caption_bar", "watermark", "screenshot_border", "hflip", "rotate_90",
    "grayscale",
)  # fmt: skip
"""The transforms the issue requires; the others are the harder extras."""


@dataclass
class TransformScore:
    """Outcome for the copies made with one transform."""

    copies: int = 0
    plain_pdq: int = 0  # found by whole-image PDQ (8 dihedral variants) within 31
    multi_hash: int = 0  # found by region hashes within 31 (no geometry)
    found: int = 0  # found by the full pipeline (candidates, then is_copy)
    false_matches: int = 0  # matches of these copies with a different photo
    misses: list[str] = field(default_factory=list)


@dataclass
class AccuracyReport:
    """Per-transform scores and the false matches of the full pipeline."""

    scores: dict[str, TransformScore]
    false_pairs: list[tuple[str, str]]
    candidates: int
    adversarial_pairs: int
    adversarial_passes: int
    adversarial_false: list[tuple[str, str]] = field(default_factory=list)

    def recall(self, transforms: tuple[str, ...] | None = None, column: str = "found") -> float:
        names = transforms or tuple(self.scores)
        copies = sum(self.scores[n].copies for n in names)
        return sum(getattr(self.scores[n], column) for n in names) / max(copies, 1)


def evaluate(
    rows: list[tuple[str, str, Path]], *, all_overlay_pairs: bool = True
) -> AccuracyReport:
    """Run plain PDQ, region hashes and the full pipeline over an evaluation set.

    Every image is a query against all others (the other photos and their copies are the
    distractors). Candidates come from a ``HashIndex`` of every region hash, searched with
    every dihedral variant of every region of the query within ``CANDIDATE_DISTANCE``;
    ``is_copy`` then decides. The geometric check is then tried alone on the pairs of
    :func:`overlay_pairs` (all of them, or with ``all_overlay_pairs=False`` only those whose
    two photos carry the same overlay).
    """
    from civwatch.matching.features import CANDIDATE_DISTANCE, describe, is_copy, verify_geometry
    from civwatch.matching.index import HashIndex
    from civwatch.matching.pdq import hamming

    descriptors = [describe(path) for _, _, path in rows]
    ids, bits = [], []
    for item, descriptor in enumerate(descriptors):
        for region_no, (_, h) in enumerate(descriptor.hashes):
            ids.append(item * 16 + region_no)
            bits.append(h.bits)
    index = HashIndex.build(ids, bits)
    original_of = {photo: k for k, (photo, t, _) in enumerate(rows) if t == "original"}
    scores = {t: TransformScore() for t in TRANSFORMS}
    false_pairs: list[tuple[str, str]] = []
    candidate_count = 0
    for item, (photo, transform, path) in enumerate(rows):
        query = descriptors[item]
        variants = [h.bits for _, vs in query.dihedral for _, h in vs]
        hits = {i // 16 for row in index.search(variants, CANDIDATE_DISTANCE) for i, _ in row}
        hits.discard(item)
        candidate_count += len(hits)
        matched = {other for other in hits if is_copy(query, descriptors[other]).matched}
        wrong = [other for other in matched if rows[other][0] != photo]
        for other in wrong:
            false_pairs.append((path.name, rows[other][2].name))
        if transform == "original":
            continue
        score = scores[transform]
        score.copies += 1
        score.false_matches += len(wrong)
        original = descriptors[original_of[photo]]
        whole = original.hash_of("whole")
        assert whole is not None
        if whole.strong and any(
            h.strong and hamming(h, whole) <= 31 for _, h in query.dihedral[0][1]
        ):
            score.plain_pdq += 1
        if is_copy(query, original, geometric=False).matched:
            score.multi_hash += 1
        if original_of[photo] in matched:
            score.found += 1
        else:
            score.misses.append(photo)
    # Adversarial check of the geometric test alone: pairs of different photos whose
    # copies carry overlay text or frames (captions, watermarks, screenshots).
    pairs = overlay_pairs(rows, same_overlay=not all_overlay_pairs)
    passed = [
        (rows[a][2].name, rows[b][2].name)
        for a, b in pairs
        if verify_geometry(descriptors[a], descriptors[b]).passed
    ]
    return AccuracyReport(scores, false_pairs, candidate_count, len(pairs), len(passed), passed)


def overlay_pairs(
    rows: list[tuple[str, str, Path]], *, same_overlay: bool
) -> list[tuple[int, int]]:
    """Row numbers of the pairs of different photos whose copies both carry an overlay.

    With ``same_overlay``, only the pairs that carry the same one (the same caption text,
    watermark, frame or phone screen): the case the geometric check must withstand, as the
    overlay's own features agree exactly (16 photos: 4 x 120 = 480 pairs, against 1,920
    pairs of any two overlays).
    """
    overlaid = [k for k, (_, t, _) in enumerate(rows) if t in OVERLAY_TRANSFORMS]
    return [
        (a, b)
        for n, a in enumerate(overlaid)
        for b in overlaid[n + 1 :]
        if rows[a][0] != rows[b][0] and (not same_overlay or rows[a][1] == rows[b][1])
    ]


OVERLAY_TRANSFORMS = ("caption_bar", "watermark", "screenshot_border", "phone_screenshot")
