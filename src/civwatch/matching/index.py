"""Exact Hamming range search over many 256-bit hashes, persisted atomically.

Multi-index hashing (Norouzi, Punjani and Fleet, "Fast exact search in Hamming space with
multi-index hashing", 2014), exact: the 256 bits are cut into 16 chunks of 16 bits, and
a hash within distance ``r`` of a query has, by the pigeonhole principle, at least one
chunk within ``r // 16`` of the query's chunk (at the matcher's distance, 31: a chunk
equal or one bit away). Each chunk has a table (NumPy, no Python loop per hash): the
positions of the stored hashes sorted by that chunk's value, and where each value starts.
A query looks up its 16 chunks and their one-bit neighbours (17 values per chunk), takes
the union of the positions found, and keeps those whose full 256-bit distance is within
``r``: the same neighbours as a full scan, never an approximation, while it reads a few
thousand candidates of a million. Hashes added after the tables were built are scanned in
full until there are enough of them to rebuild the tables (:data:`PENDING_MIN`); a
distance of 48 or more (3+ bits per chunk) is answered by a full scan.

``bench/matching_index.py`` measures it against faiss ``IndexBinaryFlat`` (the exhaustive
scan this index used before) in the same run. Memory: the 32-byte code, the 8-byte id
and 64 bytes of tables per hash.
"""

from __future__ import annotations

import functools
import hashlib
import os
import struct
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from civwatch.errors import IntegrityError, RejectedInputError
from civwatch.files import atomic_writer
from civwatch.i18n import _
from civwatch.matching.pdq import DEFAULT_MAX_DISTANCE, HASH_BYTES

_MAGIC: Final = b"CWHIDX1\n"
_HEADER: Final = struct.Struct("<8sQ32s32s")  # magic, count, ids digest, content digest

#: The 256 bits are cut into this many chunks of 16 bits, each with a table.
CHUNKS: Final = 16
_VALUES: Final = 1 << 16
#: Hashes added since the tables were built, scanned in full, before the tables are
#: rebuilt: at least this many, or 1/64 of the hashes in the tables.
PENDING_MIN: Final = 4096
#: Queries looked up together (a batch of thousands is cut into blocks of this many, so
#: the candidates' temporary arrays stay a few megabytes).
QUERY_BLOCK: Final = 64
#: The largest distance per chunk searched through the tables (beyond it, a full scan).
_MOST_PER_CHUNK: Final = 2


@functools.cache
def _masks(bits: int) -> NDArray[np.uint16]:
    """Every 16-bit mask with at most ``bits`` bits set (0, the 16 single bits, ...)."""
    values = np.arange(_VALUES, dtype=np.uint32)
    weights = np.bitwise_count(values)
    chosen = values[weights <= bits]
    return chosen[np.argsort(np.bitwise_count(chosen), kind="stable")].astype(np.uint16)


