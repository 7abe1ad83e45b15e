"""Large images made for tests without ever holding them whole in memory."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

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
