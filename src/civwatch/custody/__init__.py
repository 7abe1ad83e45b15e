"""The custody log engine: an append-only RFC 9162 Merkle tree with signed tree heads.

Knows nothing about evidence; the evidence domain appends entries and hands out proofs.
See ``docs/custody-log.md`` for the exact encodings a third party needs.
"""

from civwatch.custody.log import ConsistencyProof, CustodyLog, InclusionProof, encode_entry
from civwatch.custody.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from civwatch.custody.signing import (
    TreeHead,
    create_signing_key,
    load_signing_key,
    public_key_bytes,
    sign_tree_head,
    tree_head_message,
    verify_tree_head,
)

__all__ = [
    "EMPTY_ROOT",
    "ConsistencyProof",
    "CustodyLog",
    "InclusionProof",
    "MemoryTree",
    "TreeHead",
    "create_signing_key",
    "encode_entry",
    "leaf_hash",
    "load_signing_key",
    "node_hash",
    "public_key_bytes",
    "root_of",
    "sign_tree_head",
    "tree_head_message",
    "verify_consistency",
    "verify_inclusion",
    "verify_tree_head",
]
