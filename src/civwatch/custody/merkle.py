"""RFC 9162 (Certificate Transparency v2) Merkle tree hashing, proofs and their checks.

Pure functions, no database. Hashes are SHA-256:

* leaf hash ``SHA-256(0x00 || entry)``
* interior node ``SHA-256(0x01 || left || right)``
* the root of the empty tree ``SHA-256("")``

Proof *generation* is written against a :class:`SubtreeSource`: anything that can hand out
the hash of an aligned complete subtree ``(level, index)`` - the ``2**level`` leaves
starting at leaf ``index * 2**level``. Every range of leaves a proof needs decomposes into
a few such subtrees, so a store that keeps them (see :mod:`civwatch.custody.log`) answers a
proof at any size with O(log n) hash reads, and :class:`MemoryTree` does the same in memory.
Leaf indexes are 0-based throughout.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Protocol

from civwatch.errors import ProofError
from civwatch.i18n import _

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: An aligned complete subtree: ``(level, index)`` covers leaves
#: ``[index * 2**level, (index + 1) * 2**level)``. Level 0 is a single leaf.
NodeId = tuple[int, int]
#: A half-open range of leaf indexes ``[start, end)``.
LeafRange = tuple[int, int]

_sha256 = hashlib.sha256


def leaf_hash(entry: bytes) -> bytes:
    """The RFC 9162 hash of one log entry: ``SHA-256(0x00 || entry)``."""
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 9162 hash of an interior node: ``SHA-256(0x01 || left || right)``."""
    return _sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash (MTH) of a list of leaf hashes, straight from RFC 9162 2.1.1.

    This is the reference: it touches every leaf. Use it to check, not to serve proofs.
    """

    def mth(start: int, end: int) -> bytes:
        n = end - start
        if n == 1:
            return leaf_hashes[start]
        k = _largest_power_of_two_below(n)
        return node_hash(mth(start, start + k), mth(start + k, end))

    if not leaf_hashes:
        return EMPTY_ROOT
    return mth(0, len(leaf_hashes))


# --------------------------------------------------------------------------- checking


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(
            _(
                "The %(what)s is %(length)s bytes long; a SHA-256 hash has 32.",
                what=what,
                length=len(value),
            )
        )


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that the leaf with ``leaf_hash`` sits at ``leaf_index`` in the tree of
    ``tree_size`` leaves whose root is ``root`` (RFC 9162 section 2.1.3.2).

    Raises :class:`ProofError` saying why when the proof does not hold.
    """
    if tree_size < 0 or leaf_index < 0:
        raise ProofError(_("Leaf index and tree size cannot be negative."))
    if leaf_index >= tree_size:
        raise ProofError(
            _(
                "Leaf %(leaf_index)s cannot be in a tree of %(tree_size)s leaves "
                "(indexes run from 0 to %(last)s).",
                leaf_index=leaf_index,
                tree_size=tree_size,
                last=tree_size - 1,
            )
            if tree_size
            else _("Leaf %(leaf_index)s cannot be in an empty tree.", leaf_index=leaf_index)
        )
    _check_hash(leaf_hash, "leaf hash")
    for i, element in enumerate(proof):
        _check_hash(element, f"audit path element {i}")
    fn, sn, r = leaf_index, tree_size - 1, leaf_hash
    for element in proof:
        if sn == 0:
            raise ProofError(
                _(
                    "The audit path has %(count)s hashes, more than a proof for leaf "
                    "%(leaf_index)s in a tree of %(tree_size)s leaves can have.",
                    count=len(proof),
                    leaf_index=leaf_index,
                    tree_size=tree_size,
                )
            )
        if fn & 1 or fn == sn:
            r = node_hash(element, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, element)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(
            _(
                "The audit path has %(count)s hashes, fewer than a proof for leaf "
                "%(leaf_index)s in a tree of %(tree_size)s leaves needs.",
                count=len(proof),
                leaf_index=leaf_index,
                tree_size=tree_size,
            )
        )
    if r != root:
        raise ProofError(
            _(
                "The inclusion proof for leaf %(leaf_index)s does not lead to the root "
                "hash of the tree of %(tree_size)s leaves: the entry, the proof or the "
                "root is not genuine.",
                leaf_index=leaf_index,
                tree_size=tree_size,
            )
        )


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``size2`` leaves with root ``root2`` extends, unchanged, the
    tree of ``size1`` leaves with root ``root1`` (RFC 9162 section 2.1.4.2).

    Equal sizes need an empty proof and equal roots. A first size of 0 is refused: every
    tree extends the empty tree, so such a "proof" would prove nothing.
    Raises :class:`ProofError` saying why when the proof does not hold.
    """
    if size1 < 0 or size2 < 0:
        raise ProofError(_("Tree sizes cannot be negative."))
    if size1 > size2:
        raise ProofError(
            _(
                "A tree of %(size1)s leaves cannot be an earlier state of a tree of "
                "%(size2)s leaves.",
                size1=size1,
                size2=size2,
            )
        )
    if size1 == 0:
        raise ProofError(
            _(
                "A consistency proof from the empty tree proves nothing; give size1 > 0.",
            )
        )
    if size1 == size2:
        if proof:
            raise ProofError(_("Both trees have the same size, so the proof must be empty."))
        if root1 != root2:
            raise ProofError(
                _(
                    "Two different root hashes were given for the same tree of %(size1)s leaves.",
                    size1=size1,
                )
            )
        return
    if not proof:
        raise ProofError(
            _(
                "A consistency proof from size %(size1)s to %(size2)s cannot be empty.",
                size1=size1,
                size2=size2,
            )
        )
    for i, element in enumerate(proof):
        _check_hash(element, f"consistency proof element {i}")

    path = list(proof)
    if size1 & (size1 - 1) == 0:  # an exact power of two: the old root is a subtree
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for element in path[1:]:
        if sn == 0:
            raise ProofError(
                _(
                    "The consistency proof from size %(size1)s to %(size2)s has more "
                    "hashes than it can have.",
                    size1=size1,
                    size2=size2,
                )
            )
        if fn & 1 or fn == sn:
            fr = node_hash(element, fr)
            sr = node_hash(element, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, element)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(
            _(
                "The consistency proof from size %(size1)s to %(size2)s has fewer "
                "hashes than it needs.",
                size1=size1,
                size2=size2,
            )
        )
    if fr != root1:
        raise ProofError(
            _(
                "The consistency proof does not lead to the given root of the tree of "
                "%(size1)s leaves: the earlier tree was not a prefix of the later one, "
                "or a hash is wrong.",
                size1=size1,
            )
        )
    if sr != root2:
        raise ProofError(
            _(
                "The consistency proof does not lead to the given root of the tree of "
                "%(size2)s leaves: the later tree does not extend the earlier one, or "
                "a hash is wrong.",
                size2=size2,
            )
        )


# --------------------------------------------------------------------------- generating


class SubtreeSource(Protocol):
    """Anything that knows the hashes of aligned complete subtrees of one tree."""

    def subtree_hashes(self, nodes: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        """The hash of each requested ``(level, index)``; level 0 is the leaf hash.

        Asked only for subtrees that lie wholly inside the tree. Missing ones may be left
        out of the answer; the caller reports them.
        """
        ...


def node_position(level: int, index: int) -> int:
    """The in-order position of subtree ``(level, index)``: leaves sit at even positions
    ``2 * index``, the node over leaves 0-1 at 1, over 0-3 at 3, over 2-3 at 5, ..."""
    return (index << (level + 1)) | ((1 << level) - 1)


def node_at(position: int) -> NodeId:
    """The ``(level, index)`` of the subtree at an in-order position (inverse of
    :func:`node_position`)."""
    level = (~position & (position + 1)).bit_length() - 1  # count of trailing one bits
    return level, position >> (level + 1)


def range_subtrees(start: int, end: int) -> list[NodeId]:
    """The aligned complete subtrees that make up leaves ``[start, end)``, left to right.

    Valid for the ranges Merkle proofs use: ``start`` is a multiple of the largest power
    of two not above ``end - start``. Their hashes folded right to left give the range's MTH.
    """
    nodes: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start & ((1 << level) - 1):
            raise ValueError(f"[{start}, {end}) is not a Merkle subtree range")
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def inclusion_ranges(index: int, size: int) -> list[LeafRange]:
    """The leaf ranges whose MTHs form the audit path of ``index`` (RFC 9162 2.1.3.1)."""
    _check_index(index, size)
    ranges: list[LeafRange] = []
    start, end = 0, size
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()  # the path runs from the leaf up to the root
    return ranges


def consistency_ranges(first: int, second: int) -> list[LeafRange]:
    """The leaf ranges whose MTHs form the consistency proof from ``first`` to ``second``
    leaves (RFC 9162 2.1.4.1). Empty when the sizes are equal."""
    _check_sizes(first, second)
    ranges: list[LeafRange] = []
    m, start, end, complete = first, 0, second, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                ranges.append((start, end))
            break
        k = _largest_power_of_two_below(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            m -= k
            start += k
            complete = False
    ranges.reverse()
    return ranges


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise ProofError(
            _(
                "There is no leaf %(index)s in a tree of %(size)s leaves (indexes run "
                "from 0 to %(last)s).",
                index=index,
                size=size,
                last=size - 1,
            )
            if size
            else _("There is no leaf %(index)s in a tree of 0 leaves.", index=index)
        )


def _check_sizes(first: int, second: int) -> None:
    if not 0 < first <= second:
        raise ProofError(
            _(
                "No consistency proof exists from size %(first)s to size %(second)s: "
                "the first size must be at least 1 and at most the second.",
                first=first,
                second=second,
            )
        )


def hash_ranges(source: SubtreeSource, ranges: Sequence[LeafRange]) -> list[bytes]:
    """The MTH of each range, reading every subtree it needs from ``source`` in one call."""
    plans = [range_subtrees(start, end) for start, end in ranges]
    wanted = {node for plan in plans for node in plan}
    known = source.subtree_hashes(wanted)
    missing = wanted.difference(known)
    if missing:
        level, index = min(missing)
        raise ProofError(
            _(
                "The log is missing the stored hash of subtree (level %(level)s, index "
                "%(index)s); run a full verification of the log.",
                level=level,
                index=index,
            )
        )
    hashes: list[bytes] = []
    for (start, end), plan in zip(ranges, plans, strict=True):
        if start == end:
            hashes.append(EMPTY_ROOT)
            continue
        value = known[plan[-1]]
        for node in reversed(plan[:-1]):
            value = node_hash(known[node], value)
        hashes.append(value)
    return hashes


def prove_inclusion(source: SubtreeSource, index: int, size: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves."""
    return hash_ranges(source, inclusion_ranges(index, size))


