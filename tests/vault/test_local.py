import hashlib
import io
import os
import stat
from pathlib import Path

import pytest

from civwatch.errors import NotFoundError, RejectedInputError, StorageFullError
from civwatch.vault import open_blob_store
from civwatch.vault.local import LocalBlobStore


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    s = open_blob_store((tmp_path / "vault").as_uri())
    assert isinstance(s, LocalBlobStore)
    return s


def test_put_stores_once_under_sha256_read_only(store: LocalBlobStore) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    first = store.put(io.BytesIO(data), max_size=10**9)
    second = store.put(io.BytesIO(data), max_size=10**9)
    assert first.sha256 == hashlib.sha256(data).hexdigest() == second.sha256
    assert first.created and not second.created
    path = store.local_path(first.sha256)
    assert path.read_bytes() == data
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert list(store.iter_hashes()) == [first.sha256]
    assert store.rehash(first.sha256) == first.sha256
    assert not list((store.root / "tmp").iterdir())


def test_size_limit_and_empty_leave_nothing_behind(store: LocalBlobStore) -> None:
    with pytest.raises(RejectedInputError, match="limit"):
        store.put(io.BytesIO(b"x" * 2000), max_size=1000)
    with pytest.raises(RejectedInputError, match="empty"):
        store.put(io.BytesIO(b""), max_size=1000)
    assert not list(store.iter_hashes())
    assert not list((store.root / "tmp").iterdir())


def test_disk_guard_refuses_before_writing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "vault", min_free_disk=10**18)
    with pytest.raises(StorageFullError, match="disk space"):
        store.put(io.BytesIO(b"evidence"), max_size=1000)


def test_missing_blob_and_bad_hash_are_clear_errors(store: LocalBlobStore) -> None:
    with pytest.raises(NotFoundError):
        store.open("0" * 64)
    with pytest.raises(RejectedInputError, match="not a SHA-256"):
        store.open("../../etc/passwd")


def test_flipped_byte_is_found_by_rehash(store: LocalBlobStore) -> None:
    blob = store.put(io.BytesIO(b"original evidence bytes"), max_size=1000)
    path = store.local_path(blob.sha256)
    path.chmod(0o644)
    raw = bytearray(path.read_bytes())
    raw[3] ^= 0x01
    path.write_bytes(bytes(raw))
    assert store.rehash(blob.sha256) != blob.sha256


def test_unknown_url_scheme_is_refused(tmp_path: Path) -> None:
    from civwatch.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="Unsupported"):
        open_blob_store("ftp://example.org/x")
