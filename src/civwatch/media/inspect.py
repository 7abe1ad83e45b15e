"""Structural checks that read headers and box/chunk tables, never pixels.

They find files cut short (an interrupted upload or download), containers whose
index is missing, and images that declare a size no one should try to decode (the limits
are those of ``civwatch.matching.decoding``, where every image is decoded).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import BinaryIO

from civwatch.matching.decoding import MAX_DECODED_PIXELS, decodes_reduced

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_TAIL = 64 * 1024
#: ISO base media file format (MP4, MOV, 3GP, HEIC) top-level box types we expect.
_VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/3gpp", "video/3gpp2", "video/x-m4v")
#: Limit on boxes or chunks walked, so a hostile file cannot keep us busy.
_MAX_WALK = 100_000


def safe_image_size(path: Path) -> tuple[int, int] | None:
    """Width and height as the file's header declares them (PNG, JPEG, GIF, WebP, BMP).

    Reads only headers, so it is safe on decompression bombs; ``None`` when the
    format is not one of these or the header is unreadable.
    """
    with path.open("rb") as handle:
        head = handle.read(32)
        if head.startswith(_PNG_SIGNATURE) and head[12:16] == b"IHDR":
            width, height = struct.unpack(">II", head[16:24])
            return width, height
        if head[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", head[6:10])
            return width, height
        if head[:2] == b"BM" and len(head) >= 26:
            width, height = struct.unpack("<ii", head[18:26])
            return abs(width), abs(height)
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return _webp_size(head + handle.read(32))
        if head[:2] == b"\xff\xd8":
            return _jpeg_size(handle)
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8X" and len(head) >= 30:
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L" and len(head) >= 25:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(head) >= 30:
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _jpeg_size(handle: BinaryIO) -> tuple[int, int] | None:
    """Walk JPEG marker segments up to the first start-of-frame."""
    handle.seek(2)
    for _ in range(_MAX_WALK):
        marker = handle.read(2)
        while len(marker) == 2 and marker[0] == 0xFF and marker[1] == 0xFF:
            marker = marker[1:] + handle.read(1)  # fill bytes
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        code = marker[1]
        if code in (0xD8, 0x01) or 0xD0 <= code <= 0xD7:
            continue
        if code in (0xD9, 0xDA):
            return None
        length_bytes = handle.read(2)
        if len(length_bytes) < 2:
            return None
        (length,) = struct.unpack(">H", length_bytes)
        if code in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            frame = handle.read(5)
            if len(frame) < 5:
                return None
            height, width = struct.unpack(">HH", frame[1:5])
            return width, height
        if length < 2:
            return None
        handle.seek(length - 2, 1)
    return None


def structural_warnings(path: Path, media_type: str, *, max_image_pixels: int) -> list[str]:
    """Short sentences about damage seen in the file's structure, and about an image that
    will not be decoded (over ``max_image_pixels``, or too large for a format that cannot be
    decoded reduced); empty when it looks whole."""
    size = path.stat().st_size
    if size == 0:
        return ["The file is empty."]
    warnings: list[str] = []
    with path.open("rb") as handle:
        if media_type == "image/jpeg":
            warnings += _jpeg_warnings(handle, size)
        elif media_type == "image/png":
            warnings += _png_warnings(handle, size)
        elif media_type in _VIDEO_TYPES or media_type in ("image/heic", "image/heif", "image/avif"):
            warnings += _bmff_warnings(handle, size, media_type)
        elif media_type == "image/gif":
            handle.seek(-1, 2)
            if handle.read(1) != b"\x3b":
                warnings.append("The GIF file has no trailer byte: it is probably truncated.")
    if media_type.startswith("image/"):
        dims = safe_image_size(path)
        if dims is not None:
            width, height = dims
            if width == 0 or height == 0:
                warnings.append(f"The image declares {width}x{height} pixels, which is not valid.")
            elif width * height > max_image_pixels:
                warnings.append(
                    f"The image declares {width}x{height} pixels, more than the "
                    f"{max_image_pixels:,} allowed; it was not decoded."
                )
            elif width * height > MAX_DECODED_PIXELS and not decodes_reduced(media_type):
                warnings.append(
                    f"The image declares {width}x{height} pixels, more than the "
                    f"{MAX_DECODED_PIXELS:,} decoded at once in a format that cannot be "
                    "decoded reduced; it was not decoded."
                )
    return warnings


def _jpeg_warnings(handle: BinaryIO, size: int) -> list[str]:
    handle.seek(max(0, size - _TAIL))
    tail = handle.read()
    stripped = tail.rstrip(b"\x00")
    if stripped.endswith(b"\xff\xd9"):
        return []
    eoi = tail.rfind(b"\xff\xd9")
    if eoi >= 0:
        extra = len(tail) - eoi - 2
        return [f"The JPEG has {extra:,} bytes of unknown data after its end-of-image marker."]
    return ["The JPEG has no end-of-image marker: the file is probably truncated."]


def _png_warnings(handle: BinaryIO, size: int) -> list[str]:
    head = handle.read(33)
    if len(head) < 33 or head[8:16] != b"\x00\x00\x00\rIHDR":
        return ["The PNG file does not start with a valid IHDR header."]
    warnings: list[str] = []
    if zlib.crc32(head[12:29]) != struct.unpack(">I", head[29:33])[0]:
        warnings.append("The PNG header checksum is wrong: the header was altered or damaged.")
    offset = 8
    seen_iend = False
    for _ in range(_MAX_WALK):
        if offset + 8 > size:
            break
        handle.seek(offset)
        length, kind = struct.unpack(">I4s", handle.read(8))
        end = offset + 12 + length
        if end > size:
            name = kind.decode("latin-1")
            warnings.append(
                f"The PNG chunk {name!r} runs {end - size:,} bytes past the end of the file: "
                "the file is truncated."
            )
            return warnings
        offset = end
        if kind == b"IEND":
            seen_iend = True
            break
    if not seen_iend:
        warnings.append("The PNG has no IEND chunk: the file is probably truncated.")
    elif offset < size:
        warnings.append(f"The PNG has {size - offset:,} bytes of unknown data after its end.")
    return warnings


def _bmff_warnings(handle: BinaryIO, size: int, media_type: str) -> list[str]:
    """Top-level boxes must tile the file exactly; a video needs its 'moov' index."""
    offset = 0
    kinds: set[bytes] = set()
    for _ in range(_MAX_WALK):
        if offset >= size:
            break
        handle.seek(offset)
        header = handle.read(16)
        if len(header) < 8:
            return [f"The file ends inside a box header ({size - offset} stray bytes)."]
        box_size, kind = struct.unpack(">I4s", header[:8])
        if box_size == 1:
            if len(header) < 16:
                return ["The file ends inside a box header."]
            (box_size,) = struct.unpack(">Q", header[8:16])
        elif box_size == 0:
            box_size = size - offset
        if box_size < 8:
            return [f"The box at byte {offset:,} declares an impossible size of {box_size}."]
        kinds.add(kind)
        if offset + box_size > size:
            name = kind.decode("latin-1", "replace")
            missing = offset + box_size - size
            warnings = [
                f"The {name!r} box is missing its last {missing:,} bytes: the file is truncated."
            ]
            if b"moov" not in kinds and media_type.startswith("video/"):
                warnings.append("The video has no 'moov' index box, so it may not play.")
            return warnings
        offset += box_size
    if media_type.startswith("video/") and b"moov" not in kinds:
        return ["The video has no 'moov' index box: the recording or upload was not finished."]
    return []
