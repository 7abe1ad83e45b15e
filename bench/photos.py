"""Generated photo sets for the benchmarks: JPEGs of 2-5 MB with EXIF GPS and capture time.

The set is written once to bench/out/photos-N and reused by later runs.
"""

from __future__ import annotations

import io
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from PIL import Image
from PIL.ExifTags import GPS, IFD, Base

OUT = Path(__file__).parent / "out"
KYIV = timezone(timedelta(hours=2))
PLACES = [
    (50.4501, 30.5234),
    (49.9935, 36.2304),
    (46.4825, 30.7233),
    (49.8397, 24.0297),
    (48.4647, 35.0462),
    (46.9750, 31.9946),
    (51.4982, 31.2893),
    (47.8388, 35.1396),
]


def _dms(value: float) -> tuple[float, float, float]:
    d = int(value)
    m = int((value - d) * 60)
    return (float(d), float(m), round((value - d - m / 60) * 3600, 2))


def photo_bytes(n: int) -> bytes:
    rng = np.random.default_rng(n)
    w = int(rng.integers(250, 330)) * 8
    h = w * 3 // 4 // 8 * 8
    base = rng.integers(0, 255, (h // 8, w // 8, 3), dtype=np.uint8)
    img = np.kron(base, np.ones((8, 8, 1), dtype=np.uint8)).astype(np.int16)
    img += rng.integers(-40, 40, (h, w, 3), dtype=np.int16)
    lat, lon = PLACES[n % len(PLACES)]
    exif = Image.Exif()
    exif[Base.Make] = "BenchCam"
    exif[Base.Model] = f"Model {n % 5}"
    exif_ifd = exif.get_ifd(IFD.Exif)
    taken = datetime(2023, 1, 1, tzinfo=KYIV) + timedelta(minutes=37 * n)
    exif_ifd[Base.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif_ifd[Base.OffsetTimeOriginal] = "+02:00"
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef] = "N"
    gps[GPS.GPSLatitude] = _dms(lat + (n % 97) * 1e-4)
    gps[GPS.GPSLongitudeRef] = "E"
    gps[GPS.GPSLongitude] = _dms(lon + (n % 89) * 1e-4)
    buf = io.BytesIO()
    Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(
        buf, "JPEG", quality=int(rng.integers(93, 97)), exif=exif.tobytes()
    )
    return buf.getvalue()


def _write(args: tuple[Path, int]) -> int:
    folder, n = args
    path = folder / f"IMG_{n:05d}.jpg"
    if not path.exists():
        data = photo_bytes(n)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path.stat().st_size


def photo_set(count: int) -> Path:
    """A folder of ``count`` generated photos (made on first use)."""
    folder = OUT / f"photos-{count}"
    folder.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(2) as pool:
        sizes = list(pool.map(_write, [(folder, n) for n in range(count)], chunksize=8))
    print(
        f"photo set: {count} files, {sum(sizes) / 1e9:.2f} GB, "
        f"{min(sizes) / 1e6:.1f}-{max(sizes) / 1e6:.1f} MB each",
        file=sys.stderr,
    )
    return folder


if __name__ == "__main__":
    photo_set(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
