"""Several logs in one database (the evidence custody log and the protection audit log):
each keeps its own tree, heads and heads file, and nothing of one counts for the other."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from civwatch.custody import CustodyLog, verify_inclusion, verify_tree_head
from civwatch.custody.audit import KeptHead
from civwatch.custody.heads_file import HeadsFile, record_on_commit
from civwatch.custody.merkle import EMPTY_ROOT
from civwatch.custody.models import CUSTODY_TABLES, LogTables, log_tables
from civwatch.custody.signing import TREE_HEAD_PREFIX, tree_head_message, tree_head_prefix
from civwatch.db import Base, transaction
from civwatch.errors import IntegrityError, ProofError

#: These tests write entries of their own, not those of civwatch's acts.
pytestmark = pytest.mark.raw_custody_entries

OTHER = "protection_audit"


@pytest.fixture
def other_tables(engine: Engine) -> Iterator[LogTables]:
    """The second log's tables, created beside the custody log's."""
    tables = log_tables(OTHER)
    Base.metadata.drop_all(engine, tables=tables.tables)
    Base.metadata.create_all(engine, tables=tables.tables)
    yield tables
    Base.metadata.drop_all(engine, tables=tables.tables)


@pytest.fixture
def logs(other_tables: LogTables) -> tuple[CustodyLog, CustodyLog]:
    return CustodyLog(), CustodyLog(tables=other_tables)


def _entries(kind: str, start: int, count: int) -> list[dict[str, object]]:
    return [{"act": kind, "n": n} for n in range(start, start + count)]


def test_the_custody_log_keeps_its_table_names(other_tables: LogTables) -> None:
    custody = log_tables("custody")
    assert (
        [t.name for t in custody.tables]
        == [t.name for t in CUSTODY_TABLES]
        == [
            "custody_leaves",
            "custody_nodes",
            "custody_tree_heads",
            "custody_state",
        ]
    )
    assert CustodyLog().tables is custody and log_tables(OTHER) is other_tables
    assert [t.name for t in other_tables.tables] == [
        "protection_audit_leaves",
        "protection_audit_nodes",
        "protection_audit_tree_heads",
        "protection_audit_state",
    ]
    # The custody log signs what it always signed; another log signs under its own name.
    assert tree_head_prefix() == TREE_HEAD_PREFIX == b"civwatch-custody-tree-head-v1\n"
    assert tree_head_prefix(OTHER) == b"civwatch-protection_audit-tree-head-v1\n"
    for bad in ("", "Custody", "x;drop", "custody\n", "a" * 41):
        with pytest.raises(ValueError):
            log_tables(bad)


def test_appending_to_one_log_leaves_the_other_unchanged(
    sessions: sessionmaker[Session], logs: tuple[CustodyLog, CustodyLog]
) -> None:
    custody, other = logs
    with transaction(sessions) as session:
        custody.append(session, _entries("ingest", 0, 11))
    with sessions() as session:
        custody_root = custody.root(session)
        assert (custody.size(session), other.size(session)) == (11, 0)
        assert other.root(session) == EMPTY_ROOT and list(other.entries(session)) == []
    with transaction(sessions) as session:
        assert other.append(session, _entries("protection-read", 0, 5)) == [0, 1, 2, 3, 4]
    with sessions() as session:
        assert custody.root(session) == custody_root and custody.size(session) == 11
        assert other.size(session) == 5
        assert [i for i, _ in other.entries(session)] == [0, 1, 2, 3, 4]
    with transaction(sessions) as session:
        assert custody.append(session, _entries("ingest", 11, 1)) == [11]


def test_a_proof_of_one_log_does_not_verify_against_the_others_head(
    sessions: sessionmaker[Session], logs: tuple[CustodyLog, CustodyLog], key: Ed25519PrivateKey
) -> None:
    custody, other = logs
    with transaction(sessions) as session:
        custody.append(session, _entries("ingest", 0, 9))
        other.append(session, _entries("protection-read", 0, 9))
        custody_head = custody.sign_head(session, key)
        other_head = other.sign_head(session, key)
    assert custody_head.root_hash != other_head.root_hash
    with sessions() as session:
        for index in range(9):
            proof = other.inclusion_proof(session, index, 9)
            verify_inclusion(index, 9, proof.leaf_hash, proof.audit_path, other_head.root_hash)
            with pytest.raises(ProofError):
                verify_inclusion(
                    index, 9, proof.leaf_hash, proof.audit_path, custody_head.root_hash
                )


def test_a_head_signed_for_one_log_is_no_head_of_the_other(
    sessions: sessionmaker[Session], logs: tuple[CustodyLog, CustodyLog], key: Ed25519PrivateKey
) -> None:
    """The same key signs both logs' heads: a head of the protection log, copied into the
    custody log's table or heads file (two logs with the same entries have the same root),
    must not vouch for the custody log."""
    custody, other = logs
    same = _entries("ingest", 0, 4)
    with transaction(sessions) as session:
        custody.append(session, same)
        other.append(session, same)
        other_head = other.sign_head(session, key)
    assert other_head.log == OTHER
    verify_tree_head(other_head, key.public_key())
    assert other_head.message() == tree_head_message(
        4, other_head.timestamp_ms, other_head.root_hash, OTHER
    )
    with pytest.raises(ProofError):
        verify_tree_head(dataclasses.replace(other_head, log="custody"), key.public_key())
    with transaction(sessions) as session:
        session.execute(
            insert(log_tables("custody").heads).values(
                tree_size=other_head.tree_size,
                root_hash=other_head.root_hash,
                timestamp_ms=other_head.timestamp_ms,
                signature=other_head.signature,
                public_key=other_head.public_key,
            )
        )
    with sessions() as session:
        problems = custody.verify(session, key.public_key())
        kept = custody.audit(
            session, key.public_key(), kept_heads=[KeptHead("heads.jsonl line 1", other_head)]
        )
        assert other.verify(session, key.public_key()) == []
    assert any("Tree head #1" in p and "does not verify" in p for p in problems), problems
    assert any("heads.jsonl line 1" in p.message and "does not verify" in p.message for p in kept)


def test_damage_to_one_log_is_named_in_that_log_only(
    sessions: sessionmaker[Session], logs: tuple[CustodyLog, CustodyLog], key: Ed25519PrivateKey
) -> None:
    custody, other = logs
    with transaction(sessions) as session:
        custody.append(session, _entries("ingest", 0, 6))
        other.append(session, _entries("protection-read", 0, 6))
        custody.sign_head(session, key)
        other.sign_head(session, key)
    leaves = log_tables(OTHER).leaves
    with transaction(sessions) as session:
        session.execute(update(leaves).where(leaves.c.idx == 2).values(entry=b'{"act":"forged"}'))
    with sessions() as session:
        assert custody.verify(session, key.public_key()) == []
        problems = other.verify(session, key.public_key())
        assert session.scalar(select(leaves.c.entry).where(leaves.c.idx == 2)) == (
            b'{"act":"forged"}'
        )
    assert any("Leaf 2" in p for p in problems), problems


def test_each_log_keeps_its_heads_in_its_own_file(
    sessions: sessionmaker[Session],
    logs: tuple[CustodyLog, CustodyLog],
    key: Ed25519PrivateKey,
    tmp_path: Path,
) -> None:
    custody, other = logs
    custody_file = HeadsFile(tmp_path / "heads.jsonl")
    other_file = HeadsFile(tmp_path / "protection-heads.jsonl", OTHER)
    record_on_commit(sessions, custody_file, other_file)
    with transaction(sessions) as session:
        custody.append(session, _entries("ingest", 0, 3))
        other.append(session, _entries("protection-read", 0, 2))
        custody_head = custody.sign_head(session, key)
        other_head = other.sign_head(session, key)
    assert [line.head for line in custody_file.read()] == [custody_head]
    assert [line.head for line in other_file.read()] == [other_head]
    with pytest.raises(IntegrityError):
        custody_file.record(other_head)
