"""Decode untrusted images to RGB pixel arrays for hashing, with bomb protection.

EXIF orientation is deliberately *not* applied: the PDQ reference implementations hash the
stored pixel grid, and rotated copies are found through the dihedral variants instead.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from civwatch.errors import UnhashableMediaError

#: Largest image (in pixels, as declared by its header) that is decoded at all.
DEFAULT_MAX_PIXELS = 200_000_000
#: Smallest side, in pixels, of an image that can be given a meaningful hash.
MIN_SIDE = 8
#: A reduced JPEG decode keeps at least this many pixels on each side (measured in
#: ``bench/matching_hashing.py``: the PDQ hash stays within a few bits of a full decode).
REDUCED_DECODE_MIN_SIDE = 1024

RGBArray: TypeAlias = NDArray[np.uint8]
ImageSource: TypeAlias = "str | os.PathLike[str] | Image.Image | NDArray[np.uint8]"

_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


def load_rgb(
    source: ImageSource,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    reduced_decode: bool = True,
) -> RGBArray:
    """Return the image as a C-contiguous ``(height, width, 3)`` uint8 array.

    ``source`` is a file path, a Pillow image or a NumPy array (grey ``(h, w)`` or
    ``(h, w, 3|4)``). With ``reduced_decode`` a large JPEG is decoded at 1/2, 1/4 or 1/8
    scale (never below ``REDUCED_DECODE_MIN_SIDE`` per side). Raises
    ``UnhashableMediaError`` for anything that cannot be decoded or is too small/large.
    """
    if isinstance(source, np.ndarray):
        return _rgb_from_array(source)
    if isinstance(source, Image.Image):
        _check_size(source.size, max_pixels)
        return _rgb_from_pil(source)
    path = Path(source)
    try:
        with warnings.catch_warnings():
            # The size is checked against our own limit below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                _check_size(image.size, max_pixels)
                if reduced_decode and image.format == "JPEG":
                    side = REDUCED_DECODE_MIN_SIDE
                    image.draft(image.mode, (side, side))
                image.load()
                return _rgb_from_pil(image)
    except UnhashableMediaError:
        raise
    except FileNotFoundError as err:
        raise UnhashableMediaError(f"The file {path.name} does not exist.") from err
    except _DECODE_ERRORS as err:
        raise UnhashableMediaError(
            f"The file {path.name} is not an image that can be decoded ({err})."
        ) from err


def _check_size(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width * height > max_pixels:
        raise UnhashableMediaError(
            f"The image declares {width}x{height} pixels, more than the limit of "
            f"{max_pixels:,}; it is not decoded."
        )
    if min(width, height) < MIN_SIDE:
        raise UnhashableMediaError(
            f"The image is {width}x{height} pixels, too small for a perceptual hash "
            f"(at least {MIN_SIDE} pixels a side are needed)."
        )


def _rgb_from_pil(image: Image.Image) -> RGBArray:
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def _rgb_from_array(array: NDArray[np.uint8]) -> RGBArray:
    if array.dtype != np.uint8:
        raise UnhashableMediaError("Pixel arrays must be 8-bit (uint8).")
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    elif array.ndim == 3 and array.shape[2] in (3, 4):
        array = array[:, :, :3]
    else:
        raise UnhashableMediaError(f"A pixel array of shape {array.shape} is not an image.")
    height, width = array.shape[:2]
    if min(width, height) < MIN_SIDE:
        raise UnhashableMediaError(
            f"The image is {width}x{height} pixels, too small for a perceptual hash "
            f"(at least {MIN_SIDE} pixels a side are needed)."
        )
    return np.ascontiguousarray(array)
