"""The blob stores every vault test runs on: the local folder and a real S3 API server
(moto, tests/support/s3_server.py). ``store`` is parametrised over both; the helpers
``leftovers`` and ``tamper`` reach past the interface the way an outsider would."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from civwatch.vault import BlobStore, open_blob_store
from civwatch.vault.local import LocalBlobStore
from civwatch.vault.s3 import S3BlobStore
from tests.support.s3_server import (  # noqa: F401  (session fixtures)
    S3Server,
    s3_blob_url_factory,
    s3_objects,
    s3_server,
    s3_uploads,
)


@pytest.fixture(params=["folder", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """An empty blob store of each backend (each test that uses it runs on both)."""
    if request.param == "folder":
        url = (tmp_path / "vault").as_uri()
    else:
        url = request.getfixturevalue("s3_blob_url_factory")()
    s = open_blob_store(url)
    s.ensure()
    return s


def leftovers(store: BlobStore, server: S3Server | None = None) -> list[str]:
    """What a write left besides blobs: temporary files, staging objects, open uploads."""
    if isinstance(store, LocalBlobStore):
        return [p.name for p in (store.root / "tmp").iterdir()]
    assert isinstance(store, S3BlobStore) and server is not None
    staging = s3_objects(server, store.bucket, f"{store.prefix}incoming/")
    return staging + [u["Key"] for u in s3_uploads(server, store.bucket)]


def tamper(store: BlobStore, sha256: str, data: bytes, server: S3Server | None = None) -> None:
    """Replace the stored bytes of a blob behind civwatch's back."""
    if isinstance(store, LocalBlobStore):
        path = store.local_path(sha256)
        path.chmod(0o644)
        path.write_bytes(data)
        return
    assert isinstance(store, S3BlobStore) and server is not None
    server.client().put_object(Bucket=store.bucket, Key=store._key(sha256), Body=data)


def bucket_of(url: str) -> str:
    return urlparse(url).hostname or ""
