"""Backups to an S3 bucket (``s3://BUCKET/PREFIX?endpoint=URL``) on a real S3 API server
(moto): the restore drill (an incremental backup copies only the new blob; each snapshot
restores into a fresh data folder that verifies and extends the head signed before it), an
object altered in the bucket refused at restore, an unfinished snapshot never restored, and
prune removing remote snapshots, unfinished uploads and the blobs only they needed."""

from __future__ import annotations

import io
import json
import socket
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from civwatch.backups import layout, make_backup, restore_backup, target
from civwatch.backups.prune import prune_backups
from civwatch.errors import CivwatchError, IntegrityError, RejectedInputError
from civwatch.vault import open_blob_store
from civwatch.workspace import MARKER, Workspace
from tests.backups.conftest import PASSPHRASE, Target
from tests.backups.test_backup_drill import T0, _check_restored
from tests.conftest import run_cli
from tests.incidents.helpers import ingest_photo
from tests.support.s3_server import S3Server, s3_objects

S3Dest = tuple[str, str]


def _blob_key(sha256: str) -> str:
    return f"backups/blobs/sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def test_restore_drill_on_s3(
    workspace: Workspace,
    tmp_path: Path,
    fresh_target: Target,
    s3_server: S3Server,
    s3_dest: S3Dest,
) -> None:
    ws = workspace
    photos = tmp_path / "photos"
    shas = [ingest_photo(ws, photos, seed=s) for s in (1, 2)]
    first_head = ws.sign_head()
    dest, bucket = s3_dest

    first = make_backup(ws, dest, passphrase=PASSPHRASE, now=T0)
    assert (first.blobs, first.copied) == (2, 2)
    assert first.folder == f"s3://{bucket}/backups/snapshots/{first.name}/"
    keys = s3_objects(s3_server, bucket)
    assert "backups/civwatch-backup.json" in keys
    assert f"backups/snapshots/{first.name}/{layout.SNAPSHOT_DOC}" in keys
    assert f"backups/snapshots/{first.name}/{layout.KEYS}" in keys
    assert {_blob_key(s) for s in shas} <= set(keys)

    new = ingest_photo(ws, photos, seed=3)
    second_head = ws.sign_head()
    second = make_backup(ws, dest, now=T0 + timedelta(hours=1))  # without keys
    # Incremental: only the new blob went up; the two in the bucket were not copied again.
    assert (second.blobs, second.copied) == (3, 1)
    assert _blob_key(new) in s3_objects(s3_server, bucket)

    # The signing key and the passphrase are in no object of the bucket.
    secret = ws.settings.signing_key_path.read_bytes().splitlines()[1]
    client = s3_server.client()
    for key in s3_objects(s3_server, bucket):
        data = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert secret not in data and PASSPHRASE.encode() not in data, key

    assert _check_restored(fresh_target, dest, first.name, first_head) == 2
    key = ws.settings.signing_key_path
    restored = _check_restored(
        fresh_target,
        dest,
        second.name,
        second_head,
        key=key,
    )
    assert restored == 3


def test_an_object_altered_in_the_bucket_is_refused_at_restore(
    workspace: Workspace,
    tmp_path: Path,
    fresh_target: Target,
    s3_server: S3Server,
    s3_dest: S3Dest,
) -> None:
    first, _second = (ingest_photo(workspace, tmp_path / "photos", seed=s) for s in (1, 2))
    dest, bucket = s3_dest
    made = make_backup(workspace, dest, now=T0)
    client = s3_server.client()
    prefix = f"backups/snapshots/{made.name}/"

    def refused(name: str) -> CivwatchError:
        settings = fresh_target(name)
        with pytest.raises(CivwatchError) as caught:
            restore_backup(settings, dest)
        assert not (settings.data_dir / MARKER).exists()
        return caught.value

    # A blob altered in the bucket: re-hashed on the way into the vault, and named.
    blob = client.get_object(Bucket=bucket, Key=_blob_key(first))["Body"].read()
    client.put_object(Bucket=bucket, Key=_blob_key(first), Body=blob[:-1] + b"\x00")
    error = refused("blob")
    assert isinstance(error, IntegrityError)
    assert f"{first} is damaged in the backup" in error.message
    client.put_object(Bucket=bucket, Key=_blob_key(first), Body=blob)

    # The database copy altered: refused before anything is written.
    doc_key = prefix + layout.SNAPSHOT_DOC
    doc = json.loads(client.get_object(Bucket=bucket, Key=doc_key)["Body"].read())
    database_file = doc["database"]["file"]  # database.sqlite, or database.dump (PostgreSQL)
    database = prefix + database_file
    original = client.get_object(Bucket=bucket, Key=database)["Body"].read()
    client.put_object(Bucket=bucket, Key=database, Body=original + b"\x00")
    error = refused("database")
    assert isinstance(error, IntegrityError)
    assert f"{database_file} does not match its SHA-256" in error.message
    assert f"s3://{bucket}/{prefix}" in error.message
    assert not fresh_target("database").data_dir.exists()
    client.put_object(Bucket=bucket, Key=database, Body=original)

    # An object whose name would lead out of the snapshot: refused, nothing written there.
    escaped = prefix + "files/../../escaped"
    client.put_object(Bucket=bucket, Key=escaped, Body=b"x")
    assert escaped in s3_objects(s3_server, bucket, prefix)  # the store keeps the name as is
    error = refused("escape")
    assert "files/../../escaped is not a file of a snapshot" in error.message
    client.delete_object(Bucket=bucket, Key=escaped)

    # The description rewritten: its signature no longer verifies.
    doc["blobs"]["count"] = 0
    client.put_object(Bucket=bucket, Key=doc_key, Body=layout.canonical(doc))
    error = refused("doc")
    assert "the signature of snapshot.json does not verify" in error.message