def _scan(
    codes64: NDArray[np.uint64], query64: NDArray[np.uint64], max_distance: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Every (query, position, distance) within ``max_distance``, by a full scan."""
    found = []
    for q in range(query64.shape[0]):
        distances = np.bitwise_count(codes64 ^ query64[q]).sum(axis=1, dtype=np.int64)
        near = np.flatnonzero(distances <= max_distance)
        found.append((np.full(near.size, q, dtype=np.int64), near, distances[near]))
    which, where, distances = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return which, where, distances


Neighbour = tuple[int, int]
"""A stored id and its Hamming distance to the query."""


@dataclass(frozen=True, slots=True)
class IndexStamp:
    """What an index holds: compare with the database to see whether it is stale."""

    count: int
    ids_digest: str

    @classmethod
    def for_ids(cls, ids: Iterable[int]) -> IndexStamp:
        """The stamp an index holding exactly these ids (in any order) has."""
        array = np.fromiter(ids, dtype=np.int64)
        return cls(count=int(array.size), ids_digest=_ids_digest(array))


def _ids_digest(ids: NDArray[np.int64]) -> str:
    ordered = np.sort(ids).astype("<i8", copy=False)
    return hashlib.sha256(ordered.tobytes()).hexdigest()


def as_bits_array(bits: Sequence[bytes] | NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``(n, 32)`` uint8 array from a list of 32-byte hashes (or such an array)."""
    if isinstance(bits, np.ndarray):
        array = np.ascontiguousarray(bits, dtype=np.uint8)
    else:
        if any(len(b) != HASH_BYTES for b in bits):
            raise RejectedInputError(_("Every hash in the index has 32 bytes."))
        array = np.frombuffer(b"".join(bits), dtype=np.uint8).reshape(-1, HASH_BYTES)
    if array.ndim != 2 or array.shape[1] != HASH_BYTES:
        raise RejectedInputError(
            _("Hashes must be an (n, 32) byte array, not %(shape)s.", shape=array.shape)
        )
    return array


class HashIndex:
    """Stored ``(id, 256-bit hash)`` pairs answering exact Hamming range queries.

    Ids are the caller's integers (one per stored hash) and must be unique. ``add`` is
    incremental; ``save``/``load`` persist the whole index atomically with a stamp.
    """

    def __init__(self) -> None:
        self._codes: NDArray[np.uint8] = np.empty((0, HASH_BYTES), dtype=np.uint8)
        self._all_ids: NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self._count = 0  # rows of the two buffers in use (they grow by doubling)
        self._tabled = 0  # the first rows, which the chunk tables hold
        self._order: NDArray[np.int32] = np.empty(0, dtype=np.int32)
        self._starts: NDArray[np.int64] = np.zeros(CHUNKS * (_VALUES + 1), dtype=np.int64)
        self._lock = threading.RLock()

    @property
    def _ids(self) -> NDArray[np.int64]:
        return self._all_ids[: self._count]

    def __len__(self) -> int:
        return int(self._ids.size)

    @property
    def stamp(self) -> IndexStamp:
        """Count and digest of the ids held."""
        with self._lock:
            return IndexStamp(count=len(self), ids_digest=_ids_digest(self._ids))

    @property
    def ids(self) -> NDArray[np.int64]:
        """A copy of the stored ids, in insertion order."""
        with self._lock:
            return self._ids.copy()

    @classmethod
    def build(
        cls, ids: Sequence[int] | NDArray[np.int64], bits: Sequence[bytes] | NDArray[np.uint8]
    ) -> HashIndex:
        """A new index holding these pairs (used to rebuild from the database)."""
        index = cls()
        index.add(ids, bits)
        return index

    def add(
        self, ids: Sequence[int] | NDArray[np.int64], bits: Sequence[bytes] | NDArray[np.uint8]
    ) -> None:
        """Add hashes under new unique ids."""
        id_array = np.asarray(ids, dtype=np.int64).reshape(-1)
        codes = as_bits_array(bits)
        if id_array.size != codes.shape[0]:
            raise RejectedInputError(
                _(
                    "%(ids)s ids were given for %(hashes)s hashes.",
                    ids=id_array.size,
                    hashes=codes.shape[0],
                )
            )
        if id_array.size == 0:
            return
        ordered = np.sort(id_array)  # np.unique hashes: 6 s at a million, sorting 0.1 s
        if bool((ordered[1:] == ordered[:-1]).any()):
            raise RejectedInputError(_("The same id was given twice to the hash index."))
        with self._lock:
            if self._count and np.isin(id_array, self._ids).any():
                raise RejectedInputError(_("An id given to the hash index is already in it."))
            self._append(id_array, codes)
            if self._count - self._tabled > max(PENDING_MIN, self._tabled // 64):
                self._build_tables()

    def _append(self, ids: NDArray[np.int64], codes: NDArray[np.uint8]) -> None:
        end = self._count + ids.size
        if end > self._all_ids.size:  # grow by doubling: adding one at a time stays cheap
            capacity = max(end, 2 * self._all_ids.size, 1024)
            grown_codes = np.empty((capacity, HASH_BYTES), dtype=np.uint8)
            grown_codes[: self._count] = self._codes[: self._count]
            grown_ids = np.empty(capacity, dtype=np.int64)
            grown_ids[: self._count] = self._all_ids[: self._count]
            self._codes, self._all_ids = grown_codes, grown_ids
        self._codes[self._count : end] = codes
        self._all_ids[self._count : end] = ids
        self._count = end

    def _build_tables(self) -> None:
        """The chunk tables over every hash held: per chunk, the positions sorted by the
        chunk's value (a stable radix sort of 16-bit keys) and where each value starts."""
        n = self._count
        chunks = self._codes[:n].view("<u2")  # (n, 16): chunk j of row i
        order = np.empty((CHUNKS, n), dtype=np.int32)
        starts = np.empty((CHUNKS, _VALUES + 1), dtype=np.int64)
        for j in range(CHUNKS):
            column = chunks[:, j]
            order[j] = np.argsort(column, kind="stable")
            starts[j, 0] = 0
            np.cumsum(np.bincount(column, minlength=_VALUES), out=starts[j, 1:])
            starts[j] += j * n  # into the flattened order
        self._order = order.reshape(-1)
        self._starts = starts.reshape(-1)
        self._tabled = n

    def _candidates(
        self, queries: NDArray[np.uint8], per_chunk: int
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(query, position) pairs of the tabled hashes having a chunk within ``per_chunk``
        bits of the query's chunk (a pair found through several chunks comes as often)."""
        masks = _masks(per_chunk)
        values = queries.view("<u2")  # (q, 16)
        probes = values[:, :, None] ^ masks[None, None, :]  # (q, 16, k)
        rows = (np.arange(CHUNKS, dtype=np.int64) * (_VALUES + 1))[None, :, None]
        at = (probes.astype(np.int64) + rows).reshape(-1)
        begin, end = np.take(self._starts, at), np.take(self._starts, at + 1)
        lengths = end - begin
        query_of = np.repeat(np.arange(queries.shape[0], dtype=np.int64), CHUNKS * masks.size)
        found = lengths > 0
        begin, lengths, query_of = begin[found], lengths[found], query_of[found]
        total = int(lengths.sum())
        if total == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        # the concatenation of the ranges [begin, begin + length), without a Python loop
        first = np.cumsum(lengths) - lengths
        offsets = np.arange(total, dtype=np.int64) - np.repeat(first - begin, lengths)
        positions = np.take(self._order, offsets).astype(np.int64)
        return np.repeat(query_of, lengths), positions

    def search(
        self,
        bits_list: Sequence[bytes] | NDArray[np.uint8],
        max_distance: int = DEFAULT_MAX_DISTANCE,
    ) -> list[list[Neighbour]]:
        """For each query hash, every stored ``(id, distance)`` with distance <= max_distance.

        Each list is ordered by distance, then id.
        """
        if not 0 <= max_distance <= HASH_BYTES * 8:
            raise RejectedInputError(
                _(
                    "A Hamming distance must be 0-256, not %(max_distance)s.",
                    max_distance=max_distance,
                )
            )
        queries = as_bits_array(bits_list)
        if queries.shape[0] == 0:
            return []
        with self._lock:
            if not self._count:
                return [[] for _ in range(queries.shape[0])]
            parts = []
            for first in range(0, queries.shape[0], QUERY_BLOCK):  # bounded temporaries
                which, where, distances = self._within(
                    queries[first : first + QUERY_BLOCK], max_distance
                )
                parts.append((which + first, self._all_ids[where], distances))
        which, ids, distances = (np.concatenate(part) for part in zip(*parts, strict=True))
        order = np.lexsort((ids, distances, which))
        which, ids, distances = which[order], ids[order], distances[order]
        bounds = np.searchsorted(which, np.arange(queries.shape[0] + 1))
        pairs = list(zip(ids.tolist(), distances.tolist(), strict=True))
        return [pairs[bounds[q] : bounds[q + 1]] for q in range(queries.shape[0])]

    def _within(
        self, queries: NDArray[np.uint8], max_distance: int
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """(query, position, distance) of every stored hash within ``max_distance``."""
        codes64 = self._codes[: self._count].view("<u8")  # (n, 4)
        query64 = queries.view("<u8")
        per_chunk = max_distance // CHUNKS
        if per_chunk > _MOST_PER_CHUNK:  # too many probes: a full scan is cheaper
            return _scan(codes64, query64, max_distance)
        none = np.empty(0, dtype=np.int64)
        which, where = self._candidates(queries, per_chunk) if self._tabled else (none, none)
        pending = self._count - self._tabled
        if pending:  # hashes added since the tables were built: every one checked
            every = np.arange(queries.shape[0], dtype=np.int64)
            which = np.concatenate([which, np.repeat(every, pending)])
            where = np.concatenate(
                [where, np.tile(np.arange(self._tabled, self._count), queries.shape[0])]
            )
        # np.take, not fancy indexing: many times faster for rows of a large array
        differ = np.take(codes64, where, axis=0) ^ np.take(query64, which, axis=0)
        distances = np.bitwise_count(differ).sum(axis=1, dtype=np.int64)
        near = np.flatnonzero(distances <= max_distance)
        which, where, distances = which[near], where[near], distances[near]
        # a hash found through several chunks is kept once (sorting: np.unique is slower)
        keys = which * max(self._count, 1) + where
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        first = np.ones(keys.size, dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        keep = order[first]
        return which[keep], where[keep], distances[keep]

    def save(self, path: str | os.PathLike[str]) -> IndexStamp:
        """Write the index to ``path`` atomically (temp file, fsync, rename); return its stamp."""
        target = Path(path)
        with self._lock:
            ids = self._ids.astype("<i8", copy=True)
            codes = self._held_codes()
        ids_digest = _ids_digest(ids)
        body_digest = hashlib.sha256(ids.tobytes() + codes.tobytes()).digest()
        header = _HEADER.pack(_MAGIC, ids.size, bytes.fromhex(ids_digest), body_digest)
        with atomic_writer(target) as out:
            out.write(header)
            out.write(ids.tobytes())
            out.write(codes.tobytes())
        return IndexStamp(count=int(ids.size), ids_digest=ids_digest)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> HashIndex:
        """Read an index written by ``save``; ``IntegrityError`` if it is damaged."""
        source = Path(path)
        data = source.read_bytes()
        if len(data) < _HEADER.size:
            raise IntegrityError(
                _("The hash index %(name)s is truncated; rebuild it.", name=source.name)
            )
        magic, count, ids_digest, body_digest = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise IntegrityError(
                _("%(name)s is not a civwatch hash index; rebuild it.", name=source.name)
            )
        body = memoryview(data)[_HEADER.size :]
        if len(body) != count * (8 + HASH_BYTES) or hashlib.sha256(body).digest() != body_digest:
            raise IntegrityError(
                _("The hash index %(name)s is damaged; rebuild it.", name=source.name)
            )
        ids = np.frombuffer(body[: count * 8], dtype="<i8").astype(np.int64)
        codes = np.frombuffer(body[count * 8 :], dtype=np.uint8).reshape(-1, HASH_BYTES)
        if _ids_digest(ids) != ids_digest.hex():
            raise IntegrityError(
                _("The hash index %(name)s is damaged; rebuild it.", name=source.name)
            )
        return cls.build(ids, codes)

    @staticmethod
    def read_stamp(path: str | os.PathLike[str]) -> IndexStamp | None:
        """The stamp of a saved index without loading it; None if missing or unreadable."""
        try:
            with open(path, "rb") as src:
                header = src.read(_HEADER.size)
        except FileNotFoundError:
            return None
        if len(header) < _HEADER.size:
            return None
        magic, count, ids_digest, _ = _HEADER.unpack(header)
        if magic != _MAGIC:
            return None
        return IndexStamp(count=int(count), ids_digest=ids_digest.hex())

    def _held_codes(self) -> NDArray[np.uint8]:
        return self._codes[: self._count].copy()
