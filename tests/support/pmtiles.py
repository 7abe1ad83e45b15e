"""A tiny PMTiles archive for tests, written by hand (PMTiles v3 with Mapbox Vector Tiles,
both uncompressed): every tile over a box of longitudes and latitudes, at each zoom asked
for, holds the same small vector tile - land ("earth") over the whole tile and a square of
water in its top-left quarter - so a map drawn from it shows a grid of blue squares that
can only have come from the archive.

Specs: https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md and the Mapbox Vector
Tile specification 2.1.
"""

from __future__ import annotations

import itertools
import json
import math
import struct
from pathlib import Path

EXTENT = 4096


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint((field << 3) | wire)


def _bytes_field(field: int, data: bytes) -> bytes:
    return _key(field, 2) + _varint(len(data)) + data


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 31)


def _square(x0: int, y0: int, x1: int, y1: int) -> bytes:
    """A polygon's geometry commands: one ring, clockwise with y down (an outer ring)."""
    points = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    commands = [(1 & 7) | (1 << 3), _zigzag(points[0][0]), _zigzag(points[0][1])]
    commands.append((2 & 7) | (3 << 3))
    for (ax, ay), (bx, by) in itertools.pairwise(points):
        commands += [_zigzag(bx - ax), _zigzag(by - ay)]
    commands.append((7 & 7) | (1 << 3))
    return b"".join(_varint(c) for c in commands)


def _layer(name: str, geometry: bytes) -> bytes:
    feature = _key(3, 0) + _varint(3) + _bytes_field(4, geometry)  # type POLYGON
    body = (
        _key(15, 0)
        + _varint(2)
        + _bytes_field(1, name.encode())
        + _bytes_field(2, feature)
        + _key(5, 0)
        + _varint(EXTENT)
    )
    return _bytes_field(3, body)


def vector_tile() -> bytes:
    """Land over the whole tile, water over its top-left quarter."""
    return _layer("earth", _square(0, 0, EXTENT, EXTENT)) + _layer(
        "water", _square(EXTENT // 8, EXTENT // 8, EXTENT // 2, EXTENT // 2)
    )


def _rotate(s: int, x: int, y: int, rx: int, ry: int) -> tuple[int, int]:
    if ry == 0:
        if rx:
            x, y = s - 1 - x, s - 1 - y
        x, y = y, x
    return x, y


def tile_id(z: int, x: int, y: int) -> int:
    """The tile's position on the Hilbert curve, after every tile of the lower zooms."""
    acc = ((1 << (2 * z)) - 1) // 3
    d = 0
    s = (1 << z) >> 1
    while s > 0:
        rx = 1 if x & s else 0
        ry = 1 if y & s else 0
        d += s * s * ((3 * rx) ^ ry)
        x, y = _rotate(s, x, y, rx, ry)
        s >>= 1
    return acc + d


def _tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    rad = math.radians(lat)
    y = int((1 - math.asinh(math.tan(rad)) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def _directory(entries: list[tuple[int, int, int]]) -> bytes:
    """Entries (tile id, offset, length), sorted, each a run of one tile."""
    out = bytearray(_varint(len(entries)))
    last = 0
    for tid, _o, _l in entries:
        out += _varint(tid - last)
        last = tid
    for _e in entries:
        out += _varint(1)
    for _t, _o, length in entries:
        out += _varint(length)
    previous_end = None
    for _t, offset, length in entries:
        out += _varint(0 if offset == previous_end else offset + 1)
        previous_end = offset + length
    return bytes(out)


def write_archive(
    path: Path,
    *,
    bounds: tuple[float, float, float, float] = (22.0, 44.0, 40.5, 52.5),
    zooms: range = range(0, 9),
) -> Path:
    """Write the archive covering ``bounds`` (west, south, east, north) at ``zooms``."""
    tile = vector_tile()
    west, south, east, north = bounds
    ids = set()
    for z in zooms:
        x0, y0 = _tile_xy(west, north, z)
        x1, y1 = _tile_xy(east, south, z)
        ids |= {tile_id(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}
    entries = [(tid, 0, len(tile)) for tid in sorted(ids)]
    root = _directory(entries)
    metadata = json.dumps({"name": "civwatch test tiles", "vector_layers": []}).encode()
    header_size = 127
    root_offset = header_size
    meta_offset = root_offset + len(root)
    data_offset = meta_offset + len(metadata)
    header = b"PMTiles" + struct.pack(
        "<BQQQQQQQQQQQBBBBBBiiiiBii",
        3,
        root_offset,
        len(root),
        meta_offset,
        len(metadata),
        0,
        0,
        data_offset,
        len(tile),
        len(entries),
        len(entries),
        1,
        0,  # not clustered: every entry points at the one tile
        1,  # internal compression: none
        1,  # tile compression: none
        1,  # tile type: MVT
        zooms.start,
        zooms.stop - 1,
        round(west * 1e7),
        round(south * 1e7),
        round(east * 1e7),
        round(north * 1e7),
        zooms.start,
        round((west + east) / 2 * 1e7),
        round((south + north) / 2 * 1e7),
    )
    assert len(header) == header_size
    path.write_bytes(header + root + metadata + tile)
    return path