def test_an_unfinished_snapshot_is_never_restored(
    workspace: Workspace,
    tmp_path: Path,
    fresh_target: Target,
    s3_server: S3Server,
    s3_dest: S3Dest,
) -> None:
    ingest_photo(workspace, tmp_path / "photos", seed=1)
    dest, bucket = s3_dest
    done = make_backup(workspace, dest, now=T0)
    later = make_backup(workspace, dest, now=T0 + timedelta(hours=1))
    # A backup killed before its snapshot.json went up.
    s3_server.client().delete_object(
        Bucket=bucket, Key=f"backups/snapshots/{later.name}/{layout.SNAPSHOT_DOC}"
    )
    assert target.backup_target(dest).snapshot_names() == [done.name]
    assert restore_backup(fresh_target("r"), dest).snapshot == done.name


def test_prune_on_s3(
    workspace: Workspace,
    tmp_path: Path,
    fresh_target: Target,
    s3_server: S3Server,
    s3_dest: S3Dest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ingest_photo(workspace, tmp_path / "photos", seed=1)
    dest, bucket = s3_dest
    made = [make_backup(workspace, dest, now=T0 + timedelta(hours=h)) for h in (0, 1, 30)]
    area = open_blob_store(target.backup_target(dest).default_blob_url())
    stray = area.put(io.BytesIO(b"only an old snapshot needed this"), max_size=1000).sha256
    client = s3_server.client()
    killed = "backups/snapshots/20261208T000000Z/database.sqlite"
    client.put_object(Bucket=bucket, Key=killed, Body=b"half")

    # A young unfinished snapshot may be a backup still writing: it is left.
    prune_backups(dest, hourly=0, daily=2, weekly=0, monthly=0)
    assert killed in s3_objects(s3_server, bucket)
    monkeypatch.setattr(target, "UNFINISHED_STALE_AFTER", timedelta(0))
    report = prune_backups(dest, hourly=0, daily=2, weekly=0, monthly=0)
    keys = s3_objects(s3_server, bucket)
    assert killed not in keys
    assert report.kept == [made[1].name, made[2].name]
    assert not any(k.startswith(f"backups/snapshots/{made[0].name}/") for k in keys)
    assert target.backup_target(dest).snapshot_names() == report.kept
    assert not area.exists(stray)
    restore_backup(fresh_target("kept"), dest, snapshot=made[1].name)


def test_the_command_line_backs_up_to_s3_and_refuses_another_url(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path, s3_dest: S3Dest
) -> None:
    ingest_photo(workspace, tmp_path / "photos", seed=1)
    dest, _bucket = s3_dest
    made = run_cli(cli_env, "backup", dest, "--json", check=True)
    assert json.loads(made.stdout)["copied"] == 1
    pruned = run_cli(cli_env, "prune-backups", dest, "--json", check=True)
    assert json.loads(pruned.stdout)["blobs_removed"] == 0
    other = run_cli(cli_env, "--lang", "uk", "backup", "ftp://user:secret@host/backups")
    assert other.returncode == 1
    assert "secret" not in other.stderr


def test_a_backup_and_a_prune_never_run_at_once_in_a_bucket(
    workspace: Workspace, tmp_path: Path, s3_server: S3Server, s3_dest: S3Dest
) -> None:
    ingest_photo(workspace, tmp_path / "photos", seed=1)
    dest, bucket = s3_dest
    make_backup(workspace, dest, now=T0)
    client = s3_server.client()
    lock = "backups/.lock"
    assert lock not in s3_objects(s3_server, bucket)  # released after the backup

    # Held by a process of another machine (a fresh lock): both are refused.
    client.put_object(Bucket=bucket, Key=lock, Body=b'{"host": "elsewhere", "pid": 1}')
    with pytest.raises(RejectedInputError, match="Another backup or prune is working"):
        make_backup(workspace, dest, now=T0 + timedelta(hours=1))
    with pytest.raises(RejectedInputError, match="Another backup or prune is working"):
        prune_backups(dest, daily=1, weekly=0, monthly=0)
    assert len(target.backup_target(dest).snapshot_names()) == 1

    # Left by a process of this machine that is gone: taken over.
    dead = _dead_pid()
    body = json.dumps({"host": socket.gethostname(), "pid": dead}).encode()
    client.put_object(Bucket=bucket, Key=lock, Body=body)
    later = make_backup(workspace, dest, now=T0 + timedelta(hours=2))
    assert later.name in target.backup_target(dest).snapshot_names()
    assert lock not in s3_objects(s3_server, bucket)


def _dead_pid() -> int:
    """The id of a process that has ended."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid
