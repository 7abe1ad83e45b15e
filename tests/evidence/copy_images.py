"""Small generated pictures for copy tests and the copies benchmark: a wave of reposts of
one picture (re-encoded, resized, with noise), distinct pictures of the same size, and a
wide picture with two corners that are not copies of each other."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

SIDE = 320


def texture(seed: int, side: int = SIDE) -> Image.Image:
    """A picture of its own for each seed: smooth colour noise, no plain border."""
    rng = np.random.default_rng(seed)
    cells = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
    return Image.fromarray(cells).resize((side, side), Image.Resampling.BICUBIC)


def repost(base: Image.Image, n: int, path: Path) -> Path:
    """The ``n``-th repost of ``base``: re-encoded at another quality, resized a little
    and with a little noise, as channels passing it on would."""
    rng = np.random.default_rng(10_000 + n)
    side = round(base.width * (0.85 + 0.3 * rng.random()))
    pixels = np.asarray(base.resize((side, side)), dtype=np.int16)
    pixels = pixels + rng.integers(-6, 7, pixels.shape, dtype=np.int16)
    noisy = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    noisy.save(path, "JPEG", quality=int(55 + rng.integers(0, 40)))
    return path


def distinct(seed: int, path: Path) -> Path:
    """A picture of its own, the size of a repost."""
    texture(seed).save(path, "JPEG", quality=85)
    return path


def wide_and_corners(seed: int, folder: Path) -> tuple[Path, Path, Path]:
    """A wide picture and its top-left and bottom-right corners (60 % by 60 % each): the
    wide one is a copy of both corners, the corners are not copies of each other."""
    wide = texture(seed, 1000)
    paths = (folder / "wide.jpg", folder / "corner-tl.jpg", folder / "corner-br.jpg")
    wide.save(paths[0], "JPEG", quality=90)
    wide.crop((0, 0, 600, 600)).save(paths[1], "JPEG", quality=90)
    wide.crop((400, 400, 1000, 1000)).save(paths[2], "JPEG", quality=90)
    return paths
