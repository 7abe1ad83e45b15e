"""The blob store contract, on the local folder and on a real S3 API server (moto)."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from civwatch.errors import ConfigurationError, NotFoundError, RejectedInputError, StorageError
from civwatch.vault import BlobStore, open_blob_store, readable_path
from civwatch.vault.s3 import S3BlobStore
from tests.support.s3_server import S3_TEST_PART_SIZE, S3Server
from tests.vault.conftest import leftovers, tamper


@pytest.fixture
def server(store: BlobStore, request: pytest.FixtureRequest) -> S3Server | None:
    """The S3 server behind ``store`` (None for the folder)."""
    return request.getfixturevalue("s3_server") if isinstance(store, S3BlobStore) else None


class BrokenStream(io.RawIOBase):
    """A source that fails after ``good`` bytes (a dropped upload connection)."""

    def __init__(self, good: int) -> None:
        self.left = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.left <= 0:
            raise ConnectionResetError("the uploader went away")
        n = min(len(buffer), self.left, 40_000)
        buffer[:n] = os.urandom(n)
        self.left -= n
        return n


@pytest.mark.parametrize("size", [3 * 1024 * 1024 + 17, 1000])
def test_put_stores_once_under_sha256(store: BlobStore, server: S3Server | None, size: int) -> None:
    data = os.urandom(size)
    first = store.put(io.BytesIO(data), max_size=10**9)
    second = store.put(io.BytesIO(data), max_size=10**9)
    assert first.sha256 == hashlib.sha256(data).hexdigest() == second.sha256
    assert first.created and not second.created
    assert first.size == second.size == size == store.size(first.sha256)
    assert store.exists(first.sha256)
    with store.open(first.sha256) as f:
        assert f.read() == data
    assert list(store.iter_hashes()) == [first.sha256]
    assert store.rehash(first.sha256) == first.sha256
    assert not leftovers(store, server)


def test_open_streams_and_seeks(store: BlobStore) -> None:
    data = os.urandom(5 * S3_TEST_PART_SIZE + 3)
    blob = store.put(io.BytesIO(data), max_size=10**9)
    with store.open(blob.sha256) as f:
        assert f.read(10) == data[:10]
        f.seek(len(data) - 5)
        assert f.read() == data[-5:]
        f.seek(100)
        assert f.read(S3_TEST_PART_SIZE) == data[100 : 100 + S3_TEST_PART_SIZE]


def test_iter_hashes_lists_every_page(store: BlobStore) -> None:
    """The test S3 server answers 5 keys a page: 12 blobs need 3 pages."""
    stored = {store.put(io.BytesIO(b"blob %d" % n), max_size=100).sha256 for n in range(12)}
    assert sorted(store.iter_hashes()) == sorted(stored)


def test_size_limit_and_empty_leave_nothing_behind(
    store: BlobStore, server: S3Server | None
) -> None:
    with pytest.raises(RejectedInputError, match="limit"):
        store.put(io.BytesIO(b"x" * 2000), max_size=1000)
    with pytest.raises(RejectedInputError, match="limit"):  # after several parts went up
        store.put(io.BytesIO(os.urandom(4 * S3_TEST_PART_SIZE)), max_size=3 * S3_TEST_PART_SIZE)
    with pytest.raises(RejectedInputError, match="empty"):
        store.put(io.BytesIO(b""), max_size=1000)
    assert not list(store.iter_hashes())
    assert not leftovers(store, server)


def test_broken_stream_leaves_nothing_behind(store: BlobStore, server: S3Server | None) -> None:
    with pytest.raises(ConnectionResetError):
        store.put(io.BufferedReader(BrokenStream(3 * S3_TEST_PART_SIZE + 5)), max_size=10**9)
    assert not list(store.iter_hashes())
    assert not leftovers(store, server)


def test_missing_blob_and_bad_hash_are_clear_errors(store: BlobStore) -> None:
    with pytest.raises(NotFoundError):
        store.open("0" * 64)
    with pytest.raises(NotFoundError):
        store.size("0" * 64)
    assert not store.exists("0" * 64)
    with pytest.raises(RejectedInputError, match="not a SHA-256"):
        store.open("../../etc/passwd")


def test_changed_bytes_are_found_by_rehash(store: BlobStore, server: S3Server | None) -> None:
    original = b"original evidence bytes"
    blob = store.put(io.BytesIO(original), max_size=1000)
    tamper(store, blob.sha256, b"original evidence byteS", server)
    assert store.rehash(blob.sha256) != blob.sha256


def test_readable_path_gives_the_bytes_and_cleans_up(store: BlobStore) -> None:
    data = os.urandom(2 * S3_TEST_PART_SIZE + 1)
    blob = store.put(io.BytesIO(data), max_size=10**9)
    with readable_path(store, blob.sha256, suffix=".bin") as path:
        assert path.read_bytes() == data
    assert path.exists() == (store.local_path(blob.sha256) is not None)


def test_unknown_url_scheme_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="Unsupported"):
        open_blob_store("ftp://example.org/x")


def test_the_same_content_written_at_once_is_one_blob(
    store: BlobStore, server: S3Server | None
) -> None:
    data = os.urandom(3 * S3_TEST_PART_SIZE + 11)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _n: store.put(io.BytesIO(data), max_size=10**9), [1, 2]))
    assert {r.sha256 for r in results} == {hashlib.sha256(data).hexdigest()}
    assert list(store.iter_hashes()) == [results[0].sha256]
    assert store.rehash(results[0].sha256) == results[0].sha256
    assert not leftovers(store, server)


def test_an_object_replaced_while_it_is_read_is_reported(
    s3_blob_url_factory: Callable[..., str], s3_server: S3Server
) -> None:
    store = open_blob_store(s3_blob_url_factory())
    data = os.urandom(3 * 1024 * 1024)
    blob = store.put(io.BytesIO(data), max_size=10**9)
    with store.open(blob.sha256) as f:
        assert f.read(10) == data[:10]
        tamper(store, blob.sha256, b"other bytes" * 1000, s3_server)
        f.seek(2 * 1024 * 1024)
        with pytest.raises(StorageError, match="changed in the object store"):
            f.read(10)
