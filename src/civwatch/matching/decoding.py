"""Decode untrusted images with bounded memory: the one helper every decode goes through.

``decode_image`` is used by copy finding (``load_rgb``, hence PDQ and ``describe``),
previews and redaction. Before any pixel is read, the size the file declares is checked
against the pixel limit (``Settings.max_image_pixels``, passed in by every caller: images
over it are never decoded). An image bigger than its caller needs, or than
``MAX_DECODED_PIXELS``, is decoded *reduced*: libvips shrinks it while it decodes (JPEG
and WebP in their decoders, PNG and TIFF row by row), so a 13000 x 13000 PNG costs a few
MiB instead of 0.5 to 2 GiB. A format libvips cannot decode that way (GIF, BMP and others)
is decoded only if it fits ``MAX_DECODED_PIXELS`` whole, else refused.

Images at full size are decoded by Pillow, as before. EXIF orientation is applied only
when asked (previews, redaction): the PDQ reference implementations hash the stored pixel
grid, and rotated copies are found through the dihedral variants instead.
"""

from __future__ import annotations

import functools
import math
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeAlias

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

from civwatch.config import DEFAULT_MAX_IMAGE_PIXELS
from civwatch.errors import UnhashableMediaError
from civwatch.i18n import _

#: Largest image (in pixels, as declared by its header) that is decoded at all, unless the
#: caller passes ``Settings.max_image_pixels`` (every caller holding settings does).
DEFAULT_MAX_PIXELS = DEFAULT_MAX_IMAGE_PIXELS
#: Most pixels a decode produces: a larger image is decoded reduced, or not at all.
MAX_DECODED_PIXELS = 16_000_000
#: Smallest side, in pixels, of an image that can be given a meaningful hash.
MIN_SIDE = 8
#: A reduced decode for hashing keeps at least this many pixels on each side (measured in
#: ``bench/matching_hashing.py``: the PDQ hash stays within a few bits of a full decode).
REDUCED_DECODE_MIN_SIDE = 1024
#: Reductions done inside the JPEG decoder (DCT scaling), as Pillow's ``draft`` does.
_JPEG_SHRINKS = (8, 4, 2)
#: Formats (as Pillow names them) libvips decodes reduced with bounded memory, and how.
_REDUCING_LOADERS = {
    "JPEG": "jpegload",
    "MPO": "jpegload",
    "PNG": "pngload",
    "TIFF": "tiffload",
    "WEBP": "webpload",
}
#: The same formats, as sniffed media types.
_REDUCING_MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/tiff", "image/webp"})
_PIL_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}

RGBArray: TypeAlias = NDArray[np.uint8]
ImageSource: TypeAlias = "str | os.PathLike[str] | Image.Image | NDArray[np.uint8]"
#: A file to decode: its path, or an open binary stream positioned anywhere.
FileSource: TypeAlias = "str | os.PathLike[str] | BinaryIO"

_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


@functools.cache
def _vips() -> Any:
    """libvips, loaded on first use (its libraries weigh ~30 MiB), set up for evidence:
    only the loaders of ordinary formats (no ImageMagick, no PDF), nothing kept cached."""
    import pyvips

    pyvips.block_untrusted_set(True)
    pyvips.cache_set_max(0)
    return pyvips


@contextmanager
def _vips_errors() -> Iterator[None]:
    """libvips' errors as the ``OSError`` of a file that cannot be decoded."""
    try:
        yield
    except _vips().Error as err:
        raise OSError(str(err)) from err


@dataclass(frozen=True)
class DecodedImage:
    """The first frame of an image, decoded (reduced when it had to be)."""

    #: Pillow image in the mode decoded (``L``, ``LA``, ``RGB``, ``RGBA``, ``P``, ...);
    #: ``info["icc_profile"]`` holds the embedded colour profile, if any.
    image: Image.Image
    #: Pillow's name of the format (``PNG``, ``JPEG``, ...).
    format: str
    #: Width and height as the file declares them (stored orientation, before reduction).
    width: int
    height: int
    #: How many times smaller than declared, on each side, the image was decoded (1: full size).
    reduction: float
    #: Frames or pages in the file, if counted (only the first is decoded).
    frames: int
    #: The EXIF orientation the file declares (1 when none); applied if asked for.
    orientation: int


@dataclass(frozen=True)
class _Header:
    format: str
    width: int
    height: int
    frames: int


