"""The file of signed heads kept outside the database: written when a signing transaction
commits (never for one rolled back), whole lines from several processes at once, and
damaged lines named."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session, sessionmaker

from civwatch.custody import CustodyLog, sign_tree_head
from civwatch.custody.heads_file import HeadsFile, head_line, record_on_commit

#: These tests write entries of their own, not those of civwatch's acts.
pytestmark = pytest.mark.raw_custody_entries


def test_a_committed_head_is_kept_and_a_rolled_back_one_is_not(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    heads = HeadsFile(tmp_path / "custody" / "heads.jsonl")
    record_on_commit(sessions, heads)
    log = CustodyLog()
    with sessions() as session, session.begin():
        log.append(session, [{"act": "ingest", "n": 1}])
        signed = log.sign_head(session, key)
    with pytest.raises(RuntimeError), sessions() as session, session.begin():
        log.append(session, [{"act": "ingest", "n": 2}])
        log.sign_head(session, key)
        raise RuntimeError("the transaction fails after signing")
    kept = list(heads.read())
    assert [line.head for line in kept] == [signed]
    assert (tmp_path / "custody" / "heads.jsonl").stat().st_mode & 0o777 == 0o600


def _append_many(path: Path, seed: int) -> None:
    key = Ed25519PrivateKey.generate()
    heads = HeadsFile(path)
    for n in range(200):
        heads.record(sign_tree_head(key, n + seed * 1000, bytes(32), n))


def test_several_processes_append_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "heads.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(path, seed)) for seed in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    lines = list(HeadsFile(path).read())
    assert len(lines) == 800 and all(line.head is not None for line in lines)


def test_damaged_lines_are_named(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "heads.jsonl"
    good = head_line(sign_tree_head(key, 3, bytes(32), 1))
    path.write_bytes(good + b'{"tree_size": "x"}\n' + b"[]\n" + good[:20])
    lines = list(HeadsFile(path).read())
    assert lines[0].head is not None
    assert [line.line for line in lines if line.head is None] == [2, 3, 4]
    assert "incomplete" in (lines[3].error or "")
