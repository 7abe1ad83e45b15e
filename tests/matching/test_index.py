"""HashIndex: exact range search, incremental adds, atomic persistence with a stamp."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from civwatch.errors import IntegrityError, RejectedInputError
from civwatch.matching.index import HashIndex, IndexStamp


def _flip_bits(code: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    bits = np.unpackbits(code)
    bits[rng.choice(256, size=count, replace=False)] ^= 1
    return np.packbits(bits)


def _brute_force(codes: np.ndarray, ids: np.ndarray, query: np.ndarray, radius: int) -> set:
    distances = np.unpackbits(codes ^ query, axis=1).sum(axis=1)
    return {(int(i), int(d)) for i, d in zip(ids, distances, strict=True) if d <= radius}


def test_search_finds_exactly_the_brute_force_neighbours() -> None:
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 256, (5000, 32), dtype=np.uint8)
    # Plant neighbours at distances 0..40 around the first 20 hashes.
    planted = np.array([_flip_bits(codes[k % 20], k % 41, rng) for k in range(400)])
    codes = np.vstack([codes, planted])
    ids = np.arange(codes.shape[0], dtype=np.int64) * 3 + 100
    index = HashIndex()
    index.add(ids[:3000], codes[:3000])
    index.add(ids[3000:], codes[3000:])  # incremental
    queries = codes[:20]
    for radius in (0, 16, 31, 32):
        results = index.search(queries, radius)
        for query, found in zip(queries, results, strict=True):
            assert set(found) == _brute_force(codes, ids, query, radius)
            assert [d for _, d in found] == sorted(d for _, d in found)
    # Radius 31 is inclusive and 32 excluded at 31.
    found31 = {d for row in index.search(queries, 31) for _, d in row}
    assert 31 in found31 and 32 not in found31


def test_empty_index_and_bytes_queries() -> None:
    index = HashIndex()
    assert index.search([bytes(32)]) == [[]]
    index.add([5], [bytes(32)])
    one = bytes([1]) + bytes(31)
    assert index.search([one, bytes([255] * 32)], 31) == [[(5, 1)], []]


def test_bad_adds_are_rejected() -> None:
    index = HashIndex()
    index.add([1], [bytes(32)])
    with pytest.raises(RejectedInputError):
        index.add([1], [bytes(32)])
    with pytest.raises(RejectedInputError):
        index.add([2, 2], [bytes(32), bytes(32)])
    with pytest.raises(RejectedInputError):
        index.add([3], [bytes(31)])
    with pytest.raises(RejectedInputError):
        index.add([3, 4], [bytes(32)])
    assert len(index) == 1


def test_save_load_round_trip_and_stamp(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 256, (1000, 32), dtype=np.uint8)
    ids = rng.permutation(10_000)[:1000].astype(np.int64)
    index = HashIndex.build(ids, codes)
    path = tmp_path / "hashes.idx"
    stamp = index.save(path)
    assert stamp == index.stamp == IndexStamp.for_ids(ids.tolist())
    assert HashIndex.read_stamp(path) == stamp
    assert not list(tmp_path.glob(".*tmp"))  # no temp file left behind
    loaded = HashIndex.load(path)
    assert loaded.stamp == stamp
    assert loaded.search(codes[:50], 31) == index.search(codes[:50], 31)
    # A database with one more hash sees the saved index as stale.
    assert HashIndex.read_stamp(path) != IndexStamp.for_ids([*ids.tolist(), 99_999])


def test_damaged_or_missing_index_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "hashes.idx"
    HashIndex.build([1, 2], [bytes(32), bytes([7] * 32)]).save(path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="rebuild"):
        HashIndex.load(path)
    path.write_bytes(b"junk")
    with pytest.raises(IntegrityError):
        HashIndex.load(path)
    assert HashIndex.read_stamp(tmp_path / "absent.idx") is None


def test_saving_over_an_existing_index_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "hashes.idx"
    HashIndex.build([1], [bytes(32)]).save(path)
    bigger = HashIndex.build([1, 2], [bytes(32), bytes([1] * 32)])
    bigger.save(path)
    assert len(HashIndex.load(path)) == 2
