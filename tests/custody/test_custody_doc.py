"""The verification code printed in docs/custody-log.md works on proofs from a real log."""

from __future__ import annotations

import re
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session, sessionmaker

from civwatch.custody import CustodyLog, encode_entry
from civwatch.db import transaction

from .conftest import REPO

#: These tests write entries of their own, not those of civwatch's acts.
pytestmark = pytest.mark.raw_custody_entries


def _doc_code() -> dict[str, Any]:
    text = (REPO / "docs" / "custody-log.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 1
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0], "docs/custody-log.md", "exec"), namespace)
    return namespace


def test_a_third_party_can_check_proofs_and_heads_with_the_documented_code(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    doc = _doc_code()
    log = CustodyLog()
    entries = [{"act": "ingest", "evidence": f"ev-{i}", "by": "Олена"} for i in range(13)]
    with transaction(sessions) as session:
        log.append(session, entries[:6])
        first = log.sign_head(session, key, timestamp_ms=1_763_900_000_000)
    with transaction(sessions) as session:
        log.append(session, entries[6:])
        head = log.sign_head(session, key, timestamp_ms=1_763_900_060_000)
    with sessions() as session:
        for size in (6, 13):
            for i in range(size):
                proof = log.inclusion_proof(session, i, size)
                leaf = doc["leaf_hash"](encode_entry(entries[i]))
                assert doc["root_from_inclusion"](i, size, leaf, proof.audit_path) == (
                    proof.root_hash
                )
        consistency = log.consistency_proof(session, 6, 13)
    for h in (first, head):
        doc["check_tree_head"](h.tree_size, h.timestamp_ms, h.root_hash, h.signature, h.public_key)
    assert consistency.first_root == first.root_hash
    assert doc["roots_from_consistency"](6, 13, first.root_hash, consistency.proof) == (
        first.root_hash,
        head.root_hash,
    )
    # A forged entry does not lead to the signed root; an altered head does not verify.
    forged = doc["leaf_hash"](encode_entry({**entries[3], "by": "someone else"}))
    with sessions() as session:
        path = log.inclusion_proof(session, 3, 13).audit_path
    assert doc["root_from_inclusion"](3, 13, forged, path) != head.root_hash
    with pytest.raises(InvalidSignature):
        doc["check_tree_head"](
            head.tree_size + 1, head.timestamp_ms, head.root_hash, head.signature, head.public_key
        )
