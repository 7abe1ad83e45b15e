"""Benchmark: HashIndex (exact multi-index hashing) against faiss ``IndexBinaryFlat`` (the
exhaustive scan it replaced) and a brute-force NumPy popcount scan, in the same run.

Realistic-ish PDQ hashes: PDQ bits are median-thresholded, so unrelated images' hashes
behave like uniform random 256-bit strings (distance ~128 +- 8); 20% of the stored hashes
come in families of near-duplicates (0-40 bits from a seed), as real collections do.
Each query has planted neighbours at distances 1-31 (must be found) and 32-40 (must not).

    .venv/bin/python bench/matching_index.py [--sizes 100000 1000000 10000000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import faiss
import numpy as np

from civwatch.matching.index import HashIndex

RADIUS = 31


def rss() -> int:
    with open("/proc/self/statm") as src:
        return int(src.read().split()[1]) * 4096


def flip(codes: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    bits = np.unpackbits(codes, axis=1)
    for row, count in enumerate(counts):
        bits[row, rng.choice(256, size=int(count), replace=False)] ^= 1
    return np.packbits(bits, axis=1)


def make_hashes(n: int, queries: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n_family = n // 5
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    seeds = codes[rng.integers(0, n - n_family, n_family // 8)]
    members = np.repeat(seeds, 8, axis=0)[:n_family]
    # Flip 0-40 bits by XOR with sparse random masks (fast for millions of rows).
    masks = np.zeros((n_family, 256), dtype=np.uint8)
    counts = rng.integers(0, 41, n_family)
    cols = rng.integers(0, 256, (n_family, 40))
    for k in range(40):
        take = counts > k
        masks[take, cols[take, k]] = 1
    codes[n - n_family :] = members ^ np.packbits(masks, axis=1)
    # Planted neighbours: 6 per query, at 1-31 bits; and 2 at 32-40 bits.
    planted = []
    for q in queries[:2000]:
        planted.append(
            flip(
                np.repeat(q[None], 8, 0),
                np.r_[rng.integers(1, 32, 6), rng.integers(32, 41, 2)],
                rng,
            )
        )
    plant = np.vstack(planted)
    positions = rng.choice(n, size=plant.shape[0], replace=False)
    codes[positions] = plant
    return codes


def brute_force(codes64: np.ndarray, query: np.ndarray) -> set[tuple[int, int]]:
    q64 = np.ascontiguousarray(query).view(np.uint64)
    distances = np.bitwise_count(codes64 ^ q64).sum(axis=1, dtype=np.int32)
    hits = np.flatnonzero(distances <= RADIUS)
    return {(int(i), int(distances[i])) for i in hits}


def run(n: int, rng: np.random.Generator, batch: int) -> None:
    queries = rng.integers(0, 256, (batch, 32), dtype=np.uint8)
    codes = make_hashes(n, queries, rng)
    ids = np.arange(n, dtype=np.int64)
    before = rss()
    t = time.perf_counter()
    index = HashIndex.build(ids, codes)
    build = time.perf_counter() - t
    per_hash = (rss() - before) / n
    # One query = the image's 8 dihedral variants: the query itself, and 7 hashes of which
    # the first is a planted neighbour's family (so answers are not empty) and the rest are
    # other queries, standing in for the rotations and mirrors.
    flat = faiss.IndexBinaryFlat(256)
    flat.add(codes)
    singles, flat_singles = [], []
    for k in range(60):
        variants = np.vstack([queries[k : k + 1], queries[batch - 7 :]])
        t = time.perf_counter()
        found_here = index.search(variants, RADIUS)
        singles.append(time.perf_counter() - t)
        t = time.perf_counter()
        limits, distances, labels = flat.range_search(variants, RADIUS + 1)
        flat_singles.append(time.perf_counter() - t)
        for v in range(8):
            span = slice(int(limits[v]), int(limits[v + 1]))
            expected = set(zip(labels[span].tolist(), distances[span].tolist(), strict=True))
            assert set(found_here[v]) == expected, f"differs from faiss on query {k}"
    del flat
    t = time.perf_counter()
    results = index.search(queries, RADIUS)
    batch_time = time.perf_counter() - t
    found = sum(len(r) for r in results[:2000])
    # Reference: brute-force NumPy popcount scan over the same hashes.
    codes64 = np.ascontiguousarray(codes).view(np.uint64).reshape(n, 4)
    checks = 40 if n <= 1_000_000 else 8
    bf_times = []
    for k in range(checks):
        t = time.perf_counter()
        expected = brute_force(codes64, queries[k])
        bf_times.append(time.perf_counter() - t)
        assert set(results[k]) == expected, f"neighbour sets differ for query {k}"
    bf_query = float(np.median(bf_times))
    p50 = float(np.median(singles)) * 1e3
    p95 = float(np.percentile(singles, 95)) * 1e3
    bf_one, bf_batch = 8 * bf_query * 1e3, batch * bf_query
    print(f"\n== {n:,} hashes ==")
    print(f"build {build:.2f} s; memory {per_hash:.1f} bytes/hash (target < 200)")
    flat50 = float(np.median(flat_singles)) * 1e3
    flat95 = float(np.percentile(flat_singles, 95)) * 1e3
    print(f"one query, 8 dihedral variants: p50 {p50:.2f} ms, p95 {p95:.2f} ms (target p50 < 5 ms)")
    print(f"  reference, faiss IndexBinaryFlat (the full scan before): p50 {flat50:.2f} ms, ")
    print(f"  p95 {flat95:.2f} ms; speed-up at p50 x{flat50 / p50:.1f}; same neighbours: yes")
    print(f"batch of {batch:,} queries: {batch_time:.2f} s (target < 10 s)")
    print(f"hits within {RADIUS} for the first 2,000 queries (6 planted each): {found}")
    print(f"brute-force NumPy popcount: {bf_query * 1e3:.1f} ms/query;")
    print(f"  8 variants {bf_one:.1f} ms, batch {bf_batch:.1f} s (extrapolated)")
    print(f"speed-up: one query x{bf_one / p50:.1f}, batch x{bf_batch / batch_time:.1f}")
    print(f"identical neighbour sets on {checks} queries: yes")
    del index


def multi_hash_reference(n: int, rng: np.random.Generator) -> None:
    """faiss IndexBinaryMultiHash (16 tables x 16 bits, 1 flip: exact at radius 31)."""
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    before = rss()
    index = faiss.IndexBinaryMultiHash(256, 16, 16)
    index.nflip = 1
    index.add(codes)
    per_hash = (rss() - before) / n
    times = []
    for k in range(30):
        t = time.perf_counter()
        index.range_search(codes[k * 8 : k * 8 + 8], RADIUS + 1)
        times.append(time.perf_counter() - t)
    p50 = float(np.median(times)) * 1e3
    print(
        f"faiss IndexBinaryMultiHash at {n:,} (alternative, not used): {per_hash:.0f} bytes/hash,"
    )
    print(f"  8 queries p50 {p50:.2f} ms")
    del index


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument(
        "--multihash", action="store_true", help="also measure IndexBinaryMultiHash at 1M"
    )
    parser.add_argument("--only-multihash", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    print(f"faiss {faiss.__version__}, {faiss.omp_get_max_threads()} threads; radius {RADIUS}")
    rng = np.random.default_rng(2026)
    if args.only_multihash:
        multi_hash_reference(1_000_000, rng)
        return
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    for n in args.sizes:
        run(n, rng, args.batch)
    if args.multihash:  # in a fresh process, so its memory is measured on a fresh heap
        subprocess.run([sys.executable, __file__, "--only-multihash"], check=True)


if __name__ == "__main__":
    main()
