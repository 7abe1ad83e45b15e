"""Evidence-like files generated for tests."""

from __future__ import annotations

import io
import random
import struct
import zlib
from datetime import datetime
from pathlib import Path

from PIL import Image

from civwatch.demo import DemoPlace, demo_photo


def photo(
    path: Path,
    *,
    lat: float = 50.4501,
    lon: float = 30.5234,
    taken: datetime | None = None,
    seed: int = 1,
) -> Path:
    """A JPEG with EXIF GPS, camera and capture time (+03:00)."""
    from datetime import timedelta, timezone

    when = taken or datetime(2022, 3, 9, 14, 5, tzinfo=timezone(timedelta(hours=3)))
    path.write_bytes(demo_photo(DemoPlace("Test", lat, lon), when, seed))
    return path


def noise_jpeg(
    path: Path, size: tuple[int, int] = (320, 240), seed: int = 0, quality: int = 85
) -> Path:
    rng = random.Random(seed)
    img = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    img.save(path, "JPEG", quality=quality)
    return path


def png_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def huge_png_header() -> bytes:
    """A PNG whose IHDR declares 100000x100000 pixels (a decompression bomb if decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