def reduction_for(width: int, height: int, min_side: int | None) -> int:
    """How many times smaller on each side an image is decoded (1: at full size).

    The largest whole factor that keeps ``min_side`` pixels on the shorter side, and more
    if the result would still exceed ``MAX_DECODED_PIXELS``. ``min_side`` None asks for
    the full image.
    """
    if min_side is None:
        return 1
    factor = max(1, min(width, height) // min_side)
    while math.ceil(width / factor) * math.ceil(height / factor) > MAX_DECODED_PIXELS:
        factor = max(factor + 1, math.ceil(math.sqrt(width * height / MAX_DECODED_PIXELS)))
    return factor


def decodes_reduced(media_type: str) -> bool:
    """Whether images of this type are decoded reduced when large (else whole, or not at all
    past ``MAX_DECODED_PIXELS``)."""
    return media_type in _REDUCING_MEDIA_TYPES


def decode_image(
    source: FileSource,
    *,
    max_pixels: int,
    min_side: int | None = REDUCED_DECODE_MIN_SIDE,
    orient: bool = False,
    count_frames: bool = False,
) -> DecodedImage:
    """Decode the first frame of an image file, refusing what must not be decoded.

    Images declaring more than ``max_pixels`` are refused before any pixel is read. With
    ``min_side`` the image is decoded reduced (``reduction_for``) when it is larger than
    that on its shorter side or than ``MAX_DECODED_PIXELS``; ``None`` decodes it at full
    size. ``orient`` applies the EXIF orientation; ``count_frames`` counts the frames of
    an animation (which reads the whole file). Raises ``UnhashableMediaError``, whose
    message says why the image was not decoded.
    """
    try:
        header = _header(source, count_frames=count_frames)
        _check_size(header.width, header.height, max_pixels)
        factor = reduction_for(header.width, header.height, min_side)
        loader = _REDUCING_LOADERS.get(header.format)
        if factor > 1 and loader is not None:
            with _vips_errors():
                return _decode_reduced(source, header, loader, factor, orient=orient)
        if min_side is not None and header.width * header.height > MAX_DECODED_PIXELS:
            raise UnhashableMediaError(
                _(
                    "The image is %(width)s x %(height)s pixels in %(format)s, a format "
                    "that cannot be decoded reduced, and more than %(limit)s "
                    "pixels are never decoded at once; it is not decoded.",
                    width=header.width,
                    height=header.height,
                    format=header.format,
                    limit=f"{MAX_DECODED_PIXELS:,}",
                )
            )
        return _decode_whole(source, header, orient=orient)
    except UnhashableMediaError:
        raise
    except FileNotFoundError as err:
        raise UnhashableMediaError(
            _("The file %(name)s does not exist.", name=Path(err.filename or "").name)
        ) from err
    except _DECODE_ERRORS as err:
        if not isinstance(source, str | os.PathLike):
            raise UnhashableMediaError(
                _(
                    "The image could not be decoded (%(reason)s); it may be truncated or damaged.",
                    reason=_reason(err),
                )
            ) from err
        raise UnhashableMediaError(
            _(
                "The file %(name)s could not be decoded as an image (%(reason)s); it "
                "may be truncated or damaged.",
                name=Path(source).name,
                reason=_reason(err),
            )
        ) from err
    finally:
        _rewind(source)


def _reason(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def _rewind(source: FileSource) -> None:
    if not isinstance(source, str | os.PathLike):
        source.seek(0)


def _header(source: FileSource, *, count_frames: bool) -> _Header:
    """Format, size and frames as declared, read from the header only."""
    try:
        with _opened(source) as image:
            frames = int(getattr(image, "n_frames", 1)) if count_frames else 1
            return _Header(image.format or "", image.width, image.height, frames)
    except Image.DecompressionBombError:
        # Over Pillow's own guard: libvips reads the declared size, for the message (or,
        # under a higher configured limit, a reduced decode).
        with _vips_errors(), _vips_opened(source, None, {}) as image:
            # "pngload", "gifload_source", ...: the format as Pillow names it ("PNG", "GIF")
            loader = str(image.get("vips-loader")).removesuffix("_source")
            fmt = loader.removesuffix("load").upper()
            return _Header(fmt, image.width, image.height, _pages(image))


def _check_size(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise UnhashableMediaError(
            _(
                "The image declares %(width)s x %(height)s pixels, more than the limit "
                "of %(max_pixels)s; it is not decoded.",
                width=width,
                height=height,
                max_pixels=f"{max_pixels:,}",
            )
        )
    if min(width, height) < 1:
        raise UnhashableMediaError(
            _(
                "The image declares %(width)s x %(height)s pixels; it is empty.",
                width=width,
                height=height,
            )
        )


@contextmanager
def _opened(source: FileSource) -> Iterator[Image.Image]:
    """The one place Pillow opens an untrusted image. Its decompression-bomb *warning* is
    silenced because the size the image declares is checked against the caller's limit
    (``Settings.max_image_pixels``, :func:`_check_size`) before any pixel is decoded; past
    Pillow's own hard limit it still raises ``DecompressionBombError``."""
    _rewind(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(source) as image:
            yield image


def _decode_whole(source: FileSource, header: _Header, *, orient: bool) -> DecodedImage:
    with _opened(source) as image:
        image.load()
        orientation = int(image.getexif().get(0x0112, 1) or 1)
        if orient:
            ImageOps.exif_transpose(image, in_place=True)
        return DecodedImage(
            image, header.format, header.width, header.height, 1, header.frames, orientation
        )


@contextmanager
def _vips_opened(source: FileSource, loader: str | None, options: dict[str, Any]) -> Iterator[Any]:
    """A libvips image of the file (header read; pixels only when asked for), usable
    inside the block: a stream is read through callbacks that must outlive every use."""
    _rewind(source)
    pyvips = _vips()
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        if loader is None:
            yield pyvips.Image.new_from_file(path, access="sequential")
        else:
            yield getattr(pyvips.Image, loader)(path, **options)
        return
    stream = source
    reader = pyvips.SourceCustom()  # kept alive here while the block uses the image
    reader.on_read(stream.read)
    reader.on_seek(stream.seek)
    if loader is None:
        yield pyvips.Image.new_from_source(reader, "", access="sequential")
    else:
        yield getattr(pyvips.Image, f"{loader}_source")(reader, **options)


def _pages(image: Any) -> int:
    return int(image.get("n-pages")) if image.get_typeof("n-pages") else 1


def _decode_reduced(
    source: FileSource, header: _Header, loader: str, factor: int, *, orient: bool
) -> DecodedImage:
    """Decode ``factor`` times smaller on each side, never holding the full image."""
    options: dict[str, Any] = {"access": "sequential", "fail_on": "error"}
    rest = factor
    if loader == "jpegload":
        # In the decoder, as Pillow's ``draft`` does (1/2, 1/4, 1/8), then whole steps.
        in_decoder = next((s for s in _JPEG_SHRINKS if s <= factor), 1)
        options["shrink"] = in_decoder
        rest = factor // in_decoder
    elif loader == "webpload":
        options["scale"] = 1 / factor
        rest = 1
    with _vips_opened(source, loader, options) as image:
        decoded, width, orientation = _pixels(image, rest, orient=orient)
    reduction = header.width / width
    return DecodedImage(
        decoded, header.format, header.width, header.height, reduction, header.frames, orientation
    )


def _pixels(image: Any, rest: int, *, orient: bool) -> tuple[Image.Image, int, int]:
    """The pixels of a libvips image, shrunk ``rest`` more times, as a Pillow image; with
    the width before any turning, and the EXIF orientation."""
    if rest > 1:
        # Across first: the rows held while shrinking down are then already narrow.
        image = image.shrinkh(rest).shrinkv(rest)
    if image.interpretation == "cmyk":
        image = image.colourspace("srgb")
    elif image.format != "uchar":
        image = image.colourspace("srgb" if image.bands >= 3 else "b-w").cast("uchar")
    if image.bands > 4:
        image = image.extract_band(0, n=4)
    orientation = int(image.get("orientation")) if image.get_typeof("orientation") else 1
    icc = image.get("icc-profile-data") if image.get_typeof("icc-profile-data") else None
    width = image.width
    if orient and orientation not in (0, 1):
        # Turning needs the whole (reduced) picture: decode it first, in one pass.
        image = image.copy_memory().autorot()
    mode = _PIL_MODES[image.bands]
    decoded = Image.frombytes(mode, (image.width, image.height), image.write_to_memory())
    if icc:
        decoded.info["icc_profile"] = bytes(icc)
    return decoded, width, orientation or 1


def load_rgb(
    source: ImageSource,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    reduced_decode: bool = True,
) -> RGBArray:
    """Return the image as a C-contiguous ``(height, width, 3)`` uint8 array.

    ``source`` is a file path, a Pillow image or a NumPy array (grey ``(h, w)`` or
    ``(h, w, 3|4)``). A file is decoded by ``decode_image``: with ``reduced_decode``, a
    large image is decoded reduced (at least ``REDUCED_DECODE_MIN_SIDE`` per side where it
    has them). Raises ``UnhashableMediaError`` for anything that cannot be decoded or is too
    small/large.
    """
    if isinstance(source, np.ndarray):
        return _rgb_from_array(source)
    if isinstance(source, Image.Image):
        _check_size(source.width, source.height, max_pixels)
        _check_hashable(source.width, source.height)
        return _rgb_from_pil(source)
    decoded = decode_image(
        source,
        max_pixels=max_pixels,
        min_side=REDUCED_DECODE_MIN_SIDE if reduced_decode else None,
    )
    _check_hashable(decoded.width, decoded.height)
    return _rgb_from_pil(decoded.image)


def _check_hashable(width: int, height: int) -> None:
    if min(width, height) < MIN_SIDE:
        raise UnhashableMediaError(
            _(
                "The image is %(width)sx%(height)s pixels, too small for a perceptual "
                "hash (at least %(side)s pixels a side are needed).",
                width=width,
                height=height,
                side=MIN_SIDE,
            )
        )


def _rgb_from_pil(image: Image.Image) -> RGBArray:
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def _rgb_from_array(array: NDArray[np.uint8]) -> RGBArray:
    if array.dtype != np.uint8:
        raise UnhashableMediaError(_("Pixel arrays must be 8-bit (uint8)."))
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    elif array.ndim == 3 and array.shape[2] in (3, 4):
        array = array[:, :, :3]
    else:
        raise UnhashableMediaError(
            _("A pixel array of shape %(shape)s is not an image.", shape=array.shape)
        )
    height, width = array.shape[:2]
    _check_hashable(width, height)
    return np.ascontiguousarray(array)
