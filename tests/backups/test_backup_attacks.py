"""Backups under attack: a damaged or missing blob, an altered database copy, manifest or
description, a description signed by someone else, a wrong passphrase, a folder that is
not empty or not a backup. Each is refused with a message that names what is wrong, and
no refused restore leaves a data folder civwatch would open."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from civwatch.backups import layout, make_backup, restore_backup
from civwatch.backups.make import BackupReport
from civwatch.errors import CivwatchError, IntegrityError, NotFoundError, RejectedInputError
from civwatch.workspace import MARKER, Workspace
from tests.backups.conftest import Target
from tests.conftest import run_cli
from tests.incidents.helpers import ingest_photo


@pytest.fixture
def backed_up(workspace: Workspace, tmp_path: Path) -> tuple[Path, BackupReport, list[str]]:
    """A backup folder with one snapshot (no keys) of a workspace holding two photos."""
    shas = [ingest_photo(workspace, tmp_path / "photos", seed=s) for s in (1, 2)]
    dest = tmp_path / "backup"
    return dest, make_backup(workspace, dest), shas


def _blob(dest: Path, sha: str) -> Path:
    return dest / layout.BLOBS / "sha256" / sha[:2] / sha[2:4] / sha


def _overwrite(path: Path, data: bytes) -> None:
    path.chmod(0o644)
    path.write_bytes(data)


def _refused(target: Target, dest: Path, name: str = "t", **kw: object) -> CivwatchError:
    settings = target(name)
    with pytest.raises(CivwatchError) as caught:
        restore_backup(settings, dest, **kw)  # type: ignore[arg-type]
    assert not (settings.data_dir / MARKER).exists()
    return caught.value


def test_a_damaged_blob_is_named_and_the_restore_fails(
    backed_up: tuple[Path, BackupReport, list[str]], fresh_target: Target
) -> None:
    dest, _report, (first, second) = backed_up
    blob = _blob(dest, first)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    _overwrite(blob, bytes(data))
    _blob(dest, second).unlink()
    error = _refused(fresh_target, dest)
    assert isinstance(error, IntegrityError)
    assert f"{first} is damaged in the backup" in error.message
    assert f"{second} is missing from the backup" in error.message
    assert "2 blobs of the backup could not be restored" in error.message


@pytest.mark.parametrize("file", ["database", layout.MANIFEST, f"{layout.FILES}/{MARKER}"])
def test_an_altered_file_of_the_snapshot_is_refused_before_anything_is_written(
    backed_up: tuple[Path, BackupReport, list[str]], fresh_target: Target, file: str
) -> None:
    dest, report, _shas = backed_up
    snapshot = layout.read_snapshot(report.folder)
    name = snapshot.database_file if file == "database" else file
    path = report.folder / name
    data = path.read_bytes()
    path.write_bytes(data[:-40] + bytes(b ^ 0xFF for b in data[-40:]))
    settings = fresh_target("t")
    with pytest.raises(IntegrityError, match=f"{name} does not match its SHA-256"):
        restore_backup(settings, dest)
    assert not settings.data_dir.exists()


def test_a_description_altered_to_match_is_refused_by_its_signature(
    backed_up: tuple[Path, BackupReport, list[str]], fresh_target: Target
) -> None:
    dest, report, (first, _second) = backed_up
    manifest = report.folder / layout.MANIFEST
    lines = manifest.read_bytes().splitlines(keepends=True)
    manifest.write_bytes(b"".join(line for line in lines if first.encode() not in line))
    doc_path = report.folder / layout.SNAPSHOT_DOC
    doc = json.loads(doc_path.read_bytes())
    sha, size = layout.sha256_of(manifest)
    doc["files"][layout.MANIFEST] = {"sha256": sha, "size": size}
    doc_path.write_bytes(layout.canonical(doc))
    error = _refused(fresh_target, dest)
    assert "the signature of snapshot.json does not verify" in error.message


def test_a_description_signed_by_another_key_is_refused(
    backed_up: tuple[Path, BackupReport, list[str]], fresh_target: Target
) -> None:
    dest, report, _shas = backed_up
    impostor = Ed25519PrivateKey.generate()
    doc_path = report.folder / layout.SNAPSHOT_DOC
    doc = json.loads(doc_path.read_bytes())
    doc["public_key"] = base64.b64encode(impostor.public_key().public_bytes_raw()).decode()
    doc_bytes = layout.canonical(doc)
    doc_path.write_bytes(doc_bytes)
    (report.folder / layout.SNAPSHOT_SIG).write_bytes(layout.sign_snapshot(doc_bytes, impostor))
    # The heads inside were signed by the workspace's key, not the impostor's.
    error = _refused(fresh_target, dest)
    assert "a tree head names another signing key" in error.message


def test_expect_key_refuses_a_backup_signed_by_another_key(
    backed_up: tuple[Path, BackupReport, list[str]], fresh_target: Target
) -> None:
    dest, _report, _shas = backed_up
    error = _refused(fresh_target, dest, expect_key="0" * 64)
    assert "not by " + "0" * 64 in error.message


def test_garbage_for_a_description_is_refused(
    backed_up: tuple[Path, BackupReport, list[str]], fresh_target: Target
) -> None:
    dest, report, _shas = backed_up
    (report.folder / layout.SNAPSHOT_DOC).write_bytes(b"\x00\xff not json")
    error = _refused(fresh_target, dest)
    assert "snapshot.json is not a snapshot description" in error.message


def test_a_short_passphrase_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(RejectedInputError, match="12 characters or more"):
        make_backup(workspace, tmp_path / "backup", passphrase="short")
    assert layout.snapshot_names(tmp_path / "backup") == []


def test_a_non_empty_data_folder_is_refused(
    backed_up: tuple[Path, BackupReport, list[str]], fresh_target: Target
) -> None:
    dest, _report, _shas = backed_up
    settings = fresh_target("t")
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "notes.txt").write_text("mine")
    with pytest.raises(RejectedInputError, match="is not empty"):
        restore_backup(settings, dest)
    assert sorted(p.name for p in settings.data_dir.iterdir()) == ["notes.txt"]


def test_a_folder_that_is_not_a_backup_is_refused(
    workspace: Workspace, tmp_path: Path, fresh_target: Target
) -> None:
    settings = fresh_target("t")
    for folder in (workspace.data_dir, tmp_path / "missing"):
        with pytest.raises(RejectedInputError, match="is not a civwatch backup folder"):
            restore_backup(settings, folder)
    bogus = tmp_path / "bogus"
    bogus.mkdir()
    (bogus / layout.MARKER).write_text("[1, 2]")
    with pytest.raises(RejectedInputError, match="is not a civwatch backup folder"):
        restore_backup(settings, bogus)
    (bogus / layout.MARKER).write_text(json.dumps({"format": layout.MARKER_FORMAT}))
    with pytest.raises(NotFoundError, match="holds no snapshot"):
        restore_backup(settings, bogus)
    assert not settings.data_dir.exists()


def test_a_backup_into_a_folder_holding_something_else_is_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    dest = tmp_path / "documents"
    dest.mkdir()
    (dest / "thesis.odt").write_text("mine")
    with pytest.raises(RejectedInputError, match="neither empty nor a civwatch backup folder"):
        make_backup(workspace, dest)
    assert sorted(p.name for p in dest.iterdir()) == ["thesis.odt"]


def test_an_unknown_snapshot_is_named_with_those_there_are(
    backed_up: tuple[Path, BackupReport, list[str]], fresh_target: Target
) -> None:
    dest, report, _shas = backed_up
    error = _refused(fresh_target, dest, snapshot="20000101T000000Z")
    assert isinstance(error, NotFoundError)
    assert report.name in error.message


def test_a_backup_inside_the_data_folder_or_at_another_url_is_refused(
    workspace: Workspace, cli_env: dict[str, str]
) -> None:
    with pytest.raises(RejectedInputError, match="inside the data folder"):
        make_backup(workspace, workspace.data_dir / "backup")
    assert not (workspace.data_dir / "backup").exists()
    # A folder or an s3:// URL (tests/backups/test_backup_s3.py); any other URL is refused.
    done = run_cli(cli_env, "backup", "ftp://host/civwatch")
    assert done.returncode == 1
    assert "is not a place civwatch can keep a backup" in done.stderr
    assert not Path("ftp:").exists()


def test_a_damaged_blob_in_the_vault_stops_the_backup(workspace: Workspace, tmp_path: Path) -> None:
    sha = ingest_photo(workspace, tmp_path / "photos", seed=1)
    blob = workspace.vault.local_path(sha)
    assert blob is not None
    _overwrite(blob, b"not the photo any more")
    dest = tmp_path / "backup"
    with pytest.raises(IntegrityError, match=f"The blob {sha} in the vault does not match"):
        make_backup(workspace, dest)
    assert layout.snapshot_names(dest) == []