def prove_consistency(source: SubtreeSource, first: int, second: int) -> list[bytes]:
    """The consistency proof from the tree of ``first`` leaves to that of ``second``."""
    return hash_ranges(source, consistency_ranges(first, second))


def tree_root(source: SubtreeSource, size: int) -> bytes:
    """The root hash of the first ``size`` leaves."""
    return hash_ranges(source, [(0, size)])[0]


class MemoryTree:
    """A Merkle tree held in memory: every complete subtree hash, level by level.

    Shares proof generation with the database store; handy for tests and for checking an
    exported log.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for value in leaf_hashes:
            self.append(value)

    def __len__(self) -> int:
        return len(self.levels[0])

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash and every subtree it completes."""
        self.levels[0].append(leaf)
        level = 0
        while len(self.levels[level]) % 2 == 0:
            row = self.levels[level]
            parent = node_hash(row[-2], row[-1])
            if level + 1 == len(self.levels):
                self.levels.append([])
            self.levels[level + 1].append(parent)
            level += 1

    def subtree_hashes(self, nodes: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        found: dict[NodeId, bytes] = {}
        for level, index in nodes:
            if level < len(self.levels) and 0 <= index < len(self.levels[level]):
                found[(level, index)] = self.levels[level][index]
        return found

    def root(self, size: int | None = None) -> bytes:
        return tree_root(self, len(self) if size is None else self._checked_size(size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return prove_inclusion(self, index, len(self) if size is None else self._checked_size(size))

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        second = len(self) if second is None else self._checked_size(second)
        return prove_consistency(self, first, second)

    def _checked_size(self, size: int) -> int:
        if not 0 <= size <= len(self):
            raise ProofError(
                _(
                    "The tree has %(leaves)s leaves; it never had %(size)s.",
                    leaves=len(self),
                    size=size,
                )
            )
        return size
