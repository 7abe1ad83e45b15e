"""The custody log in a real database: appending, proofs, signed heads, locking."""

from __future__ import annotations

import multiprocessing

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from civwatch.custody import (
    CustodyLog,
    MemoryTree,
    encode_entry,
    leaf_hash,
    public_key_bytes,
    root_of,
    verify_consistency,
    verify_inclusion,
    verify_tree_head,
)
from civwatch.custody.merkle import node_at, node_position
from civwatch.custody.models import CUSTODY_TABLES, CustodyLeaf, CustodyNode
from civwatch.db import Base, make_engine, session_factory, transaction
from civwatch.errors import IntegrityError, ProofError, RejectedInputError

#: These tests write entries of their own, not those of civwatch's acts.
pytestmark = pytest.mark.raw_custody_entries

BATCHES = [1, 2, 3, 5, 8, 1, 13, 1, 4, 2]  # 40 entries, batch edges all over the tree


def _entries(start: int, count: int) -> list[dict[str, object]]:
    return [
        {"act": "ingest", "item": f"item-{i}", "sha256": f"{i:064x}", "n": i}
        for i in range(start, start + count)
    ]


def _fill(sessions: sessionmaker[Session], batches: list[int]) -> list[bytes]:
    log = CustodyLog()
    leaves: list[bytes] = []
    for count in batches:
        with transaction(sessions) as session:
            batch = _entries(len(leaves), count)
            indexes = log.append(session, batch)
            assert indexes == list(range(len(leaves), len(leaves) + count))
            leaves.extend(leaf_hash(encode_entry(e)) for e in batch)
    return leaves


def test_proofs_from_the_store_verify_for_every_index_and_size(
    sessions: sessionmaker[Session],
) -> None:
    leaves = _fill(sessions, BATCHES)
    log = CustodyLog()
    with sessions() as session:
        assert log.size(session) == len(leaves) == 40
        for n in range(1, len(leaves) + 1):
            root = root_of(leaves[:n])
            assert log.root(session, n) == root
            for i in range(n):
                proof = log.inclusion_proof(session, i, n)
                assert (proof.leaf_index, proof.tree_size) == (i, n)
                assert proof.leaf_hash == leaves[i] and proof.root_hash == root
                verify_inclusion(i, n, proof.leaf_hash, proof.audit_path, proof.root_hash)
            for m in range(1, n + 1):
                cons = log.consistency_proof(session, m, n)
                assert cons.first_root == root_of(leaves[:m]) and cons.second_root == root
                verify_consistency(m, n, cons.first_root, cons.second_root, cons.proof)


def test_stored_nodes_match_an_in_memory_tree_whatever_the_batch_edges(
    sessions: sessionmaker[Session],
) -> None:
    leaves = _fill(sessions, [7, 1, 1, 16, 3, 30, 2])
    expected = MemoryTree(leaves)
    with sessions() as session:
        stored = {
            node_at(position): value
            for position, value in session.execute(select(CustodyNode.position, CustodyNode.hash))
        }
    wanted = {
        (level, idx): value
        for level, row in enumerate(expected.levels)
        if level > 0
        for idx, value in enumerate(row)
    }
    assert stored == wanted


@settings(max_examples=30, deadline=None)
@given(batches=st.lists(st.integers(1, 12), min_size=1, max_size=6))
def test_store_matches_the_reference_whatever_the_batches(batches: list[int]) -> None:
    """Property: for any split into transactions, every root, inclusion proof and
    consistency proof from the store matches RFC 9162 computed from the leaves alone."""
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine, tables=list(CUSTODY_TABLES))
    try:
        leaves = _fill(session_factory(engine), batches)
        n = len(leaves)
        root = root_of(leaves)
        log = CustodyLog()
        with Session(engine) as session:
            for size in range(n + 1):
                assert log.root(session, size) == root_of(leaves[:size])
            for i in range(n):
                proof = log.inclusion_proof(session, i)
                verify_inclusion(i, n, leaves[i], proof.audit_path, root)
            for m in range(1, n + 1):
                cons = log.consistency_proof(session, m, n)
                verify_consistency(m, n, root_of(leaves[:m]), root, cons.proof)
    finally:
        engine.dispose()


def test_entries_come_back_byte_for_byte_as_canonical_json(
    sessions: sessionmaker[Session],
) -> None:
    log = CustodyLog()
    with transaction(sessions) as session:
        log.append(session, [{"b": 1, "a": "Харків", "c": [1.5, None, True]}])
        log.append_bytes(session, [b"raw \x00 bytes", b""])
    with sessions() as session:
        got = list(log.entries(session))
        assert got == [
            (0, '{"a":"Харків","b":1,"c":[1.5,null,true]}'.encode()),
            (1, b"raw \x00 bytes"),
            (2, b""),
        ]
        assert list(log.entries(session, 1, 2)) == [(1, b"raw \x00 bytes")]
        with pytest.raises(ProofError, match="not in the custody log of 3"):
            list(log.entries(session, 2, 4))
    assert encode_entry({"z": 1, "a": 2}) == encode_entry({"a": 2, "z": 1}) == b'{"a":2,"z":1}'


