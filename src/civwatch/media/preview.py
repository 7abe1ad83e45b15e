"""Previews of evidence for people to look at: small, re-encoded, with no metadata.

A preview is a new image made from the decoded pixels (EXIF orientation applied, then
discarded with every other metadata field), never the original bytes. Images are decoded by
``civwatch.matching.decoding.decode_image`` (the pixel limit, and reduced decoding of large
images); a video's preview is one frame taken by ``ffmpeg`` under a time limit. Previews
are cached under the data folder by SHA-256 and size.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from civwatch.config import Settings
from civwatch.errors import RejectedInputError, UnhashableMediaError
from civwatch.files import write_atomic
from civwatch.i18n import _
from civwatch.matching.decoding import decode_image
from civwatch.media import tools

#: The longest side of a preview, in pixels.
PREVIEW_SIDE = 1024
#: The longest side of a thumbnail (inbox, copies, review queue, pickers), in pixels.
THUMBNAIL_SIDE = 160
FFMPEG_TIMEOUT_S = 30.0
#: Image types Pillow decodes for a preview (the sniffed type of the item).
IMAGE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff", "image/bmp"}
)


def previewable(media_type: str) -> bool:
    return media_type in IMAGE_TYPES or media_type.startswith("video/")


def _encode(image: Image.Image) -> tuple[bytes, str]:
    """JPEG for opaque images, PNG when there is transparency; no metadata either way."""
    out = io.BytesIO()
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        clean = image.convert("RGBA")
        clean.info = {}
        clean.save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png"
    clean = image.convert("RGB")
    clean.info = {}
    clean.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue(), "image/jpeg"


def image_preview(
    source: BinaryIO | Path, side: int = PREVIEW_SIDE, *, max_pixels: int
) -> tuple[bytes, str]:
    """A downscaled copy of the image (first frame), re-encoded without metadata.

    Decoded by ``decode_image``: refused over ``max_pixels`` (``Settings.max_image_pixels``),
    and a large image is decoded reduced, never whole.
    """
    try:
        decoded = decode_image(source, max_pixels=max_pixels, min_side=side, orient=True)
    except UnhashableMediaError as err:
        raise RejectedInputError(
            _(
                "There is no preview of this image: %(reason)s Download the original to see it.",
                reason=err.message,
            )
        ) from err
    upright = decoded.image
    upright.thumbnail((side, side), Image.Resampling.LANCZOS)
    return _encode(upright)


def video_poster(
    path: Path, side: int = PREVIEW_SIDE, *, ffmpeg: str, max_pixels: int
) -> tuple[bytes, str]:
    """One frame of the video (a second in, or the first), as a JPEG without metadata;
    ``ffmpeg`` as resolved by ``media.tools``, the frame decoded under ``max_pixels``."""
    for seek in ("1", "0"):
        command = [
            ffmpeg, "-nostdin", "-v", "error", "-ss", seek, "-i", str(path),
            "-frames:v", "1", "-map_metadata", "-1",
            "-vf", f"scale='min({side},iw)':'min({side},ih)':force_original_aspect_ratio=decrease",
            "-f", "image2pipe", "-c:v", "png", "pipe:1",
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as err:
            raise RejectedInputError(_("Taking a frame of this video took too long.")) from err
        if done.returncode == 0 and done.stdout:
            return image_preview(io.BytesIO(done.stdout), side, max_pixels=max_pixels)
    raise RejectedInputError(_("No frame of this video could be decoded for a preview."))


def cached_preview(
    cache_dir: Path,
    sha256: str,
    media_type: str,
    original: Callable[[], AbstractContextManager[Path]],
    *,
    settings: Settings,
    side: int = PREVIEW_SIDE,
) -> tuple[bytes, str]:
    """The preview of an item, made once and kept in ``cache_dir`` (atomic writes), under
    the settings' pixel limit and with their ffmpeg. A smaller ``side`` (a thumbnail) is
    made from the preview, never from the original. ``original()`` gives a path to the
    original for the time of a ``with`` block (``civwatch.vault.readable_path``: a copy
    when the vault is remote); it is called only when the preview has to be made."""
    max_pixels = settings.max_image_pixels
    if not previewable(media_type):
        raise RejectedInputError(
            _(
                "There is no preview of %(media_type)s files; download the original instead.",
                media_type=media_type,
            )
        )
    for suffix, kind in ((".jpg", "image/jpeg"), (".png", "image/png")):
        path = cache_dir / f"{sha256}-{side}{suffix}"
        if path.is_file():
            return path.read_bytes(), kind
    if side < PREVIEW_SIDE:
        preview, _kind = cached_preview(cache_dir, sha256, media_type, original, settings=settings)
        data, kind = image_preview(io.BytesIO(preview), side, max_pixels=max_pixels)
    elif media_type.startswith("video/"):
        with original() as source:
            data, kind = video_poster(
                source, ffmpeg=tools.ffmpeg(settings), max_pixels=settings.max_image_pixels
            )
    else:
        with original() as source:
            data, kind = image_preview(source, max_pixels=max_pixels)
    suffix = ".png" if kind == "image/png" else ".jpg"
    with suppress(OSError):  # a cache that cannot be written is only slower
        write_atomic(cache_dir / f"{sha256}-{side}{suffix}", data)
    return data, kind
