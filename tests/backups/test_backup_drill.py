"""The restore drill: back up a workspace holding evidence, add more, back up again (only
the new blobs are copied), restore each snapshot into a fresh data folder, and check that
each verifies and that its log extends, unchanged, the head signed before its backup (a
wrong passphrase restores nothing, and no key is anywhere in clear). On
SQLite, and on PostgreSQL (pg_dump / pg_restore) with ``-m db``."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from civwatch.backups import make_backup, restore_backup
from civwatch.custody.merkle import verify_consistency
from civwatch.custody.signing import TreeHead, public_key_bytes, verify_tree_head
from civwatch.errors import RejectedInputError
from civwatch.integrity import verify_workspace
from civwatch.workspace import Workspace
from tests.backups.conftest import PASSPHRASE, Target
from tests.incidents.helpers import ingest_photo

T0 = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def _check_restored(
    settings_target: Target,
    dest: Path | str,
    name: str,
    head: TreeHead,
    key: Path | None = None,
) -> int:
    """Restore snapshot ``name`` (its keys, or - for a snapshot without them - the signing
    key file ``key`` put back by hand), verify it, prove its log consistent with ``head``;
    returns how many blobs its vault holds."""
    settings = settings_target(name)
    report = restore_backup(settings, dest, snapshot=name, passphrase=lambda: PASSPHRASE)
    assert report.snapshot == name
    assert report.keys == (0 if key else 1)
    if key is not None:
        settings.signing_key_path.parent.mkdir(mode=0o700)
        shutil.copy2(key, settings.signing_key_path)
    restored = Workspace.open(settings)
    try:
        assert verify_workspace(restored) == []
        # The restored log extends, unchanged, the head signed before the backup.
        verify_tree_head(head, public_key_bytes(restored.signing_key))
        with restored.sessions() as session:
            size = restored.custody.size(session)
            proof = restored.custody.consistency_proof(session, head.tree_size, size)
            assert proof.second_root == restored.custody.root(session, size)
        verify_consistency(head.tree_size, size, head.root_hash, proof.second_root, proof.proof)
        return sum(1 for _ in restored.vault.iter_hashes())
    finally:
        restored.close()


def test_restore_drill(workspace: Workspace, tmp_path: Path, fresh_target: Target) -> None:
    ws = workspace
    photos = tmp_path / "photos"
    ingest_photo(ws, photos, seed=1)
    ingest_photo(ws, photos, seed=2)
    first_head = ws.sign_head()
    dest = tmp_path / "backup"

    first = make_backup(ws, dest, passphrase=PASSPHRASE, now=T0)
    assert (first.blobs, first.copied) == (2, 2)
    assert first.heads["custody"] >= first_head.tree_size
    assert first.keys == 1

    ingest_photo(ws, photos, seed=3)
    second_head = ws.sign_head()
    second = make_backup(ws, dest, now=T0 + timedelta(hours=1))  # without keys
    # Incremental: the two blobs already in the blob area are not copied again.
    assert (second.blobs, second.copied) == (3, 1)
    assert second.name != first.name

    # A wrong passphrase restores nothing; the key and the passphrase are nowhere in clear.
    refused = fresh_target("wrong")
    with pytest.raises(RejectedInputError, match="passphrase does not open the keys"):
        restore_backup(refused, dest, snapshot=first.name, passphrase=lambda: "not-the-passphrase")
    assert not refused.data_dir.exists()
    secret = ws.settings.signing_key_path.read_bytes().splitlines()[1]
    for folder, _dirs, names in os.walk(dest):
        for name in names:
            data = (Path(folder) / name).read_bytes()
            assert secret not in data and PASSPHRASE.encode() not in data, name

    assert _check_restored(fresh_target, dest, first.name, first_head) == 2
    key = ws.settings.signing_key_path
    assert _check_restored(fresh_target, dest, second.name, second_head, key=key) == 3