def test_bad_entries_are_refused_and_leave_the_log_untouched(
    sessions: sessionmaker[Session],
) -> None:
    log = CustodyLog()
    with pytest.raises(RejectedInputError, match="canonical JSON"):
        encode_entry({"value": float("nan")})
    with transaction(sessions) as session, pytest.raises(RejectedInputError, match="not bytes"):
        log.append_bytes(session, [b"ok", "text"])  # type: ignore[list-item]
    with sessions() as session:
        assert log.size(session) == 0
        assert log.append(session, []) == []


def test_a_rolled_back_append_leaves_no_trace(sessions: sessionmaker[Session]) -> None:
    log = CustodyLog()
    _fill(sessions, [3])
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        log.append(session, _entries(3, 5))
        raise RuntimeError("the evidence row failed to save")
    with transaction(sessions) as session:
        assert log.append(session, _entries(3, 2)) == [3, 4]
    with sessions() as session:
        assert log.size(session) == 5
        assert log.verify(session, Ed25519PrivateKey.generate().public_key()) == []


def test_out_of_range_proofs_are_refused_with_a_clear_message(
    sessions: sessionmaker[Session],
) -> None:
    _fill(sessions, [5])
    log = CustodyLog()
    with sessions() as session:
        with pytest.raises(ProofError, match="no leaf 5 in a tree of 5"):
            log.inclusion_proof(session, 5)
        with pytest.raises(ProofError, match="no leaf 3 in a tree of 3"):
            log.inclusion_proof(session, 3, 3)
        with pytest.raises(ProofError, match="has 5 entries; it never had a tree of 6"):
            log.inclusion_proof(session, 0, 6)
        with pytest.raises(ProofError, match="never had a tree of 9"):
            log.consistency_proof(session, 2, 9)
        with pytest.raises(ProofError, match="first size must be at least 1"):
            log.consistency_proof(session, 0, 5)
        with pytest.raises(ProofError, match="never had a tree of -1"):
            log.root(session, -1)


def test_signed_heads_are_stored_reused_and_verifiable(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    log = CustodyLog()
    with transaction(sessions) as session:
        empty = log.sign_head(session, key, timestamp_ms=1_000)
        assert empty.tree_size == 0
    leaves = _fill(sessions, [6])
    with transaction(sessions) as session:
        head = log.sign_head(session, key, timestamp_ms=2_000)
        assert (head.tree_size, head.root_hash) == (6, root_of(leaves))
        assert head.public_key == public_key_bytes(key)
        verify_tree_head(head, key.public_key())
        again = log.sign_head(session, key, timestamp_ms=3_000)
        assert again == head  # unchanged tree: the latest head is returned
        log.append(session, _entries(6, 1))
        with pytest.raises(RejectedInputError, match="before the latest head"):
            log.sign_head(session, key, timestamp_ms=1_500)
    with sessions() as session:
        assert log.latest_head(session) == head
        assert [h.tree_size for h in log.heads(session)] == [0, 6]
        assert log.verify(session, key.public_key()) == []
        other = Ed25519PrivateKey.generate().public_key()
        problems = log.verify(session, other)
        assert len(problems) == 2
        assert all("not the expected key" in p for p in problems)
        assert problems[1].startswith("Tree head #2 (size 6, signed 1970-01-01T00:00:02.000Z)")


def test_concurrent_appenders_take_turns(log_db_url: str, engine: Engine) -> None:
    workers, batches, per_batch = 2, 10, 25
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        results = pool.starmap(
            _append_from_process, [(log_db_url, w, batches, per_batch) for w in range(workers)]
        )
    indexes = sorted(i for result in results for i in result)
    total = workers * batches * per_batch
    assert indexes == list(range(total))
    sessions = session_factory(engine)
    log = CustodyLog()
    with sessions() as session:
        assert log.size(session) == total
        assert session.scalar(select(func.count()).select_from(CustodyLeaf)) == total
        assert log.verify(session, Ed25519PrivateKey.generate().public_key()) == []
        # Each batch is contiguous: a writer held the log for its whole transaction.
        for result in results:
            for b in range(batches):
                chunk = result[b * per_batch : (b + 1) * per_batch]
                assert chunk == list(range(chunk[0], chunk[0] + per_batch))


def _append_from_process(url: str, worker: int, batches: int, per_batch: int) -> list[int]:
    engine = make_engine(url)
    sessions = session_factory(engine)
    log = CustodyLog()
    got: list[int] = []
    try:
        for b in range(batches):
            with transaction(sessions) as session:
                log.lock(session)
                got += log.append(
                    session, [{"worker": worker, "batch": b, "n": n} for n in range(per_batch)]
                )
    finally:
        engine.dispose()
    return got


def test_appending_refuses_a_log_with_a_missing_frontier_node(
    sessions: sessionmaker[Session],
) -> None:
    _fill(sessions, [4])
    with transaction(sessions) as session:
        session.execute(delete(CustodyNode).where(CustodyNode.position == node_position(2, 0)))
    with transaction(sessions) as session, pytest.raises(IntegrityError, match="level 2, index 0"):
        CustodyLog().append(session, _entries(4, 1))


def test_tables_are_prefixed() -> None:
    assert all(table.name.startswith("custody_") for table in CUSTODY_TABLES)
