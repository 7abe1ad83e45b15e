"""Attacks on the chain of signing keys, each named by the check of the log; and a log whose
key was rotated twice verifies, old heads with the keys that signed them. Real SQLite (and
PostgreSQL with ``-m db`` and ``CIVWATCH_DATABASE_URL``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, insert, update
from sqlalchemy.orm import Session, sessionmaker

from civwatch.custody import CustodyLog
from civwatch.custody.key_chain import KeyChain, walk_chain
from civwatch.custody.key_rotation import announcement_entry, announcements
from civwatch.custody.models import CustodyLeaf, CustodyTreeHead, log_tables
from civwatch.custody.signing import key_fingerprint, public_key_bytes, sign_tree_head
from civwatch.db import Base, transaction
from civwatch.errors import IntegrityError

pytestmark = pytest.mark.raw_custody_entries

AT = datetime(2026, 3, 9, 10, 15, tzinfo=UTC)


def _pub(key: Ed25519PrivateKey) -> bytes:
    return public_key_bytes(key)


def _append(log: CustodyLog, session: Session, count: int, start: int = 0) -> None:
    log.append(session, [{"act": "ingest", "n": n} for n in range(start, start + count)])


def _announce(
    log: CustodyLog,
    session: Session,
    previous: Ed25519PrivateKey,
    new: Ed25519PrivateKey,
    sign: Callable[[bytes], bytes] | None = None,
) -> int:
    entry = announcement_entry(_pub(previous), _pub(new), "ada", AT, sign or previous.sign)
    (leaf,) = log.append(session, [entry])
    return leaf


def _check(sessions: sessionmaker[Session], log: CustodyLog, anchor: bytes) -> list[str]:
    with sessions() as session:
        chain = walk_chain(anchor, announcements(session, log))
        return log.verify(session, chain)


@pytest.fixture
def k0() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def k1() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def k2() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_rotated_twice_every_head_verifies_with_the_key_in_force(
    sessions: sessionmaker[Session],
    k0: Ed25519PrivateKey,
    k1: Ed25519PrivateKey,
    k2: Ed25519PrivateKey,
) -> None:
    log = CustodyLog()
    with transaction(sessions) as session:
        _append(log, session, 5)
        log.sign_head(session, k0)
        first = _announce(log, session, k0, k1)
        log.sign_head(session, k1)
        _append(log, session, 3, 10)
        log.sign_head(session, k1)
        second = _announce(log, session, k1, k2)
        log.sign_head(session, k2)
        _append(log, session, 2, 20)
        log.sign_head(session, k2)
    assert _check(sessions, log, _pub(k0)) == []
    with sessions() as session:
        chain = walk_chain(_pub(k0), announcements(session, log))
        heads = log.heads(session)
    assert [k.fingerprint for k in chain.keys] == [key_fingerprint(_pub(k)) for k in (k0, k1, k2)]
    assert (chain.keys[0].until_leaf, chain.keys[1].since_leaf) == (first, first)
    assert chain.keys[1].until_leaf == second
    assert [h.public_key for h in heads] == [_pub(k) for k in (k0, k1, k1, k2, k2)]
    # Without the chain, the heads of the earlier keys no longer match "the" key.
    with sessions() as session:
        assert log.verify(session, _pub(k2))


def test_a_retired_key_never_signs_again(
    sessions: sessionmaker[Session], k0: Ed25519PrivateKey, k1: Ed25519PrivateKey
) -> None:
    log = CustodyLog()
    with transaction(sessions) as session:
        _append(log, session, 3)
        log.sign_head(session, k0)
        _announce(log, session, k0, k1)
        log.sign_head(session, k1)
        _append(log, session, 1, 10)
    with pytest.raises(IntegrityError, match="retired"), transaction(sessions) as session:
        log.sign_head(session, k0)


def test_a_head_signed_by_a_retired_key_after_its_retirement_is_named(
    sessions: sessionmaker[Session], k0: Ed25519PrivateKey, k1: Ed25519PrivateKey
) -> None:
    log = CustodyLog()
    with transaction(sessions) as session:
        _append(log, session, 3)
        log.sign_head(session, k0)
        leaf = _announce(log, session, k0, k1)
        log.sign_head(session, k1)
        _append(log, session, 2, 10)
        # Someone who kept the old key signs the grown log with it, around the guard.
        size = log.size(session)
        late = sign_tree_head(k0, size, log.root(session), 1_900_000_000_000)
        session.execute(
            insert(CustodyTreeHead).values(
                tree_size=late.tree_size,
                root_hash=late.root_hash,
                timestamp_ms=late.timestamp_ms,
                signature=late.signature,
                public_key=late.public_key,
            )
        )
    problems = _check(sessions, log, _pub(k0))
    assert len(problems) == 1, problems
    assert f"retired by the announcement at entry {leaf}" in problems[0]
    assert "a retired key signed after its retirement" in problems[0]


def test_a_head_signed_by_an_unannounced_key_is_named(
    sessions: sessionmaker[Session], k0: Ed25519PrivateKey, k1: Ed25519PrivateKey
) -> None:
    log = CustodyLog()
    with transaction(sessions) as session:
        _append(log, session, 3)
        log.sign_head(session, k0)
        _append(log, session, 1, 10)
        log.sign_head(session, k1)  # no announcement: a stranger's key
    problems = _check(sessions, log, _pub(k0))
    assert len(problems) == 1, problems
    assert key_fingerprint(_pub(k1)) in problems[0]
    assert "not in the chain of signing keys" in problems[0]


def test_an_announcement_signed_by_the_new_key_itself_is_a_forgery(
    sessions: sessionmaker[Session], k0: Ed25519PrivateKey, k1: Ed25519PrivateKey
) -> None:
    log = CustodyLog()
    with transaction(sessions) as session:
        _append(log, session, 3)
        log.sign_head(session, k0)
        leaf = _announce(log, session, k0, k1, sign=k1.sign)
        log.sign_head(session, k1)
    problems = _check(sessions, log, _pub(k0))
    assert any(
        f"Entry {leaf}, the announcement of key {key_fingerprint(_pub(k1))}, is not signed by "
        "the previous key" in p
        for p in problems
    ), problems
    # The forged key never joins the chain: its head is an unannounced key's.
    assert any("not in the chain of signing keys" in p for p in problems), problems


def test_a_tampered_announcement_is_named(
    sessions: sessionmaker[Session],
    k0: Ed25519PrivateKey,
    k1: Ed25519PrivateKey,
    k2: Ed25519PrivateKey,
) -> None:
    log = CustodyLog()
    with transaction(sessions) as session:
        _append(log, session, 3)
        log.sign_head(session, k0)
        leaf = _announce(log, session, k0, k1)
        log.sign_head(session, k1)
    # The stored announcement is made to name another key (the database edited directly).
    forged = announcement_entry(_pub(k0), _pub(k2), "ada", AT, k0.sign)
    forged["signature"] = announcement_entry(_pub(k0), _pub(k1), "ada", AT, k0.sign)["signature"]
    from civwatch.custody.log import encode_entry

    with transaction(sessions) as session:
        session.execute(
            update(CustodyLeaf).where(CustodyLeaf.idx == leaf).values(entry=encode_entry(forged))
        )
    problems = _check(sessions, log, _pub(k0))
    assert any(f"Leaf {leaf}: the stored entry bytes do not match" in p for p in problems)
    assert any("is not signed by the previous key" in p for p in problems), problems


def test_a_forked_chain_is_named(
    sessions: sessionmaker[Session],
    k0: Ed25519PrivateKey,
    k1: Ed25519PrivateKey,
    k2: Ed25519PrivateKey,
) -> None:
    log = CustodyLog()
    with transaction(sessions) as session:
        _append(log, session, 3)
        log.sign_head(session, k0)
        first = _announce(log, session, k0, k1)
        log.sign_head(session, k1)
        # The old key, kept by someone, announces a second successor.
        second = _announce(log, session, k0, k2)
    problems = _check(sessions, log, _pub(k0))
    assert problems == [
        f"Entry {second} announces a second successor of key {key_fingerprint(_pub(k0))}, "
        f"already retired at entry {first}: the chain of keys is forked."
    ]


def test_a_chain_with_a_gap_is_named(
    sessions: sessionmaker[Session],
    k0: Ed25519PrivateKey,
    k1: Ed25519PrivateKey,
    k2: Ed25519PrivateKey,
) -> None:
    log = CustodyLog()
    with transaction(sessions) as session:
        _append(log, session, 3)
        _announce(log, session, k0, k1)
        second = _announce(log, session, k1, k2)
        log.sign_head(session, k2)
    with sessions() as session:
        found = announcements(session, log)
    # The first announcement is missing (as from a package that left it out).
    chain = walk_chain(_pub(k0), found[1:])
    assert [k.public_key for k in chain.keys] == [_pub(k0)]
    assert len(chain.problems) == 1
    assert f"Entry {second} announces a successor of key" in chain.problems[0]
    assert "the chain of keys has a gap" in chain.problems[0]
    with sessions() as session:
        latest = log.latest_head(session)
    assert latest is not None
    assert "not in the chain" in (chain.head_problem(latest) or "")


def test_a_chain_is_handed_to_worker_processes() -> None:
    import pickle

    anchor = public_key_bytes(Ed25519PrivateKey.generate())
    chain = walk_chain(anchor, [])
    again = pickle.loads(pickle.dumps(chain))
    assert isinstance(again, KeyChain)
    assert again.current.public_key == anchor


@pytest.fixture
def audit_log(engine: Engine) -> Iterator[CustodyLog]:
    """A second log the same keys sign (the protection audit log's tables)."""
    tables = log_tables("protection_audit")
    Base.metadata.drop_all(engine, tables=tables.tables)
    Base.metadata.create_all(engine, tables=tables.tables)
    yield CustodyLog(tables=tables)
    Base.metadata.drop_all(engine, tables=tables.tables)


def test_a_log_without_announcements_is_checked_by_time(
    sessions: sessionmaker[Session],
    audit_log: CustodyLog,
    k0: Ed25519PrivateKey,
    k1: Ed25519PrivateKey,
) -> None:
    log = CustodyLog()
    with transaction(sessions) as session:
        _append(log, session, 2)
        _append(audit_log, session, 2)
        log.sign_head(session, k0)
        audit_log.sign_head(session, k0, timestamp_ms=1_700_000_000_000)
        leaf = _announce(log, session, k0, k1)  # dated AT, 2026-03-09
        log.sign_head(session, k1)
        audit_log.sign_head(session, k1)
        _append(audit_log, session, 1, 10)
        # The old key, kept by someone, signs the other log after its retirement.
        late = sign_tree_head(
            k0,
            audit_log.size(session),
            audit_log.root(session),
            1_900_000_000_000,
            audit_log.tables.name,
        )
        session.execute(
            insert(audit_log.tables.heads).values(
                tree_size=late.tree_size,
                root_hash=late.root_hash,
                timestamp_ms=late.timestamp_ms,
                signature=late.signature,
                public_key=late.public_key,
            )
        )
    with sessions() as session:
        chain = walk_chain(_pub(k0), announcements(session, log))
        assert log.verify(session, chain) == []
        problems = audit_log.verify(session, chain)
    assert len(problems) == 1, problems
    assert f"retired by the announcement at entry {leaf}" in problems[0]
    assert "a retired key signed after its retirement" in problems[0]
