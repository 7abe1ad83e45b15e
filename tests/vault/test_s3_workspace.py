"""A workspace whose vault is an S3 bucket (a real S3 API server, moto): ingest, extraction,
copies, redaction, packages and verify work end to end, and verify names an object changed
in the bucket behind civwatch's back."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from civwatch.config import Settings
from civwatch.errors import CivwatchError, ConfigurationError, StorageError
from civwatch.evidence.service import find_item
from civwatch.geo.gazetteer import Gazetteer
from civwatch.i18n import localise
from civwatch.integrity import verify_workspace
from civwatch.media.preview import cached_preview
from civwatch.publish.package import build_package
from civwatch.publish.redaction import approve_redaction, create_redaction
from civwatch.vault import open_blob_store, readable_path
from civwatch.vault.s3 import S3BlobStore
from civwatch.web.face_boxes import face_boxes
from civwatch.workspace import Workspace
from tests.conftest import run_cli
from tests.incidents import helpers
from tests.publish.packaging import make_case, run_verify
from tests.support.s3_server import S3_CREDENTIALS, S3Server, s3_objects, s3_uploads
from tests.vault.conftest import bucket_of

gazetteer_cache = helpers.gazetteer_cache
places = helpers.places
team = helpers.team

SECRET = S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]


@pytest.fixture
def settings(settings: Settings, s3_blob_url_factory: Callable[..., str]) -> Settings:
    """The test's settings with the vault in a fresh bucket."""
    return settings.model_copy(update={"blob_url": s3_blob_url_factory("civwatch/vault")})


def test_evidence_lives_in_the_bucket_end_to_end(
    team: Workspace, tmp_path: Path, places: Gazetteer, s3_server: S3Server
) -> None:
    ws = team
    assert isinstance(ws.vault, S3BlobStore)
    case = make_case(ws, tmp_path / "in", places)  # ingest (exiftool), copies (pdq)
    first, second = case.shas
    item = find_item(ws, first)
    assert item.media_type == "image/jpeg" and item.size == ws.vault.size(first)
    assert face_boxes(ws, first)["width"] > 0  # the preview made from a temporary copy
    draft = create_redaction(ws, first, actor="ivan")  # faces found on a temporary copy
    approve_redaction(ws, draft["id"], actor="pat")
    bag = tmp_path / "pkg"
    build_package(ws, case.incident_id, bag, actor="pat", include_originals=True)
    (original,) = (bag / "data" / "items" / second).glob("original.*")
    assert hashlib.sha256(original.read_bytes()).hexdigest() == second
    assert run_verify(bag, isolated=True).returncode in (0, 3)

    bucket = bucket_of(ws.settings.resolved_blob_url)
    keys = s3_objects(s3_server, bucket)
    assert sorted(keys) == sorted(
        f"civwatch/vault/sha256/{s[:2]}/{s[2:4]}/{s}"
        for s in (first, second, draft["derivative_sha256"])
    )
    assert not (ws.data_dir / "vault").exists(), "nothing of the vault on local disk"
    assert not s3_uploads(s3_server, bucket)
    assert verify_workspace(ws) == []

    s3_server.client().put_object(Bucket=bucket, Key=ws.vault._key(second), Body=b"forged")
    problems = verify_workspace(ws)
    assert [p.message for p in problems if second in p.message], problems
    assert "changed" in " ".join(p.message for p in problems)


def test_the_command_line_verifies_objects(
    workspace: Workspace, tmp_path: Path, cli_env: dict[str, str], s3_server: S3Server
) -> None:
    env = {**cli_env, "CIVWATCH_BLOB_URL": workspace.settings.resolved_blob_url}
    src = tmp_path / "src"
    src.mkdir()
    (src / "note.txt").write_bytes(b"a witness statement, typed")
    run_cli(env, "ingest", str(src), check=True)
    assert run_cli(env, "verify").returncode == 0
    (sha,) = workspace.vault.iter_hashes()
    bucket = bucket_of(workspace.settings.resolved_blob_url)
    s3_server.client().put_object(Bucket=bucket, Key=workspace.vault._key(sha), Body=b"x")
    proc = run_cli(env, "verify")
    assert proc.returncode == 1 and sha in proc.stderr and "changed" in proc.stderr


