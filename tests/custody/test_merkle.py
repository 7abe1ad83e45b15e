"""RFC 9162 hashing, proof checks against the published vectors, and generated proofs."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civwatch.custody.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    leaf_hash,
    node_hash,
    range_subtrees,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from civwatch.errors import ProofError

VECTOR_COUNT = 196


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _run_vector(vector: dict[str, Any]) -> None:
    proof = [_b64(p) for p in vector["proof"] or []]
    if "leafIdx" in vector:
        verify_inclusion(
            vector["leafIdx"],
            vector["treeSize"],
            _b64(vector["leafHash"]),
            proof,
            _b64(vector["root"]),
        )
    else:
        verify_consistency(
            vector["size1"], vector["size2"], _b64(vector["root1"]), _b64(vector["root2"]), proof
        )


def test_every_rfc9162_vector_is_accepted_or_rejected_as_published(
    rfc9162_vectors: Path,
) -> None:
    files = sorted(rfc9162_vectors.rglob("*.json"))
    assert len(files) == VECTOR_COUNT
    disagreements = []
    kinds = {"inclusion": 0, "consistency": 0}
    rejected = 0
    for path in files:
        vector = json.loads(path.read_text())
        kinds["inclusion" if "leafIdx" in vector else "consistency"] += 1
        try:
            _run_vector(vector)
            failed = False
        except ProofError as err:
            failed = True
            assert str(err), f"{path}: empty error message"
        rejected += failed
        if failed != vector["wantErr"]:
            disagreements.append(f"{path.relative_to(rfc9162_vectors)}: {vector['desc']}")
    assert disagreements == []
    assert kinds["inclusion"] > 0 and kinds["consistency"] > 0
    assert 0 < rejected < VECTOR_COUNT


def test_hashes_follow_rfc9162_domain_separation() -> None:
    assert EMPTY_ROOT.hex() == hashlib.sha256(b"").hexdigest()
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    # RFC 9162 2.1.1: MTH of 3 leaves splits at k = 2.
    c = leaf_hash(b"c")
    assert root_of([a, b, c]) == node_hash(node_hash(a, b), c)
    assert root_of([a]) == a
    assert root_of([]) == EMPTY_ROOT


def test_memory_tree_gives_valid_proofs_for_every_pair_in_small_trees() -> None:
    leaves = [leaf_hash(f"entry {i}".encode()) for i in range(33)]
    tree = MemoryTree()
    for n, value in enumerate(leaves, start=1):
        tree.append(value)
        root = root_of(leaves[:n])
        assert tree.root() == root
        for i in range(n):
            verify_inclusion(i, n, leaves[i], tree.inclusion_proof(i, n), root)
        for m in range(1, n + 1):
            proof = tree.consistency_proof(m, n)
            verify_consistency(m, n, root_of(leaves[:m]), root, proof)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), size=st.integers(min_value=1, max_value=300))
def test_generated_proofs_verify_and_break_when_changed(data: st.DataObject, size: int) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    tree = MemoryTree(leaves)
    root = root_of(leaves)
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = tree.inclusion_proof(index)
    verify_inclusion(index, size, leaves[index], proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf_hash(b"forged"), proof, root)
    if proof:
        flipped = data.draw(st.integers(0, len(proof) - 1), label="flipped")
        bad = list(proof)
        bad[flipped] = bytes([bad[flipped][0] ^ 1]) + bad[flipped][1:]
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaves[index], bad, root)

    first = data.draw(st.integers(1, size), label="first")
    consistency = tree.consistency_proof(first, size)
    verify_consistency(first, size, root_of(leaves[:first]), root, consistency)
    if first < size:
        with pytest.raises(ProofError):
            verify_consistency(first, size, root_of(leaves[1 : first + 1]), root, consistency)


def test_out_of_range_requests_name_the_problem() -> None:
    tree = MemoryTree(leaf_hash(bytes([i])) for i in range(5))
    with pytest.raises(ProofError, match="no leaf 5 in a tree of 5"):
        tree.inclusion_proof(5)
    with pytest.raises(ProofError, match="never had 6"):
        tree.root(6)
    with pytest.raises(ProofError, match="first size must be at least 1"):
        tree.consistency_proof(0, 5)
    with pytest.raises(ProofError, match="cannot be in an empty tree"):
        verify_inclusion(0, 0, leaf_hash(b""), [], EMPTY_ROOT)
    with pytest.raises(ProofError, match="32"):
        verify_inclusion(0, 1, b"short", [], b"short")


def test_range_subtrees_decomposes_right_edge_ranges() -> None:
    assert range_subtrees(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert range_subtrees(8, 13) == [(2, 2), (0, 12)]
    with pytest.raises(ValueError, match="not a Merkle subtree range"):
        range_subtrees(1, 3)
