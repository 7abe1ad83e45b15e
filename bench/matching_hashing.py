"""Benchmark: PDQ hashing throughput on 2-5 MB camera-sized JPEGs, reduced vs full decode.

Photos are real pictures shipped with scikit-image and matplotlib, enlarged to 12-16 MP
with sensor-like noise and saved as JPEG quality 92 (2-5 MB each, like phone photos).
The reference in the same run is the full-resolution decode; the reduced (DCT-scaled)
decode must stay within 10 bits of it.

    .venv/bin/python bench/matching_hashing.py [--count 24]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import photos as ingest_photos  # the ingest benchmark's generated photos
from civwatch.matching import decoding
from civwatch.matching.features import describe
from civwatch.matching.pdq import hamming, pdq_hash
from tests.matching.evalset import photos


def make_jpegs(folder: Path, count: int) -> list[Path]:
    rng = np.random.default_rng(11)
    sources = list(photos().values())
    paths = []
    sizes = [(4000, 3000), (4032, 3024), (4608, 3456), (3264, 2448)]
    for k in range(count):
        image = sources[k % len(sources)].resize(sizes[k % len(sizes)], Image.BICUBIC)
        pixels = np.asarray(image, dtype=np.int16)
        noise = rng.normal(0, 7, pixels.shape).astype(np.int16)
        image = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
        path = folder / f"photo{k:03d}.jpg"
        image.save(path, "JPEG", quality=92)
        paths.append(path)
    return paths


def timed(paths: list[Path], **kwargs: bool) -> tuple[float, list]:
    t = time.perf_counter()
    hashes = [pdq_hash(p, **kwargs) for p in paths]
    return time.perf_counter() - t, hashes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=24)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        real = make_jpegs(Path(tmp), args.count)
        ingest = sorted(ingest_photos.photo_set(args.count).glob("*.jpg"))
        print("== the ingest benchmark's photos (bench/photos.py) ==")
        measure(ingest)
        print("== real photographs enlarged to camera size ==")
        measure(real)


def measure(paths: list[Path]) -> None:
    if paths:
        sizes = [p.stat().st_size / 1e6 for p in paths]
        with Image.open(paths[0]) as first:
            megapixels = first.width * first.height / 1e6
        print(f"{len(paths)} JPEGs, {min(sizes):.1f}-{max(sizes):.1f} MB, ~{megapixels:.0f} MP")
        full_time, full = timed(paths, reduced_decode=False)
        print(f"full decode (reference): {len(paths) / full_time:.2f} images/s")
        for side in (256, 512, 1024):
            decoding.REDUCED_DECODE_MIN_SIDE = side
            reduced_time, reduced = timed(paths, reduced_decode=True)
            distances = [hamming(a, b) for a, b in zip(full, reduced, strict=True)]
            print(
                f"reduced decode (>= {side} px a side): {len(paths) / reduced_time:.2f} images/s"
                f" (x{full_time / reduced_time:.1f}); distance to full decode:"
                f" max {max(distances)}, mean {np.mean(distances):.1f}"
            )
        decoding.REDUCED_DECODE_MIN_SIDE = 1024
        t = time.perf_counter()
        for p in paths:
            describe(p)
        rate = len(paths) / (time.perf_counter() - t)
        print(f"full descriptor (up to 11 regions x 8 dihedral, ORB x2): {rate:.2f} images/s")


if __name__ == "__main__":
    main()
