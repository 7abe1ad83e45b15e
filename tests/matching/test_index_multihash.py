"""HashIndex's multi-index hashing is exact: the same neighbours as a full scan, whatever
the hashes (clustered, equal, spread), the radius, and the mix of tabled and newly added
hashes; saved and loaded, it answers the same."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civwatch.matching import index as index_module
from civwatch.matching.index import CHUNKS, HashIndex


def _brute_force(codes: np.ndarray, ids: np.ndarray, query: np.ndarray, radius: int) -> list:
    distances = np.unpackbits(codes ^ query, axis=1).sum(axis=1)
    found = [(int(i), int(d)) for i, d in zip(ids, distances, strict=True) if d <= radius]
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


def _near(seed: np.ndarray, flips: int, rng: np.random.Generator) -> np.ndarray:
    bits = np.unpackbits(seed)
    bits[rng.choice(256, size=flips, replace=False)] ^= 1
    return np.packbits(bits)


@st.composite
def collections(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Random hashes with families of near copies (0-60 bits off) and exact duplicates,
    the queries among them or near them, and where the adds are split."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 400))
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    seeds = codes[rng.integers(0, n, draw(st.integers(1, 6)))]
    family = [_near(seeds[k % len(seeds)], int(rng.integers(0, 61)), rng) for k in range(n // 2)]
    if family:
        codes = np.vstack([codes, np.array(family), seeds[:1]])  # an exact duplicate too
    ids = rng.permutation(codes.shape[0] * 5)[: codes.shape[0]].astype(np.int64)
    splits = sorted(draw(st.lists(st.integers(0, codes.shape[0]), max_size=3)))
    return codes, ids, splits


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(collections(), st.sampled_from([0, 1, 15, 16, 31, 32, 47, 48, 64, 256]), st.data())
def test_the_same_neighbours_as_a_full_scan(
    collection: tuple[np.ndarray, np.ndarray, list[int]], radius: int, data: st.DataObject
) -> None:
    codes, ids, splits = collection
    # small tables so that tabled and pending hashes both occur at this size
    original = index_module.PENDING_MIN
    index_module.PENDING_MIN = data.draw(st.sampled_from([1, 8, 64, 4096]))
    try:
        index = HashIndex()
        for part_ids, part in zip(np.split(ids, splits), np.split(codes, splits), strict=True):
            index.add(part_ids, part)
    finally:
        index_module.PENDING_MIN = original
    rng = np.random.default_rng(len(ids))
    picks = codes[rng.integers(0, len(codes), 6)]
    queries = np.vstack([picks, [_near(q, int(rng.integers(0, 40)), rng) for q in picks]])
    results = index.search(queries, radius)
    for query, found in zip(queries, results, strict=True):
        assert found == _brute_force(codes, ids, query, radius)


def test_a_million_style_index_uses_its_tables_and_stays_exact(tmp_path: Path) -> None:
    """Enough hashes for the tables, queries with planted neighbours at 0-40 bits, and the
    answer after save and load."""
    rng = np.random.default_rng(11)
    codes = rng.integers(0, 256, (20_000, 32), dtype=np.uint8)
    queries = codes[:8].copy()
    planted = np.array([_near(queries[k % 8], k % 41, rng) for k in range(200)])
    codes = np.vstack([codes, planted])
    ids = np.arange(codes.shape[0], dtype=np.int64) + 1_000
    index = HashIndex.build(ids, codes)
    assert index._tabled == len(index)  # the tables hold everything built at once
    late = _near(queries[0], 3, rng)
    index.add([10**9], [late.tobytes()])  # one pending hash, checked in full
    for radius in (31, 40):
        results = index.search(queries, radius)
        for query, found in zip(queries, results, strict=True):
            expected = _brute_force(np.vstack([codes, late]), np.r_[ids, 10**9], query, radius)
            assert found == expected
    index.save(tmp_path / "copies.idx")
    again = HashIndex.load(tmp_path / "copies.idx")
    assert again.search(queries, 31) == index.search(queries, 31)
    assert again.stamp == index.stamp and CHUNKS == 16
