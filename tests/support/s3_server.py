"""A real S3 API server for tests: moto in server mode on a free loopback port.

Fixtures (import them into a ``conftest.py``, as ``tests/vault/conftest.py`` does)::

    from tests.support.s3_server import s3_blob_url_factory, s3_server  # noqa: F401

- ``s3_server`` (session): one ``moto.server`` process for the whole test session (per
  xdist worker), an :class:`S3Server` with its ``endpoint`` and a boto3 ``client()``. It
  sets the standard variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
  AWS_DEFAULT_REGION for the session (subprocesses started from the test inherit them).
  The server accepts multipart parts from 1 KiB and lists 5 keys per page, so small test
  files exercise multipart uploads and pagination.
- ``s3_blob_url_factory`` (session): ``make(prefix="vault") -> str``, a fresh empty bucket
  each call, as a ``CIVWATCH_BLOB_URL`` (``s3://BUCKET/PREFIX?endpoint=...&part_size=65536``).

Without moto the tests that use these are skipped, unless ``CIVWATCH_REQUIRE_S3=1`` (CI),
where that fails.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.live import free_port

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

#: Blobs larger than this go up as multipart uploads in tests (small files, several parts).
S3_TEST_PART_SIZE = 64 * 1024
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "civwatch-test-key",
    "AWS_SECRET_ACCESS_KEY": "civwatch-test-secret-do-not-show",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class S3Server:
    endpoint: str

    def client(self) -> S3Client:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def new_bucket(self) -> str:
        name = f"civwatch-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def url(self, bucket: str, prefix: str = "vault") -> str:
        return f"s3://{bucket}/{prefix}?endpoint={self.endpoint}&part_size={S3_TEST_PART_SIZE}"


def _wait_until_up(endpoint: str, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto server did not answer at {endpoint} in {timeout_s} s")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A moto S3 server of this test session (stopped at its end)."""
    if importlib.util.find_spec("moto") is None:
        if os.environ.get("CIVWATCH_REQUIRE_S3") == "1":
            pytest.fail("CIVWATCH_REQUIRE_S3=1 but moto[server] is not installed")
        pytest.skip("needs moto[server] (pip install 'moto[server]')")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "S3_UPLOAD_PART_MIN_SIZE": "1024",
        "MOTO_S3_DEFAULT_MAX_KEYS": "5",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    mp = pytest.MonkeyPatch()
    try:
        _wait_until_up(endpoint, proc, 60)
        for name, value in S3_CREDENTIALS.items():
            mp.setenv(name, value)
        mp.delenv("AWS_PROFILE", raising=False)
        yield S3Server(endpoint)
    finally:
        mp.undo()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def s3_blob_url_factory(s3_server: S3Server) -> Callable[..., str]:
    """``make(prefix="vault")``: a ``CIVWATCH_BLOB_URL`` in a fresh, empty bucket."""

    def make(prefix: str = "vault") -> str:
        return s3_server.url(s3_server.new_bucket(), prefix)

    return make


def s3_objects(server: S3Server, bucket: str, prefix: str = "") -> list[str]:
    """Every key in the bucket under ``prefix``."""
    pages = server.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [entry["Key"] for page in pages for entry in page.get("Contents", [])]


def s3_uploads(server: S3Server, bucket: str) -> list[dict[str, Any]]:
    """Multipart uploads begun and neither completed nor aborted."""
    return list(server.client().list_multipart_uploads(Bucket=bucket).get("Uploads", []))
