"""Full verification of a stored log: a sound log passes, every kind of tampering is named."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session, sessionmaker

from civwatch.custody import CustodyLog, leaf_hash
from civwatch.custody.merkle import node_position
from civwatch.custody.models import CustodyLeaf, CustodyNode, CustodyState, CustodyTreeHead
from civwatch.db import transaction
from civwatch.errors import IntegrityError

#: These tests write entries of their own, not those of civwatch's acts.
pytestmark = pytest.mark.raw_custody_entries

SIZE = 21


@pytest.fixture
def signed_log(sessions: sessionmaker[Session], key: Ed25519PrivateKey) -> CustodyLog:
    """21 entries in three batches, with heads signed at sizes 8 and 21."""
    log = CustodyLog()
    with transaction(sessions) as session:
        log.append(session, [{"act": "ingest", "n": n} for n in range(8)])
        log.sign_head(session, key, timestamp_ms=1_700_000_000_000)
    with transaction(sessions) as session:
        log.append(session, [{"act": "sighting", "n": n} for n in range(8, 15)])
    with transaction(sessions) as session:
        log.append(session, [{"act": "export", "n": n} for n in range(15, SIZE)])
        log.sign_head(session, key, timestamp_ms=1_700_000_060_000)
    return log


def _verify(
    sessions: sessionmaker[Session], log: CustodyLog, key: Ed25519PrivateKey, size: int = SIZE
) -> list[str]:
    seen: list[tuple[int, int]] = []
    with sessions() as session:
        problems = log.verify(session, key.public_key(), progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1] == (size, size)
    return problems


def test_a_sound_log_verifies_clean(
    sessions: sessionmaker[Session], signed_log: CustodyLog, key: Ed25519PrivateKey
) -> None:
    assert _verify(sessions, signed_log, key) == []


def test_an_edited_entry_is_named(
    sessions: sessionmaker[Session], signed_log: CustodyLog, key: Ed25519PrivateKey
) -> None:
    with transaction(sessions) as session:
        session.execute(
            update(CustodyLeaf).where(CustodyLeaf.idx == 5).values(entry=b'{"act":"forged"}')
        )
    problems = _verify(sessions, signed_log, key)
    assert problems == [
        "Leaf 5: the stored entry bytes do not match its leaf hash (the entry was altered)."
    ]


def test_an_entry_edited_with_its_leaf_hash_is_caught_by_the_tree_and_heads(
    sessions: sessionmaker[Session], signed_log: CustodyLog, key: Ed25519PrivateKey
) -> None:
    forged = b'{"act":"forged"}'
    with transaction(sessions) as session:
        session.execute(
            update(CustodyLeaf)
            .where(CustodyLeaf.idx == 12)
            .values(entry=forged, leaf_hash=leaf_hash(forged))
        )
    problems = _verify(sessions, signed_log, key)
    assert problems[0].startswith("Node (level 1, index 6) over leaves 12 to 13")
    assert any(p.startswith("Tree head #2 (size 21") and "root hash" in p for p in problems)
    assert not any("Tree head #1" in p for p in problems)  # size 8 predates leaf 12


def test_an_edited_node_is_named(
    sessions: sessionmaker[Session], signed_log: CustodyLog, key: Ed25519PrivateKey
) -> None:
    with transaction(sessions) as session:
        session.execute(
            update(CustodyNode)
            .where(CustodyNode.position == node_position(2, 1))
            .values(hash=b"\x00" * 32)
        )
    problems = _verify(sessions, signed_log, key)
    assert problems == [
        "Node (level 2, index 1) over leaves 4 to 7: the stored hash does not match the "
        "leaves below it (altered)."
    ]


def test_a_deleted_leaf_is_named(
    sessions: sessionmaker[Session], signed_log: CustodyLog, key: Ed25519PrivateKey
) -> None:
    with transaction(sessions) as session:
        session.execute(delete(CustodyLeaf).where(CustodyLeaf.idx == 7))
    problems = _verify(sessions, signed_log, key)
    assert problems[0] == "Leaf 7 is missing from the log."
    assert sum("Tree head" in p for p in problems) == 2  # both heads cover leaf 7


def test_deleted_last_leaves_are_named(
    sessions: sessionmaker[Session], signed_log: CustodyLog, key: Ed25519PrivateKey
) -> None:
    with transaction(sessions) as session:
        session.execute(delete(CustodyLeaf).where(CustodyLeaf.idx >= 18))
    problems = _verify(sessions, signed_log, key)
    assert "The log records 21 entries but its last stored leaf is 17." in problems
    assert "Leaves 18 to 20 are missing from the log." in problems


def test_an_altered_head_is_named(
    sessions: sessionmaker[Session], signed_log: CustodyLog, key: Ed25519PrivateKey
) -> None:
    with transaction(sessions) as session:
        session.execute(update(CustodyTreeHead).where(CustodyTreeHead.id == 1).values(tree_size=9))
        session.execute(
            update(CustodyTreeHead)
            .where(CustodyTreeHead.id == 2)
            .values(timestamp_ms=1_800_000_000_000)
        )
    problems = _verify(sessions, signed_log, key)
    assert len(problems) == 3
    head1 = [p for p in problems if p.startswith("Tree head #1 (size 9")]
    assert len(head1) == 2  # signature and root both fail
    assert any("signature" in p for p in head1) and any("root hash" in p for p in head1)
    head2 = [p for p in problems if p.startswith("Tree head #2 (size 21, signed 2027-01-15")]
    assert len(head2) == 1 and "signature" in head2[0]


def test_signing_is_refused_once_the_signed_history_changed(
    sessions: sessionmaker[Session], signed_log: CustodyLog, key: Ed25519PrivateKey
) -> None:
    with transaction(sessions) as session:
        session.execute(
            update(CustodyNode)
            .where(CustodyNode.position == node_position(4, 0))
            .values(hash=b"\x07" * 32)
        )
    with transaction(sessions) as session:
        signed_log.append(session, [{"act": "review"}])
        with pytest.raises(IntegrityError, match="history was changed"):
            signed_log.sign_head(session, key)
    problems = _verify(sessions, signed_log, key, size=SIZE + 1)
    assert problems == [
        "Node (level 4, index 0) over leaves 0 to 15: the stored hash does not match the "
        "leaves below it (altered)."
    ]


def test_injected_rows_are_named(
    sessions: sessionmaker[Session], signed_log: CustodyLog, key: Ed25519PrivateKey
) -> None:
    with transaction(sessions) as session:
        session.execute(insert(CustodyNode).values(position=node_position(3, 2), hash=b"\x01" * 32))
        session.execute(update(CustodyState).values(tree_size=20))
    problems = _verify(sessions, signed_log, key)
    assert "The log records 20 entries but its last stored leaf is 20." in problems
    assert (
        "Node (level 3, index 2) does not belong to a log of 21 entries (added from outside)."
        in problems
    )
