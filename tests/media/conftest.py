"""Files generated for the media engine's tests, and an extractor shared by a module."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from civwatch.config import Settings
from civwatch.media import MetadataExtractor

KYIV = (50.4501, 30.5234, 179.0)  # Maidan Nezalezhnosti
KHARKIV = (49.9935, 36.2304, 152.0)
MARIUPOL = (47.0958, 37.5494, 22.0)  # the Drama Theatre


def media_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": tmp_path / "data", "extractor_timeout_s": 20.0}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def extractor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MetadataExtractor]:
    with MetadataExtractor(media_settings(tmp_path_factory.mktemp("settings"))) as ex:
        yield ex


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = Fraction(round((minutes_full - minutes) * 60 * 10000), 10000)
    return Fraction(degrees), Fraction(minutes), seconds


def exif_jpeg(
    path: Path,
    *,
    position: tuple[float, float, float] | None = KYIV,
    taken: str | None = "2022:03:09 14:05:33",
    subsec: str | None = "25",
    offset: str | None = "+02:00",
    gps_time: tuple[str, tuple[int, int, int]] | None = None,
    make: str = "Google",
    model: str = "Pixel 6",
    software: str | None = "HDR+ 1.0.437059325zd",
    orientation: int = 6,
    size: tuple[int, int] = (320, 240),
) -> Path:
    """A JPEG with EXIF written by Pillow: camera, capture time and GPS position."""
    image = Image.new("RGB", size, (90, 120, 160))
    exif = image.getexif()
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0112] = orientation
    if software:
        exif[0x0131] = software
    sub = exif.get_ifd(0x8769)
    if taken:
        sub[0x9003] = taken  # DateTimeOriginal
        sub[0x9004] = taken  # DateTimeDigitized
    if subsec:
        sub[0x9291] = subsec
    if offset:
        sub[0x9011] = offset  # OffsetTimeOriginal
    if position is not None:
        lat, lon, alt = position
        gps = exif.get_ifd(0x8825)
        gps[0x0000] = b"\x02\x03\x00\x00"
        gps[0x0001] = "N" if lat >= 0 else "S"
        gps[0x0002] = _dms(lat)
        gps[0x0003] = "E" if lon >= 0 else "W"
        gps[0x0004] = _dms(lon)
        gps[0x0005] = b"\x00" if alt >= 0 else b"\x01"
        gps[0x0006] = Fraction(abs(alt)).limit_denominator(100)
        if gps_time is not None:
            date, (h, m, s) = gps_time
            gps[0x001D] = date
            gps[0x0007] = (Fraction(h), Fraction(m), Fraction(s))
    image.save(path, "JPEG", exif=exif, quality=85)
    return path


def ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", *args], check=True, capture_output=True, timeout=60
    )


def make_video(path: Path, *extra: str, seconds: float = 2.0, size: str = "320x240") -> Path:
    """A short H.264 video of ffmpeg's test pattern."""
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"testsrc=size={size}:rate=25:duration={seconds}",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        *extra,
        str(path),
    )
    return path


def png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def bomb_png(path: Path, width: int = 100_000, height: int = 100_000) -> Path:
    """A small PNG whose IHDR declares a huge image: a decompression bomb if decoded."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4096)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )
    return path


def exiftool_json(path: Path) -> dict[str, Any]:
    """exiftool's own answer for one file, run as a separate command, for comparison."""
    done = subprocess.run(
        ["exiftool", "-j", "-n", "-G1", "-a", "-u", str(path)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    result: dict[str, Any] = json.loads(done.stdout)[0]
    return result


FAKE_EXIFTOOL = """#!{python}
# Stands in for exiftool in -stay_open mode: hangs or dies on files named hang*/crash*,
# and hands every other file to the real exiftool.
import os, subprocess, sys, time
common = sys.argv[sys.argv.index("-common_args") + 1:]
args = []
for line in sys.stdin:
    line = line.rstrip("\\n")
    if args[-1:] == ["-stay_open"] and line == "False":
        sys.exit(0)
    if not line.startswith("-execute"):
        args.append(line)
        continue
    number = line[len("-execute"):]
    files = [a for i, a in enumerate(args) if a != "-echo4" and (i == 0 or args[i - 1] != "-echo4")]
    args = []
    names = [os.path.basename(f) for f in files]
    if any(n.startswith("hang") for n in names):
        time.sleep(3600)
    if any(n.startswith("crash") for n in names):
        sys.exit(7)
    done = subprocess.run([{real!r}, *common, *files], capture_output=True)
    sys.stdout.buffer.write(done.stdout + b"{{ready" + number.encode() + b"}}\\n")
    sys.stdout.flush()
    sys.stderr.buffer.write(done.stderr + b"{{ready" + number.encode() + b"}}\\n")
    sys.stderr.flush()
"""


@pytest.fixture
def fake_exiftool(tmp_path: Path) -> Path:
    """An exiftool that hangs on files named hang*, exits on files named crash*."""
    real = shutil.which("exiftool")
    assert real is not None
    script = tmp_path / "fake-exiftool"
    script.write_text(FAKE_EXIFTOOL.format(python=sys.executable, real=real))
    script.chmod(0o755)
    return script
