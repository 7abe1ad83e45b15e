"""What only the local folder backend promises: read-only files, the free-disk guard."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from civwatch.errors import StorageFullError
from civwatch.vault.local import LocalBlobStore


def test_blobs_are_read_only_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "vault")
    blob = store.put(io.BytesIO(b"evidence"), max_size=1000)
    path = store.local_path(blob.sha256)
    assert path.read_bytes() == b"evidence"
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_disk_guard_refuses_before_writing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "vault", min_free_disk=10**18)
    with pytest.raises(StorageFullError, match="disk space"):
        store.put(io.BytesIO(b"evidence"), max_size=1000)
