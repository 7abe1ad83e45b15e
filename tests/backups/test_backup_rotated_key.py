"""A backup taken after the signing key was rotated restores and verifies: the snapshot is
signed by the key in force, the heads from before the rotation by the old one, and the
restored folder walks the chain of keys from the first (its anchor comes with the keys)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from civwatch.backups import make_backup, restore_backup
from civwatch.custody.signing import key_fingerprint, public_key_bytes
from civwatch.evidence.signing_keys import rotate_signing_key
from civwatch.integrity import verify_workspace
from civwatch.workspace import Workspace
from tests.backups.conftest import PASSPHRASE, Target
from tests.incidents.helpers import (
    ingest_photo,
    team,  # noqa: F401  (the shared fixture)
)


def test_a_backup_after_a_rotation_restores_and_verifies(
    team: Workspace,  # noqa: F811
    tmp_path: Path,
    fresh_target: Target,
) -> None:
    ingest_photo(team, tmp_path / "photos", seed=1)
    team.sign_head()
    first = key_fingerprint(public_key_bytes(team.signing_key))
    rotate_signing_key(team, "ada")
    ingest_photo(team, tmp_path / "photos", seed=2)
    now = key_fingerprint(public_key_bytes(team.signing_key))
    assert now != first

    dest = tmp_path / "backup"
    made = make_backup(team, dest, passphrase=PASSPHRASE, now=datetime(2026, 12, 7, tzinfo=UTC))
    settings = fresh_target("rotated")
    report = restore_backup(settings, dest, snapshot=made.name, passphrase=lambda: PASSPHRASE)
    assert report.key_fingerprint == now
    restored = Workspace.open(settings)
    try:
        assert verify_workspace(restored) == []
        assert key_fingerprint(public_key_bytes(restored.signing_key)) == now
    finally:
        restored.close()
