"""Large images made for tests without ever holding them whole in memory, and files that
only declare a large size."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

#: The image of the report: 13000 x 13000 pixels, well compressed (about 0.5 MB).
SIDE = 13_000


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def big_png(path: Path, width: int = SIDE, height: int = SIDE) -> Path:
    """An RGB PNG of flat shapes, a gradient and diagonal stripes, written row by row.

    Decoded whole it takes ``width * height * 3`` bytes (507 MB at 13000 x 13000); the
    file stays under a megabyte.
    """
    xs = np.arange(width)
    disc_y, disc_x, radius = height * 65 // 100, width * 6 // 10, min(width, height) // 4
    with path.open("wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        compressor = zlib.compressobj(6)
        pending = bytearray()
        row = np.empty((width, 3), np.uint8)
        for y in range(height):
            row[:] = (30 + y * 200 // height, 80, 160)
            if height * 15 // 100 < y < height * 45 // 100:
                row[width * 11 // 100 : width * 38 // 100] = (230, 40, 40)
            if abs(y - disc_y) < radius:
                half = int((radius * radius - (y - disc_y) ** 2) ** 0.5)
                row[disc_x - half : disc_x + half] = (250, 220, 50)
            stripes = (((xs + y) // max(1, width // 20)) % 2 == 0) & (xs > width * 77 // 100)
            row[stripes] = (20, 20, 20)
            pending += compressor.compress(b"\x00" + row.tobytes())
            if len(pending) > 1 << 20:
                out.write(_chunk(b"IDAT", bytes(pending)))
                pending.clear()
        pending += compressor.flush()
        out.write(_chunk(b"IDAT", bytes(pending)))
        out.write(_chunk(b"IEND", b""))
    return path


def gif_declaring(width: int, height: int) -> bytes:
    """A real small GIF whose screen and frame then declare ``width`` x ``height``."""
    buffer = io.BytesIO()
    Image.new("P", (16, 16), 1).save(buffer, "GIF")
    data = bytearray(buffer.getvalue())
    data[6:10] = struct.pack("<HH", width, height)  # the logical screen
    at = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)  # past the colour table
    while data[at] == 0x21:  # extension blocks: label, then sub-blocks up to an empty one
        at += 2
        while data[at]:
            at += data[at] + 1
        at += 1
    assert data[at] == 0x2C  # the image descriptor: the frame's size
    data[at + 5 : at + 9] = struct.pack("<HH", width, height)
    return bytes(data)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` pixels, with little data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _chunk(b"IEND", b"")
    )