def test_a_video_preview_is_made_from_the_bucket(
    s3_blob_url_factory: Callable[..., str], tmp_path: Path
) -> None:
    """ffmpeg takes the frame from a temporary copy, removed afterwards."""
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5",
         "-t", "1", "-pix_fmt", "yuv420p", str(clip)],
        check=True,
    )  # fmt: skip
    store = open_blob_store(s3_blob_url_factory())
    with clip.open("rb") as f:
        sha = store.put(f, max_size=10**7).sha256
    copies: list[Path] = []

    @contextmanager
    def original() -> Iterator[Path]:
        with readable_path(store, sha) as path:
            copies.append(path)
            yield path

    data, kind = cached_preview(
        tmp_path / "cache", sha, "video/mp4", original, settings=Settings(data_dir=tmp_path)
    )
    assert kind == "image/jpeg" and data.startswith(b"\xff\xd8")
    assert copies and not copies[0].exists()


def test_stale_staging_is_cleaned(
    s3_blob_url_factory: Callable[..., str], s3_server: S3Server
) -> None:
    store = open_blob_store(s3_blob_url_factory())
    assert isinstance(store, S3BlobStore)
    client = s3_server.client()
    host = store._staging_key().removeprefix(store._staging_prefix).split("/")[0]
    dead = f"{store._staging_prefix}{host}/999999999-dead"
    mine = f"{store._staging_prefix}{host}/{os.getpid()}-live"
    elsewhere = f"{store._staging_prefix}other-machine/123-fresh"
    for key in (dead, mine):
        client.create_multipart_upload(Bucket=store.bucket, Key=key)
    for key in (dead, mine, elsewhere):
        client.put_object(Bucket=store.bucket, Key=key, Body=b"half")
    assert store.clean_incomplete() == 2  # the dead writer's upload and object
    assert sorted(s3_objects(s3_server, store.bucket)) == sorted([mine, elsewhere])
    assert [u["Key"] for u in s3_uploads(s3_server, store.bucket)] == [mine]
    store.stale_after = timedelta(0)  # another machine's writes are old now; ours runs
    assert store.clean_incomplete() == 1
    assert s3_objects(s3_server, store.bucket) == [mine]


def _refused(url: str, caplog: pytest.LogCaptureFixture) -> CivwatchError:
    with caplog.at_level(logging.DEBUG), pytest.raises(CivwatchError) as caught:
        open_blob_store(url).ensure()
    error = caught.value
    for text in (error.message, localise(error.message, "uk"), caplog.text):
        assert SECRET not in text
    # no chained boto3 exception (with its request details) behind the message
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    return error


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("s3://", "bucket name"),
        ("s3://Bad_Bucket/x", "bucket name"),
        ("s3://key:secret@bucket/x", "AWS_ACCESS_KEY_ID"),
        ("s3://bucket/x?endpoint=ftp://host", "http://"),
        ("s3://bucket/x?endpont=http://host", "unknown option endpont"),
        ("s3://bucket/x?part_size=10", "part_size"),
    ],
)
def test_bad_urls_are_refused_clearly(
    url: str, words: str, caplog: pytest.LogCaptureFixture
) -> None:
    error = _refused(url, caplog)
    assert isinstance(error, ConfigurationError) and words in error.message
    assert "secret" not in error.message
    assert localise(error.message, "uk") != error.message


def test_store_failures_are_clear_and_never_show_the_secret(
    s3_server: S3Server, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = _refused(s3_server.url("no-such-bucket"), caplog)
    assert isinstance(missing, ConfigurationError)
    assert "no-such-bucket" in missing.message and "does not exist" in missing.message

    unreachable = _refused(
        s3_server.url(s3_server.new_bucket()).replace(s3_server.endpoint, "http://127.0.0.1:9"),
        caplog,
    )
    assert isinstance(unreachable, StorageError) and "cannot be reached" in unreachable.message

    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    no_credentials = _refused(s3_server.url("any-bucket"), caplog)
    assert isinstance(no_credentials, ConfigurationError)
    assert "AWS_SECRET_ACCESS_KEY" in no_credentials.message
    assert localise(no_credentials.message, "uk") != no_credentials.message


@pytest.mark.parametrize("code", ["AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"])
def test_refused_credentials_are_told_without_the_secret(code: str) -> None:
    """moto accepts any key, so the store's refusal is the answer S3 gives, built here."""
    from botocore.exceptions import ClientError

    store = S3BlobStore.from_url("s3://evidence/x?endpoint=https://minio.example:9000")
    answer = {
        "Error": {"Code": code, "Message": f"The request signature we calculated... {SECRET}"},
        "ResponseMetadata": {"HTTPStatusCode": 403},
    }
    with pytest.raises(ConfigurationError) as caught, store._translated():
        raise ClientError(answer, "HeadBucket")
    message = caught.value.message
    assert code in message and "AWS_SECRET_ACCESS_KEY" in message and SECRET not in message
    assert "minio.example" in localise(message, "uk") and SECRET not in localise(message, "uk")
